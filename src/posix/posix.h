/* SPDX-License-Identifier: MIT */
/*
 * The posix_spawn front end: what spawn.c shares with
 * the preload library. Hidden in both libraries.
 */
#ifndef SUBPROC_POSIX_H
#define SUBPROC_POSIX_H

#include "subproc.h"

#include <stdbool.h>

/* The objects' names carry the reserved prefix (see sys/sys.h). */
#define posix_spawn_run subproc__posix_spawn_run

/* How posix_spawn_run runs. */
struct posix_how {
	bool search;   /* posix_spawnp's PATH lookup */
	bool forklock; /* hold subproc's fork lock for writing */
	/* glibc's posix_spawn before 2.15: a file execve refuses with ENOEXEC
	 * runs through /bin/sh (the preload's old symbol versions only). */
	bool enoexec_shell;
	const char *launched; /* out: the launch path taken, "" if none */
};

/*
 * The spawn behind every public entry: the glibc-compatible contract of
 * subproc_posix_spawn. On success stores the pid in *ret_pid when it is not
 * NULL, and the pidfd in *ret_pidfd when that is not NULL (no pidfd is
 * made otherwise, so no free fd is needed). Asking for a pidfd makes it
 * required: on a kernel without pidfds the child, whose pid the caller may
 * never learn, is killed and reaped, and the result is ENOSYS. Returns 0 or
 * a positive errno.
 */
int posix_spawn_run(pid_t *ret_pid, int *ret_pidfd, const char *file,
                    const subproc_posix_spawn_file_actions_t *fa,
                    const subproc_posix_spawnattr_t *attr, char *const argv[], char *const envp[],
                    struct posix_how *how);

#endif
