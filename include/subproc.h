/* SPDX-License-Identifier: MIT */
/*
 * subproc: start, wait for, signal and exec child processes.
 *
 * One header, three layers visible to callers:
 *
 *   - names and status helpers: errno and signal names, wait-status decoding;
 *   - close-on-exec helpers and the fork lock, for callers that create fds;
 *   - processes: describe a child with a subproc_attr, start it with
 *     subproc_start, then wait for it, signal it and release it.
 *
 * Conventions, everywhere below:
 *
 *   - Functions return 0 (or a non-negative value where documented) on
 *     success and a negative errno value on failure, such as -ENOENT (the
 *     header includes <errno.h>, so the E* names are there to compare with).
 *     Results never depend on the global errno; its value after a call is
 *     unspecified.
 *   - Every fd the library creates is close-on-exec from birth.
 *   - A failed call has already released whatever it created: no fd, no
 *     memory and no child (running or zombie) is left behind.
 *   - A failed call takes ownership of nothing: what the caller passed (a
 *     command given to subproc_pipeline_add, a string, an fd) is still
 *     the caller's afterwards. fds passed in are never closed by the
 *     library, whatever the result: an fd it closes is one it created.
 *     A setter that fails leaves its object as it was.
 *   - Out-parameters after a failure: a handle out-parameter (`*out` of
 *     subproc_start and of the _new functions) is set to NULL whenever
 *     `out` itself is not NULL; subproc_output buffers are left empty or
 *     holding what was read (see subproc_cmd_communicate); every other
 *     out-parameter is as its function says, most often left untouched.
 *   - `subproc_error *err` (NULL for none) is filled on every return of a
 *     function that takes one, so it never holds what an earlier call
 *     left: after a success, code 0, step SUBPROC_STEP_NONE, fd -1 and
 *     path ""; after a failure, code is the value returned and step, fd
 *     and path say where a start failed, or are SUBPROC_STEP_NONE, -1 and
 *     "" for a failure that is no start step (-EBUSY, a timeout or other
 *     error of the wait, -ENOMEM while reading). See subproc_error.
 *   - The header uses POSIX types (sigset_t, uid_t): under a strict
 *     -std=c17, define _POSIX_C_SOURCE 200809L (or _GNU_SOURCE) before
 *     including any system header, as for any POSIX interface.
 *   - Option structs work zero-initialised: all-zero means "the default" for
 *     every field. Always initialise them with `= {0}` or memset.
 */
#ifndef SUBPROC_H
#define SUBPROC_H

/* What the documented use needs: the -E values results are compared with
 * (errno.h), the O_ flags of subproc_pipe and subproc_open (fcntl.h), the
 * scheduling policies and struct sched_param of the posix_spawn
 * attributes (sched.h), signals, limits, sockets, struct timespec and the
 * POSIX types. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SUBPROC_BUILDING) && defined(__GNUC__)
#define SUBPROC_API __attribute__((visibility("default")))
#else
#define SUBPROC_API
#endif

/** The library's version, as "MAJOR.MINOR.PATCH". */
#define SUBPROC_VERSION "0.2.0"

/** Returns the version of the library actually linked, as SUBPROC_VERSION. */
SUBPROC_API const char *subproc_version(void);

/* ------------------------------------------------------------------------ */
/* Names: errno and signal tables generated from the system headers.        */
/* ------------------------------------------------------------------------ */

/**
 * Returns the symbolic name of an errno value, such as "ENOENT". The sign of
 * `err` is ignored, so -ENOENT works too. Returns NULL for a number that no
 * E* macro of the system headers names. The string is static.
 */
SUBPROC_API const char *subproc_errno_name(int err);

/**
 * Returns "NAME: description" for an errno value, such as
 * "ENOENT: no such file or directory". The sign of `err` is ignored. For an
 * unknown number it returns "unknown error". The string is static and the
 * call is thread-safe (unlike strerror).
 */
SUBPROC_API const char *subproc_strerror(int err);

/**
 * Returns the name of a signal, such as "SIGKILL", or "SIGRTMIN+3" for a
 * real-time signal. Returns NULL for a number that is not a signal. Static.
 */
SUBPROC_API const char *subproc_signal_name(int sig);

/**
 * Parses a signal given as "SIGTERM", "TERM", "term", "SIGRTMIN+2" or a
 * decimal number ("15"). Returns the signal number, or -EINVAL.
 */
SUBPROC_API int subproc_signal_parse(const char *text);

/* ------------------------------------------------------------------------ */
/* Wait status decoding. `status` is a wait(2)-style status, as found in    */
/* subproc_status.status or returned by waitpid.                             */
/* ------------------------------------------------------------------------ */

/** True when the process exited normally (called exit or returned). */
SUBPROC_API bool subproc_status_exited(int status);
/** The exit code (0-255) when subproc_status_exited(), otherwise -1. */
SUBPROC_API int subproc_status_exit_code(int status);
/** True when a signal ended the process. */
SUBPROC_API bool subproc_status_signaled(int status);
/** The signal that ended the process when subproc_status_signaled(), else 0. */
SUBPROC_API int subproc_status_signal(int status);
/** True when the process was killed by a signal and dumped core. */
SUBPROC_API bool subproc_status_core_dumped(int status);
/** True when the status reports a stop (see SUBPROC_WAIT_STOPPED). */
SUBPROC_API bool subproc_status_stopped(int status);
/** The signal that stopped the process when subproc_status_stopped(), else 0. */
SUBPROC_API int subproc_status_stop_signal(int status);
/** True when the status reports a continue (see SUBPROC_WAIT_CONTINUED). */
SUBPROC_API bool subproc_status_continued(int status);

/**
 * Describes a status in words, such as "exited with code 3" or "killed by
 * SIGSEGV (core dumped)", into `buf` (always NUL-terminated when size > 0).
 * Returns the length the full text needs, like snprintf.
 */
SUBPROC_API int subproc_status_format(int status, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Close-on-exec helpers and the fork lock.                                  */
/*                                                                          */
/* By default a child receives only the fds its subproc_attr names, so fds  */
/* created elsewhere in the process cannot leak into it whatever their      */
/* flags. A start with SUBPROC_INHERIT_FDS instead passes every fd that is  */
/* not close-on-exec; these helpers create fds that are close-on-exec from  */
/* birth (atomically on Linux, under the fork lock elsewhere), so that such */
/* a start never catches one half made.                                     */
/* ------------------------------------------------------------------------ */

/**
 * Creates a pipe whose two ends are close-on-exec. `flags` may be 0 or
 * O_NONBLOCK (applied to both ends). On success fds[0] is the read end and
 * fds[1] the write end, both owned by the caller. Returns 0 or -errno
 * (-EMFILE, -ENFILE, -EINVAL for other flags); on failure fds is untouched.
 */
SUBPROC_API int subproc_pipe(int fds[2], int flags);

/**
 * Duplicates `fd` to the lowest free fd, close-on-exec. Returns the new fd
 * (owned by the caller) or -errno (-EBADF, -EMFILE).
 */
SUBPROC_API int subproc_dup(int fd);

/**
 * open(2) with O_CLOEXEC added. `mode` is used with O_CREAT or O_TMPFILE.
 * Returns the new fd (owned by the caller) or -errno.
 */
SUBPROC_API int subproc_open(const char *path, int flags, mode_t mode);

/**
 * socket(2) with the close-on-exec flag. `type` may carry SOCK_NONBLOCK.
 * Returns the new fd (owned by the caller) or -errno.
 */
SUBPROC_API int subproc_socket(int domain, int type, int protocol);

/**
 * accept(2) giving a close-on-exec fd. `flags` may be 0 or SOCK_NONBLOCK.
 * Returns the new fd (owned by the caller) or -errno.
 */
SUBPROC_API int subproc_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/**
 * The fork lock, for callers that create fds and set close-on-exec in two
 * steps (a library that calls plain pipe(), for instance). Hold it for
 * reading around "create the fd, then set FD_CLOEXEC"; starts with
 * SUBPROC_INHERIT_FDS hold it for writing around the launch, so no such
 * half-made fd is inherited. Readers do not block each other, but a start
 * waiting for the lock goes first: new readers wait behind it, so a steady
 * stream of readers cannot keep it out (Go's ForkLock rule). Hence it is
 * not recursive: taking it for reading again while holding it may
 * deadlock. Not needed for the default start, which closes every fd it was
 * not given. In the portable build (SUBPROC_POSIX), whose own pipes and
 * sockets are made in two steps, every start holds it for writing: a
 * thread must not start a child while it holds it for reading.
 */
SUBPROC_API void subproc_forklock_rdlock(void);
/** Releases a read hold taken with subproc_forklock_rdlock(). */
SUBPROC_API void subproc_forklock_rdunlock(void);

/* ------------------------------------------------------------------------ */
/* Errors that name the step.                                                */
/* ------------------------------------------------------------------------ */

/**
 * Where a start failed. subproc_step_name() gives the word in parentheses.
 *
 * Input is checked before anything is launched: a contradictory or
 * out-of-range attribute is SUBPROC_STEP_ATTR with -EINVAL (fd or path says
 * which value, where there is one), and an fd the attributes name that is not
 * open is -EBADF at the step that would have used it (dup2, tcsetpgrp,
 * cgroup). Every other step failed in the child, or while creating it.
 */
enum subproc_step {
	SUBPROC_STEP_NONE = 0, /* ("") no failure, or none in a start step */
	SUBPROC_STEP_ARGV,     /* ("argv") argv NULL or empty (too long: E2BIG at "execve") */
	SUBPROC_STEP_ENV,      /* ("env") an environment entry without '=' */
	SUBPROC_STEP_ATTR,     /* ("attr") contradictory or out-of-range attribute */
	SUBPROC_STEP_LOOKPATH, /* ("lookpath") PATH search found nothing usable */
	SUBPROC_STEP_ALLOC,    /* ("alloc") memory for the start was not there */
	SUBPROC_STEP_PIPE,     /* ("pipe") the fork path's status pipe */
	SUBPROC_STEP_LAUNCH,  /* ("launch") creating the child; path: "clone3", "clone" or "fork" */
	SUBPROC_STEP_CGROUP,  /* ("cgroup") joining the cgroup */
	SUBPROC_STEP_SETSID,  /* ("setsid") */
	SUBPROC_STEP_SETPGID, /* ("setpgid") */
	SUBPROC_STEP_TCSETPGRP, /* ("tcsetpgrp") putting the group in the foreground */
	SUBPROC_STEP_CHROOT,    /* ("chroot") path: the new root */
	SUBPROC_STEP_SETGROUPS, /* ("setgroups") */
	SUBPROC_STEP_SETGID,    /* ("setgid") */
	SUBPROC_STEP_SETUID,    /* ("setuid") */
	SUBPROC_STEP_CHDIR,     /* ("chdir") path: the directory */
	SUBPROC_STEP_PDEATHSIG, /* ("pdeathsig") */
	SUBPROC_STEP_DUP2,      /* ("dup2") fd: the source fd of the fd map */
	SUBPROC_STEP_NOCTTY,    /* ("noctty") detaching the controlling terminal */
	SUBPROC_STEP_SETCTTY,   /* ("setctty") fd: the terminal, in the child */
	SUBPROC_STEP_CLOSEFDS,  /* ("closefds") closing the fds not passed on */
	SUBPROC_STEP_UMASK,     /* ("umask") */
	SUBPROC_STEP_RLIMIT,    /* ("setrlimit") fd: the resource number */
	SUBPROC_STEP_SIGNALS,   /* ("signals") resetting handlers or the mask */
	SUBPROC_STEP_EXECVE,    /* ("execve") path: the program */
	SUBPROC_STEP_OPEN,      /* ("open") path: a command's stdio file, in the parent */
	/* Isolation (subproc_isolation; Linux). */
	SUBPROC_STEP_UNSHARE,  /* ("unshare") making the namespaces; path: the launch
	                        * ("clone3", "clone", "fork") when the launch refused
	                        * them, "" when unshare(2) in the child did */
	SUBPROC_STEP_UID_MAP,  /* ("uid_map") path: the file, /proc/PID/uid_map */
	SUBPROC_STEP_GID_MAP,  /* ("gid_map") path: /proc/PID/gid_map, or
	                        * /proc/PID/setgroups, written before it */
	SUBPROC_STEP_MOUNT,    /* ("mount") path: "/" (made private) or "/proc" */
	SUBPROC_STEP_HOSTNAME, /* ("sethostname") path: the name */
	SUBPROC_STEP_KEEPCAPS, /* ("keepcaps") PR_SET_KEEPCAPS before the uid change */
	SUBPROC_STEP_CAPSET,   /* ("capset") the inheritable (and effective) sets */
	SUBPROC_STEP_CAPBSET,  /* ("capbset") dropping from the bounding set; fd: the capability */
	SUBPROC_STEP_AMBIENT,  /* ("ambient") raising an ambient capability; fd: the capability */
	SUBPROC_STEP_PTRACE,   /* ("ptrace") PTRACE_TRACEME */
	SUBPROC_STEP_NO_NEW_PRIVS, /* ("no_new_privs") */
	SUBPROC_STEP_SECCOMP,      /* ("seccomp") installing the filter */
	/* A command's own cgroup (subproc_cmd_cgroup), made in the parent. */
	SUBPROC_STEP_CGROUP_CREATE, /* ("cgroup_create") path: the new directory, or
	                             * /proc/self/mountinfo when there is no cgroup2 */
	SUBPROC_STEP_CGROUP_WRITE,  /* ("cgroup_write") path: the interface file */
	SUBPROC_STEP_COUNT_         /* not a step; the number of steps */
};

/** Returns the name of a step, such as "chdir"; "" for SUBPROC_STEP_NONE. */
SUBPROC_API const char *subproc_step_name(int step);

/** The longest path a subproc_error keeps, terminating NUL included. */
#define SUBPROC_ERROR_PATH_MAX 4096

/**
 * What went wrong in a start. Like Go's PathError: the operation, the path
 * or fd it was working on, and the errno.
 *
 * Every function with a `subproc_error *err` parameter (subproc_start,
 * subproc_exec, subproc_cmd_start, run, communicate and output,
 * subproc_pipeline_start and communicate) fills it, when not NULL, on
 * every return, whatever it held before:
 *
 *   - success: code 0, step SUBPROC_STEP_NONE, fd -1, path "";
 *   - a start step failed (bad input included, see enum subproc_step):
 *     code is the value returned, step names the step, fd and path what
 *     it concerned (-1 and "" when nothing);
 *   - any other failure (-EBUSY, -EINVAL for a call made in the wrong
 *     state, -ECHILD, -ETIMEDOUT, -ENOBUFS, -ENOMEM or an I/O error after
 *     the start): code is the value returned, step SUBPROC_STEP_NONE, fd
 *     -1, path "". A start that worked before such a failure leaves no
 *     trace in it.
 *
 * So `err.code != 0` tells a failed call, and `err.step !=
 * SUBPROC_STEP_NONE` one that failed while starting.
 */
typedef struct subproc_error {
	int code;                          /* the negative errno the call returned, 0 if none */
	int step;                          /* an enum subproc_step */
	int fd;                            /* the fd or number the step concerned, -1 if none */
	char path[SUBPROC_ERROR_PATH_MAX]; /* the path it concerned, "" if none */
} subproc_error;

/**
 * Formats an error as "STEP PATH: ENAME: description", for example
 * "chdir /nope: ENOENT: no such file or directory" or "dup2 fd 9: EBADF: bad
 * file descriptor", or as "ENAME: description" when it names no step, path
 * or fd (a failure that is no start step), into `buf` (NUL-terminated when
 * size > 0). Returns the length the full text needs, like snprintf.
 */
SUBPROC_API int subproc_error_format(const subproc_error *err, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Processes.                                                                */
/* ------------------------------------------------------------------------ */

/** How to create the child. The default chooses the fastest that works. */
enum subproc_launch {
	/* clone3, falling back to clone when clone3 is refused (ENOSYS, or
	 * EPERM from a seccomp filter); fork on systems other than Linux, and
	 * where a child turns out not to share the caller's memory (under a
	 * user-mode emulator such as qemu-user; see subproc(3), LAUNCH PATHS).
	 * The environment variable SUBPROC_LAUNCH=clone3|clone|fork, read once
	 * per process, replaces this default. */
	SUBPROC_LAUNCH_DEFAULT = 0,
	/* clone3(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|CLONE_CLEAR_SIGHAND) on a
	 * stack the library provides. Fails with the kernel's error where
	 * refused. Linux 5.3 and later (before 5.5, without
	 * CLONE_CLEAR_SIGHAND, the child resets handlers one by one). */
	SUBPROC_LAUNCH_CLONE3,
	/* clone(CLONE_VM|CLONE_VFORK), the child resetting signal handlers one
	 * by one. Linux only. */
	SUBPROC_LAUNCH_CLONE,
	/* fork, with a close-on-exec status pipe to report the child's errors.
	 * Costs time in proportion to the parent's memory. Everywhere. */
	SUBPROC_LAUNCH_FORK,
};

/** Flags for subproc_attr.flags. Each one turns on the fields it names. */
enum subproc_attr_flags {
	/* Search PATH for `path` when it has no '/', like execvp, in the parent,
	 * using the PATH of attr.env when given (else the caller's). The search
	 * looks where the child will exec: an absolute entry inside
	 * attr.chroot when there is one, a relative entry from attr.dir when
	 * there is one, and the child execs the name it found there, so what
	 * was checked is what runs. A match found only through an empty, "."
	 * or other relative PATH entry is refused with -EPERM (step
	 * "lookpath") unless SUBPROC_PATH_ALLOW_DOT. */
	SUBPROC_PATH_SEARCH = 1u << 0,
	/* With SUBPROC_PATH_SEARCH, accept a match through a relative entry. */
	SUBPROC_PATH_ALLOW_DOT = 1u << 1,
	/* Pass every fd that is not close-on-exec, instead of closing all fds
	 * beyond the fd map (HAZARD: any fd another thread or library opened
	 * without O_CLOEXEC leaks into the child). Takes the fork lock. */
	SUBPROC_INHERIT_FDS = 1u << 2,
	/* Start a new session (setsid). */
	SUBPROC_SETSID = 1u << 3,
	/* Put the child in process group attr.pgid; pgid 0 makes a new group
	 * whose id is the child's pid. */
	SUBPROC_SETPGID = 1u << 4,
	/* Make attr.ctty, an fd number in the child (so a target of the fd
	 * map), the controlling terminal. Needs SUBPROC_SETSID to succeed. */
	SUBPROC_SETCTTY = 1u << 5,
	/* Put the child's process group in the foreground of the terminal
	 * attr.ctty, an fd of the parent. Implies SUBPROC_SETPGID. Cannot be
	 * combined with SUBPROC_SETCTTY. */
	SUBPROC_FOREGROUND = 1u << 6,
	/* Detach the child from the controlling terminal (TIOCNOTTY on fd 0). */
	SUBPROC_NOCTTY = 1u << 7,
	/* Set the user id to attr.uid (raw setuid: all of real, effective and
	 * saved when privileged). Unless SUBPROC_SETGROUPS or
	 * SUBPROC_KEEP_GROUPS is given too, the supplementary groups are
	 * cleared. A start that changes the user or group id never shares the
	 * caller's memory: it is made on the fork path whatever attr.launch
	 * says, because the kernel makes the memory of a process that changes
	 * its credentials non-dumpable, which for a CLONE_VM child would be
	 * the caller's, for good (no core dumps, no ptrace, /proc files owned
	 * by root). It costs what fork costs (proportional to the caller's
	 * memory). */
	SUBPROC_SETUID = 1u << 8,
	/* Set the group id to attr.gid (real, effective and saved). Clears
	 * the supplementary groups as SUBPROC_SETUID does. */
	SUBPROC_SETGID = 1u << 9,
	/* Set the supplementary groups to attr.groups[0..ngroups); ngroups 0
	 * clears them. */
	SUBPROC_SETGROUPS = 1u << 10,
	/* Set the file mode creation mask to attr.umask. */
	SUBPROC_UMASK = 1u << 11,
	/* Start the child inside the cgroup v2 directory open as
	 * attr.cgroup_fd (CLONE_INTO_CGROUP with clone3; on the other paths the
	 * child writes itself into cgroup.procs before anything else). */
	SUBPROC_CGROUP = 1u << 12,
	/* Install attr.sigmask as the child's signal mask instead of the
	 * calling thread's mask. */
	SUBPROC_SIGMASK = 1u << 13,
	/* Reset the signals in attr.sigdefault to SIG_DFL, including ones the
	 * parent ignores (signals the parent handles are always reset). */
	SUBPROC_SIGDEFAULT = 1u << 14,
	/* With SUBPROC_SETUID or SUBPROC_SETGID and without SUBPROC_SETGROUPS,
	 * keep the caller's supplementary groups instead of clearing them
	 * (Go's NoSetGroups). Needed by an unprivileged caller that "changes"
	 * to its own ids, since setgroups needs CAP_SETGID; otherwise a
	 * hazard: a child of root would keep groups such as shadow or disk. */
	SUBPROC_KEEP_GROUPS = 1u << 15,
	/* Be traced by the thread that starts the child (PTRACE_TRACEME, Go's
	 * Ptrace): the program stops with SIGTRAP right after execve, seen
	 * by subproc_wait with SUBPROC_WAIT_STOPPED, and waits for that
	 * thread's ptrace(2) calls (only that thread is the tracer). Linux;
	 * -ENOSYS (step "attr") in the portable build. */
	SUBPROC_PTRACE = 1u << 16,
};

/**
 * Namespaces for subproc_isolation.namespaces (Linux's CLONE_NEW* kinds). The
 * child is created in them (clone flags, so that with SUBPROC_NS_PID it is
 * pid 1 of the new one); where the launch cannot take a flag (clone(2) has
 * no room for CLONE_NEWTIME, and qemu-user passes none), the child
 * unshare(2)s it before its other steps. A pid namespace cannot be had that
 * way: a start that needs one and cannot create the child in it fails with
 * -EINVAL at step "unshare".
 */
enum subproc_ns {
	SUBPROC_NS_USER = 1u << 0,   /* user: uids, gids, capabilities */
	SUBPROC_NS_PID = 1u << 1,    /* pid: the child is pid 1 (see subproc_isolation) */
	SUBPROC_NS_MOUNT = 1u << 2,  /* mount table, made private (see subproc_isolation) */
	SUBPROC_NS_NET = 1u << 3,    /* network: only a loopback device, down */
	SUBPROC_NS_UTS = 1u << 4,    /* host and domain name */
	SUBPROC_NS_IPC = 1u << 5,    /* System V IPC, POSIX message queues */
	SUBPROC_NS_CGROUP = 1u << 6, /* cgroup root: the child's cgroup */
	SUBPROC_NS_TIME = 1u << 7,   /* CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets (Linux 5.6) */
};

/** One line of a user namespace's uid_map or gid_map (user_namespaces(7)). */
typedef struct subproc_idmap {
	unsigned inside;  /* the first id inside the new namespace */
	unsigned outside; /* the id it stands for in the caller's namespace */
	unsigned count;   /* how many consecutive ids the line maps (at least 1) */
} subproc_idmap;

/** subproc_isolation.setgroups: what /proc/PID/setgroups is set to. */
enum subproc_setgroups_rule {
	/* "deny" when a gid map is written (an unprivileged caller cannot
	 * write one otherwise), else left alone: Go's default. */
	SUBPROC_SETGROUPS_DEFAULT = 0,
	SUBPROC_SETGROUPS_ALLOW, /* setgroups(2) stays usable inside (privileged maps only) */
	SUBPROC_SETGROUPS_DENY,  /* setgroups(2) fails inside, for good */
};

/** Flags for subproc_isolation.flags. */
enum subproc_isolation_flags {
	/* Mount a new proc filesystem on /proc (inside attr.chroot when there
	 * is one), so that the child sees its own pid namespace there. Needs
	 * SUBPROC_NS_PID and SUBPROC_NS_MOUNT (else -EINVAL, step "attr"). */
	SUBPROC_MOUNT_PROC = 1u << 0,
	/* PR_SET_NO_NEW_PRIVS: execve never grants privileges again (setuid
	 * bits and file capabilities are ignored). Needed by an unprivileged
	 * caller's seccomp filter. */
	SUBPROC_NO_NEW_PRIVS = 1u << 1,
	/* Drop from the bounding set every capability not in
	 * subproc_isolation.bounding (0: all of them), so that no later
	 * execve can gain them. Needs CAP_SETPCAP. */
	SUBPROC_BOUNDING_SET = 1u << 2,
};

/** A capability's bit in subproc_isolation.ambient and .bounding: SUBPROC_CAP(CAP_NET_RAW). */
#define SUBPROC_CAP(n) ((unsigned long long)1 << (n))

/* The kernel's seccomp program (<linux/filter.h>); only a pointer is kept. */
struct sock_fprog;

/**
 * What Linux can hide from the child, or deny it, beyond subproc_attr: Go's
 * SysProcAttr (Cloneflags, UidMappings, GidMappings,
 * GidMappingsEnableSetgroups, AmbientCaps) and more. Point
 * subproc_attr.isolation at one; zero-initialised it asks for nothing.
 * Every pointer is only read, and only during the start. In the portable
 * build (SUBPROC_POSIX) a start that asks for any of it fails with -ENOSYS
 * (step "attr").
 *
 * How it is started: a start with uid or gid maps is made without sharing
 * the caller's memory (like SUBPROC_SETUID, at fork's cost): the caller
 * writes the maps into /proc/PID while the child waits for them, as Go
 * does, because a child that shares the caller's memory holds the caller
 * still until its execve. Every other start keeps the launch it had,
 * namespaces included.
 *
 * The steps, among those listed at subproc_attr: namespaces not created
 * with the child are unshared after the cgroup step; then the child waits
 * for its maps (written uid_map, setgroups, gid_map, in that order); the
 * mount table is made private (MS_REC|MS_PRIVATE on "/", as unshare(1)
 * does, so that nothing the child mounts reaches the caller) before
 * chroot, and proc mounted on /proc after it; the hostname is set after
 * that; keepcaps comes before the credentials, and capset, capbset and
 * ambient after them; ptrace, no_new_privs and seccomp come last, after
 * the signals step, just before execve.
 *
 * A caller that is not dumpable (it changed its ids and has not exec'd
 * since: prctl(PR_GET_DUMPABLE) is 0) has children whose /proc files are
 * root's until they exec; unprivileged, it cannot write their maps (EACCES
 * at step "uid_map"). The library does not make the child dumpable, which
 * would open its copy of the caller's memory to ptrace.
 *
 * What the kernel does that callers meet: with SUBPROC_NS_PID the child is
 * its namespace's init, so a signal it has no handler for is dropped unless
 * it is SIGKILL or SIGSTOP (a timeout's SIGTERM does nothing; the SIGKILL
 * after the grace period ends it), and when it ends the kernel kills every
 * process left in its namespace. In a new user namespace without maps the
 * child's ids are the overflow ids (65534), and it loses its capabilities
 * at execve.
 */
typedef struct subproc_isolation {
	unsigned namespaces; /* enum subproc_ns, or-ed */
	unsigned flags;      /* enum subproc_isolation_flags, or-ed */
	/* The host name in the new uts namespace (needs SUBPROC_NS_UTS;
	 * at most 64 bytes); NULL keeps the caller's. */
	const char *hostname;
	/* The new user namespace's maps (need SUBPROC_NS_USER). Unprivileged,
	 * the kernel accepts only one line of count 1 whose outside id is the
	 * caller's own effective id (for gids: with setgroups denied), such
	 * as {0, getuid(), 1} (unshare -r); anything else fails with -EPERM
	 * at step "uid_map" or "gid_map". A privileged caller may map ranges
	 * (at most 340 lines). */
	const subproc_idmap *uid_map;
	size_t nuid_map;
	const subproc_idmap *gid_map;
	size_t ngid_map;
	int setgroups; /* enum subproc_setgroups_rule; not DEFAULT needs SUBPROC_NS_USER */
	/* Capabilities raised in the ambient set (SUBPROC_CAP bits), so that
	 * they survive the change to attr.uid and the execve of a program
	 * without file capabilities (Go's AmbientCaps). Each must be in the
	 * permitted set (root's, or any in a new user namespace); the child
	 * keeps its permitted set across SUBPROC_SETUID (PR_SET_KEEPCAPS) for
	 * them. */
	unsigned long long ambient;
	/* With SUBPROC_BOUNDING_SET: the capabilities the bounding set keeps. */
	unsigned long long bounding;
	/* A seccomp filter (struct sock_fprog, <linux/filter.h>), installed
	 * last, just before execve, so the filter sees only the program's
	 * calls (and execve's). Unprivileged, the kernel needs
	 * SUBPROC_NO_NEW_PRIVS too (else -EACCES, step "seccomp"). A filter
	 * that refuses the calls a failing child reports with (write,
	 * exit_group) leaves a failed execve reported as -EPIPE at step
	 * "launch" on the paths that report through a pipe. NULL: none. */
	const struct sock_fprog *seccomp;

	/* Room for fields added later without changing the struct's size. */
	void *reserved_[8];
} subproc_isolation;

/** One resource limit for subproc_attr.rlimits. */
typedef struct subproc_rlimit {
	int resource;        /* RLIMIT_NOFILE, RLIMIT_CORE, ... */
	struct rlimit limit; /* soft (rlim_cur) must not exceed hard (rlim_max) */
} subproc_rlimit;

/**
 * What the child should be. Zero-initialised, it describes a child that
 * runs `path` as given (no PATH search), in the caller's directory and
 * environment, with the caller's signal mask and signal handlers reset to
 * SIG_DFL, that receives the caller's fds 0, 1 and 2 as they are and no
 * other fd. Every pointer is only read, and only during subproc_start.
 *
 * Steps run in the child in this order, and the first that fails stops the
 * start: cgroup, setsid, setpgid, tcsetpgrp, rlimits, chroot, setgroups,
 * setgid, setuid, chdir, pdeathsig, fd map, noctty, setctty, closing other
 * fds, umask, RLIMIT_NOFILE, signals, execve (with `isolation`, its steps
 * come between these as subproc_isolation lists, and ptrace last but
 * two). Limits come before the
 * credentials so that a raised hard limit reaches an unprivileged child;
 * RLIMIT_NOFILE is set after the fd map (its hard limit raised before the
 * credentials when asked), so that a low limit does not stop the map.
 */
typedef struct subproc_attr {
	unsigned flags; /* enum subproc_attr_flags, or-ed */
	int launch;     /* enum subproc_launch */

	/* Working directory of the child; NULL keeps the caller's. A relative
	 * dir is taken from the caller's directory (or the new root). */
	const char *dir;
	/* Environment as NULL-terminated "NAME=VALUE" strings; NULL means the
	 * caller's environ, read during the call. */
	char *const *env;

	/* The fd map: child fd i receives the caller's fd files[i], or is
	 * closed when files[i] is -1. Entries may be in any order, overlap,
	 * equal their own index, or name one source for several targets. Every
	 * source must be open (else -EBADF, step "dup2"). With nfiles 0 the
	 * child gets fds 0, 1 and 2 exactly as the caller has them. Unless
	 * SUBPROC_INHERIT_FDS, every fd from max(nfiles, 3 when nfiles is 0)
	 * upward is closed in the child. */
	const int *files;
	int nfiles;

	pid_t pgid; /* with SUBPROC_SETPGID: the group to join, 0 for a new one */
	int ctty;   /* with SUBPROC_SETCTTY or SUBPROC_FOREGROUND, see there */
	/* Directory to chroot(2) into before chdir; NULL for none. */
	const char *chroot;

	uid_t uid;           /* with SUBPROC_SETUID */
	gid_t gid;           /* with SUBPROC_SETGID */
	const gid_t *groups; /* with SUBPROC_SETGROUPS */
	size_t ngroups;
	mode_t umask; /* with SUBPROC_UMASK */

	const subproc_rlimit *rlimits; /* limits set in the child, in order */
	size_t nrlimits;

	sigset_t sigmask;    /* with SUBPROC_SIGMASK */
	sigset_t sigdefault; /* with SUBPROC_SIGDEFAULT */

	/* Signal the child receives when the thread that started it ends (a
	 * Linux rule: the thread, not the process). 0 for none. If the parent
	 * is already gone when the child checks, it sends this to itself. */
	int pdeathsig;

	int cgroup_fd; /* with SUBPROC_CGROUP: an open cgroup v2 directory */

	/* Fields added since 0.2 take the room reserved_ kept, so that the
	 * struct keeps its size and layout. */
	union {
		/* Namespaces, id maps, capabilities, no_new_privs and seccomp
		 * (Linux); NULL for none. See subproc_isolation. */
		const subproc_isolation *isolation;
		void *reserved_[8];
	};
} subproc_attr;

/** A started child. Opaque; use the functions below. */
typedef struct subproc_proc subproc_proc;

/**
 * Starts `path` with arguments `argv` (NULL-terminated; argv[0] is the name
 * the program sees) as described by `attr` (NULL for the defaults).
 *
 * Returns 0 and stores a handle in *out only when the program has been
 * exec'ed: a failure in any step, execve included, is reported here.
 * Errors: -EINVAL for bad input (NULL path, NULL or empty argv, an env entry
 * without '=', SUBPROC_SETCTTY with SUBPROC_FOREGROUND, a ctty outside the
 * fd map, an rlimit whose soft limit exceeds its hard one), -EBADF for an fd
 * map naming a closed fd, -ENOENT/-EACCES/-ENOEXEC/-E2BIG and the like from
 * the step that failed, -ENOMEM, -EAGAIN when the process limit is reached,
 * -EMFILE when no fd is free for the pidfd (step "launch"; the fork path
 * also needs two for its status pipe, step "pipe"), -EINVAL at step
 * "launch" when SUBPROC_LAUNCH names no launch (err.path says
 * "SUBPROC_LAUNCH=value"). When `err` is not NULL it receives the step,
 * path and fd involved (code 0 and no step on success, see
 * subproc_error).
 *
 * Safe from a thread with a small stack (PTHREAD_STACK_MIN): the child
 * runs on a stack of the library's, one per thread that starts children,
 * kept until that thread ends.
 *
 * On failure nothing is left: no child (it has been reaped), no fd, no
 * memory, and *out is set to NULL. Bad input is refused before anything is
 * launched. On success the caller owns the handle and must eventually call
 * subproc_release(); to avoid a zombie, wait for the child first.
 */
SUBPROC_API int subproc_start(subproc_proc **out, const char *path, char *const argv[],
                              const subproc_attr *attr, subproc_error *err);

/** The child's process id. */
SUBPROC_API pid_t subproc_pid(const subproc_proc *proc);

/**
 * The child's pidfd (Linux), or -1 where there is none. It stays owned by
 * the handle: do not close it. It becomes readable (poll POLLIN) when the
 * child exits, so it can join the caller's own event loop.
 */
SUBPROC_API int subproc_pidfd(const subproc_proc *proc);

/** Options for subproc_wait. */
enum subproc_wait_flags {
	SUBPROC_WAIT_STOPPED = 1u << 0,   /* also report a stop (WUNTRACED) */
	SUBPROC_WAIT_CONTINUED = 1u << 1, /* also report a continue (WCONTINUED) */
};

/** What subproc_wait learned. */
typedef struct subproc_status {
	pid_t pid;  /* the child's pid */
	int status; /* wait(2)-style; decode with subproc_status_*() */
	/* The child's usage; filled when it has ended (all zero in the
	 * portable build, SUBPROC_POSIX: POSIX's waitpid reports none). */
	struct rusage rusage;
} subproc_status;

/**
 * Waits for the child to end (or to stop or continue, with the matching
 * flags). `timeout_ms` < 0 waits as long as it takes, 0 only checks, and a
 * positive value waits at most that many milliseconds. Interrupting signals
 * are absorbed: the wait resumes with the time that is left.
 *
 * Returns 0 and fills *status (which may be NULL). Once the child has ended
 * it is reaped; the pid is then never touched again. Errors: -ETIMEDOUT
 * when the child had not changed state in time (nothing is consumed),
 * -ECHILD when it was already reaped, by this handle or by someone else (a
 * SIGCHLD handler calling waitpid(-1), or SIGCHLD set to SIG_IGN), -EINVAL
 * for unknown flags. *status is written only on success; on every failure
 * it is left as it was.
 *
 * On Linux a timed wait for the end polls the pidfd; stops and continues,
 * and systems without pidfds, are polled with a sleep that starts at 1 ms
 * and grows to 50 ms. No SIGCHLD handler is installed.
 *
 * Callers that reap children themselves: with SIGCHLD set to SIG_IGN (or
 * SA_NOCLDWAIT) the kernel reaps each child the moment it ends and keeps no
 * status, so the wait still lasts until the child has ended (or the timeout
 * comes), never longer, and then returns -ECHILD. A SIGCHLD handler that
 * reaps with waitpid(-1) races with the wait: whichever reaps first gets
 * the status, so the wait returns either 0 with the status or -ECHILD (the
 * handler then has it). The command functions (subproc_cmd_wait, run,
 * output, communicate) return -ECHILD in the same cases and keep the output
 * they read. A failed start leaves no zombie either way, and after -ECHILD
 * subproc_signal returns -ESRCH rather than touch a pid that may be reused.
 */
SUBPROC_API int subproc_wait(subproc_proc *proc, unsigned flags, int timeout_ms,
                             subproc_status *status);

/**
 * Sends signal `sig` to the child (sig 0 only checks it exists). On Linux
 * through its pidfd, so a pid reused after the child was reaped elsewhere is
 * never hit. Returns 0, -ESRCH once the child has been reaped (or is gone),
 * -EINVAL for a bad signal, -EPERM.
 */
SUBPROC_API int subproc_signal(subproc_proc *proc, int sig);

/**
 * Frees the handle and closes its pidfd. It does not wait: a child that has
 * not been reaped stays the caller's child (reap it with waitpid on its
 * pid). Accepts NULL. Returns NULL, for `p = subproc_release(p);`.
 */
SUBPROC_API subproc_proc *subproc_release(subproc_proc *proc);

/**
 * Replaces the calling process with `path` (Go's syscall.Exec): `env` NULL
 * means the current environ. `path` is used as given (see subproc_lookpath
 * to search PATH). Returns only on failure: -errno (-EINVAL for NULL or
 * empty argv or an env entry without '=', step "argv" or "env"), with
 * `err` filled when given (step "execve" and the path when execve itself
 * failed).
 */
SUBPROC_API int subproc_exec(const char *path, char *const argv[], char *const env[],
                             subproc_error *err);

/** Flags for subproc_lookpath. */
enum subproc_lookpath_flags {
	SUBPROC_LOOKPATH_ALLOW_DOT = 1u << 0, /* accept a match through a relative entry */
};

/**
 * Finds `file` as execvp would: a name containing '/' is checked as it is;
 * otherwise each entry of PATH (from `env` when not NULL, else the caller's;
 * "/bin:/usr/bin" when unset) is tried in order, and the first regular file
 * that is executable wins. Writes the path to `out` (size `outlen`).
 *
 * Returns 0; -ENOENT when nothing matched; -EACCES when a match existed but
 * none was executable; -EPERM when the match was found only through an
 * empty, "." or other relative entry and SUBPROC_LOOKPATH_ALLOW_DOT is not
 * set (Go's ErrDot); -ENAMETOOLONG when the result does not fit `out`;
 * -EINVAL for a NULL or empty `file`, a NULL `out` or unknown flags. On
 * failure `out` holds "" (when outlen > 0), never a partial or earlier
 * path.
 */
SUBPROC_API int subproc_lookpath(const char *file, char *const env[], unsigned flags, char *out,
                                 size_t outlen);

/* ------------------------------------------------------------------------ */
/* Commands: "run this, feed it that, give me its output, stop it if it     */
/* hangs" (Go's exec.Cmd). A command owns copies of everything it is        */
/* given, the parent's ends of its pipes, and its process.                  */
/* ------------------------------------------------------------------------ */

/** A command. Opaque; it can grow without breaking callers. */
typedef struct subproc_cmd subproc_cmd;

/** What a standard stream of the child is connected to. */
enum subproc_stdio {
	/* The caller's own fd 0, 1 or 2 (the default). */
	SUBPROC_STDIO_INHERIT = 0,
	/* /dev/null, opened for reading (stdin) or writing. */
	SUBPROC_STDIO_NULL,
	/* A pipe. The parent's end is close-on-exec, owned by the command,
	 * and given by subproc_cmd_fd(). */
	SUBPROC_STDIO_PIPE,
	/* stderr only: the same file as stdout, so that with a stdout pipe
	 * both streams arrive on one pipe in the order they were written. */
	SUBPROC_STDIO_MERGE,
};

/** Or-ed into the mode of subproc_cmd_stdio: the parent's pipe end is
 * O_NONBLOCK (for the caller's own event loop). */
#define SUBPROC_STDIO_NONBLOCK 0x100

/** What to do when captured output passes the command's limit. */
enum subproc_limit {
	/* Stop: communicate returns -ENOBUFS and the child is stopped as on a
	 * timeout. What was read up to the limit is kept. */
	SUBPROC_LIMIT_FAIL = 0,
	/* Keep the first half and the last half of the limit, drop the
	 * middle (counted in subproc_output.dropped), read on to the end. */
	SUBPROC_LIMIT_KEEP_ENDS,
};

/**
 * Captured bytes. data is malloc'ed and NUL-terminated (not counted in
 * len), or NULL when nothing was captured; free it with
 * subproc_output_free(), which is safe in either case. The functions that
 * fill one overwrite it without freeing what it held: pass it
 * zero-initialised or freed. The caller owns data after every return,
 * success or failure.
 */
typedef struct subproc_output {
	char *data;
	size_t len;
	size_t dropped; /* bytes dropped under SUBPROC_LIMIT_KEEP_ENDS */
} subproc_output;

/** Frees out->data and zeroes *out. Accepts an already-empty output. */
SUBPROC_API void subproc_output_free(subproc_output *out);

/**
 * Creates a command running argv[0] with arguments argv (NULL-terminated;
 * copied). A program name without '/' is searched in PATH when the command
 * starts (refusing "." entries, see SUBPROC_PATH_SEARCH). Returns 0 and
 * *out, or -EINVAL (NULL `out`, NULL or empty argv), -ENOMEM. On failure
 * *out is NULL (when `out` is not NULL) and nothing is allocated. Free
 * with subproc_cmd_free().
 */
SUBPROC_API int subproc_cmd_new(subproc_cmd **out, const char *const argv[]);

/** Appends one argument (copied). Returns 0, -EINVAL (NULL arg), -ENOMEM,
 * -EBUSY once started; on failure the arguments are unchanged. */
SUBPROC_API int subproc_cmd_arg(subproc_cmd *cmd, const char *arg);

/**
 * Environment operations, applied in order at start on top of the caller's
 * environment, or of an empty one after subproc_cmd_clearenv(). The last
 * setting of a name wins. Copied. Returns 0, -EINVAL (a NULL name or
 * value, a name that is empty or holds '='), -ENOMEM, -EBUSY once
 * started; on failure the operations are unchanged.
 */
SUBPROC_API int subproc_cmd_setenv(subproc_cmd *cmd, const char *name, const char *value);
/** Removes `name` from the child's environment; see subproc_cmd_setenv. */
SUBPROC_API int subproc_cmd_unsetenv(subproc_cmd *cmd, const char *name);
/** Starts the child's environment from empty; later settings still apply.
 * Returns 0, or -EBUSY once started. */
SUBPROC_API int subproc_cmd_clearenv(subproc_cmd *cmd);

/** Sets the child's working directory (copied; NULL: the caller's).
 * Returns 0, -ENOMEM, -EBUSY once started; on failure the previous
 * directory stays. */
SUBPROC_API int subproc_cmd_dir(subproc_cmd *cmd, const char *dir);

/**
 * The command's process attributes, for everything subproc_attr offers
 * (session, group, credentials, limits, signals, launch path...). The
 * fields dir, env, files and nfiles belong to the command and are replaced
 * at start; SUBPROC_PATH_SEARCH is set by default. Pointers stored in it
 * (chroot, groups, rlimits) are not copied and stay the caller's: they
 * must stay valid until start and are never freed by the command. Fds in
 * it (ctty, cgroup_fd) stay the caller's too. Never NULL.
 */
SUBPROC_API subproc_attr *subproc_cmd_attr(subproc_cmd *cmd);

/**
 * Connects stream 0, 1 or 2 of the child to `mode` (enum subproc_stdio,
 * optionally | SUBPROC_STDIO_NONBLOCK for a pipe). Returns 0, -EINVAL
 * (bad stream or mode, MERGE on a stream other than 2), -EBUSY once
 * started; on failure the stream keeps its setting.
 */
SUBPROC_API int subproc_cmd_stdio(subproc_cmd *cmd, int stream, int mode);

/**
 * Connects a stream to the file at `path`, opened at start: stdin for
 * reading; stdout or stderr for writing, created (mode 0666 less umask) and
 * truncated, or appended to when `append`. `path` is copied. Returns 0,
 * -EINVAL, -ENOMEM, -EBUSY (on failure the stream keeps its setting); an
 * open that fails at start fails the start with step "open".
 */
SUBPROC_API int subproc_cmd_stdio_file(subproc_cmd *cmd, int stream, const char *path, bool append);

/** Connects a stream to the caller's open fd `fd`. The fd stays the
 * caller's whatever the result (the command never closes it), and must
 * stay open until start. Returns 0, -EINVAL (bad stream, fd < 0), -EBUSY;
 * on failure the stream keeps its setting. */
SUBPROC_API int subproc_cmd_stdio_fd(subproc_cmd *cmd, int stream, int fd);

/** Passes the caller's fd `fd` as the child's fd 3, then 4, ... in the
 * order of the calls (Go's ExtraFiles); -1 leaves that child fd closed, so
 * that a later one can land on a chosen number. The fd stays the caller's
 * whatever the result (the command never closes it) and must be open at
 * start. Returns 0, -EINVAL (fd < -1), -ENOMEM, -EBUSY; on failure the
 * list is unchanged. */
SUBPROC_API int subproc_cmd_extra_fd(subproc_cmd *cmd, int fd);

/** grace_ms of subproc_cmd_timeout and subproc_pipeline_timeout: the first
 * signal is never followed by SIGKILL. */
#define SUBPROC_GRACE_NEVER (-1)

/**
 * Bounds wait, run, output and communicate. At `timeout_ms` after the start
 * the command is stopped with `sig` (0 means SIGTERM), as subproc_cmd_stop
 * describes: the signal to its process group when it leads one
 * (SUBPROC_SETPGID with pgid 0, SUBPROC_SETSID, SUBPROC_FOREGROUND) and to
 * the child, then SIGCONT so that a stopped child acts on it at once, then
 * SIGKILL to the child and to every member of its group still there
 * `grace_ms` later (never with SUBPROC_GRACE_NEVER or any negative value).
 * Members that outlive the child (a grandchild that ignores the signal)
 * count: the call returns once the child is reaped and its group is empty
 * or has been sent SIGKILL, whatever order the child's exit, the end of its
 * pipes and the timer come in. Such an end makes the call return
 * -ETIMEDOUT with the status filled. The timeout runs until the call
 * returns: output and communicate still reading pipes that a survivor
 * holds are stopped by it too. timeout_ms <= 0 means no timeout. Returns 0
 * or -EINVAL (sig not a signal number).
 *
 * Pipes a survivor outside the group still holds are read until the grace
 * period ends (or until the wait delay, when one is set and ends first);
 * then output and communicate return what they read, with -ETIMEDOUT. With
 * SUBPROC_GRACE_NEVER and no wait delay they are read until EOF.
 */
SUBPROC_API int subproc_cmd_timeout(subproc_cmd *cmd, int timeout_ms, int sig, int grace_ms);

/**
 * Once the child has exited, how long output and communicate keep reading
 * pipes that a surviving grandchild still holds open (Go's WaitDelay), in
 * ms; then they stop reading and return what they have: 0 with the
 * child's status, as when the pipes ended, since the child itself ended as
 * it did (compare out->len with what was expected to tell). Default 0:
 * read until every writer is gone (or until a stop's grace period ends,
 * see subproc_cmd_timeout). A negative value means the default.
 */
SUBPROC_API int subproc_cmd_waitdelay(subproc_cmd *cmd, int ms);

/** Caps each captured stream at `max` bytes (0: no cap, the default), with
 * `policy` from enum subproc_limit. Under SUBPROC_LIMIT_FAIL a passed
 * limit stops the command as its timeout would, with the timeout's signal
 * and grace period (SIGTERM and 0 ms unless subproc_cmd_timeout set
 * others). Returns 0 or -EINVAL. */
SUBPROC_API int subproc_cmd_limit(subproc_cmd *cmd, size_t max, int policy);

/** Called with each signal a stop sends (not the SIGCONT that follows). */
typedef void subproc_notify_fn(void *ctx, int sig);

/**
 * Has fn(ctx, sig) called right after each signal that a stop of the
 * command (its timeout, a passed limit, subproc_cmd_stop, kill on free)
 * sends, in the thread that sent it and under the command's lock: it may
 * log, but must not call the command's functions. NULL: none (the
 * default).
 */
SUBPROC_API void subproc_cmd_on_signal(subproc_cmd *cmd, subproc_notify_fn *fn, void *ctx);

/**
 * Called with bytes of the command's stdout (stream 1) or stderr (2) pipe
 * as they arrive, `len` > 0, and once with data NULL and len 0 when the
 * stream has ended (EOF, a read error, or the end of a wait delay or a
 * stop's grace). Runs in the thread that reads (communicate, output, or a
 * set's next and dispatch); `data` is valid only during the call; it must
 * not call the command's functions.
 */
typedef void subproc_output_fn(void *ctx, int stream, const char *data, size_t len);

/**
 * Streams the command's piped stdout and stderr to fn(ctx, ...) instead of
 * capturing or dropping them: in a set (see subproc_set_add) and, for a
 * stream given no buffer, in communicate and output. Output limits do not
 * apply to streamed bytes. NULL: none (the default).
 */
SUBPROC_API void subproc_cmd_on_output(subproc_cmd *cmd, subproc_output_fn *fn, void *ctx);

/** With `kill` true, subproc_cmd_free() of a running command sends SIGKILL
 * (to its group, when it has one) before reaping it. Default false: free
 * waits for the child to end on its own. */
SUBPROC_API void subproc_cmd_kill_on_free(subproc_cmd *cmd, bool kill);

/**
 * Starts the command. Opens files and pipes, starts the child, and closes
 * the child's ends in the parent. Returns 0, -EBUSY if already started
 * (err: no step), -ENOMEM (step "alloc"), or any error of subproc_start
 * (err names the step; "open" or "pipe" for a stream, with fd the stream
 * number); on failure every fd it opened is closed again, and the command
 * may be started again.
 */
SUBPROC_API int subproc_cmd_start(subproc_cmd *cmd, subproc_error *err);

/** The parent's end of the pipe of stream 0, 1 or 2, or -1 when that
 * stream is not a pipe, not started, or closed. Owned by the command. */
SUBPROC_API int subproc_cmd_fd(const subproc_cmd *cmd, int stream);

/** Closes the parent's end of a stream's pipe now (for stdin: sends EOF).
 * Returns 0, or -EBADF when there is none. */
SUBPROC_API int subproc_cmd_close(subproc_cmd *cmd, int stream);

/** The started process (for its pid, pidfd, or to signal it), or NULL
 * before start. Owned by the command. */
SUBPROC_API subproc_proc *subproc_cmd_proc(const subproc_cmd *cmd);

/**
 * Waits for the child to end, applying the timeout, then closes the
 * parent's pipe ends. Returns 0 with *status (may be NULL), -ETIMEDOUT when
 * the timeout stopped it (status filled), -EINVAL before start, -ECHILD
 * once already waited for or when someone else reaped the child. *status
 * is written only with 0 and -ETIMEDOUT; other failures leave it as it was.
 */
SUBPROC_API int subproc_cmd_wait(subproc_cmd *cmd, subproc_status *status);

/**
 * subproc_cmd_wait that also returns when `fd` (a signalfd, a self-pipe,
 * an eventfd) polls readable: -EINTR, with nothing consumed or lost. The
 * timeout's clock, a stop under way and the end of the group carry on at
 * the next wait, so a front end can read its fd, act (forward a signal with
 * subproc_cmd_stop, say) and wait again. fd -1 watches nothing. Other
 * returns as subproc_cmd_wait.
 */
SUBPROC_API int subproc_cmd_wait_fd(subproc_cmd *cmd, int fd, subproc_status *status);

/**
 * Stops the running command now, as its timeout would (but the wait does
 * not return -ETIMEDOUT for it): `sig` (0: the command's timeout signal,
 * SIGTERM by default) to its process group when it leads one and to the
 * child, then SIGCONT unless sig is SIGKILL or SIGCONT; the grace period
 * of subproc_cmd_timeout starts, after which the wait sends SIGKILL to the
 * child and to what is left of its group. A later call sends its signal
 * again and does not move the SIGKILL. Safe from any thread while another
 * waits: the wait wakes and applies the grace period (with no wait under
 * way, the next wait does). Returns 0, -EINVAL (bad signal, not started),
 * or -ESRCH when the child is reaped and its group, if any, is empty.
 */
SUBPROC_API int subproc_cmd_stop(subproc_cmd *cmd, int sig);

/** Starts, then waits. Errors of either; `err` as for subproc_cmd_start
 * when the start failed, and with no step when the wait did (-ETIMEDOUT,
 * -ECHILD). */
SUBPROC_API int subproc_cmd_run(subproc_cmd *cmd, subproc_status *status, subproc_error *err);

/**
 * Starts the command if needed, writes `in` (inlen bytes; NULL with 0 for
 * none) to its stdin pipe while reading its stdout and stderr pipes into
 * `out` and `errout`, all at once so that no pipe can fill and deadlock,
 * then closes stdin, waits and reaps. Before the start, a stream that is
 * given input or a buffer and still set to inherit becomes a pipe; a
 * stream set otherwise (a file, say) with a buffer is -EINVAL. stdin is
 * closed at once when there is no input.
 *
 * A child that stops reading stdin gets no more input: the write fails
 * with EPIPE, never SIGPIPE in the parent, and reading goes on. On Linux
 * a pipe through which 64 KiB has gone is grown to 1 MiB (F_SETPIPE_SZ;
 * kept as it is where the kernel refuses), so a large output costs a
 * wake-up per MiB; the child sees the bigger pipe. Returns 0,
 * -ETIMEDOUT (timeout; what was read is kept, status filled), -ENOBUFS
 * (limit reached under SUBPROC_LIMIT_FAIL; the child is stopped as on a
 * timeout), -ENOMEM, -EINVAL (a buffer for a stream that is not a pipe,
 * or input NULL with inlen > 0; the command is then left as it was),
 * -ECHILD (already waited for), or a start error; `err` names the step
 * only for a start error (see subproc_error).
 *
 * `out` and `errout` (each may be NULL) are emptied ({NULL, 0, 0}) on
 * entry, without freeing what they held, and then hold what was read, on
 * success and on every failure alike: empty when the call failed before
 * reading (bad arguments, a start error, -ENOMEM), otherwise data is
 * NUL-terminated. The caller owns them and frees them with
 * subproc_output_free() in every case. *status is written whenever this
 * call reaped the child with its status (0, -ETIMEDOUT, -ENOBUFS, and an
 * I/O error or -ENOMEM met while reading), and left as it was otherwise
 * (bad arguments, a start error, -ECHILD).
 */
SUBPROC_API int subproc_cmd_communicate(subproc_cmd *cmd, const void *in, size_t inlen,
                                        subproc_output *out, subproc_output *errout,
                                        subproc_status *status, subproc_error *err);

/**
 * Runs the command and captures its stdout: communicate with no input.
 * stderr stays as configured (inherited by default), is captured into
 * `errout` when that is not NULL, or lands in `out` with
 * SUBPROC_STDIO_MERGE. Same returns as communicate.
 */
SUBPROC_API int subproc_cmd_output(subproc_cmd *cmd, subproc_output *out, subproc_output *errout,
                                   subproc_status *status, subproc_error *err);

/**
 * Runs the command, and everything it starts, in a cgroup v2 of its own: a
 * new directory made at start under `parent` (a cgroup v2 directory; NULL:
 * the caller's own cgroup, from /proc/self/cgroup and the cgroup2 mount in
 * /proc/self/mountinfo, which must be delegated to the caller, that is,
 * writable by it), with the settings of subproc_cmd_cgroup_set written
 * into it, and the child started inside it (CLONE_INTO_CGROUP, or the
 * child's first step). A process group is not a tree: a member that calls
 * setsid leaves it, but not the cgroup. The command is then the whole
 * tree:
 *
 *   - its wait (wait, run, communicate, output, a set's next) lasts until
 *     the cgroup is empty, not only until the child has ended, and the
 *     timeout counts for all of it; with a wait delay
 *     (subproc_cmd_waitdelay), what is left of the tree that long after
 *     the child ended is killed and the wait returns the child's status;
 *   - each signal of a stop (the timeout, a passed limit,
 *     subproc_cmd_stop) reaches every member of the cgroup, and its
 *     SIGKILL is cgroup.kill (Linux 5.14; before, each process of
 *     cgroup.procs is sent SIGKILL until none is left);
 *   - pipes still open once the cgroup is empty are held by no member:
 *     what they hold is read, then they are closed.
 *
 * Once the command has ended, subproc_cmd_cgroup_stats reads what the
 * whole tree used. subproc_cmd_free removes the directory (and any the
 * tree made in it) once it is empty; with subproc_cmd_kill_on_free it
 * first kills what is left in it, and without, a cgroup that still has
 * members (the command was freed unwaited) is left where it is (its path:
 * subproc_cmd_cgroup_path).
 *
 * Before the start, returns 0, -EINVAL (already started, or called twice)
 * or -ENOMEM; the portable build says -ENOSYS. A start that cannot make
 * the cgroup fails at step "cgroup_create" (no cgroup2: -ENOENT, path
 * /proc/self/mountinfo; -EACCES without the right to the parent) or
 * "cgroup_write" (the file that could not be written: -ENOENT when it does
 * not exist, which for a controller's file such as memory.max means that
 * controller is not in the parent's cgroup.subtree_control), and leaves
 * no directory behind. SUBPROC_CGROUP in the command's attr together with
 * this is -EINVAL at step "attr".
 */
SUBPROC_API int subproc_cmd_cgroup(subproc_cmd *cmd, const char *parent);

/**
 * A setting for the command's cgroup: `value` written into the interface
 * file `file` (memory.max, pids.max, cpu.max, cgroup.max.descendants, any
 * file of the new directory) once it is made, before the child starts, in
 * the order given. Needs subproc_cmd_cgroup first. Returns 0, -EINVAL (no
 * cgroup asked for, started already, or a file name with '/' or that is
 * "." or ".."), -ENOMEM.
 */
SUBPROC_API int subproc_cmd_cgroup_set(subproc_cmd *cmd, const char *file, const char *value);

/** Flags for subproc_cgroup_stats.have: which values the hierarchy gave. */
enum subproc_cgroup_have {
	SUBPROC_CGROUP_CPU = 1u << 0,         /* user_usec, system_usec (cpu.stat) */
	SUBPROC_CGROUP_MEMORY_PEAK = 1u << 1, /* memory_peak (memory.peak, Linux 5.19) */
	SUBPROC_CGROUP_PIDS_PEAK = 1u << 2,   /* pids_peak (pids.peak, Linux 6.1) */
	SUBPROC_CGROUP_OOM_KILLS = 1u << 3,   /* oom_kills (memory.events) */
};

/** What a command's whole tree used, as its cgroup accounts for it. */
typedef struct subproc_cgroup_stats {
	unsigned have;                /* enum subproc_cgroup_have: the fields filled */
	unsigned long long user_usec; /* CPU time of every member, dead ones too */
	unsigned long long system_usec;
	unsigned long long memory_peak; /* bytes, the highest use seen */
	unsigned long long pids_peak;   /* the most processes at once */
	unsigned long long oom_kills;   /* members the OOM killer ended */
} subproc_cgroup_stats;

/**
 * Reads the command's cgroup accounting into *st, from the start until
 * subproc_cmd_free (the values grow while members run). Each field is
 * there only when its file is: cpu.stat is in every cgroup v2, the others
 * need their controller enabled in the parent's cgroup.subtree_control.
 * Returns 0, -EINVAL (no cgroup, or not started), or -errno reading
 * cpu.stat.
 */
SUBPROC_API int subproc_cmd_cgroup_stats(const subproc_cmd *cmd, subproc_cgroup_stats *st);

/** The command's cgroup directory once made, else NULL. Valid until free. */
SUBPROC_API const char *subproc_cmd_cgroup_path(const subproc_cmd *cmd);

/**
 * Frees the command in any state: closes every fd it holds and, if the
 * child was started and not reaped, kills it first when asked (see
 * subproc_cmd_kill_on_free) and reaps it, so no zombie and no fd remain.
 * Accepts NULL. Returns NULL.
 */
SUBPROC_API subproc_cmd *subproc_cmd_free(subproc_cmd *cmd);

/* ------------------------------------------------------------------------ */
/* Pipelines: stdout of each command to stdin of the next, without a shell. */
/* ------------------------------------------------------------------------ */

/** A pipeline of commands. Opaque. */
typedef struct subproc_pipeline subproc_pipeline;

/** Creates an empty pipeline. Returns 0 and *out, -EINVAL (NULL `out`), or
 * -ENOMEM with *out set to NULL. */
SUBPROC_API int subproc_pipeline_new(subproc_pipeline **out);

/**
 * Appends a stage. On success the pipeline owns `cmd` (freed with the
 * pipeline; do not free it yourself). On failure the pipeline takes
 * nothing: `cmd` stays with whoever owned it, which is the caller (who
 * must free it) unless it is already a stage.
 *
 * At start the pipeline replaces the stdin of every stage but the first
 * and the stdout of every stage but the last with its pipes, and puts all
 * stages in one new process group (the first stage's pid), overriding
 * SUBPROC_SETSID, SUBPROC_SETPGID, SUBPROC_FOREGROUND and SUBPROC_SETCTTY, so a timeout
 * stops every stage at once. Configure the first stage's stdin, the last
 * stage's stdout and each stage's stderr on the commands.
 *
 * Returns 0, -EINVAL (NULL, a command already started, or one that is
 * already a stage of this pipeline or another), -ENOMEM, -EBUSY once
 * started.
 */
SUBPROC_API int subproc_pipeline_add(subproc_pipeline *pl, subproc_cmd *cmd);

/** The number of stages. */
SUBPROC_API size_t subproc_pipeline_len(const subproc_pipeline *pl);

/** Stage `i` (0-based), still owned by the pipeline, or NULL. */
SUBPROC_API subproc_cmd *subproc_pipeline_cmd(const subproc_pipeline *pl, size_t i);

/** As subproc_cmd_timeout, for the whole pipeline: the signals go to its
 * process group (and to any stage that left it). The stages' own timeouts
 * are not used. */
SUBPROC_API int subproc_pipeline_timeout(subproc_pipeline *pl, int timeout_ms, int sig,
                                         int grace_ms);

/** As subproc_cmd_stop, for every stage at once (thread-safe likewise). */
SUBPROC_API int subproc_pipeline_stop(subproc_pipeline *pl, int sig);

/** As subproc_cmd_on_signal, for the pipeline's stops. */
SUBPROC_API void subproc_pipeline_on_signal(subproc_pipeline *pl, subproc_notify_fn *fn, void *ctx);

/**
 * Starts every stage, first to last. If a stage fails to start, the stages
 * already started are killed (SIGKILL to the group) and reaped, every fd is
 * closed, and the error is returned with `err` filled; the failing stage
 * is given by subproc_pipeline_failed_stage, and the pipeline is left
 * unstarted, so it may be started again. Returns 0, -EINVAL (no stages),
 * -EBUSY (started), or a start error (step "pipe" for a pipe between two
 * stages); `err` names no step for -EINVAL and -EBUSY, see subproc_error.
 */
SUBPROC_API int subproc_pipeline_start(subproc_pipeline *pl, subproc_error *err);

/** The index of the stage whose start failed, or -1. */
SUBPROC_API int subproc_pipeline_failed_stage(const subproc_pipeline *pl);

/**
 * Waits for every stage, applying the timeout, and stores stage i's status
 * in statuses[i] when `statuses` is not NULL (it must have len entries).
 * Returns 0, -ETIMEDOUT (statuses filled), -EINVAL before start, -ECHILD
 * once waited for. -EINVAL, that -ECHILD, and subproc_pipeline_wait_fd's
 * -EINTR leave `statuses` as it was; every other return fills it.
 */
SUBPROC_API int subproc_pipeline_wait(subproc_pipeline *pl, subproc_status *statuses);

/** subproc_pipeline_wait that also returns -EINTR when `fd` polls
 * readable, as subproc_cmd_wait_fd. */
SUBPROC_API int subproc_pipeline_wait_fd(subproc_pipeline *pl, int fd, subproc_status *statuses);

/**
 * communicate for a pipeline: `in` goes to the first stage's stdin and the
 * last stage's stdout is captured into `out` (each made a pipe if left to
 * inherit), with the last stage's output limit and wait delay. Then every
 * stage is reaped. Same returns as subproc_cmd_communicate; `statuses` as
 * for subproc_pipeline_wait. Other pipes (a stage's stderr, say) are not
 * read here; give them a file, /dev/null or the caller's stderr. `out`
 * and `err` on failure as for subproc_cmd_communicate; an end that cannot
 * be made a pipe is -EINVAL with no stage changed.
 */
SUBPROC_API int subproc_pipeline_communicate(subproc_pipeline *pl, const void *in, size_t inlen,
                                             subproc_output *out, subproc_status *statuses,
                                             subproc_error *err);

/**
 * The status that stands for the whole pipeline once it was waited for:
 * the last stage's, or with `pipefail` (bash's set -o pipefail) that of
 * the last stage that did not exit with 0, if any. Returns a wait(2)-style
 * status, or -EINVAL before the pipeline was waited for.
 */
SUBPROC_API int subproc_pipeline_status(const subproc_pipeline *pl, bool pipefail);

/** As subproc_cmd_cgroup, for the whole pipeline: every stage in the one
 * cgroup, made when the pipeline starts (a stage with SUBPROC_CGROUP in
 * its attr makes the start fail with -EINVAL at step "attr"; a command
 * with a cgroup of its own is refused by subproc_pipeline_add, whose stop
 * could not reach it). subproc_pipeline_free, which kills a running
 * pipeline, kills what is left in the cgroup too and removes it. */
SUBPROC_API int subproc_pipeline_cgroup(subproc_pipeline *pl, const char *parent);
/** As subproc_cmd_cgroup_set, for the pipeline's cgroup. */
SUBPROC_API int subproc_pipeline_cgroup_set(subproc_pipeline *pl, const char *file,
                                            const char *value);
/** As subproc_cmd_cgroup_stats, for the pipeline's cgroup: every stage's tree. */
SUBPROC_API int subproc_pipeline_cgroup_stats(const subproc_pipeline *pl, subproc_cgroup_stats *st);
/** As subproc_cmd_cgroup_path. */
SUBPROC_API const char *subproc_pipeline_cgroup_path(const subproc_pipeline *pl);

/** Frees the pipeline and its commands, in any state: a running pipeline
 * is killed (SIGKILL to its group) and reaped. Accepts NULL. Returns NULL. */
SUBPROC_API subproc_pipeline *subproc_pipeline_free(subproc_pipeline *pl);

/* ------------------------------------------------------------------------ */
/* Sets: many commands at once, at most N running, finished ones handed     */
/* back in the order they end (ninja's SubprocessSet, make -j, xargs -P).   */
/* One thread drives a set; no thread per child and no SIGCHLD handler: a   */
/* set watches every child's pidfd and pipes in one epoll instance (a       */
/* wake-up works on the commands that had an event, not on all it holds),   */
/* and looks at a child without a pidfd (the fork path on an old kernel,    */
/* the portable build) every 1 to 50 ms. Each command's I/O, timeout,       */
/* output limit and stop are served as communicate serves them.             */
/* ------------------------------------------------------------------------ */

/** A set of commands. Opaque. */
typedef struct subproc_set subproc_set;

/** A command the set is done with, handed back by subproc_set_next. */
typedef struct subproc_done {
	subproc_cmd *cmd; /* the caller's again: free it with subproc_cmd_free */
	void *ctx;        /* as given to subproc_set_add */
	/* What communicate would have returned: 0, -ETIMEDOUT, -ENOBUFS, an
	 * I/O error, a start error (`error` names the step), or -ECANCELED
	 * for a command that subproc_set_stop kept from starting. */
	int result;
	bool reaped;             /* status holds the child's end */
	subproc_status status;   /* when reaped */
	subproc_output out;      /* captured stdout; the caller frees it */
	subproc_output err;      /* captured stderr; the caller frees it */
	subproc_error error;     /* a failed start's step; else no step, code result */
	struct timespec started; /* CLOCK_REALTIME at the start (0 if none) */
	struct timespec elapsed; /* from the start to the end (CLOCK_MONOTONIC) */
} subproc_done;

/** Creates an empty set with no limit on running commands. Returns 0 and
 * *out, -EINVAL (NULL `out`), -ENOMEM, or the errno of epoll_create1 or
 * timerfd_create (*out NULL on failure). */
SUBPROC_API int subproc_set_new(subproc_set **out);

/** At most `max` commands running at once (0: no limit, the default).
 * Lowering it stops no running command; it applies to the next start.
 * Returns 0. */
SUBPROC_API int subproc_set_limit(subproc_set *set, size_t max);

/**
 * Adds a command, not yet started, to start when the limit allows, in the
 * order added. On success the set owns `cmd` until subproc_set_next hands
 * it back (subproc_set_free frees what it still holds): meanwhile
 * subproc_cmd_start, wait and communicate refuse it with -EBUSY, and it
 * must not be freed. On failure it stays the caller's. Its streams are as
 * configured: each stdout or stderr set
 * to SUBPROC_STDIO_PIPE is captured into subproc_done's out or err (with
 * the command's limit, subproc_cmd_limit), or streamed to its callback
 * (subproc_cmd_on_output); `in` (inlen bytes, not copied: it must stay
 * valid until the command is handed back) is written to its stdin, which
 * becomes a pipe if left to inherit; with no input a stdin pipe is closed
 * at once. Returns 0, -EINVAL (NULL, input NULL with inlen > 0, input for
 * a stdin that is neither inherited nor a pipe), -EBUSY (started, a stage
 * of a pipeline, or in a set), -ENOMEM.
 */
SUBPROC_API int subproc_set_add(subproc_set *set, subproc_cmd *cmd, const void *in, size_t inlen,
                                void *ctx);

/**
 * Drives the set until a command is done, for up to timeout_ms (0: do not
 * block, for a caller's own loop; -1: no bound): starts queued commands up
 * to the limit, serves every running one, and hands back the one that
 * ended first, with its result, status and outputs, into *done (the
 * caller owns everything in it). A command whose start failed is done at
 * once and the next one starts. Returns 0, -EAGAIN (nothing was done in
 * time), -EINTR (a signal handler ran while it waited: nothing is lost,
 * call again), -ECHILD (the set holds no command), or -errno from
 * epoll_wait or poll (*done untouched on failure).
 */
SUBPROC_API int subproc_set_next(subproc_set *set, subproc_done *done, int timeout_ms);

/**
 * For a caller's own event loop (libuv, GLib, epoll): an fd that polls
 * readable whenever the set has work, including a due timeout, a start
 * the limit now allows, and a finished command not yet taken. Call
 * subproc_set_dispatch when it is readable, then subproc_set_next with
 * timeout 0 until -EAGAIN. Owned by the set. Returns the fd, or -ENOSYS in
 * the portable build, which has no such fd (drive it with
 * subproc_set_next there).
 */
SUBPROC_API int subproc_set_fd(subproc_set *set);

/** Serves what is ready now without blocking: subproc_set_next's work
 * with nothing handed back. Returns the number of done commands waiting
 * to be taken, or -errno (-EINTR as for subproc_set_next). */
SUBPROC_API int subproc_set_dispatch(subproc_set *set);

/**
 * Fail-fast: stops every running command as subproc_cmd_stop(cmd, sig)
 * would (0: each command's own timeout signal; its grace period, then
 * SIGKILL, apply) and keeps every queued one from starting (handed back
 * with -ECANCELED). Keep calling subproc_set_next to collect them all.
 * Commands added later start as usual. Returns 0 or -EINVAL (bad signal).
 */
SUBPROC_API int subproc_set_stop(subproc_set *set, int sig);

/** Commands running (started, not yet done). */
SUBPROC_API size_t subproc_set_running(const subproc_set *set);

/** Commands the set holds: queued, running, and done but not taken. */
SUBPROC_API size_t subproc_set_len(const subproc_set *set);

/** Frees the set, and every command it still holds: running ones are
 * killed (SIGKILL, to their group when they lead one) and reaped, so no
 * child, zombie or fd remains. Accepts NULL. Returns NULL. */
SUBPROC_API subproc_set *subproc_set_free(subproc_set *set);

/* ------------------------------------------------------------------------ */
/* posix_spawn, under the subproc_ prefix: the <spawn.h> family with its    */
/* standard signatures, run by subproc's engine, behaving as glibc 2.36     */
/* does (see the notes below), plus glibc 2.39's pidfd variants and cgroup  */
/* attribute. libsubproc-preload.so puts the same code under the real names */
/* for unmodified programs (LD_PRELOAD): every name of glibc's family up to */
/* 2.39, each under the symbol versions the system's libc gives it, and,    */
/* where libc has them, the old posix_spawn and posix_spawnp of programs    */
/* linked before glibc 2.15 (x86_64: @GLIBC_2.2.5), which run a file        */
/* without "#!" through /bin/sh where these functions return ENOEXEC.       */
/*                                                                          */
/* Unlike the rest of this header, and as POSIX requires, every function    */
/* here returns 0 or a POSITIVE error number, such as ENOENT.               */
/*                                                                          */
/* Unlike subproc_start, the child inherits every fd that is not            */
/* close-on-exec, as with posix_spawn; use addclosefrom_np to close the     */
/* rest. The subproc_ functions hold the fork lock for writing while they   */
/* start (see subproc_forklock_rdlock); the preload library's do not, as    */
/* glibc's do not (an unmodified program has no reader of the lock, and a   */
/* fork() in another thread while it was held would leave it taken for     */
/* good in the forked child). As with glibc, posix_spawn and posix_spawnp    */
/* need no free fd on the clone paths (the fork path needs two for its      */
/* status pipe: EMFILE); pidfd_spawn needs one, for the pidfd.              */
/* ------------------------------------------------------------------------ */

/**
 * A list of file actions, carried out in the child in the order they were
 * added, after the attributes (scheduling, setsid, setpgid, resetids) and
 * before the signal mask and execve. Opaque; as large as glibc's
 * posix_spawn_file_actions_t. An all-zero object is an empty list.
 */
typedef struct subproc_posix_spawn_file_actions {
	int allocated_;
	int used_;
	void *actions_;
	int reserved_[16];
} subproc_posix_spawn_file_actions_t;

/**
 * Spawn attributes. Opaque; as large as glibc's posix_spawnattr_t and never
 * allocating, so init cannot fail. An all-zero object is the default.
 */
typedef struct subproc_posix_spawnattr {
	short flags_;
	pid_t pgroup_;
	sigset_t sigdefault_;
	sigset_t sigmask_;
	int sched_priority_;
	int sched_policy_;
	int cgroup_fd_;
	int reserved_[15];
} subproc_posix_spawnattr_t;

/* Flags for subproc_posix_spawnattr_setflags, with <spawn.h>'s values on
 * glibc, so POSIX_SPAWN_* may be passed as well. */
/* RESETIDS: effective ids := real ids; where they differ, the spawn is made
 * without sharing memory (see SUBPROC_SETUID), so the caller stays dumpable. */
#define SUBPROC_POSIX_SPAWN_RESETIDS 0x01      /* effective ids := real ids */
#define SUBPROC_POSIX_SPAWN_SETPGROUP 0x02     /* setpgid(0, pgroup) */
#define SUBPROC_POSIX_SPAWN_SETSIGDEF 0x04     /* sigdefault's signals to SIG_DFL */
#define SUBPROC_POSIX_SPAWN_SETSIGMASK 0x08    /* sigmask instead of the caller's */
#define SUBPROC_POSIX_SPAWN_SETSCHEDPARAM 0x10 /* sched_setparam(schedparam) */
#define SUBPROC_POSIX_SPAWN_SETSCHEDULER 0x20  /* sched_setscheduler(policy, param) */
#define SUBPROC_POSIX_SPAWN_USEVFORK 0x40      /* accepted and ignored, as glibc */
#define SUBPROC_POSIX_SPAWN_SETSID 0x80        /* setsid(), before setpgid */
#define SUBPROC_POSIX_SPAWN_SETCGROUP 0x100    /* start in the cgroup (glibc 2.39) */

/**
 * posix_spawn: starts `path` with `argv` and `envp` (both NULL-terminated
 * and passed to execve as they are; envp NULL gives an empty environment),
 * after the attributes and file actions (each may be NULL).
 *
 * Returns 0 and writes the child's pid to *pid (when pid is not NULL) once
 * the program has been exec'ed; the caller then owns the child and must
 * reap it (waitpid). On failure returns the error and leaves *pid alone: an
 * error of the child (a file action, an attribute, execve) is returned
 * here and the child has been reaped, so no zombie is left. Errors include
 * EINVAL (path or argv NULL, where glibc would crash), ENOMEM, EAGAIN, and
 * whatever the failing step gave: ENOENT, EACCES, ENOEXEC (no shell is
 * tried for a file without "#!"), EBADF (a file action naming a closed
 * fd), EPERM (setpgid, scheduling)...
 */
SUBPROC_API int subproc_posix_spawn(pid_t *pid, const char *path,
                                    const subproc_posix_spawn_file_actions_t *file_actions,
                                    const subproc_posix_spawnattr_t *attr, char *const argv[],
                                    char *const envp[]);

/**
 * posix_spawnp: as subproc_posix_spawn, but a `file` without '/' is looked
 * up in PATH as glibc 2.36 does it: PATH is the caller's (not envp's), or
 * "/bin:/usr/bin" when unset; an empty entry means the directory the child
 * is in after the file actions; entries are tried in order in the child,
 * going on after ENOENT, ENOTDIR, EACCES, ESTALE, ENODEV and ETIMEDOUT and
 * stopping at any other error (ENOEXEC, say); when none works the result
 * is EACCES if any match was denied, else the last entry's error. An empty
 * `file` gives ENOENT and one longer than NAME_MAX ENAMETOOLONG, both after
 * the file actions ran, as with glibc. Unlike subproc_lookpath, a match
 * through a relative entry is not refused.
 */
SUBPROC_API int subproc_posix_spawnp(pid_t *pid, const char *file,
                                     const subproc_posix_spawn_file_actions_t *file_actions,
                                     const subproc_posix_spawnattr_t *attr, char *const argv[],
                                     char *const envp[]);

/**
 * pidfd_spawn (glibc 2.39): as subproc_posix_spawn, but on success stores a
 * pidfd for the child in *pidfd instead of a pid. The pidfd is
 * close-on-exec and owned by the caller, who must close it; the child must
 * still be reaped (waitid(P_PIDFD, ...)). A NULL `pidfd` is accepted, as by
 * glibc 2.39: the child runs and is reaped with wait(2). ENOSYS (with the
 * child killed and reaped) on a kernel too old to give one (before 5.3),
 * and in the portable build (SUBPROC_POSIX), which has no pidfds.
 * On failure *pidfd is left alone, as *pid is by posix_spawn.
 */
SUBPROC_API int subproc_pidfd_spawn(int *pidfd, const char *path,
                                    const subproc_posix_spawn_file_actions_t *file_actions,
                                    const subproc_posix_spawnattr_t *attr, char *const argv[],
                                    char *const envp[]);
/** pidfd_spawnp: subproc_pidfd_spawn with subproc_posix_spawnp's search. */
SUBPROC_API int subproc_pidfd_spawnp(int *pidfd, const char *file,
                                     const subproc_posix_spawn_file_actions_t *file_actions,
                                     const subproc_posix_spawnattr_t *attr, char *const argv[],
                                     char *const envp[]);

/** Makes `fa` an empty list. Allocates nothing; returns 0. */
SUBPROC_API int subproc_posix_spawn_file_actions_init(subproc_posix_spawn_file_actions_t *fa);
/** Frees the list's memory; `fa` must be initialised again before reuse.
 * Returns 0. */
SUBPROC_API int subproc_posix_spawn_file_actions_destroy(subproc_posix_spawn_file_actions_t *fa);

/*
 * The actions below are appended to the list and return 0, ENOMEM, or
 * EBADF for an fd outside [0, RLIMIT_NOFILE soft limit) where glibc checks
 * one (addfchdir_np does not check, as glibc). Strings are copied. The fds
 * are numbers in the child at that point of the list, never opened or
 * closed in the caller. On failure the list is unchanged.
 */

/** open(path, oflag, mode) onto `fd`: `fd` is closed first, and the file
 * moved there with dup2 when it opened elsewhere (losing O_CLOEXEC then). */
SUBPROC_API int subproc_posix_spawn_file_actions_addopen(subproc_posix_spawn_file_actions_t *fa,
                                                         int fd, const char *path, int oflag,
                                                         mode_t mode);
/** close(fd); an fd that is not open is not an error. */
SUBPROC_API int subproc_posix_spawn_file_actions_addclose(subproc_posix_spawn_file_actions_t *fa,
                                                          int fd);
/** dup2(fd, newfd); with fd == newfd, clears close-on-exec on fd instead
 * (POSIX.1-2024). A closed fd fails the spawn with EBADF. */
SUBPROC_API int subproc_posix_spawn_file_actions_adddup2(subproc_posix_spawn_file_actions_t *fa,
                                                         int fd, int newfd);
/** chdir(path). A relative path, and later relative opens and PATH
 * entries, are taken from the directory the child is in at that point. */
SUBPROC_API int subproc_posix_spawn_file_actions_addchdir_np(subproc_posix_spawn_file_actions_t *fa,
                                                             const char *path);
/** fchdir(fd). The fd is not checked here (EBADF comes from the spawn). */
SUBPROC_API int
subproc_posix_spawn_file_actions_addfchdir_np(subproc_posix_spawn_file_actions_t *fa, int fd);
/** Closes every fd from `from` upward, at once (a later action naming one
 * fails with EBADF). */
SUBPROC_API int
subproc_posix_spawn_file_actions_addclosefrom_np(subproc_posix_spawn_file_actions_t *fa, int from);
/** tcsetpgrp(fd, the child's process group): puts the child's group in the
 * foreground of the terminal `fd`. ENOTTY from the spawn when it is not a
 * terminal, or not the child's controlling terminal. */
SUBPROC_API int
subproc_posix_spawn_file_actions_addtcsetpgrp_np(subproc_posix_spawn_file_actions_t *fa, int fd);

/** Sets every attribute to its default (no flag, all-zero values).
 * Returns 0. */
SUBPROC_API int subproc_posix_spawnattr_init(subproc_posix_spawnattr_t *attr);
/** Nothing to free; returns 0. */
SUBPROC_API int subproc_posix_spawnattr_destroy(subproc_posix_spawnattr_t *attr);

/** Sets the SUBPROC_POSIX_SPAWN_* flags; EINVAL (and no change) for an
 * unknown bit. Only flagged attributes are used by the spawn. */
SUBPROC_API int subproc_posix_spawnattr_setflags(subproc_posix_spawnattr_t *attr, short flags);
SUBPROC_API int subproc_posix_spawnattr_getflags(const subproc_posix_spawnattr_t *attr,
                                                 short *flags);
/** The group for SETPGROUP: 0 makes a new one (the child's pid). Not
 * checked here; a bad one fails the spawn (EINVAL, EPERM). */
SUBPROC_API int subproc_posix_spawnattr_setpgroup(subproc_posix_spawnattr_t *attr, pid_t pgroup);
SUBPROC_API int subproc_posix_spawnattr_getpgroup(const subproc_posix_spawnattr_t *attr,
                                                  pid_t *pgroup);
/** The mask for SETSIGMASK, copied as given. As with glibc, the two
 * signals glibc keeps for itself (32 and 33) are never blocked in the
 * child. */
SUBPROC_API int subproc_posix_spawnattr_setsigmask(subproc_posix_spawnattr_t *attr,
                                                   const sigset_t *sigmask);
SUBPROC_API int subproc_posix_spawnattr_getsigmask(const subproc_posix_spawnattr_t *attr,
                                                   sigset_t *sigmask);
/** The signals SETSIGDEF resets to SIG_DFL, ignored ones included (handled
 * ones are reset anyway). As with glibc, signals 32 and 33 (glibc's own)
 * are left ignored in the child unless listed here. */
SUBPROC_API int subproc_posix_spawnattr_setsigdefault(subproc_posix_spawnattr_t *attr,
                                                      const sigset_t *sigdefault);
SUBPROC_API int subproc_posix_spawnattr_getsigdefault(const subproc_posix_spawnattr_t *attr,
                                                      sigset_t *sigdefault);
/** The parameters for SETSCHEDPARAM and SETSCHEDULER; not checked here. */
SUBPROC_API int subproc_posix_spawnattr_setschedparam(subproc_posix_spawnattr_t *attr,
                                                      const struct sched_param *param);
SUBPROC_API int subproc_posix_spawnattr_getschedparam(const subproc_posix_spawnattr_t *attr,
                                                      struct sched_param *param);
/** The policy for SETSCHEDULER: SCHED_OTHER, SCHED_FIFO or SCHED_RR, else
 * EINVAL (glibc 2.36 refuses SCHED_BATCH and SCHED_IDLE too). */
SUBPROC_API int subproc_posix_spawnattr_setschedpolicy(subproc_posix_spawnattr_t *attr, int policy);
SUBPROC_API int subproc_posix_spawnattr_getschedpolicy(const subproc_posix_spawnattr_t *attr,
                                                       int *policy);
/** The cgroup v2 directory fd for SETCGROUP (glibc 2.39). The fd stays the
 * caller's and must be open at the spawn; the child starts in that cgroup
 * (CLONE_INTO_CGROUP, or the child joins it first thing). */
SUBPROC_API int subproc_posix_spawnattr_setcgroup_np(subproc_posix_spawnattr_t *attr,
                                                     int cgroup_fd);
SUBPROC_API int subproc_posix_spawnattr_getcgroup_np(const subproc_posix_spawnattr_t *attr,
                                                     int *cgroup_fd);

#ifdef __cplusplus
}
#endif

#endif /* SUBPROC_H */
