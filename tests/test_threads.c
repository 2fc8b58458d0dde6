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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
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

TEST_MAIN(cmocka_unit_test(test_threads_leaky_fds_not_inherited),
          cmocka_unit_test(test_threads_concurrent_starts),
          cmocka_unit_test(test_threads_forklock_guards_inherit_fds),
          cmocka_unit_test(test_threads_start_wait_under_signal_storm))
