/* SPDX-License-Identifier: MIT */
/*
 * Isolation (subproc_isolation, SUBPROC_PTRACE), checked from the child's
 * side: the probe reports its namespaces, host name, maps, capability sets,
 * NoNewPrivs and seccomp mode, how many processes its /proc lists, and what
 * a system call it makes returns. Each test also checks that the caller
 * kept its own (namespaces, mounts, dumpable flag, no_new_privs), since on
 * the CLONE_VM paths the child runs in the caller's memory.
 *
 * Once per launch path. Most tests need root; the unprivileged ones drop to
 * nobody in a forked subprocess and start a copy of the probe that nobody
 * can reach. Under qemu-user the emulator passes no namespace flag to a
 * clone and refuses seccomp and ptrace, so the tests that need a pid
 * namespace, a filter or a tracer skip there.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static const struct {
	const char *name; /* as /proc/self/ns and the probe's ns.<name> */
	unsigned ns;
} kinds[] = {
	{"user", SUBPROC_NS_USER},     {"pid", SUBPROC_NS_PID},   {"mnt", SUBPROC_NS_MOUNT},
	{"net", SUBPROC_NS_NET},       {"uts", SUBPROC_NS_UTS},   {"ipc", SUBPROC_NS_IPC},
	{"cgroup", SUBPROC_NS_CGROUP}, {"time", SUBPROC_NS_TIME},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* --- what the tests need ------------------------------------------------- */

static void need_isolation(void)
{
	if (SUBPROC_TEST_PORTABLE)
		skip_because("isolation is Linux's; test_iso_portable_refuses checks the portable "
		             "build's ENOSYS");
}

static void need_root(void)
{
	need_isolation();
	if (geteuid() != 0)
		skip_because("the test needs root");
}

/* qemu-user creates no namespace in a clone (the child unshares them); a
 * pid namespace cannot be unshared into, and user and mount namespaces
 * cannot be unshared by a process with threads, which the emulator always
 * has (EINVAL); it refuses seccomp and ptrace. */
static void need_native(const char *what)
{
	if (SUBPROC_TEST_EMULATED)
		skip_because("%s: qemu-user cannot give a child that", what);
}

/* The caller's namespace of a kind, as the probe reports its own. */
static void own_ns(const char *kind, char *out, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
	n = readlink(path, out, size - 1);
	out[n < 0 ? 0 : n] = '\0';
}

static bool ns_kind_exists(const char *kind)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/self/ns/%s", kind);
	return access(path, F_OK) == 0;
}

/* The whole of a small file, malloc'ed ("" when unreadable). */
static char *slurp(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(buf);
	while (fd >= 0 && len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	if (fd >= 0)
		close(fd);
	buf[len] = '\0';
	return buf;
}

/* A map's text as the kernel prints it, whitespace squeezed: "0 1000 1;". */
static void squeeze_map(const char *text, char *out, size_t size)
{
	size_t o = 0;
	bool space = true;

	for (const char *p = text; *p != '\0' && o + 2 < size; p++) {
		if (*p == ' ' || *p == '\t') {
			if (!space)
				out[o++] = ' ';
			space = true;
		} else if (*p == '\n') {
			if (o > 0 && out[o - 1] == ' ')
				o--;
			out[o++] = ';';
			space = true;
		} else {
			out[o++] = *p;
			space = false;
		}
	}
	out[o] = '\0';
}

/* True when the report's map (key "uid_map" or "gid_map") is `want`, in
 * squeezed form. */
static bool report_map_is(const struct report *r, const char *key, const char *want)
{
	const char *v = report_get(r, key);
	char got[512];

	if (v == NULL) {
		fprintf(stderr, "the report has no %s\n", key);
		return false;
	}
	squeeze_map(v, got, sizeof got);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "%s: expected \"%s\", got \"%s\"\n", key, want, got);
		return false;
	}
	return true;
}

/* The caller as it must stay after any start: its namespaces, its mounts
 * (by /proc/self/mountinfo), dumpable, without no_new_privs or a filter,
 * with its host name. */
struct caller {
	char ns[NKINDS][64];
	char *mounts;
	char host[256];
	char caps[256];
};

/* The caller's capability sets, as /proc/self/status lists them. */
static void own_caps(char *out, size_t size)
{
	char *status = slurp("/proc/self/status"), *line = status;
	size_t o = 0;

	out[0] = '\0';
	while (line != NULL && *line != '\0') {
		char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

		if (strncmp(line, "Cap", 3) == 0 && o + len + 2 < size) {
			memcpy(out + o, line, len);
			o += len;
			out[o++] = ';';
			out[o] = '\0';
		}
		line = end != NULL ? end + 1 : NULL;
	}
	free(status);
}

static void caller_save(struct caller *c)
{
	for (size_t i = 0; i < NKINDS; i++)
		own_ns(kinds[i].name, c->ns[i], sizeof c->ns[i]);
	c->mounts = slurp("/proc/self/mountinfo");
	assert_int_equal(gethostname(c->host, sizeof c->host), 0);
	own_caps(c->caps, sizeof c->caps);
}

static void caller_check(struct caller *c)
{
	char now[64], host[256], caps[256];
	char *mounts = slurp("/proc/self/mountinfo");

	for (size_t i = 0; i < NKINDS; i++) {
		own_ns(kinds[i].name, now, sizeof now);
		assert_string_equal(now, c->ns[i]);
	}
	assert_string_equal(mounts, c->mounts);
	assert_int_equal(gethostname(host, sizeof host), 0);
	assert_string_equal(host, c->host);
	own_caps(caps, sizeof caps);
	assert_string_equal(caps, c->caps);
	assert_int_equal(prctl(PR_GET_DUMPABLE), 1);
	assert_int_equal(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	/* qemu-user answers -1 (it keeps seccomp to itself): no filter
	 * either way. */
	assert_true(prctl(PR_GET_SECCOMP) <= 0);
	free(mounts);
	free(c->mounts);
	assert_true(no_children());
}

/* Becomes nobody, with no groups: for a forked subprocess. The kernel
 * makes a process that changes its uid non-dumpable, and its children's
 * /proc files root's, until an execve; a program started as nobody is
 * dumpable, and that is what these tests stand for, so the flag is set
 * back (test_iso_map_needs_dumpable_caller checks what happens without). */
static int become_nobody_keep(bool dumpable)
{
	gid_t none[1] = {NOBODY};

	if (setgroups(0, none) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0 || prctl(PR_SET_DUMPABLE, dumpable) < 0) {
		perror("become nobody");
		return -1;
	}
	return 0;
}

static int become_nobody(void)
{
	return become_nobody_keep(true);
}

/* Whether nobody may make a user namespace here (a sysctl, or a
 * container's seccomp profile, may forbid it). */
static int try_userns(void *arg)
{
	(void)arg;
	if (become_nobody() < 0)
		return 2;
	return unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
}

static void need_unprivileged_userns(void)
{
	int rc = run_forked(try_userns, NULL);

	assert_true(rc == 0 || rc == 1);
	if (rc == 1)
		skip_because("unprivileged user namespaces are not allowed here");
}

/* --- namespaces ----------------------------------------------------------- */

/* Each kind alone: the child's namespace of that kind is a new one, every
 * other kind is the caller's. A user namespace without maps takes the
 * launch it had (no map to write); the rest keep theirs too. */
static void test_iso_each_namespace(void **state)
{
	struct caller c;

	(void)state;
	need_root();
	caller_save(&c);
	for (size_t k = 0; k < NKINDS; k++) {
		subproc_isolation iso = {.namespaces = kinds[k].ns};
		subproc_attr attr = {.isolation = &iso};
		struct report r;

		if (!ns_kind_exists(kinds[k].name)) {
			print_message("no %s namespaces on this kernel\n", kinds[k].name);
			continue;
		}
		if (SUBPROC_TEST_EMULATED &&
		    (kinds[k].ns & (SUBPROC_NS_PID | SUBPROC_NS_USER | SUBPROC_NS_MOUNT))) {
			print_message("no %s namespace under qemu-user (see need_native)\n",
			              kinds[k].name);
			continue;
		}
		if (probe_run(&attr, NULL, &r) != 0)
			fail_msg("%s: %s at %s", kinds[k].name, subproc_strerror(r.start_rc),
			         subproc_step_name(r.err.step));
		assert_true(report_exited_ok(&r));
		for (size_t i = 0; i < NKINDS; i++) {
			char key[32];
			const char *v;

			snprintf(key, sizeof key, "ns.%s", kinds[i].name);
			v = report_get(&r, key);
			assert_non_null(v);
			if (i == k && strcmp(v, c.ns[i]) == 0)
				fail_msg("asked for a new %s namespace, got the caller's %s",
				         kinds[k].name, v);
			if (i != k && strcmp(v, c.ns[i]) != 0)
				fail_msg("asked for %s only, the %s namespace changed to %s",
				         kinds[k].name, kinds[i].name, v);
		}
		report_free(&r);
	}
	caller_check(&c);
}

/* A new pid namespace with a fresh /proc: the child is pid 1 and its /proc
 * lists itself alone; the caller's mount table is as it was (the proc mount
 * went on a private copy). */
static void test_iso_pid_namespace_with_proc(void **state)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_PID | SUBPROC_NS_MOUNT,
	                         .flags = SUBPROC_MOUNT_PROC};
	subproc_attr attr = {.isolation = &iso};
	struct caller c;
	struct report r;

	(void)state;
	need_root();
	need_native("a pid namespace");
	caller_save(&c);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, "pid", "1"));
	/* Its parent is outside its namespace. */
	assert_true(report_is(&r, "ppid", "0"));
	assert_true(report_is(&r, "proc_pids", "1"));
	report_free(&r);

	/* Without the fresh /proc, the old one lists the caller's processes. */
	iso.flags = 0;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "pid", "1"));
	assert_true(report_long(&r, "proc_pids") > 1);
	report_free(&r);
	caller_check(&c);
}

/* The pid namespace's init dies, and the kernel kills what is left in it:
 * a member that ignores SIGTERM and holds none of its streams dies with
 * it. */
static void test_iso_pid_namespace_ends_with_init(void **state)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_PID};
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH, .isolation = &iso};
	char *const argv[] = {"sh", "-c",
	                      "trap '' TERM; sleep 300 </dev/null >/dev/null 2>&1 & wait", NULL};
	subproc_proc *p = NULL;
	subproc_status st;
	pid_t survivor = 0;
	char path[64];

	(void)state;
	need_root();
	need_native("a pid namespace");
	assert_int_equal(subproc_start(&p, "sh", argv, &attr, NULL), 0);
	/* The member's pid as the caller's namespace numbers it: the child
	 * of our child, from our /proc. */
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)subproc_pid(p),
	         (int)subproc_pid(p));
	for (int i = 0; i < 1000 && survivor == 0; i++) {
		char *kids = slurp(path);

		survivor = (pid_t)atoi(kids);
		free(kids);
		if (survivor == 0)
			usleep(10000);
	}
	assert_true(survivor > 0);
	/* init drops a signal it has no handler for (sh has none for TERM
	 * here, it ignores it); SIGKILL is forced on it from outside. */
	assert_int_equal(subproc_signal(p, SIGKILL), 0);
	assert_int_equal(subproc_wait(p, 0, 10000, &st), 0);
	assert_true(subproc_status_signaled(st.status));
	subproc_release(p);
	assert_true(pid_dies(survivor));
}

/* The namespace's init gets no signal it has no handler for, SIGTERM
 * included, from outside as from inside: the probe, which handles none,
 * is still running after a SIGTERM; a SIGKILL ends it. */
static void test_iso_pid_namespace_init_drops_sigterm(void **state)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_PID};
	subproc_attr attr = {.isolation = &iso};
	char *const argv[] = {PROBE, "--sleep-ms", "30000", NULL};
	subproc_proc *p = NULL;
	subproc_status st;

	(void)state;
	need_root();
	need_native("a pid namespace");
	assert_int_equal(subproc_start(&p, PROBE, argv, &attr, NULL), 0);
	assert_int_equal(subproc_signal(p, SIGTERM), 0);
	assert_int_equal(subproc_wait(p, 0, 300, &st), -ETIMEDOUT);
	assert_int_equal(subproc_signal(p, SIGKILL), 0);
	assert_int_equal(subproc_wait(p, 0, 10000, &st), 0);
	assert_int_equal(subproc_status_signal(st.status), SIGKILL);
	subproc_release(p);
}

/* A host name in a new uts namespace; the caller keeps its own. */
static void test_iso_hostname(void **state)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_UTS, .hostname = "subproc-iso-test"};
	subproc_attr attr = {.isolation = &iso};
	struct caller c;
	struct report r;

	(void)state;
	need_root();
	caller_save(&c);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "hostname", "subproc-iso-test"));
	report_free(&r);
	caller_check(&c);
}

/* --- user namespaces and maps --------------------------------------------- */

/* Root maps root: unshare -r as root. The child is uid and gid 0 inside,
 * setgroups denied (the default with a gid map), with every capability. */
static void test_iso_map_root_as_root(void **state)
{
	subproc_idmap um = {0, 0, 1}, gm = {0, 0, 1};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER,
	                         .uid_map = &um,
	                         .nuid_map = 1,
	                         .gid_map = &gm,
	                         .ngid_map = 1};
	subproc_attr attr = {.isolation = &iso};
	struct caller c;
	struct report r;

	(void)state;
	need_root();
	need_native("a user namespace");
	caller_save(&c);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_map_is(&r, "uid_map", "0 0 1;"));
	assert_true(report_map_is(&r, "gid_map", "0 0 1;"));
	assert_true(report_is(&r, "setgroups", "deny\n"));
	assert_true(report_is(&r, "uid", "0"));
	assert_true(report_is(&r, "gid", "0"));
	/* Root of its namespace: a full effective set after execve. */
	assert_string_equal(report_get(&r, "status.CapEff"), report_get(&r, "status.CapBnd"));
	report_free(&r);
	caller_check(&c);
}

/* A privileged caller maps a range; root itself is not in it, so the child
 * is the overflow uid inside, and setgroups stays allowed when asked. */
static void test_iso_range_map(void **state)
{
	subproc_idmap um[2] = {{0, 100000, 1000}, {1000, 200000, 10}}, gm = {0, 100000, 65536};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER,
	                         .uid_map = um,
	                         .nuid_map = 2,
	                         .gid_map = &gm,
	                         .ngid_map = 1,
	                         .setgroups = SUBPROC_SETGROUPS_ALLOW};
	subproc_attr attr = {.isolation = &iso};
	char *overflow = slurp("/proc/sys/kernel/overflowuid");
	struct report r;

	(void)state;
	need_root();
	need_native("a user namespace");
	overflow[strcspn(overflow, "\n")] = '\0';
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_map_is(&r, "uid_map", "0 100000 1000;1000 200000 10;"));
	assert_true(report_map_is(&r, "gid_map", "0 100000 65536;"));
	assert_true(report_is(&r, "setgroups", "allow\n"));
	assert_true(report_is(&r, "uid", overflow));
	report_free(&r);
	free(overflow);
}

/* An unprivileged caller maps its own ids to root: unshare -r. Checked as
 * nobody in a forked subprocess. */
struct unpriv {
	char *probe;
	subproc_attr attr;
	const char *const *args;
	/* What the child must report, as key/value pairs; or the error. */
	const char *const *want;
	int code, step;
	const char *path_prefix;
	bool check_fd; /* and the error's fd must be `fd` */
	int fd;
};

static int unpriv_run(void *arg)
{
	struct unpriv *u = arg;
	struct report r;
	int rc;

	if (become_nobody() < 0)
		return 2;
	rc = probe_run_as(u->probe, &u->attr, u->args, &r);
	if (u->code != 0) {
		CHECK(rc == u->code);
		CHECK(r.err.code == u->code);
		CHECK(r.err.step == u->step);
		if (u->path_prefix != NULL)
			CHECK(strncmp(r.err.path, u->path_prefix, strlen(u->path_prefix)) == 0);
		if (u->check_fd)
			CHECK(r.err.fd == u->fd);
		report_free(&r);
		CHECK(no_children());
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "start: %s at %s %s\n", subproc_strerror(rc),
		        subproc_step_name(r.err.step), r.err.path);
		return 1;
	}
	CHECK(report_exited_ok(&r));
	for (const char *const *w = u->want; w != NULL && *w != NULL; w += 2) {
		if (strncmp(w[0], "map:", 4) == 0)
			CHECK(report_map_is(&r, w[0] + 4, w[1]));
		else
			CHECK(report_is(&r, w[0], w[1]));
	}
	report_free(&r);
	CHECK(no_children());
	return 0;
}

/* unpriv_run as nobody, with a copy of the probe nobody can reach. */
static void as_nobody(struct unpriv *u)
{
	char *dir;

	probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &dir, &u->probe);
	assert_forked(unpriv_run, u);
	free(u->probe);
	tempdir_remove(dir);
}

static void test_iso_map_root_unprivileged(void **state)
{
	subproc_idmap um = {0, NOBODY, 1}, gm = {0, NOBODY, 1};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER | SUBPROC_NS_UTS,
	                         .hostname = "unprivileged",
	                         .uid_map = &um,
	                         .nuid_map = 1,
	                         .gid_map = &gm,
	                         .ngid_map = 1};
	const char *const want[] = {"uid",         "0",
	                            "euid",        "0",
	                            "gid",         "0",
	                            "map:uid_map", "0 65534 1;",
	                            "map:gid_map", "0 65534 1;",
	                            "setgroups",   "deny\n",
	                            "hostname",    "unprivileged",
	                            NULL};
	struct unpriv u = {.attr = {.isolation = &iso}, .want = want};

	(void)state;
	need_root();
	need_native("a user namespace");
	need_unprivileged_userns();
	as_nobody(&u);

	/* The same with a pid namespace and its /proc: unshare -Urpf
	 * --mount-proc. */
	iso.namespaces |= SUBPROC_NS_PID | SUBPROC_NS_MOUNT;
	iso.flags = SUBPROC_MOUNT_PROC;
	if (!SUBPROC_TEST_EMULATED) {
		const char *const want_pid[] = {"uid", "0", "pid", "1", "proc_pids", "1", NULL};

		u.want = want_pid;
		as_nobody(&u);
	}
}

/* An unprivileged caller may map only its own id: mapping root fails at
 * uid_map, naming the file, and leaves no child, fd or zombie. */
static void test_iso_map_refused_unprivileged(void **state)
{
	subproc_idmap um = {0, 0, 1}, gm = {0, NOBODY, 1};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER,
	                         .uid_map = &um,
	                         .nuid_map = 1,
	                         .gid_map = &gm,
	                         .ngid_map = 1};
	struct unpriv u = {.attr = {.isolation = &iso},
	                   .code = -EPERM,
	                   .step = SUBPROC_STEP_UID_MAP,
	                   .path_prefix = "/proc/"};

	(void)state;
	need_root();
	need_native("a user namespace");
	need_unprivileged_userns();
	as_nobody(&u);

	/* A gid map while setgroups stays allowed: refused at gid_map. */
	um.outside = NOBODY;
	iso.setgroups = SUBPROC_SETGROUPS_ALLOW;
	u.step = SUBPROC_STEP_GID_MAP;
	as_nobody(&u);

	/* A network namespace without a user namespace: the launch refuses
	 * it, and the error says the namespaces were the reason. */
	iso = (subproc_isolation){.namespaces = SUBPROC_NS_NET};
	u.step = SUBPROC_STEP_UNSHARE;
	u.path_prefix = NULL;
	as_nobody(&u);
}

/* A caller that is not dumpable (it changed its ids and has not exec'd
 * since) has children whose /proc files are root's until they exec: an
 * unprivileged one cannot write their maps, and says so at uid_map with
 * EACCES, as subproc_isolation documents. The child is gone. */
static int map_not_dumpable(void *arg)
{
	subproc_idmap um = {0, NOBODY, 1};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER, .uid_map = &um, .nuid_map = 1};
	subproc_attr attr = {.isolation = &iso};
	char *const argv[] = {(char *)arg, NULL};
	subproc_error err;

	if (become_nobody_keep(false) < 0)
		return 2;
	CHECK(start_fails(arg, argv, &attr, -EACCES, SUBPROC_STEP_UID_MAP, &err));
	/* Dumpable again, the same start works. */
	{
		subproc_proc *p = NULL;
		subproc_status st;

		CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
		CHECK(subproc_start(&p, arg, argv, &attr, &err) == 0);
		CHECK(subproc_wait(p, 0, 10000, &st) == 0);
		CHECK(subproc_status_exit_code(st.status) == 0);
		subproc_release(p);
	}
	return 0;
}

static void test_iso_map_needs_dumpable_caller(void **state)
{
	char *dir, *probe;

	(void)state;
	need_root();
	need_native("a user namespace");
	need_unprivileged_userns();
	probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &dir, &probe);
	assert_forked(map_not_dumpable, probe);
	free(probe);
	tempdir_remove(dir);
}

/* The error's path names the file and the child's pid, and the pid is gone
 * by then. Root writing an overlapping map: the kernel says EINVAL. */
static void test_iso_bad_map_names_file(void **state)
{
	subproc_idmap um[2] = {{0, 1000, 10}, {5, 2000, 10}};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER, .uid_map = um, .nuid_map = 2};
	subproc_attr attr = {.isolation = &iso};
	char *const argv[] = {PROBE, NULL};
	struct caller c;
	subproc_error err;
	int pid;
	char tail[32];

	(void)state;
	need_root();
	need_native("a user namespace");
	caller_save(&c);
	assert_true(start_fails(PROBE, argv, &attr, -EINVAL, SUBPROC_STEP_UID_MAP, &err));
	assert_int_equal(sscanf(err.path, "/proc/%d/%31s", &pid, tail), 2);
	assert_string_equal(tail, "uid_map");
	assert_true(kill(pid, 0) < 0 && errno == ESRCH);
	caller_check(&c);
}

/* --- capabilities --------------------------------------------------------- */

/* probe_run_as that must start, saying where it failed if not. */
static void probe_ok_as(const char *probe, const subproc_attr *attr, struct report *r)
{
	if (probe_run_as(probe, attr, NULL, r) != 0)
		fail_msg("start: %s at %s fd %d", subproc_strerror(r->start_rc),
		         subproc_step_name(r->err.step), r->err.fd);
}

/* Go's AmbientCaps: a child of root run as nobody keeps CAP_NET_BIND_SERVICE
 * across the uid change and execve (in CapAmb, and so in CapEff), and no
 * other capability. */
static void test_iso_ambient_caps(void **state)
{
	subproc_isolation iso = {.ambient = SUBPROC_CAP(10)}; /* CAP_NET_BIND_SERVICE */
	subproc_attr attr = {.flags = SUBPROC_SETUID | SUBPROC_SETGID,
	                     .uid = NOBODY,
	                     .gid = NOBODY,
	                     .isolation = &iso};
	char *dir, *probe;
	struct caller c;
	struct report r;

	(void)state;
	need_root();
	caller_save(&c);
	probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &dir, &probe);
	probe_ok_as(probe, &attr, &r);
	assert_true(report_is(&r, "euid", "65534"));
	assert_true(report_is(&r, "status.CapAmb", "0000000000000400"));
	assert_true(report_is(&r, "status.CapEff", "0000000000000400"));
	assert_true(report_is(&r, "status.CapPrm", "0000000000000400"));
	report_free(&r);

	/* Without them, nobody has no capability. */
	attr.isolation = NULL;
	assert_int_equal(probe_run_as(probe, &attr, NULL, &r), 0);
	assert_true(report_is(&r, "status.CapEff", "0000000000000000"));
	assert_true(report_is(&r, "status.CapAmb", "0000000000000000"));
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
	caller_check(&c);
}

/* A capability that is not permitted cannot be made ambient: nobody keeps
 * no capability to raise (no keepcaps without root's permitted set). */
static void test_iso_ambient_needs_permitted(void **state)
{
	subproc_isolation iso = {.ambient = SUBPROC_CAP(10)};
	struct unpriv u = {
		.attr = {.isolation = &iso}, .code = -EPERM, .step = SUBPROC_STEP_CAPSET};

	(void)state;
	need_root();
	as_nobody(&u);
}

/* The bounding set keeps what it is told to, and execve as root then
 * grants no more than it: as root, and after a change to nobody with an
 * ambient capability it keeps. */
static void test_iso_bounding_set(void **state)
{
	subproc_isolation iso = {.flags = SUBPROC_BOUNDING_SET,
	                         .bounding = SUBPROC_CAP(10) | SUBPROC_CAP(13)};
	subproc_attr attr = {.isolation = &iso};
	char *dir, *probe;
	struct caller c;
	struct report r;

	(void)state;
	need_root();
	caller_save(&c);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "status.CapBnd", "0000000000002400"));
	assert_true(report_is(&r, "status.CapEff", "0000000000002400"));
	report_free(&r);

	/* -all, as setpriv --bounding-set -all. */
	iso.bounding = 0;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "status.CapBnd", "0000000000000000"));
	assert_true(report_is(&r, "status.CapEff", "0000000000000000"));
	report_free(&r);

	/* Dropped after a uid change, which keepcaps survives. */
	probe_copy_for_or_skip(NOBODY, NOBODY, NULL, 0, &dir, &probe);
	iso.bounding = SUBPROC_CAP(10);
	iso.ambient = SUBPROC_CAP(10);
	attr.flags = SUBPROC_SETUID | SUBPROC_SETGID;
	attr.uid = attr.gid = NOBODY;
	probe_ok_as(probe, &attr, &r);
	assert_true(report_is(&r, "status.CapBnd", "0000000000000400"));
	assert_true(report_is(&r, "status.CapAmb", "0000000000000400"));
	report_free(&r);
	free(probe);
	tempdir_remove(dir);
	caller_check(&c);
}

/* Dropping the bounding set takes CAP_SETPCAP: nobody fails at capbset,
 * naming the first capability it could not drop. */
static void test_iso_bounding_needs_setpcap(void **state)
{
	subproc_isolation iso = {.flags = SUBPROC_BOUNDING_SET};
	struct unpriv u = {.attr = {.isolation = &iso},
	                   .code = -EPERM,
	                   .step = SUBPROC_STEP_CAPBSET,
	                   .check_fd = true,
	                   .fd = 0};

	(void)state;
	need_root();
	as_nobody(&u);
}

/* --- no_new_privs, seccomp, ptrace ---------------------------------------- */

static void test_iso_no_new_privs(void **state)
{
	subproc_isolation iso = {.flags = SUBPROC_NO_NEW_PRIVS};
	subproc_attr attr = {.isolation = &iso};
	struct caller c;
	struct report r;

	(void)state;
	need_isolation();
	caller_save(&c);
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "status.NoNewPrivs", "1"));
	report_free(&r);
	iso.flags = 0;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_is(&r, "status.NoNewPrivs", "0"));
	report_free(&r);
	caller_check(&c);
}

/* A filter under which getppid fails with EPERM, whatever the architecture
 * (a test filter; a real one checks seccomp_data.arch first). */
static struct sock_filter deny_getppid[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static const struct sock_fprog deny_getppid_prog = {
	.len = sizeof deny_getppid / sizeof deny_getppid[0], .filter = deny_getppid};

static void test_iso_seccomp(void **state)
{
	subproc_isolation iso = {.flags = SUBPROC_NO_NEW_PRIVS, .seccomp = &deny_getppid_prog};
	subproc_attr attr = {.isolation = &iso};
	char nr[16], key[32], want[16];
	struct caller c;
	struct report r;

	(void)state;
	need_isolation();
	need_native("a seccomp filter");
	caller_save(&c);
	snprintf(nr, sizeof nr, "%d", (int)__NR_getppid);
	snprintf(key, sizeof key, "syscall.%d", (int)__NR_getppid);
	snprintf(want, sizeof want, "errno:%d", EPERM);
	assert_int_equal(probe_run(&attr, ARGS("--syscall", nr), &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, key, want));
	assert_true(report_is(&r, "status.Seccomp", "2"));
	report_free(&r);

	/* Without the filter, the call works. */
	iso.seccomp = NULL;
	assert_int_equal(probe_run(&attr, ARGS("--syscall", nr), &r), 0);
	assert_true(report_is(&r, key, "ok"));
	report_free(&r);
	assert_true(getppid() > 0);
	caller_check(&c);
}

/* Unprivileged and without no_new_privs, the kernel refuses a filter. */
static void test_iso_seccomp_needs_no_new_privs(void **state)
{
	subproc_isolation iso = {.seccomp = &deny_getppid_prog};
	struct unpriv u = {
		.attr = {.isolation = &iso}, .code = -EACCES, .step = SUBPROC_STEP_SECCOMP};

	(void)state;
	need_root();
	need_native("a seccomp filter");
	as_nobody(&u);
}

/* PTRACE_TRACEME: the program stops with SIGTRAP right after execve, and
 * goes on once its tracer (this thread) lets it. */
static void test_iso_ptrace(void **state)
{
	subproc_attr attr = {.flags = SUBPROC_PTRACE};
	char *const argv[] = {PROBE, "--exit", "7", NULL};
	subproc_proc *p = NULL;
	subproc_status st;
	subproc_error err;
	int rc;

	(void)state;
	need_isolation();
	need_native("a tracer");
	rc = subproc_start(&p, PROBE, argv, &attr, &err);
	if (rc == -EPERM && err.step == SUBPROC_STEP_PTRACE)
		skip_because("ptrace is not allowed here (Yama's ptrace_scope, or seccomp)");
	assert_int_equal(rc, 0);
	assert_int_equal(subproc_wait(p, SUBPROC_WAIT_STOPPED, 10000, &st), 0);
	assert_true(subproc_status_stopped(st.status));
	assert_int_equal(subproc_status_stop_signal(st.status), SIGTRAP);
	assert_int_equal(ptrace(PTRACE_DETACH, subproc_pid(p), NULL, NULL), 0);
	assert_int_equal(subproc_wait(p, 0, 10000, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 7);
	subproc_release(p);

	/* Without the flag the probe is not traced. */
	attr.flags = 0;
	assert_int_equal(subproc_start(&p, PROBE, argv, &attr, NULL), 0);
	assert_int_equal(subproc_wait(p, SUBPROC_WAIT_STOPPED, 10000, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 7);
	subproc_release(p);
}

/* --- where the launch cannot make the namespaces ------------------------- */

/* As under qemu-user: clone3 missing and clone refusing namespace flags.
 * The fork path's child then unshares them itself, and a pid namespace,
 * which cannot be had that way, fails at step "unshare". The filter
 * matches clone's exact flags word, so fork() itself still works. */
static int unshare_in_child(void *arg)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_UTS, .hostname = "unshared"};
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_FORK, .isolation = &iso};
	char *const argv[] = {PROBE, NULL};
	subproc_error err;
	struct report r;
	char mine[64];

	(void)arg;
	int e = seccomp_fail(__NR_clone3, SECCOMP_ANY_ARG, 0, ENOSYS);

	if (e < 0)
		SKIP_FORKED("the tests' seccomp filter cannot be installed here: %s", strerror(-e));
	CHECK(seccomp_fail(__NR_clone, 0, CLONE_NEWUTS | SIGCHLD, EINVAL) == 0);
	CHECK(seccomp_fail(__NR_clone, 0, CLONE_NEWPID | SIGCHLD, EINVAL) == 0);
	CHECK(probe_run(&attr, NULL, &r) == 0);
	CHECK(report_is(&r, "hostname", "unshared"));
	own_ns("uts", mine, sizeof mine);
	CHECK(strcmp(report_get(&r, "ns.uts"), mine) != 0);
	report_free(&r);

	iso = (subproc_isolation){.namespaces = SUBPROC_NS_PID};
	CHECK(start_fails(PROBE, argv, &attr, -EINVAL, SUBPROC_STEP_UNSHARE, &err));
	CHECK(strcmp(err.path, "") == 0);
	return 0;
}

static void test_iso_unshare_in_child(void **state)
{
	(void)state;
	need_root();
	need_native("this fallback's seccomp filter");
	assert_forked(unshare_in_child, NULL);
}

/* --- the cmd layer, failures, bad input ----------------------------------- */

/* A command's attr carries the isolation to the start, and a command that
 * fails after the namespaces were made leaves nothing behind. */
static void test_iso_command(void **state)
{
	const char *const argv[] = {PROBE, NULL};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_UTS | SUBPROC_NS_IPC,
	                         .hostname = "command"};
	subproc_output out = {0};
	subproc_cmd *cmd = NULL;
	subproc_status st;
	subproc_error err;
	struct caller c;
	int fds;

	(void)state;
	need_root();
	caller_save(&c);
	fds = fd_count();
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	subproc_cmd_attr(cmd)->isolation = &iso;
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_non_null(strstr(out.data, "\nhostname=command\n"));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	{
		const char *const missing[] = {"/nonexistent/subproc-iso", NULL};
		assert_int_equal(subproc_cmd_new(&cmd, missing), 0);
	}
	subproc_cmd_attr(cmd)->isolation = &iso;
	assert_true(error_is(subproc_cmd_run(cmd, &st, &err), &err, -ENOENT, SUBPROC_STEP_EXECVE));
	subproc_cmd_free(cmd);
	assert_int_equal(fd_count(), fds);
	caller_check(&c);
}

/* A failure in the child after the mounts (a missing directory) leaves no
 * mount, child or fd: the mounts were in the child's own namespace. */
static void test_iso_failure_after_mounts(void **state)
{
	subproc_isolation iso = {.namespaces = SUBPROC_NS_PID | SUBPROC_NS_MOUNT,
	                         .flags = SUBPROC_MOUNT_PROC};
	subproc_attr attr = {.dir = "/nonexistent/subproc-iso", .isolation = &iso};
	char *const argv[] = {PROBE, NULL};
	subproc_error err;
	struct caller c;

	(void)state;
	need_root();
	need_native("a pid namespace");
	caller_save(&c);
	assert_true(start_fails(PROBE, argv, &attr, -ENOENT, SUBPROC_STEP_CHDIR, &err));
	caller_check(&c);
}

/* Contradictory or out-of-range isolation is refused before any launch. */
static void test_iso_bad_input(void **state)
{
	subproc_idmap one = {0, 0, 1}, empty = {0, 0, 0};
	char *const argv[] = {PROBE, NULL};
	char longname[80];
	const subproc_isolation bad[] = {
		{.namespaces = 1u << 20},
		{.flags = 1u << 20},
		{.namespaces = SUBPROC_NS_PID, .flags = SUBPROC_MOUNT_PROC},
		{.namespaces = SUBPROC_NS_MOUNT, .flags = SUBPROC_MOUNT_PROC},
		{.hostname = "no-uts"},
		{.namespaces = SUBPROC_NS_UTS, .hostname = longname},
		{.uid_map = &one, .nuid_map = 1},
		{.namespaces = SUBPROC_NS_USER, .nuid_map = 1},
		{.namespaces = SUBPROC_NS_USER, .gid_map = &empty, .ngid_map = 1},
		{.setgroups = SUBPROC_SETGROUPS_DENY},
		{.namespaces = SUBPROC_NS_USER, .setgroups = 7},
	};
	subproc_error err;

	(void)state;
	need_isolation();
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		subproc_attr attr = {.isolation = &bad[i]};

		print_message("case %zu\n", i);
		assert_true(start_fails(PROBE, argv, &attr, -EINVAL, SUBPROC_STEP_ATTR, &err));
	}
	/* All zero asks for nothing and is no error. */
	{
		subproc_isolation none = {0};
		subproc_attr attr = {.isolation = &none};
		struct report r;

		assert_int_equal(probe_run(&attr, NULL, &r), 0);
		report_free(&r);
	}
}

/* The portable build has none of it: -ENOSYS at "attr" for any of it, and
 * nothing started. */
static void test_iso_portable_refuses(void **state)
{
	subproc_isolation iso = {.flags = SUBPROC_NO_NEW_PRIVS};
	subproc_attr attr = {.isolation = &iso};
	char *const argv[] = {PROBE, NULL};
	subproc_error err;

	(void)state;
	if (!SUBPROC_TEST_PORTABLE)
		skip_because("only the portable build refuses isolation (test_iso_no_new_privs "
		             "runs it here)");
	assert_true(start_fails(PROBE, argv, &attr, -ENOSYS, SUBPROC_STEP_ATTR, &err));
	attr = (subproc_attr){.flags = SUBPROC_PTRACE};
	assert_true(start_fails(PROBE, argv, &attr, -ENOSYS, SUBPROC_STEP_ATTR, &err));
}

TEST_MAIN(cmocka_unit_test(test_iso_each_namespace),
          cmocka_unit_test(test_iso_pid_namespace_with_proc),
          cmocka_unit_test(test_iso_pid_namespace_ends_with_init),
          cmocka_unit_test(test_iso_pid_namespace_init_drops_sigterm),
          cmocka_unit_test(test_iso_hostname), cmocka_unit_test(test_iso_map_root_as_root),
          cmocka_unit_test(test_iso_range_map), cmocka_unit_test(test_iso_map_root_unprivileged),
          cmocka_unit_test(test_iso_map_refused_unprivileged),
          cmocka_unit_test(test_iso_map_needs_dumpable_caller),
          cmocka_unit_test(test_iso_bad_map_names_file), cmocka_unit_test(test_iso_ambient_caps),
          cmocka_unit_test(test_iso_ambient_needs_permitted),
          cmocka_unit_test(test_iso_bounding_set),
          cmocka_unit_test(test_iso_bounding_needs_setpcap),
          cmocka_unit_test(test_iso_no_new_privs), cmocka_unit_test(test_iso_seccomp),
          cmocka_unit_test(test_iso_seccomp_needs_no_new_privs), cmocka_unit_test(test_iso_ptrace),
          cmocka_unit_test(test_iso_unshare_in_child), cmocka_unit_test(test_iso_command),
          cmocka_unit_test(test_iso_failure_after_mounts), cmocka_unit_test(test_iso_bad_input),
          cmocka_unit_test(test_iso_portable_refuses))
