/* SPDX-License-Identifier: MIT */
/*
 * The subproc tool: every option of run and pipe seen from the child (the
 * probe), every exit-status rule, the JSON report parsed, and the error
 * message form.
 */
#include "json.h"
#include "support.h"
#include "tool_run.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif
#define TOOL SUBPROC_TEST_TOOL

/* Runs `subproc run OPTIONS -- PATH PROBE-ARGS`, PATH the probe or a copy,
 * and parses the probe's report from stdout. */
static void run_probe_at(struct report *rep, const char *path, const char *const *opts,
                         const char *const *probe_args)
{
	const char *args[64];
	struct result r;
	size_t n = 0;

	args[n++] = "run";
	for (size_t i = 0; opts && opts[i]; i++)
		args[n++] = opts[i];
	args[n++] = "--";
	args[n++] = path;
	for (size_t i = 0; probe_args && probe_args[i]; i++)
		args[n++] = probe_args[i];
	args[n] = NULL;
	tool(&r, args);
	if (r.code != 0)
		fprintf(stderr, "tool exited %d: %s\n", r.code, r.err.data);
	assert_int_equal(r.code, 0);
	memset(rep, 0, sizeof *rep);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, rep), 0);
	result_free(&r);
}

static void run_probe(struct report *rep, const char *const *opts, const char *const *probe_args)
{
	run_probe_at(rep, PROBE, opts, probe_args);
}

/* The JSON report the tool wrote on stderr (its only content). */
static struct json *json_of(const struct result *r)
{
	struct json *j = json_parse(r->err.data);

	if (j == NULL)
		fprintf(stderr, "stderr was: %s\n", r->err.data);
	assert_non_null(j);
	return j;
}

static bool is_str(const struct json *j, const char *s)
{
	if (j && j->type == JSON_STRING && strcmp(j->string, s) == 0)
		return true;
	fprintf(stderr, "expected JSON string \"%s\"\n", s);
	return false;
}

static bool is_num(const struct json *j, double v)
{
	if (j && j->type == JSON_NUMBER && j->number == v)
		return true;
	fprintf(stderr, "expected JSON number %g, got %g\n", v, j ? j->number : -1.0);
	return false;
}

static bool is_null(const struct json *j)
{
	return j != NULL && j->type == JSON_NULL;
}

static bool is_bool(const struct json *j, bool v)
{
	return j != NULL && j->type == JSON_BOOL && j->boolean == v;
}

/* --- run: the child's side ------------------------------------------------ */

static void test_tool_run_cwd_env(void **state)
{
	char *dir = tempdir_make();
	struct report rep;

	(void)state;
	setenv("SUBPROC_TOOL_KEEP", "k", 1);
	setenv("SUBPROC_TOOL_DROP", "d", 1);
	run_probe(&rep, ARGS("-C", dir, "-e", "A=1", "--env", "B=x=y", "-u", "SUBPROC_TOOL_DROP"),
	          NULL);
	assert_true(report_is(&rep, "cwd", dir));
	assert_true(report_is(&rep, "env.A", "1"));
	assert_true(report_is(&rep, "env.B", "x=y"));
	assert_true(report_is(&rep, "env.SUBPROC_TOOL_KEEP", "k"));
	assert_null(report_get(&rep, "env.SUBPROC_TOOL_DROP"));
	report_free(&rep);

	/* -i in order: what came before it is gone. */
	run_probe(&rep, ARGS("--cwd", dir, "-e", "GONE=1", "-i", "--env", "ONLY=2"), NULL);
	assert_true(report_is_long(&rep, "env", 1));
	assert_true(report_is(&rep, "env.ONLY", "2"));
	report_free(&rep);
	run_probe(&rep, ARGS("--clear-env", "--unset", "X"), NULL);
	assert_true(report_is_long(&rep, "env", 0));
	report_free(&rep);
	tempdir_remove(dir);
	unsetenv("SUBPROC_TOOL_KEEP");
	unsetenv("SUBPROC_TOOL_DROP");
}

static void test_tool_run_session_group_umask_rlimit(void **state)
{
	struct report rep;

	(void)state;
	run_probe(&rep,
	          ARGS("--setsid", "--umask", "027", "--rlimit", "nofile=64:128", "--rlimit",
	               "core=unlimited"),
	          NULL);
	assert_true(report_is_long(&rep, "sid", report_long(&rep, "pid")));
	assert_true(report_is(&rep, "umask", "0027"));
	assert_true(report_is(&rep, "rlimit.nofile", "64:128"));
	assert_true(report_is(&rep, "rlimit.core", "inf:inf"));
	report_free(&rep);

	run_probe(&rep, ARGS("--pgroup", "--rlimit", "nofile=50"), NULL);
	assert_true(report_is_long(&rep, "pgid", report_long(&rep, "pid")));
	assert_false(report_is_long(&rep, "sid", report_long(&rep, "pid")));
	assert_true(report_is(&rep, "rlimit.nofile", "50:50"));
	report_free(&rep);
}

static void test_tool_run_credentials(void **state)
{
	const gid_t groups[] = {65534, 100};
	struct report rep;
	char *dir, *probe;

	(void)state;
	need_linux_build("setgroups");
	if (geteuid() != 0)
		skip_because("changing credentials needs root");
	probe_copy_for_or_skip(65534, 65534, groups, 2, &dir, &probe);
	run_probe_at(&rep, probe,
	             ARGS("-C", dir, "--uid", "65534", "--gid", "65534", "--groups", "65534,100"),
	             NULL);
	assert_true(report_is_long(&rep, "uid", 65534));
	assert_true(report_is_long(&rep, "euid", 65534));
	assert_true(report_is_long(&rep, "gid", 65534));
	assert_true(report_is(&rep, "groups", "100,65534"));
	report_free(&rep);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--uid", "nobody", "--groups", "0"), NULL);
	assert_true(report_is_long(&rep, "uid", 65534));
	assert_true(report_is(&rep, "groups", "0"));
	report_free(&rep);
	free(probe);
	tempdir_remove(dir);
}

/* --- run: the user database ----------------------------------------------- */

static int gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* The groups initgroups(name, gid) would set, from getgrouplist; sorted
 * into v[0..return), as the probe reports them. */
static size_t grouplist(const char *name, gid_t gid, gid_t *v, size_t cap)
{
	int n = (int)cap;

	assert_true(getgrouplist(name, gid, v, &n) >= 0);
	qsort(v, (size_t)n, sizeof v[0], gid_cmp);
	return (size_t)n;
}

static bool has_gid(const gid_t *v, size_t n, gid_t g)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

/* The probe's "groups" value for v[0..n). */
static void groups_text(const gid_t *v, size_t n, char *buf, size_t size)
{
	int iv[256];

	assert_true(n <= 256);
	for (size_t i = 0; i < n; i++)
		iv[i] = (int)v[i];
	int_list_text(iv, n, buf, size);
}

/* Checks that the child ran as pw with primary group gid and exactly the
 * groups getgrouplist gives (name, gid). */
static void assert_initgroups(const struct report *rep, const struct passwd *pw, gid_t gid)
{
	gid_t want[256];
	char text[2048];
	size_t n = grouplist(pw->pw_name, gid, want, 256);

	groups_text(want, n, text, sizeof text);
	assert_true(report_is_long(rep, "uid", pw->pw_uid));
	assert_true(report_is_long(rep, "euid", pw->pw_uid));
	assert_true(report_is_long(rep, "gid", gid));
	assert_true(report_is_long(rep, "egid", gid));
	assert_true(report_is(rep, "groups", text));
}

/* A uid that no user in the database has, found by looking; 0 for none. */
static uid_t uid_without_entry(void)
{
	for (uid_t u = 4242; u < 60000; u++) {
		errno = 0;
		/* The errno values getpwuid documents for "no such user". */
		if (getpwuid(u) == NULL && (errno == 0 || errno == ENOENT || errno == ESRCH ||
		                            errno == EBADF || errno == EPERM))
			return u;
	}
	return 0;
}

/* Copies the passwd entry of `name` into *pw (name in buf); false when the
 * database has none. */
static bool user_entry(const char *name, struct passwd *pw, char *buf, size_t size)
{
	struct passwd *found = NULL;

	return getpwnam_r(name, pw, buf, size, &found) == 0 && found != NULL;
}

/*
 * --uid/--user NAME and a number with an entry: the user's group and its
 * groups from the database, as initgroups. The tool's caller is given the
 * groups {0, 42} first (root in group shadow, as in the report that led to
 * this), so that a child keeping its parent's groups shows.
 */
static void test_tool_run_user_database(void **state)
{
	static const gid_t parent_groups[] = {0, 42};
	gid_t saved[256], nobody_groups[256];
	struct passwd nobody, *pw;
	char buf[4096], *dir, *probe, uid_text[32];
	int nsaved;
	size_t n;
	struct report rep;

	(void)state;
	need_linux_build("setgroups");
	if (geteuid() != 0)
		skip_because("changing credentials needs root");
	if (!user_entry("nobody", &nobody, buf, sizeof buf))
		skip_because("the user database has no user nobody");
	n = grouplist("nobody", nobody.pw_gid, nobody_groups, 256);
	probe_copy_for_or_skip(nobody.pw_uid, nobody.pw_gid, nobody_groups, n, &dir, &probe);
	nsaved = getgroups(256, saved);
	assert_true(nsaved >= 0);
	assert_int_equal(setgroups(2, parent_groups), 0);

	run_probe_at(&rep, probe, ARGS("-C", dir, "--uid", "nobody"), NULL);
	assert_initgroups(&rep, &nobody, nobody.pw_gid);
	for (size_t i = 0; i < 2; i++) {
		if (!has_gid(nobody_groups, n, parent_groups[i]))
			assert_true(report_list_lacks(&rep, "groups", parent_groups[i]));
	}
	report_free(&rep);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--user", "nobody"), NULL);
	assert_initgroups(&rep, &nobody, nobody.pw_gid);
	report_free(&rep);
	/* A number with an entry is that entry's user. */
	snprintf(uid_text, sizeof uid_text, "%u", (unsigned)nobody.pw_uid);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--user", uid_text), NULL);
	assert_initgroups(&rep, &nobody, nobody.pw_gid);
	report_free(&rep);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--uid", uid_text), NULL);
	assert_initgroups(&rep, &nobody, nobody.pw_gid);
	report_free(&rep);

	/* A user the group database lists in groups beside its own shows
	 * that those come from the database, not just the primary group. */
	setpwent();
	while ((pw = getpwent()) != NULL) {
		gid_t g[256];
		int ng = 256;

		if (getgrouplist(pw->pw_name, pw->pw_gid, g, &ng) >= 0 && ng >= 2)
			break;
	}
	if (pw != NULL) {
		struct passwd member;
		char mbuf[4096];

		assert_true(user_entry(pw->pw_name, &member, mbuf, sizeof mbuf));
		endpwent();
		print_message("user with supplementary groups: %s\n", member.pw_name);
		run_probe_at(&rep, probe, ARGS("-C", dir, "--user", member.pw_name), NULL);
		assert_initgroups(&rep, &member, member.pw_gid);
		report_free(&rep);
	} else {
		endpwent();
		print_message("no user is listed in a group beside its own; that case is not "
		              "checked here\n");
	}

	assert_int_equal(setgroups((size_t)nsaved, saved), 0);
	free(probe);
	tempdir_remove(dir);
}

/* --gid replaces the primary group (the supplementary ones follow it, as
 * initgroups with that group), --groups the supplementary list; alone,
 * --gid leaves no supplementary group. */
static void test_tool_run_user_gid_groups(void **state)
{
	static const gid_t parent_groups[] = {0, 42};
	gid_t saved[256];
	int nsaved;
	struct passwd nobody;
	char buf[4096], *dir, *probe;
	struct report rep;

	(void)state;
	need_linux_build("setgroups");
	if (geteuid() != 0)
		skip_because("changing credentials needs root");
	if (!user_entry("nobody", &nobody, buf, sizeof buf))
		skip_because("the user database has no user nobody");
	/* Group 1 is daemon's on Debian; as a number it needs no entry. */
	probe_copy_for_or_skip(nobody.pw_uid, 1, NULL, 0, &dir, &probe);

	run_probe_at(&rep, probe, ARGS("-C", dir, "--uid", "nobody", "--gid", "1"), NULL);
	assert_initgroups(&rep, &nobody, 1);
	report_free(&rep);
	/* In any order. */
	run_probe_at(&rep, probe, ARGS("-C", dir, "--gid", "1", "--user", "nobody"), NULL);
	assert_initgroups(&rep, &nobody, 1);
	report_free(&rep);

	run_probe_at(&rep, probe, ARGS("-C", dir, "--groups", "100,1", "--uid", "nobody"), NULL);
	assert_true(report_is_long(&rep, "uid", nobody.pw_uid));
	assert_true(report_is_long(&rep, "gid", nobody.pw_gid));
	assert_true(report_is(&rep, "groups", "1,100"));
	report_free(&rep);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--user", "nobody", "--groups", ""), NULL);
	assert_true(report_is_long(&rep, "gid", nobody.pw_gid));
	assert_true(report_is(&rep, "groups", ""));
	report_free(&rep);
	run_probe_at(&rep, probe,
	             ARGS("-C", dir, "--user", "nobody", "--gid", "1", "--groups", "7"), NULL);
	assert_true(report_is_long(&rep, "gid", 1));
	assert_true(report_is(&rep, "groups", "7"));
	report_free(&rep);

	/* --gid alone: the caller's user, the group, no supplementary groups
	 * (the caller is given some, so that keeping them would show). */
	nsaved = getgroups(256, saved);
	assert_true(nsaved >= 0);
	assert_int_equal(setgroups(2, parent_groups), 0);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--gid", "1"), NULL);
	assert_true(report_is_long(&rep, "uid", 0));
	assert_true(report_is_long(&rep, "gid", 1));
	assert_true(report_is(&rep, "groups", ""));
	report_free(&rep);
	assert_int_equal(setgroups((size_t)nsaved, saved), 0);
	free(probe);
	tempdir_remove(dir);
}

/* A number no user has names no group: refused unless --gid gives one.
 * The refusal comes before anything starts, so it needs no root. */
static void test_tool_run_uid_without_entry(void **state)
{
	static const char *const opts[] = {"--uid", "--user"};
	uid_t u = uid_without_entry();
	char text[32], want[256], *dir, *probe;
	struct report rep;
	struct result r;

	(void)state;
	need_linux_build("setgroups");
	if (u == 0)
		skip_because("every uid from 4242 to 59999 has a user");
	snprintf(text, sizeof text, "%u", (unsigned)u);
	for (size_t i = 0; i < 2; i++) {
		tool(&r, ARGS("run", opts[i], text, "--", "true"));
		assert_int_equal(r.code, 125);
		assert_int_equal(r.out.len, 0);
		snprintf(want, sizeof want,
		         "subproc: %s %s: no user in the user database has uid %s, so it names "
		         "no group: give --gid (and --groups)\n",
		         opts[i], text, text);
		assert_string_equal(r.err.data, want);
		result_free(&r);
	}
	/* --groups alone does not name the group either. */
	tool(&r, ARGS("run", "--uid", text, "--groups", "100", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tool(&r, ARGS("run", "--user", "subproc-no-such-user", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(r.err.data, "subproc: --user: no such user: subproc-no-such-user\n");
	result_free(&r);

	if (geteuid() != 0)
		skip_because("the refusals were checked; running as uid %s needs root", text);
	probe_copy_for_or_skip(u, 65534, NULL, 0, &dir, &probe);
	run_probe_at(&rep, probe, ARGS("-C", dir, "--uid", text, "--gid", "65534"), NULL);
	assert_true(report_is_long(&rep, "uid", u));
	assert_true(report_is_long(&rep, "gid", 65534));
	assert_true(report_is(&rep, "groups", ""));
	report_free(&rep);
	run_probe_at(&rep, probe,
	             ARGS("-C", dir, "--user", text, "--gid", "65534", "--groups", "100"), NULL);
	assert_true(report_is_long(&rep, "uid", u));
	assert_true(report_is(&rep, "groups", "100"));
	report_free(&rep);
	free(probe);
	tempdir_remove(dir);
}

static void test_tool_run_chroot(void **state)
{
	char *dir, *copy;
	struct result r;

	(void)state;
	need_linux_build("chroot");
	need_chroot();
	dir = tempdir_make();
	copy = probe_copy(dir, "probe");
	tool(&r, ARGS("run", "--chroot", dir, "-C", "/", "--", "/probe"));
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out.data, "\ncwd=/\n"));
	result_free(&r);
	free(copy);
	tempdir_remove(dir);
}

static void test_tool_run_launch(void **state)
{
	static const char *const paths[] = {"clone3", "clone", "fork"};
	struct result r;

	(void)state;
	for (int i = 0; i < 3; i++) {
		struct report rep;
		if (!launch_exists(SUBPROC_LAUNCH_CLONE3 + i))
			continue;
		run_probe(&rep, ARGS("--launch", paths[i]), NULL);
		assert_true(report_is(&rep, "argv.0", PROBE));
		report_free(&rep);
	}
	tool(&r, ARGS("run", "--launch", "spoon", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(r.err.data, "subproc: --launch: expected clone3, clone or fork"));
	result_free(&r);
}

/* A non-close-on-exec fd of the tool's caller (fd 20 here) reaches the
 * child only when named with --keep-fd or with --inherit-fds. */
static void test_tool_run_fds(void **state)
{
	int extra[18], marker = fd_marker(false, 40);
	struct report rep;
	struct result r;

	(void)state;
	assert_true(marker >= 0);
	for (int i = 0; i < 17; i++)
		extra[i] = -1;
	extra[17] = marker; /* the tool's fd 3 + 17 = 20 */
	tool_with(&r, ARGS("run", "--", PROBE), NULL, extra, 18);
	assert_int_equal(r.code, 0);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
	assert_true(report_is(&rep, "fds", "0,1,2"));
	report_free(&rep);
	result_free(&r);

	tool_with(&r, ARGS("run", "--keep-fd", "20", "--", PROBE), NULL, extra, 18);
	assert_int_equal(r.code, 0);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
	assert_true(report_is(&rep, "fds", "0,1,2,20"));
	assert_true(report_fd_is(&rep, 20, marker));
	report_free(&rep);
	result_free(&r);

	tool_with(&r, ARGS("run", "--inherit-fds", "--", PROBE), NULL, extra, 18);
	assert_int_equal(r.code, 0);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
	assert_true(report_list_has(&rep, "fds", 20));
	report_free(&rep);
	result_free(&r);

	tool(&r, ARGS("run", "--keep-fd", "2", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	/* Naming an fd the tool does not have is a start error, with its fd. */
	tool(&r, ARGS("run", "--keep-fd", "77", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(r.err.data, "subproc: dup2 fd 77: EBADF: bad file descriptor\n");
	result_free(&r);
	close(marker);
}

/* --- run: streams --------------------------------------------------------- */

static void test_tool_run_stdio(void **state)
{
	char *dir = tempdir_make(), out[4200], in[4200];
	struct result r;
	char buf[256] = "";
	int fd;

	(void)state;
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(in, sizeof in, "%s/in", dir);
	free(file_make(dir, "in", "from file\n", 10, 0644));

	/* inherit (the default): the tool's own stdin and stdout. */
	tool_with(&r, ARGS("run", "--", "cat"), "fed\n", NULL, 0);
	assert_string_equal(r.out.data, "fed\n");
	result_free(&r);
	tool_with(&r, ARGS("run", "--stdin", "inherit", "--stdout", "inherit", "--", "cat"),
	          "fed\n", NULL, 0);
	assert_string_equal(r.out.data, "fed\n");
	result_free(&r);
	/* null */
	tool_with(&r, ARGS("run", "--stdin", "null", "--", "cat"), "fed\n", NULL, 0);
	assert_int_equal(r.out.len, 0);
	assert_int_equal(r.code, 0);
	result_free(&r);
	tool(&r, ARGS("run", "--stdout", "null", "--stderr", "null", "--", "sh", "-c",
	              "echo out; echo err >&2"));
	assert_int_equal(r.out.len, 0);
	assert_int_equal(r.err.len, 0);
	result_free(&r);
	/* stderr to stdout, in order */
	tool(&r, ARGS("run", "--stderr", "stdout", "--", "sh", "-c", "echo 1; echo 2 >&2; echo 3"));
	assert_string_equal(r.out.data, "1\n2\n3\n");
	assert_int_equal(r.err.len, 0);
	result_free(&r);
	/* paths: stdin from a file, stdout truncated then appended, stderr */
	tool(&r, ARGS("run", "--stdin", in, "--stdout", out, "--", "cat"));
	assert_int_equal(r.code, 0);
	result_free(&r);
	tool(&r, ARGS("run", "--append", "--stdin", in, "--stdout", out, "--stderr", out, "--",
	              "sh", "-c", "cat; echo e >&2"));
	result_free(&r);
	tool(&r, ARGS("run", "--stdin", "null", "--stderr", out, "--append", "--", "sh", "-c",
	              "echo last >&2"));
	result_free(&r);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	close(fd);
	assert_string_equal(buf, "from file\nfrom file\ne\nlast\n");
	tool(&r, ARGS("run", "--stdout", out, "--", "echo", "truncated"));
	result_free(&r);
	memset(buf, 0, sizeof buf);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	close(fd);
	assert_string_equal(buf, "truncated\n");

	/* A path that cannot be opened: the "open" step, exit 125. */
	tool(&r, ARGS("run", "--stdin", "/subproc-no-such-file", "--", "cat"));
	assert_int_equal(r.code, 125);
	assert_string_equal(
		r.err.data,
		"subproc: open /subproc-no-such-file: ENOENT: no such file or directory\n");
	result_free(&r);
	tool(&r, ARGS("run", "--stdout", "stdout", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tempdir_remove(dir);
}

/* --- run: exit statuses, errors, JSON -------------------------------------- */

static void test_tool_run_exit_statuses(void **state)
{
	char *dir = tempdir_make(), *plain;
	struct result r;

	(void)state;
	plain = file_make(dir, "plain", "not a program\n", 14, 0644);
	tool(&r, ARGS("run", "--", PROBE, "--exit", "7"));
	assert_int_equal(r.code, 7);
	result_free(&r);
	tool(&r, ARGS("run", "--", PROBE, "--raise", "USR1"));
	assert_int_equal(r.code, 1000 + SIGUSR1 /* dies of it, as timeout does */);
	result_free(&r);
	tool(&r, ARGS("run", "--", "subproc-no-such-program"));
	assert_int_equal(r.code, 127);
	assert_string_equal(r.err.data,
	                    "subproc: lookpath subproc-no-such-program: ENOENT: no such file or "
	                    "directory\n");
	result_free(&r);
	tool(&r, ARGS("run", "--", "/subproc-no-such-program"));
	assert_int_equal(r.code, 127);
	result_free(&r);
	tool(&r, ARGS("run", "--", plain));
	assert_int_equal(r.code, 126);
	assert_non_null(strstr(r.err.data, "subproc: execve "));
	assert_non_null(strstr(r.err.data, ": EACCES: permission denied\n"));
	result_free(&r);
	tool(&r, ARGS("run", "-C", "/subproc-no-such-dir", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_string_equal(
		r.err.data,
		"subproc: chdir /subproc-no-such-dir: ENOENT: no such file or directory\n");
	result_free(&r);
	tool(&r, ARGS("run", "--no-such-option", "--", "true"));
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(r.err.data, "subproc: run: unknown option --no-such-option"));
	result_free(&r);
	tool(&r, ARGS("run"));
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(r.err.data, "subproc: run: no program given"));
	result_free(&r);
	tool(&r, ARGS("run", "-t", "soon", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tool(&r, ARGS("run", "--rlimit", "bogus=1", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tool(&r, ARGS("frobnicate"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	free(plain);
	tempdir_remove(dir);
}

static void test_tool_run_json(void **state)
{
	char *dir = tempdir_make(), file[4200];
	struct result r;
	struct json *j;
	subproc_output text = {0};
	subproc_cmd *cat = NULL;

	(void)state;
	/* 12 MiB touched, 8 asked back: the kernel's RSS counters are
	 * batched, and a peak read at exactly what was touched came out a
	 * little short once (musl build). */
	tool(&r, ARGS("run", "--json", "--", PROBE, "--exit", "3", "--touch-mib", "12"));
	assert_int_equal(r.code, 3);
	j = json_of(&r);
	assert_int_equal(json_len(json_get(j, "argv")), 5);
	assert_true(is_str(json_at(json_get(j, "argv"), 0), PROBE));
	assert_true(is_str(json_at(json_get(j, "argv"), 2), "3"));
	assert_true(json_get(j, "pid")->type == JSON_NUMBER && json_get(j, "pid")->number > 1);
	assert_true(is_num(json_get(j, "exit_code"), 3));
	assert_true(is_null(json_get(j, "signal")));
	assert_true(is_bool(json_get(j, "core_dumped"), false));
	assert_true(is_bool(json_get(j, "timed_out"), false));
	assert_true(json_get(j, "wall_seconds")->number > 0);
	assert_true(json_get(j, "user_seconds")->type == JSON_NUMBER);
	assert_true(json_get(j, "system_seconds")->type == JSON_NUMBER);
	/* The portable build has no per-child rusage: zero (subproc.3). */
	if (SUBPROC_TEST_PORTABLE)
		assert_true(is_num(json_get(j, "max_rss_kib"), 0));
	else
		assert_true(json_get(j, "max_rss_kib")->number >= 8 * 1024);
	assert_null(json_get(j, "error"));
	json_free(j);
	result_free(&r);

	/* Killed by a signal: exit_code null, the signal's name. */
	tool(&r, ARGS("run", "--json", "--", PROBE, "--raise", "KILL"));
	assert_int_equal(r.code, 1000 + SIGKILL);
	j = json_of(&r);
	assert_true(is_null(json_get(j, "exit_code")));
	assert_true(is_str(json_get(j, "signal"), "SIGKILL"));
	json_free(j);
	result_free(&r);

	/* A failed start: the error object. */
	tool(&r, ARGS("run", "--json=/dev/stdout", "--", "subproc-no-such-program"));
	assert_int_equal(r.code, 127);
	j = json_parse(r.out.data);
	assert_non_null(j);
	assert_true(is_null(json_get(j, "pid")));
	assert_true(is_str(json_get(json_get(j, "error"), "step"), "lookpath"));
	assert_true(is_str(json_get(json_get(j, "error"), "errno"), "ENOENT"));
	assert_true(is_str(json_get(json_get(j, "error"), "message"),
	                   "lookpath subproc-no-such-program: ENOENT: no such file or directory"));
	json_free(j);
	result_free(&r);

	/* --json=FILE */
	snprintf(file, sizeof file, "%s/report.json", dir);
	{
		const char *args[] = {"run", NULL, "--", "echo", "hi", NULL};
		char opt[4300];
		snprintf(opt, sizeof opt, "--json=%s", file);
		args[1] = opt;
		tool(&r, args);
	}
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.data, "hi\n");
	assert_int_equal(r.err.len, 0);
	result_free(&r);
	assert_int_equal(subproc_cmd_new(&cat, ARGS("cat", file)), 0);
	assert_int_equal(subproc_cmd_output(cat, &text, NULL, NULL, NULL), 0);
	subproc_cmd_free(cat);
	j = json_parse(text.data);
	assert_non_null(j);
	assert_true(is_num(json_get(j, "exit_code"), 0));
	json_free(j);
	subproc_output_free(&text);
	tempdir_remove(dir);
}

/* --- run: timeouts and signals --------------------------------------------- */

static void test_tool_run_timeout(void **state)
{
	struct result r;
	struct json *j;

	(void)state;
	tool(&r, ARGS("run", "--json", "-t", "0.1", "--", "sleep", "100"));
	assert_int_equal(r.code, 124);
	j = json_of(&r);
	assert_true(is_bool(json_get(j, "timed_out"), true));
	assert_true(is_str(json_get(j, "signal"), "SIGTERM"));
	json_free(j);
	result_free(&r);

	tool(&r,
	     ARGS("run", "--json", "--timeout", "0.1", "--signal", "INT", "--", "sleep", "100"));
	assert_int_equal(r.code, 124);
	j = json_of(&r);
	assert_true(is_str(json_get(j, "signal"), "SIGINT"));
	json_free(j);
	result_free(&r);

	/* A child that ignores the signal gets SIGKILL after --kill-after;
	 * with --pgroup its grandchild too (or the pipe would stay open). */
	tool(&r, ARGS("run", "--json", "--pgroup", "-t", "0.1", "-s", "SIGTERM", "-k", "0.1", "--",
	              "sh", "-c", "trap '' TERM; sleep 100; exit 0"));
	assert_int_equal(r.code, 1000 + SIGKILL /* as timeout, killed with its group */);
	j = json_of(&r);
	assert_true(is_str(json_get(j, "signal"), "SIGKILL"));
	json_free(j);
	result_free(&r);

	tool(&r, ARGS("run", "-s", "NOTASIG", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
}

/* SIGTERM to `subproc run` goes to the child, and the tool dies as the
 * child did, of the same signal (as timeout re-raises it). */
static void test_tool_run_forwards_signals(void **state)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

	(void)state;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		subproc_cmd *cmd = NULL;
		subproc_status st;
		char buf[16];

		assert_int_equal(subproc_cmd_new(&cmd, ARGS(TOOL, "run", "--", "sh", "-c",
		                                            "echo ready; exec sleep 100")),
		                 0);
		assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
		assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
		/* "ready" comes once the child runs, so the tool's handlers are
		 * in place. */
		assert_int_equal(read(subproc_cmd_fd(cmd, 1), buf, 6), 6);
		assert_int_equal(subproc_signal(subproc_cmd_proc(cmd), sigs[i]), 0);
		assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
		assert_true(subproc_status_signaled(st.status));
		assert_int_equal(subproc_status_signal(st.status), sigs[i]);
		subproc_cmd_free(cmd);
	}
}

/* --- pipe ----------------------------------------------------------------- */

static void test_tool_pipe_stages_and_json(void **state)
{
	struct result r;
	struct json *j;
	const struct json *stages;

	(void)state;
	tool_with(&r, ARGS("pipe", "--json", "--", "cat", "|", "sort", "|", "head", "-n", "2"),
	          "c\na\nb\n", NULL, 0);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.data, "a\nb\n");
	j = json_of(&r);
	stages = json_get(j, "stages");
	assert_int_equal(json_len(stages), 3);
	assert_true(is_str(json_at(json_get(json_at(stages, 2), "argv"), 0), "head"));
	assert_true(is_str(json_at(json_get(json_at(stages, 2), "argv"), 2), "2"));
	for (size_t i = 0; i < 3; i++) {
		assert_true(is_num(json_get(json_at(stages, i), "exit_code"), 0));
		assert_true(json_get(json_at(stages, i), "pid")->number > 1);
	}
	assert_true(is_bool(json_get(j, "pipefail"), false));
	assert_true(is_num(json_get(j, "exit_status"), 0));
	json_free(j);
	result_free(&r);
}

static void test_tool_pipe_pipefail(void **state)
{
	struct result r;
	struct json *j;

	(void)state;
	tool(&r, ARGS("pipe", "--", "sh", "-c", "exit 3", "|", "cat"));
	assert_int_equal(r.code, 0);
	result_free(&r);
	tool(&r, ARGS("pipe", "--json", "--pipefail", "--", "sh", "-c", "exit 3", "|", "sh", "-c",
	              "cat; exit 4", "|", "cat"));
	assert_int_equal(r.code, 4);
	j = json_of(&r);
	assert_true(is_num(json_get(json_at(json_get(j, "stages"), 0), "exit_code"), 3));
	assert_true(is_num(json_get(json_at(json_get(j, "stages"), 1), "exit_code"), 4));
	assert_true(is_bool(json_get(j, "pipefail"), true));
	json_free(j);
	result_free(&r);
	tool(&r, ARGS("pipe", "--", "true", "|", "sh", "-c", "kill -KILL $$"));
	assert_int_equal(r.code, 1000 + SIGKILL);
	result_free(&r);
}

static void test_tool_pipe_streams_and_options(void **state)
{
	char *dir = tempdir_make(), in[4200], out[4200], buf[256] = "";
	struct result r;
	int fd;

	(void)state;
	snprintf(in, sizeof in, "%s/in", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	free(file_make(dir, "in", "z\ny\n", 4, 0644));
	/* --stdin is the first stage's, --stdout the last's, --stderr every
	 * stage's; -e and -C apply to each stage. */
	tool(&r, ARGS("pipe", "--stdin", in, "--stdout", out, "--stderr", "null", "-e", "V=v", "-C",
	              dir, "--", "sh", "-c", "cat; echo $V; pwd; echo e1 >&2", "|", "sh", "-c",
	              "sort; echo $V; echo e2 >&2"));
	assert_int_equal(r.code, 0);
	assert_int_equal(r.out.len, 0);
	assert_int_equal(r.err.len, 0);
	result_free(&r);
	fd = open(out, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	close(fd);
	{
		char want[4400];
		/* sort orders "/dir", "v", "y", "z" bytewise. */
		snprintf(want, sizeof want, "%s\nv\ny\nz\nv\n", dir);
		assert_string_equal(buf, want);
	}

	tool(&r, ARGS("pipe", "--stderr", "stdout", "--", "sh", "-c", "echo a >&2", "|", "cat"));
	assert_string_equal(r.out.data, "a\n");
	result_free(&r);

	tool(&r, ARGS("pipe", "--json", "-t", "0.1", "--", "sleep", "100", "|", "sleep", "100"));
	assert_int_equal(r.code, 124);
	{
		struct json *j = json_of(&r);
		assert_true(is_bool(json_get(j, "timed_out"), true));
		assert_true(
			is_str(json_get(json_at(json_get(j, "stages"), 1), "signal"), "SIGTERM"));
		json_free(j);
	}
	result_free(&r);

	tool(&r, ARGS("pipe", "--", "true", "|", "|", "true"));
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(r.err.data, "subproc: pipe: empty stage"));
	result_free(&r);
	tool(&r, ARGS("pipe", "--setsid", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tool(&r, ARGS("run", "--pipefail", "--", "true"));
	assert_int_equal(r.code, 125);
	result_free(&r);

	tool(&r, ARGS("pipe", "--json", "--", "true", "|", "subproc-no-such-program"));
	assert_int_equal(r.code, 127);
	assert_non_null(strstr(r.err.data, "subproc: stage 2: lookpath subproc-no-such-program: "
	                                   "ENOENT: no such file or directory\n"));
	{
		struct json *j = json_parse(strchr(r.err.data, '\n') + 1);
		assert_non_null(j);
		/* Stage 2, as the message says. */
		assert_true(is_num(json_get(j, "failed_stage"), 2));
		assert_true(is_str(json_get(json_get(j, "error"), "errno"), "ENOENT"));
		json_free(j);
	}
	result_free(&r);
	tempdir_remove(dir);
}

/* The child options reach every stage; the stop options act on the group;
 * a signal to the tool reaches every stage. */
static void test_tool_pipe_child_and_stop_options(void **state)
{
	struct result r;
	struct report rep;
	struct json *j;
	subproc_cmd *cmd = NULL;
	subproc_status st;
	char buf[8];

	(void)state;
	tool(&r, ARGS("pipe", "--umask", "077", "--rlimit", "nofile=33", "--launch", "fork", "--",
	              PROBE, "|", "cat"));
	assert_int_equal(r.code, 0);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, &rep), 0);
	assert_true(report_is(&rep, "umask", "0077"));
	assert_true(report_is(&rep, "rlimit.nofile", "33:33"));
	/* The stage runs in the pipeline's group, which its first stage leads. */
	assert_true(report_is_long(&rep, "pgid", report_long(&rep, "pid")));
	report_free(&rep);
	result_free(&r);

	tool(&r, ARGS("pipe", "--json", "-t", "0.1", "-s", "INT", "-k", "0.1", "--", "sh", "-c",
	              "trap '' INT; sleep 100; exit 0", "|", "cat"));
	assert_int_equal(r.code, 124);
	j = json_of(&r);
	assert_true(is_str(json_get(json_at(json_get(j, "stages"), 0), "signal"), "SIGKILL"));
	assert_true(is_str(json_get(json_at(json_get(j, "stages"), 1), "signal"), "SIGINT"));
	json_free(j);
	result_free(&r);

	assert_int_equal(subproc_cmd_new(&cmd, ARGS(TOOL, "pipe", "--", "sh", "-c",
	                                            "echo ready; exec sleep 100", "|", "cat")),
	                 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_int_equal(read(subproc_cmd_fd(cmd, 1), buf, 6), 6);
	assert_int_equal(subproc_signal(subproc_cmd_proc(cmd), SIGTERM), 0);
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	subproc_cmd_free(cmd);
}

/* --- the rest ------------------------------------------------------------- */

static void test_tool_help_version_bench(void **state)
{
	struct result r;
	char want[64];

	(void)state;
	tool(&r, ARGS("--version"));
	snprintf(want, sizeof want, "subproc %s\n", subproc_version());
	assert_string_equal(r.out.data, want);
	result_free(&r);
	tool(&r, ARGS("run", "--help"));
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out.data, "Usage: subproc run"));
	assert_non_null(strstr(r.out.data, "--keep-fd N"));
	assert_non_null(strstr(r.out.data, "--user USER, --uid USER"));
	result_free(&r);
	tool(&r, ARGS("pipe", "--help"));
	assert_non_null(strstr(r.out.data, "--pipefail"));
	result_free(&r);
	tool(&r, ARGS("bench", "--count", "3"));
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out.data, "subproc clone3"));
	/* Shown, and no failure, where the system lacks it. */
	if (!launch_exists(SUBPROC_LAUNCH_CLONE3))
		assert_non_null(strstr(r.out.data, "subproc clone3   unavailable: "));
	assert_non_null(strstr(r.out.data, "posix_spawn"));
	result_free(&r);
	tool(&r,
	     ARGS("bench", "--count", "2", "--rss", "8", "--threads", "2", "--child", "/bin/true"));
	assert_int_equal(r.code, 0);
	assert_non_null(
		strstr(r.out.data, "2 spawns per method of /bin/true, 2 threads, 8 MiB touched"));
	assert_non_null(strstr(r.out.data, "vfork+execve"));
	result_free(&r);
	tool(&r, ARGS("bench", "--count", "0"));
	assert_int_equal(r.code, 125);
	result_free(&r);
	tool(&r, ARGS("bench", "--child", "/subproc-no-such-program"));
	assert_int_equal(r.code, 125);
	result_free(&r);
}

/* Where the kernel refuses clone3 (a seccomp filter here, inherited by the
 * tool; an old kernel or qemu-user elsewhere), bench shows it unavailable
 * and still succeeds. */
static int check_bench_without_clone3(void *arg)
{
	struct result r;
	int rc;

	(void)arg;
	if (seccomp_deny(DENY_CLONE3_ENOSYS) < 0)
		SKIP_FORKED("seccomp is not available");
	tool(&r, ARGS("bench", "--count", "2"));
	rc = r.code == 0 && strstr(r.out.data, "subproc clone3   unavailable: ENOSYS") != NULL &&
	     strstr(r.out.data, "subproc clone   ") != NULL;
	if (!rc)
		fprintf(stderr, "exit %d:\n%s", r.code, r.out.data);
	result_free(&r);
	return rc ? 0 : 1;
}

static void test_tool_bench_without_clone3(void **state)
{
	(void)state;
	assert_forked(check_bench_without_clone3, NULL);
}

/* Splits the lines of `text` (edited in place) into v; returns how many. */
static size_t lines_of(char *text, char **v, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && n < max;
	     l = strtok_r(NULL, "\n", &save))
		v[n++] = l;
	return n;
}

/* `subproc --list`, which the bash completion reads: every name it prints is
 * one the options take (signals also without SIG, as the completion offers
 * them; rlimits in either case), and it prints every one. */
static void test_tool_list(void **state)
{
	char *names[NSIG + 1], upper[64];
	struct result r, s;
	size_t n, want = 0;

	(void)state;
	tool(&r, ARGS("--list", "signals"));
	assert_int_equal(r.code, 0);
	n = lines_of(r.out.data, names, NSIG + 1);
	for (int sig = 1; sig < NSIG; sig++)
		want += subproc_signal_name(sig) != NULL;
	assert_int_equal(n, want);
	assert_true(want > 30);
	for (size_t i = 0; i < n; i++) {
		int sig = subproc_signal_parse(names[i]);
		assert_true(sig > 0);
		assert_string_equal(subproc_signal_name(sig), names[i]); /* each once */
		assert_int_equal(strncmp(names[i], "SIG", 3), 0);
		for (int k = 0; k < 2; k++) {
			tool(&s, ARGS("run", "-s", names[i] + (k ? 3 : 0), "--", "true"));
			if (s.code != 0)
				fprintf(stderr, "-s %s: %s", names[i] + (k ? 3 : 0), s.err.data);
			assert_int_equal(s.code, 0);
			result_free(&s);
		}
	}
	result_free(&r);

	tool(&r, ARGS("--list", "rlimits"));
	assert_int_equal(r.code, 0);
	n = lines_of(r.out.data, names, NSIG + 1);
	assert_int_equal(n, 16);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		assert_true(len + 3 <= sizeof upper);
		assert_true(islower((unsigned char)names[i][0]));
		for (int k = 0; k < 2; k++) {
			/* A known name and a bad limit: the error is the limit's. */
			for (size_t j = 0; j < len; j++)
				upper[j] =
					k ? (char)toupper((unsigned char)names[i][j]) : names[i][j];
			memcpy(upper + len, "=x", 3);
			tool(&s, ARGS("run", "--rlimit", upper, "--", "true"));
			assert_int_equal(s.code, 125);
			assert_non_null(strstr(s.err.data, "subproc: --rlimit: bad limit 'x'"));
			result_free(&s);
		}
	}
	assert_string_equal(names[9], "nofile");
	result_free(&r);

	tool(&r, ARGS("--list", "launches"));
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out.data, "clone3\nclone\nfork\n");
	result_free(&r);

	tool(&r, ARGS("--list"));
	assert_int_equal(r.code, 125);
	assert_string_equal(r.err.data, "subproc: --list: expected signals, rlimits, launches, "
	                                "namespaces, capabilities or syscalls\n");
	result_free(&r);
	tool(&r, ARGS("--list", "errnos"));
	assert_int_equal(r.code, 125);
	assert_string_equal(r.err.data, "subproc: --list: expected signals, rlimits, launches, "
	                                "namespaces, capabilities or syscalls, got errnos\n");
	result_free(&r);
	tool(&r, ARGS("--list", "signals", "rlimits"));
	assert_int_equal(r.code, 125);
	assert_string_equal(r.err.data, "subproc: --list: one list at a time, not rlimits\n");
	assert_int_equal(r.out.len, 0);
	result_free(&r);
}

/* A mistyped SUBPROC_LAUNCH is an error the tool prints (exit 125), not a
 * silent default; --launch, which names its own path, does not read it. */
static void test_tool_bad_launch_env(void **state)
{
	const char *const argv[] = {TOOL, "run", "--", "true", NULL};
	const char *const forced[] = {TOOL, "run", "--launch", "fork", "--", "true", NULL};

	(void)state;
	for (int i = 0; i < 2; i++) {
		subproc_cmd *cmd = NULL;
		subproc_output err = {0};
		subproc_status st;

		assert_int_equal(subproc_cmd_new(&cmd, i == 0 ? argv : forced), 0);
		assert_int_equal(subproc_cmd_setenv(cmd, "SUBPROC_LAUNCH", "clone4"), 0);
		assert_int_equal(subproc_cmd_timeout(cmd, 60000, SIGKILL, 0), 0);
		assert_int_equal(subproc_cmd_output(cmd, NULL, &err, &st, NULL), 0);
		if (i == 0) {
			assert_int_equal(subproc_status_exit_code(st.status), 125);
			assert_string_equal(err.data, "subproc: launch SUBPROC_LAUNCH=clone4: "
			                              "EINVAL: invalid argument\n");
		} else {
			assert_int_equal(subproc_status_exit_code(st.status), 0);
		}
		subproc_output_free(&err);
		subproc_cmd_free(cmd);
	}
}

TEST_MAIN(cmocka_unit_test(test_tool_bad_launch_env), cmocka_unit_test(test_tool_run_cwd_env),
          cmocka_unit_test(test_tool_run_session_group_umask_rlimit),
          cmocka_unit_test(test_tool_run_credentials),
          cmocka_unit_test(test_tool_run_user_database),
          cmocka_unit_test(test_tool_run_user_gid_groups),
          cmocka_unit_test(test_tool_run_uid_without_entry), cmocka_unit_test(test_tool_run_chroot),
          cmocka_unit_test(test_tool_run_launch), cmocka_unit_test(test_tool_bench_without_clone3),
          cmocka_unit_test(test_tool_run_fds), cmocka_unit_test(test_tool_run_stdio),
          cmocka_unit_test(test_tool_run_exit_statuses), cmocka_unit_test(test_tool_run_json),
          cmocka_unit_test(test_tool_run_timeout), cmocka_unit_test(test_tool_run_forwards_signals),
          cmocka_unit_test(test_tool_pipe_stages_and_json),
          cmocka_unit_test(test_tool_pipe_pipefail),
          cmocka_unit_test(test_tool_pipe_streams_and_options),
          cmocka_unit_test(test_tool_pipe_child_and_stop_options),
          cmocka_unit_test(test_tool_help_version_bench), cmocka_unit_test(test_tool_list))
