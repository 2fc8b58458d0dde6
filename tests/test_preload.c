/*
 * libsubproc-preload.so under unmodified programs: a C program written
 * against <spawn.h> (posix_prog.c) and python3's os.posix_spawn and
 * os.posix_spawnp. Each runs with and without the preload and must print
 * the same; with SUBPROC_PRELOAD_DEBUG=1 the preload's stderr lines prove
 * that every spawn went through subproc, on the launch path asked for.
 */
#include "support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_PRELOAD
#error "SUBPROC_TEST_PRELOAD must name libsubproc-preload.so"
#endif
#ifndef SUBPROC_TEST_POSIX_PROG
#error "SUBPROC_TEST_POSIX_PROG must name the subproc-posix-prog executable"
#endif

struct run {
	int rc;
	subproc_status st;
	subproc_output out, err;
};

/* Runs argv with the preload (when `preload`), the debug switch and
 * SUBPROC_LAUNCH=launch (when not NULL); captures stdout and stderr. */
static void run(const char *const *argv, bool preload, bool debug, const char *launch,
                struct run *r)
{
	subproc_cmd *cmd = NULL;
	subproc_error err;

	memset(r, 0, sizeof *r);
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	if (preload)
		assert_int_equal(subproc_cmd_setenv(cmd, "LD_PRELOAD", SUBPROC_TEST_PRELOAD), 0);
	else
		assert_int_equal(subproc_cmd_unsetenv(cmd, "LD_PRELOAD"), 0);
	if (debug)
		assert_int_equal(subproc_cmd_setenv(cmd, "SUBPROC_PRELOAD_DEBUG", "1"), 0);
	else
		assert_int_equal(subproc_cmd_unsetenv(cmd, "SUBPROC_PRELOAD_DEBUG"), 0);
	if (launch)
		assert_int_equal(subproc_cmd_setenv(cmd, "SUBPROC_LAUNCH", launch), 0);
	else
		assert_int_equal(subproc_cmd_unsetenv(cmd, "SUBPROC_LAUNCH"), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 30000, SIGKILL, 0), 0);
	r->rc = subproc_cmd_output(cmd, &r->out, &r->err, &r->st, &err);
	subproc_cmd_free(cmd);
}

static void run_free(struct run *r)
{
	subproc_output_free(&r->out);
	subproc_output_free(&r->err);
}

/* The number of lines of `text` that start with `prefix` and contain
 * `needle` (NULL: any). */
static int count_lines(const char *text, const char *prefix, const char *needle)
{
	int n = 0;

	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			char *copy = strndup(line, len);
			if (needle == NULL || (copy && strstr(copy, needle)))
				n++;
			free(copy);
		}
		line = end ? end + 1 : NULL;
	}
	return n;
}

static bool ran_ok(const struct run *r)
{
	if (r->rc == 0 && subproc_status_exited(r->st.status) &&
	    subproc_status_exit_code(r->st.status) == 0)
		return true;
	fprintf(stderr, "run: rc %d, status 0x%x\nstdout:\n%s\nstderr:\n%s\n", r->rc, r->st.status,
	        r->out.data ? r->out.data : "", r->err.data ? r->err.data : "");
	return false;
}

static void test_preload_c_program(void **state)
{
	static const char *const paths[] = {"clone3", "clone", "fork"};
	char *dir = tempdir_make();
	const char *const argv[] = {SUBPROC_TEST_POSIX_PROG, dir, NULL};
	struct run plain, pre;
	int spawns = -1;
	const char *p;

	(void)state;
	assert_non_null(dir);
	run(argv, false, false, NULL, &plain);
	assert_true(ran_ok(&plain));
	p = strstr(plain.out.data, "spawns ");
	assert_non_null(p);
	spawns = atoi(p + 7);
	assert_int_equal(spawns, 4);
	/* glibc's own answers, which the preload must give too. */
	assert_non_null(strstr(plain.out.data, "spawnp sh: exited 3\n  out\n  in-dir\n  err\n"
	                                       "  own-group\n  fd9-closed\n"));
	assert_non_null(strstr(plain.out.data, "spawn missing: error 2\npid untouched\n"));
	assert_non_null(strstr(plain.out.data, "spawnp bad dup2: error 9\n"));
	assert_non_null(strstr(plain.out.data, "spawn setsid: exited 0\n"));
	assert_int_equal(count_lines(plain.err.data, "subproc-preload:", NULL), 0);

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		run(argv, true, true, paths[i], &pre);
		assert_true(ran_ok(&pre));
		if (strcmp(pre.out.data, plain.out.data) != 0)
			fprintf(stderr, "with the preload (%s):\n%s\nwithout:\n%s\n", paths[i],
			        pre.out.data, plain.out.data);
		assert_string_equal(pre.out.data, plain.out.data);
		/* One line per spawn, the successful ones on the path asked for. */
		assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawn", NULL),
		                 spawns);
		char via[32];
		snprintf(via, sizeof via, "= 0, pid ");
		int ok = count_lines(pre.err.data, "subproc-preload: posix_spawn", via);
		snprintf(via, sizeof via, "via %s\n", paths[i]);
		int on_path = 0;
		for (const char *q = pre.err.data; (q = strstr(q, via)) != NULL; q++)
			on_path++;
		assert_int_equal(ok, 2);
		assert_int_equal(on_path, 2);
		run_free(&pre);
	}

	/* Without the switch the preload is silent. */
	run(argv, true, false, NULL, &pre);
	assert_true(ran_ok(&pre));
	assert_string_equal(pre.out.data, plain.out.data);
	if (count_lines(pre.err.data, "subproc-preload:", NULL) != 0)
		fprintf(stderr, "stderr without the switch:\n%s", pre.err.data);
	assert_int_equal(count_lines(pre.err.data, "subproc-preload:", NULL), 0);
	run_free(&pre);
	run_free(&plain);
	tempdir_remove(dir);
}

static const char python_script[] =
	"import os, sys\n"
	"d = sys.argv[1]\n"
	"out = os.path.join(d, 'py-out')\n"
	"pid = os.posix_spawn('/bin/sh', ['sh', '-c', 'echo py; echo err >&2; exit 5'],\n"
	"    os.environ, file_actions=[\n"
	"        (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),\n"
	"        (os.POSIX_SPAWN_DUP2, 1, 2), (os.POSIX_SPAWN_CLOSE, 0)],\n"
	"    setpgroup=0, setsigmask=[], setsigdef=[13], resetids=True)\n"
	"_, st = os.waitpid(pid, 0)\n"
	"print('spawn', os.waitstatus_to_exitcode(st), open(out).read().split())\n"
	"pid = os.posix_spawnp('sh', ['sh', '-c', 'exit 6'], os.environ, setsid=True)\n"
	"_, st = os.waitpid(pid, 0)\n"
	"print('spawnp', os.waitstatus_to_exitcode(st))\n"
	"try:\n"
	"    os.posix_spawn('/nonexistent/program', ['x'], os.environ)\n"
	"except OSError as e:\n"
	"    print('missing', e.errno)\n"
	"try:\n"
	"    os.posix_spawnp('subproc-no-such-program', ['x'], os.environ)\n"
	"except OSError as e:\n"
	"    print('missing-p', e.errno)\n";

static void test_preload_python(void **state)
{
	char *dir = tempdir_make();
	const char *const argv[] = {"python3", "-c", python_script, dir, NULL};
	const char *want = "spawn 5 ['py', 'err']\nspawnp 6\nmissing 2\nmissing-p 2\n";
	struct run plain, pre;

	(void)state;
	assert_non_null(dir);
	run(argv, false, false, NULL, &plain);
	if (plain.rc == -ENOENT) {
		tempdir_remove(dir);
		skip_because("python3 is not installed");
	}
	assert_true(ran_ok(&plain));
	assert_string_equal(plain.out.data, want);

	run(argv, true, true, NULL, &pre);
	assert_true(ran_ok(&pre));
	assert_string_equal(pre.out.data, want);
	assert_int_equal(
		count_lines(pre.err.data, "subproc-preload: posix_spawn(\"/bin/sh\") = 0", NULL),
		1);
	assert_int_equal(
		count_lines(pre.err.data, "subproc-preload: posix_spawnp(\"sh\") = 0", NULL), 1);
	assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawn(", "ENOENT"), 1);
	assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawnp(", "ENOENT"), 1);
	run_free(&pre);
	run_free(&plain);
	tempdir_remove(dir);
}

/* The preload exports the posix_spawn family and nothing of subproc. */
static void test_preload_exports(void **state)
{
	const char *const argv[] = {"nm", "-D", "--defined-only", SUBPROC_TEST_PRELOAD, NULL};
	struct run r;
	int n = 0;

	(void)state;
	run(argv, false, false, NULL, &r);
	if (r.rc == -ENOENT)
		skip_because("nm is not installed");
	assert_true(ran_ok(&r));
	for (const char *line = r.out.data; line && *line;) {
		const char *end = strchr(line, '\n');
		const char *name = end ? end : line + strlen(line);

		while (name > line && name[-1] != ' ')
			name--;
		if (strncmp(name, "posix_spawn", 11) != 0) {
			fprintf(stderr, "unexpected export: %.*s\n", (int)(end ? end - line : 80),
			        line);
			n = -1000;
		}
		n++;
		line = end ? end + 1 : NULL;
	}
	/* spawn, spawnp, 9 file action and 14 attribute functions. */
	assert_int_equal(n, 25);
	run_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_preload_c_program), cmocka_unit_test(test_preload_python),
          cmocka_unit_test(test_preload_exports))
