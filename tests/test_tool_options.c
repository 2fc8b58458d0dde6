/* SPDX-License-Identifier: MIT */
/*
 * The option parser of `subproc run` and `subproc pipe`: durations as GNU
 * timeout takes them, --foreground, --preserve-status and -v, the error
 * messages for bad options, --rlimit's prlimit forms seen from the child,
 * and the literal-bar argument of pipe. Mostly through the tool, as its
 * caller sees it; the parser is also linked in (src/tool/options.c) for
 * what only it can show: the milliseconds a duration rounds to, and
 * tool_is_separator.
 */
#include "json.h"
#include "support.h"
#include "tool.h"
#include "tool_run.h"

#include <getopt.h>
#include <limits.h>
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
	             "option --s is ambiguous (--stdin, --stdout, --stderr, --setsid, --signal)");
	expect_usage(ARGS("run", "--st=x", "--", "true"), "run",
	             "option --st is ambiguous (--stdin, --stdout, --stderr)");
	expect_usage(ARGS("pipe", "--p", "--", "true"), "pipe",
	             "option --p is ambiguous (--pgroup, --preserve-status, --pipefail)");
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
          cmocka_unit_test(test_tool_options_pipe_literal_bar))
