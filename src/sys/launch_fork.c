/* SPDX-License-Identifier: MIT */
/*
 * The portable launch: fork, with a close-on-exec status pipe (as Go's forkExec).
 *
 * The child owns a copy of the parent's memory, so it reports a failed step
 * by writing {step, detail, errno} to the pipe. A successful execve closes
 * the pipe (it is close-on-exec), so the parent's read sees EOF: zero bytes
 * mean "exec'ed", a whole record means "failed, and here is where".
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

int sys_status_read(int rd, pid_t child, struct sys_result *res)
{
	struct sys_result report;
	ssize_t n;
	int e;

	do
		n = read(rd, &report, sizeof report);
	while (n < 0 && errno == EINTR);
	e = errno;
	close(rd);
	if (n == 0)
		return 0;

	if (n == (ssize_t)sizeof report) {
		*res = report;
	} else {
		/* A torn or failed read. After a failed read the child may
		 * well have exec'ed and be running; the start is reported as
		 * failed, so it must not outlive the report, and reaping it
		 * without a kill would wait for as long as it runs. */
		kill(child, SIGKILL);
		res->index = SYS_INDEX_LAUNCH;
		res->err = n < 0 ? e : EPIPE;
	}
	sys_reap(child, -1);
	return -res->err;
}

int sys_launch_fork(const struct sys_plan *plan, pid_t *pid, struct sys_result *res)
{
	struct sys_child c = {.plan = plan};
	int p[2], e;
	pid_t child;

	e = sys_pipe_cloexec(p);
	if (e < 0) {
		res->index = SYS_INDEX_PIPE;
		res->err = -e;
		return e;
	}
	c.status_rd = p[0];
	c.status_fd = p[1];
	c.oldmask = sys_block_all_signals();
	child = fork();
	if (child == 0)
		sys_child_run(&c);
	e = errno;
	sys_restore_signals(c.oldmask);
	close(p[1]);
	if (child < 0) {
		close(p[0]);
		res->err = e;
		return -e;
	}
	*pid = child;
	return sys_status_read(p[0], child, res);
}
