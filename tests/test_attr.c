/* SPDX-License-Identifier: MIT */
/*
 * Attributes of the child, each checked from inside the child by the probe:
 * directory, environment, umask, resource limits, credentials, chroot, PATH
 * search and cgroup. Also that none of them leaks back into the parent,
 * which shares memory with the child on the clone paths.
 */
#include "support.h"

#include <linux/openat2.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static void test_cwd(void **state)
{
	subproc_attr attr = {0};
	char *dir = tempdir_make(), before[PATH_MAX], after[PATH_MAX];
	struct report r;

	(void)state;
	assert_non_null(dir);
	assert_non_null(getcwd(before, sizeof before));
	attr.dir = dir;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "cwd", dir));
	/* The child's chdir must not move the parent. */
	assert_non_null(getcwd(after, sizeof after));
	assert_string_equal(after, before);
	report_free(&r);
	tempdir_remove(dir);
}

static void test_cwd_relative_to_caller(void **state)
{
	subproc_attr attr = {0};
	char *dir = tempdir_make(), sub[PATH_MAX], before[PATH_MAX];
	struct report r;
	int rc;

	(void)state;
	assert_non_null(dir);
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_non_null(getcwd(before, sizeof before));
	assert_int_equal(chdir(dir), 0);
	attr.dir = "sub";
	rc = probe_run(&attr, NULL, &r);
	assert_int_equal(chdir(before), 0);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "cwd", sub));
	report_free(&r);
	tempdir_remove(dir);
}

static void test_env_given(void **state)
{
	char *const env[] = {"A=1", "B=two words", "EMPTY=", NULL};
	subproc_attr attr = {.env = env};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "env", "3"));
	assert_true(report_is(&r, "env.A", "1"));
	assert_true(report_is(&r, "env.B", "two words"));
	assert_true(report_is(&r, "env.EMPTY", ""));
	assert_null(report_get(&r, "env.PATH"));
	report_free(&r);
}

/* A NULL env is the caller's environ as it is at the call: a variable set
 * just before is there, one removed just before is not. */
static void test_env_null_inherits(void **state)
{
	subproc_attr attr = {0};
	struct report r;
	char value[64];
	size_t n = 0;

	(void)state;
	snprintf(value, sizeof value, "set-by-%ld", (long)getpid());
	setenv("SUBPROC_TEST_GONE", "x", 1);
	setenv("SUBPROC_TEST_VAR", value, 1);
	unsetenv("SUBPROC_TEST_GONE");
	for (char **e = environ; *e; e++)
		n++;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "env.SUBPROC_TEST_VAR", value));
	assert_null(report_get(&r, "env.SUBPROC_TEST_GONE"));
	assert_true(report_is_long(&r, "env", (long long)n));
	report_free(&r);
	unsetenv("SUBPROC_TEST_VAR");
}

static void test_argv_passed_exactly(void **state)
{
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, ARGS("--exit", "0", "--sleep-ms", "0"), &r), 0);
	assert_true(report_is(&r, "argv", "5"));
	assert_true(report_is(&r, "argv.0", PROBE));
	assert_true(report_is(&r, "argv.4", "0"));
	report_free(&r);
}

static void test_umask(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_UMASK, .umask = 0027};
	mode_t before = umask(0022), after;
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	after = umask(before);
	assert_true(report_is(&r, "umask", "0027"));
	/* The umask belongs to the child only. */
	assert_int_equal(after, 0022);
	report_free(&r);
}

static void test_umask_default_inherited(void **state)
{
	subproc_attr attr = {0};
	mode_t before = umask(0077);
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	umask(before);
	assert_true(report_is(&r, "umask", "0077"));
	report_free(&r);
}

static void limit_text(char *buf, size_t size, rlim_t soft, rlim_t hard)
{
	char s[32] = "inf", h[32] = "inf";

	if (soft != RLIM_INFINITY)
		snprintf(s, sizeof s, "%llu", (unsigned long long)soft);
	if (hard != RLIM_INFINITY)
		snprintf(h, sizeof h, "%llu", (unsigned long long)hard);
	snprintf(buf, size, "%s:%s", s, h);
}

static void test_rlimits_nofile_core(void **state)
{
	struct rlimit nofile, core, nofile_after, core_after;
	char want_nofile[80], want_core[80];
	subproc_rlimit limits[2];
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &core), 0);
	if (nofile.rlim_max < 100 || core.rlim_max < 8192)
		skip_because("hard limits too low to lower below them (nofile, core)");
	/* Lower limits only: allowed without privilege. */
	limits[0] = (subproc_rlimit){RLIMIT_NOFILE, {64, 100}};
	limits[1] = (subproc_rlimit){RLIMIT_CORE, {4096, core.rlim_max}};
	attr.rlimits = limits;
	attr.nrlimits = 2;
	limit_text(want_nofile, sizeof want_nofile, 64, 100);
	limit_text(want_core, sizeof want_core, 4096, core.rlim_max);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "rlimit.nofile", want_nofile));
	assert_true(report_is(&r, "rlimit.core", want_core));
	/* The parent's limits are its own. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile_after), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &core_after), 0);
	assert_true(nofile_after.rlim_cur == nofile.rlim_cur &&
	            nofile_after.rlim_max == nofile.rlim_max);
	assert_true(core_after.rlim_cur == core.rlim_cur && core_after.rlim_max == core.rlim_max);
	report_free(&r);
}

/* Limits apply in order: a later entry for the same resource wins. */
static void test_rlimits_in_order(void **state)
{
	subproc_rlimit limits[] = {
		{RLIMIT_NOFILE, {50, 90}},
		{RLIMIT_NOFILE, {40, 80}},
	};
	subproc_attr attr = {.rlimits = limits, .nrlimits = 2};
	struct rlimit nofile;
	struct report r;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	if (nofile.rlim_max < 90)
		skip_because("hard nofile limit below 90");
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "rlimit.nofile", "40:80"));
	report_free(&r);
}

static void test_credentials_as_root(void **state)
{
	const gid_t groups[] = {65534, 100};
	subproc_attr attr = {.flags = SUBPROC_SETUID | SUBPROC_SETGID | SUBPROC_SETGROUPS,
	                     .uid = 65534,
	                     .gid = 65534,
	                     .groups = groups,
	                     .ngroups = 2};
	char *dir, *probe;
	struct report r;

	(void)state;
	need_linux_build("setgroups");
	if (geteuid() != 0)
		skip_because("changing credentials needs root");
	/* The build tree may be closed to 65534. */
	probe_copy_for_or_skip(65534, 65534, groups, 2, &dir, &probe);
	attr.dir = dir;
	assert_int_equal(probe_run_as(probe, &attr, NULL, &r), 0);
	assert_true(report_is(&r, "uid", "65534"));
	assert_true(report_is(&r, "euid", "65534"));
	assert_true(report_is(&r, "gid", "65534"));
	assert_true(report_is(&r, "egid", "65534"));
	assert_true(report_is(&r, "groups", "100,65534"));
	/* Raw syscalls in the child: the parent stays root. */
	assert_int_equal(geteuid(), 0);
	assert_int_equal(getegid(), 0);
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

static void test_setgroups_empty_clears(void **state)
{
	const gid_t one = 100;
	subproc_attr attr = {.flags = SUBPROC_SETGROUPS, .groups = &one, .ngroups = 0};
	struct report r;

	(void)state;
	need_linux_build("setgroups");
	if (geteuid() != 0)
		skip_because("setgroups needs root");
	/* Give the parent a group list first, so that clearing shows. */
	assert_int_equal(setgroups(1, &one), 0);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "groups", ""));
	assert_int_equal(getgroups(0, NULL), 1);
	report_free(&r);
}

static void test_setuid_only_keeps_gid(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_SETUID, .uid = 65534};
	char *dir, *probe;
	struct report r;

	(void)state;
	if (geteuid() != 0)
		skip_because("setuid needs root");
	probe_copy_for_or_skip(65534, getgid(), NULL, 0, &dir, &probe);
	attr.dir = dir;
	assert_int_equal(probe_run_as(probe, &attr, NULL, &r), 0);
	assert_true(report_is(&r, "uid", "65534"));
	assert_true(report_is_long(&r, "gid", getgid()));
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

/* Skips unless a chroot test can run: root, and a probe that needs no
 * libraries inside the bare root. */

static void test_chroot(void **state)
{
	subproc_attr attr = {0};
	char *dir, *probe, cwd_before[PATH_MAX], cwd_after[PATH_MAX];
	struct report r;

	(void)state;
	need_linux_build("chroot");
	need_chroot();
	dir = tempdir_make();
	probe = probe_copy(dir, "subproc-probe");
	assert_non_null(probe);
	assert_non_null(getcwd(cwd_before, sizeof cwd_before));
	attr.chroot = dir;
	attr.dir = "/";
	assert_int_equal(
		probe_run_as("/subproc-probe", &attr, ARGS("--stat", "/subproc-probe"), &r), 0);
	assert_true(report_is(&r, "stat./subproc-probe", "exists"));
	assert_true(report_is(&r, "cwd", "/"));
	/* The parent's root and directory are untouched. */
	assert_int_equal(access(PROBE, X_OK), 0);
	assert_non_null(getcwd(cwd_after, sizeof cwd_after));
	assert_string_equal(cwd_after, cwd_before);
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

/* The directory is taken inside the new root. */
static void test_chroot_then_dir(void **state)
{
	subproc_attr attr = {0};
	char *dir, *probe, sub[PATH_MAX];
	struct report r;

	(void)state;
	need_linux_build("chroot");
	need_chroot();
	dir = tempdir_make();
	probe = probe_copy(dir, "subproc-probe");
	assert_non_null(probe);
	snprintf(sub, sizeof sub, "%s/inside", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	attr.chroot = dir;
	attr.dir = "/inside";
	assert_int_equal(probe_run_as("/subproc-probe", &attr, NULL, &r), 0);
	assert_true(report_is(&r, "cwd", "/inside"));
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

/* PATH is taken from attr.env, not from the caller. */
static void test_path_search_uses_env_path(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	char *dir = tempdir_make(), *probe, pathvar[PATH_MAX + 64];
	struct report r;

	(void)state;
	assert_non_null(dir);
	probe = probe_copy(dir, "subproc-probe-in-path");
	assert_non_null(probe);
	snprintf(pathvar, sizeof pathvar, "PATH=/nonexistent-subproc:%s", dir);
	char *const env[] = {pathvar, "MARK=1", NULL};
	attr.env = env;
	assert_int_equal(probe_run_as("subproc-probe-in-path", &attr, NULL, &r), 0);
	assert_true(report_is(&r, "env.MARK", "1"));
	assert_true(report_is(&r, "env.PATH", pathvar + 5));
	assert_true(report_is(&r, "argv.0", "subproc-probe-in-path"));
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

/* Without SUBPROC_PATH_SEARCH a bare name is not searched for. */
static void test_no_path_search_by_default(void **state)
{
	subproc_attr attr = {0};
	char *dir = tempdir_make(), *probe, pathvar[PATH_MAX + 64];
	struct report r;

	(void)state;
	assert_non_null(dir);
	probe = probe_copy(dir, "subproc-probe-in-path");
	assert_non_null(probe);
	snprintf(pathvar, sizeof pathvar, "PATH=%s", dir);
	char *const env[] = {pathvar, NULL};
	attr.env = env;
	assert_int_equal(probe_run_as("subproc-probe-in-path", &attr, NULL, &r), -ENOENT);
	assert_int_equal(r.err.step, SUBPROC_STEP_EXECVE);
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
}

static void own_cgroup(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];

	out[0] = '\0';
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%s", line + 3);
		}
	if (f)
		fclose(f);
}

static void test_cgroup(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_CGROUP};
	char mnt[PATH_MAX], path[PATH_MAX + 64], want[64], before[PATH_MAX], after[PATH_MAX];
	struct report r;
	int rc;

	(void)state;
	if (!cgroup2_mount(mnt, sizeof mnt))
		skip_because("no cgroup2 file system is mounted");
	snprintf(want, sizeof want, "/subproc-test-%ld", (long)getpid());
	snprintf(path, sizeof path, "%s%s", mnt, want);
	if (mkdir(path, 0755) < 0)
		skip_because("cannot create a cgroup under %s: %s", mnt, strerror(errno));
	own_cgroup(before, sizeof before);
	attr.cgroup_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(attr.cgroup_fd >= 0);
	rc = probe_run(&attr, NULL, &r);
	close(attr.cgroup_fd);
	own_cgroup(after, sizeof after);
	/* The child is reaped, so the cgroup is empty again and can go. */
	int removed = rmdir(path);
	assert_int_equal(rc, 0);
	assert_true(report_is(&r, "cgroup", want));
	assert_string_equal(after, before);
	assert_int_equal(removed, 0);
	report_free(&r);
}

/* What the search checks is what the child runs. With SUBPROC_PATH_ALLOW_DOT
 * a relative PATH entry is taken from the child's directory (attr.dir),
 * where the child will exec it, not from the caller's: a program only in
 * the caller's directory is not found, one only in attr.dir is. */
static void test_path_search_relative_entry_from_dir(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH | SUBPROC_PATH_ALLOW_DOT};
	char *const env[] = {"PATH=.", NULL};
	char *here = tempdir_make(), *there = tempdir_make(), *p1, *p2, old[PATH_MAX];
	subproc_error err;
	struct report r;

	(void)state;
	assert_non_null(getcwd(old, sizeof old));
	assert_int_equal(chdir(here), 0);
	attr.env = env;
	attr.dir = there;
	/* Only in the caller's directory: not found where it would run. */
	p1 = probe_copy(here, "subproc-probe-dot");
	assert_true(start_fails("subproc-probe-dot", (char *const[]){"subproc-probe-dot", NULL},
	                        &attr, -ENOENT, SUBPROC_STEP_LOOKPATH, &err));
	/* Only in attr.dir: found there, and run from there. */
	p2 = probe_copy(there, "subproc-probe-there");
	assert_int_equal(probe_run_as("subproc-probe-there", &attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, "cwd", there));
	report_free(&r);
	assert_int_equal(chdir(old), 0);
	free(p1);
	free(p2);
	tempdir_remove(here);
	tempdir_remove(there);
}

static bool have_openat2(void)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

/* With a chroot, absolute PATH entries are searched inside the new root,
 * symlinks resolved as the child will (inside it), and a program that
 * exists only outside the root is not found. */
static void test_path_search_inside_chroot(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	char *const in_root[] = {"PATH=/subproc-test-bin", NULL};
	char *const host[] = {"PATH=/usr/bin:/bin", NULL};
	char *root, bin[PATH_MAX], link[PATH_MAX + 8], *probe;
	subproc_error err;
	struct report r;

	(void)state;
	need_linux_build("chroot");
	need_chroot();
	root = tempdir_make();
	snprintf(bin, sizeof bin, "%s/subproc-test-bin", root);
	assert_int_equal(mkdir(bin, 0755), 0);
	probe = probe_copy(bin, "subproc-probe");
	assert_non_null(probe);
	/* Resolves inside the root only: /subproc-test-bin is not on the host. */
	snprintf(link, sizeof link, "%s/alias", bin);
	assert_int_equal(symlink("/subproc-test-bin/subproc-probe", link), 0);
	attr.chroot = root;
	attr.dir = "/";
	attr.env = in_root;
	assert_int_equal(probe_run_as("subproc-probe", &attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, "argv.0", "subproc-probe"));
	report_free(&r);
	/* On the host, not in the root: a lookpath error, before any start. */
	attr.env = host;
	assert_true(start_fails("env", (char *const[]){"env", NULL}, &attr, -ENOENT,
	                        SUBPROC_STEP_LOOKPATH, &err));
	/* The symlink resolves inside the root with openat2 (Linux 5.6);
	 * without it the search cannot follow it, as check_in_root in
	 * src/proc/lookpath.c documents. */
	attr.env = in_root;
	if (!have_openat2()) {
		free(probe);
		tempdir_remove(root);
		skip_because("no openat2 (RESOLVE_IN_ROOT) here");
	}
	assert_int_equal(probe_run_as("alias", &attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	report_free(&r);
	free(probe);
	tempdir_remove(root);
}

TEST_MAIN(cmocka_unit_test(test_cwd), cmocka_unit_test(test_cwd_relative_to_caller),
          cmocka_unit_test(test_env_given), cmocka_unit_test(test_env_null_inherits),
          cmocka_unit_test(test_argv_passed_exactly), cmocka_unit_test(test_umask),
          cmocka_unit_test(test_umask_default_inherited),
          cmocka_unit_test(test_rlimits_nofile_core), cmocka_unit_test(test_rlimits_in_order),
          cmocka_unit_test(test_credentials_as_root), cmocka_unit_test(test_setgroups_empty_clears),
          cmocka_unit_test(test_setuid_only_keeps_gid), cmocka_unit_test(test_chroot),
          cmocka_unit_test(test_chroot_then_dir), cmocka_unit_test(test_path_search_uses_env_path),
          cmocka_unit_test(test_no_path_search_by_default), cmocka_unit_test(test_cgroup),
          cmocka_unit_test(test_path_search_relative_entry_from_dir),
          cmocka_unit_test(test_path_search_inside_chroot))
