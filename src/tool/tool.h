/* SPDX-License-Identifier: MIT */
/*
 * The subproc tool (a front end, above the cmd layer): `subproc run`,
 * `subproc pipe`, `subproc parallel` and `subproc bench`, built only on the public API of
 * include/subproc.h, so that it is also a worked example of using it.
 */
#ifndef SUBPROC_TOOL_H
#define SUBPROC_TOOL_H

#include "subproc.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses of the tool itself, as GNU timeout and env use them. */
enum {
	TOOL_EXIT_TIMEDOUT = 124, /* the timeout fired */
	TOOL_EXIT_FAILED = 125,   /* subproc itself failed: usage, setup */
	TOOL_EXIT_NOEXEC = 126,   /* found, but could not be executed */
	TOOL_EXIT_NOTFOUND = 127, /* not found */
};

/* An environment operation, kept in command-line order. */
struct tool_envop {
	char kind; /* 's' set, 'u' unset, 'c' clear */
	const char *name;
	const char *value;
};

/* A setting of the child's cgroup: `value` for its file `file`. */
struct tool_cgset {
	char *file; /* both owned */
	char *value;
};

/* The options `run` and `pipe` share, as parsed. */
struct tool_opts {
	const char *cwd;
	struct tool_envop *env;
	size_t nenv;
	const char *stdio[3]; /* NULL: inherit */
	bool append;
	int timeout_ms; /* 0: none */
	int sig;
	int kill_after_ms;    /* -1: no SIGKILL (no -k, or -k 0) */
	bool foreground;      /* --foreground: the child stays in our group */
	bool preserve_status; /* --preserve-status */
	bool verbose;         /* -v: a line on stderr per signal sent */
	bool setsid, pgroup, inherit_fds, pipefail;
	subproc_rlimit *rlimits;
	size_t nrlimits;
	bool has_umask, has_uid, has_gid, has_groups;
	const char *user;     /* --user or --uid as given, NULL for none */
	const char *user_opt; /* which of the two, for messages */
	mode_t umask;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	const char *chroot;
	int *keep_fds;
	size_t nkeep;
	int launch; /* enum subproc_launch */
	/* Isolation (isolation.c, seccomp_*.c): iso is what subproc_attr.isolation
	 * points at when `isolate`; its maps point at the lines below. */
	bool isolate;
	subproc_isolation iso;
	subproc_idmap uid_line, gid_line;
	bool has_uid_line, has_gid_line;
	const char **bounding_ops; /* --bounding-set arguments, in order */
	size_t nbounding;
	long *deny; /* --seccomp-deny's system call numbers */
	size_t ndeny;
	struct sock_fprog *seccomp; /* made from deny; owned */
	/* The child's own cgroup (cgroup.c), asked for by --cgroup or by any
	 * option that writes one of its files. */
	bool cgroup;
	const char *cgroup_opt;    /* the first option that asked for it, for messages */
	const char *cgroup_parent; /* NULL: subproc's own cgroup */
	struct tool_cgset *cgsets; /* its files' settings, in command-line order */
	size_t ncgsets;
	bool json;
	const char *json_file; /* NULL: stderr */
	char **argv;           /* after the options */
	int argc;
};

/* --- isolation.c: the unshare(1) and setpriv(1) options ---------------- */

/* What the isolation options parse into; tool_isolation_option takes the
 * getopt value of one of these. */
enum {
	TOOL_OPT_UNSHARE = 512,
	TOOL_OPT_MAP_ROOT_USER,
	TOOL_OPT_MAP_USER,
	TOOL_OPT_MAP_GROUP,
	TOOL_OPT_SETGROUPS,
	TOOL_OPT_MOUNT_PROC,
	TOOL_OPT_HOSTNAME,
	TOOL_OPT_NO_NEW_PRIVS,
	TOOL_OPT_AMBIENT_CAPS,
	TOOL_OPT_BOUNDING_SET,
	TOOL_OPT_SECCOMP_DENY,
};
/* Takes one isolation option (`opt`, its value `arg` or NULL) into *o.
 * Returns 0, or -1 after printing an error. */
int tool_isolation_option(struct tool_opts *o, int opt, const char *arg);
/* Once every option is read: checks what the options need of each other,
 * adds the namespaces they imply, works out the bounding set and builds the
 * seccomp filter, and fills o->iso. Returns 0, or -1 after an error. */
int tool_isolation_finish(struct tool_opts *o);
void tool_isolation_free(struct tool_opts *o);
/* After a failed start: a line on what the options can change about it,
 * when there is one (an unprivileged seccomp filter without
 * --no-new-privs, a build without isolation). */
void tool_isolation_hint(const struct tool_opts *o, const subproc_error *err);
/* The capability's name as --ambient-caps takes it ("net_raw"), or NULL. */
const char *tool_capability_name(int cap);
/* The name --unshare gives one SUBPROC_NS_* bit ("mount"), or NULL. */
const char *tool_namespace_name(unsigned ns);

/* --- cgroup.c: the child's own cgroup v2 -------------------------------- */

/* The getopt values of the cgroup options, for tool_cgroup_option. */
enum {
	TOOL_OPT_CGROUP = 600,
	TOOL_OPT_CGROUP_SET,
	TOOL_OPT_MEMORY_MAX,
	TOOL_OPT_PIDS_MAX,
	TOOL_OPT_CPU_MAX,
};
/* Takes one cgroup option (`opt`, its value `arg` or NULL) into *o: each
 * asks for the cgroup, and all but --cgroup add a setting. Returns 0, or -1
 * after printing an error. */
int tool_cgroup_option(struct tool_opts *o, int opt, const char *arg);
void tool_cgroup_free(struct tool_opts *o);
/* Asks the library for the options' cgroup, on the command of `run` or the
 * pipeline of `pipe` (the other NULL), with its settings. Returns 0 or a
 * negative errno, after printing what failed. */
int tool_cgroup_apply(const struct tool_opts *o, subproc_cmd *cmd, subproc_pipeline *pl);
/* After a failed start: a line on what to do about a cgroup that could not
 * be made or set up, when there is one. */
void tool_cgroup_hint(const struct tool_opts *o, const subproc_error *err);

/* --- seccomp_linux.c, seccomp_posix.c ----------------------------------- */

/* Adds the system calls of one --seccomp-deny list (names, comma-separated)
 * to o->deny. Returns 0, or -1 after printing an error (in the portable
 * build, always). */
int tool_seccomp_deny(struct tool_opts *o, const char *arg);
/* Builds o->seccomp from o->deny: a filter under which those calls fail with
 * EPERM, as does every call of another ABI than this build's. 0 or -1. */
int tool_seccomp_build(struct tool_opts *o);
void tool_seccomp_free(struct tool_opts *o);
/* `subproc --list syscalls`: the names --seccomp-deny takes, one a line.
 * Returns 0, or 125 after an error (in the portable build, always). */
int tool_list_syscalls(void);

/* Parses argv[1..] of subcommand `cmd` ("run" or "pipe") into *o. Returns 0,
 * 1 when --help was given and printed, or -1 after printing an error. */
int tool_parse(const char *cmd, int argc, char **argv, struct tool_opts *o);
void tool_opts_free(struct tool_opts *o);
/* Configures one command from the options; which streams the command gets
 * from them is the caller's choice (`pipe` wires the inner ones). Returns
 * 0 or a negative errno, after printing what failed. */
int tool_apply(const struct tool_opts *o, subproc_cmd *cmd, bool in, bool out);

/* For `pipe`, called once on each argument after the options, in order:
 * true when *arg is the stage separator "|". The argument "\\|" (exactly
 * that: backslash, bar) is no separator: *arg is then set to point at a
 * static "|", for the stage to get a literal "|", and false returned; so
 * is any other argument, left as it is. */
bool tool_is_separator(char **arg);

/* A duration as GNU timeout takes it ("1.5", "2m"), in ms (0 for zero, at
 * least 1 for any positive one). Returns 0, or -1 after an error naming
 * `opt`. */
int tool_parse_duration(const char *opt, const char *s, int *ms);
/* A number in [min, max] in `base`; -1 after an error naming `opt`. */
int tool_parse_long(const char *opt, const char *s, int base, long long min, long long max,
                    long long *out);

/* A user or group as a name (looked up in the user database) or a number;
 * -1 after an error naming `opt`. */
int tool_parse_uid(const char *opt, const char *s, uid_t *out);
int tool_parse_gid(const char *opt, const char *s, gid_t *out);

/* Reports what a quiet getopt_long (opterr 0, optstring "+:...") refused
 * in argv of subcommand `cmd`, whose long options are `opts`: c is its
 * ':' or '?'. */
void tool_option_error(const char *cmd, int c, char **argv, const struct option *opts);

/* Prints "subproc: " and the message to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failed start as "STEP PATH: ENAME: description" (subproc_error_format's
 * text, with a capability named by name). */
void tool_error_text(const subproc_error *err, char *text, size_t size);
/* Prints a failed start as "subproc: STEP PATH: ENAME: description". */
void tool_start_error(const subproc_error *err);
/* The exit status for a failed start: 126, 127 or 125. */
int tool_start_exit(const subproc_error *err);
/* Catches the signals to pass on to the child: SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT and `also` (the timeout's signal; 0 for none). Each caught one
 * is written to a non-blocking self-pipe. Returns 0 or -1. */
int tool_signals_init(int also);
/* The self-pipe's read end, readable once a caught signal came. */
int tool_signal_fd(void);
/* The next caught signal from the self-pipe, or 0 when none is waiting. */
int tool_signal_take(void);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double tool_now(void);

/* JSON output, written to one FILE. */
void json_str(FILE *f, const char *s);
void json_argv(FILE *f, char *const *argv, int argc);
/* The fields of one ended process (after a '{' or ','); status NULL for
 * one that never started. */
void json_proc(FILE *f, const subproc_status *st, bool timed_out);
void json_error(FILE *f, const subproc_error *err);
/* The fields of what a cgroup's tree used (after a '{' or ','): those the
 * stats have. */
void json_cgroup(FILE *f, const subproc_cgroup_stats *cs);
/* Opens the JSON destination of the options (stderr, or the file). */
FILE *json_open(const struct tool_opts *o);
void json_close(FILE *f, const struct tool_opts *o);

/* `subproc --list WHAT`: prints the names the options take, one a line,
 * from the tables the parser uses: "signals" (as subproc_signal_name gives
 * them: SIGTERM, SIGRTMIN+1), "rlimits" (--rlimit's, as "nofile"),
 * "launches" (--launch's), "namespaces" (--unshare's), "capabilities"
 * (--ambient-caps' and --bounding-set's, as "net_raw") or "syscalls"
 * (--seccomp-deny's). For the shell completion. Returns the exit status: 0,
 * or 125 after an error. */
int tool_list(const char *what);

int tool_run(int argc, char **argv);
int tool_pipe(int argc, char **argv);
int tool_bench(int argc, char **argv);
int tool_parallel(int argc, char **argv);

#endif
