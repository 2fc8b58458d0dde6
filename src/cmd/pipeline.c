/*
 * Pipelines: N commands, stdout of each into stdin of the next, in one
 * process group so that one signal reaches every stage.
 */
#include "cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

struct subproc_pipeline {
	subproc_cmd **cmds;
	size_t n, cap;
	int timeout_ms, sig, grace_ms;
	pid_t pgid;
	int64_t started_ms;
	int failed;
	bool started, waited, timed_out;
};

int subproc_pipeline_new(subproc_pipeline **out)
{
	subproc_pipeline *pl;

	if (out == NULL)
		return -EINVAL;
	*out = pl = calloc(1, sizeof *pl);
	if (pl == NULL)
		return -ENOMEM;
	pl->sig = SIGTERM;
	pl->failed = -1;
	return 0;
}

int subproc_pipeline_add(subproc_pipeline *pl, subproc_cmd *cmd)
{
	if (cmd == NULL || cmd->proc != NULL)
		return -EINVAL;
	if (pl->started)
		return -EBUSY;
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 4;
		subproc_cmd **p = realloc(pl->cmds, cap * sizeof(subproc_cmd *));
		if (p == NULL)
			return -ENOMEM;
		pl->cmds = p;
		pl->cap = cap;
	}
	pl->cmds[pl->n++] = cmd;
	return 0;
}

size_t subproc_pipeline_len(const subproc_pipeline *pl)
{
	return pl->n;
}

subproc_cmd *subproc_pipeline_cmd(const subproc_pipeline *pl, size_t i)
{
	return i < pl->n ? pl->cmds[i] : NULL;
}

int subproc_pipeline_timeout(subproc_pipeline *pl, int timeout_ms, int sig, int grace_ms)
{
	if (sig < 0 || sig >= NSIG || grace_ms < 0)
		return -EINVAL;
	pl->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	pl->sig = sig != 0 ? sig : SIGTERM;
	pl->grace_ms = grace_ms;
	return 0;
}

int subproc_pipeline_failed_stage(const subproc_pipeline *pl)
{
	return pl->failed;
}

static void pl_kill(subproc_pipeline *pl, int sig)
{
	if (pl->pgid > 0)
		kill(-pl->pgid, sig);
}

/*
 * Reaps every stage. `stage` and `kill_at` carry on a stop that the I/O
 * loop began: 0 means none yet, and the deadline may still start one.
 */
static int pl_reap(subproc_pipeline *pl, int64_t deadline, int stage, int64_t kill_at)
{
	int result = 0;

	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd *c = pl->cmds[i];
		int r;

		if (c->proc == NULL || c->reaped)
			continue;
		for (;;) {
			r = cmd_wait_until(c, stage == 0 ? deadline : stage == 1 ? kill_at : -1);
			if (r != -ETIMEDOUT)
				break;
			if (stage == 0) {
				pl->timed_out = true;
				pl_kill(pl, pl->sig);
				stage = 1;
				kill_at = cmd_now_ms() + pl->grace_ms;
			} else {
				pl_kill(pl, SIGKILL);
				stage = 2;
			}
		}
		cmd_close_pipes(c);
		if (r < 0 && result == 0)
			result = r;
	}
	if (stage == 1)
		cmd_group_stop(pl->pgid, kill_at);
	pl->waited = true;
	return result;
}

int subproc_pipeline_start(subproc_pipeline *pl, subproc_error *err)
{
	int prev = -1, r = 0;

	if (pl->n == 0)
		return -EINVAL;
	if (pl->started)
		return -EBUSY;
	pl->failed = -1;
	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd *c = pl->cmds[i];
		int p[2] = {-1, -1};

		if (i > 0)
			subproc_cmd_stdio_fd(c, 0, prev);
		if (i + 1 < pl->n) {
			r = subproc_pipe(p, 0);
			if (r < 0) {
				if (err != NULL) {
					err->code = r;
					err->step = SUBPROC_STEP_PIPE;
					err->fd = -1;
					err->path[0] = '\0';
				}
			} else {
				subproc_cmd_stdio_fd(c, 1, p[1]);
			}
		}
		if (r == 0) {
			/* Stage 0 founds the group; the others join it. It
			 * outlives its members' exits: we reap none yet. */
			c->attr.flags &=
				~(unsigned)(SUBPROC_SETSID | SUBPROC_FOREGROUND | SUBPROC_SETCTTY);
			c->attr.flags |= SUBPROC_SETPGID;
			c->attr.pgid = i == 0 ? 0 : pl->pgid;
			c->timeout_ms = 0;
			r = subproc_cmd_start(c, err);
		}
		/* The children hold these ends now (or never will). */
		if (prev >= 0)
			close(prev);
		if (p[1] >= 0)
			close(p[1]);
		prev = p[0];
		if (r < 0) {
			if (prev >= 0)
				close(prev);
			pl->failed = (int)i;
			pl_kill(pl, SIGKILL);
			pl_reap(pl, -1, 2, -1);
			/* Back to the state before the call, so that it can be
			 * tried again. */
			for (size_t j = 0; j < i; j++) {
				pl->cmds[j]->proc = subproc_release(pl->cmds[j]->proc);
				pl->cmds[j]->reaped = false;
			}
			pl->waited = false;
			pl->pgid = 0;
			return r;
		}
		if (i == 0)
			pl->pgid = subproc_pid(c->proc);
	}
	pl->started = true;
	pl->started_ms = cmd_now_ms();
	return 0;
}

static int64_t pl_deadline(const subproc_pipeline *pl)
{
	return pl->timeout_ms > 0 ? pl->started_ms + pl->timeout_ms : -1;
}

static void pl_statuses(const subproc_pipeline *pl, subproc_status *statuses)
{
	for (size_t i = 0; statuses != NULL && i < pl->n; i++)
		statuses[i] = pl->cmds[i]->status;
}

int subproc_pipeline_wait(subproc_pipeline *pl, subproc_status *statuses)
{
	int r;

	if (!pl->started)
		return -EINVAL;
	if (pl->waited)
		return -ECHILD;
	r = pl_reap(pl, pl_deadline(pl), 0, -1);
	pl_statuses(pl, statuses);
	if (r == 0 && pl->timed_out)
		r = -ETIMEDOUT;
	return r;
}

static void pl_io_kill(void *ctx, int sig)
{
	pl_kill(ctx, sig);
}

static void pl_io_exited(void *ctx)
{
	subproc_pipeline *pl = ctx;

	/* The last stage is the one watched: reap it now. */
	cmd_wait_until(pl->cmds[pl->n - 1], 0);
}

int subproc_pipeline_communicate(subproc_pipeline *pl, const void *in, size_t inlen,
                                 subproc_output *out, subproc_status *statuses, subproc_error *err)
{
	subproc_cmd *first, *last;
	struct cmd_io io = {0};
	int none = -1, r, result;

	if (pl->n == 0 || (inlen > 0 && in == NULL))
		return -EINVAL;
	if (pl->waited)
		return -ECHILD;
	first = pl->cmds[0];
	last = pl->cmds[pl->n - 1];
	if (!pl->started) {
		if ((r = cmd_prepare_pipes(first, inlen > 0, false, false)) < 0 ||
		    (r = cmd_prepare_pipes(last, false, out != NULL, false)) < 0 ||
		    (r = subproc_pipeline_start(pl, err)) < 0)
			return r;
	}
	io.fd[0] = &first->io[0].parent;
	io.fd[1] = out != NULL ? &last->io[1].parent : &none;
	io.fd[2] = &none;
	io.in = in;
	io.inlen = inlen;
	io.out[1] = out;
	io.limit = last->limit;
	io.policy = last->policy;
	io.deadline = pl_deadline(pl);
	io.grace_ms = pl->grace_ms;
	io.waitdelay_ms = last->waitdelay_ms;
	io.sig = pl->sig;
	io.pidfd = subproc_pidfd(last->proc);
	io.pid = subproc_pid(last->proc);
	io.ctx = pl;
	io.kill = pl_io_kill;
	io.exited = pl_io_exited;

	result = cmd_io_run(&io);
	if (io.timed_out)
		pl->timed_out = true;
	r = pl_reap(pl, io.deadline, io.stage, io.kill_at);
	pl_statuses(pl, statuses);
	if (result == 0 && r < 0)
		result = r;
	if (result == 0 && pl->timed_out)
		result = -ETIMEDOUT;
	return result;
}

int subproc_pipeline_status(const subproc_pipeline *pl, bool pipefail)
{
	if (!pl->waited || pl->n == 0)
		return -EINVAL;
	for (size_t i = pl->n; pipefail && i-- > 0;) {
		int st = pl->cmds[i]->status.status;
		if (subproc_status_exit_code(st) != 0)
			return st;
	}
	return pl->cmds[pl->n - 1]->status.status;
}

subproc_pipeline *subproc_pipeline_free(subproc_pipeline *pl)
{
	if (pl == NULL)
		return NULL;
	if (pl->started && !pl->waited)
		pl_kill(pl, SIGKILL);
	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd_kill_on_free(pl->cmds[i], true);
		subproc_cmd_free(pl->cmds[i]);
	}
	free(pl->cmds);
	free(pl);
	return NULL;
}
