/* SPDX-License-Identifier: MIT */
/*
 * Hostile conditions the caller's process may be in while it starts, waits
 * for or talks to a child: the process limit reached, a small fd limit, an
 * argument list over the kernel's limit, SIGCHLD ignored or reaped by the
 * caller's own handler, every signal blocked, and a storm of signals that
 * interrupt every blocking call. Most checks change the process for good, so
 * they run in a forked subprocess. Registered once per launch path.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bound for the loops that wait for a signal to have been handled. */
#define SIGNAL_WAIT_MS 30000

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts argv[0] with its stdout on /dev/null, so that the probe's report
 * does not land in the test's output. */
static int start_quiet(subproc_proc **p, char *const argv[], subproc_error *err)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), rc;
	int files[3] = {0, null, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};

	if (null < 0)
		return -errno;
	rc = subproc_start(p, argv[0], argv, &attr, err);
	close(null);
	return rc;
}

/* A command running the probe with `args`. */
static subproc_cmd *cmd_probe(const char *const *args)
{
	const char *argv[8] = {PROBE};
	subproc_cmd *cmd = NULL;
	int n = 1;

	for (size_t i = 0; args != NULL && args[i] != NULL && n < 7; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return subproc_cmd_new(&cmd, argv) == 0 ? cmd : NULL;
}

/* True when `out` holds a whole probe report. */
static bool output_is_report(const subproc_output *out)
{
	struct report r;
	bool ok;

	if (out->data == NULL || report_parse_text(out->data, out->len, &r) < 0)
		return false;
	ok = report_get(&r, "pid") != NULL;
	report_free(&r);
	return ok;
}

/* --- limits --------------------------------------------------------------------- */

/* RLIMIT_NPROC does not hold root back (CAP_SYS_RESOURCE), so the check
 * becomes nobody first. */
static int check_nproc(void *arg)
{
	const struct rlimit none = {0, 0};
	char *const argv[] = {PROBE, NULL};
	subproc_output out = {0};
	subproc_error err;
	subproc_cmd *cmd;
	int before;

	(void)arg;
	if (getuid() == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			SKIP_FORKED("cannot become nobody: %s", strerror(errno));
		/* The uid change made the process undumpable, which hands its
		 * /proc/self/fd (that fd_count reads) to root. */
		CHECK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0);
	}
	before = fd_count();
	CHECK(before > 0);
	CHECK(setrlimit(RLIMIT_NPROC, &none) == 0);

	CHECK(start_fails(PROBE, argv, NULL, -EAGAIN, SUBPROC_STEP_LAUNCH, &err));
	CHECK(strcmp(err.path, "clone3") == 0 || strcmp(err.path, "clone") == 0 ||
	      strcmp(err.path, "fork") == 0);

	cmd = cmd_probe(NULL);
	CHECK(cmd != NULL);
	CHECK(subproc_cmd_output(cmd, &out, NULL, NULL, &err) == -EAGAIN);
	CHECK(error_is(-EAGAIN, &err, -EAGAIN, SUBPROC_STEP_LAUNCH));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	CHECK(fd_count() == before);
	CHECK(no_children());
	return 0;
}

static void test_hostile_nproc_reached(void **state)
{
	(void)state;
	assert_forked(check_nproc, NULL);
}

/*
 * RLIMIT_NOFILE of 16, with the table filled up to leave 0, 1, 2, ... free
 * fds: a command capturing output either works or fails with EMFILE at the
 * step that ran out (its pipe, the fork path's status pipe, or the pidfd
 * that clone3 and clone create), and leaves the fd table as it found it.
 */
static int check_nofile(void *arg)
{
	const struct rlimit lim = {16, 16};
	int before = fd_count(), worked = 0, refused = 0;

	(void)arg;
	CHECK(before > 0);
	CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	for (int room = 0; room <= 10; room++) {
		int fill[16], nfill = 0, rc;
		subproc_cmd *cmd = cmd_probe(NULL);
		subproc_output out = {0};
		subproc_status st;
		subproc_error err;

		CHECK(cmd != NULL);
		for (;;) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				CHECK(errno == EMFILE);
				break;
			}
			CHECK(nfill < 16);
			fill[nfill++] = fd;
		}
		for (int k = 0; k < room && nfill > 0; k++)
			close(fill[--nfill]);

		rc = subproc_cmd_output(cmd, &out, NULL, &st, &err);
		subproc_cmd_free(cmd);
		while (nfill > 0)
			close(fill[--nfill]);
		if (rc == 0) {
			CHECK(subproc_status_exit_code(st.status) == 0);
			CHECK(output_is_report(&out));
			worked++;
		} else {
			if (rc != -EMFILE)
				fprintf(stderr, "room %d: %s at step %s\n", room,
				        subproc_strerror(rc), subproc_step_name(err.step));
			CHECK(rc == -EMFILE);
			CHECK(err.code == -EMFILE);
			CHECK(err.step == SUBPROC_STEP_PIPE || err.step == SUBPROC_STEP_LAUNCH);
			CHECK(worked == 0); /* more room never makes it fail */
			refused++;
		}
		subproc_output_free(&out);
		CHECK(fd_count() == before);
		CHECK(no_children());
	}
	CHECK(refused > 0 && worked > 0);
	return 0;
}

static void test_hostile_nofile_16(void **state)
{
	(void)state;
	assert_forked(check_nofile, NULL);
}

/* The kernel refuses one string longer than MAX_ARG_STRLEN (32 pages)
 * however small the whole list is. */
static void test_hostile_one_argument_too_long(void **state)
{
	enum { LEN = 32 * 4096 + 1 };
	char *big = malloc(LEN + 1), *env[2];
	subproc_error err;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', LEN);
	big[LEN] = '\0';
	char *const argv[] = {PROBE, big, NULL};
	assert_true(start_fails(PROBE, argv, NULL, -E2BIG, SUBPROC_STEP_EXECVE, &err));

	memcpy(big, "X=", 2);
	env[0] = big;
	env[1] = NULL;
	subproc_attr attr = {.env = env};
	char *const plain[] = {PROBE, NULL};
	assert_true(start_fails(PROBE, plain, &attr, -E2BIG, SUBPROC_STEP_EXECVE, &err));
	free(big);
}

/* The whole list may take a quarter of the stack limit: 512 KiB of
 * arguments pass under the usual 8 MiB and fail under 1 MiB. */
static int check_stack_quarter(void *arg)
{
	enum { NARGS = 64, ARGLEN = 8192 };
	struct rlimit stack;
	char *argv[NARGS + 2], *one = malloc(ARGLEN);
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;

	(void)arg;
	if (access("/bin/true", X_OK) < 0)
		SKIP_FORKED("no /bin/true");
	CHECK(one != NULL);
	memset(one, 'a', ARGLEN - 1);
	one[ARGLEN - 1] = '\0';
	argv[0] = "/bin/true";
	for (int i = 1; i <= NARGS; i++)
		argv[i] = one;
	argv[NARGS + 1] = NULL;

	if (SUBPROC_TEST_EMULATED)
		SKIP_FORKED("qemu-user keeps RLIMIT_STACK to itself: the kernel never sees it");
	CHECK(getrlimit(RLIMIT_STACK, &stack) == 0);
	if (stack.rlim_cur != RLIM_INFINITY && stack.rlim_cur < 4u << 20)
		SKIP_FORKED("the stack limit is already below 4 MiB");
	CHECK(subproc_start(&p, argv[0], argv, NULL, NULL) == 0);
	CHECK(subproc_wait(p, 0, -1, &st) == 0 && subproc_status_exit_code(st.status) == 0);
	subproc_release(p);

	stack.rlim_cur = 1u << 20;
	CHECK(setrlimit(RLIMIT_STACK, &stack) == 0);
	CHECK(start_fails(argv[0], argv, NULL, -E2BIG, SUBPROC_STEP_EXECVE, &err));
	free(one);
	return 0;
}

static void test_hostile_arguments_over_stack_quarter(void **state)
{
	(void)state;
	assert_forked(check_stack_quarter, NULL);
}

/* --- SIGCHLD ----------------------------------------------------------------------- */

/*
 * With SIGCHLD ignored the kernel reaps every child itself as it ends
 * (POSIX: SA_NOCLDWAIT), so there is no status to collect: a wait blocks
 * until the child has ended and then gives -ECHILD.
 */
static int check_sigchld_ignored(void *arg)
{
	char *const sleeper[] = {PROBE, "--sleep-ms", "100", NULL};
	char *const quick[] = {PROBE, "--exit", "3", NULL};
	char *const missing[] = {"/nonexistent/subproc-program", NULL};
	subproc_output out = {0};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;
	subproc_cmd *cmd;
	int before = fd_count();

	(void)arg;
	CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);

	CHECK(start_quiet(&p, sleeper, NULL) == 0);
	CHECK(subproc_wait(p, 0, -1, &st) == -ECHILD);
	/* It returned because the child ended, not before: the pidfd, when
	 * there is one, polls readable. */
	if (subproc_pidfd(p) >= 0) {
		struct pollfd pfd = {.fd = subproc_pidfd(p), .events = POLLIN};
		CHECK(poll(&pfd, 1, 0) == 1);
	}
	CHECK(subproc_wait(p, 0, -1, &st) == -ECHILD);
	CHECK(subproc_signal(p, SIGKILL) == -ESRCH);
	subproc_release(p);

	CHECK(start_quiet(&p, quick, NULL) == 0);
	CHECK(subproc_wait(p, 0, 30000, &st) == -ECHILD);
	subproc_release(p);

	/* A command keeps the output it read and reports the lost status. */
	cmd = cmd_probe(NULL);
	CHECK(cmd != NULL);
	CHECK(subproc_cmd_output(cmd, &out, NULL, &st, NULL) == -ECHILD);
	CHECK(output_is_report(&out));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	CHECK(start_fails(missing[0], missing, NULL, -ENOENT, SUBPROC_STEP_EXECVE, &err));
	CHECK(fd_count() == before);
	CHECK(no_children());
	return 0;
}

static void test_hostile_sigchld_ignored(void **state)
{
	(void)state;
	assert_forked(check_sigchld_ignored, NULL);
}

/* A caller's handler that reaps every child, as some event loops do. */
static volatile sig_atomic_t reaped_pid, reaped_status, nreaped;

static void reap_everything(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		reaped_pid = pid;
		reaped_status = status;
		nreaped++;
	}
	errno = saved;
}

static int check_sigchld_reaper(void *arg)
{
	char *const quick[] = {PROBE, "--exit", "3", NULL};
	char *const missing[] = {"/nonexistent/subproc-program", NULL};
	struct sigaction sa = {.sa_handler = reap_everything,
	                       .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	subproc_output out = {0};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;
	subproc_cmd *cmd;
	int before = fd_count(), rc;

	(void)arg;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);

	/* The handler got there first, for certain: -ECHILD, and the status
	 * is the handler's. */
	nreaped = 0;
	CHECK(start_quiet(&p, quick, NULL) == 0);
	for (int ms = 0; nreaped == 0 && ms < SIGNAL_WAIT_MS; ms++)
		nap_ms(1);
	CHECK(nreaped == 1 && reaped_pid == subproc_pid(p));
	CHECK(WIFEXITED(reaped_status) && WEXITSTATUS(reaped_status) == 3);
	CHECK(subproc_wait(p, 0, -1, &st) == -ECHILD);
	CHECK(subproc_wait(p, 0, 100, &st) == -ECHILD);
	CHECK(subproc_signal(p, SIGKILL) == -ESRCH);
	subproc_release(p);

	/* A race: whoever reaps first has the status; the other side never
	 * hangs and never sees a wrong one. */
	for (int i = 0; i < 20; i++) {
		nreaped = 0;
		reaped_pid = 0;
		CHECK(start_quiet(&p, quick, NULL) == 0);
		rc = subproc_wait(p, 0, i % 2 ? -1 : 30000, &st);
		if (rc == 0) {
			CHECK(subproc_status_exit_code(st.status) == 3);
		} else {
			CHECK(rc == -ECHILD);
			CHECK(reaped_pid == subproc_pid(p));
			CHECK(WEXITSTATUS(reaped_status) == 3);
		}
		subproc_release(p);
	}

	cmd = cmd_probe(NULL);
	CHECK(cmd != NULL);
	rc = subproc_cmd_output(cmd, &out, NULL, &st, NULL);
	CHECK(rc == 0 || rc == -ECHILD);
	CHECK(output_is_report(&out));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	CHECK(start_fails(missing[0], missing, NULL, -ENOENT, SUBPROC_STEP_EXECVE, &err));
	CHECK(fd_count() == before);
	CHECK(no_children());
	return 0;
}

static void test_hostile_sigchld_handler_reaps(void **state)
{
	(void)state;
	assert_forked(check_sigchld_reaper, NULL);
}

/* --- signals blocked, and a storm of them ----------------------------------------- */

static int check_all_blocked(void *arg)
{
	char *const sleeper[] = {PROBE, "--sleep-ms", "600000", NULL};
	subproc_output out = {0};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_cmd *cmd;
	sigset_t all, now;
	char mask[512];
	struct report r;

	(void)arg;
	if (SUBPROC_TEST_EMULATED)
		SKIP_FORKED(
			"qemu-user keeps the signals it needs itself (SIGSEGV, SIGBUS) unblocked");
	sigfillset(&all);
	CHECK(sigprocmask(SIG_SETMASK, &all, NULL) == 0);
	CHECK(sigprocmask(SIG_SETMASK, NULL, &all) == 0);

	/* The child gets the caller's mask, as include/subproc.h documents
	 * at subproc_attr. */
	CHECK(probe_run(NULL, NULL, &r) == 0);
	CHECK(report_exited_ok(&r));
	sigmask_text(&all, mask, sizeof mask);
	CHECK(report_is(&r, "sigmask", mask));
	report_free(&r);

	CHECK(start_quiet(&p, sleeper, NULL) == 0);
	CHECK(subproc_wait(p, 0, 20, &st) == -ETIMEDOUT);
	CHECK(subproc_signal(p, SIGKILL) == 0);
	CHECK(subproc_wait(p, 0, 30000, &st) == 0);
	CHECK(subproc_status_signal(st.status) == SIGKILL);
	subproc_release(p);

	/* SIGTERM stays blocked in the child, so only the SIGKILL that
	 * follows the grace period can end it. */
	cmd = cmd_probe(ARGS("--sleep-ms", "600000"));
	CHECK(cmd != NULL);
	CHECK(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL) == 0);
	CHECK(subproc_cmd_timeout(cmd, 50, SIGTERM, 50) == 0);
	CHECK(subproc_cmd_run(cmd, &st, NULL) == -ETIMEDOUT);
	CHECK(subproc_status_signal(st.status) == SIGKILL);
	subproc_cmd_free(cmd);

	cmd = cmd_probe(ARGS("--wait-stdin"));
	CHECK(cmd != NULL);
	CHECK(subproc_cmd_communicate(cmd, "input", 5, &out, NULL, &st, NULL) == 0);
	CHECK(subproc_status_exit_code(st.status) == 0);
	CHECK(output_is_report(&out));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	for (int sig = 1; sig < NSIG; sig++)
		CHECK(sigismember(&now, sig) == sigismember(&all, sig));
	CHECK(no_children());
	return 0;
}

static void test_hostile_all_signals_blocked(void **state)
{
	(void)state;
	assert_forked(check_all_blocked, NULL);
}

static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * SIGALRM every 500 us, its handler installed without SA_RESTART, so that
 * every blocking call the library makes (waitid, poll, read, write,
 * nanosleep) keeps being interrupted with EINTR. Nothing may fail, report
 * EINTR, lose a status or lose a byte.
 */
static int check_alarm_storm(void *arg)
{
	enum { DATALEN = 4 << 20 };
	struct sigaction sa = {.sa_handler = count_alarm, .sa_flags = 0};
	struct itimerval storm = {{0, 500}, {0, 500}}, off = {{0, 0}, {0, 0}};
	char *const missing[] = {"/nonexistent/subproc-program", NULL};
	char *const sleeper[] = {PROBE, "--sleep-ms", "600000", NULL};
	char *const napper[] = {PROBE, "--sleep-ms", "30", NULL};
	char *data = malloc(DATALEN);
	subproc_output out = {0};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;
	subproc_cmd *cmd;
	int before = fd_count();

	(void)arg;
	CHECK(data != NULL);
	for (size_t i = 0; i < DATALEN; i++)
		data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &storm, NULL) == 0);

	for (int i = 0; i < 20; i++) {
		char code[8];
		snprintf(code, sizeof code, "%d", i);
		char *const argv[] = {PROBE, "--exit", code, NULL};

		CHECK(start_quiet(&p, argv, NULL) == 0);
		CHECK(subproc_wait(p, 0, -1, &st) == 0);
		CHECK(subproc_status_exit_code(st.status) == i);
		subproc_release(p);
	}

	CHECK(start_quiet(&p, napper, NULL) == 0);
	CHECK(subproc_wait(p, 0, 30000, &st) == 0);
	CHECK(subproc_status_exit_code(st.status) == 0);
	subproc_release(p);

	CHECK(start_quiet(&p, sleeper, NULL) == 0);
	CHECK(subproc_wait(p, 0, 30, &st) == -ETIMEDOUT);
	CHECK(subproc_signal(p, SIGKILL) == 0);
	CHECK(subproc_wait(p, 0, -1, &st) == 0);
	CHECK(subproc_status_signal(st.status) == SIGKILL);
	subproc_release(p);

	CHECK(start_fails(missing[0], missing, NULL, -ENOENT, SUBPROC_STEP_EXECVE, &err));

	CHECK(subproc_cmd_new(&cmd, ARGS("cat")) == 0);
	CHECK(subproc_cmd_communicate(cmd, data, DATALEN, &out, NULL, &st, NULL) == 0);
	CHECK(subproc_status_exit_code(st.status) == 0);
	CHECK(out.len == DATALEN && memcmp(out.data, data, DATALEN) == 0);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	/* Make sure the storm was on: a check under no signals proves
	 * nothing. */
	for (int ms = 0; alarms < 10 && ms < SIGNAL_WAIT_MS; ms++)
		nap_ms(1);
	CHECK(alarms >= 10);
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	CHECK(fd_count() == before);
	CHECK(no_children());
	free(data);
	return 0;
}

static void test_hostile_sigalrm_storm(void **state)
{
	(void)state;
	assert_forked(check_alarm_storm, NULL);
}

/* What subproc_start needs of the fd table, exactly as include/subproc.h
 * documents at subproc_start: one free fd on the clone paths (the pidfd),
 * two on the fork path (its status pipe; the pidfd comes after the pipe is
 * closed). One fewer fails with EMFILE at the step that needed it, and
 * leaves nothing behind. */
static int check_fds_needed(void *arg)
{
	const char *path = launch_path();
	const bool fork_path =
		path != NULL &&
		launch_uses_status_pipe(strcmp(path, "fork") == 0 ? SUBPROC_LAUNCH_FORK
	                                                          : SUBPROC_LAUNCH_CLONE);
	const int need = fork_path ? 2 : 1;
	struct rlimit lim = {32, 32};
	char *const argv[] = {PROBE, NULL};

	(void)arg;
	if (path == NULL)
		SKIP_FORKED("SUBPROC_LAUNCH is not set");
	CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);
	for (int room = need - 1; room <= need; room++) {
		int fill[32], nfill = 0, fd, before;
		subproc_attr attr = {0};
		subproc_proc *p = NULL;
		subproc_status st;
		subproc_error err;

		while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
			fill[nfill++] = fd;
		CHECK(errno == EMFILE);
		for (int k = 0; k < room; k++)
			close(fill[--nfill]);
		before = fd_count();
		if (room < need) {
			CHECK(start_fails(PROBE, argv, &attr, -EMFILE,
			                  fork_path ? SUBPROC_STEP_PIPE : SUBPROC_STEP_LAUNCH,
			                  &err));
		} else {
			CHECK(subproc_start(&p, PROBE, argv, &attr, &err) == 0);
			CHECK(subproc_pidfd(p) >= 0);
			CHECK(subproc_wait(p, 0, -1, &st) == 0);
			subproc_release(p);
		}
		CHECK(fd_count() == before);
		while (nfill > 0)
			close(fill[--nfill]);
		CHECK(no_children());
	}
	return 0;
}

static void test_hostile_fds_a_start_needs(void **state)
{
	(void)state;
	need_linux_build("pidfd");
	assert_forked(check_fds_needed, NULL);
}

TEST_MAIN(cmocka_unit_test(test_hostile_fds_a_start_needs),
          cmocka_unit_test(test_hostile_nproc_reached), cmocka_unit_test(test_hostile_nofile_16),
          cmocka_unit_test(test_hostile_one_argument_too_long),
          cmocka_unit_test(test_hostile_arguments_over_stack_quarter),
          cmocka_unit_test(test_hostile_sigchld_ignored),
          cmocka_unit_test(test_hostile_sigchld_handler_reaps),
          cmocka_unit_test(test_hostile_all_signals_blocked),
          cmocka_unit_test(test_hostile_sigalrm_storm))
