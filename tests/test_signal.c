/* SPDX-License-Identifier: MIT */
/*
 * Signals in the child: the mask (the calling thread's, or attr.sigmask),
 * dispositions (handled ones reset, ignored ones kept unless
 * SUBPROC_SIGDEFAULT), and the parent-death signal.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig)
{
	(void)sig;
}

static void test_sigmask_inherited_from_thread(void **state)
{
	sigset_t block, old, during;
	subproc_attr attr = {0};
	char want[512], after[512];
	struct report r;

	(void)state;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGRTMIN + 1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &during), 0);
	sigmask_text(&during, want, sizeof want);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	/* The launch blocks every signal for a moment; the caller's mask
	 * must be back as it was. */
	sigset_t now;
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, &now), 0);
	sigmask_text(&now, after, sizeof after);
	assert_true(report_list_has(&r, "sigmask", SIGUSR2));
	assert_true(report_is(&r, "sigmask", want));
	assert_string_equal(after, want);
	report_free(&r);
}

static void test_sigmask_replaced(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SIGMASK};
	sigset_t block, old;
	char want[512];
	struct report r;

	(void)state;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	sigemptyset(&attr.sigmask);
	sigaddset(&attr.sigmask, SIGTERM);
	sigaddset(&attr.sigmask, SIGRTMIN + 2);
	sigmask_text(&attr.sigmask, want, sizeof want);
	int rc = probe_run(&attr, NULL, &r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "sigmask", want));
	report_free(&r);
}

static void test_sigmask_empty_unblocks_all(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SIGMASK};
	sigset_t block, old;
	struct report r;

	(void)state;
	sigfillset(&block);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
	sigemptyset(&attr.sigmask);
	int rc = probe_run(&attr, NULL, &r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "sigmask", ""));
	report_free(&r);
}

/* A signal the parent handles arrives in the child with its default
 * action: nothing reports it handled, and it kills the child. */
static void test_handled_signal_reset(void **state)
{
	struct sigaction sa = {.sa_handler = on_signal}, old;
	subproc_attr attr = {0};
	subproc_proc *proc = NULL;
	subproc_status st;
	struct report r;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int files[] = {0, null, 2};

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "sighandled", ""));
	assert_true(report_list_lacks(&r, "sigignored", SIGUSR1));
	report_free(&r);

	attr.files = files;
	attr.nfiles = 3;
	assert_int_equal(
		subproc_start(&proc, PROBE, PROBE_ARGV("--sleep-ms", "60000"), &attr, NULL), 0);
	assert_int_equal(subproc_signal(proc, SIGUSR1), 0);
	assert_int_equal(subproc_wait(proc, 0, -1, &st), 0);
	proc = subproc_release(proc);
	sigaction(SIGUSR1, &old, NULL);
	close(null);
	assert_true(subproc_status_signaled(st.status));
	assert_int_equal(subproc_status_signal(st.status), SIGUSR1);
}

static void test_ignored_signal_stays_ignored(void **state)
{
	void (*old_usr2)(int) = signal(SIGUSR2, SIG_IGN);
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	int rc = probe_run(&attr, NULL, &r);
	signal(SIGUSR2, old_usr2);
	signal(SIGPIPE, old_pipe);
	assert_int_equal(rc, 0);
	assert_true(report_list_has(&r, "sigignored", SIGUSR2));
	assert_true(report_list_has(&r, "sigignored", SIGPIPE));
	report_free(&r);
}

static void test_sigdefault_resets_ignored(void **state)
{
	void (*old_usr2)(int) = signal(SIGUSR2, SIG_IGN);
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	subproc_attr attr = {.flags = SUBPROC_SIGDEFAULT};
	struct report r;

	(void)state;
	sigemptyset(&attr.sigdefault);
	sigaddset(&attr.sigdefault, SIGUSR2);
	int rc = probe_run(&attr, NULL, &r);
	signal(SIGUSR2, old_usr2);
	signal(SIGPIPE, old_pipe);
	assert_int_equal(rc, 0);
	/* SIGUSR2 was reset; SIGPIPE, not named, stays ignored. */
	assert_true(report_list_lacks(&r, "sigignored", SIGUSR2));
	assert_true(report_list_has(&r, "sigignored", SIGPIPE));
	report_free(&r);
}

/*
 * The middle process starts a sleeping probe with pdeathsig SIGKILL, tells
 * its pid, and exits; the test, a child subreaper, inherits the orphan and
 * must see it killed by SIGKILL.
 */
static void test_pdeathsig_kills_orphan(void **state)
{
	int p[2], status = 0;
	pid_t mid, probe_pid = 0;

	(void)state;
	need_linux_build("parent-death signal");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
		skip_because("no child subreaper here (qemu-user has none): %s", strerror(errno));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(stdout);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		subproc_attr attr = {.pdeathsig = SIGKILL};
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		int files[] = {0, null, 2};
		subproc_proc *proc = NULL;
		pid_t pid = 0;

		attr.files = files;
		attr.nfiles = 3;
		if (subproc_start(&proc, PROBE, PROBE_ARGV("--sleep-ms", "60000"), &attr, NULL) ==
		    0)
			pid = subproc_pid(proc);
		if (write(p[1], &pid, sizeof pid) != sizeof pid)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &probe_pid, sizeof probe_pid), (ssize_t)sizeof probe_pid);
	close(p[0]);
	assert_int_equal(waitpid_bounded(mid, &status, 20000), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(probe_pid > 0);

	int rc = waitpid_bounded(probe_pid, &status, 20000);
	if (rc < 0) {
		kill(probe_pid, SIGKILL);
		waitpid(probe_pid, &status, 0);
		fail_msg("the orphaned probe was not killed within 20 s");
	}
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

TEST_MAIN(cmocka_unit_test(test_sigmask_inherited_from_thread),
          cmocka_unit_test(test_sigmask_replaced),
          cmocka_unit_test(test_sigmask_empty_unblocks_all),
          cmocka_unit_test(test_handled_signal_reset),
          cmocka_unit_test(test_ignored_signal_stays_ignored),
          cmocka_unit_test(test_sigdefault_resets_ignored),
          cmocka_unit_test(test_pdeathsig_kills_orphan))
