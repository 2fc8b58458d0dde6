/* SPDX-License-Identifier: MIT */
/*
 * The child, between launch and execve: the plan's steps, in order. What
 * differs by system is in child_linux.c and child_posix.c (child.h).
 *
 * Contract for every function in this file and those two:
 *
 *   - It runs in a child that may share the parent's memory (CLONE_VM) and
 *     thread pointer, on a small stack the parent lent it, while the parent
 *     thread is suspended. It may read the plan, write only its result slot
 *     and the plan's scratch array, and must never return into the
 *     parent's frames: it ends in execve or exit_group.
 *   - Async-signal-safe, allocation-free and lock-free: no malloc, no stdio,
 *     no libc wrapper (they write errno and may lock); raw system calls
 *     only, through raw_linux.h. (The portable build's child runs after
 *     fork, in its own memory: there raw_posix.h has the same names over
 *     async-signal-safe libc calls.) Every signal is blocked on entry.
 *   - Errors are the value the failing system call returned, never a stale
 *     errno; the child reports {step, detail, errno} and exits 127.
 *
 * They are compiled with no instrumentation at all (src/CMakeLists.txt
 * gives the three -fno-sanitize=all): a sanitizer's runtime, or even the function
 * entry and exit hooks ThreadSanitizer adds, would run on the lent stack
 * and write state that belongs to the parent thread.
 */
#include "child.h"

/* The system calls: raw_linux.h, or raw_posix.h in the portable build, as
 * src/CMakeLists.txt chooses. */
#include SUBPROC_RAW_H

#include <sched.h>

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
	d = raw_dup2(r, fd);
	raw_close(r);
	return d;
}

/* posix_spawn's adddup2. dup2(fd, fd) would change nothing, and POSIX.1-2024
 * (Austin Group issue 411) wants it to clear close-on-exec. */
CHILD_FN static long child_dup2(int from, int to)
{
	long r;

	if (from != to)
		return raw_dup2(from, to);
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
	/* Zeroed only so that static analysis, which cannot see the call
	 * fill it, has nothing to say. */
	uint64_t lim[2] = {0, 0};

	if ((r == -EINVAL || r == -EMFILE) && !nf->raised &&
	    child_getrlimit(RLIMIT_NOFILE, lim) == 0 && lim[0] < lim[1]) {
		nf->lim[0] = lim[0];
		nf->lim[1] = lim[1];
		lim[0] = lim[1];
		if (child_setrlimit(RLIMIT_NOFILE, lim) == 0) {
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
		child_setrlimit(RLIMIT_NOFILE, nf->lim);
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
			r = raw_dup2(fd[i], i);
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
	long r;

	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		bool force = (p->sigdefault >> (sig - 1)) & 1;
		if (c->handlers_cleared && !force)
			continue;
		if (!force && child_signal_handled(sig) <= 0)
			continue; /* default, ignored, or not a signal here */
		r = child_signal_set(sig, false);
		if (r < 0 && force)
			return r;
	}
	return child_setmask(p->use_mask ? p->mask : c->oldmask);
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
	/* The parent's end of the map pipe, for the same reason; only a plan
	 * with maps has the pipe (elsewhere the fields are not set). */
	if (p->idmap != NULL && c->sync_wr >= 0)
		raw_close(c->sync_wr);
	if (c->files_shared) {
		/* When both ways are refused, the child has touched nothing
		 * yet, and the parent starts it again without sharing. */
		r = child_unshare_files(p, &closed_from);
		if (r < 0)
			child_fail(c, c->status_fd, SYS_INDEX_UNSHARE, 0, r);
	}

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
				r = raw_tcsetpgrp(s->fd, &pgrp);
			}
			break;
		case SYS_OP_CHROOT:
			r = child_chroot(s->ptr);
			break;
		case SYS_OP_SETGROUPS:
			r = child_setgroups(s->arg, s->ptr);
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
			/* Set after the credentials, which clear it. */
			r = child_pdeathsig((int)s->arg, p->ppid);
			break;
		case SYS_OP_FDMAP:
			r = child_fdmap(c, s->ptr, (int)s->arg, &status_fd, &detail, &nofile);
			child_nofile_restore(&nofile);
			if (r < 0 && detail < 0)
				child_fail(c, status_fd, SYS_INDEX_PIPE, 0, r);
			break;
		case SYS_OP_NOCTTY:
			r = child_noctty();
			break;
		case SYS_OP_SETCTTY:
			r = child_setctty(s->fd);
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
			const uint64_t lim[2] = {l->cur, l->max};
			r = child_setrlimit(l->resource, lim);
			break;
		}
		case SYS_OP_RLIMIT_HARD: {
			/* Raising a hard limit takes privilege, which the
			 * credential steps after this one may drop; the soft
			 * limit waits for its SYS_OP_RLIMIT (see plan.c). */
			const struct sys_rlimit *l = s->ptr;
			uint64_t lim[2] = {0, 0}; /* see child_dup_above */
			r = child_getrlimit(l->resource, lim);
			if (r == 0 && l->max > lim[1]) {
				lim[1] = l->max;
				r = child_setrlimit(l->resource, lim);
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
			r = child_resetids();
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
			if (r != -EBADF || child_getrlimit(RLIMIT_NOFILE, lim) < 0 ||
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
			uint64_t bits = *(const uint64_t *)s->ptr;
			r = 0;
			for (int sig = 1; sig <= 64; sig++) {
				if ((bits >> (sig - 1)) & 1) {
					r = child_signal_set(sig, true);
					if (r < 0)
						break;
				}
			}
			break;
		}
		default:
			if (s->op >= SYS_OP_UNSHARE && s->op <= SYS_OP_SECCOMP)
				r = child_isolation_step(c, s, status_fd, &detail);
			else
				r = -EINVAL;
			break;
		}
		if (r < 0)
			child_fail(c, status_fd, (int)i, detail, r);
	}
	/* A plan always ends in execve; reaching here is a library bug. */
	child_fail(c, status_fd, (int)p->nsteps - 1, 0, -EINVAL);
}
