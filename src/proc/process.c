/* SPDX-License-Identifier: MIT */
/*
 * A started child: start, wait, signal, release (as Go's os.Process).
 */
#include "proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct subproc_proc {
	pid_t pid;
	int pidfd;
	bool reaped;
};

int subproc_start(subproc_proc **out, const char *path, char *const argv[],
                  const subproc_attr *attr, subproc_error *err)
{
	static const subproc_attr defaults;
	struct proc_plan pl;
	struct sys_result res;
	const char *launched = "";
	subproc_proc *p;
	int r;

	error_clear(err);
	if (out == NULL)
		return error_set(err, -EINVAL, SUBPROC_STEP_ATTR, NULL, -1);
	*out = NULL;
	r = plan_build(&pl, path, argv, attr != NULL ? attr : &defaults, err);
	if (r < 0)
		return r;
	/* Allocated before the launch, so that once a child runs nothing
	 * can fail. */
	p = malloc(sizeof *p);
	if (p == NULL) {
		plan_free(&pl);
		return error_set(err, -ENOMEM, SUBPROC_STEP_ALLOC, NULL, -1);
	}
	r = sys_launch(&pl.sys, &p->pid, &p->pidfd, &res, &launched);
	if (r < 0) {
		plan_report(&pl, &res, launched, r, err);
		plan_free(&pl);
		free(p);
		return r;
	}
	plan_free(&pl);
	p->reaped = false;
	*out = p;
	return 0;
}

pid_t subproc_pid(const subproc_proc *p)
{
	return p->pid;
}

int subproc_pidfd(const subproc_proc *p)
{
	return p->pidfd;
}

int subproc_wait(subproc_proc *p, unsigned flags, int timeout_ms, subproc_status *status)
{
	unsigned sysflags = 0;
	struct rusage ru;
	bool ended = false;
	int st = 0, r;

	if (flags & ~(unsigned)(SUBPROC_WAIT_STOPPED | SUBPROC_WAIT_CONTINUED))
		return -EINVAL;
	if (p->reaped)
		return -ECHILD;
	if (flags & SUBPROC_WAIT_STOPPED)
		sysflags |= SYS_WAIT_STOPPED;
	if (flags & SUBPROC_WAIT_CONTINUED)
		sysflags |= SYS_WAIT_CONTINUED;
	r = sys_wait(p->pid, p->pidfd, sysflags, timeout_ms, &st, &ru, &ended);
	if (r == -ECHILD)
		p->reaped = true; /* someone else reaped it; never touch the pid again */
	if (r < 0)
		return r;
	if (r == 0)
		return -ETIMEDOUT;
	if (ended)
		p->reaped = true;
	if (status != NULL) {
		status->pid = p->pid;
		status->status = st;
		status->rusage = ru;
	}
	return 0;
}

int subproc_signal(subproc_proc *p, int sig)
{
	if (sig < 0 || sig >= SYS_NSIG)
		return -EINVAL;
	/* After the reap the pid may belong to a stranger. */
	if (p->reaped)
		return -ESRCH;
	if (p->pidfd >= 0)
		return sys_pidfd_signal(p->pidfd, sig);
	return kill(p->pid, sig) < 0 ? -errno : 0;
}

subproc_proc *subproc_release(subproc_proc *p)
{
	if (p == NULL)
		return NULL;
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p);
	return NULL;
}
