/* SPDX-License-Identifier: MIT */
/*
 * subproc-posix-prog: an ordinary program written against <spawn.h>, which
 * knows nothing of subproc and is linked against libc alone, for the
 * preload test. Its output is the same whoever implements posix_spawn:
 *
 *   subproc-posix-prog SCRATCH-DIR
 *       a fixed set of posix_spawn calls that between them use every
 *       function of glibc 2.36's family, one line per check; the last line
 *       counts the spawns made.
 *   subproc-posix-prog --new SCRATCH-DIR [CGROUP-DIR]
 *       the functions glibc 2.39 added (pidfd_spawn, pidfd_spawnp and the
 *       cgroup attribute), found with dlsym so that the program links
 *       against an older libc too; "absent NAME" for each one missing. With
 *       CGROUP-DIR, a spawn with POSIX_SPAWN_SETCGROUP into it.
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

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef POSIX_SPAWN_SETCGROUP
#define POSIX_SPAWN_SETCGROUP 0x100
#endif

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

/* Prints the file `path` indented, then removes it. */
static void show_file(const char *path)
{
	char buf[8192];
	FILE *f = fopen(path, "r");

	while (f != NULL && fgets(buf, sizeof buf, f) != NULL)
		printf("  %s", buf);
	if (f != NULL)
		fclose(f);
	unlink(path);
}

/* The rest of glibc 2.36's family: fchdir, tcsetpgrp, scheduling and every
 * getter, each read back after its setter. */
static void rest_of_family(const char *dir)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct sched_param param = {.sched_priority = 0}, got = {.sched_priority = -1};
	sigset_t set, back;
	char out[4096], here[4096], buf[8192];
	short flags = 0;
	pid_t pid = -1, pgroup = -1;
	FILE *f;
	int policy = -1, dirfd, null, r;

	snprintf(out, sizeof out, "%s/out2", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dirfd < 0) {
		printf("open %s: %s\n", dir, strerror(errno));
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addfchdir_np(&fa, dirfd);
	posix_spawn_file_actions_addclose(&fa, dirfd);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSIGMASK |
	                                      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setschedpolicy(&at, SCHED_OTHER);
	posix_spawnattr_setschedparam(&at, &param);
	posix_spawnattr_setpgroup(&at, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	posix_spawnattr_setsigmask(&at, &set);
	sigaddset(&set, SIGUSR2);
	posix_spawnattr_setsigdefault(&at, &set);

	posix_spawnattr_getflags(&at, &flags);
	posix_spawnattr_getschedpolicy(&at, &policy);
	posix_spawnattr_getschedparam(&at, &got);
	posix_spawnattr_getpgroup(&at, &pgroup);
	printf("get: flags 0x%x, policy %d, priority %d, pgroup %d\n", flags, policy,
	       got.sched_priority, (int)pgroup);
	sigemptyset(&back);
	posix_spawnattr_getsigmask(&at, &back);
	printf("get: sigmask USR1 %d USR2 %d\n", sigismember(&back, SIGUSR1),
	       sigismember(&back, SIGUSR2));
	sigemptyset(&back);
	posix_spawnattr_getsigdefault(&at, &back);
	printf("get: sigdefault USR1 %d USR2 %d\n", sigismember(&back, SIGUSR1),
	       sigismember(&back, SIGUSR2));

	/* cat, which leaves its mask alone (a shell may not), reads a file
	 * only `dir` has, then its own status and stat. */
	snprintf(here, sizeof here, "%s/here", dir);
	f = fopen(here, "w");
	if (f != NULL) {
		fputs("in-dir\n", f);
		fclose(f);
	}
	char *const cat[] = {"cat", "here", "/proc/self/status", "/proc/self/stat", NULL};
	r = posix_spawnp(&pid, "cat", &fa, &at, cat, environ);
	show_status("spawnp fchdir sched", r, pid);
	f = fopen(out, "r");
	while (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
		int self = 0, group = -1;

		/* SigBlk: SIGUSR1 (10) alone is bit 9. */
		if (strcmp(buf, "in-dir\n") == 0 || strncmp(buf, "SigBlk:", 7) == 0)
			printf("  %s", buf);
		else if (sscanf(buf, "%d (%*[^)]) %*c %*d %d", &self, &group) == 2)
			printf("  %s\n", self == group ? "own-group" : "not-own-group");
	}
	if (f != NULL)
		fclose(f);
	unlink(out);
	unlink(here);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(dirfd);

	/* tcsetpgrp on a file that is no terminal fails in the child. */
	null = open("/dev/null", O_RDONLY);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, null);
	char *const t[] = {"true", NULL};
	pid = -777;
	r = posix_spawnp(&pid, "true", &fa, NULL, t, environ);
	show_status("spawnp tcsetpgrp /dev/null", r, pid);
	posix_spawn_file_actions_destroy(&fa);
	close(null);
}

typedef int pidfd_spawn_fn(int *, const char *, const posix_spawn_file_actions_t *,
                           const posix_spawnattr_t *, char *const[], char *const[]);
typedef int getcgroup_fn(const posix_spawnattr_t *, int *);
typedef int setcgroup_fn(posix_spawnattr_t *, int);

/* Waits for the child behind a pidfd and prints how it ended. */
static void show_pidfd(const char *what, int r, int pidfd)
{
	siginfo_t si;

	spawns++;
	if (r != 0) {
		printf("%s: error %d, pidfd %s\n", what, r,
		       pidfd == -777 ? "untouched" : "written");
		return;
	}
	printf("%s: pidfd close-on-exec %d\n", what, (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	memset(&si, 0, sizeof si);
	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
		printf("%s: waitid: %s\n", what, strerror(errno));
	else if (si.si_code == CLD_EXITED)
		printf("%s: exited %d\n", what, si.si_status);
	else
		printf("%s: code %d status %d\n", what, si.si_code, si.si_status);
	close(pidfd);
}

static int new_functions(const char *dir, const char *cgroup)
{
	pidfd_spawn_fn *ps = (pidfd_spawn_fn *)dlsym(RTLD_DEFAULT, "pidfd_spawn");
	pidfd_spawn_fn *psp = (pidfd_spawn_fn *)dlsym(RTLD_DEFAULT, "pidfd_spawnp");
	getcgroup_fn *getcg = (getcgroup_fn *)dlsym(RTLD_DEFAULT, "posix_spawnattr_getcgroup_np");
	setcgroup_fn *setcg = (setcgroup_fn *)dlsym(RTLD_DEFAULT, "posix_spawnattr_setcgroup_np");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char out[4096];
	short flags = 0;
	int pidfd, fd = -1, r;

	if (ps == NULL || psp == NULL || getcg == NULL || setcg == NULL) {
		printf("%s%s%s%s", ps ? "" : "absent pidfd_spawn\n",
		       psp ? "" : "absent pidfd_spawnp\n",
		       getcg ? "" : "absent posix_spawnattr_getcgroup_np\n",
		       setcg ? "" : "absent posix_spawnattr_setcgroup_np\n");
		return 0;
	}

	posix_spawnattr_init(&at);
	printf("setcgroup_np(42): %d\n", setcg(&at, 42));
	r = getcg(&at, &fd);
	printf("getcgroup_np: %d, %d\n", r, fd);
	printf("setflags(SETCGROUP): %d\n", posix_spawnattr_setflags(&at, POSIX_SPAWN_SETCGROUP));
	posix_spawnattr_getflags(&at, &flags);
	printf("flags: 0x%x\n", flags);
	posix_spawnattr_destroy(&at);

	snprintf(out, sizeof out, "%s/pidfd-out", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *const sh7[] = {"sh", "-c", "echo by-pidfd; exit 7", NULL};
	pidfd = -777;
	r = ps(&pidfd, "/bin/sh", &fa, NULL, sh7, environ);
	show_pidfd("pidfd_spawn sh", r, pidfd);
	show_file(out);
	char *const sh8[] = {"sh", "-c", "echo by-pidfdp; exit 8", NULL};
	pidfd = -777;
	r = psp(&pidfd, "sh", &fa, NULL, sh8, environ);
	show_pidfd("pidfd_spawnp sh", r, pidfd);
	show_file(out);
	posix_spawn_file_actions_destroy(&fa);
	char *const none[] = {"x", NULL};
	pidfd = -777;
	r = ps(&pidfd, "/nonexistent/program", NULL, NULL, none, environ);
	show_pidfd("pidfd_spawn missing", r, pidfd);

	if (cgroup != NULL) {
		int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pid_t pid = -1;

		posix_spawnattr_init(&at);
		setcg(&at, cg);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETCGROUP);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		char *const cat[] = {"sh", "-c", "grep '^0::' /proc/self/cgroup", NULL};
		r = posix_spawn(&pid, "/bin/sh", &fa, &at, cat, environ);
		show_status("spawn in cgroup", r, pid);
		show_file(out);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
		close(cg);
	}
	printf("spawns %d\n", spawns);
	return 0;
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
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--new") == 0)
		return new_functions(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc != 2) {
		fprintf(stderr, "usage: subproc-posix-prog SCRATCH-DIR\n"
		                "       subproc-posix-prog --new SCRATCH-DIR [CGROUP-DIR]\n"
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

	rest_of_family(argv[1]);
	printf("spawns %d\n", spawns);
	return 0;
}
