/* SPDX-License-Identifier: MIT */
/*
 * The cgroup options of `subproc run` and `subproc pipe`, end to end: a
 * timeout that reaches a member that left the process group (and, without
 * --cgroup, does not); the wait for the whole tree, its timeout and the
 * signals passed on meanwhile; the tree's accounting in --json; settings
 * seen from the child; the limits where their controllers are in cgroup
 * v2; every launch path; the errors and their hints; and no cgroup left
 * after a success, a failure or a timeout.
 *
 * Each test makes a parent cgroup of its own under the cgroup2 mount, gives
 * it as --cgroup=PARENT, and checks at the end that nothing is left in it.
 * They need root and a cgroup2 mount and skip, saying why, without them.
 * The limits need their controllers in the parent's cgroup.controllers;
 * where cgroup v1 holds them (this machine: memory, pids, cpu) their tests
 * skip. The option values themselves are test_tool_options' to check.
 */
#include "json.h"
#include "support.h"
#include "tool_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif

/* A parent cgroup for one test, and --cgroup=PARENT for it (a mount point
 * far shorter than PATH_MAX, so that paths made from these fit). */
struct parent {
	char mnt[1024];
	char path[1100];
	char opt[1200];
};

static const char *text_of(const subproc_output *o)
{
	return o->data != NULL ? o->data : "";
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

/* The whole of a small file ("" if unreadable). */
static void read_text(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, size - 1) : -1;

	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static void parent_make(struct parent *p)
{
	if (SUBPROC_TEST_PORTABLE)
		skip_because("cgroups are Linux's; test_tool_cgroup_portable checks the portable "
		             "build's refusal");
	if (geteuid() != 0)
		skip_because("making cgroups here needs root");
	if (!cgroup2_mount(p->mnt, sizeof p->mnt))
		skip_because("no cgroup2 is mounted");
	snprintf(p->path, sizeof p->path, "%s/subproc-tool-test-%ld", p->mnt, (long)getpid());
	if (mkdir(p->path, 0755) < 0)
		skip_because("cannot make a cgroup under %s: %s", p->mnt, strerror(errno));
	snprintf(p->opt, sizeof p->opt, "--cgroup=%s", p->path);
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

/* Enables `controller` for the parent's children, or skips saying why: the
 * parent offers only what its own parent enables, and nothing that cgroup
 * v1 holds. */
static void need_controller(struct parent *p, const char *controller)
{
	char path[1200], have[512], spaced[600], word[32];

	snprintf(path, sizeof path, "%s/cgroup.controllers", p->path);
	read_text(path, have, sizeof have);
	have[strcspn(have, "\n")] = '\0';
	snprintf(spaced, sizeof spaced, " %s ", have);
	snprintf(word, sizeof word, " %s ", controller);
	if (strstr(spaced, word) == NULL) {
		rmdir(p->path);
		skip_because("the %s controller is not in cgroup v2 here (%s/cgroup.controllers: "
		             "'%s'; cgroup v1 holds it, or no cgroup above enables it)",
		             controller, p->path, have);
	}
	snprintf(path, sizeof path, "%s/cgroup.subtree_control", p->path);
	snprintf(word, sizeof word, "+%s", controller);
	assert_true(write_file(path, word));
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when pid
 * is gone. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	read_text(path, buf, sizeof buf);
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/* True when pid is gone or a zombie now: subproc has ended, and the tree
 * had to be gone before it did. */
static bool dead_now(pid_t pid)
{
	char state = proc_state(pid);

	if (state == 0 || state == 'Z' || state == 'X')
		return true;
	fprintf(stderr, "pid %d is alive (state %c)\n", (int)pid, state);
	return false;
}

/* A member that leaves the process group (setsid), ignores SIGTERM when
 * `ignore_term`, holds none of the command's streams and writes its pid to
 * DIR/esc, then sleeps `secs`; the script waits until it is in place, then
 * runs `then`. */
static void escapee_script(char *buf, size_t size, const char *dir, bool ignore_term,
                           const char *secs, const char *then)
{
	snprintf(buf, size,
	         "setsid sh -c '%secho $$ > %s/esc.tmp; mv %s/esc.tmp %s/esc; exec sleep %s' "
	         "</dev/null >/dev/null 2>&1 & "
	         "while [ ! -e %s/esc ]; do sleep 0.01; done; %s",
	         ignore_term ? "trap \"\" TERM; " : "", dir, dir, dir, secs, dir, then);
}

/* DIR/esc's pid, which the next run writes again. */
static pid_t escapee_take(const char *dir)
{
	char path[PATH_MAX];
	pid_t pid = pid_file(dir, "esc");

	snprintf(path, sizeof path, "%s/esc", dir);
	unlink(path);
	assert_true(pid > 0);
	return pid;
}

/* The JSON report in text, parsed; fails the test when it is none. */
static struct json *report(const char *text)
{
	struct json *j = json_parse(text);

	if (j == NULL)
		fail_msg("no JSON report in: %s", text);
	return j;
}

static double number(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	if (v == NULL || v->type != JSON_NUMBER)
		fail_msg("the report has no number %s", key);
	return v->number;
}

/* A JSON report written to a file, parsed. */
static struct json *report_file(const char *path)
{
	static char text[65536];

	read_text(path, text, sizeof text);
	return report(text);
}

/* --- stopping the whole tree ---------------------------------------------- */

/* The timeout's SIGKILL reaches a member that left the group and ignores
 * SIGTERM: without a cgroup it survives (the reason for the option), with
 * one it is dead by the time subproc has ended; for run and for pipe. */
static void test_tool_cgroup_timeout_kills_escaped(void **state)
{
	struct parent p;
	char script[2048], *dir = tempdir_make();
	struct result r;
	pid_t esc;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	escapee_script(script, sizeof script, dir, true, "300", "exec sleep 300");

	tool(&r, ARGS("run", "-t", "0.5", "-k", "0.1", "--", "sh", "-c", script));
	assert_int_equal(r.code, 124);
	result_free(&r);
	esc = escapee_take(dir);
	assert_int_equal(kill(esc, 0), 0);
	kill(esc, SIGKILL);
	assert_true(pid_dies(esc));

	tool(&r, ARGS("run", "-v", p.opt, "-t", "0.5", "-k", "0.1", "--", "sh", "-c", script));
	assert_int_equal(r.code, 124);
	assert_string_equal(text_of(&r.err), "subproc: sending signal TERM to command 'sh'\n"
	                                     "subproc: sending signal KILL to command 'sh'\n");
	result_free(&r);
	assert_true(dead_now(escapee_take(dir)));
	assert_int_equal(parent_children(&p), 0);

	tool(&r,
	     ARGS("pipe", p.opt, "-t", "0.5", "-k", "0.1", "--", "sh", "-c", script, "|", "cat"));
	assert_int_equal(r.code, 124);
	result_free(&r);
	assert_true(dead_now(escapee_take(dir)));
	parent_done(&p);
	tempdir_remove(dir);
}

/*
 * Once the child has ended, subproc waits until the cgroup is empty: a
 * member it left running keeps it waiting, and a signal subproc receives
 * meanwhile reaches that member, though it left the group. subproc then
 * exits as the child did.
 */
static void test_tool_cgroup_waits_for_the_tree(void **state)
{
	struct parent p;
	char script[2048], *dir = tempdir_make();
	const char *argv[] = {SUBPROC_TEST_TOOL, "run", NULL, "--", "sh", "-c", script, NULL};
	subproc_status st;
	subproc_cmd *cmd;
	pid_t tool_pid, esc = 0;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	argv[2] = p.opt;
	escapee_script(script, sizeof script, dir, false, "30", "exit 3");
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 30000, SIGKILL, 0), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	tool_pid = subproc_pid(subproc_cmd_proc(cmd));
	for (int i = 0; i < 1000 && (esc = pid_file(dir, "esc")) <= 0; i++)
		usleep(10000);
	assert_true(esc > 0);
	/* The child has exited (3), the member runs on: subproc waits. */
	usleep(300000);
	if (proc_state(tool_pid) == 0 || proc_state(tool_pid) == 'Z')
		fail_msg("subproc did not wait for the member");
	assert_int_equal(parent_children(&p), 1);
	assert_int_equal(kill(tool_pid, SIGTERM), 0);
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	assert_true(subproc_status_exited(st.status));
	assert_int_equal(subproc_status_exit_code(st.status), 3);
	subproc_cmd_free(cmd);
	assert_true(dead_now(esc));
	escapee_take(dir);
	parent_done(&p);
	tempdir_remove(dir);
}

/* The timeout still counts while subproc waits for the tree: it is a
 * timeout like any (124, timed_out), its signal reaches the members that
 * left the group, and -k's SIGKILL the ones that ignore it. */
static void test_tool_cgroup_timeout_while_waiting_for_the_tree(void **state)
{
	struct parent p;
	char script[2048], json[PATH_MAX], *dir = tempdir_make();
	struct result r;
	struct json *j;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	snprintf(json, sizeof json, "--json=%s/report", dir);

	/* SIGTERM ignored: -k ends it. */
	escapee_script(script, sizeof script, dir, true, "30", "exit 0");
	tool(&r,
	     ARGS("run", "-v", json, p.opt, "-t", "0.5", "-k", "0.2", "--", "sh", "-c", script));
	assert_int_equal(r.code, 124);
	assert_string_equal(text_of(&r.err), "subproc: sending signal TERM to command 'sh'\n"
	                                     "subproc: sending signal KILL to command 'sh'\n");
	result_free(&r);
	assert_true(dead_now(escapee_take(dir)));
	j = report_file(json + strlen("--json="));
	assert_true(json_get(j, "timed_out")->boolean);
	assert_int_equal((int)number(j, "exit_code"), 0);
	assert_true(number(j, "wall_seconds") >= 0.69);
	assert_true(number(j, "wall_seconds") < 10);
	json_free(j);

	/* Taken: the timeout's SIGTERM alone ends it, with no -k. */
	escapee_script(script, sizeof script, dir, false, "30", "exit 0");
	tool(&r, ARGS("run", json, p.opt, "-t", "0.3", "--", "sh", "-c", script));
	assert_int_equal(r.code, 124);
	result_free(&r);
	assert_true(dead_now(escapee_take(dir)));
	j = report_file(json + strlen("--json="));
	assert_true(number(j, "wall_seconds") < 10);
	json_free(j);

	/* --preserve-status: the child's own exit (the first stage's, with
	 * --pipefail). */
	escapee_script(script, sizeof script, dir, false, "30", "exit 5");
	tool(&r, ARGS("pipe", "--pipefail", "--preserve-status", p.opt, "-t", "0.3", "--", "sh",
	              "-c", script, "|", "cat"));
	assert_int_equal(r.code, 5);
	result_free(&r);
	assert_true(dead_now(escapee_take(dir)));
	parent_done(&p);
	tempdir_remove(dir);
}

/* --- accounting ------------------------------------------------------------ */

/* Three members that burn 300 ms of CPU each, orphaned so that the child's
 * own rusage does not see them: the report's tree_* fields have all three,
 * because subproc waited for them. The controllers' fields are left out:
 * the parent enables none. */
static void test_tool_cgroup_tree_in_the_report(void **state)
{
	struct parent p;
	char script[PATH_MAX + 128];
	struct result r;
	struct json *j;
	double tree, own;

	(void)state;
	parent_make(&p);
	snprintf(script, sizeof script, "for i in 1 2 3; do (%s --spin-ms 300 >/dev/null &); done",
	         PROBE);

	tool(&r, ARGS("run", "--json", p.opt, "--", "sh", "-c", script));
	assert_int_equal(r.code, 0);
	j = report(text_of(&r.err));
	tree = number(j, "tree_user_seconds") + number(j, "tree_system_seconds");
	own = number(j, "user_seconds") + number(j, "system_seconds");
	print_message("tree %.3f s, the child's own rusage %.3f s, wall %.3f s\n", tree, own,
	              number(j, "wall_seconds"));
	assert_true(tree >= 0.9 * 0.95);
	assert_true(own < 0.3);
	assert_true(number(j, "wall_seconds") >= 0.3);
	assert_null(json_get(j, "tree_memory_peak_kib"));
	assert_null(json_get(j, "tree_pids_peak"));
	assert_null(json_get(j, "oom_killed"));
	json_free(j);
	result_free(&r);
	assert_int_equal(parent_children(&p), 0);

	/* pipe: once, for the whole pipeline, not per stage. */
	tool(&r, ARGS("pipe", "--json", p.opt, "--", "sh", "-c", script, "|", "cat"));
	assert_int_equal(r.code, 0);
	j = report(text_of(&r.err));
	tree = number(j, "tree_user_seconds") + number(j, "tree_system_seconds");
	assert_true(tree >= 0.9 * 0.95);
	assert_null(json_get(json_at(json_get(j, "stages"), 0), "tree_user_seconds"));
	json_free(j);
	result_free(&r);

	/* No cgroup, no tree. */
	tool(&r, ARGS("run", "--json", "--", "true"));
	assert_int_equal(r.code, 0);
	j = report(text_of(&r.err));
	assert_null(json_get(j, "tree_user_seconds"));
	assert_null(json_get(j, "tree_system_seconds"));
	json_free(j);
	result_free(&r);
	parent_done(&p);
}

/* --- settings and where the child is --------------------------------------- */

/* `sh -c 'echo $CG; SCRIPT'` through `subproc CMD OPTS`, where CG is the
 * child's own cgroup directory. */
static void in_cgroup(struct result *r, const struct parent *p, const char *cmd,
                      const char *const *opts, const char *script)
{
	const char *args[32] = {cmd};
	char sh[PATH_MAX + 1024];
	size_t n = 1;

	snprintf(sh, sizeof sh, "cg=%s$(sed -n 's/^0:://p' /proc/self/cgroup); echo $cg; %s",
	         p->mnt, script);
	for (size_t i = 0; opts[i] != NULL; i++)
		args[n++] = opts[i];
	args[n++] = "--";
	args[n++] = "sh";
	args[n++] = "-c";
	args[n++] = sh;
	args[n] = NULL;
	tool(r, args);
}

/* What follows the first line (the cgroup), which must be a new one in the
 * parent. */
static const char *after_cgroup(const struct parent *p, const struct result *r)
{
	const char *out = text_of(&r->out);
	size_t len = strlen(p->path);

	if (strncmp(out, p->path, len) != 0 || strncmp(out + len, "/subproc-", 9) != 0)
		fail_msg("the child is not in a new cgroup of %s: %s (exit %d, stderr: %s)",
		         p->path, out, r->code, text_of(&r->err));
	return strchr(out, '\n') + 1;
}

/* A core file every cgroup has: cgroup.max.descendants 0 keeps the child
 * from making a cgroup in its own; settings are written in order. */
static void test_tool_cgroup_setting(void **state)
{
	static const char script[] = "cat $cg/cgroup.max.descendants; mkdir $cg/sub 2>/dev/null "
				     "&& echo made || echo refused";
	struct parent p;
	struct result r;

	(void)state;
	parent_make(&p);
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--cgroup-set", "cgroup.max.descendants=0"), script);
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "0\nrefused\n");
	result_free(&r);
	in_cgroup(&r, &p, "run",
	          ARGS("--cgroup-set", "cgroup.max.descendants=0", p.opt, "--cgroup-set",
	               "cgroup.max.descendants=1"),
	          script);
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "1\nmade\n");
	result_free(&r);
	/* Without the setting the child can; what it made goes with its own. */
	in_cgroup(&r, &p, "run", ARGS(p.opt), script);
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "max\nmade\n");
	result_free(&r);
	parent_done(&p);
}

/* A pipeline's stages share one cgroup, with the settings. */
static void test_tool_cgroup_pipe_stages_share_it(void **state)
{
	struct parent p;
	char first[PATH_MAX + 64], second[PATH_MAX + 256];
	struct result r;
	const char *out, *nl;

	(void)state;
	parent_make(&p);
	snprintf(first, sizeof first, "echo %s$(sed -n 's/^0:://p' /proc/self/cgroup)", p.mnt);
	snprintf(second, sizeof second,
	         "cat; cg=%s$(sed -n 's/^0:://p' /proc/self/cgroup); echo $cg; cat "
	         "$cg/cgroup.max.depth",
	         p.mnt);
	tool(&r, ARGS("pipe", p.opt, "--cgroup-set", "cgroup.max.depth=2", "--", "sh", "-c", first,
	              "|", "sh", "-c", second));
	assert_int_equal(r.code, 0);
	out = after_cgroup(&p, &r);
	nl = strchr(text_of(&r.out), '\n');
	assert_int_equal(strncmp(text_of(&r.out), out, (size_t)(nl - text_of(&r.out)) + 1), 0);
	assert_string_equal(strchr(out, '\n') + 1, "2\n");
	result_free(&r);
	parent_done(&p);
}

/* The child is in the cgroup from the start on every launch path: with
 * CLONE_INTO_CGROUP on clone3, by writing cgroup.procs itself on clone and
 * fork (qemu-user's path). */
static void test_tool_cgroup_launch_paths(void **state)
{
	static const struct {
		const char *name;
		int launch;
	} launches[] = {{"clone3", SUBPROC_LAUNCH_CLONE3},
	                {"clone", SUBPROC_LAUNCH_CLONE},
	                {"fork", SUBPROC_LAUNCH_FORK}};
	struct parent p;
	struct result r;
	struct report rep;
	char want[PATH_MAX];

	(void)state;
	parent_make(&p);
	/* As /proc/self/cgroup names it: from the mount's root. */
	snprintf(want, sizeof want, "%s/subproc-", p.path + strlen(p.mnt));
	for (size_t i = 0; i < sizeof launches / sizeof launches[0]; i++) {
		const char *cg;

		if (!launch_exists(launches[i].launch))
			continue;
		tool(&r, ARGS("run", "--launch", launches[i].name, p.opt, "--", PROBE));
		if (r.code != 0)
			fail_msg("--launch %s: exit %d: %s", launches[i].name, r.code,
			         text_of(&r.err));
		memset(&rep, 0, sizeof rep);
		assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
		cg = report_get(&rep, "cgroup");
		assert_non_null(cg);
		if (strncmp(cg, want, strlen(want)) != 0)
			fail_msg("--launch %s: the child is in %s", launches[i].name, cg);
		report_free(&rep);
		result_free(&r);
		assert_int_equal(parent_children(&p), 0);
	}
	parent_done(&p);
}

/* --cgroup alone: under subproc's own cgroup (the test's, which it
 * inherits), removed after. */
static void test_tool_cgroup_own_cgroup(void **state)
{
	struct parent p;
	char own[PATH_MAX], line[PATH_MAX], dir[2 * PATH_MAX];
	struct result r;
	struct report rep;
	const char *cg;
	FILE *f;

	(void)state;
	parent_make(&p);
	own[0] = '\0';
	f = fopen("/proc/self/cgroup", "re");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			/* "/" adds nothing before the new directory's '/'. */
			snprintf(own, sizeof own, "%s", strcmp(line + 3, "/") == 0 ? "" : line + 3);
		}
	}
	fclose(f);
	rmdir(p.path);
	tool(&r, ARGS("run", "--cgroup", "--", PROBE));
	if (r.code != 0)
		fail_msg("exit %d: %s", r.code, text_of(&r.err));
	memset(&rep, 0, sizeof rep);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
	cg = report_get(&rep, "cgroup");
	assert_non_null(cg);
	snprintf(line, sizeof line, "%s/subproc-", own);
	if (strncmp(cg, line, strlen(line)) != 0)
		fail_msg("the child is in %s, not in a new cgroup of %s", cg, own);
	snprintf(dir, sizeof dir, "%s%s", p.mnt, cg);
	assert_int_equal(access(dir, F_OK), -1);
	report_free(&rep);
	result_free(&r);
}

/* --- errors, and nothing left ---------------------------------------------- */

/* A controller's file that the parent does not enable: the library's error
 * naming the file, and a line on the controller; exit 125; nothing left. */
static void test_tool_cgroup_missing_controller(void **state)
{
	struct parent p;
	char have[512], hint[3 * PATH_MAX], prefix[PATH_MAX + 128], json[PATH_MAX],
		*dir = tempdir_make();
	struct result r;
	struct json *j;
	const char *err, *rest;
	size_t len;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	snprintf(hint, sizeof hint, "%s/cgroup.controllers", p.path);
	read_text(hint, have, sizeof have);
	snprintf(json, sizeof json, "--json=%s/report", dir);
	/* The parent is new: its cgroup.subtree_control enables nothing. */
	if (strstr(have, "memory") != NULL)
		snprintf(hint, sizeof hint,
		         "subproc: (the memory controller is not enabled in "
		         "%s/cgroup.subtree_control)\n",
		         p.path);
	else
		snprintf(hint, sizeof hint,
		         "subproc: (the memory controller is not enabled in "
		         "%s/cgroup.subtree_control; %s/cgroup.controllers does not offer it "
		         "either: a cgroup above does not enable it, or cgroup v1 holds it)\n",
		         p.path, p.path);
	for (int k = 0; k < 2; k++) {
		if (k == 0)
			tool(&r, ARGS("run", json, p.opt, "--memory-max", "10M", "--", "true"));
		else
			tool(&r, ARGS("pipe", json, "--memory-max", "10M", p.opt, "--", "true", "|",
			              "true"));
		assert_int_equal(r.code, 125);
		/* subproc: cgroup_write PARENT/subproc-PID-N/memory.max: ENOENT: ... */
		err = text_of(&r.err);
		len = (size_t)snprintf(prefix, sizeof prefix, "subproc: cgroup_write %s/subproc-",
		                       p.path);
		rest = err + (strncmp(err, prefix, len) == 0 ? len : 0);
		rest += strspn(rest, "0123456789-");
		if (rest == err ||
		    strncmp(rest, "/memory.max: ENOENT: no such file or directory\n", 47) != 0 ||
		    strcmp(rest + 47, hint) != 0)
			fail_msg(
				"stderr:\n%s\nwanted:\n%sPID-N/memory.max: ENOENT: no such file or "
				"directory\n%s",
				err, prefix, hint);
		result_free(&r);
		j = report_file(json + strlen("--json="));
		assert_string_equal(json_get(json_get(j, "error"), "step")->string, "cgroup_write");
		assert_string_equal(json_get(json_get(j, "error"), "errno")->string, "ENOENT");
		if (k == 1)
			assert_int_equal(json_get(j, "failed_stage")->type, JSON_NULL);
		json_free(j);
		assert_int_equal(parent_children(&p), 0);
	}
	parent_done(&p);
	tempdir_remove(dir);
}

/* No cgroup is left when the program cannot run, nor when the parent is
 * not there (no hint: the message says it all). */
static void test_tool_cgroup_nothing_left(void **state)
{
	struct parent p;
	char missing[PATH_MAX + 16], want[PATH_MAX + 128], *dir = tempdir_make();
	struct result r;
	char *file;

	(void)state;
	parent_make(&p);
	assert_non_null(dir);
	tool(&r, ARGS("run", p.opt, "--", "/nonexistent/program"));
	assert_int_equal(r.code, 127);
	result_free(&r);
	assert_int_equal(parent_children(&p), 0);
	file = file_make(dir, "plain", "x", 1, 0644);
	assert_non_null(file);
	tool(&r, ARGS("run", p.opt, "--", file));
	assert_int_equal(r.code, 126);
	result_free(&r);
	free(file);
	assert_int_equal(parent_children(&p), 0);
	tool(&r, ARGS("pipe", p.opt, "--", "true", "|", "/nonexistent/program"));
	assert_int_equal(r.code, 127);
	result_free(&r);
	assert_int_equal(parent_children(&p), 0);

	snprintf(missing, sizeof missing, "--cgroup=%s/none", p.path);
	snprintf(want, sizeof want,
	         "subproc: cgroup_create %s/none: ENOENT: no such file or "
	         "directory\n",
	         p.path);
	tool(&r, ARGS("run", missing, "--", "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(text_of(&r.err), want);
	result_free(&r);
	parent_done(&p);
	tempdir_remove(dir);
}

/* --- limits, where the controllers are in cgroup v2 ------------------------ */

/* The child sees the limit in its own cgroup, and the tree is held to it. */
static void test_tool_cgroup_pids_max(void **state)
{
	struct parent p;
	struct result r;
	struct json *j;

	(void)state;
	parent_make(&p);
	need_controller(&p, "pids");
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--pids-max", "infinity"), "cat $cg/pids.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "max\n");
	result_free(&r);
	/* Some of the forks fail; the shell may say so and give up. */
	in_cgroup(&r, &p, "run", ARGS("--json", p.opt, "--pids-max", "4"),
	          "cat $cg/pids.max; for i in 1 2 3 4 5 6; do sleep 0.5 & done 2>/dev/null; "
	          "wait");
	assert_string_equal(after_cgroup(&p, &r), "4\n");
	assert_non_null(strchr(text_of(&r.err), '{'));
	j = report(strchr(text_of(&r.err), '{'));
	if (json_get(j, "tree_pids_peak") != NULL) /* pids.peak: Linux 6.1 */
		assert_true(number(j, "tree_pids_peak") <= 4 && number(j, "tree_pids_peak") >= 2);
	json_free(j);
	result_free(&r);
	parent_done(&p);
}

/* memory.max as the child sees it, and a child that touches more is
 * OOM-killed: subproc dies of its SIGKILL, the report counts it. */
static void test_tool_cgroup_memory_max(void **state)
{
	struct parent p;
	char swap[PATH_MAX + 32], json[PATH_MAX], *dir = tempdir_make();
	struct result r;
	struct json *j;

	(void)state;
	parent_make(&p);
	need_controller(&p, "memory");
	assert_non_null(dir);
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--memory-max", "1.5G"), "cat $cg/memory.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "1610612736\n");
	result_free(&r);
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--memory-max", "infinity"), "cat $cg/memory.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "max\n");
	result_free(&r);

	/* Without swap to go to, where the parent has swap accounting. */
	snprintf(swap, sizeof swap, "%s/memory.swap.max", p.path);
	snprintf(json, sizeof json, "--json=%s/report", dir);
	if (access(swap, F_OK) == 0)
		tool(&r, ARGS("run", json, p.opt, "--memory-max", "16M", "--cgroup-set",
		              "memory.swap.max=0", "--stdout", "null", "--", PROBE, "--touch-mib",
		              "64"));
	else
		tool(&r, ARGS("run", json, p.opt, "--memory-max", "16M", "--stdout", "null", "--",
		              PROBE, "--touch-mib", "64"));
	assert_int_equal(r.code, 1000 + SIGKILL);
	result_free(&r);
	j = report_file(json + strlen("--json="));
	assert_true(number(j, "oom_killed") >= 1);
	if (json_get(j, "tree_memory_peak_kib") != NULL) /* memory.peak: Linux 5.19 */
		assert_true(number(j, "tree_memory_peak_kib") <= 16 * 1024);
	json_free(j);
	parent_done(&p);
	tempdir_remove(dir);
}

/* cpu.max as systemd's CPUQuota= makes it, seen from the child. */
static void test_tool_cgroup_cpu_max(void **state)
{
	struct parent p;
	struct result r;

	(void)state;
	parent_make(&p);
	need_controller(&p, "cpu");
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--cpu-max", "50%"), "cat $cg/cpu.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "50000 100000\n");
	result_free(&r);
	in_cgroup(&r, &p, "pipe", ARGS(p.opt, "--cpu-max", "250%"), "cat $cg/cpu.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "250000 100000\n");
	result_free(&r);
	in_cgroup(&r, &p, "run", ARGS(p.opt, "--cpu-max", "infinity"), "cat $cg/cpu.max");
	assert_int_equal(r.code, 0);
	assert_string_equal(after_cgroup(&p, &r), "max 100000\n");
	result_free(&r);
	parent_done(&p);
}

/* The portable build has no cgroups: each option says so before anything
 * runs. */
static void test_tool_cgroup_portable(void **state)
{
	struct result r;

	(void)state;
	if (!SUBPROC_TEST_PORTABLE)
		skip_because("only the portable build refuses the cgroup options");
	tool(&r, ARGS("run", "--cgroup", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(text_of(&r.err),
	                    "subproc: --cgroup: ENOSYS: function not implemented\n"
	                    "subproc: (cgroups need subproc's Linux build; this one is the "
	                    "portable build)\n");
	result_free(&r);
	tool(&r, ARGS("pipe", "--memory-max", "1G", "--cgroup=/sys/fs/cgroup", "--", "true", "|",
	              "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(text_of(&r.err),
	                    "subproc: --memory-max: ENOSYS: function not implemented\n"
	                    "subproc: (cgroups need subproc's Linux build; this one is the "
	                    "portable build)\n");
	result_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_tool_cgroup_timeout_kills_escaped),
          cmocka_unit_test(test_tool_cgroup_waits_for_the_tree),
          cmocka_unit_test(test_tool_cgroup_timeout_while_waiting_for_the_tree),
          cmocka_unit_test(test_tool_cgroup_tree_in_the_report),
          cmocka_unit_test(test_tool_cgroup_setting),
          cmocka_unit_test(test_tool_cgroup_pipe_stages_share_it),
          cmocka_unit_test(test_tool_cgroup_launch_paths),
          cmocka_unit_test(test_tool_cgroup_own_cgroup),
          cmocka_unit_test(test_tool_cgroup_missing_controller),
          cmocka_unit_test(test_tool_cgroup_nothing_left),
          cmocka_unit_test(test_tool_cgroup_pids_max),
          cmocka_unit_test(test_tool_cgroup_memory_max), cmocka_unit_test(test_tool_cgroup_cpu_max),
          cmocka_unit_test(test_tool_cgroup_portable))
