/*
 * The posix_spawn front end (DESIGN.md, "Layers"): what spawn.c shares with
 * the preload library. Hidden in both libraries.
 */
#ifndef SUBPROC_POSIX_H
#define SUBPROC_POSIX_H

#include "subproc.h"

#include <stdbool.h>

/* How posix_spawn_run runs. */
struct posix_how {
	bool search;          /* posix_spawnp's PATH lookup */
	bool forklock;        /* hold subproc's fork lock for writing */
	bool pidfd;           /* a pidfd is wanted (pidfd_spawn); else none is made */
	const char *launched; /* out: the launch path taken, "" if none */
};

/*
 * The spawn behind every public entry: the glibc-compatible contract of
 * subproc_posix_spawn. On success stores the pid in *ret_pid and the pidfd
 * in *ret_pidfd when they are not NULL (only with how->pidfd, else -1; -1
 * too where there is none). Returns 0 or a positive errno.
 */
int posix_spawn_run(pid_t *ret_pid, int *ret_pidfd, const char *file,
                    const subproc_posix_spawn_file_actions_t *fa,
                    const subproc_posix_spawnattr_t *attr, char *const argv[], char *const envp[],
                    struct posix_how *how);

#endif
