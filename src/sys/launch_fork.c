/* SPDX-License-Identifier: MIT */
/*
 * The portable launch: fork, with a close-on-exec status pipe (as Go's forkExec).
 *
 * The child owns a copy of the parent's memory, so it reports a failed step
 * by writing {step, detail, errno} to the pipe. A successful execve closes
 * the pipe (it is close-on-exec), so the parent's read sees EOF: zero bytes
 * mean "exec'ed", a whole record means "failed, and here is where".
 *
 * A start with user namespace maps adds a second pipe, the other way: the
 * child first writes a "ready" record (it is in its namespace), the parent
 * writes the maps into /proc/PID and then one byte down the second pipe,
 * and the child goes on (Go's forkAndExecInChild does the same).
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

/* One record from the status pipe: its length, or -errno. */
static ssize_t status_record(int rd, struct sys_result *report)
{
	ssize_t n;

	do
		n = read(rd, report, sizeof *report);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* What a read of n bytes (or -errno) of `report` means: 0 for EOF (the
 * child exec'ed), else the failure, with the child reaped. Closes rd. */
static int status_finish(int rd, pid_t child, ssize_t n, const struct sys_result *report,
                         struct sys_result *res)
{
	close(rd);
	if (n == 0)
		return 0;
	if (n == (ssize_t)sizeof *report && report->index != SYS_INDEX_READY) {
		*res = *report;
	} else {
		/* A torn or failed read. After a failed read the child may
		 * well have exec'ed and be running; the start is reported as
		 * failed, so it must not outlive the report, and reaping it
		 * without a kill would wait for as long as it runs. */
		kill(child, SIGKILL);
		res->index = SYS_INDEX_LAUNCH;
		res->err = n < 0 ? (int)-n : EPIPE;
	}
	sys_reap(child, -1);
	return -res->err;
}

int sys_status_read(int rd, pid_t child, struct sys_result *res)
{
	struct sys_result report;

	return status_finish(rd, child, status_record(rd, &report), &report, res);
}

/*
 * The maps, once the child says it is ready; then the go byte. Returns 0
 * with the status pipe still open, or the start's result, the child gone
 * and the pipe closed. The parent keeps its read end of the map pipe until
 * the byte is written, so that a child killed meanwhile costs no SIGPIPE.
 */
static int idmap_handshake(const struct sys_plan *plan, int rd, const int sync[2], pid_t child,
                           struct sys_result *res)
{
	struct sys_result report;
	ssize_t n = status_record(rd, &report);
	int r;

	if (n != (ssize_t)sizeof report || report.index != SYS_INDEX_READY) {
		/* EOF here is no exec: the child ended before its maps. */
		if (n == 0)
			n = -EPIPE;
		return status_finish(rd, child, n, &report, res);
	}
	r = sys_idmap_write(plan->idmap, child, res);
	if (r < 0) {
		close(rd);
		kill(child, SIGKILL);
		sys_reap(child, -1);
		return r;
	}
	do
		n = write(sync[1], "", 1);
	while (n < 0 && errno == EINTR);
	return 0;
}

int sys_launch_fork(const struct sys_plan *plan, pid_t *pid, struct sys_result *res)
{
	struct sys_child c = {.plan = plan, .sync_rd = -1, .sync_wr = -1};
	int p[2], sync[2] = {-1, -1}, e, r;
	pid_t child;

	e = sys_pipe_cloexec(p);
	if (e == 0 && plan->idmap != NULL) {
		e = sys_pipe_cloexec(sync);
		if (e < 0) {
			close(p[0]);
			close(p[1]);
		}
	}
	if (e < 0) {
		res->index = SYS_INDEX_PIPE;
		res->err = -e;
		return e;
	}
	c.status_rd = p[0];
	c.status_fd = p[1];
	c.sync_rd = sync[0];
	c.sync_wr = sync[1];
	c.oldmask = sys_block_all_signals();
	child = sys_fork_call(plan, &c);
	if (child == 0)
		sys_child_run(&c);
	sys_restore_signals(c.oldmask);
	close(p[1]);
	if (child < 0) {
		close(p[0]);
		if (sync[0] >= 0) {
			close(sync[0]);
			close(sync[1]);
		}
		res->err = -child;
		return child;
	}
	*pid = child;
	if (plan->idmap != NULL) {
		r = idmap_handshake(plan, p[0], sync, child, res);
		close(sync[0]);
		close(sync[1]);
		if (r < 0)
			return r;
	}
	return sys_status_read(p[0], child, res);
}
