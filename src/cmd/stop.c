/* SPDX-License-Identifier: MIT */
/*
 * The stop engine: the one place that waits for children and stops them.
 *
 * Every wait of the cmd layer (a command's wait, communicate and output, a
 * pipeline's wait and communicate, and the tool through the public API)
 * runs stop_run. A stop, set off by the timeout, a passed output limit or
 * subproc_cmd_stop, is the same everywhere:
 *   1. the signal, to the children's own process group when they have one
 *      and to each child that is not in it, then SIGCONT, so that a
 *      stopped child acts on it at once (not for SIGKILL and SIGCONT);
 *   2. after the grace period, SIGKILL to the same;
 *   3. once the children are reaped, members of the group that outlived
 *      them get what is left of the grace period, then SIGKILL;
 *   4. pipes that survivors outside the group still hold are read until
 *      the grace period ends (or the wait delay, when one is set).
 *
 * With a cgroup of their own (subproc_cmd_cgroup) the children are the
 * whole tree: every signal of a stop reaches each member of it too (the
 * SIGKILL through cgroup.kill), so that members that left the group
 * (setsid) are stopped as well, and the wait lasts until the cgroup is
 * empty, the timeout and stops applying to all of it; the wait delay,
 * when set, bounds how long the tree may outlive the children before it is
 * killed. Pipes still open once the cgroup is empty are held by no member,
 * and are cut.
 * The loop decides from the state, never from the order in which exit,
 * EOF and the timer were seen, so that any order ends the same way.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* How often an emptying group is looked at, and the longest sleep of a
 * wait that has no pidfd to poll. */
#define GROUP_POLL_MS 10
#define EXIT_POLL_MAX_MS 50
/* The longest time between two looks at a cgroup whose members run on
 * with no stop under way (cgroup.events, read). */
#define TREE_POLL_MAX_MS 250

void stop_init(struct cmd_stop *s)
{
	pthread_mutex_init(&s->lock, NULL);
	s->wake[0] = s->wake[1] = -1;
	s->sig = SIGTERM;
}

void stop_destroy(struct cmd_stop *s)
{
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0 && s->wake[1] != s->wake[0])
		close(s->wake[1]);
	s->wake[0] = s->wake[1] = -1;
	pthread_mutex_destroy(&s->lock);
}

void stop_arm(struct cmd_stop *s, subproc_cmd *const *cmds, size_t n, pid_t pgid)
{
	pthread_mutex_lock(&s->lock);
	s->cmds = cmds;
	s->n = n;
	s->pgid = pgid;
	s->stage = 0;
	s->kill_at = -1;
	s->timed_out = false;
	/* Rounded up: the clock is read in whole ms, and a timeout must not
	 * fire before its time has passed. */
	s->started_ms = cmd_now_ms() + 1;
	pthread_mutex_unlock(&s->lock);
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Under the lock. */
static bool all_reaped(const struct cmd_stop *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->cmds[i]->proc != NULL && !s->cmds[i]->reaped)
			return false;
	}
	return true;
}

struct member_signal {
	const struct cmd_stop *s;
	int sig;
};

/* A member of the cgroup that the group's signal missed (it left the
 * group) and that is no child (those are signalled by pidfd): a second
 * signal could count for more than one, as a second Ctrl-C does. A member
 * listed in cgroup.procs is alive or a zombie not yet reaped by its parent,
 * never a pid reused outside the cgroup. */
static void signal_member(pid_t pid, void *ctx)
{
	const struct member_signal *m = ctx;

	if (m->s->pgid > 0 && getpgid(pid) == m->s->pgid)
		return;
	for (size_t i = 0; i < m->s->n; i++) {
		const subproc_cmd *c = m->s->cmds[i];
		if (c->proc != NULL && subproc_pid(c->proc) == pid)
			return;
	}
	kill(pid, m->sig);
}

/* Under the lock: `sig` to the group and to each unreaped child outside it
 * (one that made a group or session of its own), and to the rest of their
 * cgroup. Reaped children are never signalled, so a reused pid is never
 * hit. */
static void send_locked(struct cmd_stop *s, int sig, bool tell)
{
	if (s->pgid > 0)
		kill(-s->pgid, sig);
	for (size_t i = 0; i < s->n; i++) {
		subproc_cmd *c = s->cmds[i];

		if (c->proc == NULL || c->reaped)
			continue;
		if (s->pgid <= 0 || getpgid(subproc_pid(c->proc)) != s->pgid)
			subproc_signal(c->proc, sig);
	}
	if (s->cg != NULL) {
		struct member_signal m = {s, sig};

		if (sig == SIGKILL)
			cgroup_kill(s->cg);
		else
			cgroup_each(s->cg, signal_member, &m);
	}
	if (tell && s->notify != NULL)
		s->notify(s->notify_ctx, sig);
}

static void stop_locked(struct cmd_stop *s, int sig, int64_t now)
{
	send_locked(s, sig, true);
	if (sig != SIGKILL && sig != SIGCONT)
		send_locked(s, SIGCONT, false);
	if (sig == SIGKILL) {
		s->stage = 2;
	} else if (s->stage == 0) {
		s->stage = 1;
		s->kill_at = s->grace_ms >= 0 ? now + s->grace_ms : -1;
	}
}

static void wake_up(struct cmd_stop *s)
{
	uint64_t one = 1;

	if (s->wake[1] >= 0)
		(void)!write(s->wake[1], &one, s->wake[0] == s->wake[1] ? sizeof one : 1);
}

int stop_now(struct cmd_stop *s, int sig, bool timeout)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	/* Once the children are reaped only their group and their cgroup,
	 * while they have members, are still there to stop. */
	if (all_reaped(s) && (s->pgid <= 0 || kill(-s->pgid, 0) < 0) &&
	    cgroup_populated(s->cg) <= 0) {
		r = -ESRCH;
	} else {
		if (timeout)
			s->timed_out = true;
		stop_locked(s, sig != 0 ? sig : s->sig, cmd_now_ms());
		wake_up(s);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* The fd a stop from another thread writes to; without one (no fd left)
 * the wait wakes every EXIT_POLL_MAX_MS instead. */
static void wake_make(struct cmd_stop *s)
{
	if (s->wake[0] >= 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (subproc_pipe(s->wake, O_NONBLOCK) < 0)
		s->wake[0] = s->wake[1] = -1;
	pthread_mutex_unlock(&s->lock);
}

static void wake_drain(struct cmd_stop *s)
{
	uint64_t buf[8];

	while (read(s->wake[0], buf, sizeof buf) > 0)
		;
}

/*
 * Under the lock: reaps the children that have exited. `ready` marks those
 * whose pidfd polled readable; those without a pidfd are looked at when
 * `look` is true.
 */
static void reap_locked(struct cmd_stop *s, const bool *ready, bool look)
{
	for (size_t i = 0; i < s->n; i++) {
		subproc_cmd *c = s->cmds[i];
		int r;

		if (c->proc == NULL || c->reaped)
			continue;
		if (subproc_pidfd(c->proc) >= 0 ? !ready[i] : !look)
			continue;
		r = subproc_wait(c->proc, 0, 0, &c->status);
		if (r == -ETIMEDOUT)
			continue;
		c->reaped = true;
		c->wait_err = r;
	}
}

int run_init(struct cmd_run *r, struct cmd_stop *s, struct cmd_io *io)
{
	*r = (struct cmd_run){.s = s,
	                      .io = io,
	                      .ready = r->small_ready,
	                      .exit_at = -1,
	                      .backoff = 1,
	                      .tree_backoff = GROUP_POLL_MS};
	if (s->n > sizeof r->small_ready / sizeof r->small_ready[0]) {
		r->ready = calloc(s->n, sizeof *r->ready);
		if (r->ready == NULL)
			return -ENOMEM;
	}
	return 0;
}

void run_destroy(struct cmd_run *r)
{
	if (r->ready != r->small_ready)
		free(r->ready);
	r->ready = NULL;
}

/*
 * Every step looks at the whole state in a fixed order: reaping, the
 * group, the pipes, then the timers. Nothing depends on which event woke
 * us.
 */
bool run_step(struct cmd_run *r, int64_t now, int64_t *wake_out)
{
	struct cmd_stop *s = r->s;
	struct cmd_io *io = r->io;
	int64_t wake = -1;
	bool all, look, io_done, group_ok, polling = false, pgroup_wait = false;
	bool cgroup_empty = false;
	int64_t tree_wake = -1;

	look = now >= r->look_at;
	pthread_mutex_lock(&s->lock);
	reap_locked(s, r->ready, look);
	if (look) {
		r->look_at = now + r->backoff;
		r->backoff = r->backoff * 2 > EXIT_POLL_MAX_MS ? EXIT_POLL_MAX_MS : r->backoff * 2;
	}
	for (size_t i = 0; i < s->n; i++) {
		r->ready[i] = false;
		if (s->cmds[i]->wait_err != 0 && r->wait_err == 0)
			r->wait_err = s->cmds[i]->wait_err;
	}
	all = all_reaped(s);
	if (all && r->exit_at < 0)
		r->exit_at = now;

	/* What is left of the group once the children are gone: only a
	 * stop ends it (without one, members are the caller's daemons). */
	if (all && s->pgid > 0 && !r->group_done && s->stage != 0) {
		/* Empty, or no SIGKILL was asked for: done. */
		if (kill(-s->pgid, 0) < 0 || (s->stage == 1 && s->grace_ms < 0)) {
			r->group_done = true;
		} else if (s->stage == 2) {
			kill(-s->pgid, SIGKILL);
			r->group_done = true;
		} else {
			pgroup_wait = true;
		}
	}
	/* Not kept: a stop may still come while pipes are read. */
	group_ok = r->group_done || (all && (s->pgid <= 0 || s->stage == 0));

	/* The cgroup: the wait is for the whole tree, so it must empty. Once
	 * SIGKILL was asked it is killed again at each look while anything is
	 * left (a kernel without cgroup.kill kills the members one by one,
	 * and one may fork meanwhile); a stop that never kills does not wait
	 * for it, as for the group; the wait delay, when set, is how long the
	 * rest may run on after the children. An error reading it ends the
	 * wait for it. */
	if (all && s->cg != NULL && !r->cgroup_done) {
		cgroup_empty = cgroup_populated(s->cg) <= 0;
		if (cgroup_empty || (s->stage == 1 && s->grace_ms < 0)) {
			r->cgroup_done = true;
		} else if (s->stage == 0 && s->tree_delay_ms > 0 &&
		           now >= r->exit_at + s->tree_delay_ms) {
			stop_locked(s, SIGKILL, now);
			tree_wake = now + GROUP_POLL_MS;
		} else {
			if (s->stage == 2)
				cgroup_kill(s->cg);
			if (s->stage != 0) {
				tree_wake = now + GROUP_POLL_MS;
			} else {
				/* Members that run on: looked at less and less
				 * often, up to TREE_POLL_MAX_MS. */
				if (now >= r->tree_look_at) {
					r->tree_look_at = now + r->tree_backoff;
					r->tree_backoff = r->tree_backoff * 2 > TREE_POLL_MAX_MS
					                          ? TREE_POLL_MAX_MS
					                          : r->tree_backoff * 2;
				}
				tree_wake = r->tree_look_at;
				if (s->tree_delay_ms > 0)
					tree_wake =
						earliest(tree_wake, r->exit_at + s->tree_delay_ms);
			}
		}
	}
	if (s->cg != NULL && !r->cgroup_done)
		group_ok = false;

	io_done = io == NULL || !cmd_io_open(io);
	/* No member of an empty cgroup holds the pipes any more: what they
	 * wrote is in them. */
	if (!io_done && all && s->cg != NULL && (cgroup_empty || cgroup_populated(s->cg) == 0)) {
		cmd_io_cut(io);
		io_done = true;
	}
	if (!io_done && r->exit_at >= 0) {
		/* The children are gone and someone else holds the pipes: the
		 * wait delay, or the end of a stop's grace, bounds the
		 * reading. */
		int64_t cut = io->waitdelay_ms > 0 ? r->exit_at + io->waitdelay_ms : -1;
		if (s->stage != 0 && (s->stage == 2 || s->grace_ms >= 0))
			cut = earliest(cut, s->stage == 2 || s->kill_at < r->exit_at ? r->exit_at
			                                                             : s->kill_at);
		if (cut >= 0 && now >= cut) {
			cmd_io_cut(io);
			io_done = true;
		} else {
			wake = earliest(wake, cut);
		}
	}
	if (all && group_ok && io_done) {
		pthread_mutex_unlock(&s->lock);
		*wake_out = -1;
		return true;
	}

	/* The timers. */
	if (s->stage == 0 && s->timeout_ms > 0 && now >= s->started_ms + s->timeout_ms) {
		s->timed_out = true;
		stop_locked(s, s->sig, now);
	}
	if (s->stage == 1 && s->kill_at >= 0 && now >= s->kill_at) {
		stop_locked(s, SIGKILL, now);
		if (all && s->pgid > 0)
			r->group_done = true; /* the SIGKILL just went to it */
	}
	if (s->stage == 0 && s->timeout_ms > 0)
		wake = earliest(wake, s->started_ms + s->timeout_ms);
	if (s->stage == 1)
		wake = earliest(wake, s->kill_at);
	if (pgroup_wait)
		wake = earliest(wake, now + GROUP_POLL_MS);
	wake = earliest(wake, tree_wake);
	for (size_t i = 0; i < s->n; i++) {
		subproc_cmd *c = s->cmds[i];
		if (c->proc != NULL && !c->reaped && subproc_pidfd(c->proc) < 0)
			polling = true;
	}
	pthread_mutex_unlock(&s->lock);
	/* A child without a pidfd is looked at with a backoff of 1 to
	 * EXIT_POLL_MAX_MS. */
	if (polling)
		wake = earliest(wake, r->look_at);
	*wake_out = wake;
	return false;
}

int run_pollfds(struct cmd_run *r, struct pollfd *pfd)
{
	struct cmd_stop *s = r->s;
	int n = r->io != NULL ? cmd_io_pollfds(r->io, pfd) : 0;

	r->nio = n;
	/* Only the waiting thread reaps, so the reaped flags read here are
	 * the ones run_step saw. */
	for (size_t i = 0; i < s->n; i++) {
		subproc_cmd *c = s->cmds[i];
		if (c->proc != NULL && !c->reaped && subproc_pidfd(c->proc) >= 0)
			pfd[n++] = (struct pollfd){.fd = subproc_pidfd(c->proc), .events = POLLIN};
	}
	return n;
}

void run_exited(struct cmd_run *r, int pidfd)
{
	struct cmd_stop *s = r->s;

	for (size_t i = 0; i < s->n; i++) {
		subproc_cmd *c = s->cmds[i];
		if (c->proc != NULL && !c->reaped && subproc_pidfd(c->proc) == pidfd)
			r->ready[i] = true;
	}
}

int run_io(struct cmd_run *r, const struct pollfd *pfd, int n)
{
	struct cmd_stop *s = r->s;
	int got;

	if (r->io == NULL || n == 0)
		return 0;
	got = cmd_io_handle(r->io, pfd, n);
	if (got == -ENOBUFS) {
		pthread_mutex_lock(&s->lock);
		if (s->stage == 0)
			stop_locked(s, s->sig, cmd_now_ms());
		pthread_mutex_unlock(&s->lock);
	}
	if (got < 0 && r->result == 0)
		r->result = got;
	return got;
}

void run_poll_failed(struct cmd_run *r, int err)
{
	/* Without poll the pipes cannot be served: close them, and the
	 * child, seeing EOF or EPIPE, can end and be reaped. */
	if (r->result == 0)
		r->result = err;
	if (r->io != NULL)
		cmd_io_cut(r->io);
}

int run_result(const struct cmd_run *r)
{
	if (r->result != 0)
		return r->result;
	if (r->wait_err != 0)
		return r->wait_err;
	return r->s->timed_out ? -ETIMEDOUT : 0;
}

int stop_run(struct cmd_stop *s, struct cmd_io *io, int watch)
{
	struct pollfd small[8], *pfd = small;
	struct cmd_run run;
	int result;

	if (s->n + 5 > sizeof small / sizeof small[0] &&
	    (pfd = malloc((s->n + 5) * sizeof *pfd)) == NULL)
		return -ENOMEM;
	if ((result = run_init(&run, s, io)) < 0)
		goto out;
	wake_make(s);
	for (;;) {
		int64_t now = cmd_now_ms(), wake;
		int n, nrun, r;

		if (run_step(&run, now, &wake))
			break;
		n = nrun = run_pollfds(&run, pfd);
		if (s->wake[0] >= 0)
			pfd[n++] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
		else
			wake = earliest(wake, now + EXIT_POLL_MAX_MS);
		if (watch >= 0)
			pfd[n++] = (struct pollfd){.fd = watch, .events = POLLIN};

		now = cmd_now_ms();
		r = poll(pfd, (nfds_t)n, wake < 0 ? -1 : (int)(wake > now ? wake - now : 0));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (io != NULL && cmd_io_open(io)) {
				run_poll_failed(&run, -errno);
				continue;
			}
			run.result = -errno;
			break;
		}
		for (int k = run.nio; k < nrun; k++) {
			if (pfd[k].revents != 0)
				run_exited(&run, pfd[k].fd);
		}
		if (s->wake[0] >= 0 && pfd[nrun].revents != 0)
			wake_drain(s);
		if (watch >= 0 && pfd[n - 1].revents != 0) {
			run.result = -EINTR;
			break;
		}
		run_io(&run, pfd, run.nio);
	}
	result = run_result(&run);
	run_destroy(&run);
out:
	if (pfd != small)
		free(pfd);
	return result;
}
