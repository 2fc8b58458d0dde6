/* SPDX-License-Identifier: MIT */
/*
 * The default launch, with no SUBPROC_LAUNCH: clone3, falling back to clone
 * when clone3 is refused with ENOSYS or with EPERM (as a container's seccomp
 * filter does). Registered once, with SUBPROC_LAUNCH removed.
 */
#include "support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_fallback(void *arg)
{
	int deny = *(int *)arg, rc;
	subproc_attr attr = {0};
	struct report r;

	if (launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is set, so there is no default to test");
	rc = seccomp_deny(deny);
	if (rc < 0)
		SKIP_FORKED("seccomp is not available: %s", subproc_strerror(rc));
	/* Twice: the second start goes straight to clone. */
	for (int i = 0; i < 2; i++) {
		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		report_free(&r);
	}
	CHECK(no_children());
	return 0;
}

static void test_default_falls_back_on_enosys(void **state)
{
	int deny = DENY_CLONE3_ENOSYS;

	(void)state;
	assert_forked(check_fallback, &deny);
}

static void test_default_falls_back_on_eperm(void **state)
{
	int deny = DENY_CLONE3_EPERM;

	(void)state;
	assert_forked(check_fallback, &deny);
}

static void test_default_starts(void **state)
{
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	if (launch_path())
		skip_because("SUBPROC_LAUNCH is set, so there is no default to test");
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	report_free(&r);
}

/* An unknown SUBPROC_LAUNCH fails every start that uses the default launch,
 * naming the variable, instead of being ignored: someone who typed
 * SUBPROC_LAUNCH=clone4 must not believe they test a path they do not. */
static int check_bad_env(void *arg)
{
	char *const argv[] = {PROBE, NULL};
	subproc_attr attr = {0};
	subproc_error err;
	char text[256];
	pid_t pid;

	(void)arg;
	if (launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is set, so there is no default to test");
	CHECK(setenv("SUBPROC_LAUNCH", "clone4", 1) == 0);
	CHECK(start_fails(PROBE, argv, &attr, -EINVAL, SUBPROC_STEP_LAUNCH, &err));
	CHECK(strcmp(err.path, "SUBPROC_LAUNCH=clone4") == 0);
	subproc_error_format(&err, text, sizeof text);
	CHECK(strcmp(text, "launch SUBPROC_LAUNCH=clone4: EINVAL: invalid argument") == 0);
	CHECK(subproc_posix_spawn(&pid, PROBE, NULL, NULL, argv, NULL) == EINVAL);
	/* Read once per process: changing it later changes nothing. */
	CHECK(setenv("SUBPROC_LAUNCH", "fork", 1) == 0);
	CHECK(start_fails(PROBE, argv, &attr, -EINVAL, SUBPROC_STEP_LAUNCH, &err));
	/* A launch asked for by the caller does not look at the variable. */
	for (int launch = SUBPROC_LAUNCH_CLONE3; launch <= SUBPROC_LAUNCH_FORK; launch++) {
		struct report r;

		if (!launch_exists(launch))
			continue;
		attr.launch = launch;
		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		report_free(&r);
	}
	CHECK(no_children());
	return 0;
}

static void test_default_refuses_unknown_env(void **state)
{
	(void)state;
	assert_forked(check_bad_env, NULL);
}

/* Set but empty, as `SUBPROC_LAUNCH= cmd` leaves it, is the default. */
static int check_empty_env(void *arg)
{
	subproc_attr attr = {0};
	struct report r;

	(void)arg;
	if (launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is set, so there is no default to test");
	CHECK(setenv("SUBPROC_LAUNCH", "", 1) == 0);
	CHECK(probe_run(&attr, NULL, &r) == 0);
	CHECK(report_exited_ok(&r));
	report_free(&r);
	return 0;
}

static void test_default_empty_env(void **state)
{
	(void)state;
	assert_forked(check_empty_env, NULL);
}

/* Under the seccomp profile of a common container setup (no clone3, no
 * close_range, unshare refused for want of CAP_SYS_ADMIN), the default
 * start works: clone, without sharing the fd table. */
static int check_container_profile(void *arg)
{
	int marker;

	(void)arg;
	if (launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is set, so there is no default to test");
	if (seccomp_container(true) < 0)
		SKIP_FORKED("seccomp is not available");
	marker = fd_marker(false, 50);
	CHECK(marker == 50);
	CHECK(probe_runs_clean(3, marker));
	close(marker);
	CHECK(no_children());
	return 0;
}

static void test_default_container_profile(void **state)
{
	(void)state;
	assert_forked(check_container_profile, NULL);
}

TEST_MAIN(cmocka_unit_test(test_default_falls_back_on_enosys),
          cmocka_unit_test(test_default_falls_back_on_eperm), cmocka_unit_test(test_default_starts),
          cmocka_unit_test(test_default_refuses_unknown_env),
          cmocka_unit_test(test_default_empty_env),
          cmocka_unit_test(test_default_container_profile))
