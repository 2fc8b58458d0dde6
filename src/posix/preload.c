/* SPDX-License-Identifier: MIT */
/*
 * libsubproc-preload.so: the posix_spawn family under its real names, so
 * that `LD_PRELOAD=libsubproc-preload.so PROGRAM` runs an unmodified
 * program's posix_spawn calls through subproc. The library carries its own
 * copy of subproc's objects, all hidden: it exports the names below and
 * nothing else (a version script makes sure).
 *
 * Our objects live inside the caller's glibc objects: the file actions are
 * exactly as large as posix_spawn_file_actions_t (a count and a pointer to
 * our heap list), and the attributes fit posix_spawnattr_t without any
 * allocation. That holds for programs that create, use and destroy them
 * only through these functions, so every name of glibc's family up to 2.39
 * is here, even those this libc lacks: one left to libc would read our
 * records as its own (libc's posix_spawn given our file actions fails with
 * EBADF). The file is built with -fno-strict-aliasing, since the caller's
 * object is read through our type.
 *
 * Each name carries the symbol versions libc gives it (the version script
 * is generated from libc's own table), since a program's references are
 * versioned and bind only to a definition of their version. Where libc
 * also has an old posix_spawn and posix_spawnp (GLIBC_2.2.5 on x86_64, for
 * programs linked before glibc 2.15), so does the preload, with the old
 * behaviour: a file execve refuses with ENOEXEC runs through /bin/sh.
 *
 * With SUBPROC_PRELOAD_DEBUG=1 every spawn writes one line to stderr.
 */
#include "posix.h"
#include "preload_versions.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

_Static_assert(sizeof(subproc_posix_spawn_file_actions_t) <= sizeof(posix_spawn_file_actions_t),
               "our file actions must fit glibc's");
_Static_assert(_Alignof(subproc_posix_spawn_file_actions_t) <= _Alignof(posix_spawn_file_actions_t),
               "our file actions must be aligned as glibc's");
_Static_assert(sizeof(subproc_posix_spawnattr_t) <= sizeof(posix_spawnattr_t),
               "our attributes must fit glibc's");
_Static_assert(_Alignof(subproc_posix_spawnattr_t) <= _Alignof(posix_spawnattr_t),
               "our attributes must be aligned as glibc's");

#define FA(p) ((subproc_posix_spawn_file_actions_t *)(void *)(p))
#define CFA(p) ((const subproc_posix_spawn_file_actions_t *)(const void *)(p))
#define AT(p) ((subproc_posix_spawnattr_t *)(void *)(p))
#define CAT(p) ((const subproc_posix_spawnattr_t *)(const void *)(p))

/* One line, written with a single write(2) so lines from several threads
 * do not interleave. errno is kept: the caller may look at it. */
static void debug_line(const char *fn, const char *file, int r, pid_t pid, int pidfd,
                       const char *launched)
{
	const char *v = getenv("SUBPROC_PRELOAD_DEBUG");
	char line[512], fdtext[32] = "";
	int saved = errno, n;

	if (v == NULL || strcmp(v, "1") != 0)
		return;
	if (pidfd >= 0)
		snprintf(fdtext, sizeof fdtext, ", pidfd %d", pidfd);
	if (r == 0)
		n = snprintf(line, sizeof line,
		             "subproc-preload: %s(\"%s\") = 0, pid %d%s, via %s\n", fn,
		             file != NULL ? file : "(null)", (int)pid, fdtext, launched);
	else
		n = snprintf(line, sizeof line, "subproc-preload: %s(\"%s\") = %d (%s)\n", fn,
		             file != NULL ? file : "(null)", r, subproc_errno_name(r));
	if (n > (int)sizeof line - 1) {
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && write(2, line, (size_t)n) < 0) {
		/* Nowhere left to say it. */
	}
	errno = saved;
}

/* What sets one entry point apart from another. */
struct entry {
	const char *fn; /* its name, for the debug line */
	bool search;    /* posix_spawnp's PATH lookup */
	bool old;       /* the ENOEXEC shell of the versions before glibc 2.15 */
};

static int spawn(const struct entry *e, pid_t *pid, int *pidfd, const char *file,
                 const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
                 char *const argv[], char *const envp[])
{
	/* No fork lock: an unmodified program has no reader of it, and a
	 * fork() in another thread while a spawn held it would leave the
	 * lock taken for good in the forked child. glibc has none either. */
	struct posix_how how = {.search = e->search, .forklock = false, .enoexec_shell = e->old};
	pid_t child = -1;
	int fd = -1, r;

	r = posix_spawn_run(&child, pidfd != NULL ? &fd : NULL, file, CFA(fa), CAT(attr), argv,
	                    envp, &how);
	if (r == 0 && pid != NULL)
		*pid = child;
	if (r == 0 && pidfd != NULL)
		*pidfd = fd;
	debug_line(e->fn, file, r, child, fd, how.launched);
	return r;
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static const struct entry e = {"posix_spawn", false, false};

	return spawn(&e, pid, NULL, path, fa, attr, argv, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static const struct entry e = {"posix_spawnp", true, false};

	return spawn(&e, pid, NULL, file, fa, attr, argv, envp);
}

/* The old versions: exported under the names of glibc's own (.symver), the
 * functions' own names made local by the version script. */
#ifdef PRELOAD_COMPAT_posix_spawn
EXPORT int preload_posix_spawn_old(pid_t *pid, const char *path,
                                   const posix_spawn_file_actions_t *fa,
                                   const posix_spawnattr_t *attr, char *const argv[],
                                   char *const envp[])
{
	static const struct entry e = {"posix_spawn@" PRELOAD_COMPAT_posix_spawn, false, true};

	return spawn(&e, pid, NULL, path, fa, attr, argv, envp);
}
__asm__(".symver preload_posix_spawn_old, posix_spawn@" PRELOAD_COMPAT_posix_spawn);
#endif

#ifdef PRELOAD_COMPAT_posix_spawnp
EXPORT int preload_posix_spawnp_old(pid_t *pid, const char *file,
                                    const posix_spawn_file_actions_t *fa,
                                    const posix_spawnattr_t *attr, char *const argv[],
                                    char *const envp[])
{
	static const struct entry e = {"posix_spawnp@" PRELOAD_COMPAT_posix_spawnp, true, true};

	return spawn(&e, pid, NULL, file, fa, attr, argv, envp);
}
__asm__(".symver preload_posix_spawnp_old, posix_spawnp@" PRELOAD_COMPAT_posix_spawnp);
#endif

/* glibc 2.39's. A NULL pidfd is allowed there; here its pidfd is closed
 * rather than lost. */
EXPORT int pidfd_spawn(int *pidfd, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static const struct entry e = {"pidfd_spawn", false, false};
	int fd = -1, r;

	r = spawn(&e, NULL, &fd, path, fa, attr, argv, envp);
	if (r == 0 && pidfd != NULL)
		*pidfd = fd;
	else if (r == 0)
		close(fd);
	return r;
}

EXPORT int pidfd_spawnp(int *pidfd, const char *file, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	static const struct entry e = {"pidfd_spawnp", true, false};
	int fd = -1, r;

	r = spawn(&e, NULL, &fd, file, fa, attr, argv, envp);
	if (r == 0 && pidfd != NULL)
		*pidfd = fd;
	else if (r == 0)
		close(fd);
	return r;
}

EXPORT int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	return subproc_posix_spawn_file_actions_init(FA(fa));
}

EXPORT int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	return subproc_posix_spawn_file_actions_destroy(FA(fa));
}

EXPORT int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd,
                                            const char *path, int oflag, mode_t mode)
{
	return subproc_posix_spawn_file_actions_addopen(FA(fa), fd, path, oflag, mode);
}

EXPORT int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	return subproc_posix_spawn_file_actions_addclose(FA(fa), fd);
}

EXPORT int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
	return subproc_posix_spawn_file_actions_adddup2(FA(fa), fd, newfd);
}

EXPORT int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *fa, const char *path)
{
	return subproc_posix_spawn_file_actions_addchdir_np(FA(fa), path);
}

EXPORT int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)
{
	return subproc_posix_spawn_file_actions_addfchdir_np(FA(fa), fd);
}

EXPORT int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int from)
{
	return subproc_posix_spawn_file_actions_addclosefrom_np(FA(fa), from);
}

EXPORT int posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *fa, int fd)
{
	return subproc_posix_spawn_file_actions_addtcsetpgrp_np(FA(fa), fd);
}

EXPORT int posix_spawnattr_init(posix_spawnattr_t *attr)
{
	return subproc_posix_spawnattr_init(AT(attr));
}

EXPORT int posix_spawnattr_destroy(posix_spawnattr_t *attr)
{
	return subproc_posix_spawnattr_destroy(AT(attr));
}

EXPORT int posix_spawnattr_getflags(const posix_spawnattr_t *attr, short *flags)
{
	return subproc_posix_spawnattr_getflags(CAT(attr), flags);
}

EXPORT int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)
{
	/* SETCGROUP included: setcgroup_np is here, as in glibc 2.39. */
	return subproc_posix_spawnattr_setflags(AT(attr), flags);
}

EXPORT int posix_spawnattr_getpgroup(const posix_spawnattr_t *attr, pid_t *pgroup)
{
	return subproc_posix_spawnattr_getpgroup(CAT(attr), pgroup);
}

EXPORT int posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup)
{
	return subproc_posix_spawnattr_setpgroup(AT(attr), pgroup);
}

EXPORT int posix_spawnattr_getsigmask(const posix_spawnattr_t *attr, sigset_t *sigmask)
{
	return subproc_posix_spawnattr_getsigmask(CAT(attr), sigmask);
}

EXPORT int posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const sigset_t *sigmask)
{
	return subproc_posix_spawnattr_setsigmask(AT(attr), sigmask);
}

EXPORT int posix_spawnattr_getsigdefault(const posix_spawnattr_t *attr, sigset_t *sigdefault)
{
	return subproc_posix_spawnattr_getsigdefault(CAT(attr), sigdefault);
}

EXPORT int posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const sigset_t *sigdefault)
{
	return subproc_posix_spawnattr_setsigdefault(AT(attr), sigdefault);
}

EXPORT int posix_spawnattr_getschedparam(const posix_spawnattr_t *attr, struct sched_param *param)
{
	return subproc_posix_spawnattr_getschedparam(CAT(attr), param);
}

EXPORT int posix_spawnattr_setschedparam(posix_spawnattr_t *attr, const struct sched_param *param)
{
	return subproc_posix_spawnattr_setschedparam(AT(attr), param);
}

EXPORT int posix_spawnattr_getschedpolicy(const posix_spawnattr_t *attr, int *policy)
{
	return subproc_posix_spawnattr_getschedpolicy(CAT(attr), policy);
}

EXPORT int posix_spawnattr_setschedpolicy(posix_spawnattr_t *attr, int policy)
{
	return subproc_posix_spawnattr_setschedpolicy(AT(attr), policy);
}

EXPORT int posix_spawnattr_getcgroup_np(const posix_spawnattr_t *attr, int *cgroup)
{
	return subproc_posix_spawnattr_getcgroup_np(CAT(attr), cgroup);
}

EXPORT int posix_spawnattr_setcgroup_np(posix_spawnattr_t *attr, int cgroup)
{
	return subproc_posix_spawnattr_setcgroup_np(AT(attr), cgroup);
}
