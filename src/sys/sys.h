/* SPDX-License-Identifier: MIT */
/*
 * The sys layer, the lowest of the four (sys, proc, cmd, front ends): the
 * kernel boundary.
 *
 * The proc layer compiles a description of the child into a struct sys_plan:
 * a flat list of steps with every string, array and buffer already in place.
 * sys_launch creates the child, which runs the steps in order with raw
 * system calls and then execve; the parent learns either the pid (and pidfd)
 * or which step failed with which errno. Nothing here allocates.
 */
#ifndef SUBPROC_SYS_H
#define SUBPROC_SYS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Functions that cross files carry the reserved prefix subproc__ in the
 * objects, so that a program linked statically with the library never
 * clashes with them; the code uses the short names. */
#define sys_block_all_signals subproc__sys_block_all_signals
#define sys_child_entry subproc__sys_child_entry
#define sys_child_run subproc__sys_child_run
#define sys_child_stack subproc__sys_child_stack
#define sys_clone3_call subproc__sys_clone3_call
#define sys_clone_call subproc__sys_clone_call
#define sys_forklock_wrlock subproc__sys_forklock_wrlock
#define sys_forklock_wrunlock subproc__sys_forklock_wrunlock
#define sys_launch subproc__sys_launch
#define sys_launch_env_text subproc__sys_launch_env_text
#define sys_launch_fork subproc__sys_launch_fork
#define sys_status_read subproc__sys_status_read
#define sys_pidfd_open subproc__sys_pidfd_open
#define sys_pidfd_signal subproc__sys_pidfd_signal
#define sys_reap subproc__sys_reap
#define sys_restore_signals subproc__sys_restore_signals
#define sys_sigset_bits subproc__sys_sigset_bits
#define sys_wait subproc__sys_wait
#define sys_wait_once subproc__sys_wait_once
#define sys_launch_vm subproc__sys_launch_vm
#define sys_pipe_cloexec subproc__sys_pipe_cloexec
#define sys_cloexec_atomic subproc__sys_cloexec_atomic
#define sys_fd_or_errno subproc__sys_fd_or_errno
#define sys_uid_changes subproc__sys_uid_changes
#define sys_gid_changes subproc__sys_gid_changes
#define sys_open_dir_path subproc__sys_open_dir_path
#define sys_check_in_root subproc__sys_check_in_root
#define sys_fork_call subproc__sys_fork_call
#define sys_idmap_write subproc__sys_idmap_write
#define sys_isolation_supported subproc__sys_isolation_supported
#define sys_ns_refused subproc__sys_ns_refused
#define sys_ns_flags subproc__sys_ns_flags

/* One past the highest signal number a plan can name: signals 1 to 64, the
 * kernel's form (NSIG is not POSIX's). */
#define SYS_NSIG 65

/* One operation of the child. The comment names the fields it reads. */
enum sys_op {
	SYS_OP_CGROUP,      /* fd: cgroup directory (skipped when clone3 placed it) */
	SYS_OP_SETSID,      /* - */
	SYS_OP_SETPGID,     /* arg: group to join, 0 for a new one */
	SYS_OP_TCSETPGRP,   /* fd: terminal; the child's own group goes foreground */
	SYS_OP_CHROOT,      /* ptr: path */
	SYS_OP_SETGROUPS,   /* arg: count, ptr: gid_t array */
	SYS_OP_SETGID,      /* arg: gid */
	SYS_OP_SETUID,      /* arg: uid */
	SYS_OP_CHDIR,       /* ptr: path */
	SYS_OP_PDEATHSIG,   /* arg: signal; re-checked against plan->ppid */
	SYS_OP_FDMAP,       /* arg: count, ptr: int array of sources (-1 closes) */
	SYS_OP_NOCTTY,      /* - */
	SYS_OP_SETCTTY,     /* fd: terminal, numbered as in the child */
	SYS_OP_CLOSEFROM,   /* fd: lowest fd not passed on; they go at execve */
	SYS_OP_UMASK,       /* arg: mask */
	SYS_OP_RLIMIT,      /* ptr: struct sys_rlimit */
	SYS_OP_RLIMIT_HARD, /* ptr: struct sys_rlimit; only its hard limit, raised */
	SYS_OP_SIGNALS,     /* reset handlers, then install the mask */
	SYS_OP_EXECVE,      /* plan->path, argv, envp; then plan->script_argv */

	/* The posix_spawn front end's steps. Its file actions act on the fd
	 * numbers the caller gave, so on the fork path the status pipe must
	 * first get out of their way. */
	SYS_OP_STATUS_ABOVE,  /* fd: lowest number the status pipe may have */
	SYS_OP_SCHED,         /* arg: policy, -1 for the parameters only; ptr: struct sched_param */
	SYS_OP_RESETIDS,      /* effective ids back to the real ones */
	SYS_OP_OPEN,          /* fd: target; ptr: struct sys_open */
	SYS_OP_CLOSE,         /* fd; an fd that is not open is no error */
	SYS_OP_DUP2,          /* fd: source, arg: target; equal ones clear close-on-exec */
	SYS_OP_FCHDIR,        /* fd */
	SYS_OP_CLOSEFROM_NOW, /* fd: lowest fd, closed now (not at execve) */
	SYS_OP_EXECVP,        /* ptr: NULL-terminated candidates; arg: errno if none;
	                       * then plan->script_argv */
	SYS_OP_SIGIGNORE,     /* ptr: uint64_t, signals (kernel form) set to SIG_IGN;
	                       * not arg, which a 32-bit long would cut */

	/* Isolation (Linux; the portable build's plan never has them). */
	SYS_OP_UNSHARE,       /* ptr: uint64_t, CLONE_NEW* flags; those the launch did
	                       * not create the child in (sys_child.ns_done) */
	SYS_OP_IDMAP_WAIT,    /* - : tell the parent, then wait while it writes the maps */
	SYS_OP_MOUNT_PRIVATE, /* ptr: "/"; MS_REC|MS_PRIVATE */
	SYS_OP_MOUNT_PROC,    /* ptr: "/proc" */
	SYS_OP_HOSTNAME,      /* ptr: name, arg: its length */
	SYS_OP_KEEPCAPS,      /* - */
	SYS_OP_CAPSET,        /* ptr: struct sys_caps */
	SYS_OP_CAPBSET,       /* ptr: struct sys_caps; detail: the capability */
	SYS_OP_AMBIENT,       /* ptr: struct sys_caps; detail: the capability */
	SYS_OP_PTRACE,        /* - */
	SYS_OP_NO_NEW_PRIVS,  /* - */
	SYS_OP_SECCOMP,       /* ptr: struct sock_fprog */
};

/* The capability steps' sets (bit n: capability n). */
struct sys_caps {
	uint64_t ambient;  /* raised in the ambient set (and so the inheritable one) */
	uint64_t bounding; /* with drop_bounding: the bounding set keeps these */
	bool drop_bounding;
};

/* A user namespace's maps, as the text the parent writes into
 * /proc/PID/{uid_map,setgroups,gid_map}; each NULL when not written. */
struct sys_idmap {
	const char *uid_map;
	const char *setgroups;
	const char *gid_map;
};

/* SYS_OP_OPEN: open `path` and put it at the step's fd. */
struct sys_open {
	const char *path;
	int flags;
	mode_t mode;
};

struct sys_step {
	int op;
	int fd;
	long arg;
	const void *ptr;
};

/* A resource limit in the kernel's 64-bit form. */
struct sys_rlimit {
	int resource;
	uint64_t cur;
	uint64_t max;
};

enum sys_launch {
	SYS_LAUNCH_DEFAULT = 0, /* same values as enum subproc_launch */
	SYS_LAUNCH_CLONE3,
	SYS_LAUNCH_CLONE,
	SYS_LAUNCH_FORK,
};

struct sys_plan {
	const char *path;
	char *const *argv;
	char *const *envp;
	const struct sys_step *steps;
	size_t nsteps;
	/* Signal sets in the kernel's form: signal n is bit n-1. The child
	 * gets `mask` when use_mask, else the calling thread's mask. */
	bool use_mask;
	uint64_t mask;
	/* Signals reset to SIG_DFL even when ignored (handled ones always are). */
	uint64_t sigdefault;
	/* The child's workspace for SYS_OP_FDMAP: one int per map entry. It is
	 * the only parent memory, beside the result, that the child writes. */
	int *scratch;
	pid_t ppid;    /* the parent's pid, for SYS_OP_PDEATHSIG */
	int cgroup_fd; /* -1, or the cgroup clone3 should start the child in */
	/* When > 0, every fd the child needs from the parent is below it, and
	 * the rest are closed anyway: the CLONE_VM paths may then share the
	 * parent's fd table (CLONE_FILES) instead of copying all of it, and
	 * the child's first act takes a private copy of just these fds. A
	 * parent with 10,000 fds otherwise pays for copying them all. */
	int unshare_below;
	int launch;    /* enum sys_launch */
	bool forklock; /* hold the fork lock for writing around the launch */
	/* The child changes its credentials. The kernel then marks the
	 * memory it runs in non-dumpable (commit_creds), which for a child
	 * sharing the parent's memory would be the parent's, for good: such
	 * a start never shares memory, whatever the launch asked for. */
	bool own_memory;
	/* No pidfd is wanted (posix_spawn): none is made, so that a start with
	 * a full fd table needs no free slot on the CLONE_VM paths. */
	bool no_pidfd;
	/* CLONE_NEW* flags: the namespaces the child starts in, as launch
	 * flags where the launch takes them; the plan's SYS_OP_UNSHARE step
	 * makes the rest. */
	uint64_t ns;
	/* Not NULL: the parent writes these maps while the child waits at
	 * SYS_OP_IDMAP_WAIT. The parent cannot run while a CLONE_VFORK child
	 * has not exec'd, so such a start never shares memory. */
	const struct sys_idmap *idmap;
	/* When not NULL, an exec step that fails with ENOEXEC runs
	 * script_argv[0] with this argv (and the plan's envp) instead: the
	 * file as a shell script without "#!", which glibc's posix_spawn did
	 * before 2.15 and still does for programs linked against that. */
	char *const *script_argv;
};

struct sys_child;

/* What the child reports when a step fails. */
struct sys_result {
	int index;  /* the failing step, or one of the SYS_INDEX_* below */
	int detail; /* for SYS_OP_FDMAP: the map entry; else 0 */
	int err;    /* positive errno */
};
#define SYS_INDEX_LAUNCH (-1)  /* creating the child failed */
#define SYS_INDEX_PIPE (-2)    /* the fork path's status pipe could not be made */
#define SYS_INDEX_UNSHARE (-3) /* the child could not unshare the fd table */
#define SYS_INDEX_ENV (-4)     /* SUBPROC_LAUNCH has a value no launch has */
#define SYS_INDEX_NS (-5)      /* the launch refused the namespace flags */
/* The parent could not write a map file; detail: the child's pid. */
#define SYS_INDEX_UID_MAP (-6)
#define SYS_INDEX_SETGROUPS_FILE (-7)
#define SYS_INDEX_GID_MAP (-8)
/* Not a failure: a child at SYS_OP_IDMAP_WAIT, ready for its maps. */
#define SYS_INDEX_READY (-9)

/*
 * Launches the child described by `plan`. Returns 0 with *pid and *pidfd
 * (-1 where none) once it has exec'ed. Otherwise returns -errno with *res
 * saying where; a child that failed a step has been reaped already.
 * *launched names the path taken ("clone3", "clone", "fork").
 */
int sys_launch(const struct sys_plan *plan, pid_t *pid, int *pidfd, struct sys_result *res,
               const char **launched);
/* The calling thread's child stack: its top, with the usable size and the
 * guard page's below it; NULL before the thread's first CLONE_VM start. For
 * the tests, which check that it is one mapping per thread, reused. */
char *sys_child_stack(size_t *size, size_t *guard);
/* After SYS_INDEX_ENV: "SUBPROC_LAUNCH=value", as the environment had it. */
const char *sys_launch_env_text(void);

/* The launch paths, each with sys_launch's contract (launch_*.c). */
int sys_launch_fork(const struct sys_plan *plan, pid_t *pid, struct sys_result *res);
/*
 * The fork path's fork (ns_linux.c, ns_posix.c): fork(), or where the plan
 * has namespaces, a clone without CLONE_VM that creates the child in them
 * (sets c->ns_done). Returns the pid in the parent, 0 in the child, or
 * -errno. Signals are blocked around it by the caller.
 */
pid_t sys_fork_call(const struct sys_plan *plan, struct sys_child *c);
/*
 * Writes the plan's maps into /proc/PID (ns_linux.c): 0, or -errno with
 * res->index one of SYS_INDEX_UID_MAP, _SETGROUPS_FILE, _GID_MAP and
 * res->detail the pid.
 */
int sys_idmap_write(const struct sys_idmap *idmap, pid_t pid, struct sys_result *res);
/* Whether this build can isolate a child at all (namespaces, capabilities,
 * seccomp, ptrace): false in the portable build. */
bool sys_isolation_supported(void);
/* Whether a launch that failed with err (positive) did so because of its
 * namespace flags, as far as the errno can say. */
bool sys_ns_refused(int err);
/* The CLONE_NEW* flags of subproc_ns bits (enum subproc_ns; 0 in the
 * portable build). */
uint64_t sys_ns_flags(unsigned subproc_ns);
/* The CLONE_VM launches, clone3 and clone (launch_linux.c; the portable
 * build has none and says ENOSYS). Returns 1, having started nothing, when
 * a default start is to take the fork path instead. */
int sys_launch_vm(const struct sys_plan *plan, int mode, pid_t *pid, int *pidfd,
                  struct sys_result *res, const char **launched);
/*
 * The parent's side of the status pipe (launch_fork.c), once its own write
 * end is closed: reads until the child's exec closes the pipe (returns 0) or
 * a report arrives (returns -errno with *res; the child has been reaped).
 * Closes `rd`.
 */
int sys_status_read(int rd, pid_t child, struct sys_result *res);

/* The child: runs the plan and execs, or reports and exits 127 (child.c). */
struct sys_child {
	const struct sys_plan *plan;
	struct sys_result *result; /* written on failure when status_fd < 0 */
	int status_fd;             /* the status pipe's write end, or -1 */
	int status_rd;             /* its read end, which the child closes first */
	/* Set by a CLONE_VM child as its first act. Still false once the
	 * launch returns, the child did not run in this memory: a user-mode
	 * emulator (qemu-user) turned the launch into a fork. */
	bool entered;
	bool handlers_cleared; /* clone3 reset the handlers already */
	bool cgroup_done;      /* clone3 placed the child in its cgroup */
	uint64_t ns_done;      /* CLONE_NEW* flags the launch created it with */
	/* The fork path's pipe from the parent for SYS_OP_IDMAP_WAIT: the
	 * child reads sync_rd and closes sync_wr first; -1 when none. */
	int sync_rd, sync_wr;
	bool files_shared; /* started with CLONE_FILES: unshare first */
	uint64_t oldmask;  /* the caller's mask, saved by the parent */
};
_Noreturn void sys_child_run(struct sys_child *child);
/* The child's first frame on the CLONE_VM paths: sys_child_run(arg). In
 * child.c, so that nothing the child runs is instrumented. */
void sys_child_entry(void *arg);

/* Whether setuid(id) or setgid(id) would change any of the real,
 * effective and saved ids (launch_linux.c): such a start needs memory of
 * its own (sys_plan.own_memory). The portable build has no start that
 * shares memory, and says true. */
bool sys_uid_changes(uid_t id);
bool sys_gid_changes(gid_t id);

/* A directory opened only to resolve paths from (path_linux.c: O_PATH;
 * path_posix.c: O_RDONLY). Returns the fd or -errno. */
int sys_open_dir_path(const char *path);
/* Whether `path`, resolved inside rootfd as a chroot would (symlinks and
 * ".." kept inside), names a regular file we may execute: 0 or -errno, or 1
 * when the system cannot resolve it that way (openat2's RESOLVE_IN_ROOT,
 * Linux 5.6) and the caller must take the path as it is. */
int sys_check_in_root(int rootfd, const char *path);

/* Converts a sigset_t to the kernel's 64-bit form. */
uint64_t sys_sigset_bits(const sigset_t *set);

/* Blocks every signal of the calling thread; returns the old mask. */
uint64_t sys_block_all_signals(void);
void sys_restore_signals(uint64_t mask);

/* The fork lock (cloexec.c). */
void sys_forklock_wrlock(void);
void sys_forklock_wrunlock(void);
/* Whether this system makes every fd close-on-exec as it creates it
 * (cloexec_linux.c). Where it cannot (cloexec_posix.c), the library's fds
 * are made under the fork lock for reading, and every start holds it for
 * writing. A function, not a constant: a global would be one more symbol
 * of the static library (and a sanitizer's ODR indicator beside it). */
bool sys_cloexec_atomic(void);
/* A close-on-exec pipe, without the lock: for a start, which holds it for
 * writing already when it must. Returns 0 or -errno. */
int sys_pipe_cloexec(int fds[2]);
/* fd, or -errno when it is negative. */
int sys_fd_or_errno(int fd);

/* Waiting (wait.c). */
#define SYS_WAIT_STOPPED 1u
#define SYS_WAIT_CONTINUED 2u
/*
 * Waits for `pid` (through `pidfd` when >= 0). timeout_ms < 0 blocks, 0
 * polls. Returns 1 with *status and *ru filled when the child changed state,
 * 0 on timeout, or -errno. *ended tells whether it was reaped.
 */
int sys_wait(pid_t pid, int pidfd, unsigned flags, int timeout_ms, int *status, struct rusage *ru,
             bool *ended);
/* Reaps a child that is known to have ended or to be ending. */
void sys_reap(pid_t pid, int pidfd);
/* One wait (wait_linux.c, wait_posix.c): waitid's options (WEXITED,
 * WSTOPPED, WCONTINUED, WNOHANG), EINTR absorbed. Returns 1 when the child
 * changed state, 0 when WNOHANG found nothing, or -errno. */
int sys_wait_once(pid_t pid, int pidfd, int options, int *status, struct rusage *ru, bool *ended);

int sys_pidfd_open(pid_t pid);
int sys_pidfd_signal(int pidfd, int sig);

#endif
