/* SPDX-License-Identifier: MIT */
/*
 * The proc layer, between sys and cmd: a process. It validates what the
 * caller described, compiles it into a sys_plan, and turns what sys reports
 * into errors that name the step, the path and the fd.
 */
#ifndef SUBPROC_PROC_H
#define SUBPROC_PROC_H

#include "subproc.h"
#include "sys/sys.h"

#include <limits.h>

/* The objects' names carry the reserved prefix (see sys/sys.h). */
#define check_argv subproc__check_argv
#define check_env subproc__check_env
#define error_clear subproc__error_clear
#define error_set subproc__error_set
#define lookpath_path_of subproc__lookpath_path_of
#define lookpath_where subproc__lookpath_where
#define plan_build subproc__plan_build
#define plan_free subproc__plan_free
#define plan_report subproc__plan_report
#define proc_spawn subproc__proc_spawn
#define proc_spawn_abandon subproc__proc_spawn_abandon
#define rlimit_name subproc__rlimit_name

/* The end of the PATH entry at p: the next ':' or the string's end (GNU's
 * strchrnul, which POSIX lacks). */
static inline const char *proc_entry_end(const char *p)
{
	while (*p != '\0' && *p != ':')
		p++;
	return p;
}

struct proc_plan {
	struct sys_plan sys;
	const subproc_attr *attr;
	void *mem;      /* steps, rlimits and scratch, in one allocation */
	char *resolved; /* the PATH match, NULL without a search */
	/* What isolation steps point at (the plan does not move between
	 * plan_build and the launch). */
	uint64_t ns;
	struct sys_caps caps;
	struct sys_idmap idmap;
	char *idmap_text; /* the uid_map and gid_map texts, NULL when none */
};

/* Validates and compiles. On failure nothing is held and *err is filled. */
int plan_build(struct proc_plan *pl, const char *path, char *const argv[], const subproc_attr *attr,
               subproc_error *err);
/* Fills *err from what sys_launch reported; `code` is its return value. */
void plan_report(const struct proc_plan *pl, const struct sys_result *res, const char *launched,
                 int code, subproc_error *err);
void plan_free(struct proc_plan *pl);

/* Validation shared by start and exec. */
int check_argv(char *const argv[], subproc_error *err);
int check_env(char *const env[], subproc_error *err);

/* error.c */
void error_clear(subproc_error *err);
int error_set(subproc_error *err, int code, int step, const char *path, int fd);

/* lookpath.c: PATH as `env` (or the caller's environment) has it. */
const char *lookpath_path_of(char *const env[]);
/* subproc_lookpath for `file` without '/', looking where a child whose new
 * root is `root` and whose directory is `dir` (either NULL for the
 * caller's) will exec; `out` gets the name the child should exec. */
int lookpath_where(const char *file, char *const env[], unsigned flags, const char *root,
                   const char *dir, char *out, size_t outlen);

/* spawn.c: a start as posix_spawn describes one. */
enum proc_action_kind {
	PROC_ACT_OPEN,      /* open path (oflag, mode) onto fd */
	PROC_ACT_CLOSE,     /* close fd; one that is not open is no error */
	PROC_ACT_DUP2,      /* dup2 fd onto newfd; equal ones clear close-on-exec */
	PROC_ACT_CHDIR,     /* chdir path */
	PROC_ACT_FCHDIR,    /* fchdir fd */
	PROC_ACT_CLOSEFROM, /* close every fd from fd upward */
	PROC_ACT_TCSETPGRP, /* make the child's group the foreground of fd */
};

struct proc_action {
	int kind; /* enum proc_action_kind */
	int fd;
	int newfd;
	const char *path;
	int oflag;
	mode_t mode;
};

enum { PROC_SCHED_NONE, PROC_SCHED_PARAM, PROC_SCHED_POLICY };

struct proc_spawn {
	const char *path;        /* what execve runs, without search */
	bool search;             /* execvp: try candidates in order */
	char *const *candidates; /* with search; NULL: none */
	int none_err;            /* with search: the errno when nothing ran */
	char *const *argv;       /* as given: may be empty */
	char *const *envp;
	const struct proc_action *actions;
	size_t nactions;
	int cgroup_fd; /* -1: none */
	int sched;     /* PROC_SCHED_* */
	int sched_policy;
	int sched_priority;
	bool setsid, setpgid, resetids;
	pid_t pgid;
	const sigset_t *sigdefault; /* NULL: none */
	const sigset_t *sigmask;    /* NULL: the caller's */
	bool forklock;              /* hold the fork lock for writing */
	bool want_pidfd;            /* a pidfd is needed: pidfd_spawn */
	/* A file execve refuses with ENOEXEC runs as "/bin/sh FILE ARG1...",
	 * as glibc's posix_spawn and posix_spawnp before 2.15 did; FILE is
	 * the path as given, even after a search. */
	bool enoexec_shell;
};

/* Starts it. Returns 0 with the pid and, with want_pidfd, the pidfd (-1
 * where there is none, the caller's to close), or -errno with the child
 * reaped; *launched names the launch path taken ("" if none). */
int proc_spawn(const struct proc_spawn *sp, pid_t *pid, int *pidfd, const char **launched);
/* Kills and reaps a child that proc_spawn started and nobody will wait for. */
void proc_spawn_abandon(pid_t pid, int pidfd);

/* The name prlimit(1) gives a resource, such as "nofile"; NULL if unknown. */
const char *rlimit_name(int resource);

#endif
