/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the test programs; see support.h.
 *
 * The helpers use plain system calls (pipe2, waitpid) for their own work, so
 * that a bug in the library shows up in the test that exercises it rather
 * than in the harness.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#ifdef __linux__
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bound for anything the harness waits on; well below CTest's timeout. */
#define HARNESS_WAIT_MS 30000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Turns the report text into items, in place; undoes the probe's escapes. */
static int report_parse(struct report *r)
{
	size_t cap = 0;

	for (char *line = r->text; line && *line;) {
		char *next = strchr(line, '\n'), *eq, *in, *out;

		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq) {
			fprintf(stderr, "support: report line without '=': %s\n", line);
			return -EPROTO;
		}
		*eq = '\0';
		for (in = out = eq + 1; *in; in++) {
			if (in[0] == '\\' && in[1] == 'n') {
				*out++ = '\n';
				in++;
			} else if (in[0] == '\\' && in[1] == '\\') {
				*out++ = '\\';
				in++;
			} else {
				*out++ = *in;
			}
		}
		*out = '\0';
		if (r->nitems == cap) {
			cap = cap ? cap * 2 : 64;
			void *p = realloc(r->items, cap * sizeof r->items[0]);
			if (!p)
				return -ENOMEM;
			r->items = p;
		}
		r->items[r->nitems].key = line;
		r->items[r->nitems].value = eq + 1;
		r->nitems++;
		line = next;
	}
	return 0;
}

/* Reads fd to EOF before the deadline; returns 0 or -ETIME/-errno. */
static int read_all(int fd, char **out, long long deadline)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			free(buf);
			return -ETIME;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			free(buf);
			return -errno;
		}
		if (len + 4096 + 1 > cap) {
			char *p = realloc(buf, cap *= 2);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int probe_start_read(const char *path, const subproc_attr *attr, int report_fd,
                            bool via_stdout, const char *const *args, struct report *r)
{
	subproc_attr a = {0};
	subproc_proc *proc = NULL;
	const char *argv[256];
	char fdtext[16];
	int *files = NULL, p[2] = {-1, -1}, saved = -1, rc, n = 0;
	long long deadline;

	memset(r, 0, sizeof *r);
	if (attr)
		a = *attr;

	argv[n++] = path;
	if (report_fd != 1) {
		snprintf(fdtext, sizeof fdtext, "%d", report_fd);
		argv[n++] = "--report-fd";
		argv[n++] = fdtext;
	}
	for (size_t i = 0; args && args[i] && n < 255; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	if (pipe2(p, O_CLOEXEC) < 0)
		return r->start_rc = -errno;

	if (!via_stdout) {
		int nfiles = a.nfiles > report_fd ? a.nfiles : report_fd + 1;

		if (a.nfiles == 0 && nfiles < 3)
			nfiles = 3;
		files = malloc((size_t)nfiles * sizeof *files);
		if (!files) {
			rc = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < nfiles; i++) {
			if (i < a.nfiles)
				files[i] = a.files[i];
			else if (a.nfiles == 0 && i < 3)
				files[i] = i;
			else
				files[i] = -1;
		}
		files[report_fd] = p[1];
		a.files = files;
		a.nfiles = nfiles;
	} else {
		fflush(stdout);
		saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
		if (saved < 0 || dup2(p[1], 1) < 0) {
			rc = -errno;
			goto out;
		}
	}

	rc = subproc_start(&proc, path, (char *const *)argv, &a, &r->err);

	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
		saved = -1;
	}
	close(p[1]);
	p[1] = -1;
	r->start_rc = rc;
	if (rc < 0) {
		if (proc)
			fprintf(stderr, "support: failed start left *out non-NULL\n");
		goto out;
	}
	r->pid = subproc_pid(proc);

	deadline = now_ms() + HARNESS_WAIT_MS;
	rc = read_all(p[0], &r->text, deadline);
	if (rc == 0) {
		long long left = deadline - now_ms();
		rc = subproc_wait(proc, 0, left > 0 ? (int)left : 0, &r->st);
	}
	if (rc < 0) {
		fprintf(stderr, "support: probe report or wait failed: %s\n", subproc_strerror(rc));
		subproc_signal(proc, SIGKILL);
		subproc_wait(proc, 0, -1, &r->st);
		rc = rc == -ETIMEDOUT ? -ETIME : rc;
		goto out;
	}
	rc = report_parse(r);
out:
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	subproc_release(proc);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(files);
	return rc;
}

int report_parse_text(const char *text, size_t len, struct report *r)
{
	memset(r, 0, sizeof *r);
	r->text = malloc(len + 1);
	if (r->text == NULL)
		return -ENOMEM;
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	return report_parse(r);
}

int report_read(int fd, struct report *r)
{
	int rc = read_all(fd, &r->text, now_ms() + HARNESS_WAIT_MS);

	if (rc < 0) {
		fprintf(stderr, "support: reading the report: %s\n", strerror(-rc));
		return rc;
	}
	return report_parse(r);
}

int probe_run_at(const subproc_attr *attr, int report_fd, const char *const *args, struct report *r)
{
	return probe_start_read(PROBE, attr, report_fd, false, args, r);
}

int probe_run(const subproc_attr *attr, const char *const *args, struct report *r)
{
	return probe_start_read(PROBE, attr, 1, false, args, r);
}

int probe_run_as(const char *path, const subproc_attr *attr, const char *const *args,
                 struct report *r)
{
	return probe_start_read(path, attr, 1, false, args, r);
}

int probe_run_stdout(const subproc_attr *attr, const char *const *args, struct report *r)
{
	return probe_start_read(PROBE, attr, 1, true, args, r);
}

void report_free(struct report *r)
{
	free(r->text);
	free(r->items);
	r->text = NULL;
	r->items = NULL;
	r->nitems = 0;
}

const char *report_get(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->nitems; i++)
		if (strcmp(r->items[i].key, key) == 0)
			return r->items[i].value;
	return NULL;
}

bool report_is(const struct report *r, const char *key, const char *expected)
{
	const char *v = report_get(r, key);

	if (v && strcmp(v, expected) == 0)
		return true;
	fprintf(stderr, "report: %s: expected \"%s\", got %s%s%s\n", key, expected, v ? "\"" : "",
	        v ? v : "no such key", v ? "\"" : "");
	return false;
}

bool report_is_long(const struct report *r, const char *key, long long expected)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", expected);
	return report_is(r, key, buf);
}

long long report_long(const struct report *r, const char *key)
{
	const char *v = report_get(r, key);
	char *end;
	long long n;

	if (!v || !*v) {
		fprintf(stderr, "report: %s: missing\n", key);
		return LLONG_MIN;
	}
	n = strtoll(v, &end, 10);
	if (*end) {
		fprintf(stderr, "report: %s: not a number: \"%s\"\n", key, v);
		return LLONG_MIN;
	}
	return n;
}

bool report_list_has(const struct report *r, const char *key, long long n)
{
	const char *v = report_get(r, key);

	if (!v) {
		fprintf(stderr, "report: %s: missing\n", key);
		return false;
	}
	for (const char *p = v; *p;) {
		char *end;
		long long item = strtoll(p, &end, 10);

		if (end == p)
			break;
		if (item == n)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	fprintf(stderr, "report: %s: \"%s\" does not contain %lld\n", key, v, n);
	return false;
}

bool report_list_lacks(const struct report *r, const char *key, long long n)
{
	const char *v = report_get(r, key);

	if (!v) {
		fprintf(stderr, "report: %s: missing\n", key);
		return false;
	}
	for (const char *p = v; *p;) {
		char *end;
		long long item = strtoll(p, &end, 10);

		if (end == p)
			break;
		if (item == n) {
			fprintf(stderr, "report: %s: \"%s\" contains %lld\n", key, v, n);
			return false;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return true;
}

bool report_fd_is(const struct report *r, int child_fd, int parent_fd)
{
	char key[32], want[96];
	struct stat st;
	const char *v;

	snprintf(key, sizeof key, "fd.%d", child_fd);
	v = report_get(r, key);
	if (fstat(parent_fd, &st) < 0) {
		fprintf(stderr, "report_fd_is: parent fd %d is not open\n", parent_fd);
		return false;
	}
	snprintf(want, sizeof want, "%llu:%llu:0:", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	if (v && strncmp(v, want, strlen(want)) == 0)
		return true;
	fprintf(stderr, "report: %s: expected the parent's fd %d (%s...), got %s\n", key, parent_fd,
	        want, v ? v : "no such fd");
	return false;
}

bool report_exited_ok(const struct report *r)
{
	if (r->start_rc == 0 && WIFEXITED(r->st.status) && WEXITSTATUS(r->st.status) == 0)
		return true;
	fprintf(stderr, "report: probe start %d, status 0x%x\n", r->start_rc, r->st.status);
	return false;
}

void sigmask_text(const sigset_t *set, char *buf, size_t size)
{
	int list[64];
	size_t n = 0;

	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(set, sig) == 1)
			list[n++] = sig;
	int_list_text(list, n, buf, size);
}

void int_list_text(const int *v, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%d", i ? "," : "", v[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

bool error_is(int rc, const subproc_error *err, int code, int step)
{
	if (rc == code && err->code == code && err->step == step)
		return true;
	fprintf(stderr,
	        "error: expected %s at step \"%s\"; got rc %d (%s), err.code %d, step \"%s\", "
	        "path \"%s\", fd %d\n",
	        subproc_errno_name(code), subproc_step_name(step), rc,
	        rc ? subproc_errno_name(rc) : "0", err->code, subproc_step_name(err->step),
	        err->path, err->fd);
	return false;
}

void error_stale(subproc_error *err)
{
	err->code = -ENOENT;
	err->step = SUBPROC_STEP_CHDIR;
	err->fd = 7;
	snprintf(err->path, sizeof err->path, "/stale/from/an/earlier/call");
}

bool error_plain(int rc, const subproc_error *err, int code)
{
	if (rc == code && err->code == code && err->step == SUBPROC_STEP_NONE && err->fd == -1 &&
	    err->path[0] == '\0')
		return true;
	fprintf(stderr,
	        "error: expected %s with no step, fd -1, path \"\"; got rc %d (%s), err.code %d, "
	        "step \"%s\", path \"%s\", fd %d\n",
	        code ? subproc_errno_name(code) : "0", rc, rc ? subproc_errno_name(rc) : "0",
	        err->code, subproc_step_name(err->step), err->path, err->fd);
	return false;
}

int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int fd_unused(int min)
{
	while (fd_is_open(min))
		min++;
	return min;
}

int fd_marker(bool cloexec, int at)
{
	int p[2];

	if (pipe2(p, cloexec ? O_CLOEXEC : 0) < 0)
		return -1;
	close(p[1]);
	if (at < 0 || at == p[0])
		return p[0];
	if (dup3(p[0], at, cloexec ? O_CLOEXEC : 0) < 0) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return at;
}

bool no_children(void)
{
	siginfo_t si;

	/* WNOWAIT leaves a zombie in place, so the check changes nothing; a
	 * running child makes waitid return 0 with si_pid 0. */
	memset(&si, 0, sizeof si);
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
		return true;
	fprintf(stderr, "no_children: a child is left (pid %d, %s)\n", (int)si.si_pid,
	        si.si_pid ? "ended, not reaped" : "still running");
	return false;
}

void std_fds_ensure(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fd_is_open(fd))
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

char *tempdir_make(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[PATH_MAX], *path;

	if (!base || !*base)
		base = "/tmp";
	snprintf(tmpl, sizeof tmpl, "%s/subproc-test-XXXXXX", base);
	if (!mkdtemp(tmpl))
		return NULL;
	/* Readable by all, for the tests that run the child as nobody. */
	chmod(tmpl, 0755);
	path = realpath(tmpl, NULL);
	return path;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void tempdir_remove(char *path)
{
	if (!path)
		return;
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(path);
}

char *file_make(const char *dir, const char *name, const void *data, size_t size, mode_t mode)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *path = malloc(len);
	const char *p = data;
	int fd;

	if (!path)
		return NULL;
	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (size > 0) {
		ssize_t w = write(fd, p, size);
		if (w < 0) {
			close(fd);
			goto fail;
		}
		p += w;
		size -= (size_t)w;
	}
	/* fchmod, so that the caller's umask does not change the mode. */
	if (fchmod(fd, mode) < 0 || close(fd) < 0)
		goto fail;
	return path;
fail:
	fprintf(stderr, "file_make %s: %s\n", path, strerror(errno));
	free(path);
	return NULL;
}

char *probe_copy(const char *dir, const char *name)
{
	int fd = open(PROBE, O_RDONLY | O_CLOEXEC);
	char *data = NULL, *path = NULL;
	struct stat st;
	size_t done = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	data = malloc((size_t)st.st_size);
	if (!data)
		goto out;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, (size_t)st.st_size - done);
		if (n <= 0)
			goto out;
		done += (size_t)n;
	}
	path = file_make(dir, name, data, done, 0755);
out:
	if (fd >= 0)
		close(fd);
	free(data);
	return path;
}

int probe_copy_for(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, char **dir,
                   char **path, char *why, size_t size)
{
	int status, code;
	pid_t pid;

	*path = NULL;
	*dir = tempdir_make();
	if (*dir == NULL) {
		fprintf(stderr, "probe_copy_for: making a temporary directory: %s\n",
		        strerror(errno));
		return -1;
	}
	*path = probe_copy(*dir, "subproc-probe");
	if (*path == NULL)
		goto fail;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "probe_copy_for: fork: %s\n", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* Real ids too: access() checks with those. */
		if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(100);
		_exit(access(*path, X_OK) == 0 ? 0 : errno > 0 && errno < 100 ? errno : 99);
	}
	if (waitpid_bounded(pid, &status, HARNESS_WAIT_MS) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fprintf(stderr, "probe_copy_for: the access check did not end\n");
		goto fail;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == 0)
		return 0;
	if (code < 0 || code == 100) {
		fprintf(stderr, "probe_copy_for: could not take uid %u gid %u (status 0x%x)\n",
		        (unsigned)uid, (unsigned)gid, status);
		goto fail;
	}
	snprintf(why, size,
	         "uid %u gid %u cannot execute %s (access: %s): $TMPDIR or a directory above "
	         "it is closed to that user",
	         (unsigned)uid, (unsigned)gid, *path, strerror(code));
	free(*path);
	*path = NULL;
	tempdir_remove(*dir);
	*dir = NULL;
	return 1;
fail:
	free(*path);
	*path = NULL;
	tempdir_remove(*dir);
	*dir = NULL;
	return -1;
}

int pty_open(int *master, int *slave)
{
	char name[128];
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
		int e = errno;
		close(m);
		return -e;
	}
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		int e = errno;
		close(m);
		return -e;
	}
	*master = m;
	*slave = s;
	return 0;
}

int waitpid_bounded(pid_t pid, int *status, int ms)
{
	long long deadline = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

int run_forked(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "run_forked: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int rc = fn(arg);

		fflush(stdout);
		fflush(stderr);
		_exit(rc & 0xff);
	}
	if (waitpid_bounded(pid, &status, HARNESS_WAIT_MS) < 0) {
		fprintf(stderr, "run_forked: the check took too long; killed\n");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "run_forked: the check died: status 0x%x\n", status);
	return -1;
}

const char *launch_path(void)
{
	const char *p = getenv("SUBPROC_LAUNCH");

	return p && *p ? p : NULL;
}

bool launch_exists(int launch)
{
	if (SUBPROC_TEST_PORTABLE && launch != SUBPROC_LAUNCH_FORK) {
		printf("note: launch %d left out: the portable build has the fork path only\n",
		       launch);
		return false;
	}
	if (SUBPROC_TEST_EMULATED && launch == SUBPROC_LAUNCH_CLONE3) {
		printf("note: clone3 left out: the emulator has none\n");
		return false;
	}
	return true;
}

bool launch_uses_status_pipe(int launch)
{
	return launch == SUBPROC_LAUNCH_FORK || SUBPROC_TEST_EMULATED || SUBPROC_TEST_PORTABLE;
}

void need_linux_build(const char *what)
{
	if (SUBPROC_TEST_PORTABLE)
		skip_because("the portable build (SUBPROC_POSIX) has no %s", what);
}

void need_chroot(void)
{
	if (geteuid() != 0)
		skip_because("chroot needs root");
	if (!SUBPROC_TEST_PROBE_STATIC)
		skip_because("the probe is not linked statically, so it cannot run in a bare root");
	if (SUBPROC_TEST_EMULATED)
		skip_because("the emulator that runs the probe is not inside the bare root");
}

int support_main(int argc, char **argv, const struct CMUnitTest *tests, size_t ntests)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	std_fds_ensure();
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < ntests; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | TEST]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		size_t i;

		for (i = 0; i < ntests; i++)
			if (strcmp(tests[i].name, argv[1]) == 0)
				break;
		if (i == ntests) {
			fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
			return 2;
		}
		/* Test names hold no glob characters, so the filter picks
		 * exactly this one test. */
		cmocka_set_test_filter(argv[1]);
	}
	return _cmocka_run_group_tests(name, tests, ntests, NULL, NULL);
}

bool start_fails(const char *path, char *const argv[], const subproc_attr *attr, int code, int step,
                 subproc_error *err)
{
	subproc_proc *proc = (subproc_proc *)&proc; /* must come back NULL */
	int before = fd_count(), rc, after;
	bool ok = true;

	memset(err, 0, sizeof *err);
	rc = subproc_start(&proc, path, argv, attr, err);
	if (rc == 0) {
		fprintf(stderr, "start_fails: the start succeeded (pid %d)\n",
		        (int)subproc_pid(proc));
		subproc_wait(proc, 0, -1, NULL);
		subproc_release(proc);
		return false;
	}
	if (step >= 0)
		ok = error_is(rc, err, code, step);
	else if (rc != code || err->code != code)
		ok = error_is(rc, err, code, err->step);
	if (proc != NULL) {
		fprintf(stderr, "start_fails: *out is not NULL after a failed start\n");
		ok = false;
	}
	after = fd_count();
	if (after != before) {
		fprintf(stderr, "start_fails: the caller had %d fds before and %d after\n", before,
		        after);
		ok = false;
	}
	if (!no_children())
		ok = false;
	return ok;
}

int seccomp_deny(int what)
{
#if defined(__linux__) && defined(__x86_64__)
	const unsigned arch = AUDIT_ARCH_X86_64;
	struct sock_filter prog[32];
	unsigned n = 0;

#define STMT(code, k) (prog[n++] = (struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) (prog[n++] = (struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
	/* Another architecture's system call numbers mean other calls. */
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	if (what & DENY_ALL_LAUNCHES) {
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 4, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 3, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fork, 2, 0);
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_vfork, 1, 0);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTRECOVERABLE);
	} else {
		if (what & (DENY_CLONE3_ENOSYS | DENY_CLONE3_EPERM)) {
			JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
			STMT(BPF_RET | BPF_K,
			     SECCOMP_RET_ERRNO | (what & DENY_CLONE3_ENOSYS ? ENOSYS : EPERM));
		}
		if (what & DENY_CLONE_VM_EPERM) {
			/* The flags are clone's first argument; CLONE_VM is in
			 * its low word on a little-endian machine. */
			JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3);
			STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
			JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_VM, 0, 1);
			STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
		}
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
#undef STMT
#undef JUMP
	struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return -errno;
	return 0;
#else
	(void)what;
	return -ENOSYS;
#endif
}

int seccomp_fail(long nr, int arg, uint32_t value, int err)
{
#if defined(__linux__) && defined(__x86_64__)
	struct sock_filter prog[8];
	unsigned n = 0;

	if (arg < SECCOMP_ANY_ARG || arg > 5 || err <= 0 || (unsigned)err > SECCOMP_RET_DATA)
		return -EINVAL;
#define STMT(code, k) (prog[n++] = (struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) (prog[n++] = (struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, arg >= 0 ? 4 : 2);
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	if (arg >= 0)
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 2);
	else
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 1, 0);
	if (arg >= 0) {
		/* The low word of a 64-bit argument, on a little-endian
		 * machine. */
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[arg]));
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 1, 0);
	}
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)err);
#undef STMT
#undef JUMP
	struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return -errno;
	return 0;
#else
	(void)nr, (void)arg, (void)value, (void)err;
	return -ENOSYS;
#endif
}

int seccomp_container(bool deny_clone3)
{
#ifndef __NR_close_range
	const long nr_close_range = 436;
#else
	const long nr_close_range = __NR_close_range;
#endif
	int r = seccomp_fail(nr_close_range, SECCOMP_ANY_ARG, 0, ENOSYS);

	if (r == 0)
		r = seccomp_fail(__NR_unshare, SECCOMP_ANY_ARG, 0, EPERM);
	if (r == 0 && deny_clone3)
		r = seccomp_fail(__NR_clone3, SECCOMP_ANY_ARG, 0, ENOSYS);
	return r;
}

bool probe_runs_clean(int n, int marker)
{
	for (int i = 0; i < n; i++) {
		subproc_attr attr = {0};
		struct report r;
		bool ok = probe_run(&attr, NULL, &r) == 0 && report_exited_ok(&r) &&
		          report_list_lacks(&r, "fds", marker);

		report_free(&r);
		if (!ok)
			return false;
	}
	return true;
}

bool cgroup2_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		char mnt[PATH_MAX];
		const char *sep = strstr(line, " - ");

		if (sep && strncmp(sep + 3, "cgroup2 ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(out, size, "%s", mnt);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* True when pid is gone or a zombie within 10 s: a process that was sent
 * SIGKILL still shows as running while the kernel tears it down. */
bool pid_dies(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "re");
		size_t n;

		if (f == NULL)
			return true;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			return true;
		usleep(10000);
	}
	fprintf(stderr, "pid %d is alive: %s\n", (int)pid, buf);
	return false;
}

/* How many members of group pgid are in a state `want` accepts (printed
 * when `tell`). */
static int group_count(pid_t pgid, bool (*want)(char state), bool tell)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int count = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[300], buf[512], *p;
		int pgrp = 0;
		char state = 0;
		FILE *f;
		size_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p == NULL || sscanf(p + 1, " %c %*d %d", &state, &pgrp) != 2)
			continue;
		if (pgrp == (int)pgid && want(state)) {
			if (tell)
				fprintf(stderr, "group %d has %s: %s\n", (int)pgid, e->d_name, buf);
			count++;
		}
	}
	if (d != NULL)
		closedir(d);
	return count;
}

/* Members that are zombies count as gone: they only wait for init. */
static bool is_live(char state)
{
	return state != 'Z' && state != 'X';
}

static bool is_stopped(char state)
{
	return state == 'T';
}

static bool group_empty_tell(pid_t pgid, bool tell)
{
	return group_count(pgid, is_live, tell) == 0;
}

bool group_has_stopped(pid_t pgid)
{
	for (int i = 0; i < 1000; i++) {
		if (group_count(pgid, is_stopped, false) > 0)
			return true;
		usleep(10000);
	}
	return false;
}

bool group_empty(pid_t pgid)
{
	return group_empty_tell(pgid, false);
}

bool group_dies(pid_t pgid)
{
	for (int i = 0; i < 1000; i++) {
		if (group_empty_tell(pgid, false))
			return true;
		usleep(10000);
	}
	return group_empty_tell(pgid, true);
}

void survivor_script(char *buf, size_t size, const char *dir, const char *then)
{
	snprintf(buf, size,
	         "sh -c \"trap '' TERM; echo \\$\\$ > %s/s.tmp; mv %s/s.tmp %s/s; exec sleep 30\" "
	         ">/dev/null 2>&1 </dev/null &\n"
	         "while [ ! -e %s/s ]; do sleep 0.01; done\n%s",
	         dir, dir, dir, dir, then);
}

pid_t pid_file(const char *dir, const char *name)
{
	char path[4096], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (pid_t)strtol(buf, NULL, 10);
}

void done_free(subproc_done *d)
{
	subproc_output_free(&d->out);
	subproc_output_free(&d->err);
	subproc_cmd_free(d->cmd);
}
