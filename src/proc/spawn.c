/* SPDX-License-Identifier: MIT */
/*
 * A start described the way posix_spawn describes one (the posix front end
 * is its caller): the caller's fds are inherited, file actions run in the
 * order given, and a PATH search, when asked for, happens in the child
 * after them. Its attributes and actions are an ordered list of things for
 * the child to do already, so they compile straight into a sys_plan for the
 * one child interpreter, without plan.c's rules (which close other fds,
 * refuse an empty argv and search PATH in the parent).
 *
 * The order is glibc 2.36's: cgroup, scheduling, setsid, setpgid, reset
 * ids, file actions, signals, exec. glibc keeps signals 32 up to SIGRTMIN
 * for its threads: its child never blocks them and leaves them ignored
 * unless SETSIGDEF names them, and the program inherits that; so here.
 */
#include "proc.h"

#include <errno.h>
#include <paths.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Steps that are not file actions, one of each at most: status, cgroup,
 * sched, setsid, setpgid, resetids, sigignore, signals, exec. */
#define FIXED_STEPS 9

/* A name with no candidate still runs the steps, then fails. */
static char *const no_candidates[] = {NULL};

/* glibc's own signals, in the kernel's form. */
static uint64_t libc_signals(void)
{
	uint64_t bits = 0;

	for (int sig = 32; sig < SIGRTMIN && sig <= 64; sig++)
		bits |= 1ULL << (sig - 1);
	return bits;
}

static enum sys_op action_op(int kind)
{
	switch (kind) {
	case PROC_ACT_OPEN:
		return SYS_OP_OPEN;
	case PROC_ACT_CLOSE:
		return SYS_OP_CLOSE;
	case PROC_ACT_DUP2:
		return SYS_OP_DUP2;
	case PROC_ACT_CHDIR:
		return SYS_OP_CHDIR;
	case PROC_ACT_FCHDIR:
		return SYS_OP_FCHDIR;
	case PROC_ACT_CLOSEFROM:
		return SYS_OP_CLOSEFROM_NOW;
	default:
		return SYS_OP_TCSETPGRP;
	}
}

int proc_spawn(const struct proc_spawn *sp, pid_t *ret_pid, int *ret_pidfd, const char **launched)
{
	struct sys_plan plan = {.cgroup_fd = -1, .launch = SYS_LAUNCH_DEFAULT};
	struct sched_param param = {.sched_priority = sp->sched_priority};
	struct sys_open *opens;
	struct sys_step *steps, *s;
	struct sys_result res;
	uint64_t ignore;
	int maxfd = 2, pidfd = -1, r;
	size_t argc = 0, nscript = 0;
	char **script;
	pid_t pid = -1;

	*launched = "";
	/* The shell's argv: itself, the file, then argv[1] on. */
	if (sp->enoexec_shell) {
		while (sp->argv[argc] != NULL)
			argc++;
		nscript = 2 + (argc > 1 ? argc - 1 : 0) + 1;
	}
	/* One allocation: the steps, the open actions' arguments, then the
	 * shell's argv. */
	steps = malloc((FIXED_STEPS + sp->nactions) * sizeof *steps +
	               sp->nactions * sizeof(struct sys_open) + nscript * sizeof(char *));
	if (steps == NULL)
		return -ENOMEM;
	opens = (struct sys_open *)(steps + FIXED_STEPS + sp->nactions);
	script = (char **)(opens + sp->nactions);
	if (sp->enoexec_shell) {
		script[0] = (char *)_PATH_BSHELL;
		script[1] = (char *)sp->path;
		for (size_t i = 1; i < argc; i++)
			script[i + 1] = sp->argv[i];
		script[nscript - 1] = NULL;
		plan.script_argv = script;
	}
	for (size_t i = 0; i < sp->nactions; i++) {
		if (sp->actions[i].fd > maxfd)
			maxfd = sp->actions[i].fd;
		if (sp->actions[i].newfd > maxfd)
			maxfd = sp->actions[i].newfd;
	}

	s = steps;
#define STEP(...) (*s++ = (struct sys_step){__VA_ARGS__})
	/* The file actions must see the caller's fd table, so the fork
	 * path's status pipe moves above every fd they name. */
	if (sp->nactions > 0)
		STEP(.op = SYS_OP_STATUS_ABOVE, .fd = maxfd + 1);
	if (sp->cgroup_fd >= 0) {
		STEP(.op = SYS_OP_CGROUP, .fd = sp->cgroup_fd);
		plan.cgroup_fd = sp->cgroup_fd;
	}
	if (sp->sched == PROC_SCHED_PARAM)
		STEP(.op = SYS_OP_SCHED, .arg = -1, .ptr = &param);
	else if (sp->sched == PROC_SCHED_POLICY)
		STEP(.op = SYS_OP_SCHED, .arg = sp->sched_policy, .ptr = &param);
	if (sp->setsid)
		STEP(.op = SYS_OP_SETSID);
	if (sp->setpgid)
		STEP(.op = SYS_OP_SETPGID, .arg = sp->pgid);
	if (sp->resetids)
		STEP(.op = SYS_OP_RESETIDS);
	for (size_t i = 0; i < sp->nactions; i++) {
		const struct proc_action *a = &sp->actions[i];
		enum sys_op op = action_op(a->kind);

		opens[i] = (struct sys_open){.path = a->path, .flags = a->oflag, .mode = a->mode};
		if (op == SYS_OP_OPEN)
			STEP(.op = op, .fd = a->fd, .ptr = &opens[i]);
		else if (op == SYS_OP_CHDIR)
			STEP(.op = op, .ptr = a->path);
		else if (op == SYS_OP_DUP2)
			STEP(.op = op, .fd = a->fd, .arg = a->newfd);
		else
			/* tcsetpgrp: the child's group is the one setpgid made,
			 * so the kernel's answer is what glibc uses. */
			STEP(.op = op, .fd = a->fd);
	}
	if (sp->sigdefault != NULL)
		plan.sigdefault = sys_sigset_bits(sp->sigdefault);
	ignore = libc_signals() & ~plan.sigdefault;
	if (ignore != 0)
		STEP(.op = SYS_OP_SIGIGNORE, .ptr = &ignore);
	/* Last before execve: until here every signal stays blocked. */
	STEP(.op = SYS_OP_SIGNALS);
	if (sp->search)
		STEP(.op = SYS_OP_EXECVP, .arg = sp->none_err,
		     .ptr = sp->candidates != NULL ? (const void *)sp->candidates : no_candidates);
	else
		STEP(.op = SYS_OP_EXECVE);
#undef STEP

	plan.path = sp->path;
	plan.argv = sp->argv;
	plan.envp = sp->envp;
	plan.steps = steps;
	plan.nsteps = (size_t)(s - steps);
	if (sp->sigmask != NULL) {
		plan.use_mask = true;
		plan.mask = sys_sigset_bits(sp->sigmask) & ~libc_signals();
	}
	plan.forklock = sp->forklock;
	/* posix_spawn needs no fd of its own, as glibc's does not: with the
	 * fd table full, a start that asks for none still works. */
	plan.no_pidfd = !sp->want_pidfd;
	/* RESETIDS changes the credentials only where they differ; then the
	 * child must not share our memory (see sys_plan.own_memory). */
	plan.own_memory = sp->resetids && (geteuid() != getuid() || getegid() != getgid());
	r = sys_launch(&plan, &pid, &pidfd, &res, launched);
	free(steps);
	if (r < 0)
		return r;
	*ret_pid = pid;
	*ret_pidfd = pidfd;
	return 0;
}

void proc_spawn_abandon(pid_t pid, int pidfd)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		sys_reap(pid, pidfd);
	}
}
