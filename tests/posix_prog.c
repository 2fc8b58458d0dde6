/*
 * subproc-posix-prog: an ordinary program written against <spawn.h>, which
 * knows nothing of subproc and is linked against libc alone, for the
 * preload test. Its output is the same whoever implements posix_spawn:
 *
 *   subproc-posix-prog SCRATCH-DIR
 *       a fixed set of posix_spawn calls, one line per check; the last
 *       line counts the spawns made.
 *   subproc-posix-prog --where NAME[@VERSION]...
 *       which object dlsym (dlvsym with a version) finds each name in, by
 *       file name, or "absent".
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int spawns;

static void show_status(const char *what, int r, pid_t pid)
{
	int st = 0;

	spawns++;
	if (r != 0) {
		printf("%s: error %d\n", what, r);
		return;
	}
	if (waitpid(pid, &st, 0) < 0) {
		printf("%s: waitpid: %s\n", what, strerror(errno));
		return;
	}
	if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: status 0x%x\n", what, st);
}

/* The file name alone, so the output does not depend on where it is. */
static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static int where(int n, char **names)
{
	for (int i = 0; i < n; i++) {
		char name[256];
		const char *at = strchr(names[i], '@');
		void *sym;
		Dl_info info;

		snprintf(name, sizeof name, "%.*s", at ? (int)(at - names[i]) : 255, names[i]);
		sym = at ? dlvsym(RTLD_DEFAULT, name, at + 1) : dlsym(RTLD_DEFAULT, name);
		if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL)
			printf("%s %s\n", names[i], base(info.dli_fname));
		else
			printf("%s absent\n", names[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char out[4096], buf[8192];
	sigset_t set;
	pid_t pid = -777;
	short flags = 0;
	FILE *f;
	int r;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && strcmp(argv[1], "--where") == 0)
		return where(argc - 2, argv + 2);
	if (argc != 2) {
		fprintf(stderr, "usage: subproc-posix-prog SCRATCH-DIR\n"
		                "       subproc-posix-prog --where NAME[@VERSION]...\n");
		return 2;
	}

	/* Output to a file, stderr joined to it, in another directory, with
	 * every other fd closed (fd 9, inherited otherwise, among them), in a
	 * new group, with a clear mask. */
	if (dup2(0, 9) < 0)
		return 2;
	snprintf(out, sizeof out, "%s/out", argv[1]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addchdir_np(&fa, argv[1]);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	sigemptyset(&set);
	posix_spawnattr_setsigmask(&at, &set);
	sigaddset(&set, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &set);
	char *const script[] = {
		"sh",
		"-c",
		"echo out; [ \"$(pwd)\" = \"$1\" ] && echo in-dir; echo err >&2;"
		" read -r a b c d pg rest < /proc/$$/stat; [ \"$pg\" = $$ ] && echo own-group;"
		" { true >&9; } 2>/dev/null && echo fd9-open || echo fd9-closed; exit 3",
		"sh",
		argv[1],
		NULL};
	r = posix_spawnp(&pid, "sh", &fa, &at, script, environ);
	show_status("spawnp sh", r, pid);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	f = fopen(out, "r");
	while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
		printf("  %s", buf);
	if (f != NULL)
		fclose(f);

	/* Failures come back as the result; the pid is left alone. */
	pid = -777;
	char *const none[] = {"x", NULL};
	r = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, none, environ);
	show_status("spawn missing", r, pid);
	printf("pid %s\n", pid == -777 ? "untouched" : "written");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 1000, 5);
	r = posix_spawnp(&pid, "true", &fa, NULL, none, environ);
	show_status("spawnp bad dup2", r, pid);
	posix_spawn_file_actions_destroy(&fa);

	/* Validation. */
	posix_spawn_file_actions_init(&fa);
	printf("addclose(-1): %d\n", posix_spawn_file_actions_addclose(&fa, -1));
	printf("adddup2(0, -1): %d\n", posix_spawn_file_actions_adddup2(&fa, 0, -1));
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_init(&at);
	printf("setflags(0x8000): %d\n", posix_spawnattr_setflags(&at, (short)0x8000));
	printf("setschedpolicy(BATCH): %d\n", posix_spawnattr_setschedpolicy(&at, SCHED_BATCH));
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
	posix_spawnattr_getflags(&at, &flags);
	printf("flags: 0x%x\n", flags);

	/* A new session. */
	char *const sid[] = {"sh", "-c",
	                     "read -r a b c d e sid rest < /proc/$$/stat; [ $sid = $$ ]", NULL};
	r = posix_spawn(&pid, "/bin/sh", NULL, &at, sid, environ);
	show_status("spawn setsid", r, pid);
	posix_spawnattr_destroy(&at);

	printf("spawns %d\n", spawns);
	return 0;
}
