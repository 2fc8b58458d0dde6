/* SPDX-License-Identifier: MIT */
/*
 * The isolation options of `subproc run` and `subproc pipe`, as util-linux
 * spells them: unshare(1)'s namespaces, --map-root-user, --map-user,
 * --map-group, --setgroups and --mount-proc, and setpriv(1)'s
 * --no-new-privs, --ambient-caps and --bounding-set; --hostname and
 * --seccomp-deny (seccomp_*.c) are ours. They become one subproc_isolation.
 *
 * Where the spelling is util-linux's, so is the meaning, except where
 * man/subproc.1 says otherwise ("Isolation"): each difference there comes
 * from running the program directly, where unshare and setpriv are programs
 * that the program runs under.
 */
#include "tool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* tool_capabilities[]: {"net_raw", CAP_NET_RAW}, ..., {NULL, -1}, sorted by
 * name, from <linux/capability.h> (cmake/mktoolnames.cmake). */
#include "tool_capabilities.inc"

/* --unshare's names, in the order of the namespaces' bits, as unshare(1)'s
 * long options name them. */
static const char *const ns_names[] = {"user", "pid", "mount",  "net",
                                       "uts",  "ipc", "cgroup", "time"};

const char *tool_namespace_name(unsigned ns)
{
	for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++) {
		if (ns == 1u << i)
			return ns_names[i];
	}
	return NULL;
}

/* A namespace's bit, or 0. "mnt" too: /proc/PID/ns and nsenter(1) call
 * the mount namespace so. */
static unsigned ns_parse(const char *name)
{
	if (strcmp(name, "mnt") == 0)
		return SUBPROC_NS_MOUNT;
	for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++) {
		if (strcmp(name, ns_names[i]) == 0)
			return 1u << i;
	}
	return 0;
}

const char *tool_capability_name(int cap)
{
	for (size_t i = 0; tool_capabilities[i].name != NULL; i++) {
		if (tool_capabilities[i].cap == cap)
			return tool_capabilities[i].name;
	}
	return NULL;
}

/* The kernel's highest capability, which may be above the headers' (cap_N
 * reaches those, as in setpriv); the headers' where /proc does not say. */
static int cap_last(void)
{
	char line[32], *end;
	int last = -1;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			long v = strtol(line, &end, 10);
			last = end != line && *end == '\n' && v >= 0 && v < 1024 ? (int)v : -1;
		}
		fclose(f);
	}
	if (last < 0) {
		for (size_t i = 0; tool_capabilities[i].name != NULL; i++)
			last = tool_capabilities[i].cap > last ? tool_capabilities[i].cap : last;
	}
	return last > 63 ? 63 : last; /* the library's masks have 64 bits */
}

static unsigned long long cap_all(void)
{
	int last = cap_last();

	return last < 0 ? 0 : last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
}

/* One capability as setpriv(1) names it ("net_raw", any case, or cap_N up to
 * the kernel's last) and as capabilities(7) does ("CAP_NET_RAW"); -1 for
 * none. */
static int cap_parse(const char *name)
{
	const char *bare = name;

	if (strncasecmp(name, "cap_", 4) == 0) {
		char *end;
		long n;

		bare = name + 4;
		if (*bare >= '0' && *bare <= '9') {
			errno = 0;
			n = strtol(bare, &end, 10);
			return errno == 0 && *end == '\0' && n <= cap_last() ? (int)n : -1;
		}
	}
	for (size_t i = 0; tool_capabilities[i].name != NULL; i++) {
		if (strcasecmp(tool_capabilities[i].name, bare) == 0 &&
		    tool_capabilities[i].cap < 64)
			return tool_capabilities[i].cap;
	}
	return -1;
}

/*
 * Applies a setpriv(1) capability list ("+net_raw,-chown", "-all,+kill") to
 * *set, item after item. With set NULL it only checks the list, so that a
 * bad --bounding-set is reported where it stands among the options.
 */
static int caps_apply(const char *opt, const char *arg, unsigned long long *set)
{
	const char *item = arg;

	for (;;) {
		size_t len = strcspn(item, ",");
		char name[64];
		unsigned long long bits;
		int cap;

		if (len < 2 || (item[0] != '+' && item[0] != '-')) {
			tool_error("%s: expected +CAP or -CAP, got '%.*s' in '%s'", opt, (int)len,
			           item, arg);
			return -1;
		}
		if (len - 1 >= sizeof name) {
			tool_error("%s: unknown capability '%.*s'", opt, (int)len - 1, item + 1);
			return -1;
		}
		memcpy(name, item + 1, len - 1);
		name[len - 1] = '\0';
		if (strcasecmp(name, "all") == 0) {
			bits = cap_all();
		} else if ((cap = cap_parse(name)) >= 0) {
			bits = SUBPROC_CAP(cap);
		} else {
			tool_error("%s: unknown capability '%s' (subproc --list capabilities names "
			           "them)",
			           opt, name);
			return -1;
		}
		if (set != NULL)
			*set = item[0] == '+' ? *set | bits : *set & ~bits;
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
}

/* The bounding set of this process, from /proc/self/status (CapBnd). */
static int bounding_now(unsigned long long *set)
{
	char line[256];
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL) {
		tool_error("--bounding-set: reading /proc/self/status: %s",
		           subproc_strerror(-errno));
		return -1;
	}
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char *end;

		if (strncmp(line, "CapBnd:", 7) != 0)
			continue;
		errno = 0;
		*set = strtoull(line + 7, &end, 16);
		found = errno == 0 && end != line + 7 && *end == '\n';
	}
	fclose(f);
	if (!found) {
		tool_error("--bounding-set: no CapBnd in /proc/self/status");
		return -1;
	}
	return 0;
}

static int parse_unshare(struct tool_opts *o, const char *arg)
{
	const char *item = arg;

	for (;;) {
		size_t len = strcspn(item, ",");
		char name[16];
		unsigned ns = 0;

		if (len < sizeof name) {
			memcpy(name, item, len);
			name[len] = '\0';
			ns = ns_parse(name);
		}
		if (ns == 0) {
			tool_error(
				"--unshare: unknown namespace '%.*s' in '%s' (expected user, pid, "
				"mount, net, uts, ipc, cgroup or time)",
				(int)len, item, arg);
			return -1;
		}
		o->iso.namespaces |= ns;
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
}

/* unshare's --map-user, --map-group and -r: one line, the id inside mapped to
 * our effective id outside, the only map that an unprivileged caller may
 * write. The last option to set a map wins, as in unshare. */
static void map_line(subproc_idmap *line, bool *has, unsigned inside, unsigned outside)
{
	line->inside = inside;
	line->outside = outside;
	line->count = 1;
	*has = true;
}

int tool_isolation_option(struct tool_opts *o, int opt, const char *arg)
{
	unsigned long long none = 0;
	uid_t uid;
	gid_t gid;
	const char **slot;

	o->isolate = true;
	switch (opt) {
	case TOOL_OPT_UNSHARE:
		return parse_unshare(o, arg);
	case TOOL_OPT_MAP_ROOT_USER:
		map_line(&o->uid_line, &o->has_uid_line, 0, (unsigned)geteuid());
		map_line(&o->gid_line, &o->has_gid_line, 0, (unsigned)getegid());
		return 0;
	case TOOL_OPT_MAP_USER:
		if (arg[0] == '\0') {
			tool_error("--map-user: expected a user name or number, got ''");
			return -1;
		}
		if (tool_parse_uid("--map-user", arg, &uid) < 0)
			return -1;
		map_line(&o->uid_line, &o->has_uid_line, (unsigned)uid, (unsigned)geteuid());
		return 0;
	case TOOL_OPT_MAP_GROUP:
		if (arg[0] == '\0') {
			tool_error("--map-group: expected a group name or number, got ''");
			return -1;
		}
		if (tool_parse_gid("--map-group", arg, &gid) < 0)
			return -1;
		map_line(&o->gid_line, &o->has_gid_line, (unsigned)gid, (unsigned)getegid());
		return 0;
	case TOOL_OPT_SETGROUPS:
		if (strcmp(arg, "allow") == 0) {
			o->iso.setgroups = SUBPROC_SETGROUPS_ALLOW;
		} else if (strcmp(arg, "deny") == 0) {
			o->iso.setgroups = SUBPROC_SETGROUPS_DENY;
		} else {
			tool_error("--setgroups: expected allow or deny, got '%s'", arg);
			return -1;
		}
		return 0;
	case TOOL_OPT_MOUNT_PROC:
		o->iso.flags |= SUBPROC_MOUNT_PROC;
		return 0;
	case TOOL_OPT_HOSTNAME:
		/* HOST_NAME_MAX, which sethostname(2) refuses past with EINVAL. */
		if (arg[0] == '\0' || strlen(arg) > 64) {
			tool_error("--hostname: expected 1 to 64 bytes, got '%s'", arg);
			return -1;
		}
		o->iso.hostname = arg;
		return 0;
	case TOOL_OPT_NO_NEW_PRIVS:
		o->iso.flags |= SUBPROC_NO_NEW_PRIVS;
		return 0;
	case TOOL_OPT_AMBIENT_CAPS:
		/* From none: the caller's own ambient set reaches the child as
		 * the kernel passes it on, whatever the list says. */
		return caps_apply("--ambient-caps", arg, &o->iso.ambient);
	case TOOL_OPT_BOUNDING_SET:
		/* Applied once the namespaces are known (tool_isolation_finish),
		 * since the set to start from depends on them. */
		if (caps_apply("--bounding-set", arg, &none) < 0)
			return -1;
		slot = realloc(o->bounding_ops, (o->nbounding + 1) * sizeof *slot);
		if (slot == NULL) {
			tool_error("out of memory");
			return -1;
		}
		o->bounding_ops = slot;
		o->bounding_ops[o->nbounding++] = arg;
		return 0;
	case TOOL_OPT_SECCOMP_DENY:
		return tool_seccomp_deny(o, arg);
	default:
		tool_error("isolation option %d: not handled", opt);
		return -1;
	}
}

int tool_isolation_finish(struct tool_opts *o)
{
	subproc_isolation *iso = &o->iso;

	if (!o->isolate)
		return 0;
	/* What the options need is implied, where unshare(1) implies it or
	 * where asking for it means nothing else: maps need the user
	 * namespace, a fresh /proc the pid and mount ones (the library
	 * mounts it for the child as pid 1, as unshare --fork --pid
	 * --mount-proc does), a host name the uts one (never the caller's). */
	if (o->has_uid_line || o->has_gid_line)
		iso->namespaces |= SUBPROC_NS_USER;
	if (iso->flags & SUBPROC_MOUNT_PROC)
		iso->namespaces |= SUBPROC_NS_PID | SUBPROC_NS_MOUNT;
	if (iso->hostname != NULL)
		iso->namespaces |= SUBPROC_NS_UTS;
	/* Not implied: without a new user namespace it would be written to
	 * subproc's own, which unshare(1) tries and the kernel refuses. */
	if (iso->setgroups != SUBPROC_SETGROUPS_DEFAULT && !(iso->namespaces & SUBPROC_NS_USER)) {
		tool_error("--setgroups: only for a new user namespace (--unshare user, "
		           "--map-root-user, --map-user or --map-group)");
		return -1;
	}
	if (o->has_uid_line) {
		iso->uid_map = &o->uid_line;
		iso->nuid_map = 1;
	}
	if (o->has_gid_line) {
		iso->gid_map = &o->gid_line;
		iso->ngid_map = 1;
	}
	if (o->nbounding > 0) {
		/* A new user namespace starts with every capability in its
		 * bounding set, whatever ours is; so does setpriv run inside
		 * unshare. */
		unsigned long long set = cap_all();

		if (!(iso->namespaces & SUBPROC_NS_USER) && bounding_now(&set) < 0)
			return -1;
		for (size_t i = 0; i < o->nbounding; i++) {
			if (caps_apply("--bounding-set", o->bounding_ops[i], &set) < 0)
				return -1;
		}
		iso->flags |= SUBPROC_BOUNDING_SET;
		iso->bounding = set;
	}
	if (o->ndeny > 0) {
		if (tool_seccomp_build(o) < 0)
			return -1;
		iso->seccomp = o->seccomp;
	}
	return 0;
}

void tool_isolation_free(struct tool_opts *o)
{
	free(o->bounding_ops);
	tool_seccomp_free(o);
}

void tool_isolation_hint(const struct tool_opts *o, const subproc_error *err)
{
	if (!o->isolate)
		return;
	if (err->step == SUBPROC_STEP_ATTR && err->code == -ENOSYS)
		tool_error("(the isolation options need subproc's Linux build; this one is the "
		           "portable build)");
	else if (err->step == SUBPROC_STEP_SECCOMP && err->code == -EACCES &&
	         !(o->iso.flags & SUBPROC_NO_NEW_PRIVS))
		tool_error("(without root, a seccomp filter needs --no-new-privs too)");
	else if (err->step == SUBPROC_STEP_GID_MAP && err->code == -EPERM &&
	         o->iso.setgroups == SUBPROC_SETGROUPS_ALLOW)
		tool_error("(without root, a group map needs --setgroups deny)");
	else if (err->step == SUBPROC_STEP_CAPBSET && err->code == -EPERM &&
	         !(o->iso.namespaces & SUBPROC_NS_USER))
		tool_error("(--bounding-set needs CAP_SETPCAP: root, or a new user namespace such "
		           "as --map-root-user makes)");
}
