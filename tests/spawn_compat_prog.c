/* SPDX-License-Identifier: MIT */
/*
 * subproc-spawn-compat-prog: a program as if linked against glibc before
 * 2.15, whose posix_spawn and posix_spawnp are the old symbol versions
 * (posix_spawn@GLIBC_2.2.5 on x86_64), beside the current ones; linked
 * against libc alone, for the preload test. The old versions run a file
 * without "#!" through /bin/sh when execve says ENOEXEC; the current ones
 * return ENOEXEC. One line per check, the same whoever implements them.
 *
 * Usage: subproc-spawn-compat-prog SCRATCH-DIR
 *
 * Where libc has no old version (every architecture younger than glibc
 * 2.15) it prints "no old posix_spawn" and does nothing else.
 */
#define _GNU_SOURCE

#include "preload_versions.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(PRELOAD_COMPAT_posix_spawn) && defined(PRELOAD_COMPAT_posix_spawnp)

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *, char *const[], char *const[]);

/* References to the old versions, under names of our own. */
extern spawn_fn old_posix_spawn, old_posix_spawnp;
__asm__(".symver old_posix_spawn, posix_spawn@" PRELOAD_COMPAT_posix_spawn);
__asm__(".symver old_posix_spawnp, posix_spawnp@" PRELOAD_COMPAT_posix_spawnp);

extern char **environ;

static const char *dir;
static char marker[4096];

/* Runs one spawn and prints its result, how the child ended and what the
 * script wrote, with the scratch directory's name replaced by DIR. */
static void check(const char *what, spawn_fn *fn, const char *file, char *const argv[],
                  char *const envp[])
{
	char buf[8192];
	pid_t pid = -777;
	int r, st = 0;
	FILE *f;

	unlink(marker);
	r = fn(&pid, file, NULL, NULL, argv, envp);
	if (r != 0) {
		printf("%s: error %d, pid %s\n", what, r, pid == -777 ? "untouched" : "written");
	} else if (waitpid(pid, &st, 0) != pid) {
		printf("%s: waitpid: %s\n", what, strerror(errno));
	} else if (WIFEXITED(st)) {
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	} else {
		printf("%s: status 0x%x\n", what, st);
	}
	f = fopen(marker, "r");
	while (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
		size_t n = strlen(dir);
		char *p = buf;

		printf("  ran: ");
		for (char *q; (q = strstr(p, dir)) != NULL; p = q + n)
			printf("%.*sDIR", (int)(q - p), p);
		printf("%s", p);
	}
	if (f != NULL)
		fclose(f);
}

static int write_script(const char *path, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	/* No "#!": execve refuses it with ENOEXEC. */
	fprintf(f, "echo \"$0 $*\" > '%s'\nexit 65\n", marker);
	fclose(f);
	return chmod(path, mode);
}

int main(int argc, char **argv)
{
	char bin[4096], script[8192], plain[8192], path[8192];
	char *const args[] = {"script", "one", "two", NULL};
	char *const empty[] = {NULL};

	if (argc != 2) {
		fprintf(stderr, "usage: subproc-spawn-compat-prog SCRATCH-DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	dir = argv[1];
	snprintf(marker, sizeof marker, "%s/marker", dir);
	snprintf(bin, sizeof bin, "%s/bin", dir);
	snprintf(script, sizeof script, "%s/script", bin);
	snprintf(plain, sizeof plain, "%s/not-executable", bin);
	if ((mkdir(bin, 0755) < 0 && errno != EEXIST) || write_script(script, 0755) < 0 ||
	    write_script(plain, 0644) < 0) {
		perror(bin);
		return 2;
	}

	/* glibc's tst-spawn4-compat: no arguments, no environment. */
	check("old posix_spawn, empty argv", old_posix_spawn, script, empty, empty);
	check("old posix_spawnp, empty argv", old_posix_spawnp, script, empty, empty);
	check("old posix_spawn", old_posix_spawn, script, args, environ);
	check("old posix_spawnp", old_posix_spawnp, script, args, environ);
	check("posix_spawn", posix_spawn, script, args, environ);
	check("posix_spawnp", posix_spawnp, script, args, environ);

	/* Found in PATH, the shell is given the name as the caller wrote it,
	 * so from elsewhere the shell does not find it. */
	snprintf(path, sizeof path, "%s:/usr/bin:/bin", bin);
	setenv("PATH", path, 1);
	if (chdir(dir) < 0)
		return 2;
	check("old posix_spawnp from PATH, elsewhere", old_posix_spawnp, "script", args, environ);
	if (chdir(bin) < 0)
		return 2;
	check("old posix_spawnp from PATH, in its directory", old_posix_spawnp, "script", args,
	      environ);
	check("posix_spawnp from PATH", posix_spawnp, "script", args, environ);

	/* Errors other than ENOEXEC do not try the shell. */
	check("old posix_spawn, not executable", old_posix_spawn, plain, args, environ);
	check("old posix_spawn, missing", old_posix_spawn, "/nonexistent/script", args, environ);
	return 0;
}

#else

int main(void)
{
	puts("no old posix_spawn");
	return 0;
}

#endif
