/* SPDX-License-Identifier: MIT */
/*
 * subproc_exec: replacing the calling process. Each success runs in a forked
 * subprocess, which becomes the probe; a failure returns to the caller.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* fork; the child points fd 1 at a pipe and calls subproc_exec(env). The
 * report then tells what the exec'ed program saw. */
static int exec_in_fork(char *const env[], struct report *r, int *status)
{
	int p[2];
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		subproc_error err = {0};

		dup2(p[1], 1);
		int rc = subproc_exec(PROBE, PROBE_ARGV("--exit", "5"), env, &err);
		fprintf(stderr, "subproc_exec returned %d (%s)\n", rc, subproc_strerror(rc));
		_exit(99);
	}
	close(p[1]);
	r->pid = pid;
	int rc = report_read(p[0], r);
	close(p[0]);
	if (waitpid_bounded(pid, status, 30000) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return -ETIME;
	}
	return rc;
}

/* Exec keeps the pid, and with a NULL env the program gets the caller's
 * environment, including a variable set just before. */
static void test_exec_inherits_env_and_pid(void **state)
{
	struct report r;
	int status;

	(void)state;
	setenv("SUBPROC_TEST_EXEC", "inherited value", 1);
	assert_int_equal(exec_in_fork(NULL, &r, &status), 0);
	unsetenv("SUBPROC_TEST_EXEC");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 5);
	assert_true(report_is_long(&r, "pid", r.pid));
	assert_true(report_is_long(&r, "ppid", getpid()));
	assert_true(report_is(&r, "env.SUBPROC_TEST_EXEC", "inherited value"));
	assert_true(report_is(&r, "argv.1", "--exit"));
	report_free(&r);
}

static void test_exec_given_env(void **state)
{
	char *const env[] = {"ONLY=this", NULL};
	struct report r;
	int status;

	(void)state;
	assert_int_equal(exec_in_fork(env, &r, &status), 0);
	assert_true(report_is(&r, "env", "1"));
	assert_true(report_is(&r, "env.ONLY", "this"));
	report_free(&r);
}

static void test_exec_missing_returns_enoent(void **state)
{
	subproc_error err = {0};
	char *const argv[] = {"x", NULL};
	int before = fd_count(), rc;

	(void)state;
	rc = subproc_exec("/nonexistent-subproc/prog", argv, NULL, &err);
	assert_true(error_is(rc, &err, -ENOENT, SUBPROC_STEP_EXECVE));
	assert_string_equal(err.path, "/nonexistent-subproc/prog");
	assert_int_equal(fd_count(), before);
}

/* Runs in a subprocess: should the exec happen after all, the probe ends the
 * subprocess with code 99 and the test fails instead of being replaced. */
static int check_bad_input(void *arg)
{
	char *const argv[] = {PROBE, "--exit", "99", NULL};
	char *const empty[] = {NULL};
	char *const bad_env[] = {"NOEQUALS", NULL};
	subproc_error err = {0};

	(void)arg;
	CHECK(subproc_exec(PROBE, NULL, NULL, &err) == -EINVAL);
	CHECK(subproc_exec(PROBE, empty, NULL, &err) == -EINVAL);
	CHECK(subproc_exec(PROBE, argv, bad_env, &err) == -EINVAL);
	CHECK(err.step == SUBPROC_STEP_ENV);
	/* err may be NULL. */
	CHECK(subproc_exec(PROBE, argv, bad_env, NULL) == -EINVAL);
	return 0;
}

static void test_exec_bad_input(void **state)
{
	(void)state;
	assert_forked(check_bad_input, NULL);
}

TEST_MAIN(cmocka_unit_test(test_exec_inherits_env_and_pid), cmocka_unit_test(test_exec_given_env),
          cmocka_unit_test(test_exec_missing_returns_enoent), cmocka_unit_test(test_exec_bad_input))
