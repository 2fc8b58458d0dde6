/* SPDX-License-Identifier: MIT */
/*
 * Compiled, never run, by header_test.sh: a program that includes nothing
 * but <subproc.h> and uses what its documentation tells callers to use
 * (every constant, type and function, the errno values results are
 * compared with, the signals, flags and limits the options take), so that
 * a header that stops including what its documented use needs fails the
 * build of this file under -std=c17 -D_POSIX_C_SOURCE=200809L -Werror.
 */
#include <subproc.h>

typedef void any_fn(void);

/* Taking each function's address needs its declaration. */
any_fn *const functions[] = {
	(any_fn *)subproc_accept,
	(any_fn *)subproc_cmd_arg,
	(any_fn *)subproc_cmd_attr,
	(any_fn *)subproc_cmd_clearenv,
	(any_fn *)subproc_cmd_close,
	(any_fn *)subproc_cmd_communicate,
	(any_fn *)subproc_cmd_dir,
	(any_fn *)subproc_cmd_extra_fd,
	(any_fn *)subproc_cmd_fd,
	(any_fn *)subproc_cmd_free,
	(any_fn *)subproc_cmd_kill_on_free,
	(any_fn *)subproc_cmd_limit,
	(any_fn *)subproc_cmd_new,
	(any_fn *)subproc_cmd_on_output,
	(any_fn *)subproc_cmd_cgroup,
	(any_fn *)subproc_cmd_cgroup_set,
	(any_fn *)subproc_cmd_cgroup_stats,
	(any_fn *)subproc_cmd_cgroup_path,
	(any_fn *)subproc_pipeline_cgroup,
	(any_fn *)subproc_pipeline_cgroup_set,
	(any_fn *)subproc_pipeline_cgroup_stats,
	(any_fn *)subproc_pipeline_cgroup_path,
	(any_fn *)subproc_cmd_on_signal,
	(any_fn *)subproc_cmd_output,
	(any_fn *)subproc_cmd_proc,
	(any_fn *)subproc_cmd_run,
	(any_fn *)subproc_cmd_setenv,
	(any_fn *)subproc_cmd_start,
	(any_fn *)subproc_cmd_stdio,
	(any_fn *)subproc_cmd_stdio_fd,
	(any_fn *)subproc_cmd_stdio_file,
	(any_fn *)subproc_cmd_stop,
	(any_fn *)subproc_cmd_timeout,
	(any_fn *)subproc_cmd_unsetenv,
	(any_fn *)subproc_cmd_wait,
	(any_fn *)subproc_cmd_wait_fd,
	(any_fn *)subproc_cmd_waitdelay,
	(any_fn *)subproc_dup,
	(any_fn *)subproc_errno_name,
	(any_fn *)subproc_error_format,
	(any_fn *)subproc_exec,
	(any_fn *)subproc_forklock_rdlock,
	(any_fn *)subproc_forklock_rdunlock,
	(any_fn *)subproc_lookpath,
	(any_fn *)subproc_open,
	(any_fn *)subproc_output_free,
	(any_fn *)subproc_pid,
	(any_fn *)subproc_pidfd,
	(any_fn *)subproc_pidfd_spawn,
	(any_fn *)subproc_pidfd_spawnp,
	(any_fn *)subproc_pipe,
	(any_fn *)subproc_pipeline_add,
	(any_fn *)subproc_pipeline_cmd,
	(any_fn *)subproc_pipeline_communicate,
	(any_fn *)subproc_pipeline_failed_stage,
	(any_fn *)subproc_pipeline_free,
	(any_fn *)subproc_pipeline_len,
	(any_fn *)subproc_pipeline_new,
	(any_fn *)subproc_pipeline_on_signal,
	(any_fn *)subproc_pipeline_start,
	(any_fn *)subproc_pipeline_status,
	(any_fn *)subproc_pipeline_stop,
	(any_fn *)subproc_pipeline_timeout,
	(any_fn *)subproc_pipeline_wait,
	(any_fn *)subproc_pipeline_wait_fd,
	(any_fn *)subproc_set_add,
	(any_fn *)subproc_set_dispatch,
	(any_fn *)subproc_set_fd,
	(any_fn *)subproc_set_free,
	(any_fn *)subproc_set_len,
	(any_fn *)subproc_set_limit,
	(any_fn *)subproc_set_new,
	(any_fn *)subproc_set_next,
	(any_fn *)subproc_set_running,
	(any_fn *)subproc_set_stop,
	(any_fn *)subproc_posix_spawn,
	(any_fn *)subproc_posix_spawn_file_actions_addchdir_np,
	(any_fn *)subproc_posix_spawn_file_actions_addclose,
	(any_fn *)subproc_posix_spawn_file_actions_addclosefrom_np,
	(any_fn *)subproc_posix_spawn_file_actions_adddup2,
	(any_fn *)subproc_posix_spawn_file_actions_addfchdir_np,
	(any_fn *)subproc_posix_spawn_file_actions_addopen,
	(any_fn *)subproc_posix_spawn_file_actions_addtcsetpgrp_np,
	(any_fn *)subproc_posix_spawn_file_actions_destroy,
	(any_fn *)subproc_posix_spawn_file_actions_init,
	(any_fn *)subproc_posix_spawnattr_destroy,
	(any_fn *)subproc_posix_spawnattr_getcgroup_np,
	(any_fn *)subproc_posix_spawnattr_getflags,
	(any_fn *)subproc_posix_spawnattr_getpgroup,
	(any_fn *)subproc_posix_spawnattr_getschedparam,
	(any_fn *)subproc_posix_spawnattr_getschedpolicy,
	(any_fn *)subproc_posix_spawnattr_getsigdefault,
	(any_fn *)subproc_posix_spawnattr_getsigmask,
	(any_fn *)subproc_posix_spawnattr_init,
	(any_fn *)subproc_posix_spawnattr_setcgroup_np,
	(any_fn *)subproc_posix_spawnattr_setflags,
	(any_fn *)subproc_posix_spawnattr_setpgroup,
	(any_fn *)subproc_posix_spawnattr_setschedparam,
	(any_fn *)subproc_posix_spawnattr_setschedpolicy,
	(any_fn *)subproc_posix_spawnattr_setsigdefault,
	(any_fn *)subproc_posix_spawnattr_setsigmask,
	(any_fn *)subproc_posix_spawnp,
	(any_fn *)subproc_release,
	(any_fn *)subproc_signal,
	(any_fn *)subproc_signal_name,
	(any_fn *)subproc_signal_parse,
	(any_fn *)subproc_socket,
	(any_fn *)subproc_start,
	(any_fn *)subproc_status_continued,
	(any_fn *)subproc_status_core_dumped,
	(any_fn *)subproc_status_exit_code,
	(any_fn *)subproc_status_exited,
	(any_fn *)subproc_status_format,
	(any_fn *)subproc_status_signal,
	(any_fn *)subproc_status_signaled,
	(any_fn *)subproc_status_stop_signal,
	(any_fn *)subproc_status_stopped,
	(any_fn *)subproc_step_name,
	(any_fn *)subproc_strerror,
	(any_fn *)subproc_version,
	(any_fn *)subproc_wait,
};

/* The library's own constants, as integer constant expressions. */
const long constants[] = {
	SUBPROC_STEP_NONE,
	SUBPROC_STEP_ARGV,
	SUBPROC_STEP_ENV,
	SUBPROC_STEP_ATTR,
	SUBPROC_STEP_LOOKPATH,
	SUBPROC_STEP_ALLOC,
	SUBPROC_STEP_PIPE,
	SUBPROC_STEP_LAUNCH,
	SUBPROC_STEP_CGROUP,
	SUBPROC_STEP_SETSID,
	SUBPROC_STEP_SETPGID,
	SUBPROC_STEP_TCSETPGRP,
	SUBPROC_STEP_CHROOT,
	SUBPROC_STEP_SETGROUPS,
	SUBPROC_STEP_SETGID,
	SUBPROC_STEP_SETUID,
	SUBPROC_STEP_CHDIR,
	SUBPROC_STEP_PDEATHSIG,
	SUBPROC_STEP_DUP2,
	SUBPROC_STEP_NOCTTY,
	SUBPROC_STEP_SETCTTY,
	SUBPROC_STEP_CLOSEFDS,
	SUBPROC_STEP_UMASK,
	SUBPROC_STEP_RLIMIT,
	SUBPROC_STEP_SIGNALS,
	SUBPROC_STEP_EXECVE,
	SUBPROC_STEP_OPEN,
	SUBPROC_STEP_UNSHARE,
	SUBPROC_STEP_UID_MAP,
	SUBPROC_STEP_GID_MAP,
	SUBPROC_STEP_MOUNT,
	SUBPROC_STEP_HOSTNAME,
	SUBPROC_STEP_KEEPCAPS,
	SUBPROC_STEP_CAPSET,
	SUBPROC_STEP_CAPBSET,
	SUBPROC_STEP_AMBIENT,
	SUBPROC_STEP_PTRACE,
	SUBPROC_STEP_NO_NEW_PRIVS,
	SUBPROC_STEP_SECCOMP,
	SUBPROC_STEP_CGROUP_CREATE,
	SUBPROC_STEP_CGROUP_WRITE,
	SUBPROC_STEP_COUNT_,
	SUBPROC_LAUNCH_DEFAULT,
	SUBPROC_LAUNCH_CLONE3,
	SUBPROC_LAUNCH_CLONE,
	SUBPROC_LAUNCH_FORK,
	SUBPROC_PATH_SEARCH,
	SUBPROC_PATH_ALLOW_DOT,
	SUBPROC_INHERIT_FDS,
	SUBPROC_SETSID,
	SUBPROC_SETPGID,
	SUBPROC_SETCTTY,
	SUBPROC_FOREGROUND,
	SUBPROC_NOCTTY,
	SUBPROC_SETUID,
	SUBPROC_SETGID,
	SUBPROC_SETGROUPS,
	SUBPROC_UMASK,
	SUBPROC_CGROUP,
	SUBPROC_SIGMASK,
	SUBPROC_SIGDEFAULT,
	SUBPROC_KEEP_GROUPS,
	SUBPROC_PTRACE,
	SUBPROC_NS_USER,
	SUBPROC_NS_PID,
	SUBPROC_NS_MOUNT,
	SUBPROC_NS_NET,
	SUBPROC_NS_UTS,
	SUBPROC_NS_IPC,
	SUBPROC_NS_CGROUP,
	SUBPROC_NS_TIME,
	SUBPROC_SETGROUPS_DEFAULT,
	SUBPROC_SETGROUPS_ALLOW,
	SUBPROC_SETGROUPS_DENY,
	SUBPROC_MOUNT_PROC,
	SUBPROC_NO_NEW_PRIVS,
	SUBPROC_BOUNDING_SET,
	SUBPROC_CGROUP_CPU,
	SUBPROC_CGROUP_MEMORY_PEAK,
	SUBPROC_CGROUP_PIDS_PEAK,
	SUBPROC_CGROUP_OOM_KILLS,
	SUBPROC_WAIT_STOPPED,
	SUBPROC_WAIT_CONTINUED,
	SUBPROC_LOOKPATH_ALLOW_DOT,
	SUBPROC_STDIO_INHERIT,
	SUBPROC_STDIO_NULL,
	SUBPROC_STDIO_PIPE,
	SUBPROC_STDIO_MERGE,
	SUBPROC_LIMIT_FAIL,
	SUBPROC_LIMIT_KEEP_ENDS,
	SUBPROC_ERROR_PATH_MAX,
	SUBPROC_STDIO_NONBLOCK,
	SUBPROC_GRACE_NEVER,
	SUBPROC_POSIX_SPAWN_RESETIDS,
	SUBPROC_POSIX_SPAWN_SETPGROUP,
	SUBPROC_POSIX_SPAWN_SETSIGDEF,
	SUBPROC_POSIX_SPAWN_SETSIGMASK,
	SUBPROC_POSIX_SPAWN_SETSCHEDPARAM,
	SUBPROC_POSIX_SPAWN_SETSCHEDULER,
	SUBPROC_POSIX_SPAWN_USEVFORK,
	SUBPROC_POSIX_SPAWN_SETSID,
	SUBPROC_POSIX_SPAWN_SETCGROUP,
};

/* The errno values the documentation names as results. */
const int errors[] = {
	ENOENT, EACCES, ENOEXEC, E2BIG,        EINVAL,    EBADF,  ENOMEM,    EAGAIN, EMFILE,
	ENFILE, EPERM,  ESRCH,   ECHILD,       ETIMEDOUT, EINTR,  ENOBUFS,   EBUSY,  EPIPE,
	ENOSYS, ENOTTY, ENOTDIR, ENAMETOOLONG, ESTALE,    ENODEV, ECANCELED,
};

/* What callers pass in: signals, open and socket flags, limits, scheduling. */
const long arguments[] = {
	SIGTERM,     SIGKILL,     SIGCONT,       SIGPIPE,     SIGCHLD,  SIGINT,
	SIG_BLOCK,   O_NONBLOCK,  O_CLOEXEC,     O_RDONLY,    O_WRONLY, O_CREAT,
	O_TRUNC,     O_APPEND,    SOCK_NONBLOCK, SOCK_STREAM, AF_UNIX,  RLIMIT_NOFILE,
	RLIMIT_CORE, SCHED_OTHER, SCHED_FIFO,    SCHED_RR,
};

const char *const version = SUBPROC_VERSION;

/* Every public type, complete where callers fill or read it. */
long types(void);
long types(void)
{
	subproc_error err = {0};
	subproc_rlimit rl = {.resource = RLIMIT_NOFILE, .limit = {.rlim_cur = 1, .rlim_max = 1}};
	subproc_idmap map = {.inside = 0, .outside = 1000, .count = 1};
	subproc_isolation iso = {.namespaces = SUBPROC_NS_USER,
	                         .uid_map = &map,
	                         .nuid_map = 1,
	                         .ambient = SUBPROC_CAP(10),
	                         .seccomp = NULL};
	subproc_attr attr = {.rlimits = &rl, .nrlimits = 1, .isolation = &iso};
	subproc_cgroup_stats cgs = {0};
	subproc_status st = {0};
	subproc_output out = {0};
	subproc_posix_spawn_file_actions_t fa = {0};
	subproc_posix_spawnattr_t sa = {0};
	struct sched_param sp = {.sched_priority = 0};
	subproc_proc *proc = NULL;
	subproc_cmd *cmd = NULL;
	subproc_pipeline *pl = NULL;
	subproc_notify_fn *fn = NULL;
	subproc_output_fn *ofn = NULL;
	subproc_set *cs = NULL;
	subproc_done done = {0};
	enum subproc_step step = SUBPROC_STEP_NONE;
	pid_t pid = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	mode_t mode = 0;
	socklen_t len = 0;
	sigset_t set;

	sigemptyset(&set);
	attr.sigmask = set;
	(void)subproc_posix_spawnattr_setschedparam(&sa, &sp);
	return (long)err.code + attr.nfiles + st.rusage.ru_maxrss + (long)out.len + fa.used_ +
	       sa.flags_ + (proc == NULL) + (cmd == NULL) + (pl == NULL) + (fn == NULL) +
	       (ofn == NULL) + (cs == NULL) + done.result + done.reaped + (long)done.err.len +
	       step + pid + (long)uid + (long)gid + (long)mode + (long)len +
	       (long)attr.isolation->nuid_map + (long)cgs.user_usec + (long)cgs.have;
}
