/*
 * `subproc run` and `subproc pipe`: start, forward signals, time out, wait,
 * report.
 *
 * The tool waits in its own loop rather than in subproc_cmd_wait: it must
 * wake for a forwarded signal as well as for the child's end. It polls the
 * children's pidfds (or, without them, checks with waitid(WNOWAIT)) and
 * reaps through the library only once they have exited.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

int tool_signals_init(void)
{
	struct sigaction sa;

	if (subproc_pipe(sig_pipe, O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
		if (sigaction(forwarded[i], &sa, NULL) < 0)
			return -1;
	}
	return 0;
}

double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long now_ms(void)
{
	return (long long)(tool_now() * 1000.0);
}

/* True once the process has exited; it is left to be reaped. */
static bool exited(subproc_proc *p)
{
	siginfo_t si;
	int fd = subproc_pidfd(p);

	if (fd >= 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		return poll(&pfd, 1, 0) > 0;
	}
	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)subproc_pid(p), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid != 0;
}

static void send_all(subproc_proc *const *procs, size_t n, const bool *done, pid_t pgid, int sig)
{
	if (pgid > 0 && kill(-pgid, sig) == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!done[i])
			subproc_signal(procs[i], sig);
	}
}

bool tool_wait_all(subproc_proc *const *procs, size_t n, pid_t pgid, const struct tool_opts *o)
{
	struct pollfd *pfd = calloc(n + 1, sizeof *pfd);
	bool *done = calloc(n, sizeof *done), timed_out = false;
	long long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : -1, kill_at = -1;
	int stage = 0; /* 0: running, 1: signal sent, 2: SIGKILL sent */

	if (pfd == NULL || done == NULL) {
		/* No memory to wait cleverly: plain blocking waits still
		 * reap correctly, only without timeout and forwarding. */
		free(pfd);
		free(done);
		for (size_t i = 0; i < n; i++) {
			siginfo_t si;
			waitid(P_PID, (id_t)subproc_pid(procs[i]), &si, WEXITED | WNOWAIT);
		}
		return false;
	}
	for (;;) {
		size_t npfd = 0, left = 0;
		long long wake = stage == 0 ? deadline : stage == 1 ? kill_at : -1, now;
		int timeout = -1;
		bool polling = false;

		for (size_t i = 0; i < n; i++) {
			if (!done[i] && exited(procs[i]))
				done[i] = true;
			if (done[i])
				continue;
			left++;
			if (subproc_pidfd(procs[i]) >= 0)
				pfd[npfd++] = (struct pollfd){subproc_pidfd(procs[i]), POLLIN, 0};
			else
				polling = true;
		}
		if (left == 0)
			break;
		pfd[npfd++] = (struct pollfd){sig_pipe[0], POLLIN, 0};
		now = now_ms();
		if (wake >= 0)
			timeout = wake > now ? (int)(wake - now) : 0;
		if (polling && (timeout < 0 || timeout > 10))
			timeout = 10;
		if (poll(pfd, npfd, timeout) < 0 && errno != EINTR)
			break;

		unsigned char sigs[16];
		ssize_t got;
		while ((got = read(sig_pipe[0], sigs, sizeof sigs)) > 0) {
			for (ssize_t i = 0; i < got; i++)
				send_all(procs, n, done, pgid, sigs[i]);
		}
		now = now_ms();
		if (stage == 0 && deadline >= 0 && now >= deadline) {
			timed_out = true;
			send_all(procs, n, done, pgid, o->sig);
			stage = 1;
			kill_at = now + o->kill_after_ms;
		} else if (stage == 1 && now >= kill_at) {
			send_all(procs, n, done, pgid, SIGKILL);
			stage = 2;
		}
	}
	free(pfd);
	free(done);
	return timed_out;
}

void tool_start_error(const subproc_error *err)
{
	char text[SUBPROC_ERROR_PATH_MAX + 256];

	subproc_error_format(err, text, sizeof text);
	tool_error("%s", text);
}

int tool_start_exit(const subproc_error *err)
{
	if (err->step == SUBPROC_STEP_EXECVE || err->step == SUBPROC_STEP_LOOKPATH)
		return err->code == -ENOENT ? TOOL_EXIT_NOTFOUND : TOOL_EXIT_NOEXEC;
	return TOOL_EXIT_FAILED;
}

int tool_status_exit(int status)
{
	if (subproc_status_signaled(status))
		return 128 + subproc_status_signal(status);
	return subproc_status_exit_code(status);
}

int tool_run(int argc, char **argv)
{
	struct tool_opts o;
	subproc_cmd *cmd = NULL;
	subproc_proc *proc;
	subproc_status st;
	subproc_error err = {0};
	bool timed_out = false, started = false;
	double t0;
	int r, code;
	FILE *json;

	r = tool_parse("run", argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : TOOL_EXIT_FAILED;
	code = TOOL_EXIT_FAILED;
	if (tool_signals_init() < 0) {
		tool_error("catching signals: %s", subproc_strerror(errno));
		goto out;
	}
	r = subproc_cmd_new(&cmd, (const char *const *)o.argv);
	if (r < 0) {
		tool_error("%s", subproc_strerror(r));
		goto out;
	}
	if (tool_apply(&o, cmd, true, true) < 0)
		goto out;
	t0 = tool_now();
	r = subproc_cmd_start(cmd, &err);
	if (r < 0) {
		tool_start_error(&err);
		code = tool_start_exit(&err);
	} else {
		started = true;
		proc = subproc_cmd_proc(cmd);
		timed_out =
			tool_wait_all(&proc, 1, o.setsid || o.pgroup ? subproc_pid(proc) : 0, &o);
		r = subproc_cmd_wait(cmd, &st);
		if (r < 0) {
			tool_error("wait: %s", subproc_strerror(r));
			started = false;
		} else {
			code = timed_out ? TOOL_EXIT_TIMEDOUT : tool_status_exit(st.status);
		}
	}
	if (o.json && (json = json_open(&o)) != NULL) {
		fputs("{\"argv\":", json);
		json_argv(json, o.argv, o.argc);
		json_proc(json, started ? &st : NULL, timed_out);
		fprintf(json, ",\"wall_seconds\":%.6f", tool_now() - t0);
		if (!started && err.code != 0)
			json_error(json, &err);
		fputs("}\n", json);
		json_close(json, &o);
	}
out:
	subproc_cmd_free(cmd);
	tool_opts_free(&o);
	return code;
}

int tool_pipe(int argc, char **argv)
{
	struct tool_opts o;
	subproc_pipeline *pl = NULL;
	subproc_status *st = NULL;
	subproc_proc **procs = NULL;
	subproc_error err = {0};
	size_t n = 0, start = 0;
	bool timed_out = false, started = false;
	double t0;
	int r, code;
	FILE *json;

	r = tool_parse("pipe", argc, argv, &o);
	if (r != 0)
		return r > 0 ? 0 : TOOL_EXIT_FAILED;
	code = TOOL_EXIT_FAILED;
	if (tool_signals_init() < 0 || subproc_pipeline_new(&pl) < 0) {
		tool_error("setting up: %s", subproc_strerror(errno));
		goto out;
	}
	/* Stages are the runs of arguments between literal "|"s. */
	for (int i = 0; i <= o.argc; i++) {
		subproc_cmd *cmd = NULL;

		if (i < o.argc && strcmp(o.argv[i], "|") != 0)
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
	st = calloc(n, sizeof *st);
	procs = calloc(n, sizeof(subproc_proc *));
	if (st == NULL || procs == NULL) {
		tool_error("out of memory");
		goto out;
	}
	t0 = tool_now();
	r = subproc_pipeline_start(pl, &err);
	if (r < 0) {
		char text[SUBPROC_ERROR_PATH_MAX + 256];
		subproc_error_format(&err, text, sizeof text);
		tool_error("stage %d: %s", subproc_pipeline_failed_stage(pl) + 1, text);
		code = tool_start_exit(&err);
	} else {
		for (size_t i = 0; i < n; i++)
			procs[i] = subproc_cmd_proc(subproc_pipeline_cmd(pl, i));
		timed_out = tool_wait_all(procs, n, subproc_pid(procs[0]), &o);
		r = subproc_pipeline_wait(pl, st);
		if (r < 0) {
			tool_error("wait: %s", subproc_strerror(r));
		} else {
			started = true;
			code = timed_out
			               ? TOOL_EXIT_TIMEDOUT
			               : tool_status_exit(subproc_pipeline_status(pl, o.pipefail));
		}
	}
	if (o.json && (json = json_open(&o)) != NULL) {
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
		if (!started && err.code != 0) {
			fprintf(json, ",\"failed_stage\":%d", subproc_pipeline_failed_stage(pl));
			json_error(json, &err);
		}
		fputs("}\n", json);
		json_close(json, &o);
	}
out:
	subproc_pipeline_free(pl);
	free(st);
	free(procs);
	tool_opts_free(&o);
	return code;
}
