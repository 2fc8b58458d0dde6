/* SPDX-License-Identifier: MIT */
/*
 * The isolation options of `subproc run` and `subproc pipe`, seen from the
 * probe: namespaces, id maps and setgroups, a fresh /proc, the host name,
 * no_new_privs, ambient and bounding capabilities and --seccomp-deny. Each
 * runs as the test's own user (root in CI) and, where it matters, as nobody
 * (65534, through copies of the tool and the probe that nobody can reach).
 *
 * Where the spelling is util-linux's, the same scenario also runs under
 * unshare(1) or setpriv(1), first: what they cannot do on this machine is
 * skipped, and what they do is what ours must do. Under qemu-user
 * (SUBPROC_TEST_EMULATED) a start the emulator cannot make (pid
 * namespaces, seccomp) skips; the portable build refuses every option, and
 * test_tool_isolation_portable checks how.
 */
#include "support.h"
#include "tool_run.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif

#define NOBODY 65534
/* CAP_NET_RAW's bit, as /proc/PID/status prints a set. */
#define NET_RAW "0000000000002000"
#define CAP_NET_RAW_BIT (1ull << 13)

/* Who runs the commands of a test. */
struct runner {
	bool nobody;       /* uid, gid 65534 and no groups; else the test's own */
	char *dir;         /* with nobody: the directory of the copies */
	const char *tool;  /* the tool, or its copy */
	const char *probe; /* the probe, or its copy */
	char *copies[2];   /* what to free */
};

/* The test's own user: the built tool and probe. */
static void runner_self(struct runner *u)
{
	memset(u, 0, sizeof *u);
	u->tool = SUBPROC_TEST_TOOL;
	u->probe = PROBE;
}

/*
 * nobody: copies of the probe and the tool in a directory nobody can reach,
 * since the build tree may sit in one only root can enter. The tool links
 * the library statically (readelf -d lists only libc, and a sanitizer's
 * runtime under SUBPROC_SANITIZE, from the system), so a copy runs anywhere.
 */
static void runner_nobody(struct runner *u)
{
	char *path, *data;
	struct stat st;
	int fd;

	memset(u, 0, sizeof *u);
	if (geteuid() != 0)
		skip_because("running as nobody needs root");
	probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &u->dir, &path);
	u->nobody = true;
	u->probe = u->copies[0] = path;
	fd = open(SUBPROC_TEST_TOOL, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	data = malloc((size_t)st.st_size);
	assert_non_null(data);
	assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
	close(fd);
	u->tool = u->copies[1] = file_make(u->dir, "subproc", data, (size_t)st.st_size, 0755);
	assert_non_null(u->tool);
	free(data);
}

static void runner_free(struct runner *u)
{
	free(u->copies[0]);
	free(u->copies[1]);
	if (u->dir != NULL)
		tempdir_remove(u->dir);
	memset(u, 0, sizeof *u);
}

/* Runs argv (argv[0] searched in PATH) as u's user, capturing its output;
 * r->code as tool() gives it. */
static void run_argv(struct result *r, const struct runner *u, const char *const *argv)
{
	subproc_cmd *cmd = NULL;
	subproc_status st;

	memset(r, 0, sizeof *r);
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	if (u->nobody) {
		subproc_attr *a = subproc_cmd_attr(cmd);

		a->flags |= SUBPROC_SETUID | SUBPROC_SETGID | SUBPROC_SETGROUPS;
		a->uid = NOBODY;
		a->gid = NOBODY;
		a->ngroups = 0;
		assert_int_equal(subproc_cmd_dir(cmd, u->dir), 0);
	}
	assert_int_equal(subproc_cmd_timeout(cmd, 60000, SIGKILL, 0), 0);
	assert_int_equal(subproc_cmd_communicate(cmd, NULL, 0, &r->out, &r->err, &st, NULL), 0);
	r->code = subproc_status_exited(st.status) ? subproc_status_exit_code(st.status)
	                                           : 1000 + subproc_status_signal(st.status);
	subproc_cmd_free(cmd);
}

static const char *text_of(const subproc_output *o)
{
	return o->data != NULL ? o->data : "";
}

/* argv of `before... PROBE after...` into v (64 slots). */
static void join(const char **v, const char *const *before, const char *probe,
                 const char *const *after)
{
	size_t n = 0;

	for (size_t i = 0; before != NULL && before[i] != NULL; i++)
		v[n++] = before[i];
	if (probe != NULL)
		v[n++] = probe;
	for (size_t i = 0; after != NULL && after[i] != NULL; i++)
		v[n++] = after[i];
	assert_true(n < 64);
	v[n] = NULL;
}

/* `subproc run OPTS -- PROBE ARGS` as u. */
static void ours(struct result *r, const struct runner *u, const char *const *opts,
                 const char *const *probe_args)
{
	const char *head[40] = {u->tool, "run"}, *argv[64];
	size_t n = 2;

	for (size_t i = 0; opts != NULL && opts[i] != NULL; i++)
		head[n++] = opts[i];
	head[n++] = "--";
	head[n] = NULL;
	join(argv, head, u->probe, probe_args);
	run_argv(r, u, argv);
}

/* The probe's report from a run that must have worked. */
static void report_of(struct report *rep, struct result *r, const char *what)
{
	if (r->code != 0)
		fail_msg("%s: exit %d, stderr: %s", what, r->code, text_of(&r->err));
	memset(rep, 0, sizeof *rep);
	assert_int_equal(report_parse_text(r->out.data, r->out.len, rep), 0);
	result_free(r);
}

/* Whether util-linux's `prog` is on PATH. */
static bool have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path != NULL && *path != '\0') {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof buf, "%.*s/%s", (int)len, path, prog);
		if (len > 0 && access(buf, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/*
 * util-linux's run of the same scenario (`prefix... PROBE args...`), into
 * *rep: false, with a note, when its program is not installed. What it
 * cannot do on this machine (a container's seccomp, user namespaces turned
 * off) skips the test: ours cannot be expected to.
 */
static bool theirs(struct report *rep, const struct runner *u, const char *const *prefix,
                   const char *const *probe_args)
{
	const char *argv[64];
	struct result r;

	if (!have(prefix[0])) {
		print_message("note: no %s on PATH: ours is checked alone\n", prefix[0]);
		return false;
	}
	join(argv, prefix, u->probe, probe_args);
	run_argv(&r, u, argv);
	if (r.code != 0) {
		char why[512];

		snprintf(why, sizeof why, "%s %s ... as %s: exit %d: %s", prefix[0],
		         prefix[1] ? prefix[1] : "", u->nobody ? "nobody" : "the test's user",
		         r.code, text_of(&r.err));
		result_free(&r);
		skip_because("util-linux cannot do it here either: %s", why);
	}
	report_of(rep, &r, prefix[0]);
	return true;
}

/* Our run, into *rep: false, with a note, for a start that qemu-user
 * cannot make (it passes no namespace flag, and the unshare(2) the child
 * falls back on refuses a user or mount namespace to its threads). */
static bool ours_try(struct report *rep, const struct runner *u, const char *const *opts,
                     const char *const *probe_args)
{
	struct result r;

	ours(&r, u, opts, probe_args);
	if (r.code == 125 && SUBPROC_TEST_EMULATED) {
		print_message("note: under qemu-user: %s", text_of(&r.err));
		result_free(&r);
		return false;
	}
	report_of(rep, &r, opts != NULL && opts[0] != NULL ? opts[0] : "subproc run");
	return true;
}

/* ours_try, where the rest of the test needs the start: skips otherwise. */
static void ours_report(struct report *rep, const struct runner *u, const char *const *opts,
                        const char *const *probe_args)
{
	if (!ours_try(rep, u, opts, probe_args))
		skip_because("under qemu-user, see the note above");
}

/* Both reports have the same value for every key. */
static void same(const struct report *a, const struct report *b, const char *const *keys)
{
	for (size_t i = 0; keys[i] != NULL; i++) {
		const char *x = report_get(a, keys[i]), *y = report_get(b, keys[i]);

		if (x == NULL || y == NULL || strcmp(x, y) != 0)
			fail_msg("%s: subproc has '%s', util-linux '%s'", keys[i], x ? x : "(none)",
			         y ? y : "(none)");
	}
}

static const char *const caps_keys[] = {"status.CapInh", "status.CapPrm", "status.CapEff",
                                        "status.CapBnd", "status.CapAmb", NULL};
static const char *const ids_keys[] = {"uid",     "euid",    "gid",       "egid", "groups",
                                       "uid_map", "gid_map", "setgroups", NULL};

/* The namespaces (as the probe names them) in which the report's process is
 * not in the test's own, as "net,uts". */
static void ns_new(const struct report *rep, char *buf, size_t size)
{
	static const char *const kinds[] = {"user", "pid", "mnt",    "net",
	                                    "uts",  "ipc", "cgroup", "time"};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		char path[64], mine[128], key[32];
		const char *theirs_ns;
		ssize_t n;

		snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
		n = readlink(path, mine, sizeof mine - 1);
		mine[n < 0 ? 0 : n] = '\0';
		snprintf(key, sizeof key, "ns.%s", kinds[i]);
		theirs_ns = report_get(rep, key);
		assert_non_null(theirs_ns);
		if (strcmp(theirs_ns, mine) != 0)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
			                        kinds[i]);
	}
}

static void assert_ns_new(const struct report *rep, const char *want)
{
	char got[128];

	ns_new(rep, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("new namespaces: '%s', expected '%s'", got, want);
}

/* A map line as the kernel prints it: "0 65534 1". */
static void assert_map(const struct report *rep, const char *key, unsigned inside, unsigned outside)
{
	const char *v = report_get(rep, key);
	unsigned a, b, c;

	if (v == NULL || sscanf(v, "%u %u %u", &a, &b, &c) != 3 || a != inside || b != outside ||
	    c != 1)
		fail_msg("%s: '%s', expected %u %u 1", key, v ? v : "(none)", inside, outside);
}

/* The users a test runs as: the test's own, then nobody (when root). */
#define FOR_EACH_RUNNER(u)                                                                         \
	for (int who_ = 0; who_ < 2; who_++)                                                       \
		if (who_ == 0        ? (runner_self(&(u)), true)                                   \
		    : geteuid() == 0 ? (runner_nobody(&(u)), true)                                 \
		                     : false)

/* --- user namespaces: maps and setgroups, beside unshare(1) ---------------- */

static void test_tool_isolation_map_root_user(void **state)
{
	struct runner u;
	struct report mine, them;

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		unsigned uid = u.nobody ? NOBODY : (unsigned)geteuid();
		unsigned gid = u.nobody ? NOBODY : (unsigned)getegid();
		bool compare = theirs(&them, &u, ARGS("unshare", "-r"), NULL);

		ours_report(&mine, &u, ARGS("--map-root-user"), NULL);
		assert_true(report_is_long(&mine, "uid", 0));
		assert_true(report_is_long(&mine, "euid", 0));
		assert_true(report_is_long(&mine, "gid", 0));
		assert_map(&mine, "uid_map", 0, uid);
		assert_map(&mine, "gid_map", 0, gid);
		assert_true(report_is(&mine, "setgroups", "deny\n"));
		assert_ns_new(&mine, "user");
		if (compare) {
			same(&mine, &them, ids_keys);
			same(&mine, &them, caps_keys);
			report_free(&them);
		}
		report_free(&mine);
		runner_free(&u);
	}
}

static void test_tool_isolation_map_user_group(void **state)
{
	/* Spelt the same for both: the options are unshare's. */
	static const char *const cases[][4] = {
		{"--map-user=1000", NULL},
		{"--map-group=1000", NULL},
		{"--map-user=1000", "--map-group=2000", NULL},
		{"--map-root-user", "--map-user=5", NULL},
		{"--map-user=5", "--map-root-user", NULL},
		{"--map-user=nobody", "--map-group=0", NULL},
	};
	struct runner u;
	struct report mine, them;

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		unsigned uid = u.nobody ? NOBODY : (unsigned)geteuid();
		unsigned gid = u.nobody ? NOBODY : (unsigned)getegid();

		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const char *prefix[8] = {"unshare"};
			bool compare;

			memcpy(prefix + 1, cases[i], sizeof cases[i]);
			compare = theirs(&them, &u, prefix, NULL);
			ours_report(&mine, &u, cases[i], NULL);
			if (i == 2) {
				assert_true(report_is_long(&mine, "uid", 1000));
				assert_true(report_is_long(&mine, "gid", 2000));
				assert_map(&mine, "uid_map", 1000, uid);
				assert_map(&mine, "gid_map", 2000, gid);
				assert_true(report_is(&mine, "setgroups", "deny\n"));
			} else if (i == 3) {
				assert_map(&mine, "uid_map", 5, uid);
				assert_map(&mine, "gid_map", 0, gid);
			} else if (i == 0) {
				/* No gid map, so setgroups stays allowed. */
				assert_true(report_is(&mine, "gid_map", ""));
				assert_true(report_is(&mine, "setgroups", "allow\n"));
			}
			assert_ns_new(&mine, "user");
			if (compare) {
				same(&mine, &them, ids_keys);
				report_free(&them);
			}
			report_free(&mine);
		}
		runner_free(&u);
	}
}

static void test_tool_isolation_setgroups(void **state)
{
	struct runner u;
	struct report mine, them;
	struct result r;

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		/* unshare --user --setgroups deny, in our words. */
		bool compare =
			theirs(&them, &u, ARGS("unshare", "--user", "--setgroups=deny"), NULL);

		ours_report(&mine, &u, ARGS("--unshare", "user", "--setgroups=deny"), NULL);
		assert_true(report_is(&mine, "setgroups", "deny\n"));
		assert_true(report_is_long(&mine, "uid", NOBODY)); /* no map: the overflow id */
		assert_ns_new(&mine, "user");
		if (compare) {
			same(&mine, &them, ids_keys);
			report_free(&them);
		}
		report_free(&mine);

		ours_report(&mine, &u, ARGS("--unshare", "user"), NULL);
		assert_true(report_is(&mine, "setgroups", "allow\n"));
		report_free(&mine);

		/* With a gid map, "allow" needs a privileged caller: unshare
		 * refuses the pair outright, we leave it to the kernel. */
		ours(&r, &u, ARGS("--map-root-user", "--setgroups", "allow"), NULL);
		if (!u.nobody && geteuid() == 0) {
			report_of(&mine, &r, "--setgroups allow");
			assert_true(report_is(&mine, "setgroups", "allow\n"));
			assert_map(&mine, "gid_map", 0, 0);
			report_free(&mine);
		} else {
			assert_int_equal(r.code, 125);
			assert_non_null(strstr(text_of(&r.err), "gid_map"));
			assert_non_null(strstr(text_of(&r.err),
			                       "\nsubproc: (without root, a group map needs "
			                       "--setgroups deny)\n"));
			result_free(&r);
		}
		runner_free(&u);
	}
}

/* --- namespaces ------------------------------------------------------------ */

static bool have_time_ns(void)
{
	return access("/proc/self/ns/time", F_OK) == 0;
}

static void test_tool_isolation_namespaces(void **state)
{
	/* --unshare's name, unshare(1)'s options for it, the probe's name. */
	static const struct {
		const char *name, *opts[3], *ns;
	} kinds[] = {
		{"user", {"--user"}, "user"},       {"pid", {"--pid", "--fork"}, "pid"},
		{"mount", {"--mount"}, "mnt"},      {"net", {"--net"}, "net"},
		{"uts", {"--uts"}, "uts"},          {"ipc", {"--ipc"}, "ipc"},
		{"cgroup", {"--cgroup"}, "cgroup"}, {"time", {"--time"}, "time"},
	};
	struct runner u;
	struct report mine, them;
	char want[128], got[128];

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		bool root = !u.nobody && geteuid() == 0;

		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
			const char *prefix[8] = {"unshare"},
				   *opts[8] = {"--unshare", kinds[i].name};
			size_t n = 1, m = 2;
			bool compare;

			if (strcmp(kinds[i].name, "time") == 0 && !have_time_ns())
				continue; /* Linux before 5.6 */
			/* Without root, every other namespace needs a user one
			 * to be made in, for both. */
			if (!root && i > 0) {
				prefix[n++] = "-r";
				opts[m++] = "--map-root-user";
			}
			for (size_t k = 0; kinds[i].opts[k] != NULL; k++)
				prefix[n++] = kinds[i].opts[k];
			compare = theirs(&them, &u, prefix, NULL);
			if (!ours_try(&mine, &u, opts, NULL)) {
				if (compare)
					report_free(&them);
				continue;
			}
			snprintf(want, sizeof want, "%s%s", !root && i > 0 ? "user," : "",
			         kinds[i].ns);
			assert_ns_new(&mine, want);
			if (strcmp(kinds[i].name, "pid") == 0)
				assert_true(report_is_long(&mine, "pid", 1));
			if (compare) {
				ns_new(&them, got, sizeof got);
				assert_string_equal(got, want);
				report_free(&them);
			}
			report_free(&mine);
		}

		/* All at once. */
		if (SUBPROC_TEST_EMULATED) {
			runner_free(&u);
			continue;
		}
		ours_report(&mine, &u,
		            ARGS("--unshare", "user,pid,mount,net,uts,ipc,cgroup", "--unshare",
		                 "time", "--map-root-user"),
		            NULL);
		assert_ns_new(&mine, have_time_ns() ? "user,pid,mnt,net,uts,ipc,cgroup,time"
		                                    : "user,pid,mnt,net,uts,ipc,cgroup");
		report_free(&mine);
		runner_free(&u);
	}
}

static void test_tool_isolation_mount_proc(void **state)
{
	struct runner u;
	struct report mine, them;
	char self[64];

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		bool root = !u.nobody && geteuid() == 0;
		/* As unshare --pid --fork --mount-proc: the program is pid 1 and
		 * the new /proc lists it alone. */
		bool compare =
			theirs(&them, &u,
		               root ? ARGS("unshare", "--pid", "--fork", "--mount-proc")
		                    : ARGS("unshare", "-r", "--pid", "--fork", "--mount-proc"),
		               NULL);

		ours_report(&mine, &u,
		            root ? ARGS("--mount-proc") : ARGS("--mount-proc", "--map-root-user"),
		            NULL);
		assert_true(report_is_long(&mine, "pid", 1));
		assert_true(report_is_long(&mine, "proc_pids", 1));
		assert_ns_new(&mine, root ? "pid,mnt" : "user,pid,mnt");
		if (compare) {
			same(&mine, &them, ARGS("pid", "proc_pids"));
			report_free(&them);
		}
		report_free(&mine);

		/* A pid namespace alone: pid 1, but /proc is still ours. */
		ours_report(&mine, &u,
		            root ? ARGS("--unshare", "pid")
		                 : ARGS("--unshare", "pid", "--map-root-user"),
		            NULL);
		assert_true(report_is_long(&mine, "pid", 1));
		assert_true(report_long(&mine, "proc_pids") > 1);
		report_free(&mine);
		runner_free(&u);
	}
	/* Nothing reached our mount table. */
	snprintf(self, sizeof self, "/proc/%ld", (long)getpid());
	assert_int_equal(access(self, F_OK), 0);
}

static void test_tool_isolation_hostname(void **state)
{
	struct runner u;
	struct report mine;
	struct utsname before, after;
	struct result r;

	(void)state;
	need_linux_build("isolation");
	assert_int_equal(uname(&before), 0);
	FOR_EACH_RUNNER(u)
	{
		bool root = !u.nobody && geteuid() == 0;

		ours_report(&mine, &u,
		            root ? ARGS("--hostname", "subproc-iso")
		                 : ARGS("--map-root-user", "--hostname", "subproc-iso"),
		            NULL);
		assert_true(report_is(&mine, "hostname", "subproc-iso"));
		assert_ns_new(&mine, root ? "uts" : "user,uts");
		report_free(&mine);
		if (!root) {
			/* A uts namespace of its own needs a user one. */
			ours(&r, &u, ARGS("--hostname", "subproc-iso"), NULL);
			assert_int_equal(r.code, 125);
			assert_non_null(strstr(text_of(&r.err), "EPERM"));
			assert_int_equal(r.out.len, 0);
			result_free(&r);
		}
		runner_free(&u);
	}
	assert_int_equal(uname(&after), 0);
	assert_string_equal(after.nodename, before.nodename);
}

/* --- setpriv(1): no_new_privs, capabilities ------------------------------- */

static void test_tool_isolation_no_new_privs(void **state)
{
	struct runner u;
	struct report mine, them;

	(void)state;
	need_linux_build("isolation");
	FOR_EACH_RUNNER(u)
	{
		bool compare = theirs(&them, &u, ARGS("setpriv", "--no-new-privs"), NULL);

		ours_report(&mine, &u, ARGS("--no-new-privs"), NULL);
		assert_true(report_is(&mine, "status.NoNewPrivs", "1"));
		assert_ns_new(&mine, "");
		if (compare) {
			same(&mine, &them, ARGS("status.NoNewPrivs", "uid", "gid"));
			same(&mine, &them, caps_keys);
			report_free(&them);
		}
		report_free(&mine);
		ours_report(&mine, &u, ARGS("-C", "/"), NULL);
		assert_true(report_is(&mine, "status.NoNewPrivs", "0"));
		report_free(&mine);
		runner_free(&u);
	}
}

static void test_tool_isolation_ambient_caps(void **state)
{
	struct runner u;
	struct report mine, them;
	struct result r;
	bool compare;

	(void)state;
	need_linux_build("isolation");
	if (geteuid() != 0)
		skip_because("raising capabilities needs root, or nobody's run (which needs root)");
	/* setpriv raises an ambient capability only when told to raise the
	 * inheritable one too (alone, it silently does nothing); ours raises
	 * both. */
	runner_self(&u);
	compare = theirs(&them, &u,
	                 ARGS("setpriv", "--inh-caps", "+net_raw", "--ambient-caps", "+net_raw"),
	                 NULL);
	ours_report(&mine, &u, ARGS("--ambient-caps", "+net_raw"), NULL);
	assert_true(report_is(&mine, "status.CapAmb", NET_RAW));
	if (compare) {
		same(&mine, &them, caps_keys);
		report_free(&them);
	}
	report_free(&mine);
	runner_free(&u);

	/* Root starting nobody: the capability survives the change of uid
	 * and the execve. */
	runner_nobody(&u);
	u.nobody = false; /* the tool runs as root; the probe as nobody */
	compare = theirs(&them, &u,
	                 ARGS("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
	                      "--inh-caps", "+net_raw", "--ambient-caps", "+net_raw"),
	                 NULL);
	ours_report(&mine, &u,
	            ARGS("--user", "65534", "--gid", "65534", "--groups", "", "--ambient-caps",
	                 "+cap_net_raw"),
	            NULL);
	assert_true(report_is_long(&mine, "uid", NOBODY));
	assert_true(report_is_long(&mine, "euid", NOBODY));
	assert_true(report_is(&mine, "status.CapAmb", NET_RAW));
	assert_true(report_is(&mine, "status.CapEff", NET_RAW));
	assert_true(report_is(&mine, "status.CapPrm", NET_RAW));
	if (compare) {
		same(&mine, &them, ARGS("uid", "euid", "gid", "groups"));
		same(&mine, &them, caps_keys);
		report_free(&them);
	}
	report_free(&mine);
	u.nobody = true;

	/* nobody: in a user namespace of its own, as unshare -r setpriv. */
	compare = theirs(&them, &u,
	                 ARGS("unshare", "-r", "setpriv", "--inh-caps", "+net_raw",
	                      "--ambient-caps", "+net_raw"),
	                 NULL);
	ours_report(&mine, &u, ARGS("--map-root-user", "--ambient-caps", "+NET_RAW"), NULL);
	assert_true(report_is(&mine, "status.CapAmb", NET_RAW));
	if (compare) {
		same(&mine, &them, caps_keys);
		report_free(&them);
	}
	report_free(&mine);
	/* and without one: it has no capability to raise. */
	ours(&r, &u, ARGS("--ambient-caps", "+net_raw"), NULL);
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(text_of(&r.err), "EPERM"));
	assert_int_equal(r.out.len, 0);
	result_free(&r);
	runner_free(&u);
}

/* CapBnd as /proc/self/status prints it. */
static unsigned long long bounding_now(void)
{
	char line[256];
	unsigned long long set = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = sscanf(line, "CapBnd: %llx", &set) == 1;
	fclose(f);
	assert_true(found);
	return set;
}

static void assert_caps(const struct report *rep, const char *key, unsigned long long want)
{
	char text[32];

	snprintf(text, sizeof text, "%016llx", want);
	assert_true(report_is(rep, key, text));
}

static void test_tool_isolation_bounding_set(void **state)
{
	struct runner u;
	struct report mine, them;
	struct result r;
	bool compare;

	(void)state;
	need_linux_build("isolation");
	if (geteuid() == 0) {
		runner_self(&u);
		compare =
			theirs(&them, &u, ARGS("setpriv", "--bounding-set", "-all,+net_raw"), NULL);
		ours_report(&mine, &u, ARGS("--bounding-set", "-all,+net_raw"), NULL);
		assert_true(report_is(&mine, "status.CapBnd", NET_RAW));
		/* root's execve: permitted is what the bounding set left. */
		assert_true(report_is(&mine, "status.CapPrm", NET_RAW));
		if (compare) {
			same(&mine, &them, caps_keys);
			report_free(&them);
		}
		report_free(&mine);

		compare = theirs(&them, &u, ARGS("setpriv", "--bounding-set", "-net_raw"), NULL);
		ours_report(&mine, &u, ARGS("--bounding-set", "-net_raw"), NULL);
		assert_caps(&mine, "status.CapBnd", bounding_now() & ~CAP_NET_RAW_BIT);
		if (compare) {
			same(&mine, &them, caps_keys);
			report_free(&them);
		}
		report_free(&mine);
		runner_free(&u);
	}
	FOR_EACH_RUNNER(u)
	{
		/* In a new user namespace, from the full set it starts with. */
		compare = theirs(&them, &u,
		                 ARGS("unshare", "-r", "setpriv", "--bounding-set", "-net_raw"),
		                 NULL);
		ours_report(&mine, &u, ARGS("--map-root-user", "--bounding-set", "-net_raw"), NULL);
		assert_true(report_is(&mine, "uid", "0"));
		assert_false(report_is(&mine, "status.CapBnd", "0000000000000000"));
		if (compare) {
			same(&mine, &them, caps_keys);
			report_free(&them);
		}
		report_free(&mine);
		if (u.nobody) {
			/* Without one, nobody may not drop anything. */
			ours(&r, &u, ARGS("--bounding-set", "-net_raw"), NULL);
			assert_int_equal(r.code, 125);
			assert_string_equal(
				text_of(&r.err),
				"subproc: capbset net_raw: EPERM: operation not permitted\n"
				"subproc: (--bounding-set needs CAP_SETPCAP: root, or a "
				"new user namespace such as --map-root-user makes)\n");
			result_free(&r);
		}
		runner_free(&u);
	}
}

/* --- seccomp ---------------------------------------------------------------- */

static void test_tool_isolation_seccomp(void **state)
{
	char getppid_nr[32], getpid_nr[32], x32_nr[32], key_ppid[48], key_x32[48], key_pid[48];
	struct runner u;
	struct report mine;
	struct result r;

	(void)state;
	need_linux_build("isolation");
	snprintf(getppid_nr, sizeof getppid_nr, "%ld", (long)SYS_getppid);
	snprintf(getpid_nr, sizeof getpid_nr, "%ld", (long)SYS_getpid);
	/* On x86_64, getpid's number with the x32 bit: a call of another ABI
	 * (without the filter it fails with ENOSYS, or works where the
	 * kernel runs x32). Elsewhere, just getpid again. */
#if defined(__x86_64__) && !defined(__ILP32__)
	snprintf(x32_nr, sizeof x32_nr, "%ld", 0x40000000L | (long)SYS_getpid);
#else
	snprintf(x32_nr, sizeof x32_nr, "%ld", (long)SYS_getpid);
#endif
	snprintf(key_ppid, sizeof key_ppid, "syscall.%s", getppid_nr);
	snprintf(key_pid, sizeof key_pid, "syscall.%s", getpid_nr);
	snprintf(key_x32, sizeof key_x32, "syscall.%s", x32_nr);
	FOR_EACH_RUNNER(u)
	{
		bool root = !u.nobody && geteuid() == 0;
		const char *probe_args[] = {"--syscall", getppid_nr, "--syscall", x32_nr,
		                            "--syscall", getpid_nr,  NULL};

		ours_report(&mine, &u, ARGS("-C", "/"), probe_args);
		assert_true(report_is(&mine, key_ppid, "ok"));
		assert_true(report_is(&mine, "status.Seccomp", "0"));
		report_free(&mine);

		ours_report(&mine, &u,
		            root ? ARGS("--seccomp-deny", "getppid")
		                 : ARGS("--no-new-privs", "--seccomp-deny", "getppid"),
		            probe_args);
		assert_true(report_is(&mine, key_ppid, "errno:1"));
		assert_true(
			report_is(&mine, key_x32, strcmp(x32_nr, getpid_nr) ? "errno:1" : "ok"));
		assert_true(report_is(&mine, key_pid, "ok"));
		assert_true(report_is(&mine, "status.Seccomp", "2"));
		report_free(&mine);

		if (!root) {
			/* The kernel's rule: without CAP_SYS_ADMIN, only with
			 * no_new_privs; which a new user namespace gives. */
			ours(&r, &u, ARGS("--seccomp-deny", "getppid"), probe_args);
			assert_int_equal(r.code, 125);
			assert_string_equal(text_of(&r.err),
			                    "subproc: seccomp: EACCES: permission denied\n"
			                    "subproc: (without root, a seccomp filter needs "
			                    "--no-new-privs too)\n");
			result_free(&r);
			ours_report(&mine, &u, ARGS("--map-root-user", "--seccomp-deny", "getppid"),
			            probe_args);
			assert_true(report_is(&mine, key_ppid, "errno:1"));
			report_free(&mine);
		}
		runner_free(&u);
	}
}

/* --- pipe, the portable build ----------------------------------------------- */

static void test_tool_isolation_pipe(void **state)
{
	struct result r;
	char *nl;

	(void)state;
	need_linux_build("isolation");
	/* Every stage is isolated, each in namespaces of its own. */
	tool(&r, ARGS("pipe", "--map-root-user", "--hostname", "box", "--", "sh", "-c",
	              "hostname; readlink /proc/self/ns/uts", "|", "sh", "-c",
	              "cat; hostname; readlink /proc/self/ns/uts; id -u"));
	if (r.code == 125 && SUBPROC_TEST_EMULATED)
		skip_because("under qemu-user: %s", text_of(&r.err));
	if (r.code != 0)
		fail_msg("pipe: exit %d: %s", r.code, text_of(&r.err));
	assert_true(strncmp(text_of(&r.out), "box\nuts:[", 9) == 0);
	nl = strchr(text_of(&r.out) + 4, '\n');
	assert_non_null(nl);
	assert_true(strncmp(nl + 1, "box\nuts:[", 9) == 0);
	/* Two uts namespaces, both new. */
	assert_false(strncmp(text_of(&r.out) + 4, nl + 5, (size_t)(nl - text_of(&r.out) - 4)) == 0);
	assert_non_null(strstr(text_of(&r.out), "]\n0\n"));
	result_free(&r);
}

static void test_tool_isolation_portable(void **state)
{
	static const char *const options[][4] = {
		{"--unshare", "user", NULL},
		{"--map-root-user", NULL},
		{"--map-user", "0", NULL},
		{"--mount-proc", NULL},
		{"--hostname", "box", NULL},
		{"--no-new-privs", NULL},
		{"--ambient-caps", "+net_raw", NULL},
		{"--bounding-set", "-all", NULL},
	};
	struct runner u;
	struct result r;

	(void)state;
	if (!SUBPROC_TEST_PORTABLE)
		skip_because("the Linux build: only the portable build refuses these options");
	runner_self(&u);
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		ours(&r, &u, options[i], NULL);
		assert_int_equal(r.code, 125);
		assert_string_equal(text_of(&r.err),
		                    "subproc: attr: ENOSYS: function not implemented\n"
		                    "subproc: (the isolation options need subproc's Linux build; "
		                    "this one is the portable build)\n");
		assert_int_equal(r.out.len, 0);
		result_free(&r);
	}
	tool(&r, ARGS("pipe", "--unshare", "net", "--", "true", "|", "true"));
	assert_int_equal(r.code, 125);
	assert_non_null(strstr(text_of(&r.err), "this one is the portable build"));
	result_free(&r);
	/* A filter cannot even be built: refused with the options. */
	ours(&r, &u, ARGS("--seccomp-deny", "getppid"), NULL);
	assert_int_equal(r.code, 125);
	assert_string_equal(text_of(&r.err),
	                    "subproc: --seccomp-deny: seccomp filters are Linux's, "
	                    "and this subproc is the portable build\n");
	result_free(&r);
}

/* A timeout's signal does not reach a pid namespace's init that has no
 * handler for it (the kernel drops it): only -k's SIGKILL ends it. */
static void test_tool_isolation_pid1_timeout(void **state)
{
	struct result r;

	(void)state;
	need_linux_build("isolation");
	tool(&r, ARGS("run", "--unshare", "pid", "--map-root-user", "-t", "0.1", "-k", "0.3", "--",
	              "sleep", "30"));
	if (r.code == 125 && SUBPROC_TEST_EMULATED)
		skip_because("under qemu-user: %s", text_of(&r.err));
	assert_int_equal(r.code, 1000 + SIGKILL);
	result_free(&r);
	/* A handler makes it an ordinary timeout (once the shell has set it:
	 * a second is ample). */
	tool(&r, ARGS("run", "--unshare", "pid", "--map-root-user", "-t", "1", "-k", "20", "--",
	              "sh", "-c", "trap 'exit 3' TERM; sleep 30 & wait"));
	assert_int_equal(r.code, 124);
	result_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_tool_isolation_map_root_user),
          cmocka_unit_test(test_tool_isolation_map_user_group),
          cmocka_unit_test(test_tool_isolation_setgroups),
          cmocka_unit_test(test_tool_isolation_namespaces),
          cmocka_unit_test(test_tool_isolation_mount_proc),
          cmocka_unit_test(test_tool_isolation_hostname),
          cmocka_unit_test(test_tool_isolation_no_new_privs),
          cmocka_unit_test(test_tool_isolation_ambient_caps),
          cmocka_unit_test(test_tool_isolation_bounding_set),
          cmocka_unit_test(test_tool_isolation_seccomp), cmocka_unit_test(test_tool_isolation_pipe),
          cmocka_unit_test(test_tool_isolation_portable),
          cmocka_unit_test(test_tool_isolation_pid1_timeout))
