/* SPDX-License-Identifier: MIT */
/*
 * The option parser of `subproc run` and `subproc pipe`: durations as GNU
 * timeout takes them, --foreground, --preserve-status and -v, the error
 * messages for bad options, --rlimit's prlimit forms seen from the child,
 * the literal-bar argument of pipe, and the isolation options' parsing.
 * Mostly through the tool, as its caller sees it; the parser is also linked
 * in (src/tool/options.c, isolation.c, seccomp_*.c) for what only it can
 * show: the milliseconds a duration rounds to, tool_is_separator, the
 * subproc_isolation the options become and the seccomp filter, run here
 * on a small classic BPF interpreter and, on x86_64, by the kernel; and the
 * values the cgroup options write (tests/test_tool_cgroup.c runs them).
 */
#include "json.h"
#include "support.h"
#include "tool.h"
#include "tool_run.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#ifdef __linux__
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif
#define TOOL SUBPROC_TEST_TOOL

/* A child that a timeout that does not fire lets run too long for a test to
 * wait: a failing check shows as exit 0 after this, not as a hang. */
#define SLEEPS_LONG "10"

static const char *text_of(const subproc_output *o)
{
	return o->data != NULL ? o->data : "";
}

/* The tool with `args` exits `code`, with exactly `err` on stderr. */
static void expect(const char *const *args, int code, const char *err)
{
	struct result r;

	tool(&r, args);
	if (r.code != code || strcmp(text_of(&r.err), err) != 0)
		fprintf(stderr, "%s %s ...: exit %d, stderr:\n%s", args[0], args[1] ? args[1] : "",
		        r.code, text_of(&r.err));
	assert_int_equal(r.code, code);
	assert_string_equal(text_of(&r.err), err);
	result_free(&r);
}

/* A usage error of `cmd`: exit 125, the message and the hint after it. */
static void expect_usage(const char *const *args, const char *cmd, const char *msg)
{
	char want[512];

	snprintf(want, sizeof want, "subproc: %s: %s\nTry 'subproc %s --help'.\n", cmd, msg, cmd);
	expect(args, 125, want);
}

/* `subproc run --json -t DURATION -- CMD...`: whether the timeout fired,
 * from the exit status and the report both. */
static bool times_out(const char *duration, const char *const *cmd)
{
	const char *args[32] = {"run", "--json", "-t", duration, "--"};
	struct result r;
	struct json *j;
	const struct json *t;
	size_t n = 5;
	bool fired;

	for (size_t i = 0; cmd[i] != NULL; i++)
		args[n++] = cmd[i];
	args[n] = NULL;
	tool(&r, args);
	j = json_parse(text_of(&r.err));
	if (j == NULL)
		fprintf(stderr, "-t %s: exit %d, stderr: %s\n", duration, r.code, text_of(&r.err));
	assert_non_null(j);
	t = json_get(j, "timed_out");
	assert_non_null(t);
	assert_int_equal(t->type, JSON_BOOL);
	fired = t->boolean;
	if (fired != (r.code == 124))
		fail_msg("-t %s: timed_out %d but exit %d", duration, fired, r.code);
	json_free(j);
	result_free(&r);
	return fired;
}

/* --- durations ------------------------------------------------------------ */

static void test_tool_options_duration_suffixes(void **state)
{
	(void)state;
	/* Each is about a tenth of a second; none may be taken for 0. */
	assert_true(times_out("0.1", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("0.1s", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("0.002m", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("0.00003h", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("0.000001d", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("1e-1", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out(".1", ARGS("sleep", SLEEPS_LONG)));
	/* Far below a millisecond: still a timeout (of 1 ms). */
	assert_true(times_out("1e-9", ARGS("sleep", SLEEPS_LONG)));
	assert_true(times_out("0.0000001s", ARGS("sleep", SLEEPS_LONG)));
}

static void test_tool_options_duration_zero_is_none(void **state)
{
	(void)state;
	assert_false(times_out("0", ARGS("sleep", "0.2")));
	assert_false(times_out("0m", ARGS("sleep", "0.2")));
	assert_false(times_out("0.0d", ARGS("sleep", "0.2")));
	assert_false(times_out("-0", ARGS("sleep", "0.2")));
	/* Huge ones clamp, rather than fail or wrap round to 0 or less. */
	assert_false(times_out("1e30", ARGS("sleep", "0.2")));
	assert_false(times_out("inf", ARGS("sleep", "0.2")));
	assert_false(times_out("99999999d", ARGS("sleep", "0.2")));
}

static void test_tool_options_duration_invalid(void **state)
{
	static const char *const bad[] = {"soon", "1x", "1ss", "1 s", "-1", "-0.5m",
	                                  "",     "s",  "nan", "1m2", "0x", "5sec"};
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(want, sizeof want, "subproc: --timeout: invalid duration: '%s'\n", bad[i]);
		expect(ARGS("run", "-t", bad[i], "--", "true"), 125, want);
		snprintf(want, sizeof want, "subproc: --kill-after: invalid duration: '%s'\n",
		         bad[i]);
		expect(ARGS("run", "--kill-after", bad[i], "--", "true"), 125, want);
	}
	expect(ARGS("pipe", "--timeout=soon", "--", "true"), 125,
	       "subproc: --timeout: invalid duration: 'soon'\n");
}

static void test_tool_options_kill_after(void **state)
{
	struct result r;

	(void)state;
	expect(ARGS("run", "-k", "1m", "--", "true"), 0, "");
	expect(ARGS("run", "-k", "2.5h", "-t", "1d", "--", "true"), 0, "");
	expect(ARGS("run", "-k", "0", "--", "true"), 0, "");
	/* -k with a suffix reaches a child that ignores the signal. */
	tool(&r, ARGS("run", "-t", "0.1", "-k", "0.003m", "--", "sh", "-c",
	              "trap '' TERM; sleep " SLEEPS_LONG));
	assert_int_equal(r.code, 1000 + SIGKILL);
	result_free(&r);
	/* -k 0: no SIGKILL, as without -k: the child ends of its own. */
	tool(&r, ARGS("run", "-t", "0.1", "-k", "0s", "--", "sh", "-c",
	              "trap '' TERM; sleep 1; exit 4"));
	assert_int_equal(r.code, 124);
	result_free(&r);
}

/* What only the parser shows: the milliseconds kept. */
static int parsed_ms(const char *opt, const char *value, bool kill_after)
{
	char *argv[] = {"run", (char *)opt, (char *)value, "--", "true", NULL};
	struct tool_opts o;
	int ms;

	assert_int_equal(tool_parse("run", 5, argv, &o), 0);
	ms = kill_after ? o.kill_after_ms : o.timeout_ms;
	tool_opts_free(&o);
	return ms;
}

static void test_tool_options_duration_milliseconds(void **state)
{
	char *argv[] = {"run", "--", "true", NULL};
	struct tool_opts o;

	(void)state;
	assert_int_equal(parsed_ms("-t", "0.1s", false), 100);
	assert_int_equal(parsed_ms("-t", "2", false), 2000);
	assert_int_equal(parsed_ms("-t", "1m", false), 60000);
	assert_int_equal(parsed_ms("-t", "1.5h", false), 5400000);
	assert_int_equal(parsed_ms("-t", "1d", false), 86400000);
	assert_int_equal(parsed_ms("-t", "0.0004", false), 1);
	assert_int_equal(parsed_ms("-t", "1e-300", false), 1);
	assert_int_equal(parsed_ms("-t", "0.0026", false), 3);
	assert_int_equal(parsed_ms("-t", "0", false), 0);
	assert_int_equal(parsed_ms("-t", "-0", false), 0);
	assert_int_equal(parsed_ms("-t", "25d", false), INT_MAX);
	assert_int_equal(parsed_ms("-t", "1e400", false), INT_MAX);
	assert_int_equal(parsed_ms("--timeout", "inf", false), INT_MAX);
	assert_int_equal(parsed_ms("-k", "3s", true), 3000);
	assert_int_equal(parsed_ms("-k", "1e-9", true), 1);
	assert_int_equal(parsed_ms("-k", "0", true), -1);
	assert_int_equal(parsed_ms("--kill-after", "0h", true), -1);
	/* No -k, no SIGKILL. */
	assert_int_equal(tool_parse("run", 3, argv, &o), 0);
	assert_int_equal(o.kill_after_ms, -1);
	assert_int_equal(o.timeout_ms, 0);
	tool_opts_free(&o);
}

/* --- --foreground, --preserve-status, -v, --pgroup ------------------------ */

/* The probe run through `subproc run OPTS --`: its report. */
static void run_probe(struct report *rep, const char *const *opts)
{
	const char *args[32] = {"run"};
	struct result r;
	size_t n = 1;

	for (size_t i = 0; opts[i] != NULL; i++)
		args[n++] = opts[i];
	args[n++] = "--";
	args[n++] = PROBE;
	args[n] = NULL;
	tool(&r, args);
	if (r.code != 0)
		fprintf(stderr, "tool exited %d: %s\n", r.code, text_of(&r.err));
	assert_int_equal(r.code, 0);
	memset(rep, 0, sizeof *rep);
	assert_int_equal(report_parse_text(r.out.data, r.out.len, rep), 0);
	result_free(&r);
}

static void test_tool_options_process_group(void **state)
{
	struct report rep;

	(void)state;
	/* --foreground: the tool's group, which is ours. */
	run_probe(&rep, ARGS("--foreground"));
	assert_true(report_is_long(&rep, "pgid", (long long)getpgrp()));
	report_free(&rep);
	/* By default, and with --pgroup, a group of its own. */
	run_probe(&rep, ARGS("-C", "/"));
	assert_true(report_is_long(&rep, "pgid", report_long(&rep, "pid")));
	report_free(&rep);
	run_probe(&rep, ARGS("--pgroup"));
	assert_true(report_is_long(&rep, "pgid", report_long(&rep, "pid")));
	report_free(&rep);

	expect(ARGS("run", "--foreground", "--setsid", "--", "true"), 125,
	       "subproc: --foreground: not with --setsid (it keeps the child in subproc's "
	       "process group)\n");
	expect(ARGS("run", "--pgroup", "--foreground", "--", "true"), 125,
	       "subproc: --foreground: not with --pgroup (it keeps the child in subproc's "
	       "process group)\n");
	expect(ARGS("pipe", "--foreground", "--", "true", "|", "cat"), 125,
	       "subproc: --foreground: a pipeline is always one process group of its own\n");
}

static void test_tool_options_preserve_status(void **state)
{
	(void)state;
	expect(ARGS("run", "-t", "0.1", "--", "sleep", SLEEPS_LONG), 124, "");
	expect(ARGS("run", "--preserve-status", "-t", "0.1", "--", "sleep", SLEEPS_LONG),
	       128 + SIGTERM, "");
	expect(ARGS("run", "--preserve-status", "-t", "0.1", "--", "sh", "-c",
	            "trap 'exit 7' TERM; sleep " SLEEPS_LONG " & wait"),
	       7, "");
}

static void test_tool_options_verbose(void **state)
{
	(void)state;
	expect(ARGS("run", "-v", "-t", "0.1", "--", "sleep", SLEEPS_LONG), 124,
	       "subproc: sending signal TERM to command 'sleep'\n");
	expect(ARGS("run", "--verbose", "-s", "INT", "-t", "0.1", "--", "sleep", SLEEPS_LONG), 124,
	       "subproc: sending signal INT to command 'sleep'\n");
	expect(ARGS("run", "-t", "0.1", "--", "sleep", SLEEPS_LONG), 124, "");
	expect(ARGS("run", "-v", "--", "true"), 0, "");
}

static void test_tool_options_help(void **state)
{
	static const char *const run_has[] = {
		"-t, --timeout DURATION",
		"-k, --kill-after DURATION",
		"suffix s (seconds, the default), m (minutes), h (hours) or d",
		"--foreground         the child stays in subproc's process group and",
		"only it is signalled, as timeout --foreground",
		"--preserve-status    exit as the child even when the timeout fired",
		"-v, --verbose            a line on stderr per signal sent",
		"--pgroup             run in a new process group: the default; kept",
		"runs in a process group of its",
		"the terminal is handed\nto the child's group while it runs",
		"NAME=SOFT:HARD, NAME=SOFT:, NAME=:HARD, NAME=VALUE",
	};
	struct result r;

	(void)state;
	tool(&r, ARGS("run", "--help"));
	assert_int_equal(r.code, 0);
	for (size_t i = 0; i < sizeof run_has / sizeof run_has[0]; i++) {
		if (strstr(text_of(&r.out), run_has[i]) == NULL)
			fail_msg("run --help lacks \"%s\":\n%s", run_has[i], text_of(&r.out));
	}
	assert_null(strstr(text_of(&r.out), "(default 5)"));
	result_free(&r);
	tool(&r, ARGS("pipe", "--help"));
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(text_of(&r.out), "An argument that is exactly \\| (backslash, bar) "
	                                        "is no separator"));
	assert_null(strstr(text_of(&r.out), "--foreground"));
	result_free(&r);
}

/* --- option errors --------------------------------------------------------- */

static void test_tool_options_errors(void **state)
{
	(void)state;
	expect_usage(ARGS("run", "--timeout"), "run", "option --timeout needs a value");
	expect_usage(ARGS("run", "-C", "/", "--rlimit"), "run", "option --rlimit needs a value");
	expect_usage(ARGS("run", "-t"), "run", "option -t needs a value");
	expect_usage(ARGS("run", "-it"), "run", "option -t needs a value");
	expect_usage(ARGS("pipe", "--sig"), "pipe", "option --signal needs a value");
	expect_usage(ARGS("run", "--s", "x", "--", "true"), "run",
	             "option --s is ambiguous (--stdin, --stdout, --stderr, --setsid, --setgroups, "
	             "--seccomp-deny, --signal)");
	expect_usage(ARGS("run", "--st=x", "--", "true"), "run",
	             "option --st is ambiguous (--stdin, --stdout, --stderr)");
	expect_usage(
		ARGS("pipe", "--p", "--", "true"), "pipe",
		"option --p is ambiguous (--pgroup, --pids-max, --preserve-status, --pipefail)");
	expect_usage(ARGS("run", "--frob", "--", "true"), "run", "unknown option --frob");
	expect_usage(ARGS("run", "--frob=1", "--", "true"), "run", "unknown option --frob");
	expect_usage(ARGS("run", "--no-such-option", "--", "true"), "run",
	             "unknown option --no-such-option");
	expect_usage(ARGS("run", "-x", "--", "true"), "run", "unknown option -x");
	expect_usage(ARGS("run", "--append", "-vx", "--", "true"), "run", "unknown option -x");
	expect_usage(ARGS("run", "--append=yes", "--", "true"), "run",
	             "option --append takes no value");
	expect_usage(ARGS("run", "--fore=1", "--", "true"), "run",
	             "option --foreground takes no value");
	/* A unique abbreviation and an exact name are no errors. */
	expect(ARGS("run", "--time", "0", "--pres", "--verb", "--", "true"), 0, "");
	expect(ARGS("run", "--json=/dev/null", "--", "true"), 0, "");
	/* Bad values name the option. */
	expect(ARGS("run", "-s", "NOPE", "--", "true"), 125,
	       "subproc: --signal: not a signal: NOPE\n");
}

/* --- --rlimit ------------------------------------------------------------- */

static const char *rlim_text(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* The child's soft and hard nofile limits under `--rlimit spec` are
 * `soft` and `hard`. */
static void child_nofile_is(const char *spec, rlim_t soft, rlim_t hard)
{
	char want[80], a[32], b[32];
	struct result r;

	tool(&r, ARGS("run", "--rlimit", spec, "--", "sh", "-c", "ulimit -Sn; ulimit -Hn"));
	if (r.code != 0)
		fprintf(stderr, "--rlimit %s: exit %d: %s", spec, r.code, text_of(&r.err));
	assert_int_equal(r.code, 0);
	snprintf(want, sizeof want, "%s\n%s\n", rlim_text(soft, a, sizeof a),
	         rlim_text(hard, b, sizeof b));
	if (strcmp(text_of(&r.out), want) != 0)
		fail_msg("--rlimit %s: the child has %s, not %s", spec, text_of(&r.out), want);
	result_free(&r);
}

static void test_tool_options_rlimit_forms(void **state)
{
	struct rlimit now;
	rlim_t hard;
	char spec[64];

	(void)state;
	/* Limits of our own with soft below hard, so that keeping either
	 * shows; only this test's process has them. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	hard = now.rlim_max == RLIM_INFINITY || now.rlim_max > 1000 ? 1000 : now.rlim_max;
	if (hard < 200)
		skip_because("the nofile hard limit is below 200");
	now.rlim_max = hard;
	now.rlim_cur = hard / 2;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &now), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);

	snprintf(spec, sizeof spec, "nofile=:%llu", (unsigned long long)(now.rlim_max - 10));
	child_nofile_is(spec, now.rlim_cur, now.rlim_max - 10);
	child_nofile_is("nofile=60:", 60, now.rlim_max);
	child_nofile_is("nofile=70", 70, 70);
	child_nofile_is("nofile=50:80", 50, 80);
	child_nofile_is("NOFILE=51:81", 51, 81);
	child_nofile_is("NoFile=52:", 52, now.rlim_max);
	child_nofile_is("RLIMIT_NOFILE=53:82", 53, 82);
	child_nofile_is("rlimit_nofile=54", 54, 54);
}

static void test_tool_options_rlimit_unlimited(void **state)
{
	struct rlimit now;
	struct result r;
	char want[80], a[32];

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_CORE, &now), 0);
	if (now.rlim_max != RLIM_INFINITY)
		skip_because("the core hard limit is not unlimited");
	tool(&r, ARGS("run", "--rlimit", "core=0:", "--", "sh", "-c", "ulimit -Sc; ulimit -Hc"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), "0\nunlimited\n");
	result_free(&r);
	/* The soft limit not given stays ours. */
	snprintf(want, sizeof want, "%s\nunlimited\n", rlim_text(now.rlim_cur, a, sizeof a));
	tool(&r,
	     ARGS("run", "--rlimit", "CORE=:Infinity", "--", "sh", "-c", "ulimit -Sc; ulimit -Hc"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), want);
	result_free(&r);
	tool(&r,
	     ARGS("run", "--rlimit", "core=unlimited", "--", "sh", "-c", "ulimit -Sc; ulimit -Hc"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), "unlimited\nunlimited\n");
	result_free(&r);
}

static void test_tool_options_rlimit_errors(void **state)
{
	struct rlimit now;
	char spec[64], want[256], a[32], b[32];

	(void)state;
	expect(ARGS("run", "--rlimit", "nofile", "--", "true"), 125,
	       "subproc: --rlimit: expected NAME=SOFT:HARD, NAME=SOFT:, NAME=:HARD or NAME=VALUE, "
	       "got 'nofile'\n");
	expect(ARGS("run", "--rlimit", "=5", "--", "true"), 125,
	       "subproc: --rlimit: expected NAME=SOFT:HARD, NAME=SOFT:, NAME=:HARD or NAME=VALUE, "
	       "got '=5'\n");
	expect(ARGS("run", "--rlimit", "files=5", "--", "true"), 125,
	       "subproc: --rlimit: unknown resource 'files' in 'files=5'\n");
	expect(ARGS("run", "--rlimit", "RLIMIT_=5", "--", "true"), 125,
	       "subproc: --rlimit: unknown resource 'RLIMIT_' in 'RLIMIT_=5'\n");
	expect(ARGS("run", "--rlimit", "nofile=", "--", "true"), 125,
	       "subproc: --rlimit: no limit given in 'nofile='\n");
	expect(ARGS("run", "--rlimit", "nofile=:", "--", "true"), 125,
	       "subproc: --rlimit: no limit given in 'nofile=:'\n");
	expect(ARGS("run", "--rlimit", "nofile=lots", "--", "true"), 125,
	       "subproc: --rlimit: bad limit 'lots' in 'nofile=lots'\n");
	expect(ARGS("run", "--rlimit", "nofile=-1", "--", "true"), 125,
	       "subproc: --rlimit: bad limit '-1' in 'nofile=-1'\n");
	expect(ARGS("run", "--rlimit", "nofile=x:5", "--", "true"), 125,
	       "subproc: --rlimit: bad soft limit 'x' in 'nofile=x:5'\n");
	expect(ARGS("run", "--rlimit", "nofile=5:y", "--", "true"), 125,
	       "subproc: --rlimit: bad hard limit 'y' in 'nofile=5:y'\n");
	expect(ARGS("run", "--rlimit", "nofile=1:2:3", "--", "true"), 125,
	       "subproc: --rlimit: bad hard limit '2:3' in 'nofile=1:2:3'\n");
	expect(ARGS("run", "--rlimit", "nofile=9:8", "--", "true"), 125,
	       "subproc: --rlimit: the soft limit 9 is above the hard limit 8 in 'nofile=9:8'\n");
	/* :HARD below the soft limit we have: the one kept is named. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
	if (now.rlim_cur < 20)
		skip_because("the nofile soft limit is below 20");
	snprintf(spec, sizeof spec, "nofile=:%llu", (unsigned long long)now.rlim_cur - 1);
	snprintf(want, sizeof want,
	         "subproc: --rlimit: the soft limit %s is above the hard limit %s in '%s' (the "
	         "limit not given is subproc's own)\n",
	         rlim_text(now.rlim_cur, a, sizeof a), rlim_text(now.rlim_cur - 1, b, sizeof b),
	         spec);
	expect(ARGS("run", "--rlimit", spec, "--", "true"), 125, want);
}

/* --- pipe: a literal bar -------------------------------------------------- */

static void test_tool_options_separator(void **state)
{
	char bar[] = "|", escaped[] = "\\|", twice[] = "\\\\|", inside[] = "a|b", two[] = "||";
	char *arg;

	(void)state;
	arg = bar;
	assert_true(tool_is_separator(&arg));
	assert_ptr_equal(arg, bar);
	arg = escaped;
	assert_false(tool_is_separator(&arg));
	assert_string_equal(arg, "|");
	assert_ptr_not_equal(arg, escaped);
	assert_string_equal(escaped, "\\|"); /* the argument itself unchanged */
	/* Only exactly "\|": the rest are left alone. */
	arg = twice;
	assert_false(tool_is_separator(&arg));
	assert_ptr_equal(arg, twice);
	arg = inside;
	assert_false(tool_is_separator(&arg));
	assert_ptr_equal(arg, inside);
	arg = two;
	assert_false(tool_is_separator(&arg));
	assert_ptr_equal(arg, two);
}

/* Through the tool: `pipe` splits its stages with tool_is_separator. */
static void test_tool_options_pipe_literal_bar(void **state)
{
	struct result r;

	(void)state;
	tool(&r, ARGS("pipe", "--", "echo", "a", "\\|", "b", "|", "cat"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), "a | b\n");
	result_free(&r);
	tool(&r, ARGS("pipe", "--", "echo", "\\\\|", "|", "cat"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), "\\\\|\n");
	result_free(&r);
	/* A stage of only a literal bar is a stage: its program is "|". */
	tool(&r, ARGS("pipe", "--", "true", "|", "\\|"));
	assert_int_equal(r.code, 127);
	result_free(&r);
}

/* --- isolation: unshare(1) and setpriv(1) spellings ------------------------ */

/* tool_parse of `run OPTS -- true` into *o, which must succeed. */
static void parse_ok(struct tool_opts *o, const char *const *opts)
{
	char *argv[32] = {"run"};
	int n = 1;

	for (size_t i = 0; opts[i] != NULL; i++)
		argv[n++] = (char *)opts[i];
	argv[n++] = "--";
	argv[n++] = "true";
	argv[n] = NULL;
	if (tool_parse("run", n, argv, o) != 0)
		fail_msg("tool_parse refused %s ...", opts[0]);
}

/* The parsed isolation of `run OPTS -- true`, as the library will get it:
 * through tool_apply, so that the attr's pointer is checked too. */
static void parse_iso(struct tool_opts *o, const char *const *opts)
{
	const char *const argv[] = {"true", NULL};
	subproc_cmd *cmd;

	parse_ok(o, opts);
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_int_equal(tool_apply(o, cmd, true, true), 0);
	assert_ptr_equal(subproc_cmd_attr(cmd)->isolation, o->isolate ? &o->iso : NULL);
	subproc_cmd_free(cmd);
}

static void assert_map(const subproc_idmap *map, size_t n, unsigned inside, unsigned outside)
{
	assert_int_equal(n, 1);
	assert_non_null(map);
	assert_int_equal(map->inside, inside);
	assert_int_equal(map->outside, outside);
	assert_int_equal(map->count, 1);
}

static void test_tool_options_unshare_maps(void **state)
{
	unsigned euid = (unsigned)geteuid(), egid = (unsigned)getegid();
	struct tool_opts o;

	(void)state;
	parse_iso(&o, ARGS("-C", "/"));
	assert_false(o.isolate);
	tool_opts_free(&o);

	parse_iso(&o, ARGS("--unshare", "net,uts", "--unshare", "ipc"));
	assert_true(o.isolate);
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_NET | SUBPROC_NS_UTS | SUBPROC_NS_IPC);
	assert_int_equal(o.iso.nuid_map + o.iso.ngid_map, 0);
	assert_int_equal(o.iso.setgroups, SUBPROC_SETGROUPS_DEFAULT);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--unshare=user,pid,mount,net,uts,ipc,cgroup,time"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_USER | SUBPROC_NS_PID | SUBPROC_NS_MOUNT |
	                                           SUBPROC_NS_NET | SUBPROC_NS_UTS |
	                                           SUBPROC_NS_IPC | SUBPROC_NS_CGROUP |
	                                           SUBPROC_NS_TIME);
	tool_opts_free(&o);
	/* /proc/PID/ns's name for it. */
	parse_iso(&o, ARGS("--unshare", "mnt"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_MOUNT);
	tool_opts_free(&o);

	/* unshare -r: 0 inside for our effective ids, setgroups left to the
	 * library's default (deny, with a gid map), user implied. */
	parse_iso(&o, ARGS("--map-root-user"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_USER);
	assert_map(o.iso.uid_map, o.iso.nuid_map, 0, euid);
	assert_map(o.iso.gid_map, o.iso.ngid_map, 0, egid);
	assert_int_equal(o.iso.setgroups, SUBPROC_SETGROUPS_DEFAULT);
	tool_opts_free(&o);
	/* The last option to set a map wins, as in unshare. */
	parse_iso(&o, ARGS("--map-root-user", "--map-user", "5"));
	assert_map(o.iso.uid_map, o.iso.nuid_map, 5, euid);
	assert_map(o.iso.gid_map, o.iso.ngid_map, 0, egid);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--map-user=5", "--map-root-user"));
	assert_map(o.iso.uid_map, o.iso.nuid_map, 0, euid);
	tool_opts_free(&o);
	/* One map alone: only that one is written. */
	parse_iso(&o, ARGS("--map-user", "1000"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_USER);
	assert_map(o.iso.uid_map, o.iso.nuid_map, 1000, euid);
	assert_int_equal(o.iso.ngid_map, 0);
	assert_null(o.iso.gid_map);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--map-group", "2000", "--setgroups", "allow"));
	assert_int_equal(o.iso.nuid_map, 0);
	assert_map(o.iso.gid_map, o.iso.ngid_map, 2000, egid);
	assert_int_equal(o.iso.setgroups, SUBPROC_SETGROUPS_ALLOW);
	tool_opts_free(&o);
	/* Names, from the user database, as unshare takes them. */
	parse_iso(&o, ARGS("--map-user", "root", "--map-group", "root"));
	assert_map(o.iso.uid_map, o.iso.nuid_map, 0, euid);
	assert_map(o.iso.gid_map, o.iso.ngid_map, 0, egid);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--unshare", "user", "--setgroups", "deny"));
	assert_int_equal(o.iso.setgroups, SUBPROC_SETGROUPS_DENY);
	tool_opts_free(&o);

	/* What the other options imply. */
	parse_iso(&o, ARGS("--mount-proc"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_PID | SUBPROC_NS_MOUNT);
	assert_int_equal(o.iso.flags, SUBPROC_MOUNT_PROC);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--hostname", "box"));
	assert_int_equal(o.iso.namespaces, SUBPROC_NS_UTS);
	assert_string_equal(o.iso.hostname, "box");
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--no-new-privs"));
	assert_int_equal(o.iso.namespaces, 0);
	assert_int_equal(o.iso.flags, SUBPROC_NO_NEW_PRIVS);
	tool_opts_free(&o);
}

/* A CapBnd-style mask of every capability the kernel has. */
static unsigned long long caps_all(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = -1;

	if (f != NULL) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	if (last < 0)
		skip_because("no /proc/sys/kernel/cap_last_cap");
	return last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
}

static unsigned long long caps_bounding(void)
{
	char line[256];
	unsigned long long set = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "re");

	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = sscanf(line, "CapBnd: %llx", &set) == 1;
	fclose(f);
	assert_true(found);
	return set;
}

static void test_tool_options_capabilities(void **state)
{
#ifdef __linux__
	unsigned long long all = caps_all(), bnd = caps_bounding();
	struct tool_opts o;
	struct result r;
	char *line, *save = NULL;
	size_t n = 0;

	(void)state;
	/* setpriv's names, CAP_ names in any case, and cap_N. */
	parse_iso(&o, ARGS("--ambient-caps", "+net_raw,+CAP_CHOWN,+Kill,-kill", "--ambient-caps",
	                   "+cap_12"));
	assert_int_equal(o.iso.ambient, SUBPROC_CAP(CAP_NET_RAW) | SUBPROC_CAP(CAP_CHOWN) |
	                                        SUBPROC_CAP(CAP_NET_ADMIN));
	assert_int_equal(o.iso.namespaces, 0);
	assert_int_equal(o.iso.flags, 0);
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--ambient-caps", "+all,-all,+setuid"));
	assert_int_equal(o.iso.ambient, SUBPROC_CAP(CAP_SETUID));
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--ambient-caps", "+all"));
	assert_int_equal(o.iso.ambient, all);
	tool_opts_free(&o);

	/* The bounding set: from ours, or from all in a new user namespace,
	 * applied in order over repeats. */
	parse_iso(&o, ARGS("--bounding-set", "-net_raw"));
	assert_int_equal(o.iso.flags, SUBPROC_BOUNDING_SET);
	assert_int_equal(o.iso.bounding, bnd & ~SUBPROC_CAP(CAP_NET_RAW));
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--bounding-set", "-all,+net_raw", "--bounding-set", "+kill,-net_raw"));
	assert_int_equal(o.iso.bounding, SUBPROC_CAP(CAP_KILL));
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--bounding-set", "-net_raw", "--map-root-user"));
	assert_int_equal(o.iso.bounding, all & ~SUBPROC_CAP(CAP_NET_RAW));
	tool_opts_free(&o);
	parse_iso(&o, ARGS("--bounding-set", "-all"));
	assert_int_equal(o.iso.flags, SUBPROC_BOUNDING_SET);
	assert_int_equal(o.iso.bounding, 0);
	tool_opts_free(&o);

	/* Every name the list prints is taken, as the number the header
	 * gives it, and named back. */
	tool(&r, ARGS("--list", "capabilities"));
	assert_int_equal(r.code, 0);
	for (line = strtok_r(r.out.data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		const char *arg[] = {"--ambient-caps", NULL, NULL};
		char plus[64];

		snprintf(plus, sizeof plus, "+%s", line);
		arg[1] = plus;
		parse_ok(&o, arg);
		assert_int_equal(__builtin_popcountll(o.iso.ambient), 1);
		assert_string_equal(tool_capability_name(__builtin_ctzll(o.iso.ambient)), line);
		tool_opts_free(&o);
	}
	assert_int_equal(n, CAP_LAST_CAP + 1);
	result_free(&r);
	assert_string_equal(tool_capability_name(CAP_NET_RAW), "net_raw");
	assert_string_equal(tool_capability_name(CAP_SYS_ADMIN), "sys_admin");
	assert_string_equal(tool_capability_name(0), "chown");
	assert_null(tool_capability_name(64));
#else
	(void)state;
	skip_because("capabilities are Linux's");
#endif
}

static void test_tool_options_isolation_errors(void **state)
{
	char want[256];

	(void)state;
	expect(ARGS("run", "--unshare", "user,nope", "--", "true"), 125,
	       "subproc: --unshare: unknown namespace 'nope' in 'user,nope' (expected user, pid, "
	       "mount, net, uts, ipc, cgroup or time)\n");
	expect(ARGS("run", "--unshare", "", "--", "true"), 125,
	       "subproc: --unshare: unknown namespace '' in '' (expected user, pid, mount, net, "
	       "uts, ipc, cgroup or time)\n");
	expect(ARGS("run", "--unshare", "net,,uts", "--", "true"), 125,
	       "subproc: --unshare: unknown namespace '' in 'net,,uts' (expected user, pid, mount, "
	       "net, uts, ipc, cgroup or time)\n");
	expect(ARGS("run", "--unshare", "NET", "--", "true"), 125,
	       "subproc: --unshare: unknown namespace 'NET' in 'NET' (expected user, pid, mount, "
	       "net, uts, ipc, cgroup or time)\n");
	/* --map-user and --map-group without a name or number. */
	expect_usage(ARGS("run", "--map-user"), "run", "option --map-user needs a value");
	expect_usage(ARGS("run", "--map-group"), "run", "option --map-group needs a value");
	expect(ARGS("run", "--map-user", "", "--", "true"), 125,
	       "subproc: --map-user: expected a user name or number, got ''\n");
	expect(ARGS("run", "--map-group=", "--", "true"), 125,
	       "subproc: --map-group: expected a group name or number, got ''\n");
	expect(ARGS("run", "--map-user", "no-such-user-here", "--", "true"), 125,
	       "subproc: --map-user: no such user: no-such-user-here\n");
	expect(ARGS("run", "--map-group", "no-such-group-here", "--", "true"), 125,
	       "subproc: --map-group: no such group: no-such-group-here\n");
	expect(ARGS("run", "--map-user", "4294967295", "--", "true"), 125,
	       "subproc: --map-user: bad number: 4294967295\n");
	expect_usage(ARGS("run", "--map-root-user=0", "--", "true"), "run",
	             "option --map-root-user takes no value");
	/* unshare's --mount-proc=DIR: ours mounts /proc only. */
	expect_usage(ARGS("run", "--mount-proc=/mnt", "--", "true"), "run",
	             "option --mount-proc takes no value");
	expect(ARGS("run", "--setgroups", "yes", "--unshare", "user", "--", "true"), 125,
	       "subproc: --setgroups: expected allow or deny, got 'yes'\n");
	expect(ARGS("run", "--setgroups", "deny", "--", "true"), 125,
	       "subproc: --setgroups: only for a new user namespace (--unshare user, "
	       "--map-root-user, --map-user or --map-group)\n");
	expect(ARGS("run", "--setgroups", "deny", "--unshare", "net", "--", "true"), 125,
	       "subproc: --setgroups: only for a new user namespace (--unshare user, "
	       "--map-root-user, --map-user or --map-group)\n");
	expect(ARGS("run", "--hostname", "", "--", "true"), 125,
	       "subproc: --hostname: expected 1 to 64 bytes, got ''\n");
	snprintf(want, sizeof want, "subproc: --hostname: expected 1 to 64 bytes, got '%065d'\n",
	         0);
	expect(ARGS("run", "--hostname",
	            "00000000000000000000000000000000000000000000000000000000000000000", "--",
	            "true"),
	       125, want);
	/* Capabilities, in setpriv's words where setpriv refuses too. */
	expect(ARGS("run", "--ambient-caps", "net_raw", "--", "true"), 125,
	       "subproc: --ambient-caps: expected +CAP or -CAP, got 'net_raw' in 'net_raw'\n");
	expect(ARGS("run", "--ambient-caps", "+net_raw,", "--", "true"), 125,
	       "subproc: --ambient-caps: expected +CAP or -CAP, got '' in '+net_raw,'\n");
	expect(ARGS("run", "--bounding-set", "+", "--", "true"), 125,
	       "subproc: --bounding-set: expected +CAP or -CAP, got '+' in '+'\n");
	expect(ARGS("run", "--ambient-caps", "+bogus", "--", "true"), 125,
	       "subproc: --ambient-caps: unknown capability 'bogus' (subproc --list capabilities "
	       "names them)\n");
	expect(ARGS("run", "--bounding-set", "-all,+cap_net_rawx", "--", "true"), 125,
	       "subproc: --bounding-set: unknown capability 'cap_net_rawx' (subproc --list "
	       "capabilities names them)\n");
	/* cap_N only up to the kernel's last capability. */
	expect(ARGS("run", "--bounding-set", "-cap_64", "--", "true"), 125,
	       "subproc: --bounding-set: unknown capability 'cap_64' (subproc --list capabilities "
	       "names them)\n");
	expect(ARGS("run", "--bounding-set", "-cap_", "--", "true"), 125,
	       "subproc: --bounding-set: unknown capability 'cap_' (subproc --list capabilities "
	       "names them)\n");
	if (SUBPROC_TEST_PORTABLE) {
		expect(ARGS("run", "--seccomp-deny", "getppid", "--", "true"), 125,
		       "subproc: --seccomp-deny: seccomp filters are Linux's, and this subproc is "
		       "the portable build\n");
		expect(ARGS("--list", "syscalls"), 125,
		       "subproc: --list syscalls: seccomp filters are Linux's, and this subproc is "
		       "the portable build\n");
		return;
	}
	expect(ARGS("run", "--seccomp-deny", "getppid,nope", "--", "true"), 125,
	       "subproc: --seccomp-deny: unknown system call 'nope' in 'getppid,nope' (subproc "
	       "--list syscalls names them)\n");
	expect(ARGS("run", "--seccomp-deny", "", "--", "true"), 125,
	       "subproc: --seccomp-deny: unknown system call '' in '' (subproc --list syscalls "
	       "names them)\n");
	expect(ARGS("run", "--seccomp-deny", "SYS_getppid", "--", "true"), 125,
	       "subproc: --seccomp-deny: unknown system call 'SYS_getppid' in 'SYS_getppid' "
	       "(subproc --list syscalls names them)\n");
	/* The first bad option is the one reported. */
	expect(ARGS("run", "--ambient-caps", "+nope", "--seccomp-deny", "nope", "--", "true"), 125,
	       "subproc: --ambient-caps: unknown capability 'nope' (subproc --list capabilities "
	       "names them)\n");
}

#ifdef __linux__
/* What a classic BPF seccomp program returns for one call: the few
 * instructions tool_seccomp_build uses, and a failure on any other. */
static uint32_t bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d)
{
	uint32_t a = 0;

	assert_true(prog->len > 0 && prog->len <= BPF_MAXINSNS);
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(f->k % 4 == 0 && f->k + 4 <= sizeof *d);
			memcpy(&a, (const char *)d + f->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) != 0 ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			fail_msg("instruction %#x at %zu", f->code, pc);
		}
	}
	fail_msg("the filter ran past its end");
	return 0;
}

static uint32_t verdict(const struct sock_fprog *prog, long nr, uint32_t arch)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof d);
	d.nr = (int)nr;
	d.arch = arch;
	return bpf_run(prog, &d);
}

#define DENIED (SECCOMP_RET_ERRNO | EPERM)

/* This build's ABI, as tool_seccomp_build should know it, and one that the
 * same kernel also runs. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define NATIVE AUDIT_ARCH_X86_64
#define FOREIGN AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define NATIVE AUDIT_ARCH_AARCH64
#define FOREIGN AUDIT_ARCH_ARM
#elif defined(__arm__)
#define NATIVE AUDIT_ARCH_ARM
#define FOREIGN AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE AUDIT_ARCH_RISCV64
#define FOREIGN AUDIT_ARCH_RISCV32
#endif
#endif

static void test_tool_options_seccomp_filter(void **state)
{
#if defined(__linux__) && defined(NATIVE)
	struct tool_opts o;

	(void)state;
	if (SUBPROC_TEST_PORTABLE)
		skip_because("the portable build refuses --seccomp-deny (isolation_errors checks)");
	parse_iso(&o, ARGS("--seccomp-deny", "getppid,read", "--seccomp-deny", "getppid"));
	assert_int_equal(o.ndeny, 2);
	assert_int_equal(o.deny[0], SYS_getppid);
	assert_int_equal(o.deny[1], SYS_read);
	assert_non_null(o.seccomp);
	assert_ptr_equal(o.iso.seccomp, o.seccomp);
	assert_int_equal(o.iso.flags, 0); /* no --no-new-privs unless asked */
	/* The named calls, and only they, are denied in this ABI. */
	assert_int_equal(verdict(o.seccomp, SYS_getppid, NATIVE), DENIED);
	assert_int_equal(verdict(o.seccomp, SYS_read, NATIVE), DENIED);
	assert_int_equal(verdict(o.seccomp, SYS_getpid, NATIVE), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(o.seccomp, SYS_write, NATIVE), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(o.seccomp, SYS_execve, NATIVE), SECCOMP_RET_ALLOW);
	/* Every call of another ABI, whatever its number. */
	assert_int_equal(verdict(o.seccomp, SYS_getpid, FOREIGN), DENIED);
	assert_int_equal(verdict(o.seccomp, SYS_getppid, FOREIGN), DENIED);
	assert_int_equal(verdict(o.seccomp, 0, 0), DENIED);
#if defined(__x86_64__)
	/* x32 shares AUDIT_ARCH_X86_64 and sets bit 30 of the number. */
	assert_int_equal(verdict(o.seccomp, 0x40000000 | SYS_getpid, NATIVE), DENIED);
	assert_int_equal(verdict(o.seccomp, 0x40000000 | SYS_getppid, NATIVE), DENIED);
#endif
	tool_opts_free(&o);

	/* A list as long as the table still fits one filter. */
	{
		struct result r;
		char *all, *p;

		tool(&r, ARGS("--list", "syscalls"));
		assert_int_equal(r.code, 0);
		assert_non_null(strstr(r.out.data, "\ngetppid\n"));
		all = strdup(r.out.data);
		assert_non_null(all);
		for (p = all; *p; p++)
			*p = *p == '\n' ? ',' : *p;
		if (p > all && p[-1] == ',')
			p[-1] = '\0';
		parse_iso(&o, ARGS("--seccomp-deny", all));
		assert_true(o.ndeny > 100);
		assert_int_equal(verdict(o.seccomp, SYS_getpid, NATIVE), DENIED);
		assert_int_equal(verdict(o.seccomp, SYS_getpid, FOREIGN), DENIED);
		tool_opts_free(&o);
		free(all);
		result_free(&r);
	}
#else
	(void)state;
	skip_because("no known audit architecture for this processor in the test");
#endif
}

#if defined(__linux__) && defined(__x86_64__) && !defined(__ILP32__)
/* getpid through the i386 ABI (int $0x80, call 20) from this x86_64
 * process: the pid, or -errno. */
static long i386_getpid(void)
{
	long r = 20;

	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r;
}

static int i386_works(void *arg)
{
	(void)arg;
	/* Without IA32 emulation (or in some VMs) int $0x80 faults. */
	signal(SIGSEGV, SIG_DFL);
	return i386_getpid() == getpid() ? 0 : 1;
}

struct filtered {
	const struct sock_fprog *prog;
	bool i386;
};

static int filtered_calls(void *arg)
{
	const struct filtered *f = arg;

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, f->prog) == 0);
	CHECK(syscall(SYS_getpid) == getpid());
	errno = 0;
	CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
	/* The same call in the other ABIs of this kernel: x32's number (a
	 * kernel without x32 would say ENOSYS), and i386's. */
	errno = 0;
	CHECK(syscall(0x40000000 | SYS_getpid) == -1 && errno == EPERM);
	CHECK(!f->i386 || i386_getpid() == -EPERM);
	return 0;
}
#endif

/* The filter as the kernel runs it: on x86_64, calls through the x32 and
 * i386 ABIs (which number calls otherwise) are denied too. */
static void test_tool_options_seccomp_foreign_abi(void **state)
{
#if defined(__linux__) && defined(__x86_64__) && !defined(__ILP32__)
	struct tool_opts o;
	struct filtered f;
	int rc;

	(void)state;
	if (SUBPROC_TEST_PORTABLE)
		skip_because("the portable build refuses --seccomp-deny (isolation_errors checks)");
	if (SUBPROC_TEST_EMULATED)
		skip_because("under qemu-user there is no seccomp");
	f.i386 = run_forked(i386_works, NULL) == 0;
	if (!f.i386)
		print_message("note: this kernel runs no i386 calls here; x32 checked alone\n");
	parse_iso(&o, ARGS("--seccomp-deny", "getppid"));
	f.prog = o.seccomp;
	rc = run_forked(filtered_calls, &f);
	tool_opts_free(&o);
	assert_int_equal(rc, 0);
#else
	(void)state;
	skip_because("only an x86_64 build has a second ABI to call from the test");
#endif
}

static void test_tool_options_isolation_help(void **state)
{
	static const char *const has[] = {
		"in the spellings of unshare(1) and setpriv(1)",
		"--unshare NS,...     new namespaces: user, pid, mount, net, uts, ipc,",
		"--map-root-user      uid and gid 0 inside are subproc's effective ids",
		"--map-user USER",
		"--map-group GROUP",
		"--setgroups allow|deny",
		"--mount-proc         mount a new proc on /proc (implies pid and mount)",
		"--hostname NAME      the host name inside (implies uts)",
		"--no-new-privs",
		"--ambient-caps +CAP,-CAP,...",
		"--bounding-set -all,+CAP,-CAP,...",
		"--seccomp-deny SYSCALL,...",
		"every call of another ABI",
	};
	struct result r;

	(void)state;
	for (int k = 0; k < 2; k++) {
		tool(&r, ARGS(k ? "pipe" : "run", "--help"));
		assert_int_equal(r.code, 0);
		for (size_t i = 0; i < sizeof has / sizeof has[0]; i++) {
			if (strstr(text_of(&r.out), has[i]) == NULL)
				fail_msg("--help lacks \"%s\":\n%s", has[i], text_of(&r.out));
		}
		result_free(&r);
	}
	tool(&r, ARGS("--list", "namespaces"));
	assert_int_equal(r.code, 0);
	assert_string_equal(text_of(&r.out), "user\npid\nmount\nnet\nuts\nipc\ncgroup\ntime\n");
	result_free(&r);
}

/* --- the cgroup options ------------------------------------------------------ */

/* The settings `run OPTS -- true` asks the cgroup for, as "FILE=VALUE"
 * joined with ';', into buf. */
static const char *cgroup_settings(const char *const *opts, char *buf, size_t size)
{
	struct tool_opts o;
	size_t len = 0;

	parse_ok(&o, opts);
	assert_true(o.cgroup);
	buf[0] = '\0';
	for (size_t i = 0; i < o.ncgsets; i++) {
		len += (size_t)snprintf(buf + len, size - len, "%s%s=%s", i > 0 ? ";" : "",
		                        o.cgsets[i].file, o.cgsets[i].value);
		assert_true(len < size);
	}
	tool_opts_free(&o);
	return buf;
}

/* The value one option gives its file. */
static void setting_is(const char *opt, const char *arg, const char *want)
{
	char buf[256];

	assert_string_equal(cgroup_settings(ARGS(opt, arg), buf, sizeof buf), want);
}

static void test_tool_options_cgroup_values(void **state)
{
	/* --memory-max as systemd's MemoryMax=: powers of 1024, a fraction
	 * rounded down to the byte. */
	static const char *const sizes[][2] = {
		{"1", "1"},
		{"4096", "4096"},
		{"10B", "10"},
		{"1K", "1024"},
		{"007K", "7168"},
		{"0.5K", "512"},
		{"1.3K", "1331"},
		{"512M", "536870912"},
		{"1.5G", "1610612736"},
		{"2T", "2199023255552"},
		{"1P", "1125899906842624"},
		{"1E", "1152921504606846976"},
		{"15E", "17293822569102704640"},
		{"infinity", "max"},
		{"max", "max"},
	};
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	char want[128], buf[512];
	struct tool_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(want, sizeof want, "memory.max=%s", sizes[i][1]);
		setting_is("--memory-max", sizes[i][0], want);
	}
	/* A share of the memory, in whole pages, as systemd's
	 * physical_memory_scale. */
	assert_true(pages > 0 && page > 0);
	snprintf(want, sizeof want, "memory.max=%llu",
	         (unsigned long long)pages * (unsigned long long)page);
	setting_is("--memory-max", "100%", want);
	snprintf(want, sizeof want, "memory.max=%llu",
	         (unsigned long long)pages * 1250 / 10000 * (unsigned long long)page);
	setting_is("--memory-max", "12.5%", want);
	snprintf(want, sizeof want, "memory.max=%llu",
	         (unsigned long long)pages * 1 / 10000 * (unsigned long long)page);
	if (pages >= 10000)
		setting_is("--memory-max", "0.01%", want);

	/* --pids-max as TasksMax=. */
	setting_is("--pids-max", "4", "pids.max=4");
	setting_is("--pids-max", "0100", "pids.max=100");
	setting_is("--pids-max", "infinity", "pids.max=max");
	setting_is("--pids-max", "max", "pids.max=max");

	/* --cpu-max as CPUQuota=: a share of systemd's 100 ms period. */
	setting_is("--cpu-max", "50%", "cpu.max=50000 100000");
	setting_is("--cpu-max", "200%", "cpu.max=200000 100000");
	setting_is("--cpu-max", "1%", "cpu.max=1000 100000");
	setting_is("--cpu-max", "12.5%", "cpu.max=12500 100000");
	setting_is("--cpu-max", "12.34%", "cpu.max=12340 100000");
	setting_is("--cpu-max", "infinity", "cpu.max=max 100000");

	/* --cgroup-set, in command-line order with the shorthands; a value
	 * may hold '=' and be empty. */
	setting_is("--cgroup-set", "cgroup.max.descendants=0", "cgroup.max.descendants=0");
	setting_is("--cgroup-set", "io.max=8:0 rbps=1", "io.max=8:0 rbps=1");
	setting_is("--cgroup-set", "a=b=c", "a=b=c");
	setting_is("--cgroup-set", "memory.high=", "memory.high=");
	assert_string_equal(
		cgroup_settings(ARGS("--pids-max", "9", "--cgroup-set", "memory.swap.max=0",
	                             "--memory-max=1K", "--cpu-max", "300%", "--pids-max", "8"),
	                        buf, sizeof buf),
		"pids.max=9;memory.swap.max=0;memory.max=1024;cpu.max=300000 "
		"100000;pids.max=8");

	/* Each asks for the cgroup; only --cgroup=PARENT names a parent, and
	 * the last --cgroup is the one. */
	parse_ok(&o, ARGS("-C", "/"));
	assert_false(o.cgroup);
	assert_int_equal(o.ncgsets, 0);
	tool_opts_free(&o);
	parse_ok(&o, ARGS("--cgroup"));
	assert_true(o.cgroup);
	assert_null(o.cgroup_parent);
	assert_int_equal(o.ncgsets, 0);
	tool_opts_free(&o);
	parse_ok(&o, ARGS("--memory-max", "1G"));
	assert_true(o.cgroup);
	assert_null(o.cgroup_parent);
	tool_opts_free(&o);
	parse_ok(&o, ARGS("--cgroup=/a", "--pids-max", "3", "--cgroup=/sys/b"));
	assert_true(o.cgroup);
	assert_string_equal(o.cgroup_parent, "/sys/b");
	tool_opts_free(&o);
	parse_ok(&o, ARGS("--cgroup=/a", "--cgroup"));
	assert_null(o.cgroup_parent);
	tool_opts_free(&o);
}

static void test_tool_options_cgroup_errors(void **state)
{
	static const char *const bad_sizes[] = {"",    "x",        "1k",     "1KB", "1 K", "1e3",
	                                        "-1",  "+1",       "1.",     ".5K", "1.K", "0x10",
	                                        "1G2", "x%",       "%",      "1.%", "5%%", "1,5G",
	                                        "inf", "Infinity", "1G 512M"};
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
		snprintf(
			want, sizeof want,
			"subproc: --memory-max: expected bytes with an optional K, M, G, T, P or E "
			"(powers of 1024), a percentage of the memory, or infinity; got '%s'\n",
			bad_sizes[i]);
		expect(ARGS("run", "--memory-max", bad_sizes[i], "--", "true"), 125, want);
	}
	expect(ARGS("run", "--memory-max", "0", "--", "true"), 125,
	       "subproc: --memory-max: '0' leaves no memory at all (infinity for no limit)\n");
	expect(ARGS("run", "--memory-max", "0K", "--", "true"), 125,
	       "subproc: --memory-max: '0K' leaves no memory at all (infinity for no limit)\n");
	expect(ARGS("run", "--memory-max", "0%", "--", "true"), 125,
	       "subproc: --memory-max: '0%' leaves no memory at all (infinity for no limit)\n");
	expect(ARGS("run", "--memory-max", "16E", "--", "true"), 125,
	       "subproc: --memory-max: '16E' is too large (infinity for no limit)\n");
	expect(ARGS("run", "--memory-max", "99999999999999999999", "--", "true"), 125,
	       "subproc: --memory-max: '99999999999999999999' is too large (infinity for no "
	       "limit)\n");
	expect(ARGS("run", "--memory-max", "100.01%", "--", "true"), 125,
	       "subproc: --memory-max: '100.01%' is more than all the memory\n");
	expect(ARGS("run", "--memory-max", "12.345%", "--", "true"), 125,
	       "subproc: --memory-max: '12.345%': a percentage has two decimals at most\n");

	static const char *const bad_pids[] = {
		"", "0", "00", "-1", "1.5", "x", "4x", "1e3", "9223372036854775808", "10%"};
	for (size_t i = 0; i < sizeof bad_pids / sizeof bad_pids[0]; i++) {
		snprintf(want, sizeof want,
		         "subproc: --pids-max: expected a number of processes (1 or more) or "
		         "infinity, got '%s'\n",
		         bad_pids[i]);
		expect(ARGS("run", "--pids-max", bad_pids[i], "--", "true"), 125, want);
	}

	/* A bare number could be a percentage or a count of CPUs. */
	static const char *const bad_cpu[] = {"",     "50", "2",   "0.5", "x%",
	                                      "50 %", "%",  "-5%", "1.%", "inf"};
	for (size_t i = 0; i < sizeof bad_cpu / sizeof bad_cpu[0]; i++) {
		snprintf(want, sizeof want,
		         "subproc: --cpu-max: expected a percentage of one CPU such as 50%% or "
		         "200%% "
		         "(two CPUs), or infinity; got '%s'\n",
		         bad_cpu[i]);
		expect(ARGS("pipe", "--cpu-max", bad_cpu[i], "--", "true"), 125, want);
	}
	expect(ARGS("run", "--cpu-max", "0.99%", "--", "true"), 125,
	       "subproc: --cpu-max: '0.99%' is below 1%, the kernel's smallest quota (1 ms of "
	       "each 100 ms)\n");
	expect(ARGS("run", "--cpu-max", "0%", "--", "true"), 125,
	       "subproc: --cpu-max: '0%' is below 1%, the kernel's smallest quota (1 ms of each "
	       "100 ms)\n");
	expect(ARGS("run", "--cpu-max", "12.345%", "--", "true"), 125,
	       "subproc: --cpu-max: '12.345%': a percentage has two decimals at most\n");
	expect(ARGS("run", "--cpu-max", "99999999999999999999%", "--", "true"), 125,
	       "subproc: --cpu-max: '99999999999999999999%' is too large (infinity for no "
	       "limit)\n");

	expect(ARGS("run", "--cgroup-set", "memory.max", "--", "true"), 125,
	       "subproc: --cgroup-set: expected FILE=VALUE, got 'memory.max'\n");
	expect(ARGS("run", "--cgroup-set", "=1", "--", "true"), 125,
	       "subproc: --cgroup-set: expected FILE=VALUE, got '=1'\n");
	expect(ARGS("run", "--cgroup-set", "../cgroup.procs=1", "--", "true"), 125,
	       "subproc: --cgroup-set: FILE is a file of the new cgroup, named without '/'; got "
	       "'../cgroup.procs=1'\n");
	expect(ARGS("run", "--cgroup-set", "..=1", "--", "true"), 125,
	       "subproc: --cgroup-set: FILE is a file of the new cgroup, named without '/'; got "
	       "'..=1'\n");
	expect_usage(ARGS("run", "--cgroup-set"), "run", "option --cgroup-set needs a value");
	expect_usage(ARGS("run", "--memory-max"), "run", "option --memory-max needs a value");
	expect(ARGS("run", "--cgroup=", "--", "true"), 125,
	       "subproc: --cgroup: empty PARENT (--cgroup alone is under subproc's own cgroup)\n");
	/* Its value only ever follows '=': a directory after it became the
	 * program. */
	expect(ARGS("run", "--cgroup", "/", "--", "true"), 125,
	       "subproc: --cgroup: / is a directory, not a program: a parent is given as "
	       "--cgroup=PARENT\n");
	expect(ARGS("pipe", "--cgroup", "/tmp", "|", "true"), 125,
	       "subproc: --cgroup: /tmp is a directory, not a program: a parent is given as "
	       "--cgroup=PARENT\n");
	/* A name without '/' is a program to look up in PATH, even where the
	 * current directory has a directory of that name. */
	{
		char *argv[] = {"run", "--cgroup", "tmp", NULL};
		char *cwd = getcwd(NULL, 0);
		struct tool_opts o;

		assert_non_null(cwd);
		assert_int_equal(chdir("/"), 0);
		assert_int_equal(tool_parse("run", 3, argv, &o), 0);
		assert_string_equal(o.argv[0], "tmp");
		assert_true(o.cgroup);
		tool_opts_free(&o);
		assert_int_equal(chdir(cwd), 0);
		free(cwd);
	}
	expect_usage(ARGS("run", "--cg", "--", "true"), "run",
	             "option --cg is ambiguous (--cgroup, --cgroup-set)");
}

static void test_tool_options_cgroup_help(void **state)
{
	static const char *const has[] = {
		"Cgroup (Linux, cgroup v2):\n",
		"--cgroup[=PARENT]    run the child (for pipe, the whole pipeline) and all",
		"--cgroup-set FILE=VALUE\n",
		"--memory-max SIZE    memory.max, as systemd's MemoryMax=",
		"--pids-max N         pids.max",
		"--cpu-max PERCENT%   cpu.max, as systemd's CPUQuota=",
		"subproc waits until the cgroup is\nempty",
	};
	struct result r;

	(void)state;
	for (int k = 0; k < 2; k++) {
		tool(&r, ARGS(k ? "pipe" : "run", "--help"));
		assert_int_equal(r.code, 0);
		for (size_t i = 0; i < sizeof has / sizeof has[0]; i++) {
			if (strstr(text_of(&r.out), has[i]) == NULL)
				fail_msg("--help lacks \"%s\":\n%s", has[i], text_of(&r.out));
		}
		result_free(&r);
	}
}

TEST_MAIN(cmocka_unit_test(test_tool_options_duration_suffixes),
          cmocka_unit_test(test_tool_options_duration_zero_is_none),
          cmocka_unit_test(test_tool_options_duration_invalid),
          cmocka_unit_test(test_tool_options_kill_after),
          cmocka_unit_test(test_tool_options_duration_milliseconds),
          cmocka_unit_test(test_tool_options_process_group),
          cmocka_unit_test(test_tool_options_preserve_status),
          cmocka_unit_test(test_tool_options_verbose), cmocka_unit_test(test_tool_options_help),
          cmocka_unit_test(test_tool_options_errors),
          cmocka_unit_test(test_tool_options_rlimit_forms),
          cmocka_unit_test(test_tool_options_rlimit_unlimited),
          cmocka_unit_test(test_tool_options_rlimit_errors),
          cmocka_unit_test(test_tool_options_separator),
          cmocka_unit_test(test_tool_options_pipe_literal_bar),
          cmocka_unit_test(test_tool_options_unshare_maps),
          cmocka_unit_test(test_tool_options_capabilities),
          cmocka_unit_test(test_tool_options_isolation_errors),
          cmocka_unit_test(test_tool_options_seccomp_filter),
          cmocka_unit_test(test_tool_options_seccomp_foreign_abi),
          cmocka_unit_test(test_tool_options_isolation_help),
          cmocka_unit_test(test_tool_options_cgroup_values),
          cmocka_unit_test(test_tool_options_cgroup_errors),
          cmocka_unit_test(test_tool_options_cgroup_help))
