/* SPDX-License-Identifier: MIT */
/*
 * Exec in place (as Go's syscall.Exec): the environment defaults to the
 * current one.
 */
#include "proc.h"

#include <errno.h>
#include <unistd.h>

extern char **environ;

int subproc_exec(const char *path, char *const argv[], char *const env[], subproc_error *err)
{
	int r;

	error_clear(err);
	if (path == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ARGV, NULL, -1);
	if ((r = check_argv(argv, err)) < 0 || (r = check_env(env, err)) < 0)
		return r;
	execve(path, argv, env != NULL ? env : environ);
	return error_set(err, -errno, SUBPROC_STEP_EXECVE, path, -1);
}
