/* SPDX-License-Identifier: MIT */
/*
 * Feeding and reading a child at once, without deadlock (communicate and
 * output).
 *
 * The stop engine's one poll loop (stop.c) serves stdin, stdout, stderr
 * and the children's pidfds through the cmd_io functions here, so no pipe
 * can fill while we block on another. SIGPIPE is blocked in this
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
/* Once 64 KiB (the kernel's default pipe) has gone through a stream, its
 * pipe is asked to grow to BIG_PIPE and uncapped output is read BIG_PIPE at
 * a time: a large output then costs a wake-up per MiB, not per 64 KiB.
 * Only then, so that hundreds of children with little output do not spend
 * the per-user pipe quota (fs.pipe-user-pages-soft), past which the kernel
 * gives every new pipe of the user one page. */
#define BIG_PIPE (1 << 20)
/* Reads of one stream per wake-up before the loop polls again: until
 * EAGAIN normally, bounded so that one fast stream cannot keep the others
 * (and a stop) waiting. */
#define READS_PER_WAKE 32

void subproc_output_free(subproc_output *out)
{
	if (out == NULL)
		return;
	free(out->data);
	out->data = NULL;
	out->len = 0;
	out->dropped = 0;
}

static int sink_reserve(struct cmd_sink *s, size_t n)
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
	/* A block that moved may have been copied: no page past the bytes
	 * is known to be faulted in. */
	if (p != o->data)
		s->ready = o->len;
	o->data = p;
	s->cap = cap;
	return 0;
}

/* Applies the limit to bytes just appended past it. */
static void sink_limit(struct cmd_sink *s)
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

/* Asks the kernel for a bigger pipe (F_SETPIPE_SZ, Linux), once per
 * stream, when it is smaller than BIG_PIPE. Refused (EPERM above fs.pipe-max-size without
 * CAP_SYS_RESOURCE, or over the user's pipe quota), the pipe stays as it is. */
static void sink_grow_pipe(struct cmd_sink *s, int fd)
{
	if (s->grown)
		return;
	s->grown = true;
#ifdef F_SETPIPE_SZ
	/* Never smaller: with 64 KiB pages the default pipe is 1 MiB already,
	 * and a pipe the caller made may be bigger still. */
	if (fcntl(fd, F_GETPIPE_SZ) < BIG_PIPE)
		(void)fcntl(fd, F_SETPIPE_SZ, BIG_PIPE);
#else
	(void)fd;
#endif
}

/* Faults in the buffer pages that the next `n` bytes will fill, before
 * the read: a pipe read copies under the pipe's lock, so a page fault
 * taken inside read(2) keeps the writing child waiting, while one taken
 * here overlaps with its writes (bench/: capture of 256 MiB). Refused
 * (a kernel before 5.14, a seccomp filter, the portable build), the stream
 * stops trying and its reads fault as they always did. */
static void sink_prefault(struct cmd_sink *s, size_t n)
{
	subproc_output *o = s->out;
	size_t from = s->ready > o->len ? s->ready : o->len, to = o->len + 2 * n;

	/* Twice the read ahead, so that a child writing a page at a time
	 * costs one call per read size, not one per read. */
	if (s->noprefault || from >= o->len + n)
		return;
	if (to > s->cap)
		to = s->cap;
	if (cmd_prefault(o->data + from, to - from) < 0)
		s->noprefault = true;
	else
		s->ready = to;
}

/* One read. Returns the bytes read, 0 at EOF, -EAGAIN when the pipe is
 * empty, or -errno. A stream with no buffer goes to the command's output
 * callback when it has one, or is dropped. */
static ssize_t sink_read_once(struct cmd_sink *s, int fd, bool *drained)
{
	subproc_output *o = s->out;
	/* Under a limit the bytes past it are slid or cut after each read,
	 * so reads stay small there. */
	size_t want = o != NULL && s->limit == 0 && s->grown ? BIG_PIPE : CHUNK;
	ssize_t n;

	if (o == NULL) {
		if (s->discard == NULL && (s->discard = malloc(CHUNK)) == NULL)
			return -ENOMEM;
		n = read(fd, s->discard, CHUNK);
		if (n > 0 && s->fn != NULL)
			s->fn(s->fn_ctx, s->stream, s->discard, (size_t)n);
	} else {
		/* realloc of a block this size moves pages (mremap), not
		 * bytes, in glibc and musl: the buffer grows without copying. */
		if (sink_reserve(s, want) < 0)
			return -ENOMEM;
		if (want == BIG_PIPE)
			sink_prefault(s, want);
		n = read(fd, o->data + o->len, want);
		if (n > 0) {
			o->len += (size_t)n;
			o->data[o->len] = '\0';
			sink_limit(s);
		}
	}
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	*drained = (size_t)n < (o == NULL ? CHUNK : want);
	s->seen += (size_t)n;
	if (s->seen >= CHUNK)
		sink_grow_pipe(s, fd);
	return n;
}

/* Reads what `fd` has, until the pipe is empty (a short read says so,
 * without a read more to meet EAGAIN) or READS_PER_WAKE reads.
 * Returns 1 while open, 0 at EOF, or -errno. A stream piped with no output
 * to fill is drained all the same, or a child writing to it would block
 * forever. */
static int sink_read(struct cmd_sink *s, int fd)
{
	bool drained = false;

	for (int reads = 0; reads < READS_PER_WAKE && !s->over && !drained; reads++) {
		ssize_t n = sink_read_once(s, fd, &drained);

		if (n == -EAGAIN)
			break;
		if (n <= 0)
			return (int)n;
	}
	return 1;
}

static int sink_init(struct cmd_sink *s, subproc_output *out, size_t limit, int policy)
{
	s->out = out;
	s->discard = NULL;
	s->cap = 0;
	s->limit = limit;
	s->policy = policy;
	s->over = false;
	s->grown = false;
	s->noprefault = false;
	s->ready = 0;
	s->seen = 0;
	s->fn = NULL;
	if (out == NULL)
		return 0;
	out->data = NULL;
	out->len = 0;
	out->dropped = 0;
	/* Callers may print data even when nothing came. */
	return sink_reserve(s, 0);
}

/* The fds here are the parent's ends of the library's own pipes, whose
 * only status flag can be O_NONBLOCK: set without reading the flags first
 * (a system call less per stream). */
static void set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
}

/* Closes a stream's fd: out of the set's poller first, so that no event
 * can name it afterwards; a stream given to a callback is told it ended
 * (EOF, an error, or the cut). */
static void io_close(struct cmd_io *io, int i)
{
	int fd = *io->fd[i];

	if (fd < 0)
		return;
	if (io->poller != NULL)
		poller_del(io->poller, fd);
	close(fd);
	*io->fd[i] = -1;
	if (i != 0) {
		const struct cmd_sink *s = &io->sinks[i];

		if (s->fn != NULL)
			s->fn(s->fn_ctx, i, NULL, 0);
	}
}

void cmd_sigpipe_block(struct cmd_sigpipe *sp, bool needed)
{
	sigset_t pipeset, pending;

	sp->caused = false;
	sp->active = needed;
	if (!needed)
		return;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &sp->oldmask);
	sigpending(&pending);
	sp->pending = sigismember(&pending, SIGPIPE) == 1;
}

void cmd_sigpipe_restore(struct cmd_sigpipe *sp)
{
	sigset_t pipeset;

	if (!sp->active)
		return;
	sp->active = false;
	/* A SIGPIPE our write raised is ours to consume; one that was
	 * pending before is the caller's and stays. */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	if (sp->caused && !sp->pending) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipeset, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &sp->oldmask, NULL);
}

int cmd_io_prepare(struct cmd_io *io)
{
	io->written = 0;
	io->wrote_epipe = false;
	io->sinks[0].grown = false;
	for (int i = 1; i < 3; i++) {
		if (sink_init(&io->sinks[i], io->out[i], io->limit, io->policy) < 0) {
			subproc_output_free(io->out[1]);
			return -ENOMEM;
		}
		io->sinks[i].stream = i;
		if (io->out[i] == NULL) {
			io->sinks[i].fn = io->fn;
			io->sinks[i].fn_ctx = io->fn_ctx;
		}
	}
	if (io->inlen == 0)
		io_close(io, 0);
	for (int i = 0; i < 3; i++)
		set_nonblock(*io->fd[i]);
	return 0;
}

int cmd_io_begin(struct cmd_io *io)
{
	int r = cmd_io_prepare(io);

	/* Not blocked when prepare failed: cmd_io_end restores nothing. */
	cmd_sigpipe_block(&io->sigpipe, r == 0 && *io->fd[0] >= 0);
	return r;
}

bool cmd_io_open(const struct cmd_io *io)
{
	return *io->fd[0] >= 0 || *io->fd[1] >= 0 || *io->fd[2] >= 0;
}

int cmd_io_pollfds(const struct cmd_io *io, struct pollfd *pfd)
{
	int n = 0;

	for (int i = 0; i < 3; i++) {
		if (*io->fd[i] >= 0)
			pfd[n++] = (struct pollfd){.fd = *io->fd[i],
			                           .events = i == 0 ? POLLOUT : POLLIN};
	}
	return n;
}

static int stream_of(const struct cmd_io *io, int fd)
{
	for (int i = 0; i < 3; i++) {
		if (*io->fd[i] == fd)
			return i;
	}
	return -1;
}

/* Writes what the child's stdin pipe takes, until it is full (or
 * READS_PER_WAKE writes); past 64 KiB the pipe is asked to grow, as for
 * reads. Returns 0 or -errno; the reader gone is no error. */
static int feed(struct cmd_io *io, int fd)
{
	for (int writes = 0; writes < READS_PER_WAKE && io->written < io->inlen; writes++) {
		size_t left = io->inlen - io->written, want = io->sinks[0].grown ? BIG_PIPE : CHUNK;
		ssize_t w = write(fd, io->in + io->written, left < want ? left : want);

		if (w > 0) {
			io->written += (size_t)w;
			if (io->written >= CHUNK)
				sink_grow_pipe(&io->sinks[0], fd);
			/* Short: the pipe is full, and one more write would
			 * only say EAGAIN. */
			if ((size_t)w < (left < want ? left : want))
				break;
		} else if (w < 0 && errno == EPIPE) {
			/* The reader is gone: no more input. */
			io->wrote_epipe = true;
			io->written = io->inlen;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return -errno;
		} else {
			break;
		}
	}
	return 0;
}

int cmd_io_handle(struct cmd_io *io, const struct pollfd *pfd, int n)
{
	int result = 0;

	for (int k = 0; k < n && result == 0; k++) {
		int i = stream_of(io, pfd[k].fd);

		if (pfd[k].revents == 0 || i < 0)
			continue;
		if (i == 0) {
			result = feed(io, pfd[k].fd);
			if (io->written == io->inlen)
				io_close(io, 0);
		} else {
			int got = sink_read(&io->sinks[i], pfd[k].fd);
			if (got <= 0)
				io_close(io, i);
			if (got < 0)
				result = got;
			else if (io->sinks[i].over)
				result = -ENOBUFS;
		}
	}
	if (result < 0) {
		for (int i = 0; i < 3; i++)
			io_close(io, i);
	}
	return result;
}

void cmd_io_cut(struct cmd_io *io)
{
	io_close(io, 0);
	for (int i = 1; i < 3; i++) {
		/* What is in the pipe now was written by someone; a writer
		 * that goes on is not waited for. */
		for (int reads = 0; *io->fd[i] >= 0 && reads < 64; reads++) {
			if (sink_read(&io->sinks[i], *io->fd[i]) <= 0 || io->sinks[i].over)
				break;
		}
		io_close(io, i);
	}
}

void cmd_io_close(struct cmd_io *io)
{
	for (int i = 0; i < 3; i++)
		io_close(io, i);
	for (int i = 1; i < 3; i++) {
		free(io->sinks[i].discard);
		io->sinks[i].discard = NULL;
	}
}

void cmd_io_end(struct cmd_io *io)
{
	cmd_io_close(io);
	io->sigpipe.caused = io->wrote_epipe;
	cmd_sigpipe_restore(&io->sigpipe);
}

int cmd_check_pipes(const subproc_cmd *c, bool in, bool out, bool errout)
{
	const bool want[3] = {in, out, errout};

	for (int i = 0; i < 3; i++) {
		if (want[i] && c->io[i].mode != CMD_IO_PIPE &&
		    (c->proc != NULL || c->io[i].mode != CMD_IO_INHERIT))
			return -EINVAL;
	}
	return 0;
}

int cmd_prepare_pipes(subproc_cmd *c, bool in, bool out, bool errout)
{
	const bool want[3] = {in, out, errout};

	/* Every stream is checked before any is changed: a call refused
	 * with -EINVAL leaves the command as it was. */
	if (cmd_check_pipes(c, in, out, errout) < 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		/* Not started: a stream given a buffer and left to inherit
		 * becomes the pipe the caller evidently wants. */
		if (c->proc == NULL && want[i] && c->io[i].mode == CMD_IO_INHERIT)
			subproc_cmd_stdio(c, i, SUBPROC_STDIO_PIPE);
	}
	return 0;
}

static int communicate(subproc_cmd *c, const void *in, size_t inlen, subproc_output *out,
                       subproc_output *errout, subproc_status *status, subproc_error *err)
{
	struct cmd_io io = {
		.in = in,
		.inlen = inlen,
		.out = {NULL, out, errout},
		.limit = c->limit,
		.policy = c->policy,
		.waitdelay_ms = c->waitdelay_ms,
		.fn = c->on_output,
		.fn_ctx = c->on_output_ctx,
	};
	int r;

	if (inlen > 0 && in == NULL)
		return -EINVAL;
	if (c->in_set)
		return -EBUSY;
	if (cmd_waited(c))
		return -ECHILD;
	if ((r = cmd_prepare_pipes(c, inlen > 0, out != NULL, errout != NULL)) < 0)
		return r;
	if (c->proc == NULL && (r = subproc_cmd_start(c, err)) < 0)
		return r;
	for (int i = 0; i < 3; i++)
		io.fd[i] = &c->io[i].parent;
	if ((r = cmd_io_begin(&io)) < 0)
		return r;
	r = stop_run(&c->stop, &io, -1);
	c->waited = true;
	cmd_io_end(&io);
	cmd_close_pipes(c);
	if (status != NULL && c->reaped && c->wait_err == 0)
		*status = c->status;
	return r;
}

void cmd_outputs_empty(subproc_output *out, subproc_output *errout)
{
	if (out != NULL)
		*out = (subproc_output){0};
	if (errout != NULL)
		*errout = (subproc_output){0};
}

int subproc_cmd_communicate(subproc_cmd *c, const void *in, size_t inlen, subproc_output *out,
                            subproc_output *errout, subproc_status *status, subproc_error *err)
{
	/* Defined from the start: a call refused before reading leaves
	 * empty outputs, not what the caller's variables held. */
	cmd_outputs_empty(out, errout);
	cmd_error(err, 0);
	return cmd_error_end(err, communicate(c, in, inlen, out, errout, status, err));
}

int subproc_cmd_output(subproc_cmd *c, subproc_output *out, subproc_output *errout,
                       subproc_status *status, subproc_error *err)
{
	return subproc_cmd_communicate(c, NULL, 0, out, errout, status, err);
}
