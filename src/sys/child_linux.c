/* SPDX-License-Identifier: MIT */
/*
 * The child's steps that are Linux's own (child.h): close_range with a
 * /proc/self/fd walk behind it, the CLONE_FILES unshare, the kernel's
 * rt_sigaction and prlimit64, prctl and the terminal ioctls. Under
 * child.c's contract, raw system calls only.
 */
#include "child.h"

#include "raw_linux.h"

#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

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
CHILD_FN long child_closefrom_now(int lo, int keep)
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
CHILD_FN long child_closefrom_at_exec(int lo, int keep)
{
	if (raw_close_range(lo, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	return child_closefrom_now(lo, keep);
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
 * *closed_from is the lowest fd closed on the way, or -1 for none.
 */
CHILD_FN long child_unshare_files(const struct sys_plan *p, int *closed_from)
{
	long r = raw_close_range(p->unshare_below, ~0U, CLOSE_RANGE_UNSHARE);

	*closed_from = -1;
	if (r == 0) {
		*closed_from = p->unshare_below;
		return 0;
	}
	return raw_unshare(CLONE_FILES);
}

CHILD_FN long child_getrlimit(int resource, uint64_t lim[2])
{
	return raw_prlimit(0, resource, NULL, lim);
}

CHILD_FN long child_setrlimit(int resource, const uint64_t lim[2])
{
	return raw_prlimit(0, resource, lim, NULL);
}

/* If the parent died before this, no signal would ever come: the child
 * sends it itself. */
CHILD_FN long child_pdeathsig(int sig, pid_t ppid)
{
	long r = raw_prctl(PR_SET_PDEATHSIG, sig);

	if (r == 0 && raw_getppid() != ppid)
		r = raw_kill(raw_getpid(), sig);
	return r;
}

CHILD_FN long child_noctty(void)
{
	return raw_ioctl(0, TIOCNOTTY, 0);
}

CHILD_FN long child_setctty(int fd)
{
	return raw_ioctl(fd, TIOCSCTTY, 0);
}

CHILD_FN long child_setgroups(long n, const gid_t *groups)
{
	return raw_setgroups(n, groups);
}

CHILD_FN long child_chroot(const char *path)
{
	return raw_chroot(path);
}

/* Effective ids only, as POSIX_SPAWN_RESETIDS says; raw, because glibc's
 * setresuid signals every thread of the process, which the child is not. */
CHILD_FN long child_resetids(void)
{
	long r = raw_setresuid(-1, raw_getuid(), -1);

	if (r == 0)
		r = raw_setresgid(-1, raw_getgid(), -1);
	return r;
}

CHILD_FN long child_signal_handled(int sig)
{
	struct raw_sigaction old = {0}; /* see lim in child_closefrom_walk */
	long r = raw_sigaction(sig, NULL, &old);

	if (r < 0)
		return r;
	return old.handler != (void *)SIG_DFL && old.handler != (void *)SIG_IGN;
}

CHILD_FN long child_signal_set(int sig, bool ignore)
{
	struct raw_sigaction sa = {.handler = ignore ? (void *)SIG_IGN : (void *)SIG_DFL};

	return raw_sigaction(sig, &sa, NULL);
}

CHILD_FN long child_setmask(uint64_t mask)
{
	return raw_sigprocmask(SIG_SETMASK, &mask, NULL);
}

/* The first frame of a CLONE_VM child, on the stack the parent lent it
 * (launch_linux.c). */
CHILD_FN void sys_child_entry(void *arg)
{
	struct sys_child *c = arg;

	c->entered = true;
	sys_child_run(c);
}
