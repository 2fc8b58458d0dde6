/* SPDX-License-Identifier: MIT */
/*
 * How `subproc run` and `subproc pipe` stop what they run, as their parent
 * sees it: the exit status against GNU timeout's for a table of scenarios
 * (both are run, and the statuses compared), no survivor in the child's
 * group, --foreground, -v, a report that cannot be written, and, under a
 * pseudo-terminal, the terminal handed to the child's group and back, and
 * Ctrl-C ending a calling script.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif
#define TOOL SUBPROC_TEST_TOOL
#define IGNORES_TERM "trap '' TERM; sleep 10"

/* Runs argv with no terminal and returns its wait status, as a shell
 * would see it; a run over a minute is killed and fails the test. */
static int status_of(const char *const *argv, subproc_output *err)
{
	subproc_cmd *cmd = NULL;
	subproc_status st;
	int r;

	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	if (err == NULL)
		assert_int_equal(subproc_cmd_stdio(cmd, 2, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 60000, SIGKILL, 0), 0);
	r = subproc_cmd_output(cmd, NULL, err, &st, NULL);
	assert_int_equal(r, 0);
	subproc_cmd_free(cmd);
	return st.status;
}

static const char *status_text(int status, char *buf, size_t size)
{
	if (subproc_status_signaled(status))
		snprintf(buf, size, "killed by %s",
		         subproc_signal_name(subproc_status_signal(status)));
	else
		snprintf(buf, size, "exit %d", subproc_status_exit_code(status));
	return buf;
}

struct scenario {
	const char *opts[4]; /* timeout's and subproc's options, the same */
	const char *duration;
	const char *script; /* for sh -c */
};

static const struct scenario scenarios[] = {
	{{NULL}, "5", "exit 3"},
	{{NULL}, "5", "exit 0"},
	{{NULL}, "0.2", "sleep 10"},
	{{"-s", "KILL", NULL}, "0.2", "sleep 10"},
	{{"-s", "INT", NULL}, "0.2", "sleep 10"},
	{{"-k", "0.3", NULL}, "0.2", IGNORES_TERM},
	{{"--preserve-status", NULL}, "0.2", "sleep 10"},
	{{"--preserve-status", "-k", "0.3", NULL}, "0.2", IGNORES_TERM},
	{{NULL}, "0.2", "trap '' TERM; sleep 1; exit 4"},
	{{"--preserve-status", NULL}, "0.2", "trap '' TERM; sleep 1; exit 4"},
	{{"-k", "0", NULL}, "0.2", "trap '' TERM; sleep 1; exit 4"},
	{{NULL}, "5", "kill -USR1 $$"},
	{{NULL}, "0.2", "kill -STOP $$; sleep 10"},
	{{"--foreground", "-s", "KILL", NULL}, "0.2", "sleep 10"},
	{{"--foreground", "-k", "0.3", NULL}, "0.2", IGNORES_TERM},
	{{"--foreground", NULL}, "5", "kill -USR1 $$"},
	{{NULL}, "0", "sleep 0.3; exit 2"},
	{{NULL}, "0.005m", "sleep 10"},
};

/* For each scenario, `timeout OPTS DURATION sh -c SCRIPT` and `subproc run
 * OPTS -t DURATION -- sh -c SCRIPT` end the same way for their parent. */
static void test_tool_stop_as_gnu_timeout(void **state)
{
	(void)state;
	if (access("/usr/bin/timeout", X_OK) != 0)
		skip_because("GNU timeout is not installed");
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		const struct scenario *s = &scenarios[i];
		const char *gnu[16] = {"/usr/bin/timeout"}, *ours[16] = {TOOL, "run"};
		size_t g = 1, o = 2;
		char a[64], b[64];
		int want, got;

		for (size_t k = 0; s->opts[k] != NULL; k++)
			gnu[g++] = ours[o++] = s->opts[k];
		gnu[g++] = s->duration;
		ours[o++] = "-t";
		ours[o++] = s->duration;
		ours[o++] = "--";
		gnu[g++] = ours[o++] = "/bin/sh";
		gnu[g++] = ours[o++] = "-c";
		gnu[g++] = ours[o++] = s->script;
		gnu[g] = ours[o] = NULL;
		want = status_of(gnu, NULL);
		got = status_of(ours, NULL);
		if (want != got)
			fail_msg("scenario %zu (%s %s): timeout: %s, subproc: %s", i,
			         s->opts[0] ? s->opts[0] : "", s->script,
			         status_text(want, a, sizeof a), status_text(got, b, sizeof b));
	}
}

/* The stop engine's promise (docs/ARCHITECTURE.md, "The stop engine"):
 * nothing of the child's group outlives a stop. */
static void test_tool_stop_no_survivor(void **state)
{
	char *dir = tempdir_make(), script[1024];
	pid_t member;
	int st;

	(void)state;
	/* A background member gets the timeout's signal with its group. */
	snprintf(script, sizeof script, "sleep 123 & echo $! > %s/bg; sleep 100", dir);
	st = status_of(ARGS(TOOL, "run", "-t", "0.5", "--", "/bin/sh", "-c", script), NULL);
	assert_true(subproc_status_exited(st));
	assert_int_equal(subproc_status_exit_code(st), 124);
	member = pid_file(dir, "bg");
	assert_true(member > 1);
	assert_true(pid_dies(member));

	/* One that ignores it gets SIGKILL after -k, though the child is
	 * gone by then. */
	survivor_script(script, sizeof script, dir, "exec sleep 100");
	st = status_of(ARGS(TOOL, "run", "-t", "0.5", "-k", "0.3", "--", "/bin/sh", "-c", script),
	               NULL);
	assert_int_equal(subproc_status_exit_code(st), 124);
	member = pid_file(dir, "s");
	assert_true(member > 1);
	if (!pid_dies(member)) {
		kill(member, SIGKILL);
		fail_msg("the TERM-ignoring member outlived -k");
	}
	tempdir_remove(dir);
}

/* --foreground: the child stays in our group and only it is signalled, so
 * its background child lives on, as under timeout --foreground. */
static void test_tool_stop_foreground(void **state)
{
	char *dir = tempdir_make(), script[1024];
	pid_t member;
	int st;

	(void)state;
	snprintf(script, sizeof script, "sleep 100 & echo $! > %s/bg; exec sleep 100", dir);
	st = status_of(
		ARGS(TOOL, "run", "--foreground", "-t", "0.3", "--", "/bin/sh", "-c", script),
		NULL);
	assert_int_equal(subproc_status_exit_code(st), 124);
	member = pid_file(dir, "bg");
	assert_true(member > 1);
	assert_int_equal(kill(member, 0), 0);
	assert_int_equal(getpgid(member), getpgrp()); /* the tool's group, ours */
	kill(member, SIGKILL);
	tempdir_remove(dir);
}

/* -v: a line per signal sent, as timeout -v writes them. */
static void test_tool_stop_verbose(void **state)
{
	subproc_output err = {0};
	int st;

	(void)state;
	st = status_of(ARGS(TOOL, "run", "-v", "-t", "0.2", "-k", "0.2", "--", "/bin/sh", "-c",
	                    IGNORES_TERM),
	               &err);
	assert_true(subproc_status_signaled(st));
	assert_int_equal(subproc_status_signal(st), SIGKILL);
	assert_string_equal(err.data, "subproc: sending signal TERM to command '/bin/sh'\n"
	                              "subproc: sending signal KILL to command '/bin/sh'\n");
	subproc_output_free(&err);
}

/* A report that cannot be created stops everything before the start. */
static void test_tool_stop_json_file_first(void **state)
{
	char *dir = tempdir_make(), json[4096], marker[4096], script[8300];
	subproc_output err = {0};
	int st;

	(void)state;
	snprintf(json, sizeof json, "--json=%s/no/such/dir/report.json", dir);
	snprintf(marker, sizeof marker, "%s/ran", dir);
	snprintf(script, sizeof script, "touch %s", marker);
	st = status_of(ARGS(TOOL, "run", json, "--", "/bin/sh", "-c", script), &err);
	assert_int_equal(subproc_status_exit_code(st), 125);
	assert_non_null(strstr(err.data, "report.json: ENOENT"));
	assert_int_equal(access(marker, F_OK), -1);
	subproc_output_free(&err);
	st = status_of(ARGS(TOOL, "pipe", json, "--", "/bin/sh", "-c", script, "|", "cat"), NULL);
	assert_int_equal(subproc_status_exit_code(st), 125);
	assert_int_equal(access(marker, F_OK), -1);
	tempdir_remove(dir);
}

/* --- under a terminal ----------------------------------------------------- */

struct term {
	subproc_cmd *cmd;
	int master;
	char seen[8192];
	size_t len;
};

/* Starts `script` (sh -c) as a session leader whose terminal is a new
 * pty, as a login shell's children are. */
static bool term_start(struct term *t, const char *shell, const char *script)
{
	int slave, r;

	memset(t, 0, sizeof *t);
	r = pty_open(&t->master, &slave);
	if (r < 0)
		return false;
	assert_int_equal(subproc_cmd_new(&t->cmd, ARGS(shell, "-c", script)), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(subproc_cmd_stdio_fd(t->cmd, i, slave), 0);
	subproc_cmd_attr(t->cmd)->flags |= SUBPROC_SETSID | SUBPROC_SETCTTY;
	subproc_cmd_attr(t->cmd)->ctty = 0;
	/* A hang (a child stopped by SIGTTIN) fails instead of blocking. */
	assert_int_equal(subproc_cmd_timeout(t->cmd, 30000, SIGKILL, 0), 0);
	assert_int_equal(subproc_cmd_start(t->cmd, NULL), 0);
	close(slave);
	return true;
}

/* Reads the terminal until `text` has appeared (true) or it ends. */
static bool term_expect(struct term *t, const char *text)
{
	while (strstr(t->seen, text) == NULL) {
		struct pollfd p = {t->master, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 30000) <= 0)
			return false;
		n = read(t->master, t->seen + t->len, sizeof t->seen - 1 - t->len);
		if (n <= 0)
			return false;
		t->len += (size_t)n;
		t->seen[t->len] = '\0';
	}
	return true;
}

static int term_end(struct term *t)
{
	subproc_status st;

	term_expect(t, "\x01never\x01"); /* drain to the end */
	assert_int_equal(subproc_cmd_wait(t->cmd, &st), 0);
	subproc_cmd_free(t->cmd);
	close(t->master);
	return st.status;
}

/* Runs `script` in sh on a terminal fed `input`; it must exit 0 having
 * printed `done`. */
static void term_script(const char *script, const char *input, const char *done)
{
	struct term t;
	int st;

	if (!term_start(&t, "/bin/sh", script))
		skip_because("no pseudo-terminal");
	assert_int_equal(write(t.master, input, strlen(input)), (ssize_t)strlen(input));
	st = term_end(&t);
	if (!subproc_status_exited(st) || subproc_status_exit_code(st) != 0 ||
	    strstr(t.seen, done) == NULL)
		fail_msg("status %d, terminal: %s", st, t.seen);
}

/* The child reads the terminal: it has it (no SIGTTIN, --pgroup or not),
 * and the terminal comes back, so that a second run in the same shell has
 * it too. */
static void test_tool_stop_terminal_handed_over(void **state)
{
	char script[512];

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	snprintf(script, sizeof script,
	         "%s run --pgroup -- head -c 4 && %s run -t 20 -- head -c 4 && echo both-read",
	         TOOL, TOOL);
	term_script(script, "abc\ndef\n", "both-read");
}

/* Ctrl-C ends the calling script's loop: the tool dies of SIGINT as the
 * child did, and the shell, which the terminal did not reach, gets it as
 * it would have had the child stayed in its group. */
static void test_tool_stop_ctrl_c_ends_a_script(void **state)
{
	struct term t;
	char script[512];
	int st;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	if (access("/bin/bash", X_OK) != 0)
		skip_because("no bash");
	snprintf(script, sizeof script,
	         "for i in 1 2 3; do %s run -- sh -c 'echo ready; exec sleep 100'; echo next; done",
	         TOOL);
	if (!term_start(&t, "/bin/bash", script))
		skip_because("no pseudo-terminal");
	assert_true(term_expect(&t, "ready"));
	assert_int_equal(write(t.master, "\x03", 1), 1);
	st = term_end(&t);
	if (!subproc_status_signaled(st) || subproc_status_signal(st) != SIGINT ||
	    strstr(t.seen, "next") != NULL)
		fail_msg("status %d, terminal: %s", st, t.seen);
}

/* The same for a pipeline: its group gets the terminal. */
static void test_tool_stop_pipe_terminal(void **state)
{
	char script[512];

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	snprintf(script, sizeof script, "%s pipe -- head -c 4 '|' cat && echo piped", TOOL);
	term_script(script, "abc\n", "piped");
}

/* Ctrl-Z stops the child, which holds the terminal; the tool stops too,
 * with the terminal back in its group, so that the calling shell sees the
 * job stopped. Continued, it gives the terminal back and the child reads. */
static void test_tool_stop_ctrl_z(void **state)
{
	struct term t;
	char script[512];
	pid_t shell;
	int st;

	(void)state;
	need_linux_build("controlling-terminal ioctl");
	snprintf(script, sizeof script,
	         "%s run -- sh -c 'echo ready; read x; echo got-$x'; echo tool-$?", TOOL);
	if (!term_start(&t, "/bin/sh", script))
		skip_because("no pseudo-terminal");
	shell = subproc_pid(subproc_cmd_proc(t.cmd));
	assert_true(term_expect(&t, "ready"));
	assert_int_equal(write(t.master, "\x1a", 1), 1);
	/* The tool, in the shell's group, stops and takes the terminal. */
	assert_true(group_has_stopped(shell));
	assert_int_equal(tcgetpgrp(t.master), shell);
	/* What fg does: the terminal is the job's, then SIGCONT. */
	assert_int_equal(kill(-shell, SIGCONT), 0);
	assert_int_equal(write(t.master, "hi\n", 3), 3);
	st = term_end(&t);
	if (!subproc_status_exited(st) || strstr(t.seen, "got-hi") == NULL ||
	    strstr(t.seen, "tool-0") == NULL)
		fail_msg("status %d, terminal: %s", st, t.seen);
}

TEST_MAIN(cmocka_unit_test(test_tool_stop_as_gnu_timeout),
          cmocka_unit_test(test_tool_stop_no_survivor), cmocka_unit_test(test_tool_stop_foreground),
          cmocka_unit_test(test_tool_stop_verbose),
          cmocka_unit_test(test_tool_stop_json_file_first),
          cmocka_unit_test(test_tool_stop_terminal_handed_over),
          cmocka_unit_test(test_tool_stop_ctrl_c_ends_a_script),
          cmocka_unit_test(test_tool_stop_pipe_terminal), cmocka_unit_test(test_tool_stop_ctrl_z))
