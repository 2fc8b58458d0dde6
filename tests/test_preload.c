/* SPDX-License-Identifier: MIT */
/*
 * libsubproc-preload.so under unmodified programs: C programs written
 * against <spawn.h> (posix_prog.c, spawn_compat_prog.c) and python3's
 * os.posix_spawn and os.posix_spawnp. Each runs with and without the
 * preload and must print the same, glibc's answers; with
 * SUBPROC_PRELOAD_DEBUG=1 the preload's stderr lines prove that every spawn
 * went through subproc, on the launch path asked for. The preload's symbol
 * table is compared with libc's own.
 */
#include "support.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_PRELOAD
#error "SUBPROC_TEST_PRELOAD must name libsubproc-preload.so"
#endif
#ifndef SUBPROC_TEST_POSIX_PROG
#error "SUBPROC_TEST_POSIX_PROG must name the subproc-posix-prog executable"
#endif
#ifndef SUBPROC_TEST_COMPAT_PROG
#error "SUBPROC_TEST_COMPAT_PROG must name the subproc-spawn-compat-prog executable"
#endif

static const char *const launch_paths[] = {"clone3", "clone", "fork"};
#define NPATHS (sizeof launch_paths / sizeof launch_paths[0])

/*
 * glibc's posix_spawn family up to 2.39, written out here rather than taken
 * from the build, with the release that introduced the names a libc may
 * lack: the version the preload must give them when libc has none.
 */
static const struct {
	const char *name;
	const char *since;
} family[] = {
	{"posix_spawn", NULL},
	{"posix_spawnp", NULL},
	{"posix_spawn_file_actions_init", NULL},
	{"posix_spawn_file_actions_destroy", NULL},
	{"posix_spawn_file_actions_addopen", NULL},
	{"posix_spawn_file_actions_addclose", NULL},
	{"posix_spawn_file_actions_adddup2", NULL},
	{"posix_spawn_file_actions_addchdir_np", "GLIBC_2.29"},
	{"posix_spawn_file_actions_addfchdir_np", "GLIBC_2.29"},
	{"posix_spawn_file_actions_addclosefrom_np", "GLIBC_2.34"},
	{"posix_spawn_file_actions_addtcsetpgrp_np", "GLIBC_2.35"},
	{"posix_spawnattr_init", NULL},
	{"posix_spawnattr_destroy", NULL},
	{"posix_spawnattr_getflags", NULL},
	{"posix_spawnattr_setflags", NULL},
	{"posix_spawnattr_getpgroup", NULL},
	{"posix_spawnattr_setpgroup", NULL},
	{"posix_spawnattr_getsigmask", NULL},
	{"posix_spawnattr_setsigmask", NULL},
	{"posix_spawnattr_getsigdefault", NULL},
	{"posix_spawnattr_setsigdefault", NULL},
	{"posix_spawnattr_getschedparam", NULL},
	{"posix_spawnattr_setschedparam", NULL},
	{"posix_spawnattr_getschedpolicy", NULL},
	{"posix_spawnattr_setschedpolicy", NULL},
	{"posix_spawnattr_getcgroup_np", "GLIBC_2.39"},
	{"posix_spawnattr_setcgroup_np", "GLIBC_2.39"},
	{"pidfd_spawn", "GLIBC_2.39"},
	{"pidfd_spawnp", "GLIBC_2.39"},
};
#define NFAMILY (sizeof family / sizeof family[0])

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

/* The number of lines of `text` that hold `prefix` followed somewhere by
 * `needle` (NULL: anything); every line when prefix is "". The prefix may
 * stand after the start of a line: a child writing to the same stderr (a
 * shell's error, in pieces) can have begun the line before the preload's
 * one-write debug line came. */
static int count_lines(const char *text, const char *prefix, const char *needle)
{
	int n = 0;

	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);
		const char *at = copy ? strstr(copy, prefix) : NULL;

		if (at != NULL && (needle == NULL || strstr(at, needle)))
			n++;
		free(copy);
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

/* The number of times `needle` occurs in `text`. */
static int count_in(const char *text, const char *needle)
{
	int n = 0;

	for (const char *q = text; q && (q = strstr(q, needle)) != NULL; q++)
		n++;
	return n;
}

/* Under a user-mode emulator the programs these tests start through the
 * preload (sh, python3) are the build machine's, which cannot load the
 * target's library: ld.so says so on their stderr and runs them without.
 * And the runs without the preload, glibc's answers, lose exec errors there
 * (test_posix shows that). */
static void need_native_programs(char *dir)
{
	if (!SUBPROC_TEST_EMULATED)
		return;
	tempdir_remove(dir);
	skip_because("sh and python3 are the build machine's programs, which cannot load "
	             "the target's preload library");
}

static void test_preload_c_program(void **state)
{
	char *dir = tempdir_make();
	const char *const argv[] = {SUBPROC_TEST_POSIX_PROG, dir, NULL};
	struct run plain, pre;
	int spawns = -1;
	const char *p;

	(void)state;
	need_native_programs(dir);
	assert_non_null(dir);
	run(argv, false, false, NULL, &plain);
	assert_true(ran_ok(&plain));
	p = strstr(plain.out.data, "spawns ");
	assert_non_null(p);
	spawns = atoi(p + 7);
	assert_int_equal(spawns, 6);
	/* glibc's own answers, which the preload must give too. */
	assert_non_null(strstr(plain.out.data, "spawnp sh: exited 3\n  out\n  in-dir\n  err\n"
	                                       "  own-group\n  fd9-closed\n"));
	assert_non_null(strstr(plain.out.data, "spawn missing: error 2\npid untouched\n"));
	assert_non_null(strstr(plain.out.data, "spawnp bad dup2: error 9\n"));
	assert_non_null(strstr(plain.out.data, "spawn setsid: exited 0\n"));
	assert_non_null(strstr(plain.out.data, "get: flags 0x2e, policy 0, priority 0, pgroup 0\n"
	                                       "get: sigmask USR1 1 USR2 0\n"
	                                       "get: sigdefault USR1 1 USR2 1\n"));
	assert_non_null(strstr(plain.out.data, "spawnp fchdir sched: exited 0\n  in-dir\n"
	                                       "  SigBlk:\t0000000000000200\n  own-group\n"));
	assert_non_null(strstr(plain.out.data, "spawnp tcsetpgrp /dev/null: error 25\n"));
	assert_int_equal(count_lines(plain.err.data, "subproc-preload:", NULL), 0);

	for (size_t i = 0; i < NPATHS; i++) {
		char via[32];

		run(argv, true, true, launch_paths[i], &pre);
		assert_true(ran_ok(&pre));
		if (strcmp(pre.out.data, plain.out.data) != 0)
			fprintf(stderr, "with the preload (%s):\n%s\nwithout:\n%s\n",
			        launch_paths[i], pre.out.data, plain.out.data);
		assert_string_equal(pre.out.data, plain.out.data);
		/* One line per spawn, the successful ones on the path asked for. */
		assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawn", NULL),
		                 spawns);
		assert_int_equal(
			count_lines(pre.err.data, "subproc-preload: posix_spawn", "= 0, pid "), 3);
		snprintf(via, sizeof via, "via %s\n", launch_paths[i]);
		assert_int_equal(count_in(pre.err.data, via), 3);
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

/*
 * glibc 2.39's functions: pidfd_spawn, pidfd_spawnp and the cgroup
 * attribute, which the program finds with dlsym. With the preload they
 * work on every launch path, and the debug lines name them; without it,
 * libc either lacks them (glibc 2.36) or answers the same.
 */
static void test_preload_new_functions(void **state)
{
	char *dir = tempdir_make();
	char mnt[PATH_MAX], cgroup[PATH_MAX + 64] = "", want[2048];
	const char *argv[] = {SUBPROC_TEST_POSIX_PROG, "--new", dir, NULL, NULL};
	struct run plain, pre[NPATHS];
	int removed = 0;

	(void)state;
	need_native_programs(dir);
	assert_non_null(dir);
	if (cgroup2_mount(mnt, sizeof mnt)) {
		snprintf(cgroup, sizeof cgroup, "%s/subproc-preload-%ld", mnt, (long)getpid());
		if (mkdir(cgroup, 0755) == 0)
			argv[3] = cgroup;
		else
			print_message("no cgroup spawn: cannot create %s: %s\n", cgroup,
			              strerror(errno));
	}
	snprintf(want, sizeof want,
	         "setcgroup_np(42): 0\n"
	         "getcgroup_np: 0, 42\n"
	         "setflags(SETCGROUP): 0\n"
	         "flags: 0x100\n"
	         "pidfd_spawn sh: pidfd close-on-exec 1\n"
	         "pidfd_spawn sh: exited 7\n"
	         "  by-pidfd\n"
	         "pidfd_spawnp sh: pidfd close-on-exec 1\n"
	         "pidfd_spawnp sh: exited 8\n"
	         "  by-pidfdp\n"
	         "pidfd_spawn missing: error 2, pidfd untouched\n"
	         "%s%s%s"
	         "spawns %d\n",
	         argv[3] ? "spawn in cgroup: exited 0\n  0::/" : "",
	         argv[3] ? strrchr(cgroup, '/') + 1 : "", argv[3] ? "\n" : "", argv[3] ? 4 : 3);

	/* Every run first: the cgroup can go only once they are over, and a
	 * failed assertion would leave it behind. */
	run(argv, false, false, NULL, &plain);
	for (size_t i = 0; i < NPATHS; i++)
		run(argv, true, true, launch_paths[i], &pre[i]);
	if (argv[3])
		removed = rmdir(cgroup);
	assert_int_equal(removed, 0);

	assert_true(ran_ok(&plain));
	if (strncmp(plain.out.data, "absent ", 7) != 0)
		assert_string_equal(plain.out.data, want);
	for (size_t i = 0; i < NPATHS; i++) {
		const char *err = pre[i].err.data;
		char line[128];

		assert_true(ran_ok(&pre[i]));
		if (strcmp(pre[i].out.data, want) != 0)
			fprintf(stderr, "with the preload (%s):\n%s\nstderr:\n%s\n",
			        launch_paths[i], pre[i].out.data, err);
		assert_string_equal(pre[i].out.data, want);
		/* "pidfd_spawn("/bin/sh") = 0, pid N, pidfd M, via PATH". */
		assert_int_equal(count_lines(err,
		                             "subproc-preload: pidfd_spawn(\"/bin/sh\") = 0, pid ",
		                             ", pidfd "),
		                 1);
		assert_int_equal(count_lines(err, "subproc-preload: pidfd_spawnp(\"sh\") = 0, pid ",
		                             ", pidfd "),
		                 1);
		assert_int_equal(count_lines(err,
		                             "subproc-preload: "
		                             "pidfd_spawn(\"/nonexistent/program\") = 2 (ENOENT)",
		                             NULL),
		                 1);
		assert_int_equal(
			count_lines(err, "subproc-preload: posix_spawn(\"/bin/sh\") = 0", NULL),
			argv[3] ? 1 : 0);
		/* The successful ones, on the path asked for. */
		snprintf(line, sizeof line, ", via %s\n", launch_paths[i]);
		assert_int_equal(count_in(err, line), argv[3] ? 3 : 2);
		run_free(&pre[i]);
	}
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
	need_native_programs(dir);
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

/* One line of `nm -D --defined-only --with-symbol-versions`. */
struct dynsym {
	char type;        /* 'T', 'W', 'A' (a version's own symbol)... */
	char name[256];   /* without the version */
	char version[64]; /* "" when unversioned */
	bool old;         /* name@VERSION, not the default name@@VERSION */
};

struct dynsyms {
	struct dynsym sym[4096];
	int n;
};

/* Reads the dynamic symbols `path` defines; skips the test without nm. */
static void read_dynsyms(const char *path, struct dynsyms *d)
{
	const char *const argv[] = {"nm", "-D", "--defined-only", "--with-symbol-versions",
	                            path, NULL};
	struct run r;

	run(argv, false, false, NULL, &r);
	if (r.rc == -ENOENT)
		skip_because("nm is not installed");
	assert_true(ran_ok(&r));
	d->n = 0;
	for (char *line = r.out.data; line && *line;) {
		char *end = strchr(line, '\n');
		struct dynsym *e = &d->sym[d->n];
		char name[256], *at;

		if (end)
			*end = '\0';
		/* "ADDRESS TYPE NAME", the address missing for some types. */
		if (sscanf(line, "%*s %c %255s", &e->type, name) == 2 ||
		    sscanf(line, " %c %255s", &e->type, name) == 2) {
			at = strchr(name, '@');
			e->old = at != NULL && at[1] != '@';
			snprintf(e->version, sizeof e->version, "%s",
			         at == NULL ? "" : at + (e->old ? 1 : 2));
			if (at)
				*at = '\0';
			snprintf(e->name, sizeof e->name, "%s", name);
			assert_true(++d->n < (int)(sizeof d->sym / sizeof d->sym[0]));
		}
		line = end ? end + 1 : NULL;
	}
	run_free(&r);
}

/* The default version of `name` in d, "" when unversioned, NULL if none. */
static const char *default_version(const struct dynsyms *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (d->sym[i].type != 'A' && !d->sym[i].old && strcmp(d->sym[i].name, name) == 0)
			return d->sym[i].version;
	return NULL;
}

static bool has_old(const struct dynsyms *d, const char *name, const char *version)
{
	for (int i = 0; i < d->n; i++)
		if (d->sym[i].old && strcmp(d->sym[i].name, name) == 0 &&
		    strcmp(d->sym[i].version, version) == 0)
			return true;
	return false;
}

static bool in_family(const char *name)
{
	for (size_t i = 0; i < NFAMILY; i++)
		if (strcmp(family[i].name, name) == 0)
			return true;
	return false;
}

/* The libc this test runs with: the one the preload was made against. */
/* The file that holds libc's posix_spawn, as the kernel mapped it: under
 * an emulator with a library prefix (qemu -L) dladdr gives the name the
 * target sees, which the build machine's nm cannot open, and the maps the
 * real one. */
static const char *libc_path(void)
{
	static char path[PATH_MAX];
	uintptr_t at = (uintptr_t)dlsym(RTLD_DEFAULT, "posix_spawn");
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];

	assert_true(at != 0);
	assert_non_null(maps);
	path[0] = '\0';
	while (path[0] == '\0' && fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi;
		int name = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &name) == 2 && name > 0 &&
		    at >= lo && at < hi && line[name] == '/') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof path, "%s", line + name);
		}
	}
	fclose(maps);
	if (path[0] == '\0')
		fprintf(stderr, "no mapping holds posix_spawn\n");
	assert_true(path[0] == '/');
	return path;
}

static struct dynsyms libc_syms, preload_syms;

/*
 * The preload exports every name of the family and nothing else (beside
 * the symbols that stand for its versions), each under the version libc
 * gives it, or the one glibc introduced it with where libc lacks it, and
 * with every old version libc has.
 */
static void test_preload_exports(void **state)
{
	int functions = 0, want = 0;

	(void)state;
	read_dynsyms(libc_path(), &libc_syms);
	read_dynsyms(SUBPROC_TEST_PRELOAD, &preload_syms);
	for (size_t i = 0; i < NFAMILY; i++) {
		const char *lv = default_version(&libc_syms, family[i].name);
		const char *pv = default_version(&preload_syms, family[i].name);
		bool versioned = default_version(&libc_syms, "posix_spawn")[0] != '\0';

		if (pv == NULL)
			fprintf(stderr, "not exported: %s\n", family[i].name);
		assert_non_null(pv);
		if (lv == NULL)
			lv = versioned ? family[i].since : "";
		assert_non_null(lv);
		if (strcmp(pv, lv) != 0)
			fprintf(stderr, "%s: version %s, libc's %s\n", family[i].name, pv, lv);
		assert_string_equal(pv, lv);
		want++;
		for (int k = 0; k < libc_syms.n; k++) {
			const struct dynsym *e = &libc_syms.sym[k];

			if (!e->old || strcmp(e->name, family[i].name) != 0)
				continue;
			if (!has_old(&preload_syms, e->name, e->version))
				fprintf(stderr, "not exported: %s@%s\n", e->name, e->version);
			assert_true(has_old(&preload_syms, e->name, e->version));
			want++;
		}
	}
	for (int k = 0; k < preload_syms.n; k++) {
		const struct dynsym *e = &preload_syms.sym[k];
		bool used = false;

		if (e->type == 'A' && e->version[0] == '\0') {
			for (int m = 0; m < preload_syms.n; m++)
				used |= preload_syms.sym[m].type != 'A' &&
				        strcmp(preload_syms.sym[m].version, e->name) == 0;
			if (!used)
				fprintf(stderr, "a version nothing has: %s\n", e->name);
			assert_true(used);
			continue;
		}
		if (!in_family(e->name))
			fprintf(stderr, "unexpected export: %s\n", e->name);
		assert_true(in_family(e->name));
		if (e->old && !has_old(&libc_syms, e->name, e->version))
			fprintf(stderr, "an old version libc lacks: %s@%s\n", e->name, e->version);
		assert_true(!e->old || has_old(&libc_syms, e->name, e->version));
		functions++;
	}
	/* 29 names, plus the old posix_spawn and posix_spawnp where libc has
	 * them (x86_64: 31). */
	assert_int_equal(functions, want);
}

/*
 * Every way a program can reach a name binds to the preload: dlsym, and
 * dlvsym with each version libc has (a versioned reference, as a linked
 * program's are, old versions included). Without the preload they reach
 * libc, or nothing where libc lacks the name.
 */
static void test_preload_binds(void **state)
{
	const char *argv[2 + 2 * NFAMILY + 64 + 1];
	char *names[2 * NFAMILY + 64];
	const char *libc = strrchr(libc_path(), '/') + 1;
	struct run plain, pre;
	size_t n = 0, args = 0;

	(void)state;
	read_dynsyms(libc_path(), &libc_syms);
	argv[args++] = SUBPROC_TEST_POSIX_PROG;
	argv[args++] = "--where";
	for (size_t i = 0; i < NFAMILY; i++) {
		const char *lv = default_version(&libc_syms, family[i].name);
		bool any = false;

		assert_true(asprintf(&names[n++], "%s", family[i].name) > 0);
		for (int k = 0; k < libc_syms.n && n < sizeof names / sizeof names[0]; k++) {
			const struct dynsym *e = &libc_syms.sym[k];

			if (strcmp(e->name, family[i].name) == 0 && e->version[0] != '\0') {
				assert_true(asprintf(&names[n++], "%s@%s", e->name, e->version) >
				            0);
				any = true;
			}
		}
		if (!any && lv == NULL && family[i].since != NULL)
			assert_true(asprintf(&names[n++], "%s@%s", family[i].name,
			                     family[i].since) > 0);
	}
	for (size_t i = 0; i < n; i++)
		argv[args++] = names[i];
	argv[args] = NULL;

	run(argv, false, false, NULL, &plain);
	assert_true(ran_ok(&plain));
	run(argv, true, false, NULL, &pre);
	assert_true(ran_ok(&pre));
	for (size_t i = 0; i < n; i++) {
		char line[512], bare[256];
		bool in_libc;

		snprintf(bare, sizeof bare, "%.*s", (int)strcspn(names[i], "@"), names[i]);
		in_libc = default_version(&libc_syms, bare) != NULL;
		snprintf(line, sizeof line, "%s libsubproc-preload.so\n", names[i]);
		if (!strstr(pre.out.data, line))
			fprintf(stderr, "with the preload:\n%s", pre.out.data);
		assert_non_null(strstr(pre.out.data, line));
		snprintf(line, sizeof line, "%s %s\n", names[i], in_libc ? libc : "absent");
		if (!strstr(plain.out.data, line))
			fprintf(stderr, "without the preload:\n%s", plain.out.data);
		assert_non_null(strstr(plain.out.data, line));
		free(names[i]);
	}
	assert_int_equal(count_lines(pre.out.data, "", NULL), (int)n);
	run_free(&pre);
	run_free(&plain);
}

/*
 * glibc's tst-spawn4-compat, and more: a program bound to the old
 * posix_spawn and posix_spawnp (as one linked before glibc 2.15 is) has a
 * script without "#!" run through /bin/sh, by glibc and by the preload
 * alike, while the current versions return ENOEXEC in both.
 */
static void test_preload_old_posix_spawn(void **state)
{
	char *dir = tempdir_make();
	const char *const argv[] = {SUBPROC_TEST_COMPAT_PROG, dir, NULL};
	bool libc_has_old;
	struct run plain, pre;

	(void)state;
	need_native_programs(dir);
	assert_non_null(dir);
	read_dynsyms(libc_path(), &libc_syms);
	libc_has_old = false;
	for (int k = 0; k < libc_syms.n; k++)
		libc_has_old |=
			libc_syms.sym[k].old && strcmp(libc_syms.sym[k].name, "posix_spawn") == 0;
	run(argv, false, false, NULL, &plain);
	assert_true(ran_ok(&plain));
	if (strcmp(plain.out.data, "no old posix_spawn\n") == 0) {
		/* The program was built without them: right only if libc has none. */
		assert_false(libc_has_old);
		run_free(&plain);
		tempdir_remove(dir);
		skip_because("this libc has no old posix_spawn version (an architecture younger "
		             "than glibc 2.15)");
	}
	assert_true(libc_has_old);
	/* glibc's answers. */
	assert_non_null(strstr(plain.out.data, "old posix_spawn, empty argv: exited 65\n"
	                                       "  ran: DIR/bin/script \n"
	                                       "old posix_spawnp, empty argv: exited 65\n"
	                                       "  ran: DIR/bin/script \n"
	                                       "old posix_spawn: exited 65\n"
	                                       "  ran: DIR/bin/script one two\n"
	                                       "old posix_spawnp: exited 65\n"
	                                       "  ran: DIR/bin/script one two\n"
	                                       "posix_spawn: error 8, pid untouched\n"
	                                       "posix_spawnp: error 8, pid untouched\n"));
	assert_non_null(strstr(plain.out.data,
	                       "old posix_spawnp from PATH, in its directory: exited 65\n"
	                       "  ran: script one two\n"
	                       "posix_spawnp from PATH: error 8, pid untouched\n"
	                       "old posix_spawn, not executable: error 13, pid untouched\n"
	                       "old posix_spawn, missing: error 2, pid untouched\n"));

	for (size_t i = 0; i < NPATHS; i++) {
		run(argv, true, true, launch_paths[i], &pre);
		assert_true(ran_ok(&pre));
		if (strcmp(pre.out.data, plain.out.data) != 0)
			fprintf(stderr, "with the preload (%s):\n%s\nwithout:\n%s\nstderr:\n%s\n",
			        launch_paths[i], pre.out.data, plain.out.data, pre.err.data);
		assert_string_equal(pre.out.data, plain.out.data);
		/* Every spawn went through the preload, the old ones through its
		 * old versions. */
		assert_int_equal(count_lines(pre.err.data, "subproc-preload: ", NULL), 11);
		assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawn@", NULL),
		                 4);
		assert_int_equal(count_lines(pre.err.data, "subproc-preload: posix_spawnp@", NULL),
		                 4);
		run_free(&pre);
	}
	run_free(&plain);
	tempdir_remove(dir);
}

TEST_MAIN(cmocka_unit_test(test_preload_c_program), cmocka_unit_test(test_preload_python),
          cmocka_unit_test(test_preload_exports), cmocka_unit_test(test_preload_binds),
          cmocka_unit_test(test_preload_new_functions),
          cmocka_unit_test(test_preload_old_posix_spawn))
