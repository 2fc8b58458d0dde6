/* SPDX-License-Identifier: MIT */
/*
 * subproc_posix_spawn against glibc's posix_spawn, which is the truth here.
 *
 * Each scenario is one sequence of calls, written once against a table of
 * functions and run twice: through glibc's posix_spawn family and through
 * subproc's. Every call's result is written to a log, and so is what the
 * probe saw (fds, cwd, ids, signals, env, argv), with pids and inodes
 * turned into names that mean the same in both runs ("child", "pfd20").
 * The two logs must be equal. A few results are also checked against fixed
 * values (EXPECT), so that a glibc that changed under us shows as such.
 *
 * The report pipe sits at parent fd 100 (not close-on-exec, so the child
 * inherits it, as posix_spawn passes every such fd), read end at 99.
 *
 * Under a user-mode emulator glibc's posix_spawn cannot report a failure in
 * the child: its CLONE_VM|CLONE_VFORK child shares no memory there, so the
 * call returns 0 and the child exits 127. There the subproc run goes first,
 * and a glibc start that returned 0 where subproc's failed, and whose child
 * exited 127 having reported nothing, stands for subproc's failure in the
 * glibc log. Everything else is compared as on a real kernel, and the EXPECT
 * values still hold subproc to the right errno.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REPORT_RFD 99
#define REPORT_WFD 100
#define SNAP_FDS 256

struct api {
	const char *name;
	int (*fa_init)(void *);
	int (*fa_destroy)(void *);
	int (*addopen)(void *, int, const char *, int, mode_t);
	int (*addclose)(void *, int);
	int (*adddup2)(void *, int, int);
	int (*addchdir)(void *, const char *);
	int (*addfchdir)(void *, int);
	int (*addclosefrom)(void *, int);
	int (*addtcsetpgrp)(void *, int);
	int (*at_init)(void *);
	int (*at_destroy)(void *);
	int (*setflags)(void *, short);
	int (*getflags)(const void *, short *);
	int (*setpgroup)(void *, pid_t);
	int (*getpgroup)(const void *, pid_t *);
	int (*setsigmask)(void *, const sigset_t *);
	int (*getsigmask)(const void *, sigset_t *);
	int (*setsigdefault)(void *, const sigset_t *);
	int (*getsigdefault)(const void *, sigset_t *);
	int (*setschedparam)(void *, const struct sched_param *);
	int (*getschedparam)(const void *, struct sched_param *);
	int (*setschedpolicy)(void *, int);
	int (*getschedpolicy)(const void *, int *);
	int (*spawn)(pid_t *, const char *, const void *, const void *, char *const[],
	             char *const[]);
	int (*spawnp)(pid_t *, const char *, const void *, const void *, char *const[],
	              char *const[]);
};

/* The same wrappers for both families: P is "" or "subproc_". */
#define WRAP(tag, P)                                                                               \
	static int tag##_fa_init(void *fa)                                                         \
	{                                                                                          \
		return P##posix_spawn_file_actions_init(fa);                                       \
	}                                                                                          \
	static int tag##_fa_destroy(void *fa)                                                      \
	{                                                                                          \
		return P##posix_spawn_file_actions_destroy(fa);                                    \
	}                                                                                          \
	static int tag##_addopen(void *fa, int fd, const char *path, int oflag, mode_t mode)       \
	{                                                                                          \
		return P##posix_spawn_file_actions_addopen(fa, fd, path, oflag, mode);             \
	}                                                                                          \
	static int tag##_addclose(void *fa, int fd)                                                \
	{                                                                                          \
		return P##posix_spawn_file_actions_addclose(fa, fd);                               \
	}                                                                                          \
	static int tag##_adddup2(void *fa, int fd, int newfd)                                      \
	{                                                                                          \
		return P##posix_spawn_file_actions_adddup2(fa, fd, newfd);                         \
	}                                                                                          \
	static int tag##_addchdir(void *fa, const char *path)                                      \
	{                                                                                          \
		return P##posix_spawn_file_actions_addchdir_np(fa, path);                          \
	}                                                                                          \
	static int tag##_addfchdir(void *fa, int fd)                                               \
	{                                                                                          \
		return P##posix_spawn_file_actions_addfchdir_np(fa, fd);                           \
	}                                                                                          \
	static int tag##_addclosefrom(void *fa, int fd)                                            \
	{                                                                                          \
		return P##posix_spawn_file_actions_addclosefrom_np(fa, fd);                        \
	}                                                                                          \
	static int tag##_addtcsetpgrp(void *fa, int fd)                                            \
	{                                                                                          \
		return P##posix_spawn_file_actions_addtcsetpgrp_np(fa, fd);                        \
	}                                                                                          \
	static int tag##_at_init(void *at)                                                         \
	{                                                                                          \
		return P##posix_spawnattr_init(at);                                                \
	}                                                                                          \
	static int tag##_at_destroy(void *at)                                                      \
	{                                                                                          \
		return P##posix_spawnattr_destroy(at);                                             \
	}                                                                                          \
	static int tag##_setflags(void *at, short v)                                               \
	{                                                                                          \
		return P##posix_spawnattr_setflags(at, v);                                         \
	}                                                                                          \
	static int tag##_getflags(const void *at, short *v)                                        \
	{                                                                                          \
		return P##posix_spawnattr_getflags(at, v);                                         \
	}                                                                                          \
	static int tag##_setpgroup(void *at, pid_t v)                                              \
	{                                                                                          \
		return P##posix_spawnattr_setpgroup(at, v);                                        \
	}                                                                                          \
	static int tag##_getpgroup(const void *at, pid_t *v)                                       \
	{                                                                                          \
		return P##posix_spawnattr_getpgroup(at, v);                                        \
	}                                                                                          \
	static int tag##_setsigmask(void *at, const sigset_t *v)                                   \
	{                                                                                          \
		return P##posix_spawnattr_setsigmask(at, v);                                       \
	}                                                                                          \
	static int tag##_getsigmask(const void *at, sigset_t *v)                                   \
	{                                                                                          \
		return P##posix_spawnattr_getsigmask(at, v);                                       \
	}                                                                                          \
	static int tag##_setsigdefault(void *at, const sigset_t *v)                                \
	{                                                                                          \
		return P##posix_spawnattr_setsigdefault(at, v);                                    \
	}                                                                                          \
	static int tag##_getsigdefault(const void *at, sigset_t *v)                                \
	{                                                                                          \
		return P##posix_spawnattr_getsigdefault(at, v);                                    \
	}                                                                                          \
	static int tag##_setschedparam(void *at, const struct sched_param *v)                      \
	{                                                                                          \
		return P##posix_spawnattr_setschedparam(at, v);                                    \
	}                                                                                          \
	static int tag##_getschedparam(const void *at, struct sched_param *v)                      \
	{                                                                                          \
		return P##posix_spawnattr_getschedparam(at, v);                                    \
	}                                                                                          \
	static int tag##_setschedpolicy(void *at, int v)                                           \
	{                                                                                          \
		return P##posix_spawnattr_setschedpolicy(at, v);                                   \
	}                                                                                          \
	static int tag##_getschedpolicy(const void *at, int *v)                                    \
	{                                                                                          \
		return P##posix_spawnattr_getschedpolicy(at, v);                                   \
	}                                                                                          \
	static int tag##_spawn(pid_t *pid, const char *f, const void *fa, const void *at,          \
	                       char *const argv[], char *const envp[])                             \
	{                                                                                          \
		return P##posix_spawn(pid, f, fa, at, argv, envp);                                 \
	}                                                                                          \
	static int tag##_spawnp(pid_t *pid, const char *f, const void *fa, const void *at,         \
	                        char *const argv[], char *const envp[])                            \
	{                                                                                          \
		return P##posix_spawnp(pid, f, fa, at, argv, envp);                                \
	}                                                                                          \
	static const struct api tag##_api = {                                                      \
		#tag,                                                                              \
		tag##_fa_init,                                                                     \
		tag##_fa_destroy,                                                                  \
		tag##_addopen,                                                                     \
		tag##_addclose,                                                                    \
		tag##_adddup2,                                                                     \
		tag##_addchdir,                                                                    \
		tag##_addfchdir,                                                                   \
		tag##_addclosefrom,                                                                \
		tag##_addtcsetpgrp,                                                                \
		tag##_at_init,                                                                     \
		tag##_at_destroy,                                                                  \
		tag##_setflags,                                                                    \
		tag##_getflags,                                                                    \
		tag##_setpgroup,                                                                   \
		tag##_getpgroup,                                                                   \
		tag##_setsigmask,                                                                  \
		tag##_getsigmask,                                                                  \
		tag##_setsigdefault,                                                               \
		tag##_getsigdefault,                                                               \
		tag##_setschedparam,                                                               \
		tag##_getschedparam,                                                               \
		tag##_setschedpolicy,                                                              \
		tag##_getschedpolicy,                                                              \
		tag##_spawn,                                                                       \
		tag##_spawnp,                                                                      \
	};

WRAP(glibc, )
WRAP(subproc, subproc_)

/* Room for either family's objects. */
union fa_store {
	posix_spawn_file_actions_t g;
	subproc_posix_spawn_file_actions_t s;
};
union at_store {
	posix_spawnattr_t g;
	subproc_posix_spawnattr_t s;
};

struct ctx {
	const struct api *api;
	char *dir; /* a temporary directory, the same for both runs */
	char log[65536];
	size_t len;
	bool failed; /* an EXPECT did not hold */
	/* The results of the starts, in order; under an emulator the glibc
	 * run's truth is the subproc run (above), and lost counts what glibc
	 * did not report. */
	int results[256];
	size_t nspawn;
	const struct ctx *truth;
	int lost;
};

static void note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->len >= sizeof c->log - 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->log + c->len, sizeof c->log - c->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	c->len += (size_t)n < sizeof c->log - c->len - 1 ? (size_t)n : sizeof c->log - c->len - 2;
	c->log[c->len++] = '\n';
	c->log[c->len] = '\0';
}

static const char *ename(int e)
{
	const char *n = e == 0 ? "0" : subproc_errno_name(e);

	return n != NULL ? n : "?";
}

/* Logs a call and its result; the text of the call is the same in both runs. */
#define CALL(c, expr) note((c), "%s = %s", #expr, ename(expr))
/* Logs a call and checks its result against what glibc 2.36 gives. */
#define EXPECT(c, expr, want)                                                                      \
	do {                                                                                       \
		int got_ = (expr);                                                                 \
		note((c), "%s = %s", #expr, ename(got_));                                          \
		if (got_ != (want)) {                                                              \
			fprintf(stderr, "%s: %s gave %s, expected %s\n", (c)->api->name, #expr,    \
			        ename(got_), ename(want));                                         \
			(c)->failed = true;                                                        \
		}                                                                                  \
	} while (0)

static char *path_in(struct ctx *c, const char *name)
{
	static char buf[2][PATH_MAX];
	static int which;
	char *p = buf[which++ % 2];

	snprintf(p, PATH_MAX, "%s/%s", c->dir, name);
	return p;
}

static void sigset_note(struct ctx *c, const char *what, const sigset_t *set)
{
	char buf[512];

	sigmask_text(set, buf, sizeof buf);
	note(c, "%s: %s", what, buf);
}

/* ---- running the probe ---- */

struct fd_id {
	bool open;
	dev_t dev;
	ino_t ino;
};

static bool same_file(const char *path, unsigned long long dev, unsigned long long ino)
{
	struct stat sb;

	return stat(path, &sb) == 0 && (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

/* The name, relative to the temporary directory, of the file (or "/dev/null")
 * with that identity; files the child created differ from run to run. */
static bool file_name_of(const char *dir, unsigned long long dev, unsigned long long ino, char *out,
                         size_t size)
{
	static const char *const subdirs[] = {"", "/sub", "/a"};
	char path[PATH_MAX];

	if (same_file("/dev/null", dev, ino)) {
		snprintf(out, size, "/dev/null");
		return true;
	}
	for (size_t i = 0; dir != NULL && i < sizeof subdirs / sizeof subdirs[0]; i++) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof path, "%s%s", dir, subdirs[i]);
		d = opendir(path);
		while (d != NULL && (e = readdir(d)) != NULL) {
			snprintf(path, sizeof path, "%s%s/%s", dir, subdirs[i], e->d_name);
			if (e->d_name[0] != '.' && same_file(path, dev, ino)) {
				snprintf(out, size, "tmp%s/%s", subdirs[i], e->d_name);
				closedir(d);
				return true;
			}
		}
		if (d != NULL)
			closedir(d);
	}
	return false;
}

/* "dev:ino:cloexec:access" -> "pfdN:cloexec:access" when the parent had that
 * file open as fd N at the spawn, or the file's name when it is one the test
 * knows, so that the same file reads the same in both runs. */
static void normalise_fd(const struct ctx *c, const struct fd_id *snap, const char *value,
                         char *out, size_t size)
{
	unsigned long long dev, ino;
	char name[PATH_MAX];
	int pos = 0;

	if (sscanf(value, "%llu:%llu:%n", &dev, &ino, &pos) == 2 && pos > 0) {
		for (int fd = 0; fd < SNAP_FDS; fd++) {
			if (snap[fd].open && (unsigned long long)snap[fd].dev == dev &&
			    (unsigned long long)snap[fd].ino == ino) {
				snprintf(out, size, "pfd%d:%s", fd, value + pos);
				return;
			}
		}
		if (file_name_of(c->dir, dev, ino, name, sizeof name)) {
			snprintf(out, size, "%s:%s", name, value + pos);
			return;
		}
		snprintf(out, size, "unknown:%s", value + pos);
		return;
	}
	snprintf(out, size, "%s", value);
}

static int item_cmp(const void *a, const void *b)
{
	const struct report_item *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static void normalise_id(pid_t child, const char *value, char *out, size_t size)
{
	long v = strtol(value, NULL, 10);

	if (v == child)
		snprintf(out, size, "child");
	else if (v == getpid())
		snprintf(out, size, "parent");
	else if (v == getpgrp())
		snprintf(out, size, "parent-pgrp");
	else if (v == getsid(0))
		snprintf(out, size, "parent-sid");
	else
		snprintf(out, size, "%s", value);
}

static bool report_pipe_open(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return false;
	if (dup3(p[0], REPORT_RFD, O_CLOEXEC) < 0 || dup2(p[1], REPORT_WFD) < 0)
		return false;
	close(p[0]);
	close(p[1]);
	return true;
}

/*
 * Whether a start that returned 0 is glibc losing the child's error under an
 * emulator: the child (pid, or any child for a NULL pid argument) exits 127
 * having reported nothing on rfd (-1: no report pipe). Only then is it
 * reaped; otherwise it is left for the caller and what was seen is logged.
 */
static bool error_lost(struct ctx *c, pid_t pid, int rfd)
{
	struct report rep = {0};
	const struct timespec tick = {0, 5000000};
	siginfo_t si = {0};
	bool reported = rfd >= 0 && report_read(rfd, &rep) == 0 && rep.nitems > 0;
	int tries = 0;

	report_free(&rep);
	while (waitid(pid > 0 ? P_PID : P_ALL, pid > 0 ? (id_t)pid : 0, &si,
	              WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == 0 && tries++ < 6000) /* 30 s */
		nanosleep(&tick, NULL);
	if (!reported && si.si_pid > 0 && si.si_code == CLD_EXITED && si.si_status == 127) {
		waitpid(si.si_pid, NULL, 0);
		return true;
	}
	note(c, "harness: spawn = 0 where subproc's failed: report %s, child %s",
	     reported ? "read" : "none", si.si_pid > 0 ? "ended otherwise" : "still running");
	return false;
}

/*
 * Counts a start, whose result is r, and under an emulator gives the glibc
 * run subproc's failure where glibc lost it (above): then *pid (when pid is
 * not NULL) is as a failed start leaves it. Returns the result to log.
 */
static int started(struct ctx *c, int r, pid_t *pid, int rfd)
{
	size_t nth = c->nspawn++;

	if (nth >= sizeof c->results / sizeof c->results[0]) {
		note(c, "harness: more starts than results[] holds");
		c->failed = true;
		return r;
	}
	if (r == 0 && c->truth != NULL && nth < c->truth->nspawn && c->truth->results[nth] != 0) {
		if (error_lost(c, pid != NULL ? *pid : -1, rfd)) {
			r = c->truth->results[nth];
			if (pid != NULL)
				*pid = -777;
			c->lost++;
		} else {
			c->failed = true;
		}
	}
	c->results[nth] = r;
	return r;
}

/*
 * Spawns `file` (searched in PATH when `search`) with argv {argv0,
 * "--report-fd", N, args...} and envp, the report expected on child fd
 * `rfd`, then logs the result, whether *pid was written, and the report
 * (or that no child is left). Returns the spawn's result.
 */
static int spawn_probe_env(struct ctx *c, bool search, const char *file, const void *fa,
                           const void *at, int rfd, const char *const *args, char *const *envp)
{
	const struct api *A = c->api;
	struct fd_id snap[SNAP_FDS];
	const char *argv[64];
	char rfdtext[16];
	pid_t pid = -777;
	int n = 0, r, st = -1;

	if (!report_pipe_open()) {
		note(c, "harness: report pipe: %s", strerror(errno));
		c->failed = true;
		return -1;
	}
	snprintf(rfdtext, sizeof rfdtext, "%d", rfd);
	argv[n++] = "probe";
	argv[n++] = "--report-fd";
	argv[n++] = rfdtext;
	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	for (int fd = 0; fd < SNAP_FDS; fd++) {
		struct stat sb;
		snap[fd].open = fstat(fd, &sb) == 0;
		snap[fd].dev = snap[fd].open ? sb.st_dev : 0;
		snap[fd].ino = snap[fd].open ? sb.st_ino : 0;
	}

	r = (search ? A->spawnp : A->spawn)(&pid, file, fa, at, (char *const *)argv, envp);
	close(REPORT_WFD);
	r = started(c, r, &pid, REPORT_RFD);
	note(c, "spawn%s = %s, pid %s", search ? "p" : "", ename(r),
	     pid == -777 ? "untouched" : "written");
	if (r != 0) {
		note(c, "children after the failure: %s", no_children() ? "none" : "SOME");
		close(REPORT_RFD);
		return r;
	}

	struct report rep = {0};
	bool reported = report_read(REPORT_RFD, &rep) == 0 && rep.nitems > 0;
	if (!reported) {
		note(c, "report: none");
	} else {
		/* Sorted, because the environment's order changes when a
		 * scenario sets PATH. */
		qsort(rep.items, rep.nitems, sizeof rep.items[0], item_cmp);
		for (size_t i = 0; i < rep.nitems; i++) {
			const char *k = rep.items[i].key, *v = rep.items[i].value;
			char buf[PATH_MAX + 128];

			/* proc_pids counts the machine's processes, which the
			 * other tests running beside this one change. */
			if (strcmp(k, "pid") == 0 || strcmp(k, "proc_pids") == 0)
				continue;
			/* The portable build cannot ignore glibc's own signals
			 * 32 and 33 through glibc, as glibc's child does. */
			if (SUBPROC_TEST_PORTABLE && strcmp(k, "proc.SigIgn") == 0)
				continue;
			if (strcmp(k, "ppid") == 0 || strcmp(k, "sid") == 0 ||
			    strcmp(k, "pgid") == 0 || strcmp(k, "tty_pgrp") == 0)
				normalise_id(pid, v, buf, sizeof buf);
			else if (strncmp(k, "fd.", 3) == 0)
				normalise_fd(c, snap, v, buf, sizeof buf);
			else
				snprintf(buf, sizeof buf, "%s", v);
			note(c, "  %s=%s", k, buf);
		}
	}
	report_free(&rep);
	close(REPORT_RFD);
	if (waitpid_bounded(pid, &st, 30000) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		note(c, "harness: the child did not end");
		c->failed = true;
	}
	note(c, "status 0x%x", st);
	/* Under an emulator the glibc run copies the subproc run's failures,
	 * so a failure subproc lost as glibc does would go unseen. */
	if (SUBPROC_TEST_EMULATED && c->api == &subproc_api && !reported && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 127) {
		note(c, "harness: a start that returned 0 whose child exited 127 unreported");
		c->failed = true;
	}
	return r;
}

static int spawn_probe(struct ctx *c, const void *fa, const void *at, int rfd,
                       const char *const *args)
{
	return spawn_probe_env(c, false, PROBE, fa, at, rfd, args, environ);
}

/* Runs the scenario through both families and compares the logs. */
static void differential(void (*scenario)(struct ctx *))
{
	struct ctx *g = calloc(1, sizeof *g), *s = calloc(1, sizeof *s);
	char *dir = tempdir_make();

	assert_non_null(g);
	assert_non_null(s);
	assert_non_null(dir);
	g->api = &glibc_api;
	s->api = &subproc_api;
	g->dir = s->dir = dir;
	if (SUBPROC_TEST_EMULATED) {
		g->truth = s;
		scenario(s);
		scenario(g);
		if (g->lost > 0)
			printf("note: glibc reported success for %d failed starts that subproc "
			       "reported (the emulator)\n",
			       g->lost);
	} else {
		scenario(g);
		scenario(s);
	}
	/* For a reader who wants to see what was compared. */
	if (getenv("SUBPROC_TEST_POSIX_LOG") != NULL)
		fprintf(stderr, "%s", g->log);
	if (strcmp(g->log, s->log) != 0) {
		const char *a = g->log, *b = s->log;
		int line = 1;

		while (*a && *a == *b) {
			line += *a == '\n';
			a++, b++;
		}
		fprintf(stderr, "the logs differ from line %d\n--- glibc:\n%s--- subproc:\n%s",
		        line, g->log, s->log);
	}
	assert_string_equal(g->log, s->log);
	assert_false(g->failed);
	assert_false(s->failed);
	assert_true(no_children());
	tempdir_remove(dir);
	free(g);
	free(s);
}

static int nofile_limit(void)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	return rl.rlim_cur > INT_MAX ? INT_MAX : (int)rl.rlim_cur;
}

/* ---- scenarios ---- */

/* What each function accepts and refuses before any spawn. */
static void scen_validation(struct ctx *c)
{
	const struct api *A = c->api;
	union fa_store fa;
	union at_store at;
	int lim = nofile_limit(), policy = -1;
	struct sched_param sp = {.sched_priority = -3};
	short flags = 77;
	pid_t pg = 77;
	sigset_t set;

	EXPECT(c, A->fa_init(&fa), 0);
	EXPECT(c, A->addclose(&fa, -1), EBADF);
	EXPECT(c, A->addclose(&fa, lim), EBADF);
	EXPECT(c, A->addclose(&fa, INT_MAX), EBADF);
	EXPECT(c, A->addclose(&fa, lim - 1), 0);
	EXPECT(c, A->addopen(&fa, -1, "/x", O_RDONLY, 0), EBADF);
	EXPECT(c, A->addopen(&fa, lim, "/x", O_RDONLY, 0), EBADF);
	EXPECT(c, A->addopen(&fa, 5, "/x", -1, 07777777), 0);
	EXPECT(c, A->adddup2(&fa, -1, 3), EBADF);
	EXPECT(c, A->adddup2(&fa, 3, -1), EBADF);
	EXPECT(c, A->adddup2(&fa, lim, 3), EBADF);
	EXPECT(c, A->adddup2(&fa, 3, lim), EBADF);
	EXPECT(c, A->adddup2(&fa, 3, 3), 0);
	EXPECT(c, A->addchdir(&fa, ""), 0);
	/* glibc 2.36 does not check addfchdir_np's fd at all. */
	EXPECT(c, A->addfchdir(&fa, -1), 0);
	EXPECT(c, A->addfchdir(&fa, lim), 0);
	EXPECT(c, A->addclosefrom(&fa, -1), EBADF);
	EXPECT(c, A->addclosefrom(&fa, lim), EBADF);
	EXPECT(c, A->addclosefrom(&fa, INT_MAX), EBADF);
	EXPECT(c, A->addclosefrom(&fa, lim - 1), 0);
	EXPECT(c, A->addtcsetpgrp(&fa, -1), EBADF);
	EXPECT(c, A->addtcsetpgrp(&fa, lim), EBADF);
	EXPECT(c, A->addtcsetpgrp(&fa, 0), 0);
	EXPECT(c, A->fa_destroy(&fa), 0);

	EXPECT(c, A->at_init(&at), 0);
	CALL(c, A->getflags(&at, &flags));
	note(c, "flags %d", flags);
	CALL(c, A->getpgroup(&at, &pg));
	note(c, "pgroup %d", (int)pg);
	CALL(c, A->getschedpolicy(&at, &policy));
	note(c, "policy %d", policy);
	CALL(c, A->getsigmask(&at, &set));
	sigset_note(c, "initial sigmask", &set);
	CALL(c, A->getsigdefault(&at, &set));
	sigset_note(c, "initial sigdefault", &set);
	for (int bit = 0; bit < 16; bit++) {
		/* 0x100 is glibc 2.39's SETCGROUP, which subproc has and glibc
		 * 2.36 has not: the one difference, left out on purpose. */
		if (bit == 8)
			continue;
		note(c, "setflags(1 << %d) = %s", bit, ename(A->setflags(&at, (short)(1u << bit))));
	}
	EXPECT(c, A->setflags(&at, (short)0xff), 0);
	EXPECT(c, A->setflags(&at, -1), EINVAL);
	CALL(c, A->getflags(&at, &flags));
	note(c, "flags %d", flags);
	for (int p = -1; p < 9; p++)
		note(c, "setschedpolicy(%d) = %s", p, ename(A->setschedpolicy(&at, p)));
	EXPECT(c, A->setschedpolicy(&at, SCHED_BATCH), EINVAL);
	CALL(c, A->getschedpolicy(&at, &policy));
	note(c, "policy %d", policy);
	EXPECT(c, A->setpgroup(&at, -5), 0);
	CALL(c, A->getpgroup(&at, &pg));
	note(c, "pgroup %d", (int)pg);
	EXPECT(c, A->setschedparam(&at, &sp), 0);
	sp.sched_priority = 0;
	CALL(c, A->getschedparam(&at, &sp));
	note(c, "priority %d", sp.sched_priority);
	sigfillset(&set);
	EXPECT(c, A->setsigmask(&at, &set), 0);
	sigemptyset(&set);
	CALL(c, A->getsigmask(&at, &set));
	sigset_note(c, "full sigmask", &set);
	sigfillset(&set);
	EXPECT(c, A->setsigdefault(&at, &set), 0);
	sigemptyset(&set);
	CALL(c, A->getsigdefault(&at, &set));
	sigset_note(c, "full sigdefault", &set);
	/* Bits libc's sigfillset leaves out: copied as they are. */
	memset(&set, 0xff, sizeof set);
	CALL(c, A->setsigmask(&at, &set));
	sigemptyset(&set);
	CALL(c, A->getsigmask(&at, &set));
	sigset_note(c, "raw sigmask", &set);
	memset(&set, 0xff, sizeof set);
	CALL(c, A->setsigdefault(&at, &set));
	sigemptyset(&set);
	CALL(c, A->getsigdefault(&at, &set));
	sigset_note(c, "raw sigdefault", &set);
	EXPECT(c, A->at_destroy(&at), 0);
}

static void test_posix_validation(void **state)
{
	(void)state;
	differential(scen_validation);
}

/* No file actions, no attributes: every fd that is not close-on-exec is
 * inherited, the others are not. */
static void scen_inherit(struct ctx *c)
{
	int a = fd_marker(false, 20), b = fd_marker(true, 21);

	spawn_probe(c, NULL, NULL, REPORT_WFD, NULL);
	close(a);
	close(b);
}

static void test_posix_inherit(void **state)
{
	(void)state;
	differential(scen_inherit);
}

/* File actions run in order: a dup2 onto 22 is replaced by a later open of
 * 22, a dup2 from 22 after that sees the file, and a close then a dup2 from
 * the closed fd fails. */
static void scen_order(struct ctx *c)
{
	const struct api *A = c->api;
	int a = fd_marker(false, 20), b = fd_marker(false, 21);
	union fa_store fa;

	A->fa_init(&fa);
	EXPECT(c, A->adddup2(&fa, 20, 22), 0);
	EXPECT(c, A->addopen(&fa, 22, path_in(c, "out"), O_WRONLY | O_CREAT | O_TRUNC, 0640), 0);
	EXPECT(c, A->adddup2(&fa, 22, 23), 0);
	EXPECT(c, A->adddup2(&fa, 21, 20), 0);
	EXPECT(c, A->addclose(&fa, 21), 0);
	EXPECT(c, A->addclose(&fa, 77), 0); /* not open: no error */
	spawn_probe(c, &fa, NULL, REPORT_WFD, ARGS("--stat", path_in(c, "out")));
	A->fa_destroy(&fa);

	A->fa_init(&fa);
	A->addclose(&fa, 20);
	A->adddup2(&fa, 20, 24);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
	A->fa_destroy(&fa);

	/* A close of an fd that is not open is no error, unless the fd limit
	 * dropped below it after the action was added. */
	struct rlimit rl, low;
	A->fa_init(&fa);
	EXPECT(c, A->addclose(&fa, 150), 0);
	spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = 128;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	A->fa_destroy(&fa);
	close(a);
	close(b);
}

static void test_posix_file_actions_in_order(void **state)
{
	(void)state;
	differential(scen_order);
}

/* adddup2(fd, fd) clears close-on-exec (POSIX.1-2024); from a close-on-exec
 * fd to another, the copy is inherited and the original is not. */
static void scen_dup2_same(struct ctx *c)
{
	const struct api *A = c->api;
	int a = fd_marker(true, 21), b = fd_marker(true, 22);
	union fa_store fa;

	A->fa_init(&fa);
	A->adddup2(&fa, 21, 21);
	A->adddup2(&fa, 22, 23);
	spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
	A->fa_destroy(&fa);
	/* The parent's own flag is untouched. */
	note(c, "parent's fd 21 cloexec: %d", fcntl(21, F_GETFD) & FD_CLOEXEC);

	A->fa_init(&fa);
	A->adddup2(&fa, 60, 60);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
	A->fa_destroy(&fa);
	close(a);
	close(b);
}

static void test_posix_dup2_same_fd_clears_cloexec(void **state)
{
	(void)state;
	differential(scen_dup2_same);
}

/* addopen closes its target first; O_CLOEXEC survives only when the file
 * lands on the target directly (the lowest free fd), not after a dup2. */
static void scen_open(struct ctx *c)
{
	const struct api *A = c->api;
	int low = fd_unused(3), marker = fd_marker(false, 30);
	union fa_store fa;

	A->fa_init(&fa);
	A->addopen(&fa, low, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	A->addopen(&fa, 40, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	A->addopen(&fa, 30, "/dev/null", O_WRONLY, 0); /* replaces the marker */
	A->addopen(&fa, 31, path_in(c, "new"), O_RDWR | O_CREAT | O_EXCL, 0600);
	spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
	note(c, "created: %d", access(path_in(c, "new"), F_OK) == 0);
	unlink(path_in(c, "new"));
	A->fa_destroy(&fa);

	/* An open that fails fails the spawn, after the earlier actions ran. */
	A->fa_init(&fa);
	A->addopen(&fa, 32, path_in(c, "made-before"), O_WRONLY | O_CREAT, 0600);
	A->addopen(&fa, 33, path_in(c, "missing/x"), O_RDONLY, 0);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), ENOENT);
	note(c, "made-before: %d", access(path_in(c, "made-before"), F_OK) == 0);
	unlink(path_in(c, "made-before"));
	A->fa_destroy(&fa);
	close(marker);
}

static void test_posix_addopen(void **state)
{
	(void)state;
	differential(scen_open);
}

/* chdir and fchdir, and what later relative paths then mean. */
static void scen_chdir(struct ctx *c)
{
	const struct api *A = c->api;
	int dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int filefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	union fa_store fa;

	mkdir(path_in(c, "sub"), 0755);
	A->fa_init(&fa);
	A->addchdir(&fa, c->dir);
	A->addchdir(&fa, "sub");
	A->addopen(&fa, 35, "rel", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	spawn_probe(c, &fa, NULL, REPORT_WFD, ARGS("--stat", "rel"));
	unlink(path_in(c, "sub/rel"));
	A->fa_destroy(&fa);

	A->fa_init(&fa);
	A->addfchdir(&fa, dirfd);
	spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
	A->fa_destroy(&fa);

	const char *bad[] = {"", "/nonexistent-dir", "/dev/null"};
	for (size_t i = 0; i < 3; i++) {
		A->fa_init(&fa);
		A->addchdir(&fa, bad[i]);
		spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
		A->fa_destroy(&fa);
	}
	int badfd[] = {-1, fd_unused(50), filefd};
	for (size_t i = 0; i < 3; i++) {
		A->fa_init(&fa);
		A->addfchdir(&fa, badfd[i]);
		spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
		A->fa_destroy(&fa);
	}
	close(dirfd);
	close(filefd);
}

static void test_posix_chdir_fchdir(void **state)
{
	(void)state;
	differential(scen_chdir);
}

/* addclosefrom_np closes at once: a later dup2 from a closed fd fails. And
 * an exec that fails after it still reports its own error. */
static void scen_closefrom(struct ctx *c)
{
	const struct api *A = c->api;
	int a = fd_marker(false, 20), b = fd_marker(false, 30);
	union fa_store fa;

	A->fa_init(&fa);
	A->adddup2(&fa, REPORT_WFD, 5);
	A->adddup2(&fa, 30, 6);
	A->addclosefrom(&fa, 6);
	spawn_probe(c, &fa, NULL, 5, NULL);
	A->fa_destroy(&fa);

	A->fa_init(&fa);
	A->addclosefrom(&fa, 3);
	A->adddup2(&fa, 20, 7);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
	A->fa_destroy(&fa);

	A->fa_init(&fa);
	A->addclosefrom(&fa, 0);
	EXPECT(c, spawn_probe_env(c, false, "/nonexistent", &fa, NULL, 1, NULL, environ), ENOENT);
	A->fa_destroy(&fa);
	close(a);
	close(b);
}

static void test_posix_closefrom(void **state)
{
	(void)state;
	differential(scen_closefrom);
}

/* The file actions see exactly the caller's fd table: the fds below are
 * free in the parent, and on the fork path they are where the status pipe
 * would be (regression: the pipe's ends must not be visible). */
static void scen_fds_the_caller_lacks(struct ctx *c)
{
	const struct api *A = c->api;
	int low = fd_unused(3);
	union fa_store fa;

	for (int i = 0; i < 3; i++) {
		A->fa_init(&fa);
		A->adddup2(&fa, low + i, 40);
		EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
		A->fa_destroy(&fa);
		A->fa_init(&fa);
		A->addfchdir(&fa, low + i);
		EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), EBADF);
		A->fa_destroy(&fa);
	}
	A->fa_init(&fa);
	A->addopen(&fa, low, "/dev/null", O_RDONLY, 0);
	A->addopen(&fa, low + 1, "/dev/null", O_RDONLY, 0);
	A->adddup2(&fa, low + 1, low + 2);
	spawn_probe(c, &fa, NULL, REPORT_WFD, NULL);
	A->fa_destroy(&fa);
}

static void test_posix_fds_the_caller_lacks(void **state)
{
	(void)state;
	differential(scen_fds_the_caller_lacks);
}

/* execve failures come back as the result, with *pid untouched and no
 * child left. */
static void scen_exec_errors(struct ctx *c)
{
	char *noexec = file_make(c->dir, "noexec", "#!/bin/sh\n", 10, 0644);
	char *noshebang = file_make(c->dir, "noshebang", "echo hi\n", 8, 0755);
	char *badinterp = file_make(c->dir, "badinterp", "#!/nonexistent/sh\n", 18, 0755);

	EXPECT(c, spawn_probe_env(c, false, "/nonexistent", NULL, NULL, 1, NULL, environ), ENOENT);
	EXPECT(c, spawn_probe_env(c, false, c->dir, NULL, NULL, 1, NULL, environ), EACCES);
	EXPECT(c, spawn_probe_env(c, false, noexec, NULL, NULL, 1, NULL, environ), EACCES);
	EXPECT(c, spawn_probe_env(c, false, noshebang, NULL, NULL, 1, NULL, environ), ENOEXEC);
	EXPECT(c, spawn_probe_env(c, false, badinterp, NULL, NULL, 1, NULL, environ), ENOENT);
	EXPECT(c, spawn_probe_env(c, false, "", NULL, NULL, 1, NULL, environ), ENOENT);
	free(noexec);
	free(noshebang);
	free(badinterp);
}

static void test_posix_exec_errors(void **state)
{
	(void)state;
	differential(scen_exec_errors);
}

/* posix_spawnp's search, with the caller's PATH set to each case. */
static void scen_spawnp(struct ctx *c)
{
	const struct api *A = c->api;
	const char *saved = getenv("PATH");
	char *saved_copy = saved ? strdup(saved) : NULL;
	char path[PATH_MAX * 2], longname[300];
	char *const only_bin[] = {"PATH=/nonexistent", NULL};
	union fa_store fa;

	mkdir(path_in(c, "a"), 0755);
	mkdir(path_in(c, "denied"), 0755);
	mkdir(path_in(c, "script"), 0755);
	free(probe_copy(path_in(c, "a"), "pprobe"));
	free(file_make(path_in(c, "denied"), "pprobe", "x", 1, 0644));
	free(file_make(path_in(c, "script"), "pprobe", "echo hi\n", 8, 0755));
	free(file_make(c->dir, "notdir", "x", 1, 0644));

	struct {
		const char *path; /* "%1$s" is the temporary directory */
		const char *file;
	} cases[] = {
		{"%1$s/none:%1$s/a", "pprobe"},   {"%1$s/denied:%1$s/a", "pprobe"},
		{"%1$s/denied", "pprobe"},        {"%1$s/denied:%1$s/none", "pprobe"},
		{"%1$s/notdir", "pprobe"},        {"%1$s/none:%1$s/notdir", "pprobe"},
		{"%1$s/script:%1$s/a", "pprobe"}, {"%1$s/a", ""},
		{"%1$s/a", "a/pprobe"},           {"%1$s/a", PROBE},
		{"/nonexistent:", "pprobe"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, cases[i].path, c->dir);
		setenv("PATH", path, 1);
		note(c, "case %zu", i);
		spawn_probe_env(c, true, cases[i].file, NULL, NULL, REPORT_WFD, NULL, environ);
	}

	/* An empty entry is the child's directory after the file actions. */
	setenv("PATH", "/nonexistent:", 1);
	A->fa_init(&fa);
	A->addchdir(&fa, path_in(c, "a"));
	EXPECT(c, spawn_probe_env(c, true, "pprobe", &fa, NULL, REPORT_WFD, NULL, environ), 0);
	A->fa_destroy(&fa);

	/* The caller's PATH is searched, not the one in envp. */
	snprintf(path, sizeof path, "%s", path_in(c, "a"));
	setenv("PATH", path, 1);
	EXPECT(c, spawn_probe_env(c, true, "pprobe", NULL, NULL, REPORT_WFD, NULL, only_bin), 0);

	/* NAME_MAX is the longest name. */
	memset(longname, 'n', sizeof longname);
	longname[NAME_MAX] = '\0';
	EXPECT(c, spawn_probe_env(c, true, longname, NULL, NULL, REPORT_WFD, NULL, environ),
	       ENOENT);
	longname[NAME_MAX] = 'n';
	longname[NAME_MAX + 1] = '\0';
	EXPECT(c, spawn_probe_env(c, true, longname, NULL, NULL, REPORT_WFD, NULL, environ),
	       ENAMETOOLONG);

	/* glibc's quirk with an entry longer than PATH_MAX: skipped, and the
	 * name tried as it is (in the child's directory) in its place. */
	memset(path, 'x', PATH_MAX + 10);
	snprintf(path + PATH_MAX + 10, sizeof path - PATH_MAX - 10, ":/nonexistent");
	setenv("PATH", path, 1);
	A->fa_init(&fa);
	A->addchdir(&fa, path_in(c, "a"));
	spawn_probe_env(c, true, "pprobe", &fa, NULL, REPORT_WFD, NULL, environ);
	A->fa_destroy(&fa);

	/* Unset: /bin:/usr/bin. */
	unsetenv("PATH");
	spawn_probe_env(c, true, "true", NULL, NULL, REPORT_WFD, NULL, environ);
	spawn_probe_env(c, true, "pprobe", NULL, NULL, REPORT_WFD, NULL, environ);

	if (saved_copy)
		setenv("PATH", saved_copy, 1);
	free(saved_copy);
}

static void test_posix_spawnp_search(void **state)
{
	(void)state;
	differential(scen_spawnp);
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Every attribute flag. */
static void scen_attrs(struct ctx *c)
{
	const struct api *A = c->api;
	struct sigaction ign = {.sa_handler = SIG_IGN}, handle = {.sa_handler = on_usr2}, old1,
			 old2;
	struct sched_param sp = {.sched_priority = 0};
	union at_store at;
	sigset_t set, oldmask;

	sigaction(SIGUSR1, &ign, &old1);
	sigaction(SIGUSR2, &handle, &old2);
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &oldmask);

	/* With glibc's handlers for signals 32 and 33 installed, as in a
	 * program that cancels a thread or changes ids. */
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, sleeper, NULL), 0);
	pthread_cancel(t);
	pthread_join(t, NULL);
	assert_int_equal(setuid(getuid()), 0);

	struct {
		short flags;
		pid_t pgroup; /* -2: the parent's group */
		int policy, priority;
		bool raw; /* signal sets with every bit set, 32 and 33 too */
	} cases[] = {
		{0, 0, 0, 0, false},
		{POSIX_SPAWN_SETPGROUP, 0, 0, 0, false},
		{POSIX_SPAWN_SETPGROUP, -2, 0, 0, false},
		{POSIX_SPAWN_SETPGROUP, -5, 0, 0, false},
		{POSIX_SPAWN_SETPGROUP, 1, 0, 0, false},
		{POSIX_SPAWN_SETSID, 0, 0, 0, false},
		{POSIX_SPAWN_SETSID | POSIX_SPAWN_SETPGROUP, 0, 0, 0, false},
		{POSIX_SPAWN_RESETIDS, 0, 0, 0, false},
		{POSIX_SPAWN_USEVFORK, 0, 0, 0, false},
		{POSIX_SPAWN_SETSIGMASK, 0, 0, 0, false},
		{POSIX_SPAWN_SETSIGDEF, 0, 0, 0, false},
		{POSIX_SPAWN_SETSIGMASK, 0, 0, 0, true},
		{POSIX_SPAWN_SETSIGDEF, 0, 0, 0, true},
		{POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF, 0, 0, 0, true},
		{POSIX_SPAWN_SETSCHEDPARAM, 0, 0, 0, false},
		{POSIX_SPAWN_SETSCHEDPARAM, 0, 0, 5, false},
		{POSIX_SPAWN_SETSCHEDULER, 0, SCHED_OTHER, 0, false},
		{POSIX_SPAWN_SETSCHEDULER, 0, SCHED_FIFO, 0, false},
		{POSIX_SPAWN_SETSCHEDULER, 0, SCHED_RR, 1, false},
		{POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSCHEDPARAM, 0, SCHED_OTHER, 3, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		note(c, "case %zu", i);
		A->at_init(&at);
		CALL(c, A->setflags(&at, cases[i].flags));
		A->setpgroup(&at, cases[i].pgroup == -2 ? getpgrp() : cases[i].pgroup);
		sigfillset(&set);
		if (cases[i].raw)
			memset(&set, 0xff, sizeof set);
		A->setsigmask(&at, &set);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGINT);
		if (cases[i].raw)
			memset(&set, 0xff, sizeof set);
		A->setsigdefault(&at, &set);
		A->setschedpolicy(&at, cases[i].policy);
		sp.sched_priority = cases[i].priority;
		A->setschedparam(&at, &sp);
		spawn_probe(c, NULL, &at, REPORT_WFD, NULL);
		A->at_destroy(&at);
	}

	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGUSR1, &old1, NULL);
	sigaction(SIGUSR2, &old2, NULL);
}

static void test_posix_attributes(void **state)
{
	(void)state;
	differential(scen_attrs);
}

/* A copy of the probe that 65534 can execute, for scen_resetids. */
static char *resetids_probe;

/* RESETIDS with real ids other than the effective ones: the child's
 * effective ids become the real ones, glibc's way (euid first). The child
 * then runs as 65534, so it runs a copy of the probe that 65534 can reach:
 * the build tree may be closed to it, and both families failing with
 * EACCES would compare equal. */
static void scen_resetids(struct ctx *c)
{
	const struct api *A = c->api;
	union at_store at;
	size_t from;

	assert_int_equal(setresgid(65534, 0, 0), 0);
	assert_int_equal(setresuid(65534, 0, 0), 0);
	A->at_init(&at);
	A->setflags(&at, POSIX_SPAWN_RESETIDS);
	from = c->len;
	EXPECT(c, spawn_probe_env(c, false, resetids_probe, NULL, &at, REPORT_WFD, NULL, environ),
	       0);
	/* Equal logs alone would not show that the child ran as 65534. */
	if (strstr(c->log + from, "\n  euid=65534\n") == NULL ||
	    strstr(c->log + from, "\n  egid=65534\n") == NULL) {
		fprintf(stderr, "%s: with RESETIDS the child's effective ids are not 65534\n",
		        A->name);
		c->failed = true;
	}
	A->at_destroy(&at);
	from = c->len;
	EXPECT(c, spawn_probe_env(c, false, resetids_probe, NULL, NULL, REPORT_WFD, NULL, environ),
	       0);
	if (strstr(c->log + from, "\n  euid=0\n") == NULL ||
	    strstr(c->log + from, "\n  uid=65534\n") == NULL) {
		fprintf(stderr, "%s: without RESETIDS the child's ids are not the caller's\n",
		        A->name);
		c->failed = true;
	}
	assert_int_equal(setresuid(0, 0, 0), 0);
	assert_int_equal(setresgid(0, 0, 0), 0);
}

static void test_posix_resetids(void **state)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	char *dir;

	(void)state;
	if (getuid() != 0)
		skip_because("giving the caller real ids other than its effective ones needs root");
	assert_true(n >= 0);
	probe_copy_for_or_skip(65534, 65534, groups, (size_t)n, &dir, &resetids_probe);
	differential(scen_resetids);
	free(resetids_probe);
	resetids_probe = NULL;
	tempdir_remove(dir);
}

/* envp and argv go to execve as they are: a given environment, none at
 * all, and an empty argv (the kernel then supplies ""). */
static void scen_env_argv(struct ctx *c)
{
	const struct api *A = c->api;
	char *const env[] = {"A=1", "B=two words", "EMPTY=", NULL};
	char *const noargs[] = {NULL};
	union fa_store fa;
	pid_t pid = -777;
	int st = -1, r;

	spawn_probe_env(c, false, PROBE, NULL, NULL, REPORT_WFD, ARGS("--exit", "0"), env);
	spawn_probe_env(c, false, PROBE, NULL, NULL, REPORT_WFD, NULL, NULL);

	/* With no argv the probe gets no --report-fd: the report goes to
	 * fd 1, which is the report pipe here. */
	A->fa_init(&fa);
	assert_true(report_pipe_open());
	A->adddup2(&fa, REPORT_WFD, 1);
	r = A->spawn(&pid, PROBE, &fa, NULL, noargs, env);
	close(REPORT_WFD);
	CALL(c, started(c, r, &pid, REPORT_RFD));
	struct report rep = {0};
	if (report_read(REPORT_RFD, &rep) == 0) {
		note(c, "argv=%s", report_get(&rep, "argv") ? report_get(&rep, "argv") : "-");
		note(c, "argv.0=%s", report_get(&rep, "argv.0") ? report_get(&rep, "argv.0") : "-");
	}
	report_free(&rep);
	close(REPORT_RFD);
	if (pid > 0)
		waitpid_bounded(pid, &st, 30000);
	note(c, "status 0x%x", st);
	A->fa_destroy(&fa);

	/* A NULL pid is allowed. */
	A->fa_init(&fa);
	A->addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	EXPECT(c, started(c, A->spawn(NULL, "/nonexistent", &fa, NULL, noargs, env), NULL, -1),
	       ENOENT);
	A->fa_destroy(&fa);
}

static void test_posix_env_argv(void **state)
{
	(void)state;
	differential(scen_env_argv);
}

/* addtcsetpgrp_np: a new session takes a pty as its terminal by opening
 * it, then puts its group in the foreground. */
static void scen_tcsetpgrp(struct ctx *c)
{
	const struct api *A = c->api;
	union fa_store fa;
	union at_store at;
	char name[128];
	int m, s, devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (pty_open(&m, &s) < 0) {
		note(c, "no pty");
		close(devnull);
		return;
	}
	assert_int_equal(ptsname_r(m, name, sizeof name), 0);
	A->at_init(&at);
	A->setflags(&at, POSIX_SPAWN_SETSID);
	A->fa_init(&fa);
	A->addopen(&fa, 0, name, O_RDWR, 0);
	A->addtcsetpgrp(&fa, 0);
	EXPECT(c, spawn_probe(c, &fa, &at, REPORT_WFD, NULL), 0);
	A->fa_destroy(&fa);

	/* Not a terminal; and a terminal that is not the child's. */
	A->fa_init(&fa);
	A->addtcsetpgrp(&fa, devnull);
	EXPECT(c, spawn_probe(c, &fa, NULL, REPORT_WFD, NULL), ENOTTY);
	A->fa_destroy(&fa);
	A->fa_init(&fa);
	A->addtcsetpgrp(&fa, s);
	spawn_probe(c, &fa, &at, REPORT_WFD, NULL);
	A->fa_destroy(&fa);
	A->at_destroy(&at);
	close(m);
	close(s);
	close(devnull);
}

static void test_posix_tcsetpgrp(void **state)
{
	(void)state;
	differential(scen_tcsetpgrp);
}

/* ---- beyond glibc 2.36 ---- */

static void test_posix_pidfd_spawn(void **state)
{
	subproc_posix_spawn_file_actions_t fa;
	char *const argv[] = {PROBE, "--exit", "7", NULL};
	int pidfd = -777, fdcount = fd_count();
	siginfo_t si;

	(void)state;
	need_linux_build("pidfd");
	subproc_posix_spawn_file_actions_init(&fa);
	subproc_posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	assert_int_equal(subproc_pidfd_spawn(&pidfd, PROBE, &fa, NULL, argv, environ), 0);
	assert_true(pidfd >= 0);
	assert_true(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
	memset(&si, 0, sizeof si);
	assert_int_equal(waitid((idtype_t)3 /* P_PIDFD */, (id_t)pidfd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 7);
	close(pidfd);

	pidfd = -777;
	assert_int_equal(
		subproc_pidfd_spawnp(&pidfd, "subproc-no-such-program", &fa, NULL, argv, environ),
		ENOENT);
	assert_int_equal(pidfd, -777);
	assert_true(no_children());
	assert_int_equal(fd_count(), fdcount);
	subproc_posix_spawn_file_actions_destroy(&fa);
}

static void test_posix_cgroup(void **state)
{
	subproc_posix_spawnattr_t at;
	char mnt[PATH_MAX] = "", path[PATH_MAX + 64], want[64], line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int fd, got = -1;

	(void)state;
	while (f && fgets(line, sizeof line, f)) {
		const char *sep = strstr(line, " - ");
		if (sep && strncmp(sep + 3, "cgroup2 ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			break;
		mnt[0] = '\0';
	}
	if (f)
		fclose(f);
	if (mnt[0] == '\0')
		skip_because("no cgroup2 file system is mounted");
	snprintf(want, sizeof want, "/subproc-posix-%ld", (long)getpid());
	snprintf(path, sizeof path, "%s%s", mnt, want);
	if (mkdir(path, 0755) < 0)
		skip_because("cannot create a cgroup under %s: %s", mnt, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	subproc_posix_spawnattr_init(&at);
	assert_int_equal(subproc_posix_spawnattr_setflags(&at, SUBPROC_POSIX_SPAWN_SETCGROUP), 0);
	assert_int_equal(subproc_posix_spawnattr_setcgroup_np(&at, fd), 0);
	assert_int_equal(subproc_posix_spawnattr_getcgroup_np(&at, &got), 0);
	assert_int_equal(got, fd);

	struct ctx *c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->api = &subproc_api;
	int rc = spawn_probe(c, NULL, &at, REPORT_WFD, NULL);
	close(fd);
	int removed = rmdir(path);
	assert_int_equal(rc, 0);
	char expect[128];
	snprintf(expect, sizeof expect, "  cgroup=%s\n", want);
	if (strstr(c->log, expect) == NULL)
		fprintf(stderr, "log:\n%s", c->log);
	assert_non_null(strstr(c->log, expect));
	assert_int_equal(removed, 0);
	free(c);

	/* Every attribute at once (regression: one step too many for the
	 * plan's array); setpgid after setsid then fails, as with glibc. */
	subproc_posix_spawn_file_actions_t fa;
	char *const argv[] = {PROBE, NULL};
	sigset_t none;
	pid_t pid = -777;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	sigemptyset(&none);
	subproc_posix_spawnattr_setcgroup_np(&at, fd);
	subproc_posix_spawnattr_setsigmask(&at, &none);
	subproc_posix_spawnattr_setsigdefault(&at, &none);
	assert_int_equal(subproc_posix_spawnattr_setflags(&at, 0x1ff), 0);
	subproc_posix_spawn_file_actions_init(&fa);
	subproc_posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	assert_int_equal(subproc_posix_spawn(&pid, PROBE, &fa, &at, argv, environ), EPERM);
	assert_int_equal(pid, -777);
	subproc_posix_spawn_file_actions_destroy(&fa);
	close(fd);
	assert_true(no_children());
}

/* --- fd slots, the status pipe, NULL pidfd, credentials ------------------- */

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

static int subproc_spawn_as_glibc(pid_t *pid, const char *path,
                                  const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
                                  char *const argv[], char *const envp[])
{
	/* Only the file actions are used, built with subproc's own calls. */
	(void)at;
	return subproc_posix_spawn(pid, path, (const subproc_posix_spawn_file_actions_t *)fa, NULL,
	                           argv, envp);
}

/* Starts report through the status pipe: on the fork path, and on every
 * path under an emulator. */
static bool status_pipe_used(void)
{
	return SUBPROC_TEST_EMULATED ||
	       (launch_path() != NULL && strcmp(launch_path(), "fork") == 0);
}

/* glibc's tst-spawn3: every fd slot used, the file actions close the
 * files first and redirect stdout to a file; the shell's pid must land in
 * it. glibc needs no free fd for this; neither do subproc's CLONE_VM
 * paths (no pidfd is made for posix_spawn). The fork path needs two for
 * its status pipe and says so with EMFILE. */
static int check_full_table(void *arg)
{
	const bool ours = arg != NULL;
	char *dir = tempdir_make(), out[PATH_MAX], buf[64] = "";
	char *const argv[] = {"/bin/sh", "-c", "echo $$", NULL};
	int files[64], nfiles = 0, rc, status, fd;
	struct rlimit rl;
	pid_t pid = -1;
	subproc_posix_spawn_file_actions_t sfa;
	posix_spawn_file_actions_t gfa;

	CHECK(dir != NULL);
	snprintf(out, sizeof out, "%s/pid", dir);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	rl.rlim_cur = 24;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	while (nfiles < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		files[nfiles++] = fd;
	CHECK(errno == EMFILE);
	if (ours) {
		subproc_posix_spawn_file_actions_init(&sfa);
		CHECK(subproc_posix_spawn_file_actions_addopen(
			      &sfa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644) == 0);
		CHECK(subproc_posix_spawn_file_actions_adddup2(&sfa, 1, 2) == 0);
		for (int i = 0; i < nfiles; i++)
			CHECK(subproc_posix_spawn_file_actions_addclose(&sfa, files[i]) == 0);
		rc = subproc_posix_spawn(&pid, "/bin/sh", &sfa, NULL, argv, NULL);
		subproc_posix_spawn_file_actions_destroy(&sfa);
	} else {
		posix_spawn_file_actions_init(&gfa);
		CHECK(posix_spawn_file_actions_addopen(&gfa, 1, out, O_WRONLY | O_CREAT | O_TRUNC,
		                                       0644) == 0);
		CHECK(posix_spawn_file_actions_adddup2(&gfa, 1, 2) == 0);
		for (int i = 0; i < nfiles; i++)
			CHECK(posix_spawn_file_actions_addclose(&gfa, files[i]) == 0);
		rc = posix_spawn(&pid, "/bin/sh", &gfa, NULL, argv, NULL);
		posix_spawn_file_actions_destroy(&gfa);
	}
	if (ours && status_pipe_used()) {
		CHECK(rc == EMFILE);
		CHECK(no_children());
	} else {
		CHECK(rc == 0);
		CHECK(waitpid_bounded(pid, &status, 30000) == 0 && status == 0);
		for (int i = 0; i < nfiles; i++)
			close(files[i]);
		fd = open(out, O_RDONLY);
		CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) > 0);
		close(fd);
		CHECK(strtol(buf, NULL, 10) == pid);
	}
	tempdir_remove(dir);
	return 0;
}

static void test_posix_full_fd_table(void **state)
{
	(void)state;
	assert_forked(check_full_table, NULL);        /* glibc */
	assert_forked(check_full_table, (void *)"s"); /* subproc */
}

/* The fork path's status pipe takes the lowest free fds; a file action
 * onto one of them used to close it, so that a later failure went
 * unreported (EOF read as "exec'ed") and the report went into the
 * caller's file. The pipe moves out of the way first, past the soft fd
 * limit if it must; the failure is reported as glibc reports it. */
static int check_status_pipe_room(void *arg)
{
	spawn_fn spawn = arg;
	char *const argv[] = {"/nonexistent/subproc-test", NULL};
	posix_spawn_file_actions_t fa;
	struct rlimit rl;
	int fd, limit = 64, rc;
	pid_t pid = -1;

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_max <= (rlim_t)limit)
		SKIP_FORKED("the hard fd limit is too low");
	rl.rlim_cur = (rlim_t)limit;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		;
	CHECK(errno == EMFILE);
	/* The two highest are free: the pipe would sit there. */
	close(limit - 1);
	close(limit - 2);
	if (spawn == subproc_spawn_as_glibc) {
		subproc_posix_spawn_file_actions_t *sfa = (void *)&fa;
		subproc_posix_spawn_file_actions_init(sfa);
		CHECK(subproc_posix_spawn_file_actions_adddup2(sfa, 1, limit - 1) == 0);
		rc = spawn(&pid, argv[0], &fa, NULL, argv, NULL);
		subproc_posix_spawn_file_actions_destroy(sfa);
	} else {
		posix_spawn_file_actions_init(&fa);
		CHECK(posix_spawn_file_actions_adddup2(&fa, 1, limit - 1) == 0);
		rc = spawn(&pid, argv[0], &fa, NULL, argv, NULL);
		posix_spawn_file_actions_destroy(&fa);
	}
	if (SUBPROC_TEST_EMULATED && spawn != subproc_spawn_as_glibc) {
		/* glibc loses the error under an emulator (see differential). */
		int st = -1;
		CHECK(rc == 0);
		CHECK(waitpid_bounded(pid, &st, 30000) == 0 && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 127);
	} else {
		if (rc != ENOENT)
			fprintf(stderr, "spawn gave %s\n",
			        subproc_errno_name(rc) ? subproc_errno_name(rc) : "0");
		CHECK(rc == ENOENT);
	}
	CHECK(no_children());

	/* With soft and hard limit equal there is no room to move to: the
	 * fork path must fail, not report a success. */
	rl.rlim_max = rl.rlim_cur;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (spawn == subproc_spawn_as_glibc) {
		subproc_posix_spawn_file_actions_t *sfa = (void *)&fa;
		subproc_posix_spawn_file_actions_init(sfa);
		CHECK(subproc_posix_spawn_file_actions_adddup2(sfa, 1, limit - 1) == 0);
		rc = spawn(&pid, argv[0], &fa, NULL, argv, NULL);
		subproc_posix_spawn_file_actions_destroy(sfa);
		CHECK(rc == (status_pipe_used() ? EMFILE : ENOENT));
	}
	CHECK(no_children());
	return 0;
}

static void test_posix_status_pipe_not_overwritten(void **state)
{
	(void)state;
	assert_forked(check_status_pipe_room, (void *)posix_spawn);
	assert_forked(check_status_pipe_room, (void *)subproc_spawn_as_glibc);
}

/* glibc 2.39 takes a NULL pidfd: the child starts, and is reaped as any. */
static void test_posix_pidfd_spawn_null(void **state)
{
	char *const argv[] = {PROBE, "--exit", "3", NULL};
	int fdcount = fd_count(), status;
	pid_t pid;

	(void)state;
	need_linux_build("pidfd");
	assert_int_equal(subproc_pidfd_spawn(NULL, PROBE, NULL, NULL, argv, environ), 0);
	assert_int_equal(fd_count(), fdcount);
	pid = waitpid(-1, &status, 0);
	assert_true(pid > 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_int_equal(
		subproc_pidfd_spawnp(NULL, "subproc-no-such-program", NULL, NULL, argv, environ),
		ENOENT);
	assert_true(no_children());
}

/* pidfd_spawn needs the one fd it returns: with none free it fails, as
 * glibc's does, and leaves no child. */
static int check_pidfd_full_table(void *arg)
{
	char *const argv[] = {PROBE, NULL};
	struct rlimit rl = {16, 16};
	int pidfd = -1;

	(void)arg;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	CHECK(subproc_pidfd_spawn(&pidfd, PROBE, NULL, NULL, argv, NULL) == EMFILE);
	CHECK(pidfd == -1);
	CHECK(no_children());
	return 0;
}

static void test_posix_pidfd_spawn_full_table(void **state)
{
	(void)state;
	assert_forked(check_pidfd_full_table, NULL);
}

/* RESETIDS in a process whose effective ids differ from its real ones
 * changes credentials in the child: the caller must stay dumpable (a
 * CLONE_VM child made it non-dumpable, for good). */
static int check_resetids_dumpable(void *arg)
{
	subproc_posix_spawnattr_t at;
	char *const argv[] = {PROBE, NULL};
	int status;
	pid_t pid;

	(void)arg;
	if (geteuid() != 0)
		SKIP_FORKED("changing the effective uid needs root");
	CHECK(setresuid(0, 65534, 0) == 0);
	/* Our own change made us non-dumpable; undo that first. */
	CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
	subproc_posix_spawnattr_init(&at);
	CHECK(subproc_posix_spawnattr_setflags(&at, SUBPROC_POSIX_SPAWN_RESETIDS) == 0);
	CHECK(subproc_posix_spawn(&pid, PROBE, NULL, &at, argv, NULL) == 0);
	CHECK(waitpid_bounded(pid, &status, 30000) == 0 && status == 0);
	CHECK(prctl(PR_GET_DUMPABLE) == 1);
	CHECK(geteuid() == 65534);
	return 0;
}

static void test_posix_resetids_keeps_caller_dumpable(void **state)
{
	(void)state;
	assert_forked(check_resetids_dumpable, NULL);
}

TEST_MAIN(cmocka_unit_test(test_posix_validation), cmocka_unit_test(test_posix_inherit),
          cmocka_unit_test(test_posix_file_actions_in_order),
          cmocka_unit_test(test_posix_dup2_same_fd_clears_cloexec),
          cmocka_unit_test(test_posix_addopen), cmocka_unit_test(test_posix_chdir_fchdir),
          cmocka_unit_test(test_posix_closefrom), cmocka_unit_test(test_posix_fds_the_caller_lacks),
          cmocka_unit_test(test_posix_exec_errors), cmocka_unit_test(test_posix_spawnp_search),
          cmocka_unit_test(test_posix_attributes), cmocka_unit_test(test_posix_resetids),
          cmocka_unit_test(test_posix_env_argv), cmocka_unit_test(test_posix_tcsetpgrp),
          cmocka_unit_test(test_posix_pidfd_spawn), cmocka_unit_test(test_posix_cgroup),
          cmocka_unit_test(test_posix_full_fd_table),
          cmocka_unit_test(test_posix_status_pipe_not_overwritten),
          cmocka_unit_test(test_posix_pidfd_spawn_null),
          cmocka_unit_test(test_posix_pidfd_spawn_full_table),
          cmocka_unit_test(test_posix_resetids_keeps_caller_dumpable))
