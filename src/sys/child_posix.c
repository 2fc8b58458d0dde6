/* SPDX-License-Identifier: MIT */
/*
 * The child's steps in the portable build (child.h), where the child runs
 * after fork in its own memory: async-signal-safe libc calls, results as
 * -errno. What POSIX has no call for fails with ENOSYS, so that a plan
 * asking for it fails at that step by name instead of running without it:
 * the parent-death signal, the controlling-terminal ioctls, setgroups (and
 * so a new uid or gid without SUBPROC_KEEP_GROUPS, which would otherwise
 * keep the caller's groups) and chroot. BSD and macOS have the last three;
 * a port to them adds their calls here.
 */
#include "child.h"

#include "raw_posix.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>

/* A batch of fds asked about at once: poll marks those not open POLLNVAL. */
#define CLOSE_BATCH 128
/* The highest fd looked for when the soft limit is above it: Linux's
 * default fs.nr_open, and more than BSD and macOS give a process. */
#define CLOSE_MAX (1L << 20)

/*
 * POSIX has no closefrom and no way to list the open fds, so every fd from
 * lo up to the soft RLIMIT_NOFILE is asked about, CLOSE_BATCH at a time,
 * with a poll that does not wait, and the open ones are closed. An fd at
 * or above the soft limit (left open when the limit was lowered), or above
 * CLOSE_MAX, is not seen. getrlimit is not on POSIX's async-signal-safe
 * list, but is a plain system call everywhere.
 */
CHILD_FN long child_closefrom_now(int lo, int keep)
{
	struct pollfd pfd[CLOSE_BATCH];
	struct rlimit rl;
	long limit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	/* An unlimited soft limit would mean 2^31 fds to ask about. */
	limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)CLOSE_MAX ? CLOSE_MAX
	                                                                        : (long)rl.rlim_cur;
	for (long base = lo; base < limit; base += CLOSE_BATCH) {
		int n = limit - base < CLOSE_BATCH ? (int)(limit - base) : CLOSE_BATCH;

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){.fd = (int)(base + i), .events = 0};
		if (poll(pfd, (nfds_t)n, 0) < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLNVAL) && pfd[i].fd != keep)
				close(pfd[i].fd);
		}
	}
	return 0;
}

/* The closefds step comes after every step that uses the caller's fds, and
 * the status pipe is kept: closing them now is the same as at execve. */
CHILD_FN long child_closefrom_at_exec(int lo, int keep)
{
	return child_closefrom_now(lo, keep);
}

/* Never asked for: only a CLONE_VM launch shares the fd table. */
CHILD_FN long child_unshare_files(const struct sys_plan *p, int *closed_from)
{
	(void)p;
	*closed_from = -1;
	return -ENOSYS;
}

static inline uint64_t rlim_to_kernel(rlim_t v)
{
	return v == RLIM_INFINITY ? UINT64_MAX : (uint64_t)v;
}

static inline rlim_t rlim_from_kernel(uint64_t v)
{
	return v == UINT64_MAX || v > (uint64_t)(rlim_t)-1 ? RLIM_INFINITY : (rlim_t)v;
}

CHILD_FN long child_getrlimit(int resource, uint64_t lim[2])
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -errno;
	lim[0] = rlim_to_kernel(rl.rlim_cur);
	lim[1] = rlim_to_kernel(rl.rlim_max);
	return 0;
}

CHILD_FN long child_setrlimit(int resource, const uint64_t lim[2])
{
	struct rlimit rl = {.rlim_cur = rlim_from_kernel(lim[0]),
	                    .rlim_max = rlim_from_kernel(lim[1])};

	return raw_result(setrlimit(resource, &rl));
}

CHILD_FN long child_pdeathsig(int sig, pid_t ppid)
{
	(void)sig;
	(void)ppid;
	return -ENOSYS;
}

CHILD_FN long child_noctty(void)
{
	return -ENOSYS;
}

CHILD_FN long child_setctty(int fd)
{
	(void)fd;
	return -ENOSYS;
}

CHILD_FN long child_setgroups(long n, const gid_t *groups)
{
	(void)n;
	(void)groups;
	return -ENOSYS;
}

CHILD_FN long child_chroot(const char *path)
{
	(void)path;
	return -ENOSYS;
}

/* The effective ids become the real ones, uid first, as glibc does. */
CHILD_FN long child_resetids(void)
{
	long r = raw_result(seteuid(getuid()));

	if (r == 0)
		r = raw_result(setegid(getgid()));
	return r;
}

CHILD_FN long child_signal_handled(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) < 0)
		return -errno;
	return old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN;
}

/* A signal the libc keeps for itself (glibc's 32 and 33) cannot be set
 * through it: EINVAL, taken as nothing to do, since the Linux build only
 * ignores those to look like glibc's posix_spawn. */
CHILD_FN long child_signal_set(int sig, bool ignore)
{
	struct sigaction sa = {.sa_flags = 0};
	long r;

	sa.sa_handler = ignore ? SIG_IGN : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	r = raw_result(sigaction(sig, &sa, NULL));
	return r == -EINVAL ? 0 : r;
}

CHILD_FN long child_setmask(uint64_t mask)
{
	sigset_t set;

	sigemptyset(&set);
	for (int sig = 1; sig <= 64; sig++) {
		if ((mask >> (sig - 1)) & 1)
			sigaddset(&set, sig); /* fails only for a signal not here */
	}
	return raw_result(sigprocmask(SIG_SETMASK, &set, NULL));
}

/* Namespaces, capabilities, seccomp and ptrace are Linux's; the plan
 * refuses them before any launch (sys_isolation_supported), so this only
 * keeps the contract. */
CHILD_FN long child_isolation_step(struct sys_child *c, const struct sys_step *s, int status_fd,
                                   int *detail)
{
	(void)c;
	(void)s;
	(void)status_fd;
	(void)detail;
	return -ENOSYS;
}
