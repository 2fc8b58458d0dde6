/* SPDX-License-Identifier: MIT */
/*
 * The child, between launch and execve.
 *
 * Contract for every function in this file:
 *
 *   - It runs in a child that may share the parent's memory (CLONE_VM) and
 *     thread pointer, on a small stack the parent lent it, while the parent
 *     thread is suspended. It may read the plan, write only its result slot
 *     and the plan's scratch array, and must never return into the
 *     parent's frames: it ends in execve or exit_group.
 *   - Async-signal-safe, allocation-free and lock-free: no malloc, no stdio,
 *     no libc wrapper (they write errno and may lock); raw system calls
 *     only, through raw.h. Every signal is blocked on entry.
 *   - Errors are the value the failing system call returned, never a stale
 *     errno; the child reports {step, detail, errno} and exits 127.
 *
 * It is compiled with no instrumentation at all (src/CMakeLists.txt gives
 * it -fno-sanitize=all): a sanitizer's runtime, or even the function
 * entry and exit hooks ThreadSanitizer adds, would run on the lent stack
 * and write state that belongs to the parent thread.
 */
#include "sys.h"

#include "raw.h"

#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define CHILD_FN __attribute__((noinline, no_sanitize("address", "undefined", "thread")))

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Reports a failure and ends the child. */
CHILD_FN _Noreturn static void child_fail(struct sys_child *c, int status_fd, int index, int detail,
                                          long err)
{
	struct sys_result r = {.index = index, .detail = detail, .err = (int)-err};

	/* Both, where both exist: a CLONE_VM child started while the library
	 * does not yet know whether it shares the parent's memory has a pipe
	 * as well as the slot (launch_linux.c). */
	if (status_fd >= 0) {
		/* A short write leaves the parent with "no report" which it
		 * turns into EPIPE; there is nothing better to do here. */
		while (raw_write(status_fd, &r, sizeof r) == -EINTR)
			;
	}
	if (c->result != NULL) {
		c->result->index = r.index;
		c->result->detail = r.detail;
		c->result->err = r.err;
	}
	for (;;)
		raw_exit(127);
}

static inline bool child_isdigit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Closes every fd from `lo` upward except `keep`, when close_range is
 * missing (before Linux 5.9) or refuses the request. Walks /proc/self/fd;
 * without /proc (a chroot, say) falls back to a loop bounded by the fd
 * limit, slow with a large limit, as the last resort only.
 */
CHILD_FN static long child_closefrom_walk(int lo, int keep)
{
	char buf[1024];
	long dir = raw_open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

	if (dir < 0) {
		/* The kernel's struct rlimit64 (soft, hard), zeroed only so that
		 * static analysis, which cannot see the system call fill it,
		 * has nothing to say. */
		uint64_t lim[2] = {0, 0};
		if (raw_prlimit(0, RLIMIT_NOFILE, NULL, lim) < 0)
			return dir;
		for (uint64_t fd = (uint64_t)lo; fd < lim[0] && fd < INT32_MAX; fd++) {
			if ((int)fd != keep)
				raw_close(fd);
		}
		return 0;
	}
	for (;;) {
		long n = raw_getdents64(dir, buf, sizeof buf);
		if (n < 0) {
			raw_close(dir);
			return n;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			/* getdents64 filled buf; the analyzer cannot see it. */
			off += d->d_reclen; /* NOLINT(clang-analyzer-core.uninitialized.Assign) */
			if (!child_isdigit(d->d_name[0]))
				continue;
			int fd = 0;
			for (const char *p = d->d_name; child_isdigit(*p); p++)
				fd = fd * 10 + (*p - '0');
			if (fd >= lo && fd != dir && fd != keep)
				raw_close(fd);
		}
	}
	raw_close(dir);
	return 0;
}

/* Closes every fd from `lo` up now, except `keep` (the fork path's status
 * pipe, -1 elsewhere). posix_spawn's addclosefrom_np needs it at once, so
 * that a later file action naming one of them fails as after close(2). */
CHILD_FN static long child_closefrom_now(int lo, int keep)
{
	long r = 0;

	if (keep >= lo) {
		if (keep > lo)
			r = raw_close_range(lo, keep - 1, 0);
		if (r == 0)
			r = raw_close_range(keep + 1, ~0U, 0);
	} else {
		r = raw_close_range(lo, ~0U, 0);
	}
	if (r == 0)
		return 0;
	return child_closefrom_walk(lo, keep);
}

/* Makes every fd from `lo` up go away at execve. Marking them close-on-exec
 * rather than closing them keeps the fork path's status pipe alive; where
 * that is refused (CLOSE_RANGE_CLOEXEC needs Linux 5.11), they go now. */
CHILD_FN static long child_closefrom_at_exec(int lo, int keep)
{
	if (raw_close_range(lo, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	return child_closefrom_now(lo, keep);
}

/* posix_spawn's addopen: the target is closed first (so that an open at the
 * fd limit, or of a device only one process may hold open, still works),
 * then the file lands on it. When it lands elsewhere, dup2 moves it, which
 * drops an O_CLOEXEC the caller asked for; glibc does the same. */
CHILD_FN static long child_open(int fd, const struct sys_open *o)
{
	long r, d;

	raw_close(fd);
	r = raw_open(o->path, o->flags, o->mode);
	if (r < 0 || r == fd)
		return r;
	d = raw_dup3(r, fd, 0);
	raw_close(r);
	return d;
}

/* posix_spawn's adddup2. dup2(fd, fd) would change nothing, and POSIX.1-2024
 * (Austin Group issue 411) wants it to clear close-on-exec. */
CHILD_FN static long child_dup2(int from, int to)
{
	long r;

	if (from != to)
		return raw_dup3(from, to, 0);
	r = raw_fcntl(from, F_GETFD, 0);
	if (r >= 0)
		r = raw_fcntl(from, F_SETFD, r & ~FD_CLOEXEC);
	return r;
}

/* posix_spawnp's PATH search, run here rather than in the parent because the
 * file actions (a chdir, an open) may change what a relative entry finds.
 * The parent built the candidates from the caller's PATH, as glibc reads it;
 * the errors that mean "not here" move on to the next one, any other stops
 * the search, and a denied match is remembered over later misses. */
CHILD_FN static long child_execvp(const struct sys_plan *p, const struct sys_step *s)
{
	const char *const *cand = s->ptr;
	bool denied = false;
	long r = -s->arg;

	for (; *cand != NULL; cand++) {
		r = raw_execve(*cand, p->argv, p->envp);
		switch (-r) {
		case EACCES:
			denied = true;
			break;
		case ENOENT:
		case ESTALE:
		case ENOTDIR:
		case ENODEV:
		case ETIMEDOUT:
			break;
		default:
			return r;
		}
	}
	return denied ? -EACCES : r;
}

/* Where the soft RLIMIT_NOFILE stood before child_dup_above raised it. */
struct child_nofile {
	bool raised;
	uint64_t lim[2];
};

/*
 * F_DUPFD_CLOEXEC onto `lo` or above. The fd map and the fork path's status
 * pipe need room above the map, which a map that reaches the soft fd limit
 * does not leave (F_DUPFD then fails with EINVAL): the soft limit is then
 * raised to the hard one, and child_nofile_restore puts it back before
 * execve. An fd above the soft limit stays usable, and every fd made here
 * is close-on-exec, so the program sees the limit and fds it should.
 */
CHILD_FN static long child_dup_above(int fd, int lo, struct child_nofile *nf)
{
	long r = raw_fcntl(fd, F_DUPFD_CLOEXEC, lo);
	uint64_t lim[2] = {0, 0}; /* see lim in child_closefrom_walk */

	if ((r == -EINVAL || r == -EMFILE) && !nf->raised &&
	    raw_prlimit(0, RLIMIT_NOFILE, NULL, lim) == 0 && lim[0] < lim[1]) {
		nf->lim[0] = lim[0];
		nf->lim[1] = lim[1];
		lim[0] = lim[1];
		if (raw_prlimit(0, RLIMIT_NOFILE, lim, NULL) == 0) {
			nf->raised = true;
			r = raw_fcntl(fd, F_DUPFD_CLOEXEC, lo);
		}
	}
	/* EINVAL here only says "lo is at or over the limit": no room. */
	return r == -EINVAL ? -EMFILE : r;
}

CHILD_FN static void child_nofile_restore(struct child_nofile *nf)
{
	if (nf->raised)
		raw_prlimit(0, RLIMIT_NOFILE, nf->lim, NULL);
	nf->raised = false;
}

/* Moves the fork path's status pipe to `lo` or above, so that no step that
 * takes the caller's fd numbers can overwrite it: a report written into a
 * file of the caller's, and EOF taken for a successful exec, would be the
 * result. With no room at all, the start fails (EMFILE, step "pipe"). */
CHILD_FN static long child_status_above(int *status_fd, int lo, struct child_nofile *nf)
{
	long r;

	if (*status_fd < 0 || *status_fd >= lo)
		return 0;
	r = child_dup_above(*status_fd, lo, nf);
	if (r < 0)
		return r;
	raw_close(*status_fd);
	*status_fd = (int)r;
	return 0;
}

/* An exec the kernel refused with ENOEXEC, rerun through the shell when the
 * plan asks for it; any other result is the exec's own. */
CHILD_FN static long child_script(const struct sys_plan *p, long r)
{
	if (r != -ENOEXEC || p->script_argv == NULL)
		return r;
	return raw_execve(p->script_argv[0], p->script_argv, p->envp);
}

/*
 * The fd map, as Go's forkAndExecInChild does it. Pass 1 moves every
 * source that a lower target will overwrite (files[i] < i) above the map,
 * so pass 2 can dup each source down onto its target in ascending order. dup2(i, i) does nothing,
 * so a source equal to its target has close-on-exec cleared instead.
 */
CHILD_FN static long child_fdmap(struct sys_child *c, const int *files, int n, int *status_fd,
                                 int *failed, struct child_nofile *nf)
{
	int *fd = c->plan->scratch;
	long r;

	/* The status pipe must survive pass 2 too. */
	r = child_status_above(status_fd, n, nf);
	if (r < 0)
		return *failed = -1, r;
	for (int i = 0; i < n; i++) {
		fd[i] = files[i];
		if (fd[i] >= 0 && fd[i] < i) {
			/* F_DUPFD picks a free fd, so nothing the child should
			 * inherit is overwritten, whatever the caller holds. */
			r = child_dup_above(fd[i], n, nf);
			if (r < 0)
				return *failed = i, r;
			fd[i] = (int)r;
		}
	}
	for (int i = 0; i < n; i++) {
		if (fd[i] < 0) {
			raw_close(i);
			continue;
		}
		if (fd[i] == i)
			r = raw_fcntl(i, F_SETFD, 0);
		else
			r = raw_dup3(fd[i], i, 0);
		if (r < 0)
			return *failed = i, r;
	}
	return 0;
}

/* Resets handled signals (and the requested ones) to SIG_DFL, then
 * installs the child's mask. Handlers must go before the mask opens: a
 * parent's handler running in a child that shares its memory would corrupt
 * the parent. */
CHILD_FN static long child_signals(struct sys_child *c)
{
	const struct sys_plan *p = c->plan;
	struct raw_sigaction dfl = {0}, old = {0}; /* old: see lim in closefrom_walk */
	uint64_t mask = c->oldmask;
	long r;

	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		bool force = (p->sigdefault >> (sig - 1)) & 1;
		if (c->handlers_cleared && !force)
			continue;
		if (!force) {
			if (raw_sigaction(sig, NULL, &old) < 0)
				continue; /* not a signal the kernel knows */
			if (old.handler == (void *)SIG_DFL || old.handler == (void *)SIG_IGN)
				continue;
		}
		r = raw_sigaction(sig, &dfl, NULL);
		if (r < 0 && force)
			return r;
	}
	if (p->use_mask)
		mask = p->mask;
	return raw_sigprocmask(SIG_SETMASK, &mask, NULL);
}

/*
 * Started with CLONE_FILES, the child shares the fd table of the parent and
 * of its other threads: before any step may touch an fd, it takes a private
 * copy of the fds below plan->unshare_below only (close_range's UNSHARE,
 * Linux 5.9), or of the whole table where that is refused (the closefds
 * step trims it later). When both are refused (no close_range before
 * Linux 5.9 or under a seccomp profile, and unshare without CAP_SYS_ADMIN
 * in many containers), the child has touched nothing yet: it says so
 * (SYS_INDEX_UNSHARE) and the parent starts it again without sharing.
 * Returns the lowest fd closed on the way, or -1 for none.
 */
CHILD_FN static int child_unshare_files(struct sys_child *c)
{
	const struct sys_plan *p = c->plan;
	long r = raw_close_range(p->unshare_below, ~0U, CLOSE_RANGE_UNSHARE);

	if (r == 0)
		return p->unshare_below;
	r = raw_unshare(CLONE_FILES);
	if (r < 0)
		child_fail(c, c->status_fd, SYS_INDEX_UNSHARE, 0, r);
	return -1;
}

CHILD_FN _Noreturn void sys_child_run(struct sys_child *c)
{
	const struct sys_plan *p = c->plan;
	int status_fd = c->status_fd, closed_from = -1;
	struct child_nofile nofile = {.raised = false};
	long r = 0;

	/* The read end would otherwise be an fd the caller never had,
	 * visible to steps that take the caller's fd numbers (posix_spawn's
	 * file actions). */
	if (c->status_rd >= 0)
		raw_close(c->status_rd);
	if (c->files_shared)
		closed_from = child_unshare_files(c);

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct sys_step *s = &p->steps[i];
		int detail = 0;
		pid_t pgrp;

		switch (s->op) {
		case SYS_OP_CGROUP:
			if (c->cgroup_done)
				break;
			r = raw_openat(s->fd, "cgroup.procs", O_WRONLY | O_CLOEXEC, 0);
			if (r >= 0) {
				long fd = r;
				/* "0" means the writer itself (cgroup v2). */
				r = raw_write(fd, "0", 1);
				raw_close(fd);
			}
			break;
		case SYS_OP_SETSID:
			r = raw_setsid();
			break;
		case SYS_OP_SETPGID:
			r = raw_setpgid(0, s->arg);
			break;
		case SYS_OP_TCSETPGRP:
			/* SIGTTOU is blocked here, so a background child may
			 * take the terminal, as tcsetpgrp(3) requires. */
			r = raw_getpgid(0);
			if (r >= 0) {
				pgrp = (pid_t)r;
				r = raw_ioctl(s->fd, TIOCSPGRP, &pgrp);
			}
			break;
		case SYS_OP_CHROOT:
			r = raw_chroot(s->ptr);
			break;
		case SYS_OP_SETGROUPS:
			r = raw_setgroups(s->arg, s->ptr);
			break;
		case SYS_OP_SETGID:
			r = raw_setgid(s->arg);
			break;
		case SYS_OP_SETUID:
			r = raw_setuid(s->arg);
			break;
		case SYS_OP_CHDIR:
			r = raw_chdir(s->ptr);
			break;
		case SYS_OP_PDEATHSIG:
			/* Set after the credentials, which clear it. If the
			 * parent died before this, no signal would ever come. */
			r = raw_prctl(PR_SET_PDEATHSIG, s->arg);
			if (r == 0 && raw_getppid() != p->ppid)
				r = raw_kill(raw_getpid(), s->arg);
			break;
		case SYS_OP_FDMAP:
			r = child_fdmap(c, s->ptr, (int)s->arg, &status_fd, &detail, &nofile);
			child_nofile_restore(&nofile);
			if (r < 0 && detail < 0)
				child_fail(c, status_fd, SYS_INDEX_PIPE, 0, r);
			break;
		case SYS_OP_NOCTTY:
			r = raw_ioctl(0, TIOCNOTTY, 0);
			break;
		case SYS_OP_SETCTTY:
			r = raw_ioctl(s->fd, TIOCSCTTY, 0);
			break;
		case SYS_OP_CLOSEFROM:
			/* Done already when the unshare closed from here up:
			 * every fd made since then is close-on-exec. */
			r = 0;
			if (closed_from < 0 || closed_from > s->fd)
				r = child_closefrom_at_exec(s->fd, status_fd);
			break;
		case SYS_OP_UMASK:
			raw_umask(s->arg);
			r = 0;
			break;
		case SYS_OP_RLIMIT: {
			const struct sys_rlimit *l = s->ptr;
			r = raw_prlimit(0, l->resource, &l->cur, NULL);
			break;
		}
		case SYS_OP_RLIMIT_HARD: {
			/* Raising a hard limit takes privilege, which the
			 * credential steps after this one may drop; the soft
			 * limit waits for its SYS_OP_RLIMIT (see plan.c). */
			const struct sys_rlimit *l = s->ptr;
			uint64_t lim[2] = {0, 0}; /* see child_closefrom_walk */
			r = raw_prlimit(0, l->resource, NULL, lim);
			if (r == 0 && l->max > lim[1]) {
				lim[1] = l->max;
				r = raw_prlimit(0, l->resource, lim, NULL);
			}
			break;
		}
		case SYS_OP_SIGNALS:
			r = child_signals(c);
			break;
		case SYS_OP_EXECVE:
			r = child_script(p, raw_execve(p->path, p->argv, p->envp));
			break;
		case SYS_OP_STATUS_ABOVE:
			r = child_status_above(&status_fd, s->fd, &nofile);
			child_nofile_restore(&nofile);
			if (r < 0)
				child_fail(c, status_fd, SYS_INDEX_PIPE, 0, r);
			break;
		case SYS_OP_SCHED:
			if (s->arg < 0)
				r = raw_sched_setparam(0, s->ptr);
			else
				r = raw_sched_setscheduler(0, s->arg, s->ptr);
			break;
		case SYS_OP_RESETIDS:
			/* Effective ids only, as POSIX_SPAWN_RESETIDS says;
			 * raw, for the reason raw.h gives. */
			r = raw_setresuid(-1, raw_getuid(), -1);
			if (r == 0)
				r = raw_setresgid(-1, raw_getgid(), -1);
			break;
		case SYS_OP_OPEN:
			r = child_open(s->fd, s->ptr);
			break;
		case SYS_OP_CLOSE: {
			/* An fd that is not open is already what the caller
			 * asked for, so glibc reports only one beyond the fd
			 * limit (which may have dropped since it was added). */
			uint64_t lim[2] = {0, 0};
			r = raw_close(s->fd);
			if (r != -EBADF || raw_prlimit(0, RLIMIT_NOFILE, NULL, lim) < 0 ||
			    (uint64_t)s->fd < lim[0])
				r = 0;
			break;
		}
		case SYS_OP_DUP2:
			r = child_dup2(s->fd, (int)s->arg);
			break;
		case SYS_OP_FCHDIR:
			r = raw_fchdir(s->fd);
			break;
		case SYS_OP_CLOSEFROM_NOW:
			r = child_closefrom_now(s->fd, status_fd);
			break;
		case SYS_OP_EXECVP:
			r = child_script(p, child_execvp(p, s));
			break;
		case SYS_OP_SIGIGNORE: {
			struct raw_sigaction ign = {.handler = (void *)SIG_IGN};
			uint64_t bits = *(const uint64_t *)s->ptr;
			r = 0;
			for (int sig = 1; sig <= 64; sig++) {
				if ((bits >> (sig - 1)) & 1) {
					r = raw_sigaction(sig, &ign, NULL);
					if (r < 0)
						break;
				}
			}
			break;
		}
		default:
			r = -EINVAL;
			break;
		}
		if (r < 0)
			child_fail(c, status_fd, (int)i, detail, r);
	}
	/* A plan always ends in execve; reaching here is a library bug. */
	child_fail(c, status_fd, (int)p->nsteps - 1, 0, -EINVAL);
}

/* The first frame of a CLONE_VM child, on the stack the parent lent it
 * (launch_linux.c). */
CHILD_FN void sys_child_entry(void *arg)
{
	struct sys_child *c = arg;

	c->entered = true;
	sys_child_run(c);
}
