/* SPDX-License-Identifier: MIT */
/*
 * Raw system calls on Linux, for the child between launch and execve, and
 * for the few parent-side calls that must not go through libc.
 *
 * Why not libc: on the fast path the child shares the parent's memory and
 * thread pointer, so a libc wrapper that sets errno writes the parent
 * thread's errno, one that takes a lock can deadlock on a lock another
 * parent thread held at clone time, and glibc's setuid family signals every
 * thread of the process (the child is not one of them). Each function here
 * returns the result or -errno and touches no memory but its arguments.
 *
 * The calls go straight to the kernel: inline assembly, or on 32-bit ARM a
 * small assembly function (arch/ARCH/syscall_arch.h). The portable build's
 * child, which runs after fork in its own memory, has the same names in
 * raw_posix.h, over the libc calls POSIX lists as async-signal-safe.
 */
#ifndef SUBPROC_SYS_RAW_LINUX_H
#define SUBPROC_SYS_RAW_LINUX_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/syscall.h>

/* raw_syscall6 and what differs in the kernel's ABI, per architecture:
 * arch/ARCH/syscall_arch.h, put on the include path by src/CMakeLists.txt. */
#include "syscall_arch.h"

#define RAW0(n) raw_syscall6((n), 0, 0, 0, 0, 0, 0)
#define RAW1(n, a) raw_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define RAW2(n, a, b) raw_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(n, a, b, c) raw_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(n, a, b, c, d) raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW5(n, a, b, c, d, e)                                                                     \
	raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* The kernel's sigset is 64 bits on every Linux architecture we build for;
 * glibc's sigset_t is larger, and its first word holds signals 1..64. */
#define RAW_SIGSET_SIZE 8

/* The kernel's struct sigaction for rt_sigaction (not libc's): the mask is
 * two words on 32-bit targets, at offset 12 on ARM, and riscv64 has no
 * sa_restorer. */
struct raw_sigaction {
	void *handler;
	unsigned long flags;
#if RAW_SIGACTION_RESTORER
	void *restorer;
#endif
	unsigned long mask[RAW_SIGSET_SIZE / sizeof(unsigned long)];
};

/* 32-bit ARM (like i386) kept the 16-bit id calls under the old names; the
 * ones for 32-bit ids carry a 32. */
#ifdef __NR_getuid32
#define RAW_ID_NR(name) __NR_##name##32
#else
#define RAW_ID_NR(name) __NR_##name
#endif

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

#ifdef __NR_open
#define raw_open(path, flags, mode) RAW3(__NR_open, (path), (flags), (mode))
#else
#define raw_open(path, flags, mode) RAW4(__NR_openat, AT_FDCWD, (path), (flags), (mode))
#endif
#define raw_openat(dir, path, flags, mode) RAW4(__NR_openat, (dir), (path), (flags), (mode))
#define raw_close(fd) RAW1(__NR_close, (fd))
#define raw_write(fd, buf, n) RAW3(__NR_write, (fd), (buf), (n))
#define raw_read(fd, buf, n) RAW3(__NR_read, (fd), (buf), (n))
#define raw_dup3(from, to, flags) RAW3(__NR_dup3, (from), (to), (flags))
/* Never from == to, which dup3 refuses and every caller tests first. */
#define raw_dup2(from, to) raw_dup3((from), (to), 0)
#define raw_fcntl(fd, cmd, arg) RAW3(__NR_fcntl, (fd), (cmd), (arg))
#define raw_close_range(lo, hi, flags) RAW3(__NR_close_range, (lo), (hi), (flags))
#define raw_unshare(flags) RAW1(__NR_unshare, (flags))
#define raw_getdents64(fd, buf, n) RAW3(__NR_getdents64, (fd), (buf), (n))
#define raw_chdir(path) RAW1(__NR_chdir, (path))
#define raw_fchdir(fd) RAW1(__NR_fchdir, (fd))
#define raw_getuid() RAW0(RAW_ID_NR(getuid))
#define raw_getgid() RAW0(RAW_ID_NR(getgid))
#define raw_setresuid(r, e, s) RAW3(RAW_ID_NR(setresuid), (r), (e), (s))
#define raw_setresgid(r, e, s) RAW3(RAW_ID_NR(setresgid), (r), (e), (s))
#define raw_sched_setparam(pid, param) RAW2(__NR_sched_setparam, (pid), (param))
#define raw_sched_setscheduler(pid, policy, param)                                                 \
	RAW3(__NR_sched_setscheduler, (pid), (policy), (param))
#define raw_chroot(path) RAW1(__NR_chroot, (path))
#define raw_setsid() RAW0(__NR_setsid)
#define raw_setpgid(pid, pgid) RAW2(__NR_setpgid, (pid), (pgid))
#define raw_getpgid(pid) RAW1(__NR_getpgid, (pid))
#define raw_getpid() RAW0(__NR_getpid)
#define raw_getppid() RAW0(__NR_getppid)
#define raw_kill(pid, sig) RAW2(__NR_kill, (pid), (sig))
#define raw_ioctl(fd, req, arg) RAW3(__NR_ioctl, (fd), (req), (arg))
#define raw_tcsetpgrp(fd, pgrpp) raw_ioctl((fd), TIOCSPGRP, (pgrpp))
#define raw_setgroups(n, list) RAW2(RAW_ID_NR(setgroups), (n), (list))
#define raw_setgid(gid) RAW1(RAW_ID_NR(setgid), (gid))
#define raw_setuid(uid) RAW1(RAW_ID_NR(setuid), (uid))
#define raw_umask(mask) RAW1(__NR_umask, (mask))
#define raw_prlimit(pid, res, newl, oldl) RAW4(__NR_prlimit64, (pid), (res), (newl), (oldl))
#define raw_prctl(op, a) RAW5(__NR_prctl, (op), (a), 0, 0, 0)
#define raw_prctl3(op, a, b) RAW5(__NR_prctl, (op), (a), (b), 0, 0)
#define raw_mount(src, target, type, flags, data)                                                  \
	RAW5(__NR_mount, (src), (target), (type), (flags), (data))
#define raw_sethostname(name, len) RAW2(__NR_sethostname, (name), (len))
#define raw_capget(hdr, data) RAW2(__NR_capget, (hdr), (data))
#define raw_capset(hdr, data) RAW2(__NR_capset, (hdr), (data))
#define raw_ptrace(req, pid, addr, data) RAW4(__NR_ptrace, (req), (pid), (addr), (data))
#define raw_seccomp(op, flags, args) RAW3(__NR_seccomp, (op), (flags), (args))
/* A fork: clone without CLONE_VM or a new stack, so the child goes on from
 * here in a copy of the caller's memory. The arguments after the stack
 * differ in order between architectures; none is used. */
#define raw_clone_fork(flags) RAW5(__NR_clone, (flags), 0, 0, 0, 0)
#define raw_clone3(args, size) RAW2(__NR_clone3, (args), (size))

/* struct clone_args up to CLONE_ARGS_SIZE_VER2 (Linux 5.7), spelled out so
 * the build does not depend on the kernel headers' age. */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};
#define raw_sigaction(sig, act, old) RAW4(__NR_rt_sigaction, (sig), (act), (old), RAW_SIGSET_SIZE)
#define raw_sigprocmask(how, set, old)                                                             \
	RAW4(__NR_rt_sigprocmask, (how), (set), (old), RAW_SIGSET_SIZE)
#define raw_execve(path, argv, envp) RAW3(__NR_execve, (path), (argv), (envp))
#define raw_exit(code) RAW1(__NR_exit_group, (code))
#define raw_pidfd_open(pid, flags) RAW2(__NR_pidfd_open, (pid), (flags))

#endif
