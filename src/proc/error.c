/* SPDX-License-Identifier: MIT */
/*
 * Errors that name the step (Go's PathError, in C).
 */
#include "proc.h"

#include <stdio.h>
#include <string.h>

static const char *const step_names[SUBPROC_STEP_COUNT_] = {
	[SUBPROC_STEP_NONE] = "",
	[SUBPROC_STEP_ARGV] = "argv",
	[SUBPROC_STEP_ENV] = "env",
	[SUBPROC_STEP_ATTR] = "attr",
	[SUBPROC_STEP_LOOKPATH] = "lookpath",
	[SUBPROC_STEP_ALLOC] = "alloc",
	[SUBPROC_STEP_PIPE] = "pipe",
	[SUBPROC_STEP_LAUNCH] = "launch",
	[SUBPROC_STEP_CGROUP] = "cgroup",
	[SUBPROC_STEP_SETSID] = "setsid",
	[SUBPROC_STEP_SETPGID] = "setpgid",
	[SUBPROC_STEP_TCSETPGRP] = "tcsetpgrp",
	[SUBPROC_STEP_CHROOT] = "chroot",
	[SUBPROC_STEP_SETGROUPS] = "setgroups",
	[SUBPROC_STEP_SETGID] = "setgid",
	[SUBPROC_STEP_SETUID] = "setuid",
	[SUBPROC_STEP_CHDIR] = "chdir",
	[SUBPROC_STEP_PDEATHSIG] = "pdeathsig",
	[SUBPROC_STEP_DUP2] = "dup2",
	[SUBPROC_STEP_NOCTTY] = "noctty",
	[SUBPROC_STEP_SETCTTY] = "setctty",
	[SUBPROC_STEP_CLOSEFDS] = "closefds",
	[SUBPROC_STEP_UMASK] = "umask",
	[SUBPROC_STEP_RLIMIT] = "setrlimit",
	[SUBPROC_STEP_SIGNALS] = "signals",
	[SUBPROC_STEP_EXECVE] = "execve",
	[SUBPROC_STEP_OPEN] = "open",
	[SUBPROC_STEP_UNSHARE] = "unshare",
	[SUBPROC_STEP_UID_MAP] = "uid_map",
	[SUBPROC_STEP_GID_MAP] = "gid_map",
	[SUBPROC_STEP_MOUNT] = "mount",
	[SUBPROC_STEP_HOSTNAME] = "sethostname",
	[SUBPROC_STEP_KEEPCAPS] = "keepcaps",
	[SUBPROC_STEP_CAPSET] = "capset",
	[SUBPROC_STEP_CAPBSET] = "capbset",
	[SUBPROC_STEP_AMBIENT] = "ambient",
	[SUBPROC_STEP_PTRACE] = "ptrace",
	[SUBPROC_STEP_NO_NEW_PRIVS] = "no_new_privs",
	[SUBPROC_STEP_SECCOMP] = "seccomp",
	[SUBPROC_STEP_CGROUP_CREATE] = "cgroup_create",
	[SUBPROC_STEP_CGROUP_WRITE] = "cgroup_write",
};

const char *subproc_step_name(int step)
{
	if (step < 0 || step >= SUBPROC_STEP_COUNT_)
		return "unknown";
	return step_names[step];
}

void error_clear(subproc_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->step = SUBPROC_STEP_NONE;
	err->fd = -1;
	err->path[0] = '\0';
}

int error_set(subproc_error *err, int code, int step, const char *path, int fd)
{
	if (err != NULL) {
		err->code = code;
		err->step = step;
		err->fd = fd;
		snprintf(err->path, sizeof err->path, "%s", path != NULL ? path : "");
	}
	return code;
}

int subproc_error_format(const subproc_error *err, char *buf, size_t size)
{
	const char *step = subproc_step_name(err->step);
	const char *what = subproc_strerror(err->code);

	if (err->path[0] != '\0')
		return snprintf(buf, size, "%s %s: %s", step, err->path, what);
	if (err->fd >= 0)
		return snprintf(buf, size, "%s fd %d: %s", step, err->fd, what);
	/* A failure outside the start's steps (-EBUSY, a wait that timed out)
	 * has no step to name: ": ETIMEDOUT" would read as a typo. */
	if (step[0] == '\0')
		return snprintf(buf, size, "%s", what);
	return snprintf(buf, size, "%s: %s", step, what);
}

const char *rlimit_name(int resource)
{
	switch (resource) {
	case RLIMIT_AS:
		return "as";
	case RLIMIT_CORE:
		return "core";
	case RLIMIT_CPU:
		return "cpu";
	case RLIMIT_DATA:
		return "data";
	case RLIMIT_FSIZE:
		return "fsize";
	case RLIMIT_NOFILE:
		return "nofile";
	case RLIMIT_STACK:
		return "stack";
#ifdef RLIMIT_LOCKS
	case RLIMIT_LOCKS:
		return "locks";
#endif
#ifdef RLIMIT_MEMLOCK
	case RLIMIT_MEMLOCK:
		return "memlock";
#endif
#ifdef RLIMIT_MSGQUEUE
	case RLIMIT_MSGQUEUE:
		return "msgqueue";
#endif
#ifdef RLIMIT_NICE
	case RLIMIT_NICE:
		return "nice";
#endif
#ifdef RLIMIT_NPROC
	case RLIMIT_NPROC:
		return "nproc";
#endif
#ifdef RLIMIT_RSS
	case RLIMIT_RSS:
		return "rss";
#endif
#ifdef RLIMIT_RTPRIO
	case RLIMIT_RTPRIO:
		return "rtprio";
#endif
#ifdef RLIMIT_RTTIME
	case RLIMIT_RTTIME:
		return "rttime";
#endif
#ifdef RLIMIT_SIGPENDING
	case RLIMIT_SIGPENDING:
		return "sigpending";
#endif
	default:
		return NULL;
	}
}
