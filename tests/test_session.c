/* SPDX-License-Identifier: MIT */
/*
 * Sessions, process groups and terminals, seen from inside the child. The
 * checks that need a controlling terminal run in a forked subprocess that
 * makes itself a session leader with a pty, so that the test process keeps
 * whatever terminal it had.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void test_setsid(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETSID};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is_long(&r, "sid", r.pid));
	assert_true(report_is_long(&r, "pgid", r.pid));
	assert_true(report_is(&r, "has_ctty", "0"));
	report_free(&r);
}

static void test_no_setsid_keeps_session(void **state)
{
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is_long(&r, "sid", getsid(0)));
	assert_true(report_is_long(&r, "pgid", getpgrp()));
	report_free(&r);
}

static void test_setpgid_new_group(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETPGID, .pgid = 0};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is_long(&r, "pgid", r.pid));
	assert_true(report_is_long(&r, "sid", getsid(0)));
	report_free(&r);
}

static void test_setpgid_join_group(void **state)
{
	subproc_attr lead_attr = {.flags = SUBPROC_SETPGID, .pgid = 0};
	subproc_attr attr = {.flags = SUBPROC_SETPGID};
	subproc_proc *leader = NULL;
	subproc_status st;
	struct report r;
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int files[] = {0, null, 2};
	int rc;

	(void)state;
	assert_true(null >= 0);
	lead_attr.files = files;
	lead_attr.nfiles = 3;
	assert_int_equal(
		subproc_start(&leader, PROBE, PROBE_ARGV("--sleep-ms", "60000"), &lead_attr, NULL),
		0);
	attr.pgid = subproc_pid(leader);
	rc = probe_run(&attr, NULL, &r);
	subproc_signal(leader, SIGKILL);
	assert_int_equal(subproc_wait(leader, 0, -1, &st), 0);
	leader = subproc_release(leader);
	close(null);
	assert_int_equal(rc, 0);
	assert_true(report_is_long(&r, "pgid", attr.pgid));
	assert_true(report_exited_ok(&r));
	report_free(&r);
}

static void test_setctty_pty(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETSID | SUBPROC_SETCTTY, .ctty = 0};
	int master, slave, rc;
	struct report r;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	rc = pty_open(&master, &slave);
	if (rc < 0)
		skip_because("no pseudo-terminal: %s", subproc_strerror(rc));
	int files[] = {slave, -1, 2};
	attr.files = files;
	attr.nfiles = 3;
	rc = probe_run(&attr, NULL, &r);
	close(slave);
	close(master);
	assert_int_equal(rc, 0);
	assert_true(report_is_long(&r, "sid", r.pid));
	assert_true(report_is(&r, "has_ctty", "1"));
	assert_true(report_is_long(&r, "tty_pgrp", r.pid));
	report_free(&r);
}

/* attr.ctty names a child fd, which need not be 0. */
static void test_setctty_on_other_fd(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETSID | SUBPROC_SETCTTY, .ctty = 5};
	int master, slave, rc;
	struct report r;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	rc = pty_open(&master, &slave);
	if (rc < 0)
		skip_because("no pseudo-terminal: %s", subproc_strerror(rc));
	int files[] = {0, -1, 2, -1, -1, slave};
	attr.files = files;
	attr.nfiles = 6;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "has_ctty", "1"));
	assert_true(report_fd_is(&r, 5, slave));
	report_free(&r);
	close(slave);
	close(master);
}

/* In the subprocess: become a session leader whose controlling terminal is
 * a new pty; *slave is that terminal. Returns 0 or SKIP_CODE. */
static int become_session_with_ctty(int *master, int *slave)
{
	int rc;

	if (setsid() < 0) {
		perror("setsid");
		return 1;
	}
	rc = pty_open(master, slave);
	if (rc < 0) {
		printf("skipped: no pseudo-terminal: %s\n", subproc_strerror(rc));
		return SKIP_CODE;
	}
	if (ioctl(*slave, TIOCSCTTY, 0) < 0) {
		perror("TIOCSCTTY");
		return 1;
	}
	return 0;
}

static int check_noctty(void *arg)
{
	bool noctty = arg != NULL;
	subproc_attr attr = {.flags = noctty ? SUBPROC_NOCTTY : 0};
	int master, slave, rc;
	struct report r;

	rc = become_session_with_ctty(&master, &slave);
	if (rc)
		return rc;
	int files[] = {slave, -1, 2};
	attr.files = files;
	attr.nfiles = 3;
	CHECK(probe_run(&attr, NULL, &r) == 0);
	CHECK(report_is(&r, "has_ctty", noctty ? "0" : "1"));
	CHECK(no_children());
	report_free(&r); /* memcheck runs these too */
	return 0;
}

static void test_noctty_detaches(void **state)
{
	(void)state;
	need_linux_build("controlling-terminal ioctl");
	assert_forked(check_noctty, "noctty");
}

static void test_ctty_inherited_without_noctty(void **state)
{
	(void)state;
	assert_forked(check_noctty, NULL);
}

static int check_foreground(void *arg)
{
	subproc_attr attr = {.flags = SUBPROC_FOREGROUND};
	int master, slave, rc;
	struct report r;

	(void)arg;
	rc = become_session_with_ctty(&master, &slave);
	if (rc)
		return rc;
	int files[] = {slave, -1, 2};
	attr.files = files;
	attr.nfiles = 3;
	attr.ctty = slave;
	CHECK(probe_run(&attr, NULL, &r) == 0);
	CHECK(report_is_long(&r, "pgid", r.pid));
	CHECK(report_is_long(&r, "tty_pgrp", r.pid));
	CHECK(report_is(&r, "has_ctty", "1"));
	report_free(&r);
	return 0;
}

static void test_foreground(void **state)
{
	(void)state;
	assert_forked(check_foreground, NULL);
}

TEST_MAIN(cmocka_unit_test(test_setsid), cmocka_unit_test(test_no_setsid_keeps_session),
          cmocka_unit_test(test_setpgid_new_group), cmocka_unit_test(test_setpgid_join_group),
          cmocka_unit_test(test_setctty_pty), cmocka_unit_test(test_setctty_on_other_fd),
          cmocka_unit_test(test_noctty_detaches),
          cmocka_unit_test(test_ctty_inherited_without_noctty), cmocka_unit_test(test_foreground))
