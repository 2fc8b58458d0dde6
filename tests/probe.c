/* SPDX-License-Identifier: MIT */
/*
 * subproc-probe: the child the tests start. It reports what a child sees of
 * its process (ids, session, terminal, credentials, fds, limits, signals,
 * cgroup, environment, argv) as "key=value" lines, so that every test can
 * check an attribute from the child's side rather than trust the library.
 *
 * It does not use the library, and it is linked statically when the
 * toolchain allows, so that it also runs inside a bare chroot (where /proc is
 * missing too, hence the fallback fd scan).
 *
 * Options, all optional, are carried out in the order given:
 *   --report-fd N       write the report to fd N instead of 1
 *   --exit N            exit code (default 0)
 *   --sleep-ms N        sleep N milliseconds
 *   --raise SIG         raise SIG (ABRT, KILL, 15, ...) after reporting
 *   --touch-mib N       allocate and touch N MiB, so that ru_maxrss grows
 *   --stat PATH         report stat.PATH=exists|missing
 *   --write-fd N TEXT   write TEXT to fd N (reports write.N=ok or the errno)
 *   --fill-fd N BYTES   write BYTES bytes to fd N, then report pipe_size.N
 *                       (F_GETPIPE_SZ, or the errno)
 *   --gate DIR LIMIT TOTAL  count how many probes run at once (see gate())
 *   --wait-stdin        read stdin until EOF, after reporting
 *   --spin-ms N         burn N ms of CPU time (CLOCK_PROCESS_CPUTIME_ID)
 *   --syscall NR        make system call NR with no arguments (getppid, say)
 *                       and report syscall.NR=ok, or errno:N with its errno
 * The report is written once all options have been carried out; then
 * --wait-stdin and --raise take effect, and the probe exits.
 *
 * Values that contain a newline or a backslash are escaped as \n and \\ so
 * that every report line is one key.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The report is built in memory and written at once, so that a reader sees
 * either all of it or a short read that the test can tell apart. */
static char *report;
static size_t report_len, report_cap;

static void die(const char *what)
{
	fprintf(stderr, "subproc-probe: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void usage(const char *what)
{
	fprintf(stderr, "subproc-probe: bad usage: %s\n", what);
	exit(126);
}

static void out_raw(const char *s, size_t n)
{
	if (report_len + n + 1 > report_cap) {
		size_t cap = report_cap ? report_cap : 4096;
		while (report_len + n + 1 > cap)
			cap *= 2;
		report = realloc(report, cap);
		if (!report)
			die("realloc");
		report_cap = cap;
	}
	memcpy(report + report_len, s, n);
	report_len += n;
	report[report_len] = '\0';
}

static void out_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			out_raw("\\n", 2);
		else if (*s == '\\')
			out_raw("\\\\", 2);
		else
			out_raw(s, 1);
	}
}

/* Adds "key=value\n"; the key is printf-formatted, the value escaped. */
static void put(const char *value, const char *keyfmt, ...)
{
	char key[PATH_MAX + 64];
	va_list ap;

	va_start(ap, keyfmt);
	vsnprintf(key, sizeof key, keyfmt, ap);
	va_end(ap);
	out_escaped(key);
	out_raw("=", 1);
	out_escaped(value);
	out_raw("\n", 1);
}

static void put_long(long long value, const char *key)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", value);
	put(buf, "%s", key);
}

/* A comma list of numbers, built up one item at a time. */
struct list {
	char text[8192];
	size_t len;
};

static void list_add(struct list *l, long long n)
{
	int w = snprintf(l->text + l->len, sizeof l->text - l->len, "%s%lld", l->len ? "," : "", n);

	if (w > 0 && (size_t)w < sizeof l->text - l->len)
		l->len += (size_t)w;
}

static long parse_num(const char *s, const char *opt)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end)
		usage(opt);
	return n;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},
	{"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
	{"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
	{"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"SYS", SIGSYS},
};

static int parse_signal(const char *s)
{
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
		if (strcmp(s, signal_names[i].name) == 0)
			return signal_names[i].sig;
	return (int)parse_num(s, "--raise");
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	/* Sleep the whole time even if a signal with a handler interrupts. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* CPU time, not wall time: what a cgroup's cpu.stat accounts for. */
static void spin_ms(long ms)
{
	struct timespec t;
	volatile unsigned long sink = 0;
	long long until;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	until = (long long)t.tv_sec * 1000000000LL + t.tv_nsec + ms * 1000000LL;
	do {
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((long long)t.tv_sec * 1000000000LL + t.tv_nsec < until);
}

static void touch_mib(long mib)
{
	size_t size = (size_t)mib << 20;
	volatile char *p = malloc(size);

	if (!p)
		die("malloc");
	/* One write per page makes every page resident. */
	for (size_t i = 0; i < size; i += 4096)
		p[i] = (char)i;
	/* Kept allocated on purpose: the peak is what ru_maxrss measures. */
}

static void report_ids(void)
{
	char path[PATH_MAX];
	int fd;

	put_long(getpid(), "pid");
	put_long(getppid(), "ppid");
	put_long(getsid(0), "sid");
	put_long(getpgrp(), "pgid");
	put_long(tcgetpgrp(0), "tty_pgrp");
	/* Opening /dev/tty succeeds only for a process with a controlling
	 * terminal; O_NOCTTY keeps the probe from acquiring one here. */
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	put_long(fd >= 0, "has_ctty");
	if (fd >= 0)
		close(fd);
	put(getcwd(path, sizeof path) ? path : "?", "cwd");

	struct sched_param sp = {0};
	put_long(sched_getscheduler(0), "sched_policy");
	put_long(sched_getparam(0, &sp) == 0 ? sp.sched_priority : -1, "sched_priority");
}

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static void report_creds(void)
{
	gid_t groups[NGROUPS_MAX];
	struct list l = {0};
	mode_t mask;
	char buf[16];
	int n;

	put_long(getuid(), "uid");
	put_long(geteuid(), "euid");
	put_long(getgid(), "gid");
	put_long(getegid(), "egid");
	n = getgroups(NGROUPS_MAX, groups);
	if (n < 0)
		die("getgroups");
	qsort(groups, (size_t)n, sizeof groups[0], cmp_gid);
	for (int i = 0; i < n; i++)
		list_add(&l, groups[i]);
	put(l.text, "groups");
	mask = umask(0);
	umask(mask);
	snprintf(buf, sizeof buf, "%04o", (unsigned)mask);
	put(buf, "umask");
}

static void report_signals(void)
{
	struct list blocked = {0}, ignored = {0}, handled = {0};
	sigset_t mask;

	if (sigprocmask(SIG_BLOCK, NULL, &mask) < 0)
		die("sigprocmask");
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction sa;

		if (sigismember(&mask, sig) == 1)
			list_add(&blocked, sig);
		/* libc refuses to show the few signals it keeps for itself;
		 * those are simply not reported. */
		if (sigaction(sig, NULL, &sa) < 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN)
			list_add(&ignored, sig);
		else if ((sa.sa_flags & SA_SIGINFO) || sa.sa_handler != SIG_DFL)
			list_add(&handled, sig);
	}
	put(blocked.text, "sigmask");
	put(ignored.text, "sigignored");
	put(handled.text, "sighandled");

	/* The kernel's view too, which includes the signals libc hides (32 and
	 * 33 on glibc). Missing without /proc. */
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "SigBlk:\t", 8) == 0 || strncmp(line, "SigIgn:\t", 8) == 0) {
			line[strcspn(line, "\n")] = '\0';
			line[6] = '\0';
			put(line + 8, "proc.%s", line);
		}
	}
	if (f)
		fclose(f);
}

static void report_fd(int fd)
{
	const char *acc = "?";
	char buf[128];
	struct stat st;
	int fdflags, flflags;

	fdflags = fcntl(fd, F_GETFD);
	flflags = fcntl(fd, F_GETFL);
	if (fdflags < 0 || flflags < 0 || fstat(fd, &st) < 0)
		return;
	switch (flflags & O_ACCMODE) {
	case O_RDONLY:
		acc = "r";
		break;
	case O_WRONLY:
		acc = "w";
		break;
	case O_RDWR:
		acc = "rw";
		break;
	}
	snprintf(buf, sizeof buf, "%llu:%llu:%d:%s", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino, (fdflags & FD_CLOEXEC) != 0, acc);
	put(buf, "fd.%d", fd);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void report_fds(void)
{
	static int fds[65536];
	struct list l = {0};
	size_t n = 0;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)) && n < sizeof fds / sizeof fds[0]) {
			if (e->d_name[0] == '.')
				continue;
			int fd = atoi(e->d_name);
			if (fd != dirfd(d))
				fds[n++] = fd;
		}
		closedir(d);
	} else {
		/* No /proc (a bare chroot): ask every fd up to the limit,
		 * bounded so that a huge limit costs nothing unreasonable. */
		struct rlimit rl;
		rlim_t max = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < max)
			max = rl.rlim_cur;
		for (int fd = 0; (rlim_t)fd < max; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
	}
	qsort(fds, n, sizeof fds[0], cmp_int);
	for (size_t i = 0; i < n; i++)
		list_add(&l, fds[i]);
	put(l.text, "fds");
	for (size_t i = 0; i < n; i++)
		report_fd(fds[i]);
}

static void format_limit(char *buf, size_t size, rlim_t v)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "inf");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void report_rlimits(void)
{
	static const struct {
		const char *name;
		int resource;
	} limits[] = {
		{"nofile", RLIMIT_NOFILE}, {"core", RLIMIT_CORE}, {"nproc", RLIMIT_NPROC},
		{"stack", RLIMIT_STACK},   {"cpu", RLIMIT_CPU},   {"fsize", RLIMIT_FSIZE},
	};

	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		char soft[32], hard[32], buf[80];
		struct rlimit rl;

		if (getrlimit(limits[i].resource, &rl) < 0)
			continue;
		format_limit(soft, sizeof soft, rl.rlim_cur);
		format_limit(hard, sizeof hard, rl.rlim_max);
		snprintf(buf, sizeof buf, "%s:%s", soft, hard);
		put(buf, "rlimit.%s", limits[i].name);
	}
}

/* The cgroup v2 path, from the "0::" line; empty when there is none. */
static void report_cgroup(void)
{
	char line[PATH_MAX + 16], value[PATH_MAX + 16] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (f) {
		while (fgets(line, sizeof line, f)) {
			if (strncmp(line, "0::", 3) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(value, sizeof value, "%s", line + 3);
			}
		}
		fclose(f);
	}
	put(value, "cgroup");
}

/* A whole small file, escaped as one value; "errno:N" when it cannot be
 * read. */
static void report_file(const char *path, const char *key)
{
	char buf[8192], err[32];
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, sizeof err, "errno:%d", errno);
		put(err, "%s", key);
		return;
	}
	while (len + 1 < sizeof buf && (n = read(fd, buf + len, sizeof buf - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	put(buf, "%s", key);
}

/*
 * What isolation shows: each namespace as /proc/self/ns names it
 * ("ns.pid=pid:[4026531836]"), the host name, the user namespace's maps, the
 * capability sets, NoNewPrivs and Seccomp of /proc/self/status, and how many
 * processes /proc lists (a fresh /proc in a new pid namespace lists the
 * probe's own alone).
 */
static void report_isolation(void)
{
	static const char *const kinds[] = {"user", "pid", "mnt",    "net",
	                                    "uts",  "ipc", "cgroup", "time"};
	static const char *const fields[] = {"CapInh", "CapPrm",     "CapEff", "CapBnd",
	                                     "CapAmb", "NoNewPrivs", "Seccomp"};
	char path[64], link[128], line[256], err[32];
	struct utsname u;
	struct dirent *d;
	long procs = 0;
	FILE *f;
	DIR *dir;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		ssize_t n;

		snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
		n = readlink(path, link, sizeof link - 1);
		if (n < 0) {
			snprintf(err, sizeof err, "errno:%d", errno);
			put(err, "ns.%s", kinds[i]);
		} else {
			link[n] = '\0';
			put(link, "ns.%s", kinds[i]);
		}
	}
	put(uname(&u) == 0 ? u.nodename : "?", "hostname");
	report_file("/proc/self/uid_map", "uid_map");
	report_file("/proc/self/gid_map", "gid_map");
	report_file("/proc/self/setgroups", "setgroups");
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof line, f)) {
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			size_t len = strlen(fields[i]);

			if (strncmp(line, fields[i], len) == 0 && line[len] == ':') {
				char *v = line + len + 1;

				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				put(v, "status.%s", fields[i]);
			}
		}
	}
	if (f)
		fclose(f);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir)) != NULL)
		procs += d->d_name[0] >= '0' && d->d_name[0] <= '9';
	if (dir)
		closedir(dir);
	put_long(dir ? procs : -1, "proc_pids");
}

static void report_env_argv(int argc, char **argv)
{
	size_t n = 0;

	for (char **e = environ; *e; e++)
		n++;
	put_long((long long)n, "env");
	for (char **e = environ; *e; e++) {
		char name[4096];
		const char *eq = strchr(*e, '=');
		size_t len = eq ? (size_t)(eq - *e) : strlen(*e);

		if (len >= sizeof name)
			len = sizeof name - 1;
		memcpy(name, *e, len);
		name[len] = '\0';
		put(eq ? eq + 1 : "", "env.%s", name);
	}
	put_long(argc, "argv");
	for (int i = 0; i < argc; i++)
		put(argv[i], "argv.%d", i);
}

/* The gate's counters, "RUNNING STARTED", in DIR/gate under a lock, so
 * that probes count each other without readdir (which a 32-bit program
 * under qemu-user cannot trust: 64-bit directory offsets overflow). */
static void gate_count(int fd, long add_running, long add_started, long *running, long *started)
{
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char buf[64] = "";
	long r = 0, st = 0;

	while (fcntl(fd, F_SETLKW, &lk) < 0)
		if (errno != EINTR)
			die("lock gate");
	if (pread(fd, buf, sizeof buf - 1, 0) > 0)
		sscanf(buf, "%ld %ld", &r, &st);
	r += add_running;
	st += add_started;
	if (add_running != 0 || add_started != 0) {
		int n = snprintf(buf, sizeof buf, "%20ld %20ld\n", r, st);
		if (pwrite(fd, buf, (size_t)n, 0) != n)
			die("write gate");
	}
	lk.l_type = F_UNLCK;
	fcntl(fd, F_SETLK, &lk);
	*running = r;
	*started = st;
}

/*
 * --gate DIR LIMIT TOTAL: counts, from the children's side, how many run at
 * once. The probe counts itself running and started (DIR/gate), then waits
 * until LIMIT are running or TOTAL have started, watching the count all
 * along; it reports the most it saw (gate.max, watching for 100 ms more)
 * and whether it waited in vain for 60 s (gate.stuck), and counts itself
 * out before it exits. Whoever starts the probes must have LIMIT running at
 * once, or they wait for each other until the 60 s end.
 */
static void gate(const char *dir, long limit, long total)
{
	char path[PATH_MAX];
	long max = 0, stuck = 1, running, started;
	int fd;

	snprintf(path, sizeof path, "%s/gate", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		die("open gate");
	gate_count(fd, 1, 1, &running, &started);
	max = running;
	for (int i = 0; i < 30000; i++) {
		gate_count(fd, 0, 0, &running, &started);
		if (running > max)
			max = running;
		if (running >= limit || started >= total) {
			stuck = 0;
			break;
		}
		sleep_ms(2);
	}
	/* Counted a while longer, so that one probe too many started next
	 * to us is seen. */
	for (int i = 0; i < 50; i++) {
		gate_count(fd, 0, 0, &running, &started);
		if (running > max)
			max = running;
		sleep_ms(2);
	}
	put_long(max, "gate.max");
	put_long(stuck, "gate.stuck");
	gate_count(fd, -1, 0, &running, &started);
	close(fd);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write report");
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	int report_fd = 1, exit_code = 0, raise_sig = 0, wait_stdin = 0;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (strcmp(opt, "--wait-stdin") == 0) {
			wait_stdin = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage(opt);
		const char *arg = argv[++i];
		if (strcmp(opt, "--report-fd") == 0) {
			report_fd = (int)parse_num(arg, opt);
		} else if (strcmp(opt, "--exit") == 0) {
			exit_code = (int)parse_num(arg, opt);
		} else if (strcmp(opt, "--sleep-ms") == 0) {
			sleep_ms(parse_num(arg, opt));
		} else if (strcmp(opt, "--raise") == 0) {
			raise_sig = parse_signal(arg);
		} else if (strcmp(opt, "--touch-mib") == 0) {
			touch_mib(parse_num(arg, opt));
		} else if (strcmp(opt, "--stat") == 0) {
			struct stat st;

			put(stat(arg, &st) == 0 ? "exists" : "missing", "stat.%s", arg);
		} else if (strcmp(opt, "--fill-fd") == 0) {
			int fd = (int)parse_num(arg, opt);
			static char block[65536];

			if (i + 1 >= argc)
				usage(opt);
			memset(block, 'x', sizeof block);
			for (long long left = parse_num(argv[++i], opt); left > 0;) {
				size_t n = left < (long long)sizeof block ? (size_t)left
				                                          : sizeof block;
				write_all(fd, block, n);
				left -= (long long)n;
			}
			int size = fcntl(fd, F_GETPIPE_SZ);
			char key[32];

			snprintf(key, sizeof key, "pipe_size.%d", fd);
			if (size < 0)
				put(strerror(errno), "%s", key);
			else
				put_long(size, key);
		} else if (strcmp(opt, "--gate") == 0) {
			if (i + 2 >= argc)
				usage(opt);
			gate(arg, (long)parse_num(argv[i + 1], opt),
			     (long)parse_num(argv[i + 2], opt));
			i += 2;
		} else if (strcmp(opt, "--spin-ms") == 0) {
			spin_ms(parse_num(arg, opt));
		} else if (strcmp(opt, "--syscall") == 0) {
			long nr = parse_num(arg, opt), r = syscall(nr, 0, 0, 0, 0, 0, 0);
			char buf[32] = "ok";

			if (r < 0)
				snprintf(buf, sizeof buf, "errno:%d", errno);
			put(buf, "syscall.%ld", nr);
		} else if (strcmp(opt, "--write-fd") == 0) {
			int fd = (int)parse_num(arg, opt);
			char buf[32] = "ok";

			if (i + 1 >= argc)
				usage(opt);
			arg = argv[++i];
			if (write(fd, arg, strlen(arg)) < 0)
				snprintf(buf, sizeof buf, "%d", errno);
			put(buf, "write.%d", fd);
		} else {
			usage(opt);
		}
	}

	report_ids();
	report_creds();
	report_signals();
	report_fds();
	report_rlimits();
	report_cgroup();
	report_isolation();
	report_env_argv(argc, argv);
	write_all(report_fd, report, report_len);

	if (wait_stdin) {
		char buf[4096];
		ssize_t n;

		while ((n = read(0, buf, sizeof buf)) != 0)
			if (n < 0 && errno != EINTR)
				break;
	}
	if (raise_sig) {
		/* raise() alone would not do for a signal that is blocked or
		 * ignored: the tests want the signal to end the probe. */
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, raise_sig);
		signal(raise_sig, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(raise_sig);
	}
	return exit_code;
}
