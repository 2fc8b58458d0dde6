/* SPDX-License-Identifier: MIT */
/*
 * Wait-status decoding on statuses built with the system's own encodings;
 * statuses from real children are checked in test_wait.c.
 */
#include "support.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

/* The encodings of wait(2) statuses, as the kernel builds them. */
#define ST_EXITED(code) (((code)&0xff) << 8)
#define ST_SIGNALED(sig) ((sig)&0x7f)
#define ST_CORE(sig) (ST_SIGNALED(sig) | 0x80)
#define ST_STOPPED(sig) ((((sig)&0xff) << 8) | 0x7f)
#define ST_CONTINUED 0xffff

/* The built statuses mean what the system's W* macros say they mean;
 * otherwise the rest of this file would test the wrong numbers. */
static void test_encodings_agree_with_system(void **state)
{
	(void)state;
	assert_true(WIFEXITED(ST_EXITED(3)) && WEXITSTATUS(ST_EXITED(3)) == 3);
	assert_true(WIFSIGNALED(ST_SIGNALED(SIGKILL)) && WTERMSIG(ST_SIGNALED(SIGKILL)) == SIGKILL);
	assert_true(WCOREDUMP(ST_CORE(SIGSEGV)));
	assert_true(WIFSTOPPED(ST_STOPPED(SIGSTOP)) && WSTOPSIG(ST_STOPPED(SIGSTOP)) == SIGSTOP);
	assert_true(WIFCONTINUED(ST_CONTINUED));
}

static void test_status_exited(void **state)
{
	int st = ST_EXITED(3);

	(void)state;
	assert_true(subproc_status_exited(st));
	assert_int_equal(subproc_status_exit_code(st), 3);
	assert_false(subproc_status_signaled(st));
	assert_int_equal(subproc_status_signal(st), 0);
	assert_false(subproc_status_core_dumped(st));
	assert_false(subproc_status_stopped(st));
	assert_false(subproc_status_continued(st));
	assert_true(subproc_status_exited(ST_EXITED(0)));
	assert_int_equal(subproc_status_exit_code(ST_EXITED(255)), 255);
}

static void test_status_signaled(void **state)
{
	int st = ST_SIGNALED(SIGKILL);

	(void)state;
	assert_false(subproc_status_exited(st));
	assert_int_equal(subproc_status_exit_code(st), -1);
	assert_true(subproc_status_signaled(st));
	assert_int_equal(subproc_status_signal(st), SIGKILL);
	assert_false(subproc_status_core_dumped(st));
	assert_false(subproc_status_stopped(st));
	assert_false(subproc_status_continued(st));
}

static void test_status_core_dumped(void **state)
{
	int st = ST_CORE(SIGSEGV);

	(void)state;
	assert_true(subproc_status_signaled(st));
	assert_int_equal(subproc_status_signal(st), SIGSEGV);
	assert_true(subproc_status_core_dumped(st));
	assert_int_equal(subproc_status_exit_code(st), -1);
}

static void test_status_stopped(void **state)
{
	int st = ST_STOPPED(SIGTSTP);

	(void)state;
	assert_true(subproc_status_stopped(st));
	assert_int_equal(subproc_status_stop_signal(st), SIGTSTP);
	assert_false(subproc_status_exited(st));
	assert_false(subproc_status_signaled(st));
	assert_int_equal(subproc_status_signal(st), 0);
	assert_false(subproc_status_continued(st));
	assert_int_equal(subproc_status_stop_signal(ST_EXITED(0)), 0);
}

static void test_status_continued(void **state)
{
	(void)state;
	assert_true(subproc_status_continued(ST_CONTINUED));
	assert_false(subproc_status_exited(ST_CONTINUED));
	assert_false(subproc_status_signaled(ST_CONTINUED));
	assert_false(subproc_status_stopped(ST_CONTINUED));
	assert_int_equal(subproc_status_exit_code(ST_CONTINUED), -1);
}

static void test_status_format_exited(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(subproc_status_format(ST_EXITED(3), buf, sizeof buf),
	                 (int)strlen("exited with code 3"));
	assert_string_equal(buf, "exited with code 3");
}

static void test_status_format_signaled(void **state)
{
	char buf[128];

	(void)state;
	subproc_status_format(ST_SIGNALED(SIGKILL), buf, sizeof buf);
	assert_string_equal(buf, "killed by SIGKILL");
	subproc_status_format(ST_CORE(SIGSEGV), buf, sizeof buf);
	assert_string_equal(buf, "killed by SIGSEGV (core dumped)");
}

static void test_status_format_stopped_continued(void **state)
{
	char buf[128];

	(void)state;
	subproc_status_format(ST_STOPPED(SIGSTOP), buf, sizeof buf);
	assert_non_null(strstr(buf, "stopped"));
	assert_non_null(strstr(buf, "SIGSTOP"));
	subproc_status_format(ST_CONTINUED, buf, sizeof buf);
	assert_non_null(strstr(buf, "continued"));
}

static void test_status_format_truncates(void **state)
{
	char buf[5];

	(void)state;
	memset(buf, 'x', sizeof buf);
	assert_int_equal(subproc_status_format(ST_EXITED(3), buf, sizeof buf),
	                 (int)strlen("exited with code 3"));
	assert_string_equal(buf, "exit");
	assert_int_equal(subproc_status_format(ST_EXITED(3), NULL, 0),
	                 (int)strlen("exited with code 3"));
}

TEST_MAIN(cmocka_unit_test(test_encodings_agree_with_system), cmocka_unit_test(test_status_exited),
          cmocka_unit_test(test_status_signaled), cmocka_unit_test(test_status_core_dumped),
          cmocka_unit_test(test_status_stopped), cmocka_unit_test(test_status_continued),
          cmocka_unit_test(test_status_format_exited),
          cmocka_unit_test(test_status_format_signaled),
          cmocka_unit_test(test_status_format_stopped_continued),
          cmocka_unit_test(test_status_format_truncates))
