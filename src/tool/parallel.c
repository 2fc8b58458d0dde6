/* SPDX-License-Identifier: MIT */
/*
 * `subproc parallel`: one job per argument (after :::) or input line, at
 * most -j running, the common core of GNU parallel and xargs -P, without a
 * shell. It drives a subproc_set from its own poll loop through the set's
 * one fd (the portable build, which has none, waits in subproc_set_next),
 * and prints each job's output whole when it ends (--group), line by line
 * (--line-buffer), or in input order (--keep-order).
 *
 * Under --group a job writes to unlinked temporary files, as GNU
 * parallel's jobs do (memfd_create where there is one, else $TMPDIR), and
 * a finished job's files go to our stdout and stderr with sendfile: its
 * output crosses no pipe and none of our memory, and we wake only when a
 * job ends. --line-buffer and --json need the bytes as they come or in
 * memory: their jobs write to pipes.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

/* GNU parallel's exit statuses. */
enum { PAR_MANY_FAILED = 101, PAR_ERROR = 255 };
/* A timed-out job gets SIGTERM, then SIGKILL this much later. */
#define TERM_GRACE_MS 200

static const char usage[] =
	"Usage: subproc parallel [OPTIONS] [--] COMMAND [ARG...] [::: ARG...]\n"
	"Runs COMMAND once per argument after ::: (or per line of stdin), at most\n"
	"N at a time, without a shell. {} in an ARG is replaced by the argument;\n"
	"with no {} the argument is appended.\n"
	"\n"
	"  -j, --jobs N          run at most N jobs at once (0: no limit;\n"
	"                        default: the number of CPUs)\n"
	"  -0, --null            stdin arguments end with NUL, not newline\n"
	"  -k, --keep-order      print outputs in input order\n"
	"      --group           print each job's output whole when it ends\n"
	"                        (stdout, then stderr; the default)\n"
	"      --line-buffer, --lb  print whole lines as they come\n"
	"      --timeout DURATION  stop a job (its process group) after\n"
	"                        DURATION (as timeout(1): 1.5, 2m): SIGTERM,\n"
	"                        then SIGKILL 200 ms later\n"
	"      --halt never|soon,fail=N|now,fail=N\n"
	"                        after N failed jobs start no more (soon) or\n"
	"                        also stop the running ones (now); exit with\n"
	"                        the last failed job's status\n"
	"      --joblog FILE     one line per job: Seq Host Starttime JobRuntime\n"
	"                        Send Receive Exitval Signal Command\n"
	"      --json            one JSON object per job on stdout (argv,\n"
	"                        status, times, stdout, stderr) instead of its\n"
	"                        output\n"
	"  -h, --help            this help\n"
	"\n"
	"A progress line goes to stderr when it is a terminal. Jobs read\n"
	"/dev/null and run in process groups of their own. Exit status, as GNU\n"
	"parallel's: 0 when every job succeeded, 1-100 the number that failed,\n"
	"101 for more, 255 for an error of subproc itself.\n";

struct par_opts {
	long long jobs;
	bool null, keep_order, line_buffer, json;
	int timeout_ms;
	int halt; /* 0 never, 1 soon, 2 now */
	long halt_fails;
	const char *joblog;
	char **cmd; /* the template */
	int ncmd;
	char **args; /* after :::, or NULL: stdin */
	int nargs;
};

struct buf {
	char *data;
	size_t len, cap;
};

struct job {
	struct par *par;
	long seq;
	char **argv;
	int argc;
	struct buf out[3]; /* what is not yet printed: --line-buffer's lines,
	                      or --group's files read in (--keep-order) */
	int file[3];       /* --group: the job's stdout and stderr files, or -1 */
	size_t received;   /* stdout bytes that are not in done.out, for the joblog */
	bool finished;
	bool timed_out;
	subproc_done done;
	struct job *next, **pprev; /* in input order, while not printed */
};

struct par {
	struct par_opts o;
	subproc_set *set;
	int setfd;
	struct job *head, **tail; /* jobs not yet printed, in input order */
	long next_seq, started, ended, failed;
	long total; /* known with :::, else -1 until EOF */
	int next_arg;
	bool input_done, halting, stopping;
	int halt_status;
	FILE *joblog;
	int devnull; /* every job's stdin, opened once */
	bool progress;
	bool files;       /* --group: jobs write to temporary files */
	double t0, shown; /* the start, and the last progress line */
};

/* The signal to stop the jobs with and die of: one caught (SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT, through the tool's self-pipe), or SIGPIPE once
 * nobody reads our output. */
static int stop_signal;

/* Our stdout may be a pipe that another program made non-blocking (an
 * O_NONBLOCK open file description is shared): wait until it takes more,
 * rather than drop output. True when the caller should try again. */
static bool wait_writable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	if (errno == EINTR)
		return true;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return false;
	return poll(&pfd, 1, -1) >= 0 || errno == EINTR;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && wait_writable(fd))
			continue;
		if (w < 0) {
			/* Nobody reads our output any more (`| head`): the jobs
			 * are stopped and we die of SIGPIPE, as a writer would. */
			if (errno == EPIPE && stop_signal == 0)
				stop_signal = SIGPIPE;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static int buf_add(struct buf *b, const char *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + len)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* Prints the whole lines of b (all of it when `all`) to fd. */
static void buf_flush(struct buf *b, int fd, bool all)
{
	size_t n = b->len;

	if (!all) {
		while (n > 0 && b->data[n - 1] != '\n')
			n--;
	}
	if (n == 0)
		return;
	write_all(fd, b->data, n);
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* An unlinked temporary file, close-on-exec: in memory where the system
 * has memfd_create, else in $TMPDIR (or /tmp). Returns the fd or -errno. */
static int temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

#ifdef MFD_CLOEXEC
	if ((fd = memfd_create("subproc-parallel", MFD_CLOEXEC)) >= 0 || errno != ENOSYS)
		return fd < 0 ? -errno : fd;
#endif
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/subproc-parallel.XXXXXX", dir) >= sizeof path)
		return -ENAMETOOLONG;
	if ((fd = mkstemp(path)) < 0)
		return -errno;
	unlink(path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : 0;
}

/* Copies the `size` bytes of file `in` to `out`: in the kernel (sendfile)
 * where it can, else through a buffer. */
static void copy_file(int in, off_t size, int out)
{
	static char buf[65536];
	off_t off = 0;

#ifdef __linux__
	while (off < size) {
		ssize_t n = sendfile(out, in, &off, (size_t)(size - off));

		if (n < 0 && wait_writable(out))
			continue;
		if (n < 0 && errno == EPIPE) {
			if (stop_signal == 0)
				stop_signal = SIGPIPE;
			return;
		}
		if (n <= 0)
			break; /* EINVAL for an out it cannot write: below */
	}
#endif
	while (off < size) {
		size_t want = size - off < (off_t)sizeof buf ? (size_t)(size - off) : sizeof buf;
		ssize_t n = pread(in, buf, want, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		write_all(out, buf, (size_t)n);
		if (stop_signal == SIGPIPE)
			return;
		off += n;
	}
}

/* A finished job that cannot be printed yet (--keep-order): its files
 * read into memory and closed, so that the fds held stay two per running
 * job however many jobs wait. Out of memory, a file stays open. */
static void files_read_in(struct job *j)
{
	for (int i = 1; i < 3; i++) {
		size_t size, len = 0;
		char *data;

		if (j->file[i] < 0)
			continue;
		size = (size_t)file_size(j->file[i]);
		if ((data = malloc(size + 1)) == NULL)
			continue;
		while (len < size) {
			ssize_t n = pread(j->file[i], data + len, size - len, (off_t)len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		free(j->out[i].data);
		j->out[i] = (struct buf){.data = data, .len = len, .cap = size + 1};
		close(j->file[i]);
		j->file[i] = -1;
	}
}

/* --line-buffer: a job's lines are printed as they come while it is live
 * (always, or while it is the oldest with --keep-order). */
static bool live(const struct job *j)
{
	return !j->par->o.keep_order || j->par->head == j;
}

static void on_output(void *ctx, int stream, const char *data, size_t len)
{
	struct job *j = ctx;
	struct buf *b = &j->out[stream];

	if (stream == 1)
		j->received += len;
	if (len > 0 && buf_add(b, data, len) < 0) {
		/* Out of memory: print what we can rather than lose it. */
		buf_flush(b, stream, true);
		write_all(stream, data, len);
		return;
	}
	if (live(j))
		buf_flush(b, stream, len == 0);
}

/* The job's command line as the joblog and messages show it. */
static void print_command(FILE *f, const struct job *j)
{
	for (int i = 0; i < j->argc; i++) {
		const char *a = j->argv[i];

		if (i > 0)
			fputc(' ', f);
		if (*a != '\0' && strpbrk(a, " \t\n'\"\\$`|&;<>()*?[]#~") == NULL) {
			fputs(a, f);
			continue;
		}
		fputc('\'', f);
		for (; *a; a++) {
			if (*a == '\'')
				fputs("'\\''", f);
			else
				fputc(*a, f);
		}
		fputc('\'', f);
	}
}

static bool job_failed(const struct job *j)
{
	const subproc_done *d = &j->done;

	return d->result != 0 || !d->reaped || !subproc_status_exited(d->status.status) ||
	       subproc_status_exit_code(d->status.status) != 0;
}

/* The exit status that stands for the job, as a shell gives it. */
static int job_status(const struct job *j)
{
	const subproc_done *d = &j->done;

	if (!d->reaped)
		return d->error.step != SUBPROC_STEP_NONE ? tool_start_exit(&d->error)
		                                          : TOOL_EXIT_FAILED;
	if (subproc_status_exited(d->status.status))
		return subproc_status_exit_code(d->status.status);
	return 128 + subproc_status_signal(d->status.status);
}

static double ts_seconds(struct timespec t)
{
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void joblog_line(struct par *p, const struct job *j)
{
	const subproc_done *d = &j->done;
	int code = 0, sig = 0;

	if (d->reaped && subproc_status_exited(d->status.status))
		code = subproc_status_exit_code(d->status.status);
	else if (d->reaped)
		sig = subproc_status_signal(d->status.status);
	else
		code = job_status(j);
	/* As GNU parallel: Exitval -1 for a job its timeout killed. */
	if (j->timed_out)
		code = -1;
	fprintf(p->joblog, "%ld\t:\t%.3f\t%10.3f\t0\t%zu\t%d\t%d\t", j->seq, ts_seconds(d->started),
	        ts_seconds(d->elapsed), d->out.len + j->received, code, sig);
	print_command(p->joblog, j);
	fputc('\n', p->joblog);
	fflush(p->joblog);
}

static void json_bytes(FILE *f, const subproc_output *o)
{
	/* NULs inside cut the string: JSON text of a binary output is no
	 * goal here. */
	json_str(f, o->data != NULL ? o->data : "");
}

static void json_job(FILE *f, const struct job *j)
{
	const subproc_done *d = &j->done;

	fprintf(f, "{\"seq\":%ld,\"argv\":", j->seq);
	json_argv(f, j->argv, j->argc);
	fprintf(f, ",\"start\":%.3f,\"runtime\":%.3f", ts_seconds(d->started),
	        ts_seconds(d->elapsed));
	json_proc(f, d->reaped ? &d->status : NULL, j->timed_out);
	if (!d->reaped && d->error.step != SUBPROC_STEP_NONE)
		json_error(f, &d->error);
	fputs(",\"stdout\":", f);
	json_bytes(f, &d->out);
	fputs(",\"stderr\":", f);
	json_bytes(f, &d->err);
	fputs("}\n", f);
}

/* Built in memory, then written as other outputs are (write_all): stdio
 * would drop a line that met EAGAIN on a non-blocking stdout. */
static void print_json(const struct job *j)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL) {
		tool_error("parallel: job %ld: --json: %s", j->seq, subproc_strerror(-errno));
		return;
	}
	json_job(f, j);
	if (fclose(f) == 0)
		write_all(1, text, len);
	free(text);
}

/* A finished job's output, all of what is left of it. */
static void print_job(struct job *j)
{
	if (j->par->o.json) {
		print_json(j);
	} else if (j->par->o.line_buffer) {
		buf_flush(&j->out[1], 1, true);
		buf_flush(&j->out[2], 2, true);
	} else {
		for (int i = 1; i < 3; i++) {
			const subproc_output *o = i == 1 ? &j->done.out : &j->done.err;

			if (j->file[i] >= 0)
				copy_file(j->file[i], file_size(j->file[i]), i);
			else
				buf_flush(&j->out[i], i, true);
			write_all(i, o->data, o->len);
		}
	}
}

static void job_free(struct job *j)
{
	for (int i = 0; i < j->argc; i++)
		free(j->argv[i]);
	free(j->argv);
	for (int i = 0; i < 3; i++) {
		free(j->out[i].data);
		if (j->file[i] >= 0)
			close(j->file[i]);
	}
	subproc_output_free(&j->done.out);
	subproc_output_free(&j->done.err);
	subproc_cmd_free(j->done.cmd);
	free(j);
}

/* Takes j out of the input-order list, in constant time (with -j 0 the
 * list holds every job). */
static void unlink_job(struct par *p, struct job *j)
{
	*j->pprev = j->next;
	if (j->next != NULL)
		j->next->pprev = j->pprev;
	else
		p->tail = j->pprev;
}

/* Prints what may be printed: every finished job at the head of the
 * input order (with --keep-order), then the lines the new head has. */
static void release(struct par *p)
{
	while (p->head != NULL && p->head->finished) {
		struct job *j = p->head;

		unlink_job(p, j);
		print_job(j);
		job_free(j);
	}
	if (p->head != NULL && p->o.line_buffer) {
		buf_flush(&p->head->out[1], 1, false);
		buf_flush(&p->head->out[2], 2, false);
	}
}

/* The next argument, malloc'ed: from ::: or stdin. NULL at the end (or
 * after an error, reported). */
static char *next_arg(struct par *p)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (p->input_done)
		return NULL;
	if (p->o.args != NULL) {
		if (p->next_arg < p->o.nargs)
			return strdup(p->o.args[p->next_arg++]);
		p->input_done = true;
		return NULL;
	}
	n = getdelim(&line, &cap, p->o.null ? '\0' : '\n', stdin);
	if (n < 0) {
		free(line);
		p->input_done = true;
		p->total = p->next_seq - 1;
		return NULL;
	}
	if (n > 0 && line[n - 1] == (p->o.null ? '\0' : '\n'))
		line[n - 1] = '\0';
	return line;
}

/* ARG with every {} replaced by `arg`; sets *used when there was one. */
static char *substitute(const char *tmpl, const char *arg, bool *used)
{
	size_t n = 0, alen = strlen(arg);
	char *out, *q;

	for (const char *s = tmpl; (s = strstr(s, "{}")) != NULL; s += 2)
		n++;
	if (n > 0)
		*used = true;
	out = malloc(strlen(tmpl) + n * alen + 1);
	if (out == NULL)
		return NULL;
	q = out;
	for (const char *s = tmpl; *s;) {
		if (s[0] == '{' && s[1] == '}') {
			memcpy(q, arg, alen);
			q += alen;
			s += 2;
		} else {
			*q++ = *s++;
		}
	}
	*q = '\0';
	return out;
}

static struct job *job_new(struct par *p, char *arg)
{
	struct job *j = calloc(1, sizeof *j);
	bool used = false;

	if (j == NULL || (j->argv = calloc((size_t)p->o.ncmd + 2, sizeof *j->argv)) == NULL)
		goto fail;
	j->par = p;
	j->file[0] = j->file[1] = j->file[2] = -1;
	for (int i = 0; i < p->o.ncmd; i++) {
		if ((j->argv[j->argc] = substitute(p->o.cmd[i], arg, &used)) == NULL)
			goto fail;
		j->argc++;
	}
	if (!used) {
		j->argv[j->argc++] = arg;
		arg = NULL;
	}
	free(arg);
	return j;
fail:
	free(arg);
	if (j != NULL)
		job_free(j);
	return NULL;
}

/* Adds one job to the set. Returns 1 when one was added, 0 at the end of
 * the input, -1 after an error (reported). */
static int add_job(struct par *p)
{
	char *arg = next_arg(p);
	subproc_cmd *cmd = NULL;
	struct job *j;
	subproc_attr *a;
	int r;

	if (arg == NULL)
		return 0;
	if ((j = job_new(p, arg)) == NULL) {
		tool_error("parallel: out of memory");
		return -1;
	}
	j->seq = p->next_seq++;
	if ((r = subproc_cmd_new(&cmd, (const char *const *)j->argv)) < 0)
		goto fail;
	a = subproc_cmd_attr(cmd);
	/* Its own group, so that a timeout or a stop reaches all of it. */
	a->flags |= SUBPROC_SETPGID | SUBPROC_SIGDEFAULT;
	a->pgid = 0;
	/* We ignore SIGPIPE (a reader of ours that goes is an EPIPE here);
	 * a job gets it back, as a job of GNU parallel or xargs has it. */
	sigemptyset(&a->sigdefault);
	sigaddset(&a->sigdefault, SIGPIPE);
	subproc_cmd_stdio_fd(cmd, 0, p->devnull);
	for (int i = 1; i < 3; i++) {
		if (!p->files) {
			subproc_cmd_stdio(cmd, i, SUBPROC_STDIO_PIPE);
			continue;
		}
		if ((r = j->file[i] = temp_file()) < 0) {
			tool_error("parallel: a temporary file for job %ld: %s", j->seq,
			           subproc_strerror(r));
			goto drop;
		}
		subproc_cmd_stdio_fd(cmd, i, j->file[i]);
	}
	if (p->o.line_buffer)
		subproc_cmd_on_output(cmd, on_output, j);
	if (p->o.timeout_ms > 0)
		subproc_cmd_timeout(cmd, p->o.timeout_ms, SIGTERM, TERM_GRACE_MS);
	if ((r = subproc_set_add(p->set, cmd, NULL, 0, j)) < 0)
		goto fail;
	j->pprev = p->tail;
	*p->tail = j;
	p->tail = &j->next;
	p->started++;
	return 1;
fail:
	tool_error("parallel: %s", subproc_strerror(r));
drop:
	subproc_cmd_free(cmd);
	job_free(j);
	return -1;
}

static void progress(struct par *p, bool last)
{
	double t = tool_now() - p->t0;

	/* Ten lines a second at most: a terminal that draws one per job would
	 * slow ten thousand jobs down. */
	if (!p->progress || (!last && t - p->shown < 0.1))
		return;
	p->shown = t;
	fprintf(stderr, "\rsubproc parallel: %ld done, %zu running, %ld failed", p->ended,
	        subproc_set_running(p->set), p->failed);
	if (p->total >= 0 && p->ended > 0 && !last)
		fprintf(stderr, ", ETA %.0fs",
		        t / (double)p->ended * (double)(p->total - p->ended));
	fputs(last ? "\n" : "   ", stderr);
}

/* A job the set handed back. */
static void ended(struct par *p, const subproc_done *d)
{
	struct job *j = d->ctx;

	j->done = *d;
	j->finished = true;
	j->timed_out = d->result == -ETIMEDOUT;
	/* What is left to do needs no command: freed now, its pidfd with it,
	 * or with -k every job done before an older one would hold one. */
	subproc_cmd_free(j->done.cmd);
	j->done.cmd = NULL;
	if (j->file[1] >= 0)
		j->received = (size_t)file_size(j->file[1]);
	p->ended++;
	if (d->result < 0 && d->result != -ETIMEDOUT && d->error.step != SUBPROC_STEP_NONE)
		tool_start_error(&d->error);
	else if (d->result < 0 && !j->timed_out)
		tool_error("parallel: job %ld: %s", j->seq, subproc_strerror(d->result));
	if (j->timed_out) {
		fputs("subproc parallel: warning: this job was killed because it timed out: ",
		      stderr);
		print_command(stderr, j);
		fputc('\n', stderr);
	}
	if (p->joblog != NULL)
		joblog_line(p, j);
	if (job_failed(j) && !p->stopping) {
		p->failed++;
		if (p->o.halt != 0 && p->failed >= p->o.halt_fails && !p->halting) {
			p->halting = true;
			p->halt_status = job_status(j);
			fputs("subproc parallel: this job failed: ", stderr);
			print_command(stderr, j);
			fputc('\n', stderr);
			if (p->o.halt == 2) {
				p->stopping = true;
				subproc_set_stop(p->set, SIGTERM);
			}
		}
	}
	if (!p->o.keep_order) {
		/* Out of the input order list at once: printed now. */
		unlink_job(p, j);
		print_job(j);
		job_free(j);
	} else {
		if (j != p->head)
			files_read_in(j);
		release(p);
	}
}

/* Waits for the set to have work and takes one done job into *d. Returns
 * 0 with *d, 1 when none is done yet, -ECHILD when the set is empty, or
 * -errno. */
static int take(struct par *p, subproc_done *d)
{
	int r;

	if (p->setfd < 0) {
		r = subproc_set_next(p->set, d, p->progress ? 1000 : 100);
		return r == -EAGAIN || r == -EINTR ? 1 : r;
	}
	r = subproc_set_next(p->set, d, 0);
	if (r != -EAGAIN)
		return r;
	struct pollfd pfd[2] = {{.fd = p->setfd, .events = POLLIN},
	                        {.fd = tool_signal_fd(), .events = POLLIN}};
	if (poll(pfd, 2, p->progress ? 1000 : -1) < 0 && errno != EINTR)
		return -errno;
	r = subproc_set_dispatch(p->set);
	return r < 0 && r != -EINTR ? r : 1;
}

static int parse_halt(const char *s, struct par_opts *o)
{
	char *end;

	if (strcmp(s, "never") == 0) {
		o->halt = 0;
		return 0;
	}
	if (strncmp(s, "soon,fail=", 10) == 0)
		o->halt = 1;
	else if (strncmp(s, "now,fail=", 9) == 0)
		o->halt = 2;
	else
		goto bad;
	s = strchr(s, '=') + 1;
	errno = 0;
	o->halt_fails = strtol(s, &end, 10);
	if (end == s || *end != '\0' || o->halt_fails < 1 || errno != 0)
		goto bad;
	return 0;
bad:
	tool_error("parallel: --halt: expected never, soon,fail=N or now,fail=N, not '%s'", s);
	return -1;
}

enum { OPT_GROUP = 256, OPT_LINE_BUFFER, OPT_LB, OPT_JSON, OPT_TIMEOUT, OPT_HALT, OPT_JOBLOG };

static const struct option long_opts[] = {
	{"jobs", required_argument, NULL, 'j'},
	{"null", no_argument, NULL, '0'},
	{"keep-order", no_argument, NULL, 'k'},
	{"group", no_argument, NULL, OPT_GROUP},
	{"line-buffer", no_argument, NULL, OPT_LINE_BUFFER},
	{"lb", no_argument, NULL, OPT_LB},
	{"json", no_argument, NULL, OPT_JSON},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"halt", required_argument, NULL, OPT_HALT},
	{"joblog", required_argument, NULL, OPT_JOBLOG},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Returns 0, 1 for --help (printed), -1 after an error. */
static int parse(int argc, char **argv, struct par_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c, i;

	o->jobs = cpus > 0 ? cpus : 1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:j:0kh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (tool_parse_long("parallel: --jobs", optarg, 10, 0, INT_MAX, &o->jobs) <
			    0)
				return -1;
			break;
		case '0':
			o->null = true;
			break;
		case 'k':
			o->keep_order = true;
			break;
		case OPT_GROUP:
			o->line_buffer = false;
			break;
		case OPT_LINE_BUFFER:
		case OPT_LB:
			o->line_buffer = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TIMEOUT:
			if (tool_parse_duration("parallel: --timeout", optarg, &o->timeout_ms) < 0)
				return -1;
			break;
		case OPT_HALT:
			if (parse_halt(optarg, o) < 0)
				return -1;
			break;
		case OPT_JOBLOG:
			o->joblog = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			tool_option_error("parallel", c, argv, long_opts);
			return -1;
		}
	}
	if (o->json && o->line_buffer) {
		tool_error("parallel: --json prints each job whole: not with --line-buffer");
		return -1;
	}
	i = optind;
	o->cmd = argv + i;
	for (; i < argc && strcmp(argv[i], ":::") != 0; i++)
		o->ncmd++;
	if (i < argc) {
		o->args = argv + i + 1;
		o->nargs = argc - i - 1;
		for (int k = 0; k < o->nargs; k++) {
			if (strcmp(o->args[k], ":::") == 0) {
				tool_error("parallel: one ::: list only");
				return -1;
			}
		}
	}
	if (o->ncmd == 0) {
		tool_error("parallel: no command given");
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int tool_parallel(int argc, char **argv)
{
	struct par p = {.next_seq = 1, .total = -1, .devnull = -1};
	subproc_done d;
	int r, status;

	if ((r = parse(argc, argv, &p.o)) != 0)
		return r > 0 ? 0 : PAR_ERROR;
#ifdef M_TRIM_THRESHOLD
	/* Jobs' outputs come and go in buffers of a MiB or more, several at a
	 * time: kept in the heap and never given back to the kernel, each is
	 * reused as it is, where glibc would map (or trim) and fault in fresh
	 * pages for every job (ten times the page faults at -j 2). */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
	p.tail = &p.head;
	p.files = !p.o.line_buffer && !p.o.json;
	if (p.o.args != NULL)
		p.total = p.o.nargs;
	if (p.o.joblog != NULL) {
		if ((p.joblog = fopen(p.o.joblog, "we")) == NULL) {
			tool_error("parallel: --joblog %s: %s", p.o.joblog,
			           subproc_strerror(-errno));
			return PAR_ERROR;
		}
		fputs("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n",
		      p.joblog);
	}
	if ((p.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || tool_signals_init(0) < 0 ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR || (r = subproc_set_new(&p.set)) < 0) {
		tool_error("parallel: setting up: %s", subproc_strerror(r < 0 ? r : -errno));
		status = PAR_ERROR;
		goto out;
	}
	subproc_set_limit(p.set, (size_t)p.o.jobs);
	p.setfd = subproc_set_fd(p.set);
	p.progress = isatty(2) == 1;
	p.t0 = tool_now();
	status = 0;
	for (;;) {
		/* The input is the queue: the set holds only what runs. */
		while (!p.halting && !p.stopping &&
		       (p.o.jobs == 0 || subproc_set_len(p.set) < (size_t)p.o.jobs)) {
			if ((r = add_job(&p)) < 0)
				status = PAR_ERROR;
			if (r <= 0) {
				p.input_done = true;
				break;
			}
		}
		for (int sig; (sig = tool_signal_take()) != 0;)
			if (stop_signal == 0)
				stop_signal = sig;
		if (stop_signal != 0 && !p.stopping) {
			p.stopping = true;
			subproc_set_stop(p.set, stop_signal);
		}
		if (subproc_set_len(p.set) == 0 && (p.input_done || p.halting || p.stopping))
			break;
		r = take(&p, &d);
		if (r == 0)
			ended(&p, &d);
		else if (r < 0 && r != -ECHILD) {
			tool_error("parallel: waiting: %s", subproc_strerror(r));
			status = PAR_ERROR;
			break;
		}
		progress(&p, false);
	}
	progress(&p, true);
	if (status == 0)
		status = p.halting        ? p.halt_status
		         : p.failed > 100 ? PAR_MANY_FAILED
		                          : (int)p.failed;
out:
	subproc_set_free(p.set);
	if (p.devnull >= 0)
		close(p.devnull);
	while (p.head != NULL) {
		struct job *j = p.head;
		p.head = j->next;
		job_free(j);
	}
	if (p.joblog != NULL && fclose(p.joblog) != 0) {
		tool_error("parallel: --joblog %s: %s", p.o.joblog, subproc_strerror(-errno));
		status = PAR_ERROR;
	}
	if (stop_signal != 0) {
		/* Die of it, as the jobs did. */
		fflush(stdout);
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return status;
}
