/* SPDX-License-Identifier: MIT */
/*
 * From a subproc_attr to a sys_plan: everything the child needs is checked
 * and laid out here, in the parent, so the child only follows the list.
 * The order of the steps is the one include/subproc.h documents at
 * subproc_attr (docs/ARCHITECTURE.md, "The child's contract", lists it
 * with the ops); each is where it is for a reason given beside it.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Steps other than rlimits: one of each op at most. */
#define PLAN_FIXED_STEPS 30
/* Steps per rlimit: RLIMIT_NOFILE takes two (see plan_build). */
#define PLAN_RLIMIT_STEPS 2

#define KNOWN_FLAGS                                                                                \
	(SUBPROC_PATH_SEARCH | SUBPROC_PATH_ALLOW_DOT | SUBPROC_INHERIT_FDS | SUBPROC_SETSID |     \
	 SUBPROC_SETPGID | SUBPROC_SETCTTY | SUBPROC_FOREGROUND | SUBPROC_NOCTTY |                 \
	 SUBPROC_SETUID | SUBPROC_SETGID | SUBPROC_SETGROUPS | SUBPROC_UMASK | SUBPROC_CGROUP |    \
	 SUBPROC_SIGMASK | SUBPROC_SIGDEFAULT | SUBPROC_KEEP_GROUPS | SUBPROC_PTRACE)

#define KNOWN_NS                                                                                   \
	(SUBPROC_NS_USER | SUBPROC_NS_PID | SUBPROC_NS_MOUNT | SUBPROC_NS_NET | SUBPROC_NS_UTS |   \
	 SUBPROC_NS_IPC | SUBPROC_NS_CGROUP | SUBPROC_NS_TIME)
#define KNOWN_ISOLATION_FLAGS (SUBPROC_MOUNT_PROC | SUBPROC_NO_NEW_PRIVS | SUBPROC_BOUNDING_SET)
/* The kernel's limit on the lines of a map (Linux 4.15; 5 before). */
#define IDMAP_MAX_LINES 340
/* HOST_NAME_MAX on Linux, which POSIX does not fix. */
#define HOSTNAME_MAX 64

int check_argv(char *const argv[], subproc_error *err)
{
	if (argv == NULL || argv[0] == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ARGV, NULL, -1);
	return 0;
}

int check_env(char *const env[], subproc_error *err)
{
	if (env == NULL)
		return 0;
	for (size_t i = 0; env[i] != NULL; i++) {
		/* "=x" has no name; execve would pass it, but no getenv can
		 * ever find it, so it is a caller's mistake. */
		const char *eq = strchr(env[i], '=');
		if (eq == NULL || eq == env[i])
			return error_set(err, -EINVAL, SUBPROC_STEP_ENV, env[i], -1);
	}
	return 0;
}

static bool fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

static int check_attr(const subproc_attr *a, subproc_error *err)
{
	int nchild = a->nfiles > 0 ? a->nfiles : 3;
	struct rlimit nofile;

	if ((a->flags & ~KNOWN_FLAGS) || a->launch < SUBPROC_LAUNCH_DEFAULT ||
	    a->launch > SUBPROC_LAUNCH_FORK)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if (a->nfiles < 0 || (a->nfiles > 0 && a->files == NULL))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if (a->nfiles > 0 && getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur != RLIM_INFINITY && (rlim_t)a->nfiles > nofile.rlim_cur)
		return error_set(err, -EMFILE, SUBPROC_STEP_ATTR, NULL, a->nfiles);
	for (int i = 0; i < a->nfiles; i++) {
		/* Checked here so that the common mistake is reported before
		 * anything starts; the child checks again (dup2 gives EBADF). */
		if (a->files[i] != -1 && !fd_is_open(a->files[i]))
			return error_set(err, -EBADF, SUBPROC_STEP_DUP2, NULL, a->files[i]);
	}
	/* Contradictory or out-of-range values are "attr": nothing was tried.
	 * A closed fd is reported by the step that would have used it. */
	if ((a->flags & SUBPROC_SETCTTY) && (a->flags & SUBPROC_FOREGROUND))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, a->ctty);
	if ((a->flags & SUBPROC_SETCTTY) &&
	    (a->ctty < 0 || a->ctty >= nchild || (a->nfiles > 0 && a->files[a->ctty] == -1)))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, a->ctty);
	if ((a->flags & SUBPROC_FOREGROUND) && !fd_is_open(a->ctty))
		return error_set(err, -EBADF, SUBPROC_STEP_TCSETPGRP, NULL, a->ctty);
	if ((a->flags & SUBPROC_SETPGID) && a->pgid < 0)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if ((a->flags & SUBPROC_SETGROUPS) &&
	    ((a->ngroups > 0 && a->groups == NULL) || a->ngroups > 65536))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if ((a->flags & SUBPROC_CGROUP) && !fd_is_open(a->cgroup_fd))
		return error_set(err, -EBADF, SUBPROC_STEP_CGROUP, NULL, a->cgroup_fd);
	if (a->pdeathsig < 0 || a->pdeathsig >= SYS_NSIG)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, a->pdeathsig);
	if (a->nrlimits > 0 && a->rlimits == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	for (size_t i = 0; i < a->nrlimits; i++) {
		const subproc_rlimit *l = &a->rlimits[i];
		if (l->resource < 0 || l->resource >= RLIMIT_NLIMITS ||
		    l->limit.rlim_cur > l->limit.rlim_max)
			return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, rlimit_name(l->resource),
			                 l->resource);
	}
	return 0;
}

/* Whether the isolation asks for anything at all. */
static bool isolation_asks(const subproc_isolation *iso)
{
	return iso->namespaces != 0 || iso->flags != 0 || iso->hostname != NULL ||
	       iso->nuid_map != 0 || iso->ngid_map != 0 || iso->setgroups != 0 ||
	       iso->ambient != 0 || iso->seccomp != NULL;
}

static int check_idmap(const subproc_idmap *map, size_t n, subproc_error *err)
{
	if (n > 0 && map == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if (n > IDMAP_MAX_LINES)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, (int)n);
	for (size_t i = 0; i < n; i++) {
		if (map[i].count == 0)
			return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, (int)i);
	}
	return 0;
}

/* What subproc_isolation documents as contradictory or out of range; the
 * kernel judges the rest (privilege, overlapping maps) at its step. */
static int check_isolation(const subproc_attr *a, subproc_error *err)
{
	const subproc_isolation *iso = a->isolation;
	unsigned ns;
	int r;

	if (iso == NULL || !isolation_asks(iso)) {
		if ((a->flags & SUBPROC_PTRACE) && !sys_isolation_supported())
			return error_set(err, -ENOSYS, SUBPROC_STEP_ATTR, NULL, -1);
		return 0;
	}
	if (!sys_isolation_supported())
		return error_set(err, -ENOSYS, SUBPROC_STEP_ATTR, NULL, -1);
	ns = iso->namespaces;
	if ((ns & ~(unsigned)KNOWN_NS) || (iso->flags & ~(unsigned)KNOWN_ISOLATION_FLAGS))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if ((iso->flags & SUBPROC_MOUNT_PROC) &&
	    (ns & (SUBPROC_NS_PID | SUBPROC_NS_MOUNT)) != (SUBPROC_NS_PID | SUBPROC_NS_MOUNT))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if (iso->hostname != NULL &&
	    (!(ns & SUBPROC_NS_UTS) || strlen(iso->hostname) > HOSTNAME_MAX))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, iso->hostname, -1);
	if ((iso->nuid_map > 0 || iso->ngid_map > 0 ||
	     iso->setgroups != SUBPROC_SETGROUPS_DEFAULT) &&
	    !(ns & SUBPROC_NS_USER))
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	if (iso->setgroups < SUBPROC_SETGROUPS_DEFAULT || iso->setgroups > SUBPROC_SETGROUPS_DENY)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, iso->setgroups);
	if ((r = check_idmap(iso->uid_map, iso->nuid_map, err)) < 0 ||
	    (r = check_idmap(iso->gid_map, iso->ngid_map, err)) < 0)
		return r;
	return 0;
}

/* A map as the kernel reads it: "inside outside count" a line. */
static char *idmap_format(char *out, const subproc_idmap *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out += sprintf(out, "%u %u %u\n", map[i].inside, map[i].outside, map[i].count);
	return out + 1;
}

/* The maps' texts and the setgroups rule, for the parent to write. */
static int plan_idmap(struct proc_plan *pl, const subproc_isolation *iso, subproc_error *err)
{
	/* Three numbers of at most 10 digits, two spaces and a newline. */
	const size_t line = 3 * 10 + 3;
	int rule = iso->setgroups;
	char *p;

	if (iso->nuid_map == 0 && iso->ngid_map == 0 && rule == SUBPROC_SETGROUPS_DEFAULT)
		return 0;
	pl->idmap_text = malloc((iso->nuid_map + iso->ngid_map) * line + 2);
	if (pl->idmap_text == NULL)
		return error_set(err, -ENOMEM, SUBPROC_STEP_ALLOC, NULL, -1);
	p = pl->idmap_text;
	*p = '\0';
	if (iso->nuid_map > 0) {
		pl->idmap.uid_map = p;
		p = idmap_format(p, iso->uid_map, iso->nuid_map);
	}
	if (iso->ngid_map > 0) {
		pl->idmap.gid_map = p;
		idmap_format(p, iso->gid_map, iso->ngid_map);
	}
	/* An unprivileged caller can write no gid map while setgroups is
	 * allowed, and a gid map once written cannot be undone: so, as Go,
	 * "deny" unless asked otherwise. */
	if (rule == SUBPROC_SETGROUPS_DEFAULT && iso->ngid_map > 0)
		rule = SUBPROC_SETGROUPS_DENY;
	if (rule != SUBPROC_SETGROUPS_DEFAULT)
		pl->idmap.setgroups = rule == SUBPROC_SETGROUPS_ALLOW ? "allow\n" : "deny\n";
	pl->sys.idmap = &pl->idmap;
	return 0;
}

static uint64_t rlim64(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v;
}

/* The PATH search, where the child will exec: inside its new root, and
 * relative entries from its working directory (see lookpath.c). */
static int resolve(struct proc_plan *pl, const char *path, const subproc_attr *a,
                   subproc_error *err)
{
	unsigned flags = (a->flags & SUBPROC_PATH_ALLOW_DOT) ? SUBPROC_LOOKPATH_ALLOW_DOT : 0;
	int r;

	pl->sys.path = path;
	if (!(a->flags & SUBPROC_PATH_SEARCH) || strchr(path, '/') != NULL)
		return 0;
	pl->resolved = malloc(PATH_MAX);
	if (pl->resolved == NULL)
		return error_set(err, -ENOMEM, SUBPROC_STEP_ALLOC, NULL, -1);
	r = lookpath_where(path, a->env, flags, a->chroot, a->dir, pl->resolved, PATH_MAX);
	if (r < 0) {
		plan_free(pl);
		return error_set(err, r, SUBPROC_STEP_LOOKPATH, path, -1);
	}
	pl->sys.path = pl->resolved;
	return 0;
}

int plan_build(struct proc_plan *pl, const char *path, char *const argv[], const subproc_attr *a,
               subproc_error *err)
{
	size_t nfiles = (size_t)(a->nfiles > 0 ? a->nfiles : 0);
	const subproc_isolation *iso = a->isolation;
	struct sys_step *steps, *s;
	struct sys_rlimit *lims;
	bool caps;
	int r;

	memset(pl, 0, sizeof *pl);
	pl->attr = a;
	if (path == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ARGV, NULL, -1);
	if ((r = check_argv(argv, err)) < 0 || (r = check_env(a->env, err)) < 0 ||
	    (r = check_attr(a, err)) < 0 || (r = check_isolation(a, err)) < 0 ||
	    (r = resolve(pl, path, a, err)) < 0)
		return r;
	if (iso != NULL) {
		pl->ns = sys_ns_flags(iso->namespaces);
		pl->caps.ambient = iso->ambient;
		pl->caps.bounding = iso->bounding;
		pl->caps.drop_bounding = (iso->flags & SUBPROC_BOUNDING_SET) != 0;
		if ((r = plan_idmap(pl, iso, err)) < 0) {
			plan_free(pl);
			return r;
		}
	}
	caps = pl->caps.ambient != 0 || pl->caps.drop_bounding;

	pl->mem = malloc((PLAN_FIXED_STEPS + PLAN_RLIMIT_STEPS * a->nrlimits) * sizeof *steps +
	                 a->nrlimits * sizeof *lims + nfiles * sizeof(int));
	if (pl->mem == NULL) {
		plan_free(pl);
		return error_set(err, -ENOMEM, SUBPROC_STEP_ALLOC, NULL, -1);
	}
	steps = pl->mem;
	lims = (struct sys_rlimit *)(steps + PLAN_FIXED_STEPS + PLAN_RLIMIT_STEPS * a->nrlimits);
	pl->sys.scratch = (int *)(lims + a->nrlimits);
	s = steps;

#define STEP(...) (*s++ = (struct sys_step){__VA_ARGS__})
	/* First, so nothing the child does is accounted elsewhere. */
	if (a->flags & SUBPROC_CGROUP)
		STEP(.op = SYS_OP_CGROUP, .fd = a->cgroup_fd);
	/* The namespaces the launch could not make, before anything else
	 * happens in the old ones; then the user namespace's maps, so that
	 * every later step runs under the ids it maps. */
	if (pl->ns != 0)
		STEP(.op = SYS_OP_UNSHARE, .ptr = &pl->ns);
	if (pl->sys.idmap != NULL)
		STEP(.op = SYS_OP_IDMAP_WAIT);
	if (a->flags & SUBPROC_SETSID)
		STEP(.op = SYS_OP_SETSID);
	if (a->flags & (SUBPROC_SETPGID | SUBPROC_FOREGROUND))
		STEP(.op = SYS_OP_SETPGID, .arg = (a->flags & SUBPROC_SETPGID) ? a->pgid : 0);
	/* ctty is the parent's fd here: the map has not run yet. */
	if (a->flags & SUBPROC_FOREGROUND)
		STEP(.op = SYS_OP_TCSETPGRP, .fd = a->ctty);
	/* Limits before the credentials, which may drop the right to raise a
	 * hard limit (and so that RLIMIT_NPROC holds against the new user).
	 * RLIMIT_NOFILE's soft limit is the exception: lowered here, it could
	 * leave the fd map no room, so here only its hard limit is raised,
	 * when that is asked, and the whole limit is set after the map. */
	for (size_t i = 0; i < a->nrlimits; i++) {
		lims[i].resource = a->rlimits[i].resource;
		lims[i].cur = rlim64(a->rlimits[i].limit.rlim_cur);
		lims[i].max = rlim64(a->rlimits[i].limit.rlim_max);
		if (lims[i].resource == RLIMIT_NOFILE)
			STEP(.op = SYS_OP_RLIMIT_HARD, .fd = lims[i].resource, .ptr = &lims[i]);
		else
			STEP(.op = SYS_OP_RLIMIT, .fd = lims[i].resource, .ptr = &lims[i]);
	}
	/* Before the credentials drop the right to chroot, and before chdir,
	 * which is taken inside the new root. */
	/* Mounts need the privilege the credentials may drop. The table is
	 * private before anything is mounted (a mount on a shared one would
	 * reach the caller's namespace), and before chroot, since the new
	 * root is no mount point to change; proc goes on the new root's
	 * /proc. */
	if (pl->ns & sys_ns_flags(SUBPROC_NS_MOUNT))
		STEP(.op = SYS_OP_MOUNT_PRIVATE, .ptr = "/");
	if (a->chroot != NULL)
		STEP(.op = SYS_OP_CHROOT, .ptr = a->chroot);
	if (iso != NULL && (iso->flags & SUBPROC_MOUNT_PROC))
		STEP(.op = SYS_OP_MOUNT_PROC, .ptr = "/proc");
	if (iso != NULL && iso->hostname != NULL)
		STEP(.op = SYS_OP_HOSTNAME, .ptr = iso->hostname,
		     .arg = (long)strlen(iso->hostname));
	/* A uid change from root clears the permitted set unless keepcaps is
	 * set first, and the capability steps need it. */
	if (caps && (a->flags & SUBPROC_SETUID))
		STEP(.op = SYS_OP_KEEPCAPS);
	/* Groups, then gid, then uid: each needs the privilege the next one
	 * gives up. A new user or group without a list of groups gets none,
	 * as Go, setpriv and sudo do: a child of root keeping root's groups
	 * (shadow, disk) under another uid is a hole. */
	if (a->flags & SUBPROC_SETGROUPS)
		STEP(.op = SYS_OP_SETGROUPS, .arg = (long)a->ngroups, .ptr = a->groups);
	else if ((a->flags & (SUBPROC_SETUID | SUBPROC_SETGID)) &&
	         !(a->flags & SUBPROC_KEEP_GROUPS) && getgroups(0, NULL) != 0)
		STEP(.op = SYS_OP_SETGROUPS, .arg = 0, .ptr = NULL);
	if (a->flags & SUBPROC_SETGID)
		STEP(.op = SYS_OP_SETGID, .arg = a->gid);
	if (a->flags & SUBPROC_SETUID)
		STEP(.op = SYS_OP_SETUID, .arg = a->uid);
	/* After the credentials, which would clear the ambient set. */
	if (caps)
		STEP(.op = SYS_OP_CAPSET, .ptr = &pl->caps);
	if (pl->caps.drop_bounding)
		STEP(.op = SYS_OP_CAPBSET, .ptr = &pl->caps);
	if (pl->caps.ambient != 0)
		STEP(.op = SYS_OP_AMBIENT, .ptr = &pl->caps);
	if (a->dir != NULL)
		STEP(.op = SYS_OP_CHDIR, .ptr = a->dir);
	/* After the credentials: changing them clears the death signal. */
	if (a->pdeathsig != 0)
		STEP(.op = SYS_OP_PDEATHSIG, .arg = a->pdeathsig);
	if (nfiles > 0)
		STEP(.op = SYS_OP_FDMAP, .arg = (long)nfiles, .ptr = a->files);
	if (a->flags & SUBPROC_NOCTTY)
		STEP(.op = SYS_OP_NOCTTY);
	/* After the map: ctty is numbered as in the child. */
	if (a->flags & SUBPROC_SETCTTY)
		STEP(.op = SYS_OP_SETCTTY, .fd = a->ctty);
	if (!(a->flags & SUBPROC_INHERIT_FDS)) {
		int below = nfiles > 0 ? (int)nfiles : 3;

		STEP(.op = SYS_OP_CLOSEFROM, .fd = below);
		/* Every parent fd a step uses: map sources, the terminal
		 * tcsetpgrp takes, the cgroup directory. */
		for (size_t i = 0; i < nfiles; i++)
			below = a->files[i] >= below ? a->files[i] + 1 : below;
		if ((a->flags & SUBPROC_FOREGROUND) && a->ctty >= below)
			below = a->ctty + 1;
		if ((a->flags & SUBPROC_CGROUP) && a->cgroup_fd >= below)
			below = a->cgroup_fd + 1;
		pl->sys.unshare_below = below;
	}
	if (a->flags & SUBPROC_UMASK)
		STEP(.op = SYS_OP_UMASK, .arg = a->umask);
	for (size_t i = 0; i < a->nrlimits; i++) {
		if (lims[i].resource == RLIMIT_NOFILE)
			STEP(.op = SYS_OP_RLIMIT, .fd = lims[i].resource, .ptr = &lims[i]);
	}
	/* Until here every signal stays blocked. */
	STEP(.op = SYS_OP_SIGNALS);
	/* Last, so that the filter judges the program's calls and not the
	 * child's steps, and no_new_privs before it, as the kernel wants for
	 * an unprivileged filter. */
	if (a->flags & SUBPROC_PTRACE)
		STEP(.op = SYS_OP_PTRACE);
	if (iso != NULL && (iso->flags & SUBPROC_NO_NEW_PRIVS))
		STEP(.op = SYS_OP_NO_NEW_PRIVS);
	if (iso != NULL && iso->seccomp != NULL)
		STEP(.op = SYS_OP_SECCOMP, .ptr = iso->seccomp);
	STEP(.op = SYS_OP_EXECVE);
#undef STEP

	pl->sys.argv = argv;
	pl->sys.envp = a->env != NULL ? a->env : environ;
	pl->sys.steps = steps;
	pl->sys.nsteps = (size_t)(s - steps);
	pl->sys.use_mask = (a->flags & SUBPROC_SIGMASK) != 0;
	if (pl->sys.use_mask)
		pl->sys.mask = sys_sigset_bits(&a->sigmask);
	if (a->flags & SUBPROC_SIGDEFAULT)
		pl->sys.sigdefault = sys_sigset_bits(&a->sigdefault);
	pl->sys.ppid = a->pdeathsig != 0 ? getpid() : 0;
	pl->sys.cgroup_fd = (a->flags & SUBPROC_CGROUP) ? a->cgroup_fd : -1;
	pl->sys.ns = pl->ns;
	pl->sys.launch = a->launch;
	pl->sys.forklock = (a->flags & SUBPROC_INHERIT_FDS) != 0;
	pl->sys.own_memory = ((a->flags & SUBPROC_SETUID) && sys_uid_changes(a->uid)) ||
	                     ((a->flags & SUBPROC_SETGID) && sys_gid_changes(a->gid));
	return 0;
}

static const int op_step[] = {
	[SYS_OP_CGROUP] = SUBPROC_STEP_CGROUP,
	[SYS_OP_SETSID] = SUBPROC_STEP_SETSID,
	[SYS_OP_SETPGID] = SUBPROC_STEP_SETPGID,
	[SYS_OP_TCSETPGRP] = SUBPROC_STEP_TCSETPGRP,
	[SYS_OP_CHROOT] = SUBPROC_STEP_CHROOT,
	[SYS_OP_SETGROUPS] = SUBPROC_STEP_SETGROUPS,
	[SYS_OP_SETGID] = SUBPROC_STEP_SETGID,
	[SYS_OP_SETUID] = SUBPROC_STEP_SETUID,
	[SYS_OP_CHDIR] = SUBPROC_STEP_CHDIR,
	[SYS_OP_PDEATHSIG] = SUBPROC_STEP_PDEATHSIG,
	[SYS_OP_FDMAP] = SUBPROC_STEP_DUP2,
	[SYS_OP_NOCTTY] = SUBPROC_STEP_NOCTTY,
	[SYS_OP_SETCTTY] = SUBPROC_STEP_SETCTTY,
	[SYS_OP_CLOSEFROM] = SUBPROC_STEP_CLOSEFDS,
	[SYS_OP_UMASK] = SUBPROC_STEP_UMASK,
	[SYS_OP_RLIMIT] = SUBPROC_STEP_RLIMIT,
	[SYS_OP_RLIMIT_HARD] = SUBPROC_STEP_RLIMIT,
	[SYS_OP_SIGNALS] = SUBPROC_STEP_SIGNALS,
	[SYS_OP_EXECVE] = SUBPROC_STEP_EXECVE,
	[SYS_OP_UNSHARE] = SUBPROC_STEP_UNSHARE,
	[SYS_OP_IDMAP_WAIT] = SUBPROC_STEP_UID_MAP,
	[SYS_OP_MOUNT_PRIVATE] = SUBPROC_STEP_MOUNT,
	[SYS_OP_MOUNT_PROC] = SUBPROC_STEP_MOUNT,
	[SYS_OP_HOSTNAME] = SUBPROC_STEP_HOSTNAME,
	[SYS_OP_KEEPCAPS] = SUBPROC_STEP_KEEPCAPS,
	[SYS_OP_CAPSET] = SUBPROC_STEP_CAPSET,
	[SYS_OP_CAPBSET] = SUBPROC_STEP_CAPBSET,
	[SYS_OP_AMBIENT] = SUBPROC_STEP_AMBIENT,
	[SYS_OP_PTRACE] = SUBPROC_STEP_PTRACE,
	[SYS_OP_NO_NEW_PRIVS] = SUBPROC_STEP_NO_NEW_PRIVS,
	[SYS_OP_SECCOMP] = SUBPROC_STEP_SECCOMP,
};

void plan_report(const struct proc_plan *pl, const struct sys_result *res, const char *launched,
                 int code, subproc_error *err)
{
	const struct sys_step *s;

	if (res->index == SYS_INDEX_PIPE) {
		error_set(err, code, SUBPROC_STEP_PIPE, NULL, -1);
		return;
	}
	if (res->index == SYS_INDEX_ENV) {
		error_set(err, code, SUBPROC_STEP_LAUNCH, sys_launch_env_text(), -1);
		return;
	}
	if (res->index == SYS_INDEX_NS) {
		error_set(err, code, SUBPROC_STEP_UNSHARE, launched, -1);
		return;
	}
	if (res->index == SYS_INDEX_UID_MAP || res->index == SYS_INDEX_SETGROUPS_FILE ||
	    res->index == SYS_INDEX_GID_MAP) {
		char path[64];

		snprintf(path, sizeof path, "/proc/%d/%s", res->detail,
		         res->index == SYS_INDEX_UID_MAP          ? "uid_map"
		         : res->index == SYS_INDEX_SETGROUPS_FILE ? "setgroups"
		                                                  : "gid_map");
		error_set(err, code,
		          res->index == SYS_INDEX_UID_MAP ? SUBPROC_STEP_UID_MAP
		                                          : SUBPROC_STEP_GID_MAP,
		          path, -1);
		return;
	}
	if (res->index < 0 || (size_t)res->index >= pl->sys.nsteps) {
		error_set(err, code, SUBPROC_STEP_LAUNCH, launched, -1);
		return;
	}
	s = &pl->sys.steps[res->index];
	switch (s->op) {
	case SYS_OP_CHROOT:
	case SYS_OP_CHDIR:
	case SYS_OP_MOUNT_PRIVATE:
	case SYS_OP_MOUNT_PROC:
	case SYS_OP_HOSTNAME:
		error_set(err, code, op_step[s->op], s->ptr, -1);
		break;
	case SYS_OP_CAPBSET:
	case SYS_OP_AMBIENT:
		error_set(err, code, op_step[s->op], NULL, res->detail);
		break;
	case SYS_OP_EXECVE:
		error_set(err, code, op_step[s->op], pl->sys.path, -1);
		break;
	case SYS_OP_FDMAP: {
		/* Name the caller's source fd, which is what they wrote. */
		const int *files = s->ptr;
		int fd = res->detail >= 0 && res->detail < (int)s->arg ? files[res->detail] : -1;
		error_set(err, code, op_step[s->op], NULL, fd);
		break;
	}
	case SYS_OP_RLIMIT:
	case SYS_OP_RLIMIT_HARD:
		error_set(err, code, op_step[s->op], rlimit_name(s->fd), s->fd);
		break;
	case SYS_OP_CGROUP:
	case SYS_OP_TCSETPGRP:
	case SYS_OP_SETCTTY:
		error_set(err, code, op_step[s->op], NULL, s->fd);
		break;
	default:
		error_set(err, code, op_step[s->op], NULL, -1);
		break;
	}
}

void plan_free(struct proc_plan *pl)
{
	free(pl->mem);
	pl->mem = NULL;
	free(pl->resolved);
	pl->resolved = NULL;
	free(pl->idmap_text);
	pl->idmap_text = NULL;
}
