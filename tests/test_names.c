/* SPDX-License-Identifier: MIT */
/*
 * Names: errno, signal and step names, and the texts built from them.
 */
#include "support.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static void test_version_matches_header(void **state)
{
	(void)state;
	assert_string_equal(subproc_version(), SUBPROC_VERSION);
}

static void test_errno_name_known(void **state)
{
	(void)state;
	assert_string_equal(subproc_errno_name(ENOENT), "ENOENT");
	assert_string_equal(subproc_errno_name(-ENOENT), "ENOENT");
	assert_string_equal(subproc_errno_name(EBADF), "EBADF");
	assert_string_equal(subproc_errno_name(E2BIG), "E2BIG");
	assert_string_equal(subproc_errno_name(ENAMETOOLONG), "ENAMETOOLONG");
}

/* EWOULDBLOCK has the same number on Linux; the POSIX name must win. */
static void test_errno_name_eagain_not_alias(void **state)
{
	(void)state;
	assert_string_equal(subproc_errno_name(EAGAIN), "EAGAIN");
}

static void test_errno_name_unknown_is_null(void **state)
{
	(void)state;
	assert_null(subproc_errno_name(0));
	assert_null(subproc_errno_name(99999));
}

static void test_strerror_text(void **state)
{
	(void)state;
	assert_string_equal(subproc_strerror(-ENOENT), "ENOENT: no such file or directory");
	assert_string_equal(subproc_strerror(ENOENT), "ENOENT: no such file or directory");
	assert_string_equal(subproc_strerror(99999), "unknown error");
}

static void test_signal_name_known(void **state)
{
	(void)state;
	assert_string_equal(subproc_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(subproc_signal_name(SIGTERM), "SIGTERM");
	/* Canonical names, not the aliases SIGIOT and SIGCLD. */
	assert_string_equal(subproc_signal_name(SIGABRT), "SIGABRT");
	assert_string_equal(subproc_signal_name(SIGCHLD), "SIGCHLD");
}

static void test_signal_name_realtime(void **state)
{
	(void)state;
	assert_string_equal(subproc_signal_name(SIGRTMIN + 1), "SIGRTMIN+1");
	assert_string_equal(subproc_signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}

static void test_signal_name_not_a_signal(void **state)
{
	(void)state;
	assert_null(subproc_signal_name(0));
	assert_null(subproc_signal_name(-1));
	assert_null(subproc_signal_name(SIGRTMAX + 1));
}

static void test_signal_parse_forms(void **state)
{
	(void)state;
	assert_int_equal(subproc_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(subproc_signal_parse("TERM"), SIGTERM);
	assert_int_equal(subproc_signal_parse("sigterm"), SIGTERM);
	assert_int_equal(subproc_signal_parse("term"), SIGTERM);
	assert_int_equal(subproc_signal_parse("9"), SIGKILL);
	assert_int_equal(subproc_signal_parse("SIGRTMIN+2"), SIGRTMIN + 2);
}

static void test_signal_parse_round_trips(void **state)
{
	(void)state;
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		const char *name = subproc_signal_name(sig);

		if (!name)
			continue;
		if (subproc_signal_parse(name) != sig)
			fail_msg("signal %d: name %s parses as %d", sig, name,
			         subproc_signal_parse(name));
	}
}

static void test_signal_parse_rejects_bad_input(void **state)
{
	(void)state;
	assert_int_equal(subproc_signal_parse(""), -EINVAL);
	assert_int_equal(subproc_signal_parse("SIG"), -EINVAL);
	assert_int_equal(subproc_signal_parse("SIGFOO"), -EINVAL);
	assert_int_equal(subproc_signal_parse("9x"), -EINVAL);
	assert_int_equal(subproc_signal_parse("-9"), -EINVAL);
	assert_int_equal(subproc_signal_parse("999"), -EINVAL);
	assert_int_equal(subproc_signal_parse("TERM "), -EINVAL);
}

static void test_step_names(void **state)
{
	(void)state;
	assert_string_equal(subproc_step_name(SUBPROC_STEP_NONE), "");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_CHDIR), "chdir");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_EXECVE), "execve");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_DUP2), "dup2");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_SETUID), "setuid");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_RLIMIT), "setrlimit");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_LAUNCH), "launch");
	assert_string_equal(subproc_step_name(SUBPROC_STEP_LOOKPATH), "lookpath");
}

/* Every step has a name of its own, so that an error text is unambiguous. */
static void test_step_names_distinct(void **state)
{
	(void)state;
	for (int a = 1; a < SUBPROC_STEP_COUNT_; a++) {
		const char *na = subproc_step_name(a);

		assert_non_null(na);
		assert_true(na[0] != '\0');
		for (int b = 1; b < a; b++)
			if (strcmp(na, subproc_step_name(b)) == 0)
				fail_msg("steps %d and %d are both named %s", a, b, na);
	}
}

static void test_error_format_path(void **state)
{
	subproc_error err = {.code = -ENOENT, .step = SUBPROC_STEP_CHDIR, .fd = -1};
	char buf[256];
	int n;

	(void)state;
	strcpy(err.path, "/nope");
	n = subproc_error_format(&err, buf, sizeof buf);
	assert_string_equal(buf, "chdir /nope: ENOENT: no such file or directory");
	assert_int_equal(n, (int)strlen(buf));
}

static void test_error_format_fd(void **state)
{
	subproc_error err = {.code = -EBADF, .step = SUBPROC_STEP_DUP2, .fd = 9};
	char buf[256];

	(void)state;
	subproc_error_format(&err, buf, sizeof buf);
	assert_string_equal(buf, "dup2 fd 9: EBADF: bad file descriptor");
}

/* Like snprintf: the full length is returned and the text is cut, with its
 * NUL, to the buffer. */
static void test_error_format_truncates(void **state)
{
	subproc_error err = {.code = -ENOENT, .step = SUBPROC_STEP_CHDIR, .fd = -1};
	const char *full = "chdir /nope: ENOENT: no such file or directory";
	char buf[8];

	(void)state;
	strcpy(err.path, "/nope");
	memset(buf, 'x', sizeof buf);
	assert_int_equal(subproc_error_format(&err, buf, sizeof buf), (int)strlen(full));
	assert_string_equal(buf, "chdir /");
	assert_int_equal(subproc_error_format(&err, NULL, 0), (int)strlen(full));
}

/* An error that names no step (a wait that timed out, -EBUSY) reads as the
 * errno alone, not ": ETIMEDOUT: ...". */
static void test_error_format_no_step(void **state)
{
	subproc_error err = {.code = -ETIMEDOUT, .step = SUBPROC_STEP_NONE, .fd = -1};
	char buf[256];

	(void)state;
	subproc_error_format(&err, buf, sizeof buf);
	assert_string_equal(buf, subproc_strerror(-ETIMEDOUT));
	assert_int_equal(strncmp(buf, "ETIMEDOUT: ", 11), 0);
}

TEST_MAIN(cmocka_unit_test(test_version_matches_header), cmocka_unit_test(test_errno_name_known),
          cmocka_unit_test(test_errno_name_eagain_not_alias),
          cmocka_unit_test(test_errno_name_unknown_is_null), cmocka_unit_test(test_strerror_text),
          cmocka_unit_test(test_signal_name_known), cmocka_unit_test(test_signal_name_realtime),
          cmocka_unit_test(test_signal_name_not_a_signal),
          cmocka_unit_test(test_signal_parse_forms),
          cmocka_unit_test(test_signal_parse_round_trips),
          cmocka_unit_test(test_signal_parse_rejects_bad_input), cmocka_unit_test(test_step_names),
          cmocka_unit_test(test_step_names_distinct), cmocka_unit_test(test_error_format_path),
          cmocka_unit_test(test_error_format_fd), cmocka_unit_test(test_error_format_truncates),
          cmocka_unit_test(test_error_format_no_step))
