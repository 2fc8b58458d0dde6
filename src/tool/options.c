/* SPDX-License-Identifier: MIT */
/*
 * The options of `subproc run` and `subproc pipe`: parsing, help, and
 * turning them into a command's settings.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char run_usage[] =
	"Usage: subproc run [OPTIONS] [--] PROGRAM [ARG...]\n"
	"Runs PROGRAM (searched in PATH when it has no '/') without a shell and\n"
	"exits as it did.\n";

static const char pipe_usage[] =
	"Usage: subproc pipe [OPTIONS] [--] CMD1 [ARG...] '|' CMD2 [ARG...] ...\n"
	"Runs a pipeline without a shell: the argument | separates the stages,\n"
	"stdout of each goes to stdin of the next, all in one process group.\n"
	"An argument that is exactly \\| (backslash, bar) is no separator: its stage\n"
	"gets a literal | there (subproc pipe -- echo a '\\|' b '|' cat prints a | b).\n"
	"Every other argument, \\\\| too, reaches its stage as given.\n";

static const char common_help[] =
	"\n"
	"Child:\n"
	"  -C, --cwd DIR            run in DIR\n"
	"  -e, --env NAME=VALUE     set a variable (repeatable; in order with -u, -i)\n"
	"  -u, --unset NAME         remove a variable\n"
	"  -i, --clear-env          start from an empty environment\n"
	"      --stdin null|inherit|PATH\n"
	"      --stdout null|inherit|PATH\n"
	"      --stderr null|inherit|stdout|PATH\n"
	"      --append             open output PATHs for append, not truncated\n"
	"      --rlimit NAME=SOFT:HARD, NAME=SOFT:, NAME=:HARD, NAME=VALUE\n"
	"                           a resource limit, as prlimit(1): SOFT: leaves the\n"
	"                           hard limit and :HARD the soft one as subproc has\n"
	"                           it; VALUE sets both. NAME (any case, RLIMIT_\n"
	"                           prefix allowed): as, core, cpu, data, fsize,\n"
	"                           locks, memlock, msgqueue, nice, nofile, nproc,\n"
	"                           rss, rtprio, rttime, sigpending, stack; a limit\n"
	"                           may be \"unlimited\" or \"infinity\"\n"
	"      --umask OCTAL\n"
	"      --user USER, --uid USER\n"
	"                           run as USER (a name or a number) with the group\n"
	"                           and supplementary groups the user database gives\n"
	"                           it, as login and initgroups(3) do; a number no\n"
	"                           user has needs --gid\n"
	"      --gid GROUP          the group id instead (a name or a number); without\n"
	"                           --user, the supplementary groups become none\n"
	"      --groups G1,G2       the supplementary groups instead ('' for none)\n"
	"      --chroot DIR\n"
	"      --keep-fd N          pass fd N through as N (repeatable, N >= 3)\n"
	"      --inherit-fds        do not close fds the caller did not name\n"
	"      --launch clone3|clone|fork\n"
	"\n"
	"Isolation (Linux), in the spellings of unshare(1) and setpriv(1):\n"
	"      --unshare NS,...     new namespaces: user, pid, mount, net, uts, ipc,\n"
	"                           cgroup, time; in a new pid one the child is pid 1\n"
	"      --map-root-user      uid and gid 0 inside are subproc's effective ids\n"
	"                           outside, setgroups denied, as unshare -r\n"
	"      --map-user USER      USER inside (a name or a number) is subproc's\n"
	"                           effective uid outside\n"
	"      --map-group GROUP    GROUP inside is subproc's effective gid outside;\n"
	"                           setgroups denied unless --setgroups allow\n"
	"      --setgroups allow|deny\n"
	"                           whether setgroups(2) works in the new user\n"
	"                           namespace (the options that make one are needed)\n"
	"      --mount-proc         mount a new proc on /proc (implies pid and mount)\n"
	"      --hostname NAME      the host name inside (implies uts)\n"
	"      --no-new-privs       no execve grants privileges (setuid, file caps)\n"
	"      --ambient-caps +CAP,-CAP,...\n"
	"                           raise capabilities into the ambient set (and the\n"
	"                           inheritable one), so that they survive --user and\n"
	"                           execve\n"
	"      --bounding-set -all,+CAP,-CAP,...\n"
	"                           shrink the bounding set, in order, from subproc's\n"
	"                           own (from all of them in a new user namespace)\n"
	"      --seccomp-deny SYSCALL,...\n"
	"                           these system calls fail with EPERM, and so does\n"
	"                           every call of another ABI (i386, x32 on x86_64)\n"
	"The map options imply a new user namespace. A CAP is named as in\n"
	"capabilities(7), with or without cap_ and in any case (net_raw,\n"
	"CAP_NET_RAW), or cap_N; all stands for every one. Options may be repeated.\n"
	"\n"
	"Cgroup (Linux, cgroup v2):\n"
	"      --cgroup[=PARENT]    run the child (for pipe, the whole pipeline) and all\n"
	"                           it starts in a new cgroup of their own, made under\n"
	"                           PARENT (a cgroup v2 directory) or else under\n"
	"                           subproc's own cgroup, and removed at the end\n"
	"      --cgroup-set FILE=VALUE\n"
	"                           write VALUE into the cgroup's FILE before the start\n"
	"                           (repeatable, in order with the three below)\n"
	"      --memory-max SIZE    memory.max, as systemd's MemoryMax=: bytes, with an\n"
	"                           optional K, M, G, T, P or E (powers of 1024; 1.5G),\n"
	"                           N% of the memory, or infinity\n"
	"      --pids-max N         pids.max: at most N processes, or infinity\n"
	"      --cpu-max PERCENT%   cpu.max, as systemd's CPUQuota=: that share of one\n"
	"                           CPU (200%: two CPUs; 1% at least), or infinity\n"
	"Each implies --cgroup, and a controller's file (memory.max) needs the\n"
	"controller enabled in PARENT's cgroup.subtree_control. With a cgroup, a stop\n"
	"(the timeout, -k, a signal passed on) reaches every process in it, those\n"
	"that left the process group too, and subproc waits until the cgroup is\n"
	"empty, not only for the child; --json adds what the whole tree used.\n"
	"\n"
	"Stopping:\n"
	"  -t, --timeout DURATION   then send the signal; 0: never (the default)\n"
	"  -s, --signal SIG         TERM (default), SIGTERM, 15, ...\n"
	"  -k, --kill-after DURATION\n"
	"                           also send SIGKILL this long after the signal;\n"
	"                           0: never (the default)\n"
	"      --preserve-status    exit as the child even when the timeout fired\n"
	"  -v, --verbose            a line on stderr per signal sent\n"
	"A DURATION is as GNU timeout's: a number (decimals allowed) with an\n"
	"optional suffix s (seconds, the default), m (minutes), h (hours) or d\n"
	"(days).\n"
	"The child (for pipe, the whole pipeline) runs in a process group of its\n"
	"own, so that a timeout or a forwarded signal reaches its whole group;\n"
	"when subproc is in the foreground of a terminal, the terminal is handed\n"
	"to the child's group while it runs. SIGINT, SIGTERM, SIGHUP and SIGQUIT\n"
	"sent to subproc are passed on to that group.\n"
	"\n"
	"Report:\n"
	"      --json[=FILE]        write a JSON report to stderr or FILE\n"
	"\n"
	"Exit status: the child's exit code; 128+N when killed by signal N; 124 when\n"
	"the timeout fired (unless --preserve-status); 125 when subproc itself failed; 126 when "
	"the program\n"
	"could not be executed; 127 when it was not found.\n";

static const char run_only_help[] =
	"      --foreground         the child stays in subproc's process group and\n"
	"                           only it is signalled, as timeout --foreground:\n"
	"                           its own children (grandchildren) are not stopped\n"
	"      --setsid             run in a new session (and so a new group)\n"
	"      --pgroup             run in a new process group: the default; kept\n"
	"                           for compatibility\n";

static const char pipe_only_help[] =
	"      --pipefail           exit as the last stage that failed (bash's\n"
	"                           set -o pipefail), not as the last stage\n"
	"--stdin is the first stage's, --stdout the last stage's; --stderr, the\n"
	"child options and the isolation options apply to every stage (each stage\n"
	"gets namespaces of its own).\n";

enum {
	OPT_STDIN = 256,
	OPT_STDOUT,
	OPT_STDERR,
	OPT_APPEND,
	OPT_SETSID,
	OPT_PGROUP,
	OPT_RLIMIT,
	OPT_UMASK,
	OPT_UID,
	OPT_USER,
	OPT_GID,
	OPT_GROUPS,
	OPT_CHROOT,
	OPT_KEEPFD,
	OPT_INHERITFDS,
	OPT_LAUNCH,
	OPT_JSON,
	OPT_PIPEFAIL,
	OPT_FOREGROUND,
	OPT_PRESERVE_STATUS,
};

/* In the order of the help; an ambiguous abbreviation lists its candidates
 * in this order. */
static const struct option long_opts[] = {
	{"cwd", required_argument, NULL, 'C'},
	{"env", required_argument, NULL, 'e'},
	{"unset", required_argument, NULL, 'u'},
	{"clear-env", no_argument, NULL, 'i'},
	{"stdin", required_argument, NULL, OPT_STDIN},
	{"stdout", required_argument, NULL, OPT_STDOUT},
	{"stderr", required_argument, NULL, OPT_STDERR},
	{"append", no_argument, NULL, OPT_APPEND},
	{"setsid", no_argument, NULL, OPT_SETSID},
	{"pgroup", no_argument, NULL, OPT_PGROUP},
	{"rlimit", required_argument, NULL, OPT_RLIMIT},
	{"umask", required_argument, NULL, OPT_UMASK},
	{"uid", required_argument, NULL, OPT_UID},
	{"user", required_argument, NULL, OPT_USER},
	{"gid", required_argument, NULL, OPT_GID},
	{"groups", required_argument, NULL, OPT_GROUPS},
	{"chroot", required_argument, NULL, OPT_CHROOT},
	{"keep-fd", required_argument, NULL, OPT_KEEPFD},
	{"inherit-fds", no_argument, NULL, OPT_INHERITFDS},
	{"launch", required_argument, NULL, OPT_LAUNCH},
	{"unshare", required_argument, NULL, TOOL_OPT_UNSHARE},
	{"map-root-user", no_argument, NULL, TOOL_OPT_MAP_ROOT_USER},
	{"map-user", required_argument, NULL, TOOL_OPT_MAP_USER},
	{"map-group", required_argument, NULL, TOOL_OPT_MAP_GROUP},
	{"setgroups", required_argument, NULL, TOOL_OPT_SETGROUPS},
	{"mount-proc", no_argument, NULL, TOOL_OPT_MOUNT_PROC},
	{"hostname", required_argument, NULL, TOOL_OPT_HOSTNAME},
	{"no-new-privs", no_argument, NULL, TOOL_OPT_NO_NEW_PRIVS},
	{"ambient-caps", required_argument, NULL, TOOL_OPT_AMBIENT_CAPS},
	{"bounding-set", required_argument, NULL, TOOL_OPT_BOUNDING_SET},
	{"seccomp-deny", required_argument, NULL, TOOL_OPT_SECCOMP_DENY},
	{"cgroup", optional_argument, NULL, TOOL_OPT_CGROUP},
	{"cgroup-set", required_argument, NULL, TOOL_OPT_CGROUP_SET},
	{"memory-max", required_argument, NULL, TOOL_OPT_MEMORY_MAX},
	{"pids-max", required_argument, NULL, TOOL_OPT_PIDS_MAX},
	{"cpu-max", required_argument, NULL, TOOL_OPT_CPU_MAX},
	{"timeout", required_argument, NULL, 't'},
	{"signal", required_argument, NULL, 's'},
	{"kill-after", required_argument, NULL, 'k'},
	{"foreground", no_argument, NULL, OPT_FOREGROUND},
	{"preserve-status", no_argument, NULL, OPT_PRESERVE_STATUS},
	{"verbose", no_argument, NULL, 'v'},
	{"json", optional_argument, NULL, OPT_JSON},
	{"pipefail", no_argument, NULL, OPT_PIPEFAIL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"as", RLIMIT_AS},
	{"core", RLIMIT_CORE},
	{"cpu", RLIMIT_CPU},
	{"data", RLIMIT_DATA},
	{"fsize", RLIMIT_FSIZE},
	{"locks", RLIMIT_LOCKS},
	{"memlock", RLIMIT_MEMLOCK},
	{"msgqueue", RLIMIT_MSGQUEUE},
	{"nice", RLIMIT_NICE},
	{"nofile", RLIMIT_NOFILE},
	{"nproc", RLIMIT_NPROC},
	{"rss", RLIMIT_RSS},
	{"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME},
	{"sigpending", RLIMIT_SIGPENDING},
	{"stack", RLIMIT_STACK},
};

/* --launch's names, as `subproc --list launches` prints them. */
static const struct {
	const char *name;
	int launch; /* enum subproc_launch */
} launch_names[] = {
	{"clone3", SUBPROC_LAUNCH_CLONE3},
	{"clone", SUBPROC_LAUNCH_CLONE},
	{"fork", SUBPROC_LAUNCH_FORK},
};

void tool_error(const char *fmt, ...)
{
	va_list ap;

	fputs("subproc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Grows *v (of n items of `size`) by one; returns the new item or NULL. */
static void *push(void *v, size_t *n, size_t size)
{
	void **p = v;
	char *grown = realloc(*p, (*n + 1) * size);

	if (grown == NULL) {
		tool_error("out of memory");
		return NULL;
	}
	*p = grown;
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

/*
 * A duration as GNU timeout (coreutils 9.1) takes it: a floating number as
 * strtod reads it (so also 1e3, 0x10, inf), not negative, with at most one
 * suffix s, m, h or d. Like timeout, an overflow is taken as a huge value.
 * Gives milliseconds, rounded: 0 for zero, at least 1 for any positive
 * duration, at most INT_MAX.
 */
int tool_parse_duration(const char *opt, const char *s, int *ms)
{
	double v, unit = 1000.0;
	char *end;

	v = strtod(s, &end);
	if (end == s || !(v >= 0)) /* !(>=): NaN too */
		goto bad;
	if (*end != '\0') {
		if (end[1] != '\0')
			goto bad;
		switch (*end) {
		case 's':
			break;
		case 'm':
			unit *= 60;
			break;
		case 'h':
			unit *= 60 * 60;
			break;
		case 'd':
			unit *= 60 * 60 * 24;
			break;
		default:
			goto bad;
		}
	}
	v *= unit;
	if (v == 0)
		*ms = 0;
	else if (v >= (double)INT_MAX)
		*ms = INT_MAX;
	else if ((*ms = (int)(v + 0.5)) == 0)
		*ms = 1; /* a positive time still means "a timeout" */
	return 0;
bad:
	tool_error("%s: invalid duration: '%s'", opt, s);
	return -1;
}

/* long long, so that a 32-bit id's range fits where long is 32 bits. */
int tool_parse_long(const char *opt, const char *s, int base, long long min, long long max,
                    long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		tool_error("%s: bad number: %s", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* A limit: a decimal number, "unlimited" or "infinity" (any case). */
static int parse_rlim(const char *s, rlim_t *out)
{
	unsigned long long v;
	char *end;

	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (*s < '0' || *s > '9') /* strtoull would take " 1", "+1", "-1" */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || (unsigned long long)(rlim_t)v != v)
		return -1;
	*out = (rlim_t)v;
	return 0;
}

static const char *rlim_text(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/*
 * --rlimit in prlimit(1)'s forms: NAME=SOFT:HARD, NAME=SOFT: and NAME=:HARD
 * (the other limit unchanged: as subproc has it now, from getrlimit), and
 * NAME=VALUE (both). NAME as prlimit's options name them or as
 * RLIMIT_NAME, in any case.
 */
static int parse_rlimit(struct tool_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '='), *name = arg;
	size_t len, i, n = sizeof rlimit_names / sizeof rlimit_names[0];
	char value[64], *colon, a[32], b[32];
	struct rlimit want;
	subproc_rlimit *l;

	if (eq == NULL || eq == arg) {
		tool_error("--rlimit: expected NAME=SOFT:HARD, NAME=SOFT:, NAME=:HARD or "
		           "NAME=VALUE, got '%s'",
		           arg);
		return -1;
	}
	len = (size_t)(eq - arg);
	if (len > 7 && strncasecmp(name, "RLIMIT_", 7) == 0) {
		name += 7;
		len -= 7;
	}
	for (i = 0; i < n; i++) {
		if (strlen(rlimit_names[i].name) == len &&
		    strncasecmp(rlimit_names[i].name, name, len) == 0)
			break;
	}
	if (i == n) {
		tool_error("--rlimit: unknown resource '%.*s' in '%s'", (int)(eq - arg), arg, arg);
		return -1;
	}
	if (eq[1] == '\0' || strcmp(eq + 1, ":") == 0) {
		tool_error("--rlimit: no limit given in '%s'", arg);
		return -1;
	}
	if (strlen(eq + 1) >= sizeof value) {
		tool_error("--rlimit: limit too long in '%s'", arg);
		return -1;
	}
	memcpy(value, eq + 1, strlen(eq + 1) + 1); /* length checked above */
	if (getrlimit(rlimit_names[i].resource, &want) < 0) {
		tool_error("--rlimit: getrlimit %s: %s", rlimit_names[i].name,
		           subproc_strerror(-errno));
		return -1;
	}
	colon = strchr(value, ':');
	if (colon == NULL) {
		if (parse_rlim(value, &want.rlim_cur) < 0) {
			tool_error("--rlimit: bad limit '%s' in '%s'", value, arg);
			return -1;
		}
		want.rlim_max = want.rlim_cur;
	} else {
		*colon = '\0';
		if (value[0] != '\0' && parse_rlim(value, &want.rlim_cur) < 0) {
			tool_error("--rlimit: bad soft limit '%s' in '%s'", value, arg);
			return -1;
		}
		if (colon[1] != '\0' && parse_rlim(colon + 1, &want.rlim_max) < 0) {
			tool_error("--rlimit: bad hard limit '%s' in '%s'", colon + 1, arg);
			return -1;
		}
	}
	if (want.rlim_cur > want.rlim_max) {
		tool_error("--rlimit: the soft limit %s is above the hard limit %s in '%s'%s",
		           rlim_text(want.rlim_cur, a, sizeof a),
		           rlim_text(want.rlim_max, b, sizeof b), arg,
		           colon != NULL && (value[0] == '\0' || colon[1] == '\0')
		                   ? " (the limit not given is subproc's own)"
		                   : "");
		return -1;
	}
	if ((l = push(&o->rlimits, &o->nrlimits, sizeof *l)) == NULL)
		return -1;
	l->resource = rlimit_names[i].resource;
	l->limit = want;
	return 0;
}

/* A string of digits is an id; anything else is a name. */
static bool is_number(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

/* After a NULL from getpwnam, getpwuid or getgrnam: these errno values are
 * the ones their manual gives for "no such entry"; others mean the lookup
 * itself failed, which must not be taken for a missing user. */
static bool lookup_failed(int e)
{
	return e != 0 && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM;
}

int tool_parse_gid(const char *opt, const char *s, gid_t *out)
{
	struct group *gr;
	long long v;

	if (is_number(s))
		return tool_parse_long(opt, s, 10, 0, (long long)UINT32_MAX - 1, &v) < 0
		               ? -1
		               : (*out = (gid_t)v, 0);
	errno = 0;
	if ((gr = getgrnam(s)) == NULL) {
		if (lookup_failed(errno))
			tool_error("%s: looking up group %s: %s", opt, s, subproc_strerror(-errno));
		else
			tool_error("%s: no such group: %s", opt, s);
		return -1;
	}
	*out = gr->gr_gid;
	return 0;
}

int tool_parse_uid(const char *opt, const char *s, uid_t *out)
{
	struct passwd *pw;
	long long v;

	if (is_number(s))
		return tool_parse_long(opt, s, 10, 0, (long long)UINT32_MAX - 1, &v) < 0
		               ? -1
		               : (*out = (uid_t)v, 0);
	errno = 0;
	if ((pw = getpwnam(s)) == NULL) {
		if (lookup_failed(errno))
			tool_error("%s: looking up user %s: %s", opt, s, subproc_strerror(-errno));
		else
			tool_error("%s: no such user: %s", opt, s);
		return -1;
	}
	*out = pw->pw_uid;
	return 0;
}

static int parse_groups(struct tool_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL;
	int r = 0;

	if (copy == NULL)
		return -1;
	o->has_groups = true;
	for (char *g = strtok_r(copy, ",", &save); g != NULL && r == 0;
	     g = strtok_r(NULL, ",", &save)) {
		gid_t *slot = push(&o->groups, &o->ngroups, sizeof *slot);
		r = slot == NULL ? -1 : tool_parse_gid("--groups", g, slot);
	}
	free(copy);
	return r;
}

/* The groups initgroups(3) would give user `name` with group `gid`: gid and
 * every group the group database lists the user in. */
static int user_groups(struct tool_opts *o, const char *name, gid_t gid)
{
	int cap = 32;

	for (;;) {
		gid_t *list = malloc((size_t)cap * sizeof *list);
		int n = cap;

		if (list == NULL) {
			tool_error("out of memory");
			return -1;
		}
		if (getgrouplist(name, gid, list, &n) >= 0) {
			free(o->groups);
			o->groups = list;
			o->ngroups = (size_t)n;
			o->has_groups = true;
			return 0;
		}
		free(list);
		/* glibc says how many there are; other libcs may not. */
		cap = n > cap ? n : cap * 2;
		if (cap > 65536) {
			tool_error("%s %s: more than 65536 groups", o->user_opt, o->user);
			return -1;
		}
	}
}

/*
 * Turns --user/--uid, --gid and --groups into the ids to set. The user's
 * group and groups come from the user database unless --gid or --groups
 * name them. Whenever an id changes the supplementary groups are set too,
 * to the user's or to none, so that the caller's groups (root's group 0,
 * say) never reach a child that runs as someone else, whatever the
 * library's default for a start without SUBPROC_SETGROUPS.
 */
static int resolve_credentials(struct tool_opts *o)
{
	struct passwd *pw;
	char *name = NULL;
	gid_t pw_gid = 0;
	long long v;
	int r = 0;

	if (o->user != NULL) {
		errno = 0;
		if (is_number(o->user)) {
			if (tool_parse_long(o->user_opt, o->user, 10, 0, (long long)UINT32_MAX - 1,
			                    &v) < 0)
				return -1;
			o->uid = (uid_t)v;
			errno = 0;
			pw = getpwuid(o->uid);
		} else {
			pw = getpwnam(o->user);
			if (pw == NULL && !lookup_failed(errno)) {
				tool_error("%s: no such user: %s", o->user_opt, o->user);
				return -1;
			}
		}
		if (pw == NULL && lookup_failed(errno)) {
			tool_error("%s: looking up user %s: %s", o->user_opt, o->user,
			           subproc_strerror(-errno));
			return -1;
		}
		if (pw != NULL) {
			/* pw is static storage that the next lookup may reuse. */
			o->uid = pw->pw_uid;
			pw_gid = pw->pw_gid;
			if ((name = strdup(pw->pw_name)) == NULL) {
				tool_error("out of memory");
				return -1;
			}
		}
		o->has_uid = true;
		if (!o->has_gid) {
			if (name == NULL) {
				tool_error("%s %s: no user in the user database has uid %s, so it "
				           "names no group: give --gid (and --groups)",
				           o->user_opt, o->user, o->user);
				return -1;
			}
			o->gid = pw_gid;
			o->has_gid = true;
		}
		if (!o->has_groups && name != NULL)
			r = user_groups(o, name, o->gid);
		free(name);
	}
	if (r == 0 && (o->has_uid || o->has_gid))
		o->has_groups = true; /* with none, unless set above */
	return r;
}

static int parse_stdio(struct tool_opts *o, int stream, const char *arg)
{
	if (arg[0] == '\0') {
		tool_error("--%s: empty path", stream == 0   ? "stdin"
		                               : stream == 1 ? "stdout"
		                                             : "stderr");
		return -1;
	}
	o->stdio[stream] = arg;
	return 0;
}

static bool is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char optstring[] = "+:C:e:u:it:s:k:vh";

/* The long option whose getopt value is `val`, or NULL. */
static const struct option *long_opt_of(const struct option *opts, int val)
{
	for (const struct option *p = opts; p->name != NULL; p++) {
		if (p->val == val)
			return p;
	}
	return NULL;
}

/*
 * Prints what getopt_long, quiet (opterr 0, optstring ":..."), found wrong
 * in the options `opts`:
 * c is its ':' (a value is missing) or '?' (anything else). It leaves
 * optopt 0 for a long option that it does not know or that abbreviates
 * several, and then has just stepped over it, so argv[optind - 1] is it.
 */
void tool_option_error(const char *cmd, int c, char **argv, const struct option *opts)
{
	const char *arg = argv[optind - 1], *name;
	const struct option *p = long_opt_of(opts, optopt);
	size_t len, n = 0;

	/* musl steps past the end for a value missing there (optind is
	 * argc + 1), glibc stays on it: argv[argc] is NULL, the one before it
	 * the option. */
	if (arg == NULL)
		arg = argv[optind - 2];

	if (c == ':') {
		/* A missing value is at the end of argv, in the last element. */
		if (strncmp(arg, "--", 2) == 0 && p != NULL)
			tool_error("%s: option --%s needs a value", cmd, p->name);
		else
			tool_error("%s: option -%c needs a value", cmd, optopt);
		return;
	}
	if (optopt != 0 && p != NULL && p->has_arg == no_argument) {
		/* Only "--name=value" makes a known option an error. */
		tool_error("%s: option --%s takes no value", cmd, p->name);
		return;
	}
	if (optopt != 0) {
		if (optopt > ' ' && optopt < 127)
			tool_error("%s: unknown option -%c", cmd, optopt);
		else
			tool_error("%s: unknown option in %s", cmd, arg);
		return;
	}
	name = arg + 2;
	len = strcspn(name, "=");
	for (p = opts; p->name != NULL; p++)
		n += strncmp(p->name, name, len) == 0;
	if (len == 0) { /* "--=..." */
		tool_error("%s: unknown option %s", cmd, arg);
		return;
	}
	if (n < 2) {
		tool_error("%s: unknown option --%.*s", cmd, (int)len, name);
		return;
	}
	fprintf(stderr, "subproc: %s: option --%.*s is ambiguous (", cmd, (int)len, name);
	for (p = opts, n = 0; p->name != NULL; p++) {
		if (strncmp(p->name, name, len) == 0)
			fprintf(stderr, "%s--%s", n++ ? ", " : "", p->name);
	}
	fputs(")\n", stderr);
}

static void usage(FILE *f, const char *cmd)
{
	bool run = strcmp(cmd, "run") == 0;

	fputs(run ? run_usage : pipe_usage, f);
	fputs(common_help, f);
	fputs("\nOnly for ", f);
	fputs(cmd, f);
	fputs(":\n", f);
	fputs(run ? run_only_help : pipe_only_help, f);
}

static int parse(const char *cmd, int argc, char **argv, struct tool_opts *o)
{
	bool run = strcmp(cmd, "run") == 0;
	int c, cgroup_bare_end = -1;
	long long v;

	memset(o, 0, sizeof *o);
	o->sig = SIGTERM;
	o->kill_after_ms = -1;
	optind = 0; /* all of getopt's state anew, for a second parse too */
	opterr = 0;
	/* "+": options end at the program, whose own options are its own;
	 * ":" then: a missing value is told apart (':') from the rest ('?'). */
	while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
		struct tool_envop *op;

		switch (c) {
		case 'C':
			o->cwd = optarg;
			break;
		case 'e':
		case 'u':
		case 'i':
			if ((op = push(&o->env, &o->nenv, sizeof *op)) == NULL)
				return -1;
			op->kind = (char)(c == 'e' ? 's' : c == 'u' ? 'u' : 'c');
			if (c == 'e') {
				char *eq = strchr(optarg, '=');
				if (eq == NULL || eq == optarg) {
					tool_error("--env: expected NAME=VALUE, got %s", optarg);
					return -1;
				}
				*eq = '\0'; /* argv is ours to edit */
				op->name = optarg;
				op->value = eq + 1;
			} else if (c == 'u') {
				op->name = optarg;
			}
			break;
		case OPT_STDIN:
		case OPT_STDOUT:
		case OPT_STDERR:
			if (parse_stdio(o, c - OPT_STDIN, optarg) < 0)
				return -1;
			break;
		case OPT_APPEND:
			o->append = true;
			break;
		case 't':
			if (tool_parse_duration("--timeout", optarg, &o->timeout_ms) < 0)
				return -1;
			break;
		case 's':
			o->sig = subproc_signal_parse(optarg);
			if (o->sig <= 0) {
				tool_error("--signal: not a signal: %s", optarg);
				return -1;
			}
			break;
		case 'k':
			if (tool_parse_duration("--kill-after", optarg, &o->kill_after_ms) < 0)
				return -1;
			if (o->kill_after_ms == 0)
				o->kill_after_ms = -1; /* -k 0: no SIGKILL, as timeout */
			break;
		case OPT_SETSID:
		case OPT_PGROUP:
		case OPT_FOREGROUND:
			if (!run) {
				tool_error(
					"--%s: a pipeline is always one process group of its own",
					c == OPT_SETSID   ? "setsid"
					: c == OPT_PGROUP ? "pgroup"
							  : "foreground");
				return -1;
			}
			if (c == OPT_SETSID)
				o->setsid = true;
			else if (c == OPT_PGROUP)
				o->pgroup = true; /* the default anyway */
			else
				o->foreground = true;
			break;
		case OPT_PRESERVE_STATUS:
			o->preserve_status = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_PIPEFAIL:
			if (run) {
				tool_error("--pipefail: only for subproc pipe");
				return -1;
			}
			o->pipefail = true;
			break;
		case OPT_RLIMIT:
			if (parse_rlimit(o, optarg) < 0)
				return -1;
			break;
		case OPT_UMASK:
			if (tool_parse_long("--umask", optarg, 8, 0, 0777, &v) < 0)
				return -1;
			o->umask = (mode_t)v;
			o->has_umask = true;
			break;
		case OPT_UID:
		case OPT_USER:
			o->user = optarg;
			o->user_opt = c == OPT_UID ? "--uid" : "--user";
			break;
		case OPT_GID:
			if (tool_parse_gid("--gid", optarg, &o->gid) < 0)
				return -1;
			o->has_gid = true;
			break;
		case OPT_GROUPS:
			if (parse_groups(o, optarg) < 0)
				return -1;
			break;
		case OPT_CHROOT:
			o->chroot = optarg;
			break;
		case OPT_KEEPFD: {
			int *slot;
			if (tool_parse_long("--keep-fd", optarg, 10, 0, INT_MAX, &v) < 0)
				return -1;
			if (v < 3) {
				tool_error("--keep-fd %lld: fds 0, 1 and 2 are set with --stdin, "
				           "--stdout and --stderr",
				           v);
				return -1;
			}
			if ((slot = push(&o->keep_fds, &o->nkeep, sizeof *slot)) == NULL)
				return -1;
			*slot = (int)v;
			break;
		}
		case OPT_INHERITFDS:
			o->inherit_fds = true;
			break;
		case OPT_LAUNCH: {
			size_t i, n = sizeof launch_names / sizeof launch_names[0];
			for (i = 0; i < n && strcmp(optarg, launch_names[i].name) != 0; i++)
				;
			if (i == n) {
				tool_error("--launch: expected clone3, clone or fork, got %s",
				           optarg);
				return -1;
			}
			o->launch = launch_names[i].launch;
			break;
		}
		case OPT_JSON:
			o->json = true;
			o->json_file = optarg;
			break;
		case TOOL_OPT_UNSHARE:
		case TOOL_OPT_MAP_ROOT_USER:
		case TOOL_OPT_MAP_USER:
		case TOOL_OPT_MAP_GROUP:
		case TOOL_OPT_SETGROUPS:
		case TOOL_OPT_MOUNT_PROC:
		case TOOL_OPT_HOSTNAME:
		case TOOL_OPT_NO_NEW_PRIVS:
		case TOOL_OPT_AMBIENT_CAPS:
		case TOOL_OPT_BOUNDING_SET:
		case TOOL_OPT_SECCOMP_DENY:
			if (tool_isolation_option(o, c, optarg) < 0)
				return -1;
			break;
		case TOOL_OPT_CGROUP:
		case TOOL_OPT_CGROUP_SET:
		case TOOL_OPT_MEMORY_MAX:
		case TOOL_OPT_PIDS_MAX:
		case TOOL_OPT_CPU_MAX:
			if (tool_cgroup_option(o, c, optarg) < 0)
				return -1;
			if (c == TOOL_OPT_CGROUP && o->cgroup_parent == NULL)
				cgroup_bare_end = optind;
			break;
		case 'h':
			usage(stdout, cmd);
			return 1;
		default: /* '?' or ':' */
			tool_option_error(cmd, c, argv, long_opts);
			fprintf(stderr, "Try 'subproc %s --help'.\n", cmd);
			return -1;
		}
	}
	if (o->foreground && (o->setsid || o->pgroup)) {
		/* The child would leave our group, which --foreground keeps. */
		tool_error("--foreground: not with --%s (it keeps the child in subproc's "
		           "process group)",
		           o->setsid ? "setsid" : "pgroup");
		return -1;
	}
	if (o->stdio[0] != NULL && strcmp(o->stdio[0], "stdout") == 0) {
		tool_error("--stdin: \"stdout\" is only for --stderr");
		return -1;
	}
	if (o->stdio[1] != NULL && strcmp(o->stdio[1], "stdout") == 0) {
		tool_error("--stdout: \"stdout\" is only for --stderr");
		return -1;
	}
	if (resolve_credentials(o) < 0 || tool_isolation_finish(o) < 0)
		return -1;
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (o->argc == 0) {
		tool_error("%s: no program given", cmd);
		fprintf(stderr, "Try 'subproc %s --help'.\n", cmd);
		return -1;
	}
	/* "--cgroup /sys/fs/cgroup/x -- prog": the value of an optional
	 * argument is only ever after '=', and the directory became the
	 * program. No program is a directory, so say what was meant (a
	 * name without '/' is looked up in PATH, not here). */
	if (cgroup_bare_end == optind && strchr(o->argv[0], '/') != NULL &&
	    is_directory(o->argv[0])) {
		tool_error("--cgroup: %s is a directory, not a program: a parent is given as "
		           "--cgroup=PARENT",
		           o->argv[0]);
		return -1;
	}
	return 0;
}

int tool_parse(const char *cmd, int argc, char **argv, struct tool_opts *o)
{
	int r = parse(cmd, argc, argv, o);

	/* Whatever was parsed before a bad option or --help is the caller's
	 * only on success. */
	if (r != 0)
		tool_opts_free(o);
	return r;
}

void tool_opts_free(struct tool_opts *o)
{
	free(o->env);
	free(o->rlimits);
	free(o->groups);
	free(o->keep_fds);
	tool_isolation_free(o);
	tool_cgroup_free(o);
	memset(o, 0, sizeof *o);
}

bool tool_is_separator(char **arg)
{
	static char bar[] = "|";

	if (strcmp(*arg, "|") == 0)
		return true;
	if (strcmp(*arg, "\\|") == 0)
		*arg = bar;
	return false;
}

static int stdio_apply(const struct tool_opts *o, subproc_cmd *cmd, int stream)
{
	const char *s = o->stdio[stream];

	if (s == NULL || strcmp(s, "inherit") == 0)
		return subproc_cmd_stdio(cmd, stream, SUBPROC_STDIO_INHERIT);
	if (strcmp(s, "null") == 0)
		return subproc_cmd_stdio(cmd, stream, SUBPROC_STDIO_NULL);
	if (stream == 2 && strcmp(s, "stdout") == 0)
		return subproc_cmd_stdio(cmd, stream, SUBPROC_STDIO_MERGE);
	return subproc_cmd_stdio_file(cmd, stream, s, o->append);
}

int tool_apply(const struct tool_opts *o, subproc_cmd *cmd, bool in, bool out)
{
	subproc_attr *a = subproc_cmd_attr(cmd);
	int r = 0, maxfd = 2;

	if (o->cwd != NULL)
		r = subproc_cmd_dir(cmd, o->cwd);
	for (size_t i = 0; r == 0 && i < o->nenv; i++) {
		const struct tool_envop *op = &o->env[i];
		if (op->kind == 's')
			r = subproc_cmd_setenv(cmd, op->name, op->value);
		else if (op->kind == 'u')
			r = subproc_cmd_unsetenv(cmd, op->name);
		else
			r = subproc_cmd_clearenv(cmd);
		if (r == -EINVAL) {
			tool_error("bad variable name: %s", op->name);
			return r;
		}
	}
	if (r == 0 && in)
		r = stdio_apply(o, cmd, 0);
	if (r == 0 && out)
		r = stdio_apply(o, cmd, 1);
	if (r == 0)
		r = stdio_apply(o, cmd, 2);
	/* --keep-fd N as N: the fds between stay closed in the child. */
	for (size_t i = 0; i < o->nkeep; i++)
		maxfd = o->keep_fds[i] > maxfd ? o->keep_fds[i] : maxfd;
	for (int fd = 3; r == 0 && fd <= maxfd; fd++) {
		int pass = -1;
		for (size_t i = 0; i < o->nkeep; i++)
			pass = o->keep_fds[i] == fd ? fd : pass;
		r = subproc_cmd_extra_fd(cmd, pass);
	}
	if (r < 0) {
		tool_error("%s", subproc_strerror(r));
		return r;
	}
	if (o->setsid)
		a->flags |= SUBPROC_SETSID;
	/* --pgroup sets nothing: its own group is the default, which the
	 * caller sets up (with the terminal when it has one), unless
	 * --foreground or --setsid. */
	if (o->inherit_fds)
		a->flags |= SUBPROC_INHERIT_FDS;
	if (o->has_umask) {
		a->flags |= SUBPROC_UMASK;
		a->umask = o->umask;
	}
	if (o->has_uid) {
		a->flags |= SUBPROC_SETUID;
		a->uid = o->uid;
	}
	if (o->has_gid) {
		a->flags |= SUBPROC_SETGID;
		a->gid = o->gid;
	}
	if (o->has_groups) {
		a->flags |= SUBPROC_SETGROUPS;
		a->groups = o->groups;
		a->ngroups = o->ngroups;
	}
	a->chroot = o->chroot;
	a->rlimits = o->rlimits;
	a->nrlimits = o->nrlimits;
	a->launch = o->launch;
	if (o->isolate)
		a->isolation = &o->iso;
	return 0;
}

int tool_list(const char *what)
{
	if (what != NULL && strcmp(what, "signals") == 0) {
		/* The library's names: what --signal and the JSON report use. */
		for (int sig = 1; sig < NSIG; sig++) {
			const char *name = subproc_signal_name(sig);
			if (name != NULL)
				puts(name);
		}
	} else if (what != NULL && strcmp(what, "rlimits") == 0) {
		for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
			puts(rlimit_names[i].name);
	} else if (what != NULL && strcmp(what, "launches") == 0) {
		for (size_t i = 0; i < sizeof launch_names / sizeof launch_names[0]; i++)
			puts(launch_names[i].name);
	} else if (what != NULL && strcmp(what, "namespaces") == 0) {
		for (unsigned ns = 1; ns != 0 && ns <= SUBPROC_NS_TIME; ns <<= 1)
			puts(tool_namespace_name(ns));
	} else if (what != NULL && strcmp(what, "capabilities") == 0) {
		/* By number, as the kernel and capabilities(7) order them. */
		for (int cap = 0; cap < 64; cap++) {
			const char *name = tool_capability_name(cap);
			if (name != NULL)
				puts(name);
		}
	} else if (what != NULL && strcmp(what, "syscalls") == 0) {
		int r = tool_list_syscalls();
		if (r != 0)
			return r;
	} else {
		tool_error(
			"--list: expected signals, rlimits, launches, namespaces, capabilities or "
			"syscalls%s%s",
			what != NULL ? ", got " : "", what != NULL ? what : "");
		return TOOL_EXIT_FAILED;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_error("--list: writing: %s", subproc_strerror(-errno));
		return TOOL_EXIT_FAILED;
	}
	return 0;
}
