/*
 * Feeding and reading a child at once, without deadlock (communicate and
 * output).
 *
 * One poll loop serves stdin, stdout, stderr and the child's pidfd, so no
 * pipe can fill while we block on another. SIGPIPE is blocked in this
 * thread for the loop (a write to a pipe nobody reads raises it in the
 * writing thread) and a SIGPIPE we caused is consumed before unblocking,
 * so a child that stops reading costs the parent nothing but EPIPE.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

struct sink {
	subproc_output *out;
	size_t cap;
	size_t limit;
	int policy;
	bool over; /* SUBPROC_LIMIT_FAIL and the limit was passed */
};

void subproc_output_free(subproc_output *out)
{
	if (out == NULL)
		return;
	free(out->data);
	out->data = NULL;
	out->len = 0;
	out->dropped = 0;
}

static int sink_reserve(struct sink *s, size_t n)
{
	subproc_output *o = s->out;
	size_t want = o->len + n + 1, cap = s->cap ? s->cap : CHUNK;
	char *p;

	if (want <= s->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(o->data, cap);
	if (p == NULL)
		return -ENOMEM;
	o->data = p;
	s->cap = cap;
	return 0;
}

/* Applies the limit to bytes just appended past it. */
static void sink_limit(struct sink *s)
{
	subproc_output *o = s->out;
	size_t head = s->limit / 2, tail = s->limit - head, extra;

	if (s->limit == 0 || o->len <= s->limit)
		return;
	extra = o->len - s->limit;
	if (s->policy == SUBPROC_LIMIT_FAIL) {
		o->len = s->limit;
		s->over = true;
	} else {
		/* Keep [0, head) and the last `tail` bytes: slide the tail
		 * down over what falls out of the middle. */
		memmove(o->data + head, o->data + head + extra, tail);
		o->len = s->limit;
		o->dropped += extra;
	}
	o->data[o->len] = '\0';
}

/* Reads what `fd` has. Returns 1 while open, 0 at EOF, or -errno. A
 * stream piped with no output to fill is drained all the same, or a child
 * writing to it would block forever. */
static int sink_read(struct sink *s, int fd)
{
	subproc_output *o = s->out;
	char discard[4096];
	ssize_t n;

	if (o == NULL) {
		n = read(fd, discard, sizeof discard);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : -errno;
		return n > 0;
	}
	if (sink_reserve(s, CHUNK) < 0)
		return -ENOMEM;
	n = read(fd, o->data + o->len, CHUNK);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -errno;
	if (n == 0)
		return 0;
	o->len += (size_t)n;
	o->data[o->len] = '\0';
	sink_limit(s);
	return 1;
}

static int sink_init(struct sink *s, subproc_output *out, const subproc_cmd *c)
{
	s->out = out;
	s->cap = 0;
	s->limit = c->limit;
	s->policy = c->policy;
	s->over = false;
	if (out == NULL)
		return 0;
	out->data = NULL;
	out->len = 0;
	out->dropped = 0;
	/* Callers may print data even when nothing came. */
	return sink_reserve(s, 0);
}

static void set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* The stop that a timeout or a passed limit sets off. */
struct stop {
	int stage; /* 0: none; 1: first signal sent; 2: SIGKILL sent */
	int64_t kill_at;
};

static void stop_begin(subproc_cmd *c, struct stop *st)
{
	if (st->stage != 0)
		return;
	cmd_kill(c, c->sig);
	st->stage = 1;
	st->kill_at = cmd_now_ms() + c->grace_ms;
}

static void stop_advance(subproc_cmd *c, struct stop *st, int64_t now)
{
	if (st->stage == 1 && now >= st->kill_at) {
		cmd_kill(c, SIGKILL);
		st->stage = 2;
	}
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Reaps the child after the loop, honouring a stop under way. */
static int finish(subproc_cmd *c, struct stop *st)
{
	int r;

	if (c->reaped)
		return 0;
	if (st->stage == 0) {
		/* The timeout may still fire here; cmd_reap records it. */
		r = cmd_reap(c);
		return r == -ETIMEDOUT ? 0 : r;
	}
	if (st->stage == 1) {
		int64_t left = st->kill_at - cmd_now_ms();
		r = subproc_wait(c->proc, 0, left > 0 ? (int)left : 0, &c->status);
		if (r == 0)
			return c->reaped = true, 0;
		cmd_kill(c, SIGKILL);
	}
	r = subproc_wait(c->proc, 0, -1, &c->status);
	if (r == 0)
		c->reaped = true;
	return r;
}

int subproc_cmd_communicate(subproc_cmd *c, const void *in, size_t inlen, subproc_output *out,
                            subproc_output *errout, subproc_status *status, subproc_error *err)
{
	const char *input = in;
	struct sink sinks[3];
	struct stop stop = {0};
	sigset_t pipeset, oldmask, pending;
	bool sigpipe_pending, wrote_epipe = false, child_gone = false;
	int64_t deadline = -1, drain_until = -1;
	size_t written = 0;
	int r = 0, result = 0;

	if (c->proc == NULL) {
		/* Not started: a stream given a buffer and left to inherit
		 * becomes the pipe the caller evidently wants. */
		const bool want[3] = {inlen > 0, out != NULL, errout != NULL};
		for (int i = 0; i < 3; i++) {
			if (want[i] && c->io[i].mode == CMD_IO_INHERIT)
				subproc_cmd_stdio(c, i, SUBPROC_STDIO_PIPE);
		}
	}
	if ((inlen > 0 && in == NULL) || (inlen > 0 && c->io[0].mode != CMD_IO_PIPE) ||
	    (out != NULL && c->io[1].mode != CMD_IO_PIPE) ||
	    (errout != NULL && c->io[2].mode != CMD_IO_PIPE))
		return -EINVAL;
	if (c->reaped)
		return -ECHILD;
	if (sink_init(&sinks[1], out, c) < 0 || sink_init(&sinks[2], errout, c) < 0) {
		subproc_output_free(out);
		return -ENOMEM;
	}
	if (c->proc == NULL && (r = subproc_cmd_start(c, err)) < 0) {
		subproc_output_free(out);
		subproc_output_free(errout);
		return r;
	}
	if (inlen == 0)
		subproc_cmd_close(c, 0);
	for (int i = 0; i < 3; i++)
		set_nonblock(c->io[i].parent);
	if (c->timeout_ms > 0)
		deadline = c->started_ms + c->timeout_ms;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask);
	sigpending(&pending);
	sigpipe_pending = sigismember(&pending, SIGPIPE) == 1;

	for (;;) {
		struct pollfd pfd[4];
		int src[4], n = 0, pidfd = subproc_pidfd(c->proc);
		int64_t now, wake;

		if (c->io[0].parent >= 0)
			pfd[n] = (struct pollfd){.fd = c->io[0].parent, .events = POLLOUT},
			src[n++] = 0;
		for (int i = 1; i < 3; i++) {
			if (c->io[i].parent >= 0)
				pfd[n] = (struct pollfd){.fd = c->io[i].parent, .events = POLLIN},
				src[n++] = i;
		}
		if (n == 0)
			break;
		if (!child_gone && pidfd >= 0)
			pfd[n] = (struct pollfd){.fd = pidfd, .events = POLLIN}, src[n++] = 3;

		now = cmd_now_ms();
		wake = stop.stage == 0 ? deadline : stop.stage == 1 ? stop.kill_at : -1;
		wake = earliest(wake, drain_until);
		r = poll(pfd, (nfds_t)n, wake < 0 ? -1 : (int)(wake > now ? wake - now : 0));
		if (r < 0 && errno != EINTR) {
			result = -errno;
			break;
		}
		for (int k = 0; r > 0 && k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (src[k] == 0) {
				ssize_t w =
					write(pfd[k].fd, input + written,
				              inlen - written < CHUNK ? inlen - written : CHUNK);
				if (w > 0)
					written += (size_t)w;
				else if (w < 0 && errno != EAGAIN && errno != EINTR)
					wrote_epipe = errno == EPIPE, written = inlen;
				if (written == inlen)
					subproc_cmd_close(c, 0);
			} else if (src[k] == 3) {
				/* Exited. Reap now, so a surviving grandchild
				 * holding our pipes is bounded below. */
				if (subproc_wait(c->proc, 0, 0, &c->status) == 0)
					c->reaped = true;
				child_gone = true;
				if (stop.stage != 0)
					drain_until = cmd_now_ms() + c->grace_ms;
				else if (c->waitdelay_ms > 0)
					drain_until = cmd_now_ms() + c->waitdelay_ms;
			} else {
				int got = sink_read(&sinks[src[k]], pfd[k].fd);
				if (got <= 0)
					subproc_cmd_close(c, src[k]);
				if (got < 0 && result == 0)
					result = got;
				if (sinks[src[k]].over && result == 0) {
					result = -ENOBUFS;
					stop_begin(c, &stop);
				}
			}
		}
		if (result == -ENOBUFS || (result < 0 && result != -ENOBUFS))
			break;
		now = cmd_now_ms();
		if (stop.stage == 0 && deadline >= 0 && now >= deadline) {
			c->timed_out = true;
			stop_begin(c, &stop);
		}
		stop_advance(c, &stop, now);
		if (drain_until >= 0 && now >= drain_until)
			break;
	}

	cmd_close_pipes(c);
	r = finish(c, &stop);
	if (wrote_epipe && !sigpipe_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);

	if (status != NULL && c->reaped)
		*status = c->status;
	if (result == 0 && r < 0)
		result = r;
	if (result == 0 && c->timed_out)
		result = -ETIMEDOUT;
	return result;
}

int subproc_cmd_output(subproc_cmd *c, subproc_output *out, subproc_output *errout,
                       subproc_status *status, subproc_error *err)
{
	return subproc_cmd_communicate(c, NULL, 0, out, errout, status, err);
}
