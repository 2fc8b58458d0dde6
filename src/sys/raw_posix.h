/* SPDX-License-Identifier: MIT */
/*
 * The portable build's system calls for the child between fork and execve:
 * the names of raw_linux.h, over libc calls, each returning the result or
 * -errno. The child runs in its own memory there (the fork path is the only
 * launch), so errno is its own to write; every call used is one POSIX.1-2008
 * lists as async-signal-safe, which is what a child forked from a threaded
 * parent may call, except sched_setparam and sched_setscheduler, which
 * POSIX leaves off that list but every system makes a plain system call.
 */
#ifndef SUBPROC_SYS_RAW_POSIX_H
#define SUBPROC_SYS_RAW_POSIX_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static inline long raw_result(long r)
{
	return r < 0 ? -errno : r;
}

#define raw_open(path, flags, mode) raw_result(open((path), (flags), (mode_t)(mode)))
#define raw_openat(dir, path, flags, mode)                                                         \
	raw_result(openat((int)(dir), (path), (flags), (mode_t)(mode)))
#define raw_close(fd) raw_result(close((int)(fd)))
#define raw_write(fd, buf, n) raw_result((long)write((int)(fd), (buf), (n)))
#define raw_dup2(from, to) raw_result(dup2((int)(from), (int)(to)))
#define raw_fcntl(fd, cmd, arg) raw_result(fcntl((int)(fd), (cmd), (arg)))
#define raw_chdir(path) raw_result(chdir(path))
#define raw_fchdir(fd) raw_result(fchdir((int)(fd)))
#define raw_setsid() raw_result(setsid())
#define raw_setpgid(pid, pgid) raw_result(setpgid((pid), (pid_t)(pgid)))
/* Only ever asked for the caller's own group, getpgid(0). */
#define raw_getpgid(pid) raw_result(getpgrp())
#define raw_getpid() ((long)getpid())
#define raw_getppid() ((long)getppid())
#define raw_kill(pid, sig) raw_result(kill((pid_t)(pid), (int)(sig)))
#define raw_setgid(gid) raw_result(setgid((gid_t)(gid)))
#define raw_setuid(uid) raw_result(setuid((uid_t)(uid)))
#define raw_umask(mask) ((long)umask((mode_t)(mask)))
#define raw_tcsetpgrp(fd, pgrpp) raw_result(tcsetpgrp((fd), *(pgrpp)))
#define raw_sched_setparam(pid, param) raw_result(sched_setparam((pid), (param)))
#define raw_sched_setscheduler(pid, policy, param)                                                 \
	raw_result(sched_setscheduler((pid), (int)(policy), (param)))
#define raw_execve(path, argv, envp) raw_result(execve((path), (argv), (envp)))
#define raw_exit(code) _exit(code)

#endif
