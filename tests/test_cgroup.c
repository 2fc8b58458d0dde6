/* SPDX-License-Identifier: MIT */
/*
 * A command's own cgroup (subproc_cmd_cgroup): the whole tree stopped,
 * setsid-escaped members included; its accounting; its settings; its
 * errors; and no directory left after success, failure or a timeout.
 *
 * Each test makes a parent cgroup of its own under the cgroup2 mount and
 * checks at the end that nothing is left in it. Root and a writable cgroup2
 * are needed; the tests skip, saying why, where there is neither. The
 * memory and pids limits need their controllers in cgroup v2, which some
 * machines (this one) bind to v1: those tests skip there.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A parent cgroup for one test. */
struct parent {
	char path[PATH_MAX];
};

/* a/b into out, which must hold it. */
static void path_of(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	assert_true(n > 0 && (size_t)n < size);
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* The first line of a small file, without its newline ("" if unreadable). */
static void read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f != NULL) {
		if (fgets(out, (int)size, f) == NULL)
			out[0] = '\0';
		fclose(f);
	}
	out[strcspn(out, "\n")] = '\0';
}

static void parent_make(struct parent *p)
{
	char mnt[PATH_MAX];

	if (SUBPROC_TEST_PORTABLE)
		skip_because(
			"cgroups are Linux's; test_cgroup_portable_refuses checks the portable "
			"build's ENOSYS");
	if (geteuid() != 0)
		skip_because("making cgroups here needs root");
	if (!cgroup2_mount(mnt, sizeof mnt))
		skip_because("no cgroup2 is mounted");
	{
		char name[64];

		snprintf(name, sizeof name, "subproc-test-%ld", (long)getpid());
		path_of(p->path, sizeof p->path, mnt, name);
	}
	if (mkdir(p->path, 0755) < 0)
		skip_because("cannot make a cgroup under %s: %s", mnt, strerror(errno));
}

/* The cgroups left in the parent (0 is what every test wants). */
static int parent_children(const struct parent *p)
{
	DIR *d = opendir(p->path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			print_message("left in %s: %s\n", p->path, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Checks that nothing is left, then removes the parent. */
static void parent_done(struct parent *p)
{
	assert_int_equal(parent_children(p), 0);
	assert_int_equal(rmdir(p->path), 0);
	assert_true(no_children());
}

static subproc_cmd *sh(const char *script)
{
	const char *const argv[] = {"sh", "-c", script, NULL};
	subproc_cmd *cmd = NULL;

	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	return cmd;
}

/* The script for a member that leaves the process group (setsid), ignores
 * SIGTERM, holds none of the command's streams and writes its pid into
 * DIR/esc; the command waits until it is in place, then sleeps. */
static void escapee_script(char *buf, size_t size, const char *dir)
{
	snprintf(buf, size,
	         "setsid sh -c 'trap \"\" TERM; echo $$ > %s/esc.tmp; mv %s/esc.tmp %s/esc; exec "
	         "sleep "
	         "300' </dev/null >/dev/null 2>&1 & "
	         "while [ ! -e %s/esc ]; do sleep 0.01; done; exec sleep 300",
	         dir, dir, dir, dir);
}

/* --- stopping the whole tree ---------------------------------------------- */

/* The timeout reaches a member that left the group: without a cgroup it
 * survives (the reason for the cgroup), with one it dies by cgroup.kill,
 * and the cgroup is removed at free. */
static void test_cgroup_timeout_kills_escaped(void **state)
{
	struct parent p;
	char script[1024], *dir = tempdir_make();
	subproc_status st;
	subproc_cmd *cmd;
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	escapee_script(script, sizeof script, dir);

	/* Without a cgroup: the escaped member outlives the timeout. */
	cmd = sh(script);
	assert_int_equal(subproc_cmd_timeout(cmd, 500, SIGTERM, 100), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	subproc_cmd_free(cmd);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	assert_int_equal(kill(esc, 0), 0);
	kill(esc, SIGKILL);
	assert_true(pid_dies(esc));
	unlink(strcat(strcpy(script, dir), "/esc"));

	/* With one: it dies with the rest. */
	escapee_script(script, sizeof script, dir);
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 500, SIGTERM, 100), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	/* The wait lasted until the cgroup was empty. */
	assert_true(kill(esc, 0) < 0 || pid_dies(esc));
	assert_int_equal(parent_children(&p), 1);
	subproc_cmd_free(cmd);
	parent_done(&p);
	tempdir_remove(dir);
}

/* A script that starts a member that leaves the group (setsid), holds
 * none of the command's streams and writes its pid into DIR/esc, then runs
 * `member` (a shell command, in single quotes' stead); the command waits
 * until the member is in place, then runs `then`. */
static void member_script(char *buf, size_t size, const char *dir, const char *member,
                          const char *then)
{
	snprintf(buf, size,
	         "setsid sh -c 'echo $$ > %s/esc.tmp; mv %s/esc.tmp %s/esc; %s' </dev/null "
	         ">/dev/null 2>&1 & while [ ! -e %s/esc ]; do sleep 0.01; done; %s",
	         dir, dir, dir, member, dir, then);
}

/* The wait is for the whole tree: it returns once the member that left
 * the group has ended too, not when the child did. Seen from the state:
 * the member's last act, a file, is there when the run returns. */
static void test_cgroup_wait_lasts_for_the_tree(void **state)
{
	struct parent p;
	char script[1024], member[256], done[PATH_MAX], *dir = tempdir_make();
	subproc_status st;
	subproc_cmd *cmd;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	path_of(done, sizeof done, dir, "done");
	assert_true(snprintf(member, sizeof member, "sleep 0.3; echo > %s", done) <
	            (int)sizeof member);
	member_script(script, sizeof script, dir, member, "exit 3");
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 3);
	assert_int_equal(access(done, F_OK), 0);
	subproc_cmd_free(cmd);
	parent_done(&p);
	tempdir_remove(dir);
}

/* Every signal of a stop reaches the members the group's missed: a member
 * that left the group and handles SIGTERM gets the timeout's SIGTERM
 * itself (its handler writes a file), and ends on it. */
static void test_cgroup_stop_reaches_every_member(void **state)
{
	struct parent p;
	char script[1024], member[256], got[PATH_MAX], *dir = tempdir_make();
	subproc_status st;
	subproc_cmd *cmd;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	path_of(got, sizeof got, dir, "got");
	assert_true(snprintf(member, sizeof member,
	                     "trap \"echo TERM > %s; exit 0\" TERM; while :; do sleep 0.05; done",
	                     got) < (int)sizeof member);
	member_script(script, sizeof script, dir, member, "exec sleep 300");
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	/* Never SIGKILL: only the SIGTERM can end the member. */
	assert_int_equal(subproc_cmd_timeout(cmd, 300, SIGTERM, SUBPROC_GRACE_NEVER), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	{
		char text[16];

		for (int i = 0; i < 1000 && access(got, F_OK) < 0; i++)
			usleep(10000);
		read_line(got, text, sizeof text);
		assert_string_equal(text, "TERM");
	}
	assert_true(pid_dies(pid_file(dir, "esc")));
	subproc_cmd_free(cmd);
	parent_done(&p);
	tempdir_remove(dir);
}

/* With a wait delay, the rest of the tree may run that long after the
 * child, then it is killed, and the wait returns the child's status. */
static void test_cgroup_waitdelay_bounds_the_tree(void **state)
{
	struct parent p;
	char script[1024], *dir = tempdir_make();
	subproc_status st;
	subproc_cmd *cmd;
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	member_script(script, sizeof script, dir, "exec sleep 300", "exit 4");
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_waitdelay(cmd, 200), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 4);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	assert_true(kill(esc, 0) < 0 || pid_dies(esc));
	subproc_cmd_free(cmd);
	parent_done(&p);
	tempdir_remove(dir);
}

/* A command freed while its tree runs on (its child reaped by free, not
 * waited for): with kill_on_free what is left is killed and the cgroup
 * removed; without, a cgroup with members stays, at the path it said. */
static void test_cgroup_free_and_members_left(void **state)
{
	struct parent p;
	char script[1024], path[PATH_MAX], *dir = tempdir_make();
	subproc_cmd *cmd;
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	for (int kill_on_free = 1; kill_on_free >= 0; kill_on_free--) {
		char esc_file[PATH_MAX];

		path_of(esc_file, sizeof esc_file, dir, "esc");
		unlink(esc_file);
		member_script(script, sizeof script, dir, "exec sleep 300", "exit 0");
		cmd = sh(script);
		assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
		subproc_cmd_kill_on_free(cmd, kill_on_free);
		assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
		while ((esc = pid_file(dir, "esc")) == 0)
			usleep(10000);
		snprintf(path, sizeof path, "%s", subproc_cmd_cgroup_path(cmd));
		subproc_cmd_free(cmd);
		if (kill_on_free) {
			assert_true(pid_dies(esc));
			assert_int_equal(parent_children(&p), 0);
			continue;
		}
		assert_int_equal(kill(esc, 0), 0);
		assert_int_equal(parent_children(&p), 1);
		/* The caller's to end. */
		path_of(esc_file, sizeof esc_file, path, "cgroup.kill");
		assert_true(write_file(esc_file, "1"));
		assert_true(pid_dies(esc));
		for (int i = 0; i < 500 && rmdir(path) < 0; i++)
			usleep(10000);
	}
	parent_done(&p);
	tempdir_remove(dir);
}

/* --- accounting ------------------------------------------------------------ */

/* Three members that burn 300 ms of CPU each, orphaned (the shell does not
 * wait for them, so the command's own rusage does not see them): the
 * cgroup's accounting has all three. */
static void test_cgroup_cpu_of_the_tree(void **state)
{
	struct parent p;
	char script[1024];
	subproc_cgroup_stats cs;
	subproc_status st;
	subproc_cmd *cmd;
	unsigned long long tree, own;

	(void)state;
	parent_make(&p);
	snprintf(script, sizeof script, "for i in 1 2 3; do (%s --spin-ms 300 >/dev/null &) ; done",
	         PROBE);
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	/* The wait lasts until the members are done too. */
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
	assert_int_equal(subproc_cmd_cgroup_stats(cmd, &cs), 0);
	assert_true(cs.have & SUBPROC_CGROUP_CPU);
	tree = cs.user_usec + cs.system_usec;
	own = (unsigned long long)st.rusage.ru_utime.tv_sec * 1000000 + st.rusage.ru_utime.tv_usec +
	      (unsigned long long)st.rusage.ru_stime.tv_sec * 1000000 + st.rusage.ru_stime.tv_usec;
	print_message("tree %llu us, the command's own rusage %llu us\n", tree, own);
	/* Each burned 300 ms of its own CPU time, as the kernel counts it. */
	assert_true(tree >= 3 * 300000ULL * 95 / 100);
	assert_true(own < 300000);
	subproc_cmd_free(cmd);
	parent_done(&p);
}

/* --- settings and errors ---------------------------------------------------- */

/* A core file every cgroup has: cgroup.max.descendants 0 keeps the child
 * from making a cgroup inside its own, as seen from the child. */
static void test_cgroup_setting_takes_effect(void **state)
{
	struct parent p;
	subproc_output out = {0};
	subproc_status st;
	subproc_cmd *cmd;
	char mnt[PATH_MAX], script[PATH_MAX + 256];

	(void)state;
	parent_make(&p);
	assert_true(cgroup2_mount(mnt, sizeof mnt));
	snprintf(script, sizeof script,
	         "cg=%s$(sed -n 's/^0:://p' /proc/self/cgroup); cat $cg/cgroup.max.descendants; "
	         "mkdir $cg/sub 2>/dev/null && echo made || echo refused",
	         mnt);
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "cgroup.max.descendants", "0"), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_string_equal(out.data, "0\nrefused\n");
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	/* Without the setting the child can. */
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_string_equal(out.data, "max\nmade\n");
	subproc_output_free(&out);
	/* The cgroup the child made inside goes with its own. */
	subproc_cmd_free(cmd);
	parent_done(&p);
}

/* A setting of a controller the parent does not enable for its children:
 * its file does not exist, and the start fails naming it, with nothing
 * left. */
static void test_cgroup_missing_controller(void **state)
{
	struct parent p;
	char ctl[PATH_MAX], have[512];
	subproc_error err;
	subproc_cmd *cmd;
	const char *controller = NULL;
	static const char *const candidates[] = {"memory", "pids", "cpu", "io"};

	(void)state;
	parent_make(&p);
	path_of(ctl, sizeof ctl, p.path, "cgroup.subtree_control");
	read_line(ctl, have, sizeof have);
	for (size_t i = 0; i < 4 && controller == NULL; i++) {
		if (strstr(have, candidates[i]) == NULL)
			controller = candidates[i];
	}
	if (controller == NULL) {
		rmdir(p.path);
		skip_because("every controller is enabled for the test's cgroup");
	}
	{
		char file[64];

		snprintf(file, sizeof file, "%s.max", controller);
		cmd = sh("true");
		assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
		assert_int_equal(subproc_cmd_cgroup_set(cmd, file, "1"), 0);
		assert_true(error_is(subproc_cmd_run(cmd, NULL, &err), &err, -ENOENT,
		                     SUBPROC_STEP_CGROUP_WRITE));
		assert_string_equal(strrchr(err.path, '/') + 1, file);
		assert_int_equal(strncmp(err.path, p.path, strlen(p.path)), 0);
		assert_null(subproc_cmd_cgroup_path(cmd));
		subproc_cmd_free(cmd);
	}
	parent_done(&p);
}

/* A parent that is not there, and one that is no cgroup. */
static void test_cgroup_bad_parent(void **state)
{
	struct parent p;
	char missing[PATH_MAX];
	subproc_error err;
	subproc_cmd *cmd;

	(void)state;
	parent_make(&p);
	path_of(missing, sizeof missing, p.path, "not-there");
	cmd = sh("true");
	assert_int_equal(subproc_cmd_cgroup(cmd, missing), 0);
	assert_true(error_is(subproc_cmd_run(cmd, NULL, &err), &err, -ENOENT,
	                     SUBPROC_STEP_CGROUP_CREATE));
	assert_string_equal(err.path, missing);
	subproc_cmd_free(cmd);

	/* A plain directory: the directory is made, but it is no cgroup, so
	 * the child cannot go in; nothing is left. */
	{
		char *dir = tempdir_make();

		cmd = sh("true");
		assert_int_equal(subproc_cmd_cgroup(cmd, dir), 0);
		assert_int_equal(subproc_cmd_run(cmd, NULL, &err), err.code);
		assert_true(err.code < 0);
		subproc_cmd_free(cmd);
		assert_int_equal(rmdir(dir), 0);
		free(dir);
	}
	parent_done(&p);
}

/* Without the right to the parent: EACCES, naming it. */
static int unprivileged_start(void *arg)
{
	const char *parent = arg;
	subproc_error err;
	subproc_cmd *cmd = NULL;
	const char *const argv[] = {"true", NULL};
	int rc;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		return 2;
	CHECK(subproc_cmd_new(&cmd, argv) == 0);
	CHECK(subproc_cmd_cgroup(cmd, parent) == 0);
	rc = subproc_cmd_run(cmd, NULL, &err);
	CHECK(error_is(rc, &err, -EACCES, SUBPROC_STEP_CGROUP_CREATE));
	CHECK(strcmp(err.path, parent) == 0);
	subproc_cmd_free(cmd);
	return 0;
}

static void test_cgroup_no_permission(void **state)
{
	struct parent p;

	(void)state;
	parent_make(&p);
	assert_forked(unprivileged_start, p.path);
	parent_done(&p);
}

/* What is refused before anything starts. */
static void test_cgroup_bad_input(void **state)
{
	struct parent p;
	subproc_pipeline *pl = NULL;
	subproc_cgroup_stats cs;
	subproc_error err;
	subproc_cmd *cmd;

	(void)state;
	parent_make(&p);
	cmd = sh("true");
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "pids.max", "1"), -EINVAL);
	assert_int_equal(subproc_cmd_cgroup_stats(cmd, &cs), -EINVAL);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), -EINVAL);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "a/b", "1"), -EINVAL);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "..", "1"), -EINVAL);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "", "1"), -EINVAL);
	/* Stats before the start. */
	assert_int_equal(subproc_cmd_cgroup_stats(cmd, &cs), -EINVAL);
	/* A pipeline's stop could not reach a stage's own cgroup. */
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -EINVAL);
	subproc_pipeline_free(pl);
	/* Two cgroups for one child. */
	subproc_cmd_attr(cmd)->flags |= SUBPROC_CGROUP;
	subproc_cmd_attr(cmd)->cgroup_fd = 0;
	assert_true(error_is(subproc_cmd_run(cmd, NULL, &err), &err, -EINVAL, SUBPROC_STEP_ATTR));
	subproc_cmd_free(cmd);
	parent_done(&p);
}

/* --- where the tree lives --------------------------------------------------- */

/* The child is in the new cgroup from its first instruction (the probe
 * reports its own cgroup), under the parent asked for; with NULL, under
 * the caller's own cgroup. */
static void test_cgroup_child_inside(void **state)
{
	struct parent p;
	char mnt[PATH_MAX], own[PATH_MAX];
	subproc_output out = {0};
	subproc_status st;
	subproc_cmd *cmd;
	const char *const argv[] = {PROBE, NULL};
	struct report r;

	(void)state;
	parent_make(&p);
	assert_true(cgroup2_mount(mnt, sizeof mnt));
	for (int k = 0; k < 2; k++) {
		const char *cg;

		assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
		assert_int_equal(subproc_cmd_cgroup(cmd, k == 0 ? p.path : NULL), 0);
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
		assert_int_equal(report_parse_text(out.data, out.len, &r), 0);
		cg = report_get(&r, "cgroup");
		assert_non_null(cg);
		snprintf(own, sizeof own, "%s%s", mnt, cg);
		assert_string_equal(own, subproc_cmd_cgroup_path(cmd));
		if (k == 0)
			assert_int_equal(strncmp(own, p.path, strlen(p.path)), 0);
		report_free(&r);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		if (k == 0)
			assert_int_equal(parent_children(&p), 0);
		else
			assert_int_equal(access(own, F_OK), -1);
	}
	parent_done(&p);
}

/* A pipeline's stages share one cgroup, and its timeout kills a member
 * that left the group. */
static void test_cgroup_pipeline(void **state)
{
	struct parent p;
	char script[1024], *dir = tempdir_make();
	subproc_pipeline *pl = NULL;
	subproc_status st[2];
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	escapee_script(script, sizeof script, dir);
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_add(pl, sh(script)), 0);
	assert_int_equal(
		subproc_pipeline_add(pl, sh("cat /proc/self/cgroup > /dev/null; exec cat")), 0);
	assert_int_equal(subproc_pipeline_cgroup(pl, p.path), 0);
	assert_int_equal(subproc_pipeline_timeout(pl, 500, SIGTERM, 100), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_non_null(subproc_pipeline_cgroup_path(pl));
	assert_int_equal(subproc_pipeline_wait(pl, st), -ETIMEDOUT);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	assert_true(kill(esc, 0) < 0 || pid_dies(esc));
	{
		subproc_cgroup_stats cs;
		assert_int_equal(subproc_pipeline_cgroup_stats(pl, &cs), 0);
		assert_true(cs.have & SUBPROC_CGROUP_CPU);
	}
	subproc_pipeline_free(pl);
	parent_done(&p);
	tempdir_remove(dir);
}

/* A set's timeout goes through the same engine. */
static void test_cgroup_in_a_set(void **state)
{
	struct parent p;
	char script[1024], *dir = tempdir_make();
	subproc_set *set = NULL;
	subproc_done done;
	subproc_cmd *cmd;
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	escapee_script(script, sizeof script, dir);
	cmd = sh(script);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 500, SIGTERM, 100), 0);
	assert_int_equal(subproc_set_new(&set), 0);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	assert_int_equal(subproc_set_next(set, &done, 30000), 0);
	assert_int_equal(done.result, -ETIMEDOUT);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	assert_true(kill(esc, 0) < 0 || pid_dies(esc));
	done_free(&done);
	subproc_set_free(set);
	parent_done(&p);
	tempdir_remove(dir);
}

/* --- limits, where the controllers are in cgroup v2 ------------------------ */

/* Enables `controller` for the parent's children; false when the machine
 * does not offer it in cgroup v2. */
static bool enable(const struct parent *p, const char *controller)
{
	char path[PATH_MAX], have[512], plus[32];

	path_of(path, sizeof path, p->path, "cgroup.controllers");
	read_line(path, have, sizeof have);
	if (strstr(have, controller) == NULL)
		return false;
	path_of(path, sizeof path, p->path, "cgroup.subtree_control");
	snprintf(plus, sizeof plus, "+%s", controller);
	return write_file(path, plus);
}

/* pids.max 4: the tree cannot have a fifth process; pids.peak says so. */
static void test_cgroup_pids_max(void **state)
{
	struct parent p;
	subproc_cgroup_stats cs;
	subproc_output out = {0};
	subproc_status st;
	subproc_cmd *cmd;

	(void)state;
	parent_make(&p);
	if (!enable(&p, "pids")) {
		rmdir(p.path);
		skip_because("the pids controller is not in cgroup v2 here (bound to v1)");
	}
	cmd = sh("for i in 1 2 3 4 5 6; do sleep 1 & done 2>/dev/null; wait; echo done");
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "pids.max", "4"), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_int_equal(subproc_cmd_cgroup_stats(cmd, &cs), 0);
	if (cs.have & SUBPROC_CGROUP_PIDS_PEAK)
		assert_true(cs.pids_peak <= 4);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	parent_done(&p);
}

/* memory.max: a child that touches more is OOM-killed, and the stats say
 * so with its peak. */
static void test_cgroup_memory_max(void **state)
{
	struct parent p;
	subproc_cgroup_stats cs;
	subproc_status st;
	subproc_cmd *cmd;
	const char *const argv[] = {PROBE, "--touch-mib", "64", NULL};

	(void)state;
	parent_make(&p);
	if (!enable(&p, "memory")) {
		rmdir(p.path);
		skip_because("the memory controller is not in cgroup v2 here (bound to v1)");
	}
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_cgroup(cmd, p.path), 0);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "memory.max", "16M"), 0);
	assert_int_equal(subproc_cmd_cgroup_set(cmd, "memory.swap.max", "0"), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
	assert_int_equal(subproc_status_signal(st.status), SIGKILL);
	assert_int_equal(subproc_cmd_cgroup_stats(cmd, &cs), 0);
	assert_true(cs.have & SUBPROC_CGROUP_OOM_KILLS);
	assert_true(cs.oom_kills >= 1);
	if (cs.have & SUBPROC_CGROUP_MEMORY_PEAK)
		assert_true(cs.memory_peak <= 16u << 20);
	subproc_cmd_free(cmd);
	parent_done(&p);
}

/* The portable build has no cgroups. */
static void test_cgroup_portable_refuses(void **state)
{
	subproc_pipeline *pl = NULL;
	subproc_cmd *cmd;

	(void)state;
	if (!SUBPROC_TEST_PORTABLE)
		skip_because("only the portable build refuses cgroups");
	cmd = sh("true");
	assert_int_equal(subproc_cmd_cgroup(cmd, NULL), -ENOSYS);
	subproc_cmd_free(cmd);
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_cgroup(pl, NULL), -ENOSYS);
	subproc_pipeline_free(pl);
}

TEST_MAIN(cmocka_unit_test(test_cgroup_timeout_kills_escaped),
          cmocka_unit_test(test_cgroup_wait_lasts_for_the_tree),
          cmocka_unit_test(test_cgroup_stop_reaches_every_member),
          cmocka_unit_test(test_cgroup_waitdelay_bounds_the_tree),
          cmocka_unit_test(test_cgroup_free_and_members_left),
          cmocka_unit_test(test_cgroup_cpu_of_the_tree),
          cmocka_unit_test(test_cgroup_setting_takes_effect),
          cmocka_unit_test(test_cgroup_missing_controller),
          cmocka_unit_test(test_cgroup_bad_parent), cmocka_unit_test(test_cgroup_no_permission),
          cmocka_unit_test(test_cgroup_bad_input), cmocka_unit_test(test_cgroup_child_inside),
          cmocka_unit_test(test_cgroup_pipeline), cmocka_unit_test(test_cgroup_in_a_set),
          cmocka_unit_test(test_cgroup_pids_max), cmocka_unit_test(test_cgroup_memory_max),
          cmocka_unit_test(test_cgroup_portable_refuses))
