/* SPDX-License-Identifier: MIT */
/*
 * The child's steps that differ by system: child_linux.c (close_range,
 * prctl, the kernel's rt_sigaction) and child_posix.c (the portable build).
 * child.c runs the plan over them. Everything here is under child.c's
 * contract: async-signal-safe, allocation-free and lock-free, results as
 * the value the call returned or -errno, never a stale errno.
 */
#ifndef SUBPROC_SYS_CHILD_H
#define SUBPROC_SYS_CHILD_H

#include "sys.h"

/* Kept out of line and uninstrumented: see child.c. */
#define CHILD_FN __attribute__((noinline, no_sanitize("address", "undefined", "thread")))

#define child_chroot subproc__child_chroot
#define child_closefrom_at_exec subproc__child_closefrom_at_exec
#define child_closefrom_now subproc__child_closefrom_now
#define child_getrlimit subproc__child_getrlimit
#define child_noctty subproc__child_noctty
#define child_pdeathsig subproc__child_pdeathsig
#define child_resetids subproc__child_resetids
#define child_setctty subproc__child_setctty
#define child_setgroups subproc__child_setgroups
#define child_setmask subproc__child_setmask
#define child_setrlimit subproc__child_setrlimit
#define child_signal_handled subproc__child_signal_handled
#define child_signal_set subproc__child_signal_set
#define child_unshare_files subproc__child_unshare_files
#define child_isolation_step subproc__child_isolation_step

/* Closes every fd from lo up but keep (-1: none), now: posix_spawn's
 * addclosefrom_np, after which a file action naming one fails as after
 * close(2). */
long child_closefrom_now(int lo, int keep);
/* The same for the closefds step, where the fds need only be gone once
 * execve succeeds (they may be marked close-on-exec instead). */
long child_closefrom_at_exec(int lo, int keep);
/* A CLONE_FILES child's private copy of the fd table (Linux only): sets
 * *closed_from to the lowest fd it closed on the way, or -1. */
long child_unshare_files(const struct sys_plan *p, int *closed_from);

/* A resource limit as {soft, hard}, in the kernel's 64-bit form. */
long child_getrlimit(int resource, uint64_t lim[2]);
long child_setrlimit(int resource, const uint64_t lim[2]);

long child_pdeathsig(int sig, pid_t ppid);
long child_noctty(void);
long child_setctty(int fd);
long child_setgroups(long n, const gid_t *groups);
long child_chroot(const char *path);
/* POSIX_SPAWN_RESETIDS: the effective ids become the real ones. */
long child_resetids(void);

/* 1 when a handler is installed for sig, 0 for SIG_DFL or SIG_IGN, < 0
 * for a signal the system does not have. */
long child_signal_handled(int sig);
/* Sets sig to SIG_DFL, or to SIG_IGN when ignore. */
long child_signal_set(int sig, bool ignore);
/* Installs the child's signal mask (signal n is bit n-1). */
long child_setmask(uint64_t mask);

/* The isolation steps (SYS_OP_UNSHARE and after): namespaces, the wait for
 * the id maps, mounts, host name, capabilities, ptrace, no_new_privs and
 * seccomp. *detail gets the capability a capability step failed on.
 * status_fd is the fork path's status pipe, which SYS_OP_IDMAP_WAIT tells
 * the parent through. The portable build has none of them: -ENOSYS. */
long child_isolation_step(struct sys_child *c, const struct sys_step *s, int status_fd,
                          int *detail);

#endif
