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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

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

/* ---- isolation ------------------------------------------------------------ */

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif
/* The kernel's ABI values, fixed for good, spelled out here so that the
 * library builds with a libc's headers alone (musl-gcc sees none of the
 * kernel's <linux/...>). */
#define CHILD_CAP_VERSION_3 0x20080522  /* _LINUX_CAPABILITY_VERSION_3 */
#define CHILD_SECCOMP_SET_MODE_FILTER 1 /* seccomp(2)'s operation */
#define CHILD_SECCOMP_MODE_FILTER 2     /* PR_SET_SECCOMP's mode */
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The namespaces the launch could not create the child in. A new pid
 * namespace is not among what unshare(2) can give: the caller would stay
 * outside it and only its children go in, so that is refused. */
CHILD_FN static long child_unshare(const struct sys_child *c, uint64_t want)
{
	uint64_t left = want & ~c->ns_done;

	if (left == 0)
		return 0;
	if (left & CLONE_NEWPID)
		return -EINVAL;
	return raw_unshare(left);
}

/*
 * Tells the parent, through the status pipe, that the child is in its user
 * namespace (unshared now if the launch could not), then waits for the go
 * byte it writes once the maps are in. A parent that fails kills the child
 * here; a pipe closed without the byte means the same.
 */
CHILD_FN static long child_idmap_wait(struct sys_child *c, int status_fd)
{
	struct sys_result ready = {.index = SYS_INDEX_READY};
	char go;
	long r;

	do
		r = raw_write(status_fd, &ready, sizeof ready);
	while (r == -EINTR);
	if (r != (long)sizeof ready)
		return r < 0 ? r : -EPIPE;
	do
		r = raw_read(c->sync_rd, &go, 1);
	while (r == -EINTR);
	raw_close(c->sync_rd);
	return r == 1 ? 0 : r < 0 ? r : -EPIPE;
}

/* The kernel's capability sets, 64 bits as two words (version 3). */
struct child_capdata {
	uint32_t effective, permitted, inheritable;
};

/*
 * The inheritable set gains the ambient capabilities (the kernel raises an
 * ambient one only when it is permitted and inheritable), and, when the
 * bounding set is to shrink, the effective set becomes the permitted one:
 * dropping takes CAP_SETPCAP in effect, which a uid change with keepcaps
 * has cleared. execve computes the effective set anew either way.
 */
CHILD_FN static long child_capset(const struct sys_caps *caps)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = {CHILD_CAP_VERSION_3, 0};
	struct child_capdata d[2] = {{0, 0, 0}, {0, 0, 0}};
	long r = raw_capget(&hdr, d);

	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		d[i].inheritable |= (uint32_t)(caps->ambient >> (32 * i));
		if (caps->drop_bounding)
			d[i].effective = d[i].permitted;
	}
	return raw_capset(&hdr, d);
}

/* Drops every capability the bounding set has and should not keep; the
 * kernel's last capability is the first it says EINVAL for. */
CHILD_FN static long child_capbset(const struct sys_caps *caps, int *detail)
{
	for (int cap = 0; cap < 64; cap++) {
		long r = raw_prctl(PR_CAPBSET_READ, cap);

		if (r == -EINVAL)
			break;
		if (r == 1 && !((caps->bounding >> cap) & 1))
			r = raw_prctl(PR_CAPBSET_DROP, cap);
		if (r < 0)
			return *detail = cap, r;
	}
	return 0;
}

CHILD_FN static long child_ambient(const struct sys_caps *caps, int *detail)
{
	for (int cap = 0; cap < 64; cap++) {
		if (!((caps->ambient >> cap) & 1))
			continue;
		long r = raw_prctl3(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap);
		if (r < 0)
			return *detail = cap, r;
	}
	return 0;
}

/* seccomp(2) came in Linux 3.17; prctl installs the same filter before. */
CHILD_FN static long child_seccomp(const void *prog)
{
	long r = raw_seccomp(CHILD_SECCOMP_SET_MODE_FILTER, 0, prog);

	if (r == -ENOSYS)
		r = raw_prctl3(PR_SET_SECCOMP, CHILD_SECCOMP_MODE_FILTER, prog);
	return r;
}

CHILD_FN long child_isolation_step(struct sys_child *c, const struct sys_step *s, int status_fd,
                                   int *detail)
{
	switch (s->op) {
	case SYS_OP_UNSHARE:
		return child_unshare(c, *(const uint64_t *)s->ptr);
	case SYS_OP_IDMAP_WAIT:
		return child_idmap_wait(c, status_fd);
	case SYS_OP_MOUNT_PRIVATE:
		return raw_mount(NULL, s->ptr, NULL, MS_REC | MS_PRIVATE, NULL);
	case SYS_OP_MOUNT_PROC:
		return raw_mount("proc", s->ptr, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	case SYS_OP_HOSTNAME:
		return raw_sethostname(s->ptr, s->arg);
	case SYS_OP_KEEPCAPS:
		return raw_prctl(PR_SET_KEEPCAPS, 1);
	case SYS_OP_CAPSET:
		return child_capset(s->ptr);
	case SYS_OP_CAPBSET:
		return child_capbset(s->ptr, detail);
	case SYS_OP_AMBIENT:
		return child_ambient(s->ptr, detail);
	case SYS_OP_PTRACE:
		return raw_ptrace(PTRACE_TRACEME, 0, 0, 0);
	case SYS_OP_NO_NEW_PRIVS:
		return raw_prctl3(PR_SET_NO_NEW_PRIVS, 1, 0);
	case SYS_OP_SECCOMP:
		return child_seccomp(s->ptr);
	default:
		return -EINVAL;
	}
}

/* The first frame of a CLONE_VM child, on the stack the parent lent it
 * (launch_linux.c). */
CHILD_FN void sys_child_entry(void *arg)
{
	struct sys_child *c = arg;

	c->entered = true;
	sys_child_run(c);
}
