/*
 * The proc layer: a process (DESIGN.md, "Layers"). It validates what the
 * caller described, compiles it into a sys_plan, and turns what sys reports
 * into errors that name the step, the path and the fd.
 */
#ifndef SUBPROC_PROC_H
#define SUBPROC_PROC_H

#include "subproc.h"
#include "sys/sys.h"

#include <limits.h>

struct proc_plan {
	struct sys_plan sys;
	const subproc_attr *attr;
	void *mem; /* steps, rlimits and scratch, in one allocation */
	char resolved[PATH_MAX];
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

/* The name prlimit(1) gives a resource, such as "nofile"; NULL if unknown. */
const char *rlimit_name(int resource);

#endif
