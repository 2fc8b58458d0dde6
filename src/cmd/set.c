/* SPDX-License-Identifier: MIT */
/*
 * A set of commands: many at once, at most `limit` running, handed back in
 * the order they end.
 *
 * Each running command is one wait of the stop engine (struct cmd_run,
 * stop.c) with its own I/O (struct cmd_io, communicate.c): the same steps
 * and the same reads and writes as communicate, driven here from one
 * poller for the whole set instead of one poll() per command. An event
 * names its command and fd (the key: slot << 32 | fd); the command is then
 * stepped, once per wake-up. Deadlines (timeouts, grace periods, the wait
 * delay, the look at a child without a pidfd) sit in a binary heap, so a
 * wake-up costs time in the commands it concerns, not in those running or
 * queued.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NONE ((size_t)-1)
#define WAKE_KEY (UINT64_MAX - 1)
#define EVENTS 32

struct member {
	subproc_cmd *cmd;
	void *ctx;
	const void *in;
	size_t inlen;
	struct member *next; /* in the queue or the done list */
	size_t slot;         /* in set->slots while running */
	size_t heap_pos;     /* in set->heap, or NONE */
	int64_t wake;        /* when it is to be stepped without an event */
	bool due;            /* in set->due */
	bool pidfd_watched;
	bool epipe_told; /* its EPIPE was reported to set->wrote_epipe */
	bool feeding;    /* counted in set->feeding */
	struct cmd_io io;
	struct cmd_run run;
	struct timespec mono; /* CLOCK_MONOTONIC at the start */
	/* What subproc_done will say; its 4 KiB error only for a failed
	 * start (malloc'ed), so that a queue of many commands stays small. */
	int result;
	bool reaped;
	subproc_status status;
	subproc_output out, err;
	struct timespec started, elapsed;
	subproc_error *error;
};

struct list {
	struct member *head, **tail;
	size_t n;
};

struct subproc_set {
	struct cmd_poller *poller;
	int wake[2]; /* a stop of a member from another thread */
	size_t limit;
	struct list queue, done;
	/* Running members by slot; the free slots; the heap of deadlines;
	 * the members to step in this wake-up. Each holds cap entries. */
	struct member **slots, **heap, **due;
	size_t *free_slots;
	size_t cap, nslots, nfree, nheap, ndue, running;
	size_t feeding;              /* running members still writing a stdin */
	struct cmd_event ev[EVENTS]; /* a wake-up's, off the caller's stack */
	subproc_error start_err;     /* each start's, likewise */
	bool wrote_epipe;
	bool fd_used; /* subproc_set_fd was asked: keep its timer armed */
};

static void arm(subproc_set *set);

static void list_init(struct list *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->n = 0;
}

static void list_push(struct list *l, struct member *m)
{
	m->next = NULL;
	*l->tail = m;
	l->tail = &m->next;
	l->n++;
}

static struct member *list_pop(struct list *l)
{
	struct member *m = l->head;

	if (m != NULL) {
		l->head = m->next;
		if (l->head == NULL)
			l->tail = &l->head;
		l->n--;
	}
	return m;
}

/* The heap of deadlines: heap[0] has the earliest wake. */
static bool heap_less(const subproc_set *set, size_t a, size_t b)
{
	return set->heap[a]->wake < set->heap[b]->wake;
}

static void heap_swap(subproc_set *set, size_t a, size_t b)
{
	struct member *t = set->heap[a];

	set->heap[a] = set->heap[b];
	set->heap[b] = t;
	set->heap[a]->heap_pos = a;
	set->heap[b]->heap_pos = b;
}

static void heap_fix(subproc_set *set, size_t i)
{
	while (i > 0 && heap_less(set, i, (i - 1) / 2)) {
		heap_swap(set, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < set->nheap && heap_less(set, l, min))
			min = l;
		if (r < set->nheap && heap_less(set, r, min))
			min = r;
		if (min == i)
			return;
		heap_swap(set, i, min);
		i = min;
	}
}

static void heap_remove(subproc_set *set, struct member *m)
{
	size_t i = m->heap_pos;

	if (i == NONE)
		return;
	m->heap_pos = NONE;
	if (i != --set->nheap) {
		set->heap[i] = set->heap[set->nheap];
		set->heap[i]->heap_pos = i;
		heap_fix(set, i);
	}
}

/* Room for every running member in the heap, hence never fails once the
 * member has its slot. */
static void heap_set(subproc_set *set, struct member *m, int64_t wake)
{
	heap_remove(set, m);
	m->wake = wake;
	if (wake < 0)
		return;
	m->heap_pos = set->nheap;
	set->heap[set->nheap++] = m;
	heap_fix(set, m->heap_pos);
}

static int64_t heap_min(const subproc_set *set)
{
	return set->nheap > 0 ? set->heap[0]->wake : -1;
}

static int grow_to(void *array, size_t cap, size_t size)
{
	void **p = array, *q = realloc(*p, cap * size);

	if (q == NULL)
		return -ENOMEM;
	*p = q;
	return 0;
}

/* A slot for a member about to start, and room for it in the heap and the
 * due list. */
static int slot_take(subproc_set *set, size_t *slot)
{
	if (set->nfree > 0) {
		*slot = set->free_slots[--set->nfree];
		return 0;
	}
	if (set->nslots == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;

		if (grow_to(&set->slots, cap, sizeof(struct member *)) < 0 ||
		    grow_to(&set->heap, cap, sizeof(struct member *)) < 0 ||
		    grow_to(&set->due, cap, sizeof(struct member *)) < 0 ||
		    grow_to(&set->free_slots, cap, sizeof *set->free_slots) < 0)
			return -ENOMEM;
		set->cap = cap;
	}
	*slot = set->nslots++;
	return 0;
}

static uint64_t key_of(const struct member *m, int fd)
{
	return (uint64_t)m->slot << 32 | (uint32_t)fd;
}

static void set_wake_fds(subproc_cmd *c, const int wake[2])
{
	pthread_mutex_lock(&c->stop.lock);
	c->stop.wake[0] = wake[0];
	c->stop.wake[1] = wake[1];
	pthread_mutex_unlock(&c->stop.lock);
}

static void mark_due(subproc_set *set, struct member *m)
{
	if (!m->due) {
		m->due = true;
		set->due[set->ndue++] = m;
	}
}

int subproc_set_new(subproc_set **out)
{
	subproc_set *set;
	int r;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if ((set = calloc(1, sizeof *set)) == NULL)
		return -ENOMEM;
	list_init(&set->queue);
	list_init(&set->done);
	set->wake[0] = set->wake[1] = -1;
	if ((r = poller_new(&set->poller)) < 0 || (r = subproc_pipe(set->wake, O_NONBLOCK)) < 0 ||
	    (r = poller_add(set->poller, set->wake[0], POLLIN, WAKE_KEY)) < 0) {
		subproc_set_free(set);
		return r;
	}
	*out = set;
	return 0;
}

int subproc_set_limit(subproc_set *set, size_t max)
{
	set->limit = max;
	/* A raised limit may let queued commands start: the caller's loop
	 * must hear of it. */
	arm(set);
	return 0;
}

int subproc_set_add(subproc_set *set, subproc_cmd *cmd, const void *in, size_t inlen, void *ctx)
{
	struct member *m;
	int r;

	if (set == NULL || cmd == NULL || (inlen > 0 && in == NULL))
		return -EINVAL;
	if (cmd->proc != NULL || cmd->staged || cmd->in_set)
		return -EBUSY;
	if (inlen > 0 && (r = cmd_check_pipes(cmd, true, false, false)) < 0)
		return r;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return -ENOMEM;
	if (inlen > 0)
		cmd_prepare_pipes(cmd, true, false, false);
	m->cmd = cmd;
	m->ctx = ctx;
	m->in = in;
	m->inlen = inlen;
	m->heap_pos = NONE;
	m->wake = -1;
	cmd->in_set = true;
	list_push(&set->queue, m);
	arm(set);
	return 0;
}

static void finish(subproc_set *set, struct member *m)
{
	subproc_cmd *c = m->cmd;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	m->elapsed.tv_sec = now.tv_sec - m->mono.tv_sec;
	m->elapsed.tv_nsec = now.tv_nsec - m->mono.tv_nsec;
	if (m->elapsed.tv_nsec < 0) {
		m->elapsed.tv_sec--;
		m->elapsed.tv_nsec += 1000000000;
	}

	m->result = run_result(&m->run);
	c->waited = true;
	m->reaped = c->reaped && c->wait_err == 0;
	if (m->reaped)
		m->status = c->status;
	if (m->pidfd_watched)
		poller_del(set->poller, subproc_pidfd(c->proc));
	m->pidfd_watched = false;
	cmd_io_close(&m->io);
	cmd_close_pipes(c);
	run_destroy(&m->run);
	heap_remove(set, m);
	if (m->feeding) {
		m->feeding = false;
		set->feeding--;
	}
	set_wake_fds(c, (const int[2]){-1, -1});
	set->slots[m->slot] = NULL;
	set->free_slots[set->nfree++] = m->slot;
	set->running--;
	list_push(&set->done, m);
}

/* One step of a running member. */
static void step(subproc_set *set, struct member *m, int64_t now)
{
	int64_t wake;

	m->due = false;
	if (m->io.wrote_epipe && !m->epipe_told)
		set->wrote_epipe = m->epipe_told = true;
	if (m->feeding && *m->io.fd[0] < 0) {
		m->feeding = false;
		set->feeding--;
	}
	if (run_step(&m->run, now, &wake)) {
		finish(set, m);
		return;
	}
	/* A reaped child's pidfd polls readable for ever. */
	if (m->pidfd_watched && m->cmd->reaped) {
		poller_del(set->poller, subproc_pidfd(m->cmd->proc));
		m->pidfd_watched = false;
	}
	heap_set(set, m, wake);
}

static void start(subproc_set *set, struct member *m)
{
	subproc_cmd *c = m->cmd;
	int r, pidfd;

	clock_gettime(CLOCK_REALTIME, &m->started);
	clock_gettime(CLOCK_MONOTONIC, &m->mono);
	r = cmd_start(c, &set->start_err);
	if (r == 0 && (r = slot_take(set, &m->slot)) < 0) {
		/* Nowhere to keep it: the child must not outlive this. */
		cmd_close_pipes(c);
		stop_now(&c->stop, SIGKILL, false);
		subproc_wait(c->proc, 0, -1, NULL);
		c->reaped = true;
		cmd_error(&set->start_err, r);
	}
	if (r < 0) {
		m->result = r;
		/* Without memory for the error, its code still says it. */
		if ((m->error = malloc(sizeof *m->error)) != NULL)
			*m->error = set->start_err;
		list_push(&set->done, m);
		return;
	}
	set->slots[m->slot] = m;
	set->running++;
	m->io = (struct cmd_io){
		.in = m->in,
		.inlen = m->inlen,
		.limit = c->limit,
		.policy = c->policy,
		.waitdelay_ms = c->waitdelay_ms,
		.fn = c->on_output,
		.fn_ctx = c->on_output_ctx,
		.poller = set->poller,
	};
	for (int i = 0; i < 3; i++) {
		m->io.fd[i] = &c->io[i].parent;
		if (i > 0 && c->io[i].parent >= 0 && c->on_output == NULL)
			m->io.out[i] = i == 1 ? &m->out : &m->err;
	}
	/* One child: run_init has room for it without allocating. */
	(void)run_init(&m->run, &c->stop, &m->io);
	set_wake_fds(c, set->wake);
	if ((r = cmd_io_prepare(&m->io)) == 0) {
		for (int i = 0; i < 3 && r == 0; i++) {
			int fd = c->io[i].parent;
			if (fd >= 0)
				r = poller_add(set->poller, fd, i == 0 ? POLLOUT : POLLIN,
				               key_of(m, fd));
		}
	}
	if (r < 0) {
		/* No buffer or no watch: no I/O, the child sees EOF and EPIPE
		 * and ends, and the command is done with the error. */
		run_poll_failed(&m->run, r);
		cmd_io_close(&m->io);
	}
	if (c->io[0].parent >= 0) {
		m->feeding = true;
		set->feeding++;
	}
	pidfd = subproc_pidfd(c->proc);
	if (pidfd >= 0 && poller_add(set->poller, pidfd, POLLIN, key_of(m, pidfd)) == 0)
		m->pidfd_watched = true;
	/* else it is looked at, 1 to 50 ms apart (run_step's wake) */
	step(set, m, cmd_now_ms());
}

static bool may_start(const subproc_set *set)
{
	return set->queue.head != NULL && (set->limit == 0 || set->running < set->limit);
}

static void start_queued(subproc_set *set)
{
	while (may_start(set))
		start(set, list_pop(&set->queue));
}

/* When the set's fd must poll readable next: now when there is a done
 * command to take or a start to make, else at the earliest deadline. */
static void arm(subproc_set *set)
{
	if (!set->fd_used)
		return;
	poller_arm(set->poller, set->done.n > 0 || may_start(set) ? 0 : heap_min(set));
}

static void all_due(subproc_set *set)
{
	for (size_t i = 0; i < set->nslots; i++) {
		if (set->slots[i] != NULL)
			mark_due(set, set->slots[i]);
	}
}

static void event(subproc_set *set, const struct cmd_event *ev)
{
	size_t slot = (size_t)(ev->key >> 32);
	int fd = (int)(uint32_t)ev->key;
	struct member *m;

	if (ev->key == WAKE_KEY) {
		char buf[64];

		while (read(set->wake[0], buf, sizeof buf) > 0)
			;
		/* Some member was stopped: its deadlines moved. */
		all_due(set);
		return;
	}
	/* An event for a slot since reused, or an fd since closed, is
	 * harmless: every fd is non-blocking and every step looks at the
	 * whole state. */
	if (slot >= set->nslots || (m = set->slots[slot]) == NULL)
		return;
	if (m->pidfd_watched && fd == subproc_pidfd(m->cmd->proc)) {
		run_exited(&m->run, fd);
	} else {
		struct pollfd pfd = {.fd = fd, .revents = ev->revents};
		run_io(&m->run, &pfd, 1);
	}
	mark_due(set, m);
}

/* One wake-up: starts what the limit allows, waits up to timeout_ms (-1:
 * no bound) for an event or a deadline, serves it. */
static int serve(subproc_set *set, int timeout_ms)
{
	struct cmd_event *ev = set->ev;
	struct cmd_sigpipe sp;
	int64_t now, due;
	int n, t = timeout_ms;

	start_queued(set);
	if (set->done.n > 0 || set->running == 0)
		t = 0;
	now = cmd_now_ms();
	if ((due = heap_min(set)) >= 0) {
		int64_t d = due > now ? due - now : 0;
		if (t < 0 || d < t)
			t = (int)d;
	}
	n = poller_wait(set->poller, ev, EVENTS, t);
	if (n < 0) {
		arm(set);
		return n;
	}
	/* Writes to a child that stopped reading raise SIGPIPE in this
	 * thread: blocked here while a stdin is written, and consumed when
	 * ours. */
	cmd_sigpipe_block(&sp, set->feeding > 0);
	set->wrote_epipe = false;
	set->ndue = 0;
	for (int i = 0; i < n; i++)
		event(set, &ev[i]);
	now = cmd_now_ms();
	while (set->nheap > 0 && set->heap[0]->wake <= now) {
		struct member *m = set->heap[0];
		heap_remove(set, m);
		mark_due(set, m);
	}
	for (size_t i = 0; i < set->ndue; i++)
		step(set, set->due[i], now);
	set->ndue = 0;
	sp.caused = set->wrote_epipe;
	cmd_sigpipe_restore(&sp);
	start_queued(set);
	arm(set);
	return 0;
}

int subproc_set_next(subproc_set *set, subproc_done *done, int timeout_ms)
{
	int64_t end = timeout_ms > 0 ? cmd_now_ms() + timeout_ms : -1;

	for (;;) {
		struct member *m = list_pop(&set->done);
		int r, t;

		if (m != NULL) {
			done->cmd = m->cmd;
			done->ctx = m->ctx;
			done->result = m->result;
			done->reaped = m->reaped;
			done->status = m->reaped ? m->status : (subproc_status){0};
			done->out = m->out;
			done->err = m->err;
			done->started = m->started;
			done->elapsed = m->elapsed;
			if (m->error != NULL)
				done->error = *m->error;
			else
				cmd_error(&done->error, m->result);
			free(m->error);
			m->cmd->in_set = false;
			free(m);
			arm(set);
			return 0;
		}
		if (set->queue.head == NULL && set->running == 0)
			return -ECHILD;
		if (timeout_ms < 0) {
			t = -1;
		} else {
			int64_t left = end - cmd_now_ms();
			t = timeout_ms == 0 || left < 0 ? 0 : (int)left;
		}
		if ((r = serve(set, t)) < 0)
			return r;
		if (set->done.n == 0 && t == 0 && timeout_ms >= 0)
			return -EAGAIN;
	}
}

int subproc_set_fd(subproc_set *set)
{
	int fd = poller_fd(set->poller);

	/* From now on its timer follows the set's deadlines. */
	if (fd >= 0 && !set->fd_used) {
		set->fd_used = true;
		arm(set);
	}
	return fd;
}

int subproc_set_dispatch(subproc_set *set)
{
	int r = serve(set, 0);

	return r < 0 ? r : (int)set->done.n;
}

int subproc_set_stop(subproc_set *set, int sig)
{
	struct member *m;
	int64_t now = cmd_now_ms();

	if (sig < 0 || sig >= CMD_NSIG)
		return -EINVAL;
	while ((m = list_pop(&set->queue)) != NULL) {
		m->result = -ECANCELED;
		list_push(&set->done, m);
	}
	for (size_t i = 0; i < set->nslots; i++) {
		if ((m = set->slots[i]) == NULL)
			continue;
		(void)stop_now(&m->cmd->stop, sig, false);
		/* Its grace period starts now: the deadline moved. */
		step(set, m, now);
	}
	arm(set);
	return 0;
}

size_t subproc_set_running(const subproc_set *set)
{
	return set->running;
}

size_t subproc_set_len(const subproc_set *set)
{
	return set->queue.n + set->running + set->done.n;
}

static void member_free(struct member *m)
{
	m->cmd->in_set = false;
	subproc_cmd_free(m->cmd);
	subproc_output_free(&m->out);
	subproc_output_free(&m->err);
	free(m->error);
	free(m);
}

subproc_set *subproc_set_free(subproc_set *set)
{
	struct member *m;

	if (set == NULL)
		return NULL;
	while ((m = list_pop(&set->queue)) != NULL)
		member_free(m);
	for (size_t i = 0; i < set->nslots; i++) {
		if ((m = set->slots[i]) == NULL)
			continue;
		cmd_io_close(&m->io);
		run_destroy(&m->run);
		set_wake_fds(m->cmd, (const int[2]){-1, -1});
		subproc_cmd_kill_on_free(m->cmd, true);
		member_free(m);
	}
	while ((m = list_pop(&set->done)) != NULL)
		member_free(m);
	free(set->slots);
	free(set->heap);
	free(set->due);
	free(set->free_slots);
	poller_free(set->poller);
	for (int i = 0; i < 2; i++) {
		if (set->wake[i] >= 0)
			close(set->wake[i]);
	}
	free(set);
	return NULL;
}
