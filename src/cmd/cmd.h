/* SPDX-License-Identifier: MIT */
/*
 * The cmd layer, between proc and the front ends: a command (Go's exec.Cmd).
 * It builds argv and the environment, wires the standard streams, and
 * drives a proc-layer process through start, I/O, timeouts and reaping.
 */
#ifndef SUBPROC_CMD_H
#define SUBPROC_CMD_H

#include "subproc.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* One past the highest signal a command can be sent: 1 to 64, as the
 * library's signal sets hold (NSIG is not POSIX's). */
#define CMD_NSIG 65

/* The objects' names carry the reserved prefix (see sys/sys.h). */
#define cgroup_add_setting subproc__cgroup_add_setting
#define cgroup_create subproc__cgroup_create
#define cgroup_each subproc__cgroup_each
#define cgroup_free subproc__cgroup_free
#define cgroup_kill subproc__cgroup_kill
#define cgroup_new subproc__cgroup_new
#define cgroup_populated subproc__cgroup_populated
#define cgroup_remove subproc__cgroup_remove
#define cgroup_stats subproc__cgroup_stats
#define cmd_cgroup_end subproc__cmd_cgroup_end
#define cmd_group subproc__cmd_group
#define cmd_start subproc__cmd_start
#define cmd_io_begin subproc__cmd_io_begin
#define cmd_io_close subproc__cmd_io_close
#define cmd_io_prepare subproc__cmd_io_prepare
#define cmd_sigpipe_block subproc__cmd_sigpipe_block
#define cmd_sigpipe_restore subproc__cmd_sigpipe_restore
#define cmd_io_cut subproc__cmd_io_cut
#define cmd_io_end subproc__cmd_io_end
#define cmd_io_handle subproc__cmd_io_handle
#define cmd_io_open subproc__cmd_io_open
#define cmd_io_pollfds subproc__cmd_io_pollfds
#define cmd_check_pipes subproc__cmd_check_pipes
#define cmd_close_pipes subproc__cmd_close_pipes
#define cmd_now_ms subproc__cmd_now_ms
#define cmd_outputs_empty subproc__cmd_outputs_empty
#define cmd_prepare_pipes subproc__cmd_prepare_pipes
#define cmd_prefault subproc__cmd_prefault
#define stop_arm subproc__stop_arm
#define stop_destroy subproc__stop_destroy
#define stop_init subproc__stop_init
#define stop_now subproc__stop_now
#define stop_run subproc__stop_run
#define poller_add subproc__poller_add
#define poller_arm subproc__poller_arm
#define poller_del subproc__poller_del
#define poller_fd subproc__poller_fd
#define poller_free subproc__poller_free
#define poller_new subproc__poller_new
#define poller_wait subproc__poller_wait
#define run_destroy subproc__run_destroy
#define run_exited subproc__run_exited
#define run_init subproc__run_init
#define run_io subproc__run_io
#define run_poll_failed subproc__run_poll_failed
#define run_pollfds subproc__run_pollfds
#define run_result subproc__run_result
#define run_step subproc__run_step

enum cmd_mode {
	CMD_IO_INHERIT = SUBPROC_STDIO_INHERIT,
	CMD_IO_NULL = SUBPROC_STDIO_NULL,
	CMD_IO_PIPE = SUBPROC_STDIO_PIPE,
	CMD_IO_MERGE = SUBPROC_STDIO_MERGE,
	CMD_IO_FILE,
	CMD_IO_FD,
};

struct cmd_stream {
	int mode; /* enum cmd_mode */
	bool nonblock;
	bool append;
	char *path; /* CMD_IO_FILE */
	int fd;     /* CMD_IO_FD: the caller's */
	int parent; /* the parent's pipe end once started, else -1 */
};

struct cmd_env_op {
	char *name;  /* the name */
	char *entry; /* "NAME=VALUE" to set, NULL to unset */
};

/*
 * A command's (or a pipeline's) own cgroup v2 (cgroup_linux.c; the portable
 * build has none: cgroup_posix.c). Asked for before the start; made, with
 * its settings written, by cgroup_create; emptied by the stop engine
 * (cgroup_kill) and removed at free.
 */
struct cmd_cgroup_setting {
	char *file;
	char *value;
};
struct cmd_cgroup {
	char *parent; /* as given; NULL: the caller's own cgroup */
	struct cmd_cgroup_setting *settings;
	size_t nsettings;
	char *path;        /* the directory once made, else NULL */
	int dirfd;         /* open while it exists, for CLONE_INTO_CGROUP; else -1 */
	bool no_kill_file; /* no cgroup.kill (before Linux 5.14): kill each member */
};
/* Returns 0, -ENOSYS (the portable build) or -ENOMEM. */
int cgroup_new(struct cmd_cgroup **out, const char *parent);
/* Returns 0, -EINVAL (a file name that is no file of the directory), -ENOMEM. */
int cgroup_add_setting(struct cmd_cgroup *cg, const char *file, const char *value);
/* Makes the directory and writes the settings: 0, or -errno with err's
 * step cgroup_create or cgroup_write, and nothing left. */
int cgroup_create(struct cmd_cgroup *cg, subproc_error *err);
/* SIGKILL to every member: cgroup.kill, else each pid of cgroup.procs
 * (once: call it again while the cgroup is populated). */
void cgroup_kill(struct cmd_cgroup *cg);
/* fn(pid, ctx) for each member of cgroup.procs as it reads now. */
void cgroup_each(const struct cmd_cgroup *cg, void (*fn)(pid_t pid, void *ctx), void *ctx);
/* 1 while the cgroup has a live member, 0 when empty, -errno. */
int cgroup_populated(const struct cmd_cgroup *cg);
int cgroup_stats(const struct cmd_cgroup *cg, subproc_cgroup_stats *st);
/* Removes the directory (and the ones the tree made in it) when empty:
 * 0, -EBUSY while members are left, -errno. */
int cgroup_remove(struct cmd_cgroup *cg);
/* Frees what cgroup_new and cgroup_add_setting took (not the directory). */
void cgroup_free(struct cmd_cgroup *cg);
/* At free: removes the cgroup once empty, killing what is left in it
 * first when `kill` (NULL: nothing to do). */
void cmd_cgroup_end(struct cmd_cgroup *cg, bool kill);

/*
 * The stop engine's state for one command or one pipeline: its timeout,
 * the stop under way, and what it signals. One thread waits (stop_run);
 * any thread may stop (stop_now). `lock` guards what both touch: the
 * stage, the timer, and the children's reaped flags, so that no signal is
 * sent to a child after it was reaped.
 */
struct cmd_stop {
	pthread_mutex_t lock;
	int wake[2]; /* a stop from another thread wakes the wait; -1 until one waits */
	int timeout_ms, sig, grace_ms; /* grace_ms < 0: never SIGKILL */
	int64_t started_ms;            /* CLOCK_MONOTONIC */
	subproc_cmd *const *cmds;      /* the direct children */
	size_t n;
	pid_t pgid;            /* their own process group, or 0 */
	struct cmd_cgroup *cg; /* their own cgroup, or NULL */
	int tree_delay_ms;     /* with cg: how long the tree may outlive the children
	                          before it is killed; 0: as long as it runs */
	int stage;             /* 0: no stop; 1: first signal sent; 2: SIGKILL sent */
	int64_t kill_at;
	bool timed_out;
	subproc_notify_fn *notify;
	void *notify_ctx;
};

/*
 * What the command set (set.c) polls with: epoll on Linux, so that a
 * wake-up costs the same however many fds are watched, and poll(2) in the
 * portable build (poller_linux.c, poller_posix.c). Level-triggered; `key`
 * comes back with each event.
 */
struct cmd_poller;
struct cmd_event {
	uint64_t key;
	short revents; /* as poll's */
};
int poller_new(struct cmd_poller **out);
void poller_free(struct cmd_poller *p);
/* One fd that polls readable when an event is ready or the timer is due
 * (Linux), or -ENOSYS. */
int poller_fd(const struct cmd_poller *p);
/* events: POLLIN or POLLOUT. Returns 0 or -errno. */
int poller_add(struct cmd_poller *p, int fd, short events, uint64_t key);
/* Before the fd is closed. */
void poller_del(struct cmd_poller *p, int fd);
/* Waits up to timeout_ms (-1: no bound) for events; returns how many (0
 * when the time ran out) or -errno. */
int poller_wait(struct cmd_poller *p, struct cmd_event *ev, int max, int timeout_ms);
/* Makes poller_fd readable at `at_ms` (cmd_now_ms's clock; -1: never). */
void poller_arm(struct cmd_poller *p, int64_t at_ms);

/* Faults in, writable, the whole pages inside [addr, addr + len) of a
 * buffer the caller owns (memory_linux.c: madvise MADV_POPULATE_WRITE,
 * Linux 5.14). Returns 0 or -errno: -EINVAL on an older kernel, -ENOSYS in
 * the portable build. */
int cmd_prefault(void *addr, size_t len);

/* A stream being read into a buffer. */
struct cmd_sink {
	subproc_output *out;
	size_t cap;
	size_t limit;
	int policy;
	bool over;             /* SUBPROC_LIMIT_FAIL and the limit was passed */
	bool grown;            /* the pipe was asked to grow (communicate.c) */
	bool noprefault;       /* MADV_POPULATE_WRITE was refused */
	size_t ready;          /* out->data's pages below this are faulted in */
	size_t seen;           /* bytes read from the stream, dropped ones too */
	char *discard;         /* where a stream nobody captures is read; on the heap,
	                          for callers on small thread stacks */
	subproc_output_fn *fn; /* given what a stream with no buffer reads */
	void *fn_ctx;
	int stream;
};

/* SIGPIPE blocked in this thread while a child's stdin is written (a write
 * to a pipe nobody reads raises it in the writing thread). */
struct cmd_sigpipe {
	bool active; /* blocked by cmd_sigpipe_block, to restore */
	sigset_t oldmask;
	bool pending; /* one was pending before: the caller's */
	bool caused;  /* set by the caller when a write met EPIPE */
};
/* Blocks SIGPIPE when `needed` (a stdin is to be written); otherwise
 * makes no system call, and cmd_sigpipe_restore none either. */
void cmd_sigpipe_block(struct cmd_sigpipe *sp, bool needed);
/* When active: consumes the SIGPIPE a write raised (sp->caused), then
 * restores the mask. */
void cmd_sigpipe_restore(struct cmd_sigpipe *sp);

/*
 * The I/O of communicate, for commands and pipelines: writes `in` to
 * *fd[0] while reading *fd[1] and *fd[2] into out[1] and out[2] (NULL:
 * drained and dropped), closing each fd (setting it to -1) when done.
 */
struct cmd_io {
	int *fd[3];
	const char *in;
	size_t inlen;
	subproc_output *out[3];
	size_t limit;
	int policy;
	int waitdelay_ms;
	subproc_output_fn *fn; /* for a stream with no buffer; NULL: dropped */
	void *fn_ctx;
	struct cmd_poller *poller; /* the set's, which watches these fds */
	/* The engine's: */
	struct cmd_sink sinks[3];
	size_t written;
	bool wrote_epipe;
	struct cmd_sigpipe sigpipe; /* cmd_io_begin's */
};
/* Prepares the buffers and makes the fds non-blocking; -ENOMEM. */
int cmd_io_prepare(struct cmd_io *io);
/* cmd_io_prepare, and SIGPIPE blocked in this thread until cmd_io_end
 * when there is stdin to write. */
int cmd_io_begin(struct cmd_io *io);
/* True while a stream is open. */
bool cmd_io_open(const struct cmd_io *io);
/* Fills pfd (room for 3) with the open streams; returns how many. */
int cmd_io_pollfds(const struct cmd_io *io, struct pollfd *pfd);
/* Serves what poll reported. Returns 0, -ENOBUFS (a limit was passed
 * under SUBPROC_LIMIT_FAIL) or -errno; after an error every stream is
 * closed. */
int cmd_io_handle(struct cmd_io *io, const struct pollfd *pfd, int n);
/* Reads what the pipes hold now, then closes them (the wait delay ran out,
 * or a stop ended with the pipes still held). */
void cmd_io_cut(struct cmd_io *io);
/* Closes every stream and frees what cmd_io_prepare took. */
void cmd_io_close(struct cmd_io *io);
/* cmd_io_close, and the signal mask as cmd_io_begin found it. */
void cmd_io_end(struct cmd_io *io);

struct subproc_cmd {
	char **argv;
	size_t argc, argcap;
	struct cmd_env_op *env;
	size_t nenv, envcap;
	bool env_cleared;
	char *dir;
	subproc_attr attr;
	struct cmd_stream io[3];
	int *extra;
	size_t nextra, extracap;

	struct cmd_stop stop;
	subproc_cmd *self; /* stop.cmds of a command on its own */
	int waitdelay_ms;
	size_t limit;
	int policy;
	bool kill_on_free;
	subproc_output_fn *on_output;
	void *on_output_ctx;
	bool staged;           /* a stage of a pipeline, which owns it */
	struct cmd_cgroup *cg; /* subproc_cmd_cgroup's, or NULL */
	bool in_set;           /* owned by a set (set.c) */

	subproc_proc *proc;
	bool reaped; /* under stop.lock once started */
	/* A wait has run to its end. With a cgroup the child may be reaped
	 * while the wait goes on for the rest of the tree (cmd_waited). */
	bool waited;
	int wait_err; /* why the reaping failed (-ECHILD), else 0 */
	subproc_status status;
};

void stop_init(struct cmd_stop *s);
void stop_destroy(struct cmd_stop *s);
/* At start: what to signal, and the timeout's clock starts. */
void stop_arm(struct cmd_stop *s, subproc_cmd *const *cmds, size_t n, pid_t pgid);
/* Sends `sig` as a stop (see subproc_cmd_stop); `timeout` marks it as the
 * timeout's. Returns 0 or -ESRCH when every child is reaped. */
int stop_now(struct cmd_stop *s, int sig, bool timeout);
/*
 * The one wait loop: reaps every child, applying the timeout and a stop
 * under way (signal, SIGCONT, grace, SIGKILL to the children and to what
 * is left of their group), serves `io` when not NULL until EOF or the wait
 * delay, and returns early with -EINTR, nothing lost, when `watch` (>= 0)
 * is readable. Returns 0, -ETIMEDOUT (the timeout fired), -ENOBUFS, -EINTR,
 * or -errno (an I/O error, or a failed reaping such as -ECHILD).
 */
int stop_run(struct cmd_stop *s, struct cmd_io *io, int watch);

/*
 * One wait under way, as steps, for loops that watch more than one wait
 * (the command set, set.c) and for stop_run. A step (run_step) looks at
 * the whole state; between steps the loop polls what run_pollfds names
 * and reports it back with run_exited (a pidfd polled readable) and run_io
 * (the streams).
 */
struct cmd_run {
	struct cmd_stop *s;
	struct cmd_io *io; /* NULL: no streams */
	bool *ready;       /* per child: its pidfd polled readable */
	bool small_ready[4];
	int64_t exit_at, look_at, backoff;
	bool group_done;
	bool cgroup_done;                   /* the cgroup is empty, or no longer waited for */
	int64_t tree_look_at, tree_backoff; /* looks at a cgroup with members */
	int nio;                            /* streams among the last run_pollfds */
	int result, wait_err;
};
/* Returns 0 or -ENOMEM. */
int run_init(struct cmd_run *r, struct cmd_stop *s, struct cmd_io *io);
void run_destroy(struct cmd_run *r);
/* Advances the wait at `now` (reaping, the group, the pipes' cut, the
 * timers). Returns true once it is over; otherwise *wake is when the next
 * step is due without any event (-1: only an event). */
bool run_step(struct cmd_run *r, int64_t now, int64_t *wake);
/* What the wait waits on: the open streams first (r->nio of them), then
 * the pidfds of the unreaped children; pfd has room for 3 + s->n. */
int run_pollfds(struct cmd_run *r, struct pollfd *pfd);
void run_exited(struct cmd_run *r, int pidfd);
/* Serves the streams' poll results; returns cmd_io_handle's answer (a
 * passed limit under SUBPROC_LIMIT_FAIL has started the stop). */
int run_io(struct cmd_run *r, const struct pollfd *pfd, int n);
/* poll itself failed with `err`: the streams are cut so the children can
 * end. */
void run_poll_failed(struct cmd_run *r, int err);
/* What the wait returns once over: stop_run's values. */
int run_result(const struct cmd_run *r);

/* Makes inherited streams that are given buffers pipes (before start);
 * -EINVAL, with nothing changed, when a stream given a buffer is not a
 * pipe and cannot become one. cmd_check_pipes only checks. */
int cmd_prepare_pipes(subproc_cmd *cmd, bool in, bool out, bool errout);
int cmd_check_pipes(const subproc_cmd *cmd, bool in, bool out, bool errout);

/*
 * Fills err, when given, for an outcome that is no start step: `code` (0
 * for a success), SUBPROC_STEP_NONE, fd -1, path "". Returns code. Every
 * function taking an err calls it first, so that nothing an earlier call
 * left there survives this one.
 */
static inline int cmd_error(subproc_error *err, int code)
{
	if (err != NULL) {
		err->code = code;
		err->step = SUBPROC_STEP_NONE;
		err->fd = -1;
		err->path[0] = '\0';
	}
	return code;
}
/* For the end of such a function: a failure that did not come from a
 * start (which filled err with its step) is recorded as cmd_error's. */
static inline int cmd_error_end(subproc_error *err, int code)
{
	if (code < 0 && err != NULL && err->code == 0)
		return cmd_error(err, code);
	return code;
}

/* Sets the outputs given to {NULL, 0, 0}. */
void cmd_outputs_empty(subproc_output *out, subproc_output *errout);

/* Whether the command's wait is over: its child reaped and, with a
 * cgroup, a wait run to its end (it lasts until the tree is gone). */
static inline bool cmd_waited(const subproc_cmd *c)
{
	return c->reaped && (c->cg == NULL || c->waited);
}

/* subproc_cmd_start for the owner of a command in a set. */
int cmd_start(subproc_cmd *cmd, subproc_error *err);

int64_t cmd_now_ms(void);
/* The process group the child leads, or 0 when it has none of its own. */
pid_t cmd_group(const subproc_cmd *cmd);
void cmd_close_pipes(subproc_cmd *cmd);

#endif
