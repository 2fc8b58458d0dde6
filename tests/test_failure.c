/* SPDX-License-Identifier: MIT */
/*
 * Failed starts: each names its step and errno, and leaves nothing behind
 * (no child, running or zombie; no fd; *out NULL). start_fails checks all of
 * that for every case. Bad input is refused before anything is launched,
 * which the tests prove by running under a seccomp filter that makes every
 * process-creating system call fail with ENOTRECOVERABLE.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *const probe_argv[] = {PROBE, NULL};

static bool format_is(const subproc_error *err, const char *want)
{
	char buf[SUBPROC_ERROR_PATH_MAX + 256];

	subproc_error_format(err, buf, sizeof buf);
	if (strcmp(buf, want) == 0)
		return true;
	fprintf(stderr, "error text: expected \"%s\", got \"%s\"\n", want, buf);
	return false;
}

static void test_fail_program_not_found(void **state)
{
	const char *path = "/nonexistent-subproc/prog";
	subproc_error err;

	(void)state;
	assert_true(start_fails(path, probe_argv, NULL, -ENOENT, SUBPROC_STEP_EXECVE, &err));
	assert_string_equal(err.path, path);
	assert_true(format_is(
		&err, "execve /nonexistent-subproc/prog: ENOENT: no such file or directory"));
}

static void test_fail_not_executable(void **state)
{
	char *dir = tempdir_make(), *file;
	subproc_error err;

	(void)state;
	assert_non_null(dir);
	file = file_make(dir, "plain", "#!/bin/sh\nexit 0\n", 17, 0644);
	assert_non_null(file);
	assert_true(start_fails(file, probe_argv, NULL, -EACCES, SUBPROC_STEP_EXECVE, &err));
	assert_string_equal(err.path, file);
	free(file);
	tempdir_remove(dir);
}

static void test_fail_bad_format(void **state)
{
	static const char garbage[] = "\x01\x02\x03garbage, not a program\n\xff\xfe";
	char *dir = tempdir_make(), *file;
	subproc_error err;

	(void)state;
	assert_non_null(dir);
	file = file_make(dir, "garbage", garbage, sizeof garbage, 0755);
	assert_non_null(file);
	assert_true(start_fails(file, probe_argv, NULL, -ENOEXEC, SUBPROC_STEP_EXECVE, &err));
	free(file);
	tempdir_remove(dir);
}

/* 8 MB of arguments is over the kernel's limit (at most 6 MB, 3/4 of the
 * stack limit's ceiling) whatever RLIMIT_STACK is. */
static void test_fail_argument_list_too_long(void **state)
{
	enum { NARGS = 8000, ARGLEN = 1000 };
	char **argv = calloc(NARGS + 1, sizeof *argv), *arg = malloc(ARGLEN);
	subproc_error err;

	(void)state;
	assert_non_null(argv);
	assert_non_null(arg);
	memset(arg, 'a', ARGLEN - 1);
	arg[ARGLEN - 1] = '\0';
	argv[0] = PROBE;
	for (int i = 1; i < NARGS; i++)
		argv[i] = arg;
	/* The kernel's E2BIG comes at execve; a library that measures the
	 * arguments first may name the argv step instead. */
	assert_true(start_fails(PROBE, argv, NULL, -E2BIG, -1, &err));
	assert_true(err.step == SUBPROC_STEP_EXECVE || err.step == SUBPROC_STEP_ARGV);
	free(arg);
	free(argv);
}

static void test_fail_chdir_missing(void **state)
{
	subproc_attr attr = {.dir = "/nonexistent-subproc-dir"};
	subproc_error err;

	(void)state;
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOENT, SUBPROC_STEP_CHDIR, &err));
	assert_string_equal(err.path, "/nonexistent-subproc-dir");
	assert_true(format_is(&err,
	                      "chdir /nonexistent-subproc-dir: ENOENT: no such file or directory"));
}

static void test_fail_chdir_not_a_directory(void **state)
{
	subproc_attr attr = {.dir = PROBE};
	subproc_error err;

	(void)state;
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOTDIR, SUBPROC_STEP_CHDIR, &err));
	assert_string_equal(err.path, PROBE);
}

static void test_fail_fdmap_closed_fd(void **state)
{
	int bad = fd_unused(50), files[4] = {0, 1, 2, bad};
	subproc_attr attr = {.files = files, .nfiles = 4};
	subproc_error err;
	char want[128];

	(void)state;
	assert_true(start_fails(PROBE, probe_argv, &attr, -EBADF, SUBPROC_STEP_DUP2, &err));
	assert_int_equal(err.fd, bad);
	snprintf(want, sizeof want, "dup2 fd %d: EBADF: bad file descriptor", bad);
	assert_true(format_is(&err, want));
}

static void test_fail_path_search_not_found(void **state)
{
	char *dir = tempdir_make(), pathvar[PATH_MAX + 8];
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	subproc_error err;

	(void)state;
	assert_non_null(dir);
	snprintf(pathvar, sizeof pathvar, "PATH=%s", dir);
	char *const env[] = {pathvar, NULL};
	attr.env = env;
	assert_true(start_fails("subproc-no-such-prog", probe_argv, &attr, -ENOENT,
	                        SUBPROC_STEP_LOOKPATH, &err));
	tempdir_remove(dir);
}

/* A program found only through "." is refused unless allowed. */
static void test_fail_path_search_through_dot(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	char *const env[] = {"PATH=/nonexistent-subproc:.", NULL};
	char *dir = tempdir_make(), *copy, cwd[PATH_MAX];
	subproc_error err;
	struct report r;
	bool refused;
	int rc;

	(void)state;
	assert_non_null(dir);
	copy = probe_copy(dir, "subproc-probe-dot");
	assert_non_null(copy);
	attr.env = env;
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	refused = start_fails("subproc-probe-dot", probe_argv, &attr, -EPERM, SUBPROC_STEP_LOOKPATH,
	                      &err);
	attr.flags |= SUBPROC_PATH_ALLOW_DOT;
	rc = probe_run_as("subproc-probe-dot", &attr, NULL, &r);
	assert_int_equal(chdir(cwd), 0);
	assert_true(refused);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "cwd", dir));
	report_free(&r);
	free(copy);
	tempdir_remove(dir);
}

static void test_fail_path_search_not_executable(void **state)
{
	char *dir = tempdir_make(), *file, pathvar[PATH_MAX + 8];
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	subproc_error err;

	(void)state;
	assert_non_null(dir);
	file = file_make(dir, "noexec", "#!/bin/sh\n", 10, 0644);
	snprintf(pathvar, sizeof pathvar, "PATH=%s", dir);
	char *const env[] = {pathvar, NULL};
	attr.env = env;
	assert_true(start_fails("noexec", probe_argv, &attr, -EACCES, SUBPROC_STEP_LOOKPATH, &err));
	free(file);
	tempdir_remove(dir);
}

static void test_fail_setctty_not_a_tty(void **state)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), files[3] = {null, 1, 2};
	subproc_attr attr = {.flags = SUBPROC_SETSID | SUBPROC_SETCTTY, .ctty = 0};
	subproc_error err;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	attr.files = files;
	attr.nfiles = 3;
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOTTY, SUBPROC_STEP_SETCTTY, &err));
	assert_int_equal(err.fd, 0);
	close(null);
}

/* Only a session leader can take a controlling terminal. */
static void test_fail_setctty_without_setsid(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETCTTY, .ctty = 0};
	subproc_error err;
	int master, slave, rc;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	rc = pty_open(&master, &slave);
	if (rc < 0)
		skip_because("no pseudo-terminal: %s", subproc_strerror(rc));
	int files[3] = {slave, 1, 2};
	attr.files = files;
	attr.nfiles = 3;
	assert_true(start_fails(PROBE, probe_argv, &attr, -EPERM, SUBPROC_STEP_SETCTTY, &err));
	close(slave);
	close(master);
}

static void test_fail_noctty_not_a_tty(void **state)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), files[3] = {null, 1, 2};
	subproc_attr attr = {.flags = SUBPROC_NOCTTY, .files = files, .nfiles = 3};
	subproc_error err;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOTTY, SUBPROC_STEP_NOCTTY, &err));
	close(null);
}

static void test_fail_foreground_not_a_tty(void **state)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	subproc_attr attr = {.flags = SUBPROC_FOREGROUND, .ctty = null};
	subproc_error err;

	(void)state;
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOTTY, SUBPROC_STEP_TCSETPGRP, &err));
	close(null);
}

/* A directory that is not a cgroup: the step is "cgroup" whatever the
 * launch path (clone3 joins it in the call itself, the others write
 * cgroup.procs), with the errno of that path. */
static void test_fail_cgroup_not_a_cgroup(void **state)
{
	char *dir = tempdir_make();
	subproc_attr attr = {.flags = SUBPROC_CGROUP};
	subproc_error err;
	int before = fd_count(), rc;
	subproc_proc *proc = NULL;

	(void)state;
	assert_non_null(dir);
	attr.cgroup_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(attr.cgroup_fd >= 0);
	rc = subproc_start(&proc, PROBE, probe_argv, &attr, &err);
	if (rc == 0) {
		subproc_wait(proc, 0, -1, NULL);
		subproc_release(proc);
	}
	close(attr.cgroup_fd);
	assert_true(rc < 0);
	assert_true(error_is(rc, &err, rc, SUBPROC_STEP_CGROUP));
	assert_null(proc);
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
	tempdir_remove(dir);
}

/* In a new session of its own, the subprocess cannot join group 1, which
 * is outside that session whether it exists or not. */
static int check_setpgid_foreign_group(void *arg)
{
	subproc_attr attr = {.flags = SUBPROC_SETPGID, .pgid = 1};
	subproc_error err;

	(void)arg;
	CHECK(setsid() > 0);
	CHECK(start_fails(PROBE, probe_argv, &attr, -EPERM, SUBPROC_STEP_SETPGID, &err));
	return 0;
}

static void test_fail_setpgid_foreign_group(void **state)
{
	(void)state;
	assert_forked(check_setpgid_foreign_group, NULL);
}

/* Runs the rest of a check as nobody: root drops to 65534 for good (the
 * subprocess is single-threaded, so libc's setuid is fine here). */
static int become_nobody(void)
{
	if (geteuid() != 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
		perror("dropping to nobody");
		return 1;
	}
	return 0;
}

static int check_as_nobody(void *arg)
{
	int which = *(int *)arg;
	subproc_attr attr = {0};
	const gid_t zero = 0;
	subproc_rlimit lim;
	struct rlimit rl;
	subproc_error err;

	CHECK(become_nobody() == 0);
	if (getuid() == 0)
		SKIP_FORKED("still root");
	switch (which) {
	case SUBPROC_STEP_SETUID:
		attr.flags = SUBPROC_SETUID;
		attr.uid = 0;
		break;
	case SUBPROC_STEP_SETGID:
		attr.flags = SUBPROC_SETGID;
		attr.gid = 0;
		break;
	case SUBPROC_STEP_SETGROUPS:
		attr.flags = SUBPROC_SETGROUPS;
		attr.groups = &zero;
		attr.ngroups = 1;
		break;
	case SUBPROC_STEP_CHROOT:
		attr.chroot = "/";
		break;
	case SUBPROC_STEP_RLIMIT:
		CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
		if (rl.rlim_max == RLIM_INFINITY)
			SKIP_FORKED("the nofile hard limit is infinite and cannot be raised");
		lim.resource = RLIMIT_NOFILE;
		lim.limit.rlim_cur = lim.limit.rlim_max = rl.rlim_max + 1;
		attr.rlimits = &lim;
		attr.nrlimits = 1;
		break;
	}
	CHECK(start_fails(PROBE, probe_argv, &attr, -EPERM, which, &err));
	if (which == SUBPROC_STEP_CHROOT)
		CHECK(strcmp(err.path, "/") == 0);
	if (which == SUBPROC_STEP_RLIMIT)
		CHECK(err.fd == RLIMIT_NOFILE);
	return 0;
}

static void test_fail_setuid_as_nobody(void **state)
{
	int which = SUBPROC_STEP_SETUID;

	(void)state;
	assert_forked(check_as_nobody, &which);
}

static void test_fail_setgid_as_nobody(void **state)
{
	int which = SUBPROC_STEP_SETGID;

	(void)state;
	assert_forked(check_as_nobody, &which);
}

static void test_fail_setgroups_as_nobody(void **state)
{
	int which = SUBPROC_STEP_SETGROUPS;

	(void)state;
	need_linux_build("setgroups");
	assert_forked(check_as_nobody, &which);
}

static void test_fail_chroot_as_nobody(void **state)
{
	int which = SUBPROC_STEP_CHROOT;

	(void)state;
	need_linux_build("chroot");
	assert_forked(check_as_nobody, &which);
}

static void test_fail_rlimit_raise_as_nobody(void **state)
{
	int which = SUBPROC_STEP_RLIMIT;

	(void)state;
	assert_forked(check_as_nobody, &which);
}

static void test_fail_chroot_missing(void **state)
{
	subproc_attr attr = {.chroot = "/nonexistent-subproc-root"};
	subproc_error err;

	(void)state;
	need_linux_build("chroot");
	if (geteuid() != 0)
		skip_because("chroot needs root");
	assert_true(start_fails(PROBE, probe_argv, &attr, -ENOENT, SUBPROC_STEP_CHROOT, &err));
	assert_string_equal(err.path, "/nonexistent-subproc-root");
}

/* ------------------------------------------------------------------------ */
/* Bad input, refused before launch.                                         */
/* ------------------------------------------------------------------------ */

struct bad_input {
	const char *path;
	char *const *argv;
	subproc_attr attr;
	int step; /* -1: any */
	int code;
};

static int check_refused_before_launch(void *arg)
{
	struct bad_input *b = arg;
	subproc_error err;
	int rc = seccomp_deny(DENY_ALL_LAUNCHES);

	if (rc < 0)
		SKIP_FORKED("seccomp is not available: %s", subproc_strerror(rc));
	/* A start that got as far as launching would fail with
	 * ENOTRECOVERABLE, not with the expected code. */
	CHECK(start_fails(b->path, b->argv, &b->attr, b->code, b->step, &err));
	/* A launch error names the path it took: the one SUBPROC_LAUNCH
	 * forces. */
	if (b->step == SUBPROC_STEP_LAUNCH && launch_path())
		CHECK(strcmp(err.path, launch_path()) == 0);
	return 0;
}

/* The filter itself works: a good start under it fails at launch. */
static void test_bad_input_filter_blocks_launch(void **state)
{
	struct bad_input b = {PROBE, probe_argv, {0}, SUBPROC_STEP_LAUNCH, -ENOTRECOVERABLE};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_null_path(void **state)
{
	struct bad_input b = {NULL, probe_argv, {0}, -1, -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_null_argv(void **state)
{
	struct bad_input b = {PROBE, NULL, {0}, SUBPROC_STEP_ARGV, -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_empty_argv(void **state)
{
	static char *const empty[] = {NULL};
	struct bad_input b = {PROBE, empty, {0}, SUBPROC_STEP_ARGV, -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_env_entry_without_equals(void **state)
{
	static char *const env[] = {"GOOD=1", "BAD", NULL};
	struct bad_input b = {PROBE, probe_argv, {.env = env}, SUBPROC_STEP_ENV, -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_setctty_with_foreground(void **state)
{
	struct bad_input b = {PROBE,
	                      probe_argv,
	                      {.flags = SUBPROC_SETSID | SUBPROC_SETCTTY | SUBPROC_FOREGROUND},
	                      SUBPROC_STEP_ATTR,
	                      -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_ctty_outside_map(void **state)
{
	static const int files[3] = {0, 1, 2};
	struct bad_input b = {
		PROBE,
		probe_argv,
		{.flags = SUBPROC_SETSID | SUBPROC_SETCTTY, .ctty = 3, .files = files, .nfiles = 3},
		SUBPROC_STEP_ATTR,
		-EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
	b.attr.ctty = -1;
	assert_forked(check_refused_before_launch, &b);
}

static void test_bad_rlimit_soft_above_hard(void **state)
{
	static const subproc_rlimit lim = {RLIMIT_NOFILE, {100, 50}};
	struct bad_input b = {
		PROBE, probe_argv, {.rlimits = &lim, .nrlimits = 1}, SUBPROC_STEP_ATTR, -EINVAL};

	(void)state;
	assert_forked(check_refused_before_launch, &b);
}

/* An fd map naming a closed fd is refused before launch. */
static void test_bad_fdmap_closed_fd_before_launch(void **state)
{
	static int files[4] = {0, 1, 2, -1};
	struct bad_input b = {
		PROBE, probe_argv, {.files = files, .nfiles = 4}, SUBPROC_STEP_DUP2, -EBADF};

	(void)state;
	files[3] = fd_unused(60);
	assert_forked(check_refused_before_launch, &b);
}

/*
 * err belongs to the call: whatever an earlier failure left in it (here a
 * chdir step, a path and an fd) is gone after the next call, success or
 * failure.
 */
static void test_err_cleared_by_a_start_that_works(void **state)
{
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	const int files[] = {0, devnull, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;

	(void)state;
	assert_true(devnull >= 0);
	error_stale(&err);
	assert_true(error_plain(subproc_start(&p, PROBE, probe_argv, &attr, &err), &err, 0));
	assert_non_null(p);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	assert_true(subproc_status_exited(st.status));
	subproc_release(p);
	close(devnull);
	assert_true(no_children());
}

static void test_err_start_failure_replaces_stale(void **state)
{
	char *const argv[] = {"/nonexistent/subproc-test", NULL};
	subproc_proc *p = (subproc_proc *)&p; /* not NULL: the call must set it */
	subproc_error err;

	(void)state;
	error_stale(&err);
	assert_true(error_is(subproc_start(&p, argv[0], argv, NULL, &err), &err, -ENOENT,
	                     SUBPROC_STEP_EXECVE));
	assert_null(p);
	assert_string_equal(err.path, argv[0]);
	assert_int_equal(err.fd, -1);

	/* Refused input names its step, with nothing of the earlier path. */
	error_stale(&err);
	assert_true(error_is(subproc_start(NULL, PROBE, probe_argv, NULL, &err), &err, -EINVAL,
	                     SUBPROC_STEP_ATTR));
	assert_string_equal(err.path, "");
	assert_int_equal(err.fd, -1);
	error_stale(&err);
	p = (subproc_proc *)&p;
	assert_true(error_is(subproc_start(&p, PROBE, NULL, NULL, &err), &err, -EINVAL,
	                     SUBPROC_STEP_ARGV));
	assert_null(p);
	assert_string_equal(err.path, "");
	assert_int_equal(err.fd, -1);
	assert_true(no_children());
}

/* subproc_exec refusing its input returns (nothing is exec'ed), with err
 * this call's. */
static void test_err_exec_bad_input_replaces_stale(void **state)
{
	char *const empty[] = {NULL};
	char *const bad_env[] = {"NOEQUALS", NULL};
	subproc_error err;

	(void)state;
	error_stale(&err);
	assert_true(
		error_is(subproc_exec(PROBE, empty, NULL, &err), &err, -EINVAL, SUBPROC_STEP_ARGV));
	assert_string_equal(err.path, "");
	assert_int_equal(err.fd, -1);
	error_stale(&err);
	assert_true(error_is(subproc_exec(NULL, probe_argv, NULL, &err), &err, -EINVAL,
	                     SUBPROC_STEP_ARGV));
	assert_string_equal(err.path, "");
	error_stale(&err);
	assert_true(error_is(subproc_exec(PROBE, probe_argv, bad_env, &err), &err, -EINVAL,
	                     SUBPROC_STEP_ENV));
	assert_string_equal(err.path, "NOEQUALS");
	assert_int_equal(err.fd, -1);
}

/* A wait that fails leaves *status as it was: a timeout consumes nothing. */
static void test_wait_failure_leaves_status(void **state)
{
	char *const argv[] = {PROBE, "--sleep-ms", "30000", NULL};
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	const int files[] = {0, devnull, 2};
	subproc_attr attr = {.files = files, .nfiles = 3};
	subproc_status st, before;
	subproc_proc *p = NULL;

	(void)state;
	assert_true(devnull >= 0);
	assert_int_equal(subproc_start(&p, PROBE, argv, &attr, NULL), 0);
	memset(&st, 0x5a, sizeof st);
	before = st;
	assert_int_equal(subproc_wait(p, 0, 0, &st), -ETIMEDOUT);
	assert_memory_equal(&st, &before, sizeof st);
	assert_int_equal(subproc_wait(p, 1u << 7, -1, &st), -EINVAL);
	assert_memory_equal(&st, &before, sizeof st);
	assert_int_equal(subproc_signal(p, SIGKILL), 0);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	assert_true(subproc_status_signaled(st.status));
	memset(&st, 0x5a, sizeof st);
	assert_int_equal(subproc_wait(p, 0, -1, &st), -ECHILD);
	assert_memory_equal(&st, &before, sizeof st);
	subproc_release(p);
	close(devnull);
	assert_true(no_children());
}

/* What the portable build (SUBPROC_POSIX) has no call for fails at its own
 * step with ENOSYS, leaving nothing behind (start_fails checks), instead of
 * a child that runs without it; its starts have no pidfd. */
static int check_portable_lacks(void *arg)
{
	static const gid_t none[1] = {0};
	subproc_error err;
	subproc_attr attr;
	subproc_proc *p = NULL;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), files[3] = {null, 1, 2};

	(void)arg;
	CHECK(null >= 0);
	attr = (subproc_attr){.chroot = "/"};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_CHROOT, &err));
	attr = (subproc_attr){.flags = SUBPROC_SETGROUPS, .groups = none, .ngroups = 1};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_SETGROUPS, &err));
	attr = (subproc_attr){.pdeathsig = SIGTERM};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_PDEATHSIG, &err));
	attr = (subproc_attr){.flags = SUBPROC_NOCTTY};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_NOCTTY, &err));
	attr = (subproc_attr){
		.flags = SUBPROC_SETSID | SUBPROC_SETCTTY, .files = files, .nfiles = 3, .ctty = 0};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_SETCTTY, &err));
	attr = (subproc_attr){.launch = SUBPROC_LAUNCH_CLONE};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_LAUNCH, &err));
	CHECK(strcmp(err.path, "clone") == 0);
	attr = (subproc_attr){.launch = SUBPROC_LAUNCH_CLONE3};
	CHECK(start_fails(PROBE, probe_argv, &attr, -ENOSYS, SUBPROC_STEP_LAUNCH, &err));
	CHECK(strcmp(err.path, "clone3") == 0);
	close(null);

	{
		int pidfd = -777;
		CHECK(subproc_pidfd_spawn(&pidfd, PROBE, NULL, NULL, probe_argv, NULL) == ENOSYS);
		CHECK(pidfd == -777);
		CHECK(no_children());
	}
	CHECK(subproc_start(&p, PROBE, probe_argv, NULL, NULL) == 0);
	CHECK(subproc_pidfd(p) == -1);
	CHECK(subproc_wait(p, 0, -1, NULL) == 0);
	subproc_release(p);
	CHECK(no_children());
	return 0;
}

static void test_fail_portable_lacks(void **state)
{
	(void)state;
	if (!SUBPROC_TEST_PORTABLE)
		skip_because(
			"the Linux build has all of these; only the portable build lacks them");
	assert_forked(check_portable_lacks, NULL);
}

TEST_MAIN(cmocka_unit_test(test_fail_program_not_found), cmocka_unit_test(test_fail_not_executable),
          cmocka_unit_test(test_fail_bad_format),
          cmocka_unit_test(test_fail_argument_list_too_long),
          cmocka_unit_test(test_fail_chdir_missing),
          cmocka_unit_test(test_fail_chdir_not_a_directory),
          cmocka_unit_test(test_fail_fdmap_closed_fd),
          cmocka_unit_test(test_fail_path_search_not_found),
          cmocka_unit_test(test_fail_path_search_through_dot),
          cmocka_unit_test(test_fail_path_search_not_executable),
          cmocka_unit_test(test_fail_setctty_not_a_tty),
          cmocka_unit_test(test_fail_setctty_without_setsid),
          cmocka_unit_test(test_fail_noctty_not_a_tty),
          cmocka_unit_test(test_fail_foreground_not_a_tty),
          cmocka_unit_test(test_fail_cgroup_not_a_cgroup),
          cmocka_unit_test(test_fail_setpgid_foreign_group),
          cmocka_unit_test(test_fail_setuid_as_nobody),
          cmocka_unit_test(test_fail_setgid_as_nobody),
          cmocka_unit_test(test_fail_setgroups_as_nobody),
          cmocka_unit_test(test_fail_chroot_as_nobody),
          cmocka_unit_test(test_fail_rlimit_raise_as_nobody),
          cmocka_unit_test(test_fail_chroot_missing), cmocka_unit_test(test_fail_portable_lacks),
          cmocka_unit_test(test_bad_input_filter_blocks_launch),
          cmocka_unit_test(test_bad_null_path), cmocka_unit_test(test_bad_null_argv),
          cmocka_unit_test(test_bad_empty_argv),
          cmocka_unit_test(test_bad_env_entry_without_equals),
          cmocka_unit_test(test_bad_setctty_with_foreground),
          cmocka_unit_test(test_bad_ctty_outside_map),
          cmocka_unit_test(test_bad_rlimit_soft_above_hard),
          cmocka_unit_test(test_bad_fdmap_closed_fd_before_launch),
          cmocka_unit_test(test_err_cleared_by_a_start_that_works),
          cmocka_unit_test(test_err_start_failure_replaces_stale),
          cmocka_unit_test(test_err_exec_bad_input_replaces_stale),
          cmocka_unit_test(test_wait_failure_leaves_status))
