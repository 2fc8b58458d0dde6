/* SPDX-License-Identifier: MIT */
/*
 * Starts that change credentials: what the child gets (groups, limits) and
 * what the caller must keep (its dumpable flag). Root only: each test skips
 * otherwise. Once per launch path, though such starts never share memory
 * (the point of the dumpable tests: on the CLONE_VM paths they did).
 */
#include "support.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define NOBODY 65534

/* A copy of the probe that an unprivileged child can reach. */
struct reachable {
	char *dir, *probe;
};

/* Skips the test when nobody cannot reach it (a $TMPDIR closed to it). */
#define reachable_make(r) probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &(r)->dir, &(r)->probe)

static void reachable_free(struct reachable *r)
{
	free(r->probe);
	tempdir_remove(r->dir);
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip_because("changing credentials needs root");
}

static void need_dumpable(void)
{
	if (prctl(PR_GET_DUMPABLE) != 1)
		skip_because("the test process is not dumpable to begin with");
}

/* --- the caller stays dumpable ------------------------------------------- */

/* A command that runs argv as nobody (uid and gid 65534). */
static subproc_cmd *cmd_as_nobody(const char *const argv[])
{
	subproc_cmd *cmd = NULL;
	subproc_attr *a;

	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	a = subproc_cmd_attr(cmd);
	a->flags |= SUBPROC_SETUID | SUBPROC_SETGID;
	a->uid = NOBODY;
	a->gid = NOBODY;
	return cmd;
}

/* The kernel makes a process that changes its uid or gid non-dumpable; a
 * child sharing the caller's memory made the caller non-dumpable for good
 * (no core dump, no ptrace by its own user). Successful starts and starts
 * that fail after the credential step alike. */
static void test_setuid_start_keeps_caller_dumpable(void **state)
{
	char *const missing[] = {"/nonexistent/subproc-test", NULL};
	subproc_attr attr = {
		.flags = SUBPROC_SETUID | SUBPROC_SETGID, .uid = NOBODY, .gid = NOBODY};
	struct reachable rp;
	subproc_error err;
	struct report r;

	(void)state;
	need_root();
	need_dumpable();
	reachable_make(&rp);
	assert_int_equal(probe_run_as(rp.probe, &attr, NULL, &r), 0);
	assert_true(report_is_long(&r, "euid", NOBODY));
	report_free(&r);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_true(start_fails(missing[0], missing, &attr, -ENOENT, SUBPROC_STEP_EXECVE, &err));
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	attr.flags = SUBPROC_SETUID;
	assert_int_equal(probe_run_as(rp.probe, &attr, NULL, &r), 0);
	report_free(&r);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	reachable_free(&rp);
}

static void test_setuid_command_keeps_caller_dumpable(void **state)
{
	struct reachable rp;
	subproc_cmd *cmd = NULL;
	subproc_output out = {0};
	subproc_status st;

	(void)state;
	need_root();
	need_dumpable();
	reachable_make(&rp);
	{
		const char *const argv[] = {rp.probe, NULL};
		cmd = cmd_as_nobody(argv);
	}
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_non_null(strstr(out.data, "\neuid=65534\n"));
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	reachable_free(&rp);
}

static void test_setuid_pipeline_keeps_caller_dumpable(void **state)
{
	struct reachable rp;
	subproc_pipeline *pl = NULL;
	subproc_output out = {0};
	subproc_status st[2];

	(void)state;
	need_root();
	need_dumpable();
	reachable_make(&rp);
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	for (int i = 0; i < 2; i++) {
		const char *const first[] = {rp.probe, NULL};
		const char *const second[] = {"cat", NULL};

		assert_int_equal(subproc_pipeline_add(pl, cmd_as_nobody(i == 0 ? first : second)),
		                 0);
	}
	assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL), 0);
	assert_non_null(strstr(out.data, "\neuid=65534\n"));
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	subproc_output_free(&out);
	subproc_pipeline_free(pl);
	reachable_free(&rp);
}

/* --- supplementary groups ------------------------------------------------- */

/* A new uid or gid without a group list gets no supplementary groups: a
 * child of root run as nobody must not keep root's groups (shadow, disk),
 * as Go, setpriv and sudo see to. SUBPROC_KEEP_GROUPS keeps them. */
static void test_new_user_gets_no_groups(void **state)
{
	static const gid_t mine[] = {42, 100};
	static const unsigned flags[] = {SUBPROC_SETUID | SUBPROC_SETGID, SUBPROC_SETUID,
	                                 SUBPROC_SETGID};
	struct reachable rp;
	struct report r;

	(void)state;
	need_linux_build("setgroups");
	need_root();
	reachable_make(&rp);
	/* The caller's groups are this test process's own business. */
	assert_int_equal(setgroups(2, mine), 0);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		subproc_attr attr = {.flags = flags[i], .uid = NOBODY, .gid = NOBODY};

		assert_int_equal(probe_run_as(rp.probe, &attr, NULL, &r), 0);
		assert_true(report_exited_ok(&r));
		assert_true(report_is(&r, "groups", ""));
		report_free(&r);

		attr.flags |= SUBPROC_KEEP_GROUPS;
		assert_int_equal(probe_run_as(rp.probe, &attr, NULL, &r), 0);
		assert_true(report_is(&r, "groups", "42,100"));
		report_free(&r);
	}
	/* The caller keeps its own. */
	assert_int_equal(getgroups(0, NULL), 2);
	reachable_free(&rp);
}

/* An explicit list wins over the default. */
static void test_new_user_with_groups(void **state)
{
	static const gid_t want[] = {7, 65534};
	subproc_attr attr = {.flags = SUBPROC_SETUID | SUBPROC_SETGID | SUBPROC_SETGROUPS,
	                     .uid = NOBODY,
	                     .gid = NOBODY,
	                     .groups = want,
	                     .ngroups = 2};
	struct reachable rp;
	struct report r;

	(void)state;
	need_linux_build("setgroups");
	need_root();
	reachable_make(&rp);
	assert_int_equal(probe_run_as(rp.probe, &attr, NULL, &r), 0);
	assert_true(report_is(&r, "groups", "7,65534"));
	report_free(&r);
	reachable_free(&rp);
}

/* --- limits before the credentials --------------------------------------- */

static int raise_core(void *arg)
{
	struct rlimit low = {0, 0}, high = {0, 1};

	(void)arg;
	return setrlimit(RLIMIT_CORE, &low) == 0 && setrlimit(RLIMIT_CORE, &high) == 0 ? 0 : 1;
}

/* Containers often drop CAP_SYS_RESOURCE even from root. */
static bool can_raise_hard_limit(void)
{
	return run_forked(raise_core, NULL) == 0;
}

/* RLIMIT_NPROC set before setuid holds against the new user, as su and
 * sudo use it: the kernel checks it when the uid changes, then execve
 * fails with EAGAIN when the user is over it. Set after setuid (the old
 * order) it was never checked for this child. Needs one process of the
 * user running already, for the count to be over 0. */
static void test_nproc_holds_against_new_user(void **state)
{
	subproc_rlimit none = {RLIMIT_NPROC, {0, 0}};
	subproc_attr attr = {
		.flags = SUBPROC_SETUID | SUBPROC_SETGID, .uid = NOBODY, .gid = NOBODY};
	struct reachable rp;
	subproc_proc *sleeper = NULL;
	subproc_status st;
	subproc_error err;

	(void)state;
	need_root();
	reachable_make(&rp);
	{
		char *const argv[] = {rp.probe, "--sleep-ms", "30000", NULL};
		assert_int_equal(subproc_start(&sleeper, rp.probe, argv, &attr, NULL), 0);
	}
	attr.rlimits = &none;
	attr.nrlimits = 1;
	{
		char *const argv[] = {rp.probe, NULL};
		int rc = subproc_start(&(subproc_proc *){NULL}, rp.probe, argv, &attr, &err);
		assert_true(error_is(rc, &err, -EAGAIN, SUBPROC_STEP_EXECVE));
	}
	assert_int_equal(subproc_signal(sleeper, SIGKILL), 0);
	assert_int_equal(subproc_wait(sleeper, 0, -1, &st), 0);
	subproc_release(sleeper);
	assert_true(no_children());
	reachable_free(&rp);
}

/* Raising a hard limit takes privilege, which setuid drops: the limits are
 * set first, so an unprivileged child can be given a higher one. Set after
 * setuid, they failed with EPERM. */
static void test_raised_hard_limits_reach_unprivileged_child(void **state)
{
	struct rlimit nofile, low_core = {0, 0};
	subproc_rlimit limits[2];
	subproc_attr attr = {.flags = SUBPROC_SETUID | SUBPROC_SETGID,
	                     .uid = NOBODY,
	                     .gid = NOBODY,
	                     .rlimits = limits,
	                     .nrlimits = 2};
	struct reachable rp;
	struct report r;
	char want[64];

	(void)state;
	need_root();
	if (!can_raise_hard_limit())
		skip_because("this root lacks CAP_SYS_RESOURCE, so no hard limit can be raised");
	reachable_make(&rp);
	/* Lower the caller's hard limits, so that the child's are raises. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	if (nofile.rlim_cur < 64)
		skip_because("the soft fd limit is below 64");
	nofile.rlim_max = nofile.rlim_cur;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &nofile), 0);
	assert_int_equal(setrlimit(RLIMIT_CORE, &low_core), 0);
	limits[0] = (subproc_rlimit){RLIMIT_CORE, {1024, 4096}};
	limits[1] = (subproc_rlimit){RLIMIT_NOFILE, {nofile.rlim_cur, nofile.rlim_cur + 64}};
	if (probe_run_as(rp.probe, &attr, NULL, &r) != 0)
		fail_msg("start: %s at %s %s", subproc_strerror(r.start_rc),
		         subproc_step_name(r.err.step), r.err.path);
	assert_true(report_is_long(&r, "euid", NOBODY));
	assert_true(report_is(&r, "rlimit.core", "1024:4096"));
	snprintf(want, sizeof want, "%llu:%llu", (unsigned long long)nofile.rlim_cur,
	         (unsigned long long)nofile.rlim_cur + 64);
	assert_true(report_is(&r, "rlimit.nofile", want));
	report_free(&r);
	reachable_free(&rp);
}

/* RLIMIT_NOFILE is lowered after the fd map: a map reaching above the new
 * soft limit still works, and the program sees the limit asked for. */
static void test_low_nofile_after_the_map(void **state)
{
	subproc_rlimit lim = {RLIMIT_NOFILE, {8, 8}};
	int files[] = {0,  -1, 2,  -1, -1, -1, -1, -1, -1, -1,
	               -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
	subproc_attr attr = {.rlimits = &lim, .nrlimits = 1, .files = files, .nfiles = 20};
	struct report r;

	(void)state;
	/* probe_run_at puts the report pipe at child fd 19, above 8. */
	assert_int_equal(probe_run_at(&attr, 19, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, "rlimit.nofile", "8:8"));
	assert_true(report_list_has(&r, "fds", 19));
	report_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_setuid_start_keeps_caller_dumpable),
          cmocka_unit_test(test_setuid_command_keeps_caller_dumpable),
          cmocka_unit_test(test_setuid_pipeline_keeps_caller_dumpable),
          cmocka_unit_test(test_new_user_gets_no_groups),
          cmocka_unit_test(test_new_user_with_groups),
          cmocka_unit_test(test_raised_hard_limits_reach_unprivileged_child),
          cmocka_unit_test(test_nproc_holds_against_new_user),
          cmocka_unit_test(test_low_nofile_after_the_map))
