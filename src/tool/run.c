/* SPDX-License-Identifier: MIT */
/*
 * `subproc run` and `subproc pipe`: start, forward signals, time out, wait,
 * report, and exit as GNU timeout does.
 *
 * Stopping is the library's (subproc_cmd_timeout, subproc_cmd_stop): the
 * tool only waits with subproc_cmd_wait_fd on its self-pipe, and passes on
 * what arrives there as a stop. The child runs in its own process group
 * unless --foreground, so that a timeout or a forwarded signal reaches the
 * whole group; when the tool is in the foreground of a terminal, the
 * terminal goes to the child's group for as long as it runs. With --cgroup
 * the library's wait is for the whole tree: a stop reaches every member of
 * the cgroup, and the run lasts until it is empty.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int sig_pipe[2] = {-1, -1};
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	/* Non-blocking: a full pipe already holds enough wake-ups. */
	(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

static int catch_signal(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL);
}

int tool_signals_init(int also)
{
	if (subproc_pipe(sig_pipe, O_NONBLOCK) < 0)
		return -1;
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
		if (catch_signal(forwarded[i]) < 0)
			return -1;
	}
	/* The timeout's own signal too, as timeout does; never those that
	 * cannot be caught, nor SIGCHLD, whose default is to ignore. */
	if (also > 0 && also != SIGKILL && also != SIGSTOP && also != SIGCHLD && also != SIGCONT &&
	    catch_signal(also) < 0)
		return -1;
	return 0;
}

int tool_signal_fd(void)
{
	return sig_pipe[0];
}

int tool_signal_take(void)
{
	unsigned char b;

	return read(sig_pipe[0], &b, 1) == 1 ? b : 0;
}

double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What one run needs while it waits. */
struct job {
	const struct tool_opts *o;
	subproc_cmd *cmd;     /* `run` */
	subproc_pipeline *pl; /* `pipe` */
	const char *name;     /* the program, for -v */
	bool killed;          /* the stop sent SIGKILL */
	int tty;              /* the terminal handed to the child's group, or -1 */
};

/* The child's group: its own, or the pipeline's. */
static pid_t job_group(const struct job *j)
{
	const subproc_cmd *c = j->pl != NULL ? subproc_pipeline_cmd(j->pl, 0) : j->cmd;

	return subproc_pid(subproc_cmd_proc(c));
}

static int job_stop(struct job *j, int sig)
{
	return j->pl != NULL ? subproc_pipeline_stop(j->pl, sig) : subproc_cmd_stop(j->cmd, sig);
}

static void on_stop(void *ctx, int sig)
{
	struct job *j = ctx;
	const char *name = subproc_signal_name(sig);

	if (sig == SIGKILL)
		j->killed = true;
	if (j->o->verbose)
		fprintf(stderr, "subproc: sending signal %s to command '%s'\n",
		        name != NULL ? name + 3 : "?", j->name);
}

/* The terminal that the tool runs in the foreground of, or -1. */
static int foreground_tty(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (isatty(fd) && tcgetpgrp(fd) == getpgrp())
			return fd;
	}
	return -1;
}

/* tcsetpgrp from what is now a background group: SIGTTOU would stop us. */
static void tty_give(int tty, pid_t pgid)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	pthread_sigmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(tty, pgid);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/*
 * Job control with the terminal handed over: Ctrl-Z stopped the child's
 * group, which the calling shell does not watch. Stop as well, with the
 * terminal taken back, so that the shell sees the job stopped; once
 * continued, hand the terminal over again if the shell gave it to us (fg,
 * not bg) and continue the child.
 */
static void job_stopped(struct job *j)
{
	size_t n = j->pl != NULL ? subproc_pipeline_len(j->pl) : 1;
	bool stopped = false;

	for (size_t i = 0; i < n; i++) {
		const subproc_cmd *c = j->pl != NULL ? subproc_pipeline_cmd(j->pl, i) : j->cmd;
		pid_t pid = subproc_pid(subproc_cmd_proc(c));
		siginfo_t si;

		/* Only stops are looked at: the exit stays the library's. */
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG) == 0 && si.si_pid == pid)
			stopped = true;
	}
	if (!stopped)
		return;
	tty_give(j->tty, getpgrp());
	/* SIGSTOP, not SIGTSTP: an orphaned group ignores the latter. */
	kill(getpid(), SIGSTOP);
	if (tcgetpgrp(j->tty) == getpgrp())
		tty_give(j->tty, job_group(j));
	kill(-job_group(j), SIGCONT);
}

/* Waits, passing on each signal the tool receives as a stop. */
static int job_wait(struct job *j, subproc_status *st)
{
	for (;;) {
		int r = j->pl != NULL ? subproc_pipeline_wait_fd(j->pl, tool_signal_fd(), st)
		                      : subproc_cmd_wait_fd(j->cmd, tool_signal_fd(), st);

		if (r != -EINTR)
			return r;
		for (int sig; (sig = tool_signal_take()) != 0;) {
			if (sig == SIGCHLD)
				job_stopped(j);
			else
				job_stop(j, sig);
		}
	}
}

/* The stop settings of the options, on a command or a pipeline. */
static void job_stops(struct job *j)
{
	int grace = j->o->kill_after_ms >= 0 ? j->o->kill_after_ms : SUBPROC_GRACE_NEVER;

	if (j->pl != NULL) {
		subproc_pipeline_timeout(j->pl, j->o->timeout_ms, j->o->sig, grace);
		subproc_pipeline_on_signal(j->pl, on_stop, j);
	} else {
		subproc_cmd_timeout(j->cmd, j->o->timeout_ms, j->o->sig, grace);
		subproc_cmd_on_signal(j->cmd, on_stop, j);
	}
}

/*
 * The child, holding the terminal, died of a signal the terminal sends
 * (Ctrl-C, Ctrl-\\): had it stayed in our group, the terminal would have
 * sent that signal to our group too, and a calling script (a shell loop)
 * would see it and stop. Send it as the terminal would have.
 */
static void tty_signal_back(const struct job *j, int status, bool timed_out)
{
	int sig = subproc_status_signal(status);

	if (j->tty >= 0 && !timed_out && subproc_status_signaled(status) &&
	    (sig == SIGINT || sig == SIGQUIT))
		kill(0, sig);
}

/* Dies of `sig` as the child did, so that the caller (a shell loop that
 * Ctrl-C should end) sees a death by signal, not an exit code. No core:
 * the child's was the one that mattered. */
static void die_of(int sig)
{
	struct rlimit none = {0, 0};
	sigset_t set;

	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

/*
 * GNU timeout's exit status, as its parent sees it. Returns the exit code,
 * or with *die set, the signal to die of once the report is written.
 */
static int job_status(const struct job *j, int status, bool timed_out, int *die)
{
	int sig;

	*die = 0;
	if (!subproc_status_signaled(status))
		return timed_out && !j->o->preserve_status ? TOOL_EXIT_TIMEDOUT
		                                           : subproc_status_exit_code(status);
	sig = subproc_status_signal(status);
	if (!timed_out) {
		*die = sig;
		return 128 + sig;
	}
	if (sig == SIGKILL && j->killed && !j->o->foreground) {
		/* timeout sends that SIGKILL to its own group, itself included. */
		*die = SIGKILL;
		return 128 + sig;
	}
	if (sig == SIGKILL || j->o->preserve_status)
		return 128 + sig;
	return TOOL_EXIT_TIMEDOUT;
}

void tool_error_text(const subproc_error *err, char *text, size_t size)
{
	const char *cap = NULL;

	/* These steps carry the capability's number where an fd would be. */
	if ((err->step == SUBPROC_STEP_CAPBSET || err->step == SUBPROC_STEP_AMBIENT) &&
	    err->path[0] == '\0' && err->fd >= 0)
		cap = tool_capability_name(err->fd);
	if (cap != NULL)
		snprintf(text, size, "%s %s: %s", subproc_step_name(err->step), cap,
		         subproc_strerror(err->code));
	else
		subproc_error_format(err, text, size);
}

void tool_start_error(const subproc_error *err)
{
	char text[SUBPROC_ERROR_PATH_MAX + 256];

	tool_error_text(err, text, sizeof text);
	tool_error("%s", text);
}

int tool_start_exit(const subproc_error *err)
{
	if (err->step == SUBPROC_STEP_EXECVE || err->step == SUBPROC_STEP_LOOKPATH)
		return err->code == -ENOENT ? TOOL_EXIT_NOTFOUND : TOOL_EXIT_NOEXEC;
	return TOOL_EXIT_FAILED;
}

/* Opens the report first, so that a report that cannot be written stops
 * the run before anything runs. */
static bool json_first(const struct tool_opts *o, FILE **json)
{
	*json = NULL;
	if (!o->json)
		return true;
	*json = json_open(o);
	return *json != NULL;
}

int tool_run(int argc, char **argv)
{
	struct tool_opts o;
	struct job j = {.tty = -1};
	subproc_status st;
	subproc_error err = {0};
	subproc_cgroup_stats cs = {0};
	bool timed_out = false, started = false;
	double t0;
	int r, code, die = 0;
	FILE *json = NULL;

	r = tool_parse("run", argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : TOOL_EXIT_FAILED;
	code = TOOL_EXIT_FAILED;
	j.o = &o;
	j.name = o.argv[0];
	if (!json_first(&o, &json))
		goto out;
	if (tool_signals_init(o.sig) < 0) {
		tool_error("catching signals: %s", subproc_strerror(-errno));
		goto out;
	}
	r = subproc_cmd_new(&j.cmd, (const char *const *)o.argv);
	if (r < 0) {
		tool_error("%s", subproc_strerror(r));
		goto out;
	}
	if (tool_apply(&o, j.cmd, true, true) < 0 || tool_cgroup_apply(&o, j.cmd, NULL) < 0)
		goto out;
	/* Whatever is left in the cgroup when subproc ends (only after an
	 * error while waiting for it) must not keep it from being removed. */
	if (o.cgroup)
		subproc_cmd_kill_on_free(j.cmd, true);
	if (!o.foreground && !o.setsid) {
		subproc_attr *a = subproc_cmd_attr(j.cmd);

		/* Its own group, and the terminal with it when we have it. */
		j.tty = foreground_tty();
		if (j.tty >= 0 && catch_signal(SIGCHLD) < 0)
			j.tty = -1;
		if (j.tty >= 0) {
			a->flags |= SUBPROC_FOREGROUND;
			a->ctty = j.tty;
		} else {
			a->flags |= SUBPROC_SETPGID;
			a->pgid = 0;
		}
	}
	job_stops(&j);
	t0 = tool_now();
	r = subproc_cmd_start(j.cmd, &err);
	if (r < 0) {
		tool_start_error(&err);
		tool_isolation_hint(&o, &err);
		tool_cgroup_hint(&o, &err);
		code = tool_start_exit(&err);
	} else {
		r = job_wait(&j, &st);
		timed_out = r == -ETIMEDOUT;
		if (r < 0 && r != -ETIMEDOUT)
			tool_error("wait: %s", subproc_strerror(r));
		else
			started = true;
	}
	if (j.tty >= 0) {
		tty_give(j.tty, getpgrp());
		if (started)
			tty_signal_back(&j, st.status, timed_out);
	}
	if (started && o.cgroup)
		subproc_cmd_cgroup_stats(j.cmd, &cs);
	if (started)
		code = job_status(&j, st.status, timed_out, &die);
	if (json != NULL) {
		fputs("{\"argv\":", json);
		json_argv(json, o.argv, o.argc);
		json_proc(json, started ? &st : NULL, timed_out);
		fprintf(json, ",\"wall_seconds\":%.6f", tool_now() - t0);
		json_cgroup(json, &cs);
		if (!started && err.code != 0)
			json_error(json, &err);
		fputs("}\n", json);
		json_close(json, &o);
		json = NULL;
	}
out:
	if (json != NULL)
		json_close(json, &o);
	subproc_cmd_free(j.cmd);
	tool_opts_free(&o);
	if (die != 0)
		die_of(die);
	return code;
}

int tool_pipe(int argc, char **argv)
{
	struct tool_opts o;
	struct job j = {.tty = -1};
	subproc_pipeline *pl = NULL;
	subproc_status *st = NULL;
	subproc_error err = {0};
	subproc_cgroup_stats cs = {0};
	size_t n = 0, start = 0;
	bool timed_out = false, started = false;
	double t0;
	int r, code, die = 0;
	FILE *json = NULL;

	r = tool_parse("pipe", argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : TOOL_EXIT_FAILED;
	code = TOOL_EXIT_FAILED;
	j.o = &o;
	j.name = o.argv[0];
	if (!json_first(&o, &json))
		goto out;
	if (tool_signals_init(o.sig) < 0 || subproc_pipeline_new(&pl) < 0) {
		tool_error("setting up: %s", subproc_strerror(-errno));
		goto out;
	}
	j.pl = pl;
	/* Stages are the runs of arguments between literal "|"s. */
	for (int i = 0; i <= o.argc; i++) {
		subproc_cmd *cmd = NULL;

		if (i < o.argc && !tool_is_separator(&o.argv[i]))
			continue;
		if ((size_t)i == start) {
			tool_error("pipe: empty stage (two '|' in a row, or one at an end)");
			goto out;
		}
		o.argv[i < o.argc ? i : o.argc] = NULL;
		r = subproc_cmd_new(&cmd, (const char *const *)o.argv + start);
		if (r == 0 && (r = subproc_pipeline_add(pl, cmd)) < 0)
			subproc_cmd_free(cmd);
		if (r < 0) {
			tool_error("%s", subproc_strerror(r));
			goto out;
		}
		if (tool_apply(&o, cmd, start == 0, i == o.argc) < 0)
			goto out;
		start = (size_t)i + 1;
		n++;
	}
	if (n == 0) { /* tool_parse saw to it; this keeps the reasoning local */
		tool_error("pipe: no stage");
		goto out;
	}
	if (tool_cgroup_apply(&o, NULL, pl) < 0)
		goto out;
	st = calloc(n, sizeof *st);
	if (st == NULL) {
		tool_error("out of memory");
		goto out;
	}
	job_stops(&j);
	j.tty = foreground_tty();
	if (j.tty >= 0 && catch_signal(SIGCHLD) < 0)
		j.tty = -1;
	t0 = tool_now();
	r = subproc_pipeline_start(pl, &err);
	if (r < 0) {
		char text[SUBPROC_ERROR_PATH_MAX + 256];
		tool_error_text(&err, text, sizeof text);
		/* No stage failed when the cgroup could not be made. */
		if (subproc_pipeline_failed_stage(pl) < 0)
			tool_error("%s", text);
		else
			tool_error("stage %d: %s", subproc_pipeline_failed_stage(pl) + 1, text);
		tool_isolation_hint(&o, &err);
		tool_cgroup_hint(&o, &err);
		code = tool_start_exit(&err);
		j.tty = -1;
	} else {
		if (j.tty >= 0) {
			/* A stage may have read the terminal before it was
			 * theirs and stopped (SIGTTIN): wake it. */
			pid_t pgid = subproc_pid(subproc_cmd_proc(subproc_pipeline_cmd(pl, 0)));
			tty_give(j.tty, pgid);
			kill(-pgid, SIGCONT);
		}
		r = job_wait(&j, st);
		timed_out = r == -ETIMEDOUT;
		if (r < 0 && r != -ETIMEDOUT)
			tool_error("wait: %s", subproc_strerror(r));
		else
			started = true;
	}
	if (j.tty >= 0) {
		tty_give(j.tty, getpgrp());
		if (started)
			tty_signal_back(&j, subproc_pipeline_status(pl, o.pipefail), timed_out);
	}
	if (started && o.cgroup)
		subproc_pipeline_cgroup_stats(pl, &cs);
	if (started)
		code = job_status(&j, subproc_pipeline_status(pl, o.pipefail), timed_out, &die);
	if (json != NULL) {
		size_t stage = 0;

		fputs("{\"stages\":[", json);
		start = 0;
		for (int i = 0; i <= o.argc; i++) {
			if (i < o.argc && o.argv[i] != NULL)
				continue;
			fputs(stage > 0 ? ",{\"argv\":" : "{\"argv\":", json);
			json_argv(json, o.argv + start, i - (int)start);
			json_proc(json, started ? &st[stage] : NULL, timed_out);
			fputc('}', json);
			start = (size_t)i + 1;
			stage++;
		}
		fprintf(json, "],\"pipefail\":%s,\"timed_out\":%s,\"exit_status\":%d",
		        o.pipefail ? "true" : "false", timed_out ? "true" : "false", code);
		fprintf(json, ",\"wall_seconds\":%.6f", tool_now() - t0);
		json_cgroup(json, &cs);
		if (!started && err.code != 0) {
			/* Numbered from 1, as in the messages; none for the
			 * cgroup's. */
			if (subproc_pipeline_failed_stage(pl) < 0)
				fputs(",\"failed_stage\":null", json);
			else
				fprintf(json, ",\"failed_stage\":%d",
				        subproc_pipeline_failed_stage(pl) + 1);
			json_error(json, &err);
		}
		fputs("}\n", json);
		json_close(json, &o);
		json = NULL;
	}
out:
	if (json != NULL)
		json_close(json, &o);
	subproc_pipeline_free(pl);
	free(st);
	tool_opts_free(&o);
	if (die != 0)
		die_of(die);
	return code;
}
