/* SPDX-License-Identifier: MIT */
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
	struct cmd_stop stop;
	pid_t pgid;
	int failed;
	bool started, waited;
	struct cmd_cgroup *cg; /* subproc_pipeline_cgroup's, or NULL */
};

int subproc_pipeline_new(subproc_pipeline **out)
{
	subproc_pipeline *pl;

	if (out == NULL)
		return -EINVAL;
	/* NULL on -ENOMEM too: calloc's result is stored either way. */
	*out = pl = calloc(1, sizeof *pl);
	if (pl == NULL)
		return -ENOMEM;
	stop_init(&pl->stop);
	pl->failed = -1;
	return 0;
}

int subproc_pipeline_add(subproc_pipeline *pl, subproc_cmd *cmd)
{
	/* A failure takes nothing: cmd stays its owner's. A stage already
	 * (of this pipeline or another) would be freed twice. */
	if (pl == NULL || cmd == NULL || cmd->proc != NULL || cmd->staged || cmd->in_set)
		return -EINVAL;
	/* The pipeline's stop engine waits for its stages: one that had a
	 * cgroup of its own would escape it (subproc_pipeline_cgroup is the
	 * way). */
	if (cmd->cg != NULL)
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
	cmd->staged = true;
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
	if (sig < 0 || sig >= CMD_NSIG)
		return -EINVAL;
	pthread_mutex_lock(&pl->stop.lock);
	pl->stop.timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	pl->stop.sig = sig != 0 ? sig : SIGTERM;
	pl->stop.grace_ms = grace_ms >= 0 ? grace_ms : SUBPROC_GRACE_NEVER;
	pthread_mutex_unlock(&pl->stop.lock);
	return 0;
}

void subproc_pipeline_on_signal(subproc_pipeline *pl, subproc_notify_fn *fn, void *ctx)
{
	pthread_mutex_lock(&pl->stop.lock);
	pl->stop.notify = fn;
	pl->stop.notify_ctx = ctx;
	pthread_mutex_unlock(&pl->stop.lock);
}

int subproc_pipeline_stop(subproc_pipeline *pl, int sig)
{
	if (sig < 0 || sig >= CMD_NSIG || !pl->started)
		return -EINVAL;
	return stop_now(&pl->stop, sig, false);
}

int subproc_pipeline_cgroup(subproc_pipeline *pl, const char *parent)
{
	if (pl->started || pl->cg != NULL)
		return -EINVAL;
	return cgroup_new(&pl->cg, parent);
}

int subproc_pipeline_cgroup_set(subproc_pipeline *pl, const char *file, const char *value)
{
	if (pl->cg == NULL || pl->started)
		return -EINVAL;
	return cgroup_add_setting(pl->cg, file, value);
}

int subproc_pipeline_cgroup_stats(const subproc_pipeline *pl, subproc_cgroup_stats *st)
{
	return cgroup_stats(pl->started ? pl->cg : NULL, st);
}

const char *subproc_pipeline_cgroup_path(const subproc_pipeline *pl)
{
	return pl->cg != NULL ? pl->cg->path : NULL;
}

int subproc_pipeline_failed_stage(const subproc_pipeline *pl)
{
	return pl->failed;
}

/* After a failed start: the stages started so far, killed and reaped. */
static void pl_abort(subproc_pipeline *pl)
{
	if (pl->pgid > 0)
		kill(-pl->pgid, SIGKILL);
	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd *c = pl->cmds[i];

		if (c->proc != NULL && !c->reaped)
			subproc_wait(c->proc, 0, -1, NULL);
		cmd_close_pipes(c);
		c->proc = subproc_release(c->proc);
		c->reaped = false;
	}
}

/* Every stage reaped: their pipes go, and the statuses are kept. */
static int pl_done(subproc_pipeline *pl, int r, subproc_status *statuses)
{
	if (r == -EINTR)
		return r;
	for (size_t i = 0; i < pl->n; i++) {
		cmd_close_pipes(pl->cmds[i]);
		if (statuses != NULL)
			statuses[i] = pl->cmds[i]->status;
	}
	pl->waited = true;
	return r;
}

int subproc_pipeline_start(subproc_pipeline *pl, subproc_error *err)
{
	int prev = -1, r = 0;

	cmd_error(err, 0);
	if (pl->n == 0)
		return cmd_error(err, -EINVAL);
	if (pl->started)
		return cmd_error(err, -EBUSY);
	pl->failed = -1;
	if (pl->cg != NULL) {
		/* One cgroup for every stage: a stage cannot start in two. */
		for (size_t i = 0; i < pl->n; i++) {
			if (pl->cmds[i]->attr.flags & SUBPROC_CGROUP) {
				pl->failed = (int)i;
				cmd_error(err, -EINVAL);
				if (err != NULL)
					err->step = SUBPROC_STEP_ATTR;
				return -EINVAL;
			}
		}
		r = cgroup_create(pl->cg, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd *c = pl->cmds[i];
		int p[2] = {-1, -1};

		if (i > 0)
			subproc_cmd_stdio_fd(c, 0, prev);
		if (i + 1 < pl->n) {
			r = subproc_pipe(p, 0);
			if (r < 0) {
				cmd_error(err, r);
				if (err != NULL)
					err->step = SUBPROC_STEP_PIPE;
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
			c->stop.timeout_ms = 0;
			if (pl->cg != NULL) {
				c->attr.flags |= SUBPROC_CGROUP;
				c->attr.cgroup_fd = pl->cg->dirfd;
			}
			r = subproc_cmd_start(c, err);
			if (pl->cg != NULL)
				c->attr.flags &= ~(unsigned)SUBPROC_CGROUP;
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
			/* Back to the state before the call, so that it can be
			 * tried again. */
			pl_abort(pl);
			pl->pgid = 0;
			if (pl->cg != NULL)
				cgroup_remove(pl->cg);
			return r;
		}
		if (i == 0)
			pl->pgid = subproc_pid(c->proc);
	}
	pl->started = true;
	pl->stop.cg = pl->cg;
	stop_arm(&pl->stop, pl->cmds, pl->n, pl->pgid);
	return 0;
}

int subproc_pipeline_wait_fd(subproc_pipeline *pl, int fd, subproc_status *statuses)
{
	if (!pl->started)
		return -EINVAL;
	if (pl->waited)
		return -ECHILD;
	return pl_done(pl, stop_run(&pl->stop, NULL, fd), statuses);
}

int subproc_pipeline_wait(subproc_pipeline *pl, subproc_status *statuses)
{
	return subproc_pipeline_wait_fd(pl, -1, statuses);
}

static int communicate(subproc_pipeline *pl, const void *in, size_t inlen, subproc_output *out,
                       subproc_status *statuses, subproc_error *err)
{
	subproc_cmd *first, *last;
	struct cmd_io io = {0};
	int none = -1, r;

	if (pl->n == 0 || (inlen > 0 && in == NULL))
		return -EINVAL;
	if (pl->waited)
		return -ECHILD;
	first = pl->cmds[0];
	last = pl->cmds[pl->n - 1];
	if (!pl->started) {
		/* Both ends checked before either is changed (they may be
		 * one command): a refused call changes no stage. */
		if (cmd_check_pipes(first, inlen > 0, false, false) < 0 ||
		    cmd_check_pipes(last, false, out != NULL, false) < 0)
			return -EINVAL;
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
	io.waitdelay_ms = last->waitdelay_ms;
	if ((r = cmd_io_begin(&io)) < 0)
		return r;
	r = stop_run(&pl->stop, &io, -1);
	cmd_io_end(&io);
	return pl_done(pl, r, statuses);
}

int subproc_pipeline_communicate(subproc_pipeline *pl, const void *in, size_t inlen,
                                 subproc_output *out, subproc_status *statuses, subproc_error *err)
{
	/* As subproc_cmd_communicate: out and err are defined on every
	 * return. */
	cmd_outputs_empty(out, NULL);
	cmd_error(err, 0);
	return cmd_error_end(err, communicate(pl, in, inlen, out, statuses, err));
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
		stop_now(&pl->stop, SIGKILL, false);
	for (size_t i = 0; i < pl->n; i++) {
		subproc_cmd_kill_on_free(pl->cmds[i], true);
		subproc_cmd_free(pl->cmds[i]);
	}
	/* Killed as a running pipeline is: what is left of its tree too. */
	cmd_cgroup_end(pl->cg, true);
	cgroup_free(pl->cg);
	stop_destroy(&pl->stop);
	free(pl->cmds);
	free(pl);
	return NULL;
}
