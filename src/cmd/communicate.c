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
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK 65536
/* How often to look for the child's exit when there is no pidfd to poll. */
#define POLL_EXIT_MS 20

struct sink {
	subproc_output *out;
	size_t cap;
	size_t limit;
	int policy;
	bool over;     /* SUBPROC_LIMIT_FAIL and the limit was passed */
	char *discard; /* where a stream nobody captures is read; on the heap,
	                  for callers on small thread stacks */
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
	/* Terminated from the start: a stream that ends before its first
	 * byte must still read as "". */
	p[o->len] = '\0';
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
	ssize_t n;

	if (o == NULL) {
		if (s->discard == NULL && (s->discard = malloc(CHUNK)) == NULL)
			return -ENOMEM;
		n = read(fd, s->discard, CHUNK);
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

static int sink_init(struct sink *s, subproc_output *out, size_t limit, int policy)
{
	s->out = out;
	s->discard = NULL;
	s->cap = 0;
	s->limit = limit;
	s->policy = policy;
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

static void io_close(struct cmd_io *io, int i)
{
	if (*io->fd[i] >= 0)
		close(*io->fd[i]);
	*io->fd[i] = -1;
}

/* The stop that a timeout or a passed limit sets off: the chosen signal,
 * then SIGKILL once the grace has passed. */
static void stop_begin(struct cmd_io *io)
{
	if (io->stage != 0)
		return;
	io->kill(io->ctx, io->sig);
	io->stage = 1;
	io->kill_at = cmd_now_ms() + io->grace_ms;
}

static void stop_advance(struct cmd_io *io, int64_t now)
{
	if (io->stage == 1 && now >= io->kill_at) {
		io->kill(io->ctx, SIGKILL);
		io->stage = 2;
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

/* True once `pid` has exited; it is left to be reaped. */
static bool has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* The child exited. A grandchild may hold the pipes for ever: from here the
 * reading is bounded. Returns when to stop reading, or -1 for at EOF. */
static int64_t exited(struct cmd_io *io)
{
	io->exited(io->ctx);
	if (io->stage != 0)
		return cmd_now_ms() + io->grace_ms;
	if (io->waitdelay_ms > 0)
		return cmd_now_ms() + io->waitdelay_ms;
	return -1;
}

int cmd_io_run(struct cmd_io *io)
{
	struct sink sinks[3];
	sigset_t pipeset, oldmask, pending;
	bool sigpipe_pending, wrote_epipe = false, watching = io->pidfd >= 0 || io->pid > 0;
	int64_t drain_until = -1;
	size_t written = 0;
	int r, result = 0;

	io->timed_out = false;
	io->stage = 0;
	for (int i = 1; i < 3; i++) {
		if (sink_init(&sinks[i], io->out[i], io->limit, io->policy) < 0) {
			subproc_output_free(io->out[1]);
			return -ENOMEM;
		}
	}
	if (io->inlen == 0)
		io_close(io, 0);
	for (int i = 0; i < 3; i++)
		set_nonblock(*io->fd[i]);

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &oldmask);
	sigpending(&pending);
	sigpipe_pending = sigismember(&pending, SIGPIPE) == 1;

	for (;;) {
		struct pollfd pfd[4];
		int src[4], n = 0;
		int64_t now, wake;

		for (int i = 0; i < 3; i++) {
			if (*io->fd[i] >= 0)
				pfd[n] = (struct pollfd){.fd = *io->fd[i],
				                         .events = i == 0 ? POLLOUT : POLLIN},
				src[n++] = i;
		}
		if (n == 0)
			break;
		if (watching && io->pidfd >= 0)
			pfd[n] = (struct pollfd){.fd = io->pidfd, .events = POLLIN}, src[n++] = 3;

		now = cmd_now_ms();
		wake = io->stage == 0 ? io->deadline : io->stage == 1 ? io->kill_at : -1;
		wake = earliest(wake, drain_until);
		/* Without a pidfd nothing wakes us when the child exits: look
		 * every POLL_EXIT_MS instead. */
		if (watching && io->pidfd < 0)
			wake = earliest(wake, now + POLL_EXIT_MS);
		r = poll(pfd, (nfds_t)n, wake < 0 ? -1 : (int)(wake > now ? wake - now : 0));
		if (r < 0 && errno != EINTR) {
			result = -errno;
			break;
		}
		for (int k = 0; r > 0 && k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (src[k] == 0) {
				size_t left = io->inlen - written;
				ssize_t w = write(pfd[k].fd, io->in + written,
				                  left < CHUNK ? left : CHUNK);
				if (w > 0) {
					written += (size_t)w;
				} else if (w < 0 && errno == EPIPE) {
					/* The reader is gone: no more input. */
					wrote_epipe = true;
					written = io->inlen;
				} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
					result = -errno;
				}
				if (written == io->inlen)
					io_close(io, 0);
			} else if (src[k] == 3) {
				watching = false;
				drain_until = exited(io);
			} else {
				int got = sink_read(&sinks[src[k]], pfd[k].fd);
				if (got <= 0)
					io_close(io, src[k]);
				if (got < 0 && result == 0)
					result = got;
				if (sinks[src[k]].over && result == 0) {
					result = -ENOBUFS;
					stop_begin(io);
				}
			}
		}
		if (result < 0)
			break;
		if (watching && io->pidfd < 0 && has_exited(io->pid)) {
			watching = false;
			drain_until = exited(io);
		}
		now = cmd_now_ms();
		if (io->stage == 0 && io->deadline >= 0 && now >= io->deadline) {
			io->timed_out = true;
			stop_begin(io);
		}
		stop_advance(io, now);
		if (drain_until >= 0 && now >= drain_until)
			break;
	}

	for (int i = 0; i < 3; i++)
		io_close(io, i);
	for (int i = 1; i < 3; i++)
		free(sinks[i].discard);
	if (wrote_epipe && !sigpipe_pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	return result;
}

static void cmd_io_kill(void *ctx, int sig)
{
	cmd_kill(ctx, sig);
}

static void cmd_io_exited(void *ctx)
{
	subproc_cmd *c = ctx;

	/* Reaped at once so the status is safe whatever happens next. */
	if (subproc_wait(c->proc, 0, 0, &c->status) == 0)
		c->reaped = true;
}

/* Reaps the child after the loop, finishing a stop under way. */
static int finish(subproc_cmd *c, const struct cmd_io *io)
{
	int r = cmd_reap_from(c, io->stage, io->kill_at);

	return r == -ETIMEDOUT ? 0 : r;
}

int cmd_prepare_pipes(subproc_cmd *c, bool in, bool out, bool errout)
{
	const bool want[3] = {in, out, errout};

	for (int i = 0; i < 3; i++) {
		/* Not started: a stream given a buffer and left to inherit
		 * becomes the pipe the caller evidently wants. */
		if (c->proc == NULL && want[i] && c->io[i].mode == CMD_IO_INHERIT)
			subproc_cmd_stdio(c, i, SUBPROC_STDIO_PIPE);
		if (want[i] && c->io[i].mode != CMD_IO_PIPE)
			return -EINVAL;
	}
	return 0;
}

int subproc_cmd_communicate(subproc_cmd *c, const void *in, size_t inlen, subproc_output *out,
                            subproc_output *errout, subproc_status *status, subproc_error *err)
{
	struct cmd_io io = {
		.in = in,
		.inlen = inlen,
		.out = {NULL, out, errout},
		.limit = c->limit,
		.policy = c->policy,
		.deadline = -1,
		.grace_ms = c->grace_ms,
		.waitdelay_ms = c->waitdelay_ms,
		.sig = c->sig,
		.ctx = c,
		.kill = cmd_io_kill,
		.exited = cmd_io_exited,
	};
	int r, result;

	if (inlen > 0 && in == NULL)
		return -EINVAL;
	if (c->reaped)
		return -ECHILD;
	if ((r = cmd_prepare_pipes(c, inlen > 0, out != NULL, errout != NULL)) < 0)
		return r;
	if (c->proc == NULL && (r = subproc_cmd_start(c, err)) < 0)
		return r;
	for (int i = 0; i < 3; i++)
		io.fd[i] = &c->io[i].parent;
	io.pidfd = subproc_pidfd(c->proc);
	io.pid = subproc_pid(c->proc);
	if (c->timeout_ms > 0)
		io.deadline = c->started_ms + c->timeout_ms;

	result = cmd_io_run(&io);
	if (io.timed_out)
		c->timed_out = true;
	r = finish(c, &io);
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
