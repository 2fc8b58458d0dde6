/* SPDX-License-Identifier: MIT */
/*
 * Starts in a busy, multithreaded parent: other threads creating fds
 * without O_CLOEXEC, several threads starting children at once, holders of
 * the fork lock, and a storm of interrupting signals. The numbers of rounds
 * are fixed; nothing here measures time.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 200 };

static atomic_bool stop_threads;

/* Opens and closes fds the careless way, as a library unaware of exec
 * might: none of them is close-on-exec at any time. */
static void *leaky_opener(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_threads)) {
		int fd = open("/dev/null", O_RDONLY);
		int p[2] = {-1, -1};
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		if (pipe(p) == 0) {
			close(p[0]);
			close(p[1]);
		}
		if (fd >= 0)
			close(fd);
		if (s >= 0)
			close(s);
	}
	return NULL;
}

static void threads_start(pthread_t *t, int n, void *(*fn)(void *))
{
	atomic_store(&stop_threads, false);
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_create(&t[i], NULL, fn, NULL), 0);
}

static void threads_stop(pthread_t *t, int n)
{
	atomic_store(&stop_threads, true);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* The default start closes everything it was not given, so fds other
 * threads open without O_CLOEXEC never reach the child. */
static void test_threads_leaky_fds_not_inherited(void **state)
{
	pthread_t t[2];
	int bad = 0, failed = 0;

	(void)state;
	threads_start(t, 2, leaky_opener);
	for (int i = 0; i < ROUNDS; i++) {
		subproc_attr attr = {0};
		struct report r;
		/* Half with a map, half with none (the caller's 0, 1, 2). */
		int rc = i % 2 ? probe_run(&attr, NULL, &r) : probe_run_stdout(&attr, NULL, &r);

		if (rc != 0)
			failed++;
		else if (!report_is(&r, "fds", "0,1,2"))
			bad++;
		report_free(&r);
	}
	threads_stop(t, 2);
	assert_int_equal(failed, 0);
	assert_int_equal(bad, 0);
	assert_true(no_children());
}

static atomic_int concurrent_failures;

static void *starter(void *arg)
{
	int marker = fd_marker(false, -1), files[4] = {0, -1, 2, marker};
	subproc_attr attr = {.files = files, .nfiles = 4};

	(void)arg;
	for (int i = 0; i < ROUNDS / 4; i++) {
		struct report r;

		if (probe_run(&attr, NULL, &r) != 0 || !report_is(&r, "fds", "0,1,2,3") ||
		    !report_fd_is(&r, 3, marker) || !report_exited_ok(&r))
			atomic_fetch_add(&concurrent_failures, 1);
		report_free(&r);
	}
	close(marker);
	return NULL;
}

/* Each thread's children get that thread's fds, never another's. */
static void test_threads_concurrent_starts(void **state)
{
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, starter, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&concurrent_failures), 0);
	assert_true(no_children());
}

/* Creates fds in two steps, under the fork lock as the header asks. */
static void *locked_two_step_opener(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_threads)) {
		int p[2];

		subproc_forklock_rdlock();
		if (pipe(p) == 0) {
			fcntl(p[0], F_SETFD, FD_CLOEXEC);
			fcntl(p[1], F_SETFD, FD_CLOEXEC);
		} else {
			p[0] = p[1] = -1;
		}
		subproc_forklock_rdunlock();
		if (p[0] >= 0) {
			close(p[0]);
			close(p[1]);
		}
	}
	return NULL;
}

/* With SUBPROC_INHERIT_FDS the fork lock keeps half-made fds out: the
 * child has only the fds that were inheritable before the threads ran. */
static void test_threads_forklock_guards_inherit_fds(void **state)
{
	bool inheritable[1024] = {false};
	int files[3] = {0, -1, 2}, bad = 0, failed = 0;
	subproc_attr attr = {.flags = SUBPROC_INHERIT_FDS, .files = files, .nfiles = 3};
	pthread_t t[2];
	DIR *d;
	struct dirent *e;

	(void)state;
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name), fl = fcntl(fd, F_GETFD);
		if (e->d_name[0] != '.' && fd != dirfd(d) && fd < 1024 && fl >= 0 &&
		    !(fl & FD_CLOEXEC))
			inheritable[fd] = true;
	}
	closedir(d);

	threads_start(t, 2, locked_two_step_opener);
	for (int i = 0; i < ROUNDS; i++) {
		struct report r;
		const char *fds;

		if (probe_run(&attr, NULL, &r) != 0) {
			failed++;
			continue;
		}
		fds = report_get(&r, "fds");
		for (const char *p = fds; p && *p;) {
			char *end;
			long fd = strtol(p, &end, 10);
			if (fd >= 3 && (fd >= 1024 || !inheritable[fd])) {
				fprintf(stderr, "round %d: child got fd %ld (fds %s)\n", i, fd,
				        fds);
				bad++;
			}
			p = *end ? end + 1 : end;
		}
		report_free(&r);
	}
	threads_stop(t, 2);
	assert_int_equal(failed, 0);
	assert_int_equal(bad, 0);
}

static atomic_int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&alarms, 1);
}

/* SIGALRM every 100 microseconds, its handler installed without
 * SA_RESTART, so that every slow system call in start and wait is
 * interrupted again and again: each round must still succeed, with the
 * right exit code. */
static void test_threads_start_wait_under_signal_storm(void **state)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = 0}, old;
	struct itimerval tv = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), files[3] = {0, null, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	int failed = 0, wrong = 0;

	(void)state;
	assert_true(null >= 0);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &tv, NULL), 0);
	for (int i = 0; i < ROUNDS; i++) {
		char code[8];
		subproc_proc *proc = NULL;
		subproc_status st;
		subproc_error err;
		int rc;

		snprintf(code, sizeof code, "%d", i % 256);
		rc = subproc_start(&proc, PROBE, PROBE_ARGV("--exit", code), &attr, &err);
		if (rc < 0) {
			fprintf(stderr, "round %d: start: %s (step %s)\n", i, subproc_strerror(rc),
			        subproc_step_name(err.step));
			failed++;
			continue;
		}
		/* Both kinds of wait: unbounded and with a timeout. */
		rc = subproc_wait(proc, 0, i % 2 ? -1 : 30000, &st);
		if (rc < 0) {
			fprintf(stderr, "round %d: wait: %s\n", i, subproc_strerror(rc));
			failed++;
		} else if (subproc_status_exit_code(st.status) != i % 256) {
			wrong++;
		}
		subproc_release(proc);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	close(null);
	assert_int_equal(failed, 0);
	assert_int_equal(wrong, 0);
	/* The storm really happened. */
	assert_true(atomic_load(&alarms) > 0);
	assert_true(no_children());
}

/* --- small thread stacks -------------------------------------------------- */

/* Every way to start a child, from the thread it is given to. */
struct small_result {
	int start, cmd, search, posix, set;
};

/* Its own frame, and subproc_done (4 KiB of it a subproc_error) on the
 * heap, as a caller on a small stack would have it. */
static __attribute__((noinline)) int small_stack_set(void)
{
	const char *const cargv[] = {PROBE, NULL};
	subproc_set *set = NULL;
	subproc_done *d = malloc(sizeof *d);
	int r, got = 0;

	if (d == NULL)
		return -ENOMEM;
	r = subproc_set_new(&set);
	for (int i = 0; i < 3 && r == 0; i++) {
		subproc_cmd *cmd = NULL;

		r = subproc_cmd_new(&cmd, cargv);
		if (r == 0)
			subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE);
		if (r == 0 && (r = subproc_set_add(set, cmd, NULL, 0, NULL)) < 0)
			subproc_cmd_free(cmd);
	}
	while (r == 0 && subproc_set_next(set, d, -1) == 0) {
		if (d->result != 0 || d->out.data == NULL || strstr(d->out.data, "pid=") == NULL)
			r = -EPROTO;
		subproc_output_free(&d->out);
		subproc_output_free(&d->err);
		subproc_cmd_free(d->cmd);
		got++;
	}
	if (r == 0 && got != 3)
		r = -EPROTO;
	subproc_set_free(set);
	free(d);
	return r;
}

static void *small_stack_starts(void *arg)
{
	struct small_result *res = arg;
	char *const argv[] = {PROBE, "--exit", "0", NULL};
	subproc_attr attr = {0};
	subproc_status st;
	subproc_proc *p = NULL;

	/* subproc_start and wait, no error struct: it alone is 4 KiB. */
	res->start = subproc_start(&p, PROBE, argv, &attr, NULL);
	if (res->start == 0) {
		res->start = subproc_wait(p, 0, -1, &st);
		if (res->start == 0 && subproc_status_exit_code(st.status) != 0)
			res->start = -EPROTO;
	}
	subproc_release(p);

	/* A command, captured: the I/O loop too. */
	{
		const char *const cargv[] = {PROBE, NULL};
		subproc_cmd *cmd = NULL;
		subproc_output out = {0};

		res->cmd = subproc_cmd_new(&cmd, cargv);
		if (res->cmd == 0)
			res->cmd = subproc_cmd_output(cmd, &out, NULL, &st, NULL);
		if (res->cmd == 0 && strstr(out.data, "pid=") == NULL)
			res->cmd = -EPROTO;
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
	}

	/* A set of commands, served and drained here. */
	res->set = small_stack_set();

	/* A PATH search, which builds paths. */
	{
		char *const targv[] = {"true", NULL};
		subproc_attr sattr = {.flags = SUBPROC_PATH_SEARCH};

		p = NULL;
		res->search = subproc_start(&p, "true", targv, &sattr, NULL);
		if (res->search == 0)
			res->search = subproc_wait(p, 0, -1, &st);
		subproc_release(p);
	}

	/* posix_spawnp, which searches in the child. */
	{
		char *const targv[] = {"true", NULL};
		pid_t pid = -1;
		int status;

		res->posix = -subproc_posix_spawnp(&pid, "true", NULL, NULL, targv, NULL);
		if (res->posix == 0 && waitpid_bounded(pid, &status, 30000) < 0)
			res->posix = -ETIMEDOUT;
	}
	return NULL;
}

/* A thread with a 16 KiB stack (the documented promise, glibc's
 * PTHREAD_STACK_MIN; musl allows 2 KiB) can start children every way: the
 * child runs on a stack of its own, and nothing on the way keeps a big
 * buffer in a frame. A start that used the caller's stack for the child
 * died of SIGSEGV here. */
#define SMALL_STACK                                                                                \
	((size_t)16384 > (size_t)PTHREAD_STACK_MIN ? (size_t)16384 : (size_t)PTHREAD_STACK_MIN)
static void test_threads_small_stack(void **state)
{
	struct small_result res = {-1, -1, -1, -1, -1};
	pthread_attr_t ta;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_attr_init(&ta), 0);
	assert_int_equal(pthread_attr_setstacksize(&ta, SMALL_STACK), 0);
	assert_int_equal(pthread_create(&t, &ta, small_stack_starts, &res), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&ta);
	assert_int_equal(res.start, 0);
	assert_int_equal(res.cmd, 0);
	assert_int_equal(res.search, 0);
	assert_int_equal(res.posix, 0);
	assert_int_equal(res.set, 0);
	assert_true(no_children());
}

/* The library's own: the calling thread's child stack (src/sys). */
char *subproc__sys_child_stack(size_t *size, size_t *guard);
#define sys_child_stack subproc__sys_child_stack

/* "rw-p" and the like for the mapping that holds addr, "" when none does. */
static void mapping_perms(const void *addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "re");
	uintptr_t a = (uintptr_t)addr, lo, hi;
	char line[512], p[8];

	perms[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s", &lo, &hi, p) == 3 && a >= lo &&
		    a < hi) {
			memcpy(perms, p, 4);
			perms[4] = '\0';
			break;
		}
	}
	fclose(f);
}

struct stack_seen {
	char *top[2]; /* after the first start, and after many more */
	size_t size, guard;
	char below[5], inside[5]; /* the guard's and the stack's permissions */
	int rc;
};

static void *stack_reuse(void *arg)
{
	struct stack_seen *s = arg;
	char *const argv[] = {PROBE, "--exit", "0", NULL};
	subproc_attr attr = {0};

	s->rc = 0;
	for (int i = 0; i < 50 && s->rc == 0; i++) {
		subproc_proc *p = NULL;
		subproc_status st;

		s->rc = subproc_start(&p, PROBE, argv, &attr, NULL);
		if (s->rc == 0)
			s->rc = subproc_wait(p, 0, -1, &st);
		subproc_release(p);
		if (i == 0) {
			s->top[0] = sys_child_stack(&s->size, &s->guard);
			if (s->top[0] != NULL) {
				mapping_perms(s->top[0] - 1, s->inside);
				mapping_perms(s->top[0] - s->size - 1, s->below);
			}
		}
	}
	s->top[1] = sys_child_stack(&s->size, &s->guard);
	return NULL;
}

/* The CLONE_VM paths run the child on one mapping per thread, made at the
 * thread's first start, with a guard page under it, reused by every later
 * start (no mmap per start), and gone when the thread ends. */
static void test_threads_child_stack_per_thread(void **state)
{
	struct stack_seen s = {0};
	char after[5];
	pthread_t t;

	(void)state;
	if (launch_path() != NULL && strcmp(launch_path(), "fork") == 0)
		skip_because("the fork path runs the child on its own copy of the stack");
	assert_int_equal(pthread_create(&t, NULL, stack_reuse, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.rc, 0);
	assert_non_null(s.top[0]);
	assert_ptr_equal(s.top[0], s.top[1]);
	assert_string_equal(s.inside, "rw-p");
	assert_string_equal(s.below, "---p");
	/* The thread has ended: its key's destructor unmapped the stack. */
	mapping_perms(s.top[0] - 1, after);
	assert_string_equal(after, "");
	assert_true(no_children());
}

/* --- the fork lock prefers a waiting start ------------------------------ */

/* Readers pass the read lock from hand to hand: each one holds it until a
 * newer reader holds it too (2 ms at most), so that with a lock that lets
 * new readers in past a waiting writer it is never free of readers. */
static atomic_long reader_generation;

static void *baton_reader(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_threads)) {
		long mine;

		subproc_forklock_rdlock();
		mine = atomic_fetch_add(&reader_generation, 1) + 1;
		for (int i = 0; i < 200 && atomic_load(&reader_generation) == mine; i++) {
			struct timespec ts = {0, 10000};
			nanosleep(&ts, NULL);
		}
		subproc_forklock_rdunlock();
	}
	return NULL;
}

/* Starts that inherit fds take the fork lock for writing; continuous
 * overlapping readers must not keep them out. With glibc's default rwlock
 * (reader preference) this start waited as long as the readers went on. */
static void test_threads_forklock_writer_not_starved(void **state)
{
	pthread_t t[3];
	subproc_attr attr = {.flags = SUBPROC_INHERIT_FDS};

	(void)state;
	atomic_store(&reader_generation, 0);
	threads_start(t, 3, baton_reader);
	for (int i = 0; i < 20; i++) {
		struct report r;

		assert_int_equal(probe_run(&attr, NULL, &r), 0);
		assert_true(report_exited_ok(&r));
		report_free(&r);
	}
	threads_stop(t, 3);
	assert_true(no_children());
}

TEST_MAIN(cmocka_unit_test(test_threads_leaky_fds_not_inherited),
          cmocka_unit_test(test_threads_concurrent_starts),
          cmocka_unit_test(test_threads_forklock_guards_inherit_fds),
          cmocka_unit_test(test_threads_start_wait_under_signal_storm),
          cmocka_unit_test(test_threads_small_stack),
          cmocka_unit_test(test_threads_child_stack_per_thread),
          cmocka_unit_test(test_threads_forklock_writer_not_starved))
