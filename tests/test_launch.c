/* SPDX-License-Identifier: MIT */
/*
 * Launch paths. A seccomp filter makes clone3 fail with ENOSYS and clone
 * with CLONE_VM fail with EPERM, so each path shows itself: fork still
 * works, clone and clone3 fail at the launch step naming themselves. This
 * proves that SUBPROC_LAUNCH, under which the whole suite runs, really
 * selects the path, and that an explicit attr.launch overrides it.
 */
#include "support.h"

#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

static char *const probe_argv[] = {PROBE, NULL};

/* In a subprocess: with the filter on, start with attr.launch `launch` and
 * check the outcome expected for the path `path`. */
static int check_path(int launch, const char *path)
{
	subproc_attr attr = {.launch = launch};
	subproc_error err;
	struct report r;
	int rc = seccomp_deny(DENY_CLONE3_ENOSYS | DENY_CLONE_VM_EPERM);

	if (rc < 0)
		SKIP_FORKED("seccomp is not available: %s", subproc_strerror(rc));
	if (strcmp(path, "fork") == 0) {
		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		CHECK(report_is_long(&r, "ppid", getpid()));
		report_free(&r);
		return 0;
	}
	/* The portable build has no clone to refuse: ENOSYS, by name. */
	if (strcmp(path, "clone") == 0 && !SUBPROC_TEST_PORTABLE)
		CHECK(start_fails(PROBE, probe_argv, &attr, -EPERM, SUBPROC_STEP_LAUNCH, &err));
	else
		CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_LAUNCH, &err));
	if (strcmp(err.path, path) != 0) {
		fprintf(stderr, "launch error names \"%s\", expected \"%s\"\n", err.path, path);
		return 1;
	}
	return 0;
}

static int check_env_path(void *arg)
{
	(void)arg;
	if (!launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is not set");
	return check_path(SUBPROC_LAUNCH_DEFAULT, launch_path());
}

static void test_launch_env_selects_path(void **state)
{
	(void)state;
	assert_forked(check_env_path, NULL);
}

static int check_explicit(void *arg)
{
	const char *path = arg;
	int launch = strcmp(path, "fork") == 0    ? SUBPROC_LAUNCH_FORK
	             : strcmp(path, "clone") == 0 ? SUBPROC_LAUNCH_CLONE
	                                          : SUBPROC_LAUNCH_CLONE3;

	return check_path(launch, path);
}

static void test_launch_explicit_fork_overrides_env(void **state)
{
	(void)state;
	assert_forked(check_explicit, "fork");
}

static void test_launch_explicit_clone_overrides_env(void **state)
{
	(void)state;
	assert_forked(check_explicit, "clone");
}

static void test_launch_explicit_clone3_overrides_env(void **state)
{
	(void)state;
	if (!SUBPROC_TEST_PORTABLE && !launch_exists(SUBPROC_LAUNCH_CLONE3))
		skip_because("no clone3 here");
	assert_forked(check_explicit, "clone3");
}

/* Without a filter every explicit path starts a child, with a pidfd. */
static void test_launch_each_path_works(void **state)
{
	static const int paths[] = {SUBPROC_LAUNCH_CLONE3, SUBPROC_LAUNCH_CLONE,
	                            SUBPROC_LAUNCH_FORK};

	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		subproc_attr attr = {.launch = paths[i]};
		struct report r;

		if (!launch_exists(paths[i]))
			continue;

		assert_int_equal(probe_run(&attr, NULL, &r), 0);
		assert_true(report_exited_ok(&r));
		assert_true(report_is_long(&r, "ppid", getpid()));
		report_free(&r);
	}
	assert_true(no_children());
}

/* A container's seccomp profile: close_range missing, unshare refused (no
 * CAP_SYS_ADMIN), clone3 missing unless it is the path under test. Every
 * path still starts children that get none of the caller's other fds, and
 * posix_spawn works as glibc's does there. */
static int check_container_profile(void *arg)
{
	const char *path = launch_path();
	char *const argv[] = {PROBE, "--exit", "0", NULL};
	int marker, status;
	pid_t pid;

	(void)arg;
	if (path == NULL)
		SKIP_FORKED("SUBPROC_LAUNCH is not set");
	if (seccomp_container(strcmp(path, "clone3") != 0) < 0)
		SKIP_FORKED("seccomp is not available");
	marker = fd_marker(false, 50);
	CHECK(marker == 50);
	CHECK(probe_runs_clean(3, marker));
	CHECK(subproc_posix_spawn(&pid, PROBE, NULL, NULL, argv, NULL) == 0);
	CHECK(waitpid_bounded(pid, &status, 30000) == 0 && status == 0);
	CHECK(posix_spawn(&pid, PROBE, NULL, NULL, argv, NULL) == 0);
	CHECK(waitpid_bounded(pid, &status, 30000) == 0 && status == 0);
	close(marker);
	CHECK(no_children());
	return 0;
}

static void test_launch_container_profile(void **state)
{
	(void)state;
	assert_forked(check_container_profile, NULL);
}

TEST_MAIN(cmocka_unit_test(test_launch_env_selects_path),
          cmocka_unit_test(test_launch_explicit_fork_overrides_env),
          cmocka_unit_test(test_launch_explicit_clone_overrides_env),
          cmocka_unit_test(test_launch_explicit_clone3_overrides_env),
          cmocka_unit_test(test_launch_each_path_works),
          cmocka_unit_test(test_launch_container_profile))
