/*
 * posix_spawn over subproc's engine (DESIGN.md, "Layers": front ends).
 *
 * posix_spawn's attributes and file actions are an ordered list of things
 * for the child to do, so they compile straight into a sys_plan, as the
 * proc layer's attributes do, and the one child interpreter runs them. The
 * proc layer is not in the way because its rules are not posix_spawn's:
 * here fds are inherited, argv may be empty, file actions name the
 * caller's fd numbers, and the PATH search happens in the child.
 *
 * The behaviour to match is glibc 2.36's, found by probing it: positive
 * error numbers; the validation each function does (or does not do);
 * setpgid after setsid; the signals glibc keeps for itself (32 and 33)
 * never blocked, and ignored in the child unless SETSIGDEF names them;
 * close ignoring a closed fd; open closing its target first; execvp's
 * rules for the search.
 */
#include "posix.h"

#include "sys/sys.h"

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

/* Steps that are not file actions, one of each at most: status, cgroup,
 * sched, setsid, setpgid, resetids, sigignore, signals, exec. */
#define FIXED_STEPS 9

enum action_kind {
	ACT_OPEN,
	ACT_CLOSE,
	ACT_DUP2,
	ACT_CHDIR,
	ACT_FCHDIR,
	ACT_CLOSEFROM,
	ACT_TCSETPGRP,
};

/* One file action. ACT_CHDIR keeps its path in open.path too; the path is
 * the list's own copy. */
struct action {
	int kind;
	int fd;
	int newfd;
	struct sys_open open;
};

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

static struct action *fa_append(subproc_posix_spawn_file_actions_t *fa)
{
	if (fa->used_ == fa->allocated_) {
		int cap = fa->allocated_ > 0 ? fa->allocated_ * 2 : 8;
		void *p;

		if (cap > INT_MAX / 2)
			return NULL;
		p = realloc(fa->actions_, (size_t)cap * sizeof(struct action));
		if (p == NULL)
			return NULL;
		fa->actions_ = p;
		fa->allocated_ = cap;
	}
	return (struct action *)fa->actions_ + fa->used_++;
}

/* Appends an action; a path is copied first, so a failure changes nothing. */
static int fa_add(subproc_posix_spawn_file_actions_t *fa, int kind, int fd, int newfd,
                  const char *path, int oflag, mode_t mode)
{
	char *copy = NULL;
	struct action *a;

	if (path != NULL && (copy = strdup(path)) == NULL)
		return ENOMEM;
	a = fa_append(fa);
	if (a == NULL) {
		free(copy);
		return ENOMEM;
	}
	*a = (struct action){.kind = kind,
	                     .fd = fd,
	                     .newfd = newfd,
	                     .open = {.path = copy, .flags = oflag, .mode = mode}};
	return 0;
}

int subproc_posix_spawn_file_actions_init(subproc_posix_spawn_file_actions_t *fa)
{
	memset(fa, 0, sizeof *fa);
	return 0;
}

int subproc_posix_spawn_file_actions_destroy(subproc_posix_spawn_file_actions_t *fa)
{
	struct action *a = fa->actions_;

	for (int i = 0; i < fa->used_; i++)
		free((char *)a[i].open.path);
	free(a);
	memset(fa, 0, sizeof *fa);
	return 0;
}

int subproc_posix_spawn_file_actions_addopen(subproc_posix_spawn_file_actions_t *fa, int fd,
                                             const char *path, int oflag, mode_t mode)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, ACT_OPEN, fd, -1, path, oflag, mode);
}

int subproc_posix_spawn_file_actions_addclose(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, ACT_CLOSE, fd, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_adddup2(subproc_posix_spawn_file_actions_t *fa, int fd,
                                             int newfd)
{
	if (!fd_in_range(fd) || !fd_in_range(newfd))
		return EBADF;
	return fa_add(fa, ACT_DUP2, fd, newfd, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addchdir_np(subproc_posix_spawn_file_actions_t *fa,
                                                 const char *path)
{
	return fa_add(fa, ACT_CHDIR, -1, -1, path, 0, 0);
}

int subproc_posix_spawn_file_actions_addfchdir_np(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	/* glibc 2.36 takes any number here; fchdir in the child says EBADF. */
	return fa_add(fa, ACT_FCHDIR, fd, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addclosefrom_np(subproc_posix_spawn_file_actions_t *fa,
                                                     int from)
{
	if (!fd_in_range(from))
		return EBADF;
	return fa_add(fa, ACT_CLOSEFROM, from, -1, NULL, 0, 0);
}

int subproc_posix_spawn_file_actions_addtcsetpgrp_np(subproc_posix_spawn_file_actions_t *fa, int fd)
{
	if (!fd_in_range(fd))
		return EBADF;
	return fa_add(fa, ACT_TCSETPGRP, fd, -1, NULL, 0, 0);
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
		const char *end = strchrnul(p, ':');
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

/* The signals glibc keeps for its threads, 32 up to SIGRTMIN (SIGCANCEL and
 * SIGSETXID), in the kernel's form. */
static uint64_t libc_signals(void)
{
	uint64_t bits = 0;

	for (int sig = 32; sig < SIGRTMIN && sig <= 64; sig++)
		bits |= 1ULL << (sig - 1);
	return bits;
}

/* A name with no candidate still runs the steps, then fails. */
static char *const no_candidates[] = {NULL};

int posix_spawn_run(pid_t *ret_pid, int *ret_pidfd, const char *file,
                    const subproc_posix_spawn_file_actions_t *fa,
                    const subproc_posix_spawnattr_t *attr, char *const argv[], char *const envp[],
                    struct posix_how *how)
{
	static const subproc_posix_spawnattr_t no_attr;
	const struct action *acts = fa != NULL ? fa->actions_ : NULL;
	size_t nacts = fa != NULL && fa->used_ > 0 ? (size_t)fa->used_ : 0;
	struct sys_plan plan = {.cgroup_fd = -1, .launch = SYS_LAUNCH_DEFAULT};
	bool search = how->search;
	struct sys_step *steps = NULL, *s;
	struct sched_param sp;
	struct sys_result res;
	char **cand = NULL;
	long none_err = ENOENT;
	uint64_t ignore;
	int maxfd = 2, pidfd = -1, r;
	pid_t pid = -1;
	short flags;

	how->launched = "";
	if (file == NULL || argv == NULL)
		return EINVAL;
	if (attr == NULL)
		attr = &no_attr;
	flags = attr->flags_;

	steps = malloc((FIXED_STEPS + nacts) * sizeof *steps);
	if (steps == NULL)
		return ENOMEM;
	/* Without a '/' the search runs; an empty name or one longer than
	 * NAME_MAX has no candidate, and fails only after the file actions,
	 * whose effects (a file created, say) glibc leaves behind too. */
	if (search && strchr(file, '/') == NULL) {
		if (file[0] == '\0') {
			none_err = ENOENT;
		} else if (strlen(file) > NAME_MAX) {
			none_err = ENAMETOOLONG;
		} else if ((r = search_candidates(file, &cand)) != 0) {
			free(steps);
			return r;
		}
	} else {
		search = false;
	}

	for (size_t i = 0; i < nacts; i++) {
		if (acts[i].fd > maxfd)
			maxfd = acts[i].fd;
		if (acts[i].newfd > maxfd)
			maxfd = acts[i].newfd;
	}
	sp = (struct sched_param){.sched_priority = attr->sched_priority_};

	s = steps;
#define STEP(...) (*s++ = (struct sys_step){__VA_ARGS__})
	/* The file actions must see the caller's fd table, so the fork
	 * path's status pipe moves above every fd they name. */
	if (nacts > 0)
		STEP(.op = SYS_OP_STATUS_ABOVE, .fd = maxfd + 1);
	if (flags & SUBPROC_POSIX_SPAWN_SETCGROUP) {
		STEP(.op = SYS_OP_CGROUP, .fd = attr->cgroup_fd_);
		plan.cgroup_fd = attr->cgroup_fd_;
	}
	/* glibc's order: scheduling, setsid, setpgid, ids, file actions. */
	if ((flags & (SUBPROC_POSIX_SPAWN_SETSCHEDPARAM | SUBPROC_POSIX_SPAWN_SETSCHEDULER)) ==
	    SUBPROC_POSIX_SPAWN_SETSCHEDPARAM)
		STEP(.op = SYS_OP_SCHED, .arg = -1, .ptr = &sp);
	else if (flags & SUBPROC_POSIX_SPAWN_SETSCHEDULER)
		STEP(.op = SYS_OP_SCHED, .arg = attr->sched_policy_, .ptr = &sp);
	if (flags & SUBPROC_POSIX_SPAWN_SETSID)
		STEP(.op = SYS_OP_SETSID);
	if (flags & SUBPROC_POSIX_SPAWN_SETPGROUP)
		STEP(.op = SYS_OP_SETPGID, .arg = attr->pgroup_);
	if (flags & SUBPROC_POSIX_SPAWN_RESETIDS)
		STEP(.op = SYS_OP_RESETIDS);
	for (size_t i = 0; i < nacts; i++) {
		const struct action *a = &acts[i];

		switch (a->kind) {
		case ACT_OPEN:
			STEP(.op = SYS_OP_OPEN, .fd = a->fd, .ptr = &a->open);
			break;
		case ACT_CLOSE:
			STEP(.op = SYS_OP_CLOSE, .fd = a->fd);
			break;
		case ACT_DUP2:
			STEP(.op = SYS_OP_DUP2, .fd = a->fd, .arg = a->newfd);
			break;
		case ACT_CHDIR:
			STEP(.op = SYS_OP_CHDIR, .ptr = a->open.path);
			break;
		case ACT_FCHDIR:
			STEP(.op = SYS_OP_FCHDIR, .fd = a->fd);
			break;
		case ACT_CLOSEFROM:
			STEP(.op = SYS_OP_CLOSE_FROM, .fd = a->fd);
			break;
		case ACT_TCSETPGRP:
			/* The child's group is attr's pgroup once setpgid has
			 * run, so asking the kernel gives what glibc uses. */
			STEP(.op = SYS_OP_TCSETPGRP, .fd = a->fd);
			break;
		}
	}
	if (flags & SUBPROC_POSIX_SPAWN_SETSIGDEF)
		plan.sigdefault = sys_sigset_bits(&attr->sigdefault_);
	/* glibc's child leaves its own signals ignored, whatever the
	 * caller had, unless SETSIGDEF names them; the program inherits it. */
	ignore = libc_signals() & ~plan.sigdefault;
	if (ignore != 0)
		STEP(.op = SYS_OP_SIGIGNORE, .arg = (long)ignore);
	/* Last before execve: until here every signal stays blocked. */
	STEP(.op = SYS_OP_SIGNALS);
	if (search)
		STEP(.op = SYS_OP_EXECVP, .arg = none_err,
		     .ptr = cand != NULL ? (const void *)cand : no_candidates);
	else
		STEP(.op = SYS_OP_EXECVE);
#undef STEP

	plan.path = file;
	plan.argv = argv;
	plan.envp = envp;
	plan.steps = steps;
	plan.nsteps = (size_t)(s - steps);
	if (flags & SUBPROC_POSIX_SPAWN_SETSIGMASK) {
		/* glibc's sigprocmask never blocks its own signals. */
		plan.use_mask = true;
		plan.mask = sys_sigset_bits(&attr->sigmask_) & ~libc_signals();
	}

	plan.forklock = how->forklock;
	r = sys_launch(&plan, &pid, &pidfd, &res, &how->launched);
	free(steps);
	free(cand);
	if (r < 0)
		return -r;
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
	int pidfd = -1, r;
	pid_t pid = -1;

	r = posix_spawn_run(&pid, &pidfd, file, fa, attr, argv, envp, &how);
	if (r != 0)
		return r;
	if (pidfd < 0) {
		/* A kernel without pidfds (before 5.3). The caller never
		 * learns the pid, so the child must not outlive this call. */
		if (pid > 0) {
			kill(pid, SIGKILL);
			sys_reap(pid, -1);
		}
		return ENOSYS;
	}
	*ret_pidfd = pidfd;
	return 0;
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
