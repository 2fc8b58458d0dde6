/* SPDX-License-Identifier: MIT */
/*
 * posix_spawn over subproc's engine (a front end, above the proc layer).
 *
 * posix_spawn's attributes and file actions are an ordered list of things
 * for the child to do. This file keeps glibc's objects and checks and
 * hands the list to the proc layer's posix-shaped entry, proc_spawn
 * (src/proc/spawn.c), which compiles it for the one child interpreter:
 * posix_spawn's rules are not subproc_start's (fds are inherited, argv may
 * be empty, the PATH search happens in the child).
 *
 * The behaviour to match is glibc 2.36's, found by probing it: positive
 * error numbers; the validation each function does (or does not do);
 * setpgid after setsid; the signals glibc keeps for itself (32 and 33)
 * never blocked, and ignored in the child unless SETSIGDEF names them;
 * close ignoring a closed fd; open closing its target first; execvp's
 * rules for the search.
 */
#include "posix.h"

#include "proc/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

_Static_assert(SUBPROC_POSIX_SPAWN_RESETIDS == POSIX_SPAWN_RESETIDS, "<spawn.h> value");
_Static_assert(SUBPROC_POSIX_SPAWN_SETPGROUP == POSIX_SPAWN_SETPGROUP, "<spawn.h> value");
_Static_assert(SUBPROC_POSIX_SPAWN_SETSIGDEF == POSIX_SPAWN_SETSIGDEF, "<spawn.h> value");
_Static_assert(SUBPROC_POSIX_SPAWN_SETSIGMASK == POSIX_SPAWN_SETSIGMASK, "<spawn.h> value");
_Static_assert(SUBPROC_POSIX_SPAWN_SETSCHEDPARAM == POSIX_SPAWN_SETSCHEDPARAM, "<spawn.h> value");
_Static_assert(SUBPROC_POSIX_SPAWN_SETSCHEDULER == POSIX_SPAWN_SETSCHEDULER, "<spawn.h> value");
#ifdef POSIX_SPAWN_USEVFORK
_Static_assert(SUBPROC_POSIX_SPAWN_USEVFORK == POSIX_SPAWN_USEVFORK, "<spawn.h> value");
#endif
#ifdef POSIX_SPAWN_SETSID
_Static_assert(SUBPROC_POSIX_SPAWN_SETSID == POSIX_SPAWN_SETSID, "<spawn.h> value");
#endif

#define KNOWN_FLAGS                                                                                \
	(SUBPROC_POSIX_SPAWN_RESETIDS | SUBPROC_POSIX_SPAWN_SETPGROUP |                            \
	 SUBPROC_POSIX_SPAWN_SETSIGDEF | SUBPROC_POSIX_SPAWN_SETSIGMASK |                          \
	 SUBPROC_POSIX_SPAWN_SETSCHEDPARAM | SUBPROC_POSIX_SPAWN_SETSCHEDULER |                    \
	 SUBPROC_POSIX_SPAWN_USEVFORK | SUBPROC_POSIX_SPAWN_SETSID |                               \
	 SUBPROC_POSIX_SPAWN_SETCGROUP)

/* glibc's execvp default (confstr _CS_PATH). */
#define DEFAULT_PATH "/bin:/usr/bin"

/* One file action: the proc layer's own form; the path is the list's copy. */
typedef struct proc_action action_t;

/* ---- file actions ---- */

/* The range glibc accepts: [0, the soft RLIMIT_NOFILE). */
static bool fd_in_range(int fd)
{
	struct rlimit rl;

	if (fd < 0)
		return false;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return true;
	return (rlim_t)fd < rl.rlim_cur;
}

static action_t *fa_append(subproc_posix_spawn_file_actions_t *fa)
{
	if (fa->used_ == fa->allocated_) {
		int cap = fa->allocated_ > 0 ? fa->allocated_ * 2 : 8;
		void *p;

		if (cap > INT_MAX / 2)
			return NULL;
		p = realloc(fa->actions_, (size_t)cap * sizeof(action_t));
		if (p == NULL)
			return NULL;
		fa->actions_ = p;
		fa->allocated_ = cap;
	}
	return (action_t *)fa->actions_ + fa->used_++;
}

/* Appends an action; a path is copied first, so a failure changes nothing. */
static int fa_add(subproc_posix_spawn_file_actions_t *fa, int kind, int fd, int newfd,
                  const char *path, int oflag, mode_t mode)
{
	char *copy = NULL;
	action_t *a;

	if (path != NULL && (copy = strdup(path)) == NULL)
		return ENOMEM;
	a = fa_append(fa);
	if (a == NULL) {
		free(copy);
		return ENOMEM;
	}
	*a = (action_t){
		.kind = kind, .fd = fd, .newfd = newfd, .path = copy, .oflag = oflag, .mode = mode};
	return 0;
}

int subproc_posix_spawn_file_actions_init(subproc_posix_spawn_file_actions_t *fa)
{
	memset(fa, 0, sizeof *fa);
	return 0;
}

int subproc_posix_spawn_file_actions_destroy(subproc_posix_spawn_file_actions_t *fa)
{
	action_t *a = fa->actions_;

	for (int i = 0; i < fa->used_; i++)
		free((char *)a[i].path);
	free(a);
	memset(fa, 0, sizeof *fa);
	return 0;
}

int subproc_posix_spawn_file_actions_addopen(subproc_posix_spawn_file_actions_t *fa, int fd,
                                             const char *path, int oflag, mode_t mode)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, PROC_ACT_OPEN, fd, -1, path, oflag, mode);
}

int subproc_posix_spawn_file_actions_addclose(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, PROC_ACT_CLOSE, fd, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_adddup2(subproc_posix_spawn_file_actions_t *fa, int fd,
                                             int newfd)
{
	if (!fd_in_range(fd) || !fd_in_range(newfd))
		return EBADF;
	return fa_add(fa, PROC_ACT_DUP2, fd, newfd, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addchdir_np(subproc_posix_spawn_file_actions_t *fa,
                                                 const char *path)
{
	return fa_add(fa, PROC_ACT_CHDIR, -1, -1, path, 0, 0);
}

int subproc_posix_spawn_file_actions_addfchdir_np(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	/* glibc 2.36 takes any number here; fchdir in the child says EBADF. */
	return fa_add(fa, PROC_ACT_FCHDIR, fd, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addclosefrom_np(subproc_posix_spawn_file_actions_t *fa,
                                                     int from)
{
	if (!fd_in_range(from))
		return EBADF;
	return fa_add(fa, PROC_ACT_CLOSEFROM, from, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addtcsetpgrp_np(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, PROC_ACT_TCSETPGRP, fd, -1, NULL, 0, 0);
}

/* ---- attributes ---- */

int subproc_posix_spawnattr_init(subproc_posix_spawnattr_t *attr)
{
	memset(attr, 0, sizeof *attr);
	return 0;
}

int subproc_posix_spawnattr_destroy(subproc_posix_spawnattr_t *attr)
{
	(void)attr;
	return 0;
}

int subproc_posix_spawnattr_setflags(subproc_posix_spawnattr_t *attr, short flags)
{
	if (flags & ~KNOWN_FLAGS)
		return EINVAL;
	attr->flags_ = flags;
	return 0;
}

int subproc_posix_spawnattr_getflags(const subproc_posix_spawnattr_t *attr, short *flags)
{
	*flags = attr->flags_;
	return 0;
}

int subproc_posix_spawnattr_setpgroup(subproc_posix_spawnattr_t *attr, pid_t pgroup)
{
	attr->pgroup_ = pgroup;
	return 0;
}

int subproc_posix_spawnattr_getpgroup(const subproc_posix_spawnattr_t *attr, pid_t *pgroup)
{
	*pgroup = attr->pgroup_;
	return 0;
}

int subproc_posix_spawnattr_setsigmask(subproc_posix_spawnattr_t *attr, const sigset_t *sigmask)
{
	attr->sigmask_ = *sigmask;
	return 0;
}

int subproc_posix_spawnattr_getsigmask(const subproc_posix_spawnattr_t *attr, sigset_t *sigmask)
{
	*sigmask = attr->sigmask_;
	return 0;
}

int subproc_posix_spawnattr_setsigdefault(subproc_posix_spawnattr_t *attr,
                                          const sigset_t *sigdefault)
{
	attr->sigdefault_ = *sigdefault;
	return 0;
}

int subproc_posix_spawnattr_getsigdefault(const subproc_posix_spawnattr_t *attr,
                                          sigset_t *sigdefault)
{
	*sigdefault = attr->sigdefault_;
	return 0;
}

int subproc_posix_spawnattr_setschedparam(subproc_posix_spawnattr_t *attr,
                                          const struct sched_param *param)
{
	attr->sched_priority_ = param->sched_priority;
	return 0;
}

int subproc_posix_spawnattr_getschedparam(const subproc_posix_spawnattr_t *attr,
                                          struct sched_param *param)
{
	memset(param, 0, sizeof *param);
	param->sched_priority = attr->sched_priority_;
	return 0;
}

int subproc_posix_spawnattr_setschedpolicy(subproc_posix_spawnattr_t *attr, int policy)
{
	if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR)
		return EINVAL;
	attr->sched_policy_ = policy;
	return 0;
}

int subproc_posix_spawnattr_getschedpolicy(const subproc_posix_spawnattr_t *attr, int *policy)
{
	*policy = attr->sched_policy_;
	return 0;
}

int subproc_posix_spawnattr_setcgroup_np(subproc_posix_spawnattr_t *attr, int cgroup_fd)
{
	attr->cgroup_fd_ = cgroup_fd;
	return 0;
}

int subproc_posix_spawnattr_getcgroup_np(const subproc_posix_spawnattr_t *attr, int *cgroup_fd)
{
	*cgroup_fd = attr->cgroup_fd_;
	return 0;
}

/* ---- the spawn ---- */

/*
 * posix_spawnp's candidates, built here so the child only calls execve:
 * "DIR/FILE" for each entry of the caller's PATH (glibc reads the caller's
 * environment, not envp), "FILE" for an empty entry. glibc skips an entry
 * at least as long as min(strlen(PATH), PATH_MAX - 1) + 1, which only a
 * PATH of PATH_MAX or more can hold, and tries FILE as it is in its place
 * unless it was the last; that is kept, since it decides what runs.
 * Returns 0 with *ret (NULL-terminated, one allocation), or ENOMEM.
 */
static int search_candidates(const char *file, char ***ret)
{
	const char *path = getenv("PATH");
	size_t flen = strlen(file), plen, skip, n = 1, size;
	char **cand, *dst;

	if (path == NULL)
		path = DEFAULT_PATH;
	plen = strlen(path);
	skip = (plen < PATH_MAX - 1 ? plen : PATH_MAX - 1) + 1;
	for (const char *p = path; *p != '\0'; p++)
		n += *p == ':';
	size = (n + 1) * sizeof *cand + plen + n * (flen + 2);
	cand = malloc(size);
	if (cand == NULL)
		return ENOMEM;
	dst = (char *)(cand + n + 1);
	n = 0;
	for (const char *p = path;;) {
		const char *end = proc_entry_end(p);
		size_t len = (size_t)(end - p);

		if (len >= skip) {
			if (*end == '\0')
				break;
			len = 0;
		}
		cand[n++] = dst;
		memcpy(dst, p, len);
		dst += len;
		if (len > 0)
			*dst++ = '/';
		memcpy(dst, file, flen + 1);
		dst += flen + 1;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	cand[n] = NULL;
	*ret = cand;
	return 0;
}

int posix_spawn_run(pid_t *ret_pid, int *ret_pidfd, const char *file,
                    const subproc_posix_spawn_file_actions_t *fa,
                    const subproc_posix_spawnattr_t *attr, char *const argv[], char *const envp[],
                    struct posix_how *how)
{
	static const subproc_posix_spawnattr_t no_attr;
	struct proc_spawn sp = {.cgroup_fd = -1, .none_err = ENOENT};
	char **cand = NULL;
	int pidfd = -1, r;
	pid_t pid = -1;
	short flags;

	how->launched = "";
	if (file == NULL || argv == NULL)
		return EINVAL;
	if (attr == NULL)
		attr = &no_attr;
	flags = attr->flags_;

	/* Without a '/' the search runs; an empty name or one longer than
	 * NAME_MAX has no candidate, and fails only after the file actions,
	 * whose effects (a file created, say) glibc leaves behind too. */
	sp.search = how->search && strchr(file, '/') == NULL;
	if (sp.search) {
		if (strlen(file) > NAME_MAX)
			sp.none_err = ENAMETOOLONG;
		else if (file[0] != '\0' && (r = search_candidates(file, &cand)) != 0)
			return r;
		sp.candidates = cand;
	}
	sp.path = file;
	sp.argv = argv;
	sp.envp = envp;
	sp.actions = fa != NULL ? fa->actions_ : NULL;
	sp.nactions = fa != NULL && fa->used_ > 0 ? (size_t)fa->used_ : 0;
	if (flags & SUBPROC_POSIX_SPAWN_SETCGROUP)
		sp.cgroup_fd = attr->cgroup_fd_;
	/* SETSCHEDULER sets the policy with the parameters; SETSCHEDPARAM
	 * alone only the parameters. */
	if (flags & SUBPROC_POSIX_SPAWN_SETSCHEDULER)
		sp.sched = PROC_SCHED_POLICY;
	else if (flags & SUBPROC_POSIX_SPAWN_SETSCHEDPARAM)
		sp.sched = PROC_SCHED_PARAM;
	sp.sched_policy = attr->sched_policy_;
	sp.sched_priority = attr->sched_priority_;
	sp.setsid = flags & SUBPROC_POSIX_SPAWN_SETSID;
	sp.setpgid = flags & SUBPROC_POSIX_SPAWN_SETPGROUP;
	sp.pgid = attr->pgroup_;
	sp.resetids = flags & SUBPROC_POSIX_SPAWN_RESETIDS;
	if (flags & SUBPROC_POSIX_SPAWN_SETSIGDEF)
		sp.sigdefault = &attr->sigdefault_;
	if (flags & SUBPROC_POSIX_SPAWN_SETSIGMASK)
		sp.sigmask = &attr->sigmask_;
	sp.forklock = how->forklock;
	/* A pidfd is made only when asked for, so that posix_spawn needs no
	 * free fd (see sys_plan.no_pidfd). */
	sp.want_pidfd = ret_pidfd != NULL;
	sp.enoexec_shell = how->enoexec_shell;

	r = proc_spawn(&sp, &pid, &pidfd, &how->launched);
	free(cand);
	if (r < 0)
		return -r;
	if (ret_pidfd != NULL && pidfd < 0) {
		/* A kernel without pidfds (before 5.3). */
		proc_spawn_abandon(pid, -1);
		return ENOSYS;
	}
	if (ret_pid != NULL)
		*ret_pid = pid;
	if (ret_pidfd != NULL) {
		*ret_pidfd = pidfd;
	} else if (pidfd >= 0) {
		close(pidfd);
	}
	return 0;
}

int subproc_posix_spawn(pid_t *pid, const char *path,
                        const subproc_posix_spawn_file_actions_t *file_actions,
                        const subproc_posix_spawnattr_t *attr, char *const argv[],
                        char *const envp[])
{
	struct posix_how how = {.search = false, .forklock = true};

	return posix_spawn_run(pid, NULL, path, file_actions, attr, argv, envp, &how);
}

int subproc_posix_spawnp(pid_t *pid, const char *file,
                         const subproc_posix_spawn_file_actions_t *file_actions,
                         const subproc_posix_spawnattr_t *attr, char *const argv[],
                         char *const envp[])
{
	struct posix_how how = {.search = true, .forklock = true};

	return posix_spawn_run(pid, NULL, file, file_actions, attr, argv, envp, &how);
}

static int pidfd_spawn(int *ret_pidfd, const char *file,
                       const subproc_posix_spawn_file_actions_t *fa,
                       const subproc_posix_spawnattr_t *attr, char *const argv[],
                       char *const envp[], bool search)
{
	struct posix_how how = {.search = search, .forklock = true};

	return posix_spawn_run(NULL, ret_pidfd, file, fa, attr, argv, envp, &how);
}

int subproc_pidfd_spawn(int *pidfd, const char *path,
                        const subproc_posix_spawn_file_actions_t *file_actions,
                        const subproc_posix_spawnattr_t *attr, char *const argv[],
                        char *const envp[])
{
	return pidfd_spawn(pidfd, path, file_actions, attr, argv, envp, false);
}

int subproc_pidfd_spawnp(int *pidfd, const char *file,
                         const subproc_posix_spawn_file_actions_t *file_actions,
                         const subproc_posix_spawnattr_t *attr, char *const argv[],
                         char *const envp[])
{
	return pidfd_spawn(pidfd, file, file_actions, attr, argv, envp, true);
}
