/*
 * The cmd layer: a command (DESIGN.md, "Layers"; the seed's exec.Cmd).
 * It builds argv and the environment, wires the standard streams, and
 * drives a proc-layer process through start, I/O, timeouts and reaping.
 */
#ifndef SUBPROC_CMD_H
#define SUBPROC_CMD_H

#include "subproc.h"

#include <stdint.h>

enum cmd_io {
	CMD_IO_INHERIT = SUBPROC_STDIO_INHERIT,
	CMD_IO_NULL = SUBPROC_STDIO_NULL,
	CMD_IO_PIPE = SUBPROC_STDIO_PIPE,
	CMD_IO_MERGE = SUBPROC_STDIO_MERGE,
	CMD_IO_FILE,
	CMD_IO_FD,
};

struct cmd_stream {
	int mode; /* enum cmd_io */
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

int64_t cmd_now_ms(void);
/* Sends `sig` to the child, or to its group when it leads one. */
int cmd_kill(subproc_cmd *cmd, int sig);
/* Waits (applying the timeout from the start) and reaps; remembers the
 * status. Returns 0, -ETIMEDOUT (stopped by the timeout), or -errno. */
int cmd_reap(subproc_cmd *cmd);
void cmd_close_pipes(subproc_cmd *cmd);

#endif
