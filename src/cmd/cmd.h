/*
 * The cmd layer, between proc and the front ends: a command (Go's exec.Cmd).
 * It builds argv and the environment, wires the standard streams, and
 * drives a proc-layer process through start, I/O, timeouts and reaping.
 */
#ifndef SUBPROC_CMD_H
#define SUBPROC_CMD_H

#include "subproc.h"

#include <stdint.h>
#include <sys/types.h>

/* The objects' names carry the reserved prefix (see sys/sys.h). */
#define cmd_close_pipes subproc__cmd_close_pipes
#define cmd_group subproc__cmd_group
#define cmd_group_stop subproc__cmd_group_stop
#define cmd_io_run subproc__cmd_io_run
#define cmd_kill subproc__cmd_kill
#define cmd_now_ms subproc__cmd_now_ms
#define cmd_prepare_pipes subproc__cmd_prepare_pipes
#define cmd_reap subproc__cmd_reap
#define cmd_reap_from subproc__cmd_reap_from
#define cmd_wait_until subproc__cmd_wait_until

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

	int timeout_ms, sig, grace_ms, waitdelay_ms;
	size_t limit;
	int policy;
	bool kill_on_free;

	subproc_proc *proc;
	int64_t started_ms; /* CLOCK_MONOTONIC */
	bool reaped;
	bool timed_out;
	subproc_status status;
};

/*
 * The I/O engine of communicate, for commands and pipelines: writes `in`
 * to *fd[0] while reading *fd[1] and *fd[2] into out[1] and out[2] (NULL:
 * drained and dropped), closing each fd (setting it to -1) when done.
 * At `deadline` (or when a limit is passed) it calls kill(ctx, sig), then
 * kill(ctx, SIGKILL) after grace_ms. When the child exits (`pidfd` polls readable, or waitid on
 * `pid` says so) it calls exited(ctx), and stops reading grace_ms later if a stop is under way,
 * else waitdelay_ms later (0: at EOF only).
 */
struct cmd_io {
	int *fd[3];
	const char *in;
	size_t inlen;
	subproc_output *out[3];
	size_t limit;
	int policy;
	int64_t deadline; /* -1 for none */
	int grace_ms, waitdelay_ms, sig;
	int pidfd;
	pid_t pid; /* without a pidfd (-1), the exit is looked for by pid */
	void *ctx;
	void (*kill)(void *ctx, int sig);
	void (*exited)(void *ctx);
	/* What happened: */
	bool timed_out;
	int stage; /* 0: no stop; 1: first signal sent; 2: SIGKILL sent */
	int64_t kill_at;
};
/* Returns 0, -ENOBUFS (limit passed, stop begun), -ENOMEM or -errno. */
int cmd_io_run(struct cmd_io *io);
/* Makes inherited streams that are given buffers pipes (before start);
 * -EINVAL when a stream given a buffer is not a pipe. */
int cmd_prepare_pipes(subproc_cmd *cmd, bool in, bool out, bool errout);

int64_t cmd_now_ms(void);
/* The process group the child leads, or 0 when it has none of its own. */
pid_t cmd_group(const subproc_cmd *cmd);
/* Sends `sig` to the child, or to its group when it leads one. */
int cmd_kill(subproc_cmd *cmd, int sig);
/* After a stop, once the child (or every stage) is reaped: waits until
 * the group `pgid` is empty or `kill_at` has come, then SIGKILLs what is
 * left, so a grandchild that ignored the first signal goes too. */
void cmd_group_stop(pid_t pgid, int64_t kill_at);
/* Waits until `deadline` (CLOCK_MONOTONIC ms; -1: no limit); on success the
 * child is reaped and its status kept. Returns 0, -ETIMEDOUT or -errno. */
int cmd_wait_until(subproc_cmd *cmd, int64_t deadline);
/* Waits (applying the timeout from the start) and reaps; remembers the
 * status. Returns 0, -ETIMEDOUT (stopped by the timeout), or -errno. */
int cmd_reap(subproc_cmd *cmd);
/* cmd_reap carrying on a stop begun elsewhere (communicate's loop): stage
 * 0 none yet, 1 first signal sent and SIGKILL due at kill_at, 2 SIGKILL
 * sent. */
int cmd_reap_from(subproc_cmd *cmd, int stage, int64_t kill_at);
void cmd_close_pipes(subproc_cmd *cmd);

#endif
