/* SPDX-License-Identifier: MIT */
/*
 * The fd map, and the fds a child does not get. Each child fd is compared,
 * by device and inode, with the parent's fd it should be.
 *
 * The report pipe is at child fd 1 unless a test says otherwise; "markers"
 * are fds with an inode of their own (see fd_marker) at fixed numbers.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* A map of n entries: 0 and 2 to themselves, the rest closed (1 is given
 * the report pipe by probe_run). */
static void map_init(int *files, int n)
{
	for (int i = 0; i < n; i++)
		files[i] = -1;
	files[0] = 0;
	files[2] = 2;
}

static void test_fdmap_identity(void **state)
{
	int a = fd_marker(false, 20), b = fd_marker(false, 21), files[22];
	subproc_attr attr = {.files = files, .nfiles = 22};
	struct report r;

	(void)state;
	assert_true(a == 20 && b == 21);
	map_init(files, 22);
	files[20] = 20;
	files[21] = 21;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2,20,21"));
	assert_true(report_fd_is(&r, 0, 0));
	assert_true(report_fd_is(&r, 2, 2));
	assert_true(report_fd_is(&r, 20, 20));
	assert_true(report_fd_is(&r, 21, 21));
	report_free(&r);
}

/* dev:ino and close-on-exec of fd, to see whether it changed. */
static void fd_identity(int fd, char *buf, size_t size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		snprintf(buf, size, "closed");
	else
		snprintf(buf, size, "%llu:%llu:%d", (unsigned long long)st.st_dev,
		         (unsigned long long)st.st_ino, fcntl(fd, F_GETFD));
}

/*
 * The child's shuffle happens in its own fd table, never in the caller's,
 * although the CLONE_VM paths start the child sharing the caller's table
 * (CLONE_FILES) to avoid copying it: the child takes a private copy first.
 * Had it not, these dup2s onto 0, 1 and 2 and the closes would have hit the
 * caller's own fds.
 */
static void test_fdmap_caller_table_untouched(void **state)
{
	int a = fd_marker(false, 30), b = fd_marker(true, 31), fds[] = {0, 1, 2, 30, 31};
	int files[] = {b, a, b, -1, 30};
	subproc_attr attr = {.files = files, .nfiles = 5};
	char *const argv[] = {PROBE, NULL};
	char before[5][64], after[5][64];
	subproc_proc *proc = NULL;
	subproc_status st;
	int count = fd_count();

	(void)state;
	assert_true(a == 30 && b == 31);
	for (int i = 0; i < 5; i++)
		fd_identity(fds[i], before[i], sizeof before[i]);
	assert_int_equal(subproc_start(&proc, PROBE, argv, &attr, NULL), 0);
	assert_int_equal(subproc_wait(proc, 0, 30000, &st), 0);
	subproc_release(proc);
	for (int i = 0; i < 5; i++) {
		fd_identity(fds[i], after[i], sizeof after[i]);
		assert_string_equal(after[i], before[i]);
	}
	assert_int_equal(fd_count(), count);
	close(a);
	close(b);
}

static void test_fdmap_swap(void **state)
{
	int a = fd_marker(false, 20), b = fd_marker(false, 21), files[22];
	subproc_attr attr = {.files = files, .nfiles = 22};
	struct report r;

	(void)state;
	assert_true(a == 20 && b == 21);
	map_init(files, 22);
	files[20] = 21;
	files[21] = 20;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2,20,21"));
	assert_true(report_fd_is(&r, 20, 21));
	assert_true(report_fd_is(&r, 21, 20));
	report_free(&r);
}

/* child 0 <- parent 1 and child 1 <- parent 0, the report elsewhere. */
static void test_fdmap_swap_std_fds(void **state)
{
	int a = fd_marker(true, -1), b = fd_marker(true, -1), files[6];
	int saved0 = fcntl(0, F_DUPFD_CLOEXEC, 10), saved1 = fcntl(1, F_DUPFD_CLOEXEC, 10);
	subproc_attr attr = {.files = files, .nfiles = 6};
	struct report r;
	int rc;

	(void)state;
	assert_true(a >= 0 && b >= 0 && saved0 >= 0 && saved1 >= 0);
	fflush(stdout);
	dup2(a, 0);
	dup2(b, 1);
	map_init(files, 6);
	files[0] = 1;
	files[1] = 0;
	rc = probe_run_at(&attr, 5, NULL, &r);
	dup2(saved0, 0);
	dup2(saved1, 1);
	close(saved0);
	close(saved1);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "fds", "0,1,2,5"));
	assert_true(report_fd_is(&r, 0, b));
	assert_true(report_fd_is(&r, 1, a));
	report_free(&r);
}

static void test_fdmap_cycle_of_three(void **state)
{
	int files[23];
	subproc_attr attr = {.files = files, .nfiles = 23};
	struct report r;

	(void)state;
	for (int fd = 20; fd <= 22; fd++)
		assert_int_equal(fd_marker(false, fd), fd);
	map_init(files, 23);
	files[20] = 21;
	files[21] = 22;
	files[22] = 20;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_fd_is(&r, 20, 21));
	assert_true(report_fd_is(&r, 21, 22));
	assert_true(report_fd_is(&r, 22, 20));
	report_free(&r);
}

/* child 25 <- 24 and child 26 <- 25: done in index order without care,
 * the first dup2 would overwrite the second one's source. */
static void test_fdmap_chain_overlap(void **state)
{
	int files[27];
	subproc_attr attr = {.files = files, .nfiles = 27};
	struct report r;

	(void)state;
	for (int fd = 24; fd <= 25; fd++)
		assert_int_equal(fd_marker(false, fd), fd);
	map_init(files, 27);
	files[25] = 24;
	files[26] = 25;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2,25,26"));
	assert_true(report_fd_is(&r, 25, 24));
	assert_true(report_fd_is(&r, 26, 25));
	report_free(&r);
}

/* dup2(fd, fd) leaves close-on-exec set: an entry that maps a
 * close-on-exec fd to its own number must still arrive open. */
static void test_fdmap_same_index_cloexec_arrives(void **state)
{
	int m = fd_marker(true, 20), files[21];
	subproc_attr attr = {.files = files, .nfiles = 21};
	struct report r;

	(void)state;
	assert_int_equal(m, 20);
	map_init(files, 21);
	files[20] = 20;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_list_has(&r, "fds", 20));
	assert_true(report_fd_is(&r, 20, 20));
	/* Still close-on-exec in the parent. */
	assert_true(fcntl(20, F_GETFD) & FD_CLOEXEC);
	report_free(&r);
}

static void test_fdmap_one_source_many_targets(void **state)
{
	int m = fd_marker(true, 20), files[33];
	subproc_attr attr = {.files = files, .nfiles = 33};
	struct report r;

	(void)state;
	assert_int_equal(m, 20);
	map_init(files, 33);
	files[20] = 20;
	files[30] = 20;
	files[31] = 20;
	files[32] = 20;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2,20,30,31,32"));
	for (int fd = 30; fd <= 32; fd++)
		assert_true(report_fd_is(&r, fd, 20));
	assert_true(report_fd_is(&r, 20, 20));
	report_free(&r);
}

/* The report pipe can also be one source for several targets. */
static void test_fdmap_std_fd_to_several(void **state)
{
	int files[3] = {2, -1, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2"));
	assert_true(report_fd_is(&r, 0, 2));
	assert_true(report_fd_is(&r, 2, 2));
	report_free(&r);
}

static void test_fdmap_minus_one_closes(void **state)
{
	int files[3] = {-1, -1, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "1,2"));
	report_free(&r);
	files[0] = 0;
	files[2] = -1;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1"));
	report_free(&r);
}

/* A map shorter than 3 closes the standard fds past its end. */
static void test_fdmap_short_map_closes_fd2(void **state)
{
	int files[2] = {0, -1};
	subproc_attr attr = {.files = files, .nfiles = 2};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1"));
	report_free(&r);
}

static void test_fdmap_high_target(void **state)
{
	int m = fd_marker(false, -1), files[200];
	subproc_attr attr = {.files = files, .nfiles = 200};
	struct report r;

	(void)state;
	assert_true(m >= 0);
	map_init(files, 200);
	files[199] = m;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2,199"));
	assert_true(report_fd_is(&r, 199, m));
	report_free(&r);
}

/* With no map at all the child gets exactly fds 0, 1 and 2 as they are,
 * and none of the other fds the parent has open without O_CLOEXEC. */
static void test_default_closes_other_fds(void **state)
{
	subproc_attr attr = {0};
	int m = fd_marker(false, 20), n = fd_marker(false, -1);
	struct report r;

	(void)state;
	assert_true(m == 20 && n >= 0);
	assert_int_equal(probe_run_stdout(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2"));
	assert_true(report_fd_is(&r, 0, 0));
	assert_true(report_fd_is(&r, 2, 2));
	report_free(&r);
}

static void test_map_closes_unmapped_fds(void **state)
{
	int m = fd_marker(false, 20), files[3] = {0, -1, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	struct report r;

	(void)state;
	assert_int_equal(m, 20);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "fds", "0,1,2"));
	report_free(&r);
}

/* The fds the parent has open without close-on-exec, as a bitmap. */
static void inheritable_fds(bool *set, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(set, 0, (size_t)n * sizeof *set);
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		int flags = fcntl(fd, F_GETFD);

		if (e->d_name[0] != '.' && fd != dirfd(d) && fd < n && flags >= 0 &&
		    !(flags & FD_CLOEXEC))
			set[fd] = true;
	}
	if (d)
		closedir(d);
}

/* Every fd the child has must be mapped or inheritable. */
static bool only_inheritable(const struct report *r, const bool *set, int n, int nmapped)
{
	const char *fds = report_get(r, "fds");

	for (const char *p = fds; p && *p;) {
		char *end;
		long fd = strtol(p, &end, 10);

		if (fd >= nmapped && (fd >= n || !set[fd])) {
			fprintf(stderr,
			        "child fd %ld was neither mapped nor inheritable (fds %s)\n", fd,
			        fds);
			return false;
		}
		p = *end ? end + 1 : end;
	}
	return fds != NULL;
}

static void test_inherit_fds_passes_non_cloexec(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_INHERIT_FDS};
	int open_fd = fd_marker(false, 40), cloexec_fd = fd_marker(true, 41);
	bool set[1024];
	struct report r;

	(void)state;
	assert_true(open_fd == 40 && cloexec_fd == 41);
	inheritable_fds(set, 1024);
	assert_int_equal(probe_run_stdout(&attr, NULL, &r), 0);
	assert_true(report_list_has(&r, "fds", 40));
	assert_true(report_fd_is(&r, 40, 40));
	assert_true(report_list_lacks(&r, "fds", 41));
	assert_true(only_inheritable(&r, set, 1024, 3));
	report_free(&r);
}

static void test_inherit_fds_with_map(void **state)
{
	int open_fd = fd_marker(false, 40), cloexec_fd = fd_marker(true, 41), files[3] = {0, -1, 2};
	subproc_attr attr = {.flags = SUBPROC_INHERIT_FDS, .files = files, .nfiles = 3};
	bool set[1024];
	struct report r;

	(void)state;
	assert_true(open_fd == 40 && cloexec_fd == 41);
	inheritable_fds(set, 1024);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_fd_is(&r, 40, 40));
	assert_true(report_list_lacks(&r, "fds", 41));
	assert_true(only_inheritable(&r, set, 1024, 3));
	report_free(&r);
}

/* -1 closes a target even when the parent's fd of that number would be
 * inherited. */
static void test_inherit_fds_minus_one_still_closes(void **state)
{
	int open_fd = fd_marker(false, 40), files[41];
	subproc_attr attr = {.flags = SUBPROC_INHERIT_FDS, .files = files, .nfiles = 41};
	struct report r;

	(void)state;
	assert_int_equal(open_fd, 40);
	map_init(files, 41);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_list_lacks(&r, "fds", 40));
	report_free(&r);
}

/* A map that reaches the soft fd limit (its last target is limit - 1)
 * leaves no room above it for the fds the map moves out of the way (and,
 * on the fork path, for the status pipe): the child raises its soft limit
 * for the map and puts it back, so the map works on every path, and a
 * failure after it is still reported as itself (not EINVAL, not a
 * success). With no room at all (soft limit = hard limit), EMFILE. */
static int check_map_at_limit(void *arg)
{
	enum { LIMIT = 32 };
	int files[LIMIT];
	struct rlimit rl;
	subproc_attr attr = {.files = files, .nfiles = LIMIT};
	subproc_error err;
	struct report r;
	char *const missing[] = {"/nonexistent/subproc-test", NULL};
	char want[32];

	(void)arg;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max <= LIMIT)
		SKIP_FORKED("the hard fd limit is too low");
	rl.rlim_cur = LIMIT;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	map_init(files, LIMIT);
	/* The report pipe (a low fd of ours) goes to LIMIT - 1. */
	CHECK(probe_run_at(&attr, LIMIT - 1, NULL, &r) == 0);
	CHECK(report_exited_ok(&r));
	CHECK(report_list_has(&r, "fds", LIMIT - 1));
	snprintf(want, sizeof want, "%d:", LIMIT);
	CHECK(strncmp(report_get(&r, "rlimit.nofile"), want, strlen(want)) == 0);
	report_free(&r);
	{
		/* The child's raise was its own: ours is as it was. */
		struct rlimit now;
		CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0);
		CHECK(now.rlim_cur == rl.rlim_cur && now.rlim_max == rl.rlim_max);
	}

	files[LIMIT - 1] = 0; /* a source below its target: moved first */
	CHECK(start_fails(missing[0], missing, &attr, -ENOENT, SUBPROC_STEP_EXECVE, &err));

	rl.rlim_max = rl.rlim_cur;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK(start_fails(missing[0], missing, &attr, -EMFILE, -1, &err));
	CHECK(no_children());
	return 0;
}

static void test_fdmap_at_the_fd_limit(void **state)
{
	(void)state;
	assert_forked(check_map_at_limit, NULL);
}

TEST_MAIN(cmocka_unit_test(test_fdmap_identity),
          cmocka_unit_test(test_fdmap_caller_table_untouched), cmocka_unit_test(test_fdmap_swap),
          cmocka_unit_test(test_fdmap_swap_std_fds), cmocka_unit_test(test_fdmap_cycle_of_three),
          cmocka_unit_test(test_fdmap_chain_overlap),
          cmocka_unit_test(test_fdmap_same_index_cloexec_arrives),
          cmocka_unit_test(test_fdmap_one_source_many_targets),
          cmocka_unit_test(test_fdmap_std_fd_to_several),
          cmocka_unit_test(test_fdmap_minus_one_closes),
          cmocka_unit_test(test_fdmap_short_map_closes_fd2),
          cmocka_unit_test(test_fdmap_high_target), cmocka_unit_test(test_default_closes_other_fds),
          cmocka_unit_test(test_map_closes_unmapped_fds),
          cmocka_unit_test(test_inherit_fds_passes_non_cloexec),
          cmocka_unit_test(test_inherit_fds_with_map),
          cmocka_unit_test(test_inherit_fds_minus_one_still_closes),
          cmocka_unit_test(test_fdmap_at_the_fd_limit))
