/* SPDX-License-Identifier: MIT */
/*
 * Pipelines: stages wired stdout to stdin, one process group, per-stage
 * statuses and pipefail, communicate on the ends, timeouts that stop every
 * stage, and start failures that leave nothing behind.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SH "/bin/sh"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pipeline of `n` shell scripts. */
static subproc_pipeline *pipeline_of(size_t n, const char *const scripts[])
{
	subproc_pipeline *pl = NULL;

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	for (size_t i = 0; i < n; i++) {
		subproc_cmd *cmd = NULL;
		assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", scripts[i])), 0);
		assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	}
	assert_int_equal(subproc_pipeline_len(pl), n);
	return pl;
}

static void test_pipeline_three_stages(void **state)
{
	static const char *const s[] = {"printf 'c\\nb\\na\\n'", "sort", "head -n 2"};
	subproc_pipeline *pl = pipeline_of(3, s);
	subproc_output out = {0};
	subproc_status st[3];
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL), 0);
	assert_string_equal(out.data, "a\nb\n");
	for (int i = 0; i < 3; i++) {
		assert_true(subproc_status_exited(st[i].status));
		assert_int_equal(subproc_status_exit_code(st[i].status), 0);
		assert_true(st[i].pid > 0);
	}
	assert_int_equal(subproc_pipeline_status(pl, false), 0);
	assert_int_equal(subproc_pipeline_status(pl, true), 0);
	assert_int_equal(subproc_pipeline_wait(pl, NULL), -ECHILD);
	assert_true(no_children());
	subproc_output_free(&out);
	subproc_pipeline_free(pl);
	assert_int_equal(fd_count(), before);
}

static void test_pipeline_input_through_every_stage(void **state)
{
	static const char *const s[] = {"cat", "tr a-z A-Z", "cat"};
	subproc_pipeline *pl = pipeline_of(3, s);
	size_t n = 4 * 1024 * 1024;
	char *in = malloc(n);
	subproc_output out = {0};

	(void)state;
	assert_non_null(in);
	memset(in, 'q', n);
	assert_int_equal(subproc_pipeline_communicate(pl, in, n, &out, NULL, NULL), 0);
	assert_int_equal(out.len, n);
	for (size_t i = 0; i < n; i += 1024)
		assert_int_equal(out.data[i], 'Q');
	subproc_output_free(&out);
	subproc_pipeline_free(pl);
	free(in);
}

static void test_pipeline_middle_fails_pipefail(void **state)
{
	static const char *const s[] = {"echo x", "cat >/dev/null; exit 3", "cat"};
	subproc_pipeline *pl = pipeline_of(3, s);
	subproc_status st[3];
	subproc_output out = {0};

	(void)state;
	assert_int_equal(subproc_pipeline_status(pl, false), -EINVAL); /* not waited */
	assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL), 0);
	assert_int_equal(subproc_status_exit_code(st[0].status), 0);
	assert_int_equal(subproc_status_exit_code(st[1].status), 3);
	assert_int_equal(subproc_status_exit_code(st[2].status), 0);
	/* Like the shell: the last stage's status, or with pipefail the last
	 * one that failed. */
	assert_int_equal(subproc_status_exit_code(subproc_pipeline_status(pl, false)), 0);
	assert_int_equal(subproc_status_exit_code(subproc_pipeline_status(pl, true)), 3);
	subproc_output_free(&out);
	subproc_pipeline_free(pl);

	/* Two fail: pipefail reports the later one. */
	static const char *const t[] = {"exit 4", "exit 5", "true"};
	pl = pipeline_of(3, t);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_pipeline_wait(pl, st), 0);
	assert_int_equal(subproc_status_exit_code(subproc_pipeline_status(pl, true)), 5);
	subproc_pipeline_free(pl);
}

/* Every stage reports its process group (field 5 of /proc/self/stat, read
 * by a child of the stage's shell, which is in the same group). */
static void test_pipeline_one_process_group(void **state)
{
	static const char *const s[] = {
		"cut -d' ' -f5 /proc/self/stat",
		"cat; cut -d' ' -f5 /proc/self/stat",
		"cat; cut -d' ' -f5 /proc/self/stat",
	};
	subproc_pipeline *pl = pipeline_of(3, s);
	subproc_output out = {0};
	subproc_status st[3];
	char want[64];
	pid_t leader;

	(void)state;
	/* A stage's own request for a session or group is overridden. */
	subproc_cmd_attr(subproc_pipeline_cmd(pl, 1))->flags |= SUBPROC_SETSID;
	assert_null(subproc_pipeline_cmd(pl, 3));
	assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL), 0);
	leader = st[0].pid;
	snprintf(want, sizeof want, "%d\n%d\n%d\n", (int)leader, (int)leader, (int)leader);
	assert_string_equal(out.data, want);
	assert_true(leader != getpgrp());
	subproc_output_free(&out);
	subproc_pipeline_free(pl);
}

static void test_pipeline_timeout_stops_every_stage(void **state)
{
	static const char *const s[] = {"sleep 100", "sleep 100 & cat", "cat"};
	subproc_pipeline *pl = pipeline_of(3, s);
	subproc_output out = {0};
	subproc_status st[3];
	long long t0 = mono_ms();

	(void)state;
	assert_int_equal(subproc_pipeline_timeout(pl, 100, 0, 200), 0);
	assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL), -ETIMEDOUT);
	assert_true(mono_ms() - t0 < 50000);
	for (int i = 0; i < 3; i++) {
		assert_true(subproc_status_signaled(st[i].status));
		assert_int_equal(subproc_status_signal(st[i].status), SIGTERM);
	}
	assert_true(no_children());
	subproc_output_free(&out);
	subproc_pipeline_free(pl);

	/* The same through wait. */
	pl = pipeline_of(3, s);
	assert_int_equal(subproc_pipeline_timeout(pl, 100, SIGINT, 200), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_pipeline_wait(pl, st), -ETIMEDOUT);
	assert_int_equal(subproc_status_signal(st[0].status), SIGINT);
	assert_true(no_children());
	subproc_pipeline_free(pl);
}

static void test_pipeline_start_failure_cleans_up(void **state)
{
	subproc_pipeline *pl = NULL;
	subproc_cmd *cmd;
	subproc_error err;
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), -EINVAL); /* empty */
	assert_int_equal(subproc_pipeline_wait(pl, NULL), -EINVAL);  /* not started */
	assert_int_equal(subproc_pipeline_add(pl, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("sleep", "100")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("subproc-no-such-program")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("cat")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	assert_int_equal(subproc_pipeline_failed_stage(pl), -1);

	assert_int_equal(subproc_pipeline_start(pl, &err), -ENOENT);
	assert_true(error_is(-ENOENT, &err, -ENOENT, SUBPROC_STEP_LOOKPATH));
	assert_int_equal(subproc_pipeline_failed_stage(pl), 1);
	/* The first stage was started, then killed and reaped. */
	assert_true(no_children());
	assert_int_equal(fd_count(), before);

	subproc_pipeline_free(pl);

	/* A failed start leaves the pipeline unstarted: fix the stage (its
	 * directory), and the same pipeline starts. */
	static const char *const s[] = {"sleep 100", "cat", "cat"};
	pl = pipeline_of(3, s);
	cmd = subproc_pipeline_cmd(pl, 2);
	assert_int_equal(subproc_cmd_dir(cmd, "/subproc-no-such-dir"), 0);
	assert_int_equal(subproc_pipeline_start(pl, &err), -ENOENT);
	assert_true(error_is(-ENOENT, &err, -ENOENT, SUBPROC_STEP_CHDIR));
	assert_int_equal(subproc_pipeline_failed_stage(pl), 2);
	assert_true(no_children());
	assert_int_equal(fd_count(), before);
	assert_int_equal(subproc_cmd_dir(cmd, "/"), 0);
	assert_int_equal(subproc_pipeline_timeout(pl, 50, SIGKILL, 0), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_pipeline_failed_stage(pl), -1);
	assert_int_equal(subproc_pipeline_wait(pl, NULL), -ETIMEDOUT);
	subproc_pipeline_free(pl);
	assert_true(no_children());
	assert_int_equal(fd_count(), before);
}

static void test_pipeline_free_in_any_state(void **state)
{
	static const char *const s[] = {"sleep 100", "cat", "cat"};
	subproc_pipeline *pl;
	int before = fd_count();

	(void)state;
	assert_null(subproc_pipeline_free(NULL));
	pl = pipeline_of(3, s);
	assert_null(subproc_pipeline_free(pl)); /* never started */
	pl = pipeline_of(3, s);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), -EBUSY);
	assert_int_equal(subproc_pipeline_add(pl, NULL), -EINVAL);
	assert_null(subproc_pipeline_free(pl)); /* running: killed, reaped */
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
}

/*
 * The rule of subproc_pipeline_add: a failure takes nothing, so the caller
 * frees the command. Under ASan (CI) a pipeline that kept it anyway would
 * free it a second time at subproc_pipeline_free.
 */
static void test_pipeline_add_failure_caller_keeps_cmd(void **state)
{
	static const char *const s[] = {"exit 0"};
	subproc_pipeline *pl = NULL;
	subproc_cmd *cmd;

	(void)state;
	assert_int_equal(subproc_pipeline_new(NULL), -EINVAL);
	pl = (subproc_pipeline *)&pl;
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_non_null(pl);

	assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", "exit 0")), 0);
	assert_int_equal(subproc_pipeline_add(NULL, cmd), -EINVAL);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -EINVAL); /* started */
	assert_int_equal(subproc_pipeline_len(pl), 0);
	assert_int_equal(subproc_cmd_wait(cmd, NULL), 0);
	subproc_cmd_free(cmd);
	subproc_pipeline_free(pl);

	pl = pipeline_of(1, s);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", "exit 0")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -EBUSY);
	assert_int_equal(subproc_pipeline_len(pl), 1);
	subproc_cmd_free(cmd);
	assert_int_equal(subproc_pipeline_wait(pl, NULL), 0);
	subproc_pipeline_free(pl);
	assert_true(no_children());
}

/* A stage cannot be added again, to this pipeline or another: each
 * pipeline would free it. */
static void test_pipeline_add_stage_twice_refused(void **state)
{
	subproc_pipeline *pl = NULL, *other = NULL;
	subproc_cmd *cmd;

	(void)state;
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_new(&other), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", "exit 0")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -EINVAL);
	assert_int_equal(subproc_pipeline_add(other, cmd), -EINVAL);
	assert_int_equal(subproc_pipeline_len(pl), 1);
	assert_int_equal(subproc_pipeline_len(other), 0);
	subproc_pipeline_free(other);
	subproc_pipeline_free(pl);
}

/* err after every outcome of the pipeline calls: this call's, never a
 * stale one. */
static void test_pipeline_err_defined_after_every_failure(void **state)
{
	static const char *const two[] = {"echo hi", "cat"};
	static const char *const slow[] = {"sleep 30", "cat"};
	static char junk[] = "junk";
	subproc_pipeline *pl = NULL;
	subproc_output out = {0};
	subproc_cmd *cmd;
	subproc_error err;

	(void)state;
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_start(pl, &err), &err, -EINVAL));
	error_stale(&err);
	out = (subproc_output){.data = junk, .len = 4};
	assert_true(error_plain(subproc_pipeline_communicate(pl, NULL, 0, &out, NULL, &err), &err,
	                        -EINVAL));
	assert_null(out.data);
	subproc_pipeline_free(pl);

	pl = pipeline_of(2, two);
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_start(pl, &err), &err, 0));
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_start(pl, &err), &err, -EBUSY));
	error_stale(&err);
	assert_true(
		error_plain(subproc_pipeline_communicate(pl, NULL, 0, NULL, NULL, &err), &err, 0));
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_communicate(pl, NULL, 0, &out, NULL, &err), &err,
	                        -ECHILD));
	assert_null(out.data);
	subproc_pipeline_free(pl);

	pl = pipeline_of(2, slow);
	assert_int_equal(subproc_pipeline_timeout(pl, 50, SIGKILL, 0), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_communicate(pl, NULL, 0, &out, NULL, &err), &err,
	                        -ETIMEDOUT));
	subproc_output_free(&out);
	subproc_pipeline_free(pl);

	/* Refused because the last stdout is no pipe: the first stdin was
	 * not made one on the way (one command is both ends here). */
	pl = pipeline_of(1, two);
	cmd = subproc_pipeline_cmd(pl, 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_pipeline_communicate(pl, "x", 1, &out, NULL, &err), &err,
	                        -EINVAL));
	assert_null(out.data);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(subproc_cmd_fd(cmd, 0), -1);
	assert_int_equal(subproc_pipeline_wait(pl, NULL), 0);
	subproc_pipeline_free(pl);

	/* A stage's start failure names the step, and only it. */
	pl = pipeline_of(1, two);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("/subproc-no-such-dir/prog")), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	error_stale(&err);
	assert_true(error_is(subproc_pipeline_start(pl, &err), &err, -ENOENT, SUBPROC_STEP_EXECVE));
	assert_string_equal(err.path, "/subproc-no-such-dir/prog");
	assert_int_equal(err.fd, -1);
	subproc_pipeline_free(pl);
	assert_true(no_children());
}

TEST_MAIN(cmocka_unit_test(test_pipeline_three_stages),
          cmocka_unit_test(test_pipeline_input_through_every_stage),
          cmocka_unit_test(test_pipeline_middle_fails_pipefail),
          cmocka_unit_test(test_pipeline_one_process_group),
          cmocka_unit_test(test_pipeline_timeout_stops_every_stage),
          cmocka_unit_test(test_pipeline_start_failure_cleans_up),
          cmocka_unit_test(test_pipeline_free_in_any_state),
          cmocka_unit_test(test_pipeline_add_failure_caller_keeps_cmd),
          cmocka_unit_test(test_pipeline_add_stage_twice_refused),
          cmocka_unit_test(test_pipeline_err_defined_after_every_failure))
