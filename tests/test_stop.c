/* SPDX-License-Identifier: MIT */
/*
 * The stop engine, seen from the processes: a stop reaches the whole group
 * through every call that waits (wait, output, a pipeline's wait and
 * communicate), a stopped child is continued, a stop from another thread
 * wakes the wait, a wait can watch the caller's fd, and the limit and
 * notify hooks send and report what include/subproc.h says.
 *
 * Bounds on durations are tens of seconds against an expected fraction of
 * one: a test fails only when a stop did not happen at all.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SH "/bin/sh"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static subproc_cmd *sh(const char *script)
{
	subproc_cmd *cmd = NULL;

	assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", script)), 0);
	return cmd;
}

/* A child whose group keeps a member that ignores SIGTERM (see
 * survivor_script), then runs `then`. */
static subproc_cmd *with_survivor(const char *dir, const char *then)
{
	char script[1024];

	survivor_script(script, sizeof script, dir, then);
	return sh(script);
}

/* After the call: the member existed, ignored the signal, and is gone. */
static void assert_no_survivor(const char *dir, pid_t pgid)
{
	pid_t s = pid_file(dir, "s");

	assert_true(s > 1);
	assert_true(group_dies(pgid));
	if (!pid_dies(s))
		kill(s, SIGKILL);
}

enum how { BY_WAIT, BY_OUTPUT };

static void survivor_by(enum how how)
{
	char *dir = tempdir_make();
	subproc_cmd *cmd = with_survivor(dir, "echo out; exec sleep 100");
	subproc_output out = {0};
	subproc_status st;
	pid_t pgid;

	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(subproc_cmd_timeout(cmd, 1500, SIGTERM, 300), 0);
	if (how == BY_WAIT) {
		assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
		assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	} else {
		/* The child's exit and the end of its only pipe come in one
		 * wake-up: the group must be stopped all the same. */
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ETIMEDOUT);
		assert_string_equal(out.data, "out\n");
	}
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	pgid = subproc_pid(subproc_cmd_proc(cmd));
	assert_no_survivor(dir, pgid);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	tempdir_remove(dir);
}

static void test_stop_survivor_by_wait(void **state)
{
	(void)state;
	survivor_by(BY_WAIT);
}

static void test_stop_survivor_by_output(void **state)
{
	(void)state;
	survivor_by(BY_OUTPUT);
}

static void survivor_in_pipeline(bool communicate)
{
	char *dir = tempdir_make();
	subproc_pipeline *pl = NULL;
	subproc_cmd *cat = NULL;
	subproc_status st[2];
	subproc_output out = {0};
	pid_t pgid;

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_add(pl, with_survivor(dir, "echo out; exec sleep 100")),
	                 0);
	assert_int_equal(subproc_cmd_new(&cat, ARGS("cat")), 0);
	if (!communicate)
		assert_int_equal(subproc_cmd_stdio(cat, 1, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_pipeline_add(pl, cat), 0);
	assert_int_equal(subproc_pipeline_timeout(pl, 1500, SIGTERM, 300), 0);
	if (communicate) {
		assert_int_equal(subproc_pipeline_communicate(pl, NULL, 0, &out, st, NULL),
		                 -ETIMEDOUT);
		assert_string_equal(out.data, "out\n");
	} else {
		assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
		assert_int_equal(subproc_pipeline_wait(pl, st), -ETIMEDOUT);
	}
	assert_int_equal(subproc_status_signal(st[0].status), SIGTERM);
	pgid = st[0].pid;
	assert_no_survivor(dir, pgid);
	subproc_output_free(&out);
	subproc_pipeline_free(pl);
	tempdir_remove(dir);
}

static void test_stop_survivor_in_pipeline_wait(void **state)
{
	(void)state;
	survivor_in_pipeline(false);
}

static void test_stop_survivor_in_pipeline_communicate(void **state)
{
	(void)state;
	survivor_in_pipeline(true);
}

/* A stopped child acts on the timeout's signal at once: SIGCONT follows
 * it. Without, it would sit until the SIGKILL a minute later. */
static void test_stop_continues_a_stopped_child(void **state)
{
	subproc_cmd *cmd = sh("kill -STOP $$; exit 3");
	subproc_status st;
	long long t0 = mono_ms();

	(void)state;
	assert_int_equal(subproc_cmd_timeout(cmd, 200, SIGTERM, 60000), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	assert_true(subproc_status_signaled(st.status));
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	assert_true(mono_ms() - t0 < 50000);
	subproc_cmd_free(cmd);
}

/* Under SUBPROC_GRACE_NEVER the first signal is all: a child that ignores
 * it ends on its own, with its own status. */
static void test_stop_grace_never(void **state)
{
	subproc_cmd *cmd = sh("trap '' TERM; sleep 1; exit 5");
	subproc_status st;

	(void)state;
	assert_int_equal(subproc_cmd_timeout(cmd, 100, SIGTERM, SUBPROC_GRACE_NEVER), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	assert_true(subproc_status_exited(st.status));
	assert_int_equal(subproc_status_exit_code(st.status), 5);
	subproc_cmd_free(cmd);
}

struct stopper {
	subproc_cmd *cmd;
	subproc_pipeline *pl;
	int rc;
};

static void *stop_later(void *arg)
{
	struct stopper *s = arg;
	struct timespec ts = {0, 50 * 1000000L};

	nanosleep(&ts, NULL);
	s->rc = s->pl != NULL ? subproc_pipeline_stop(s->pl, 0) : subproc_cmd_stop(s->cmd, 0);
	return NULL;
}

/* Waits for "ready\n" on the command's stdout pipe. */
static void read_ready(subproc_cmd *cmd)
{
	char buf[6];
	size_t got = 0;

	while (got < sizeof buf) {
		ssize_t n = read(subproc_cmd_fd(cmd, 1), buf + got, sizeof buf - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(buf, "ready\n", 6);
}

/* A stop from another thread wakes the waiting one, which then applies the
 * grace period: the child, ignoring SIGTERM, gets SIGKILL. That is not a
 * timeout: the wait returns 0. */
static void test_stop_from_another_thread(void **state)
{
	subproc_cmd *cmd = sh("trap '' TERM; echo ready; exec sleep 100");
	struct stopper s = {0};
	subproc_status st;
	pthread_t t;
	long long t0 = mono_ms();

	(void)state;
	assert_int_equal(subproc_cmd_stop(cmd, 0), -EINVAL); /* not started */
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 0, SIGTERM, 200), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	read_ready(cmd);
	s.cmd = cmd;
	assert_int_equal(pthread_create(&t, NULL, stop_later, &s), 0);
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(subproc_status_signal(st.status), SIGKILL);
	assert_true(mono_ms() - t0 < 50000);
	assert_int_equal(subproc_cmd_stop(cmd, 0), -ESRCH);
	assert_int_equal(subproc_cmd_stop(cmd, NSIG), -EINVAL);
	subproc_cmd_free(cmd);
}

static void test_stop_pipeline_from_another_thread(void **state)
{
	subproc_pipeline *pl = NULL;
	subproc_cmd *a = NULL, *b = NULL;
	struct stopper s = {0};
	subproc_status st[2];
	pthread_t t;

	(void)state;
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_cmd_new(&a, ARGS(SH, "-c", "trap '' TERM; exec sleep 100")), 0);
	assert_int_equal(subproc_cmd_new(&b, ARGS("cat")), 0);
	assert_int_equal(subproc_cmd_stdio(b, 1, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_pipeline_add(pl, a), 0);
	assert_int_equal(subproc_pipeline_add(pl, b), 0);
	assert_int_equal(subproc_pipeline_stop(pl, 0), -EINVAL);
	assert_int_equal(subproc_pipeline_timeout(pl, 0, SIGTERM, 200), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	s.pl = pl;
	assert_int_equal(pthread_create(&t, NULL, stop_later, &s), 0);
	assert_int_equal(subproc_pipeline_wait(pl, st), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.rc, 0);
	/* sleep ignored SIGTERM until the SIGKILL; cat died of SIGTERM. */
	assert_int_equal(subproc_status_signal(st[0].status), SIGKILL);
	assert_int_equal(subproc_status_signal(st[1].status), SIGTERM);
	subproc_pipeline_free(pl);
}

/* A readable watched fd interrupts the wait and loses nothing: the
 * timeout's clock went on, and the next wait ends with it. */
static void test_stop_wait_fd(void **state)
{
	subproc_cmd *cmd = sh("exec sleep 100");
	subproc_pipeline *pl = NULL;
	subproc_cmd *stage = NULL;
	subproc_status st;
	int p[2];
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(subproc_cmd_wait_fd(cmd, p[0], &st), -EINVAL);
	assert_int_equal(subproc_cmd_timeout(cmd, 300, SIGTERM, 5000), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(subproc_cmd_wait_fd(cmd, p[0], &st), -EINTR);
	assert_int_equal(subproc_signal(subproc_cmd_proc(cmd), 0), 0); /* still ours */
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(subproc_cmd_wait_fd(cmd, p[0], &st), -ETIMEDOUT);
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	assert_int_equal(subproc_cmd_wait_fd(cmd, p[0], &st), -ECHILD);
	subproc_cmd_free(cmd);

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_cmd_new(&stage, ARGS("sleep", "100")), 0);
	assert_int_equal(subproc_pipeline_add(pl, stage), 0);
	assert_int_equal(subproc_pipeline_start(pl, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(subproc_pipeline_wait_fd(pl, p[0], &st), -EINTR);
	assert_int_equal(subproc_pipeline_stop(pl, SIGINT), 0);
	assert_int_equal(subproc_pipeline_wait(pl, &st), 0);
	assert_int_equal(subproc_status_signal(st.status), SIGINT);
	subproc_pipeline_free(pl);
	close(p[0]);
	close(p[1]);
}

struct heard {
	int sigs[8];
	int n;
};

static void hear(void *ctx, int sig)
{
	struct heard *h = ctx;

	if (h->n < 8)
		h->sigs[h->n++] = sig;
}

/* The hook hears each signal a stop sends, and not the SIGCONT after. */
static void test_stop_on_signal(void **state)
{
	subproc_cmd *cmd = sh("trap '' TERM; exec sleep 100");
	struct heard h = {{0}, 0};
	subproc_status st;

	(void)state;
	subproc_cmd_on_signal(cmd, hear, &h);
	assert_int_equal(subproc_cmd_timeout(cmd, 100, SIGTERM, 100), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.sigs[0], SIGTERM);
	assert_int_equal(h.sigs[1], SIGKILL);
	subproc_cmd_free(cmd);
}

/* A limit passed under SUBPROC_LIMIT_FAIL stops the child with the
 * timeout's signal. The child ignores SIGPIPE, so only that signal can end
 * it. */
static void test_stop_limit_sends_the_timeout_signal(void **state)
{
	subproc_cmd *cmd = sh("trap '' PIPE; while :; do echo 0123456789; done 2>/dev/null");
	subproc_output out = {0};
	subproc_status st;

	(void)state;
	assert_int_equal(subproc_cmd_limit(cmd, 100, SUBPROC_LIMIT_FAIL), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 0, SIGINT, 5000), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ENOBUFS);
	assert_int_equal(out.len, 100);
	assert_true(subproc_status_signaled(st.status));
	assert_int_equal(subproc_status_signal(st.status), SIGINT);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
}

/* A survivor outside the group (its own session) holds stdout: without a
 * wait delay, the reading ends when the grace period does. */
static void test_stop_reading_ends_with_the_grace(void **state)
{
	subproc_cmd *cmd = sh("setsid sleep 100 & echo $!; exec sleep 100");
	subproc_output out = {0};
	subproc_status st;
	long long t0 = mono_ms();
	pid_t held;

	(void)state;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(subproc_cmd_timeout(cmd, 200, SIGTERM, 200), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ETIMEDOUT);
	assert_true(mono_ms() - t0 < 50000);
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	held = (pid_t)strtol(out.data, NULL, 10);
	assert_true(held > 1);
	kill(held, SIGKILL);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
}

/*
 * Without an eventfd for the wake-up (refused, or no fd left) and without
 * a pidfd (the fork path with pidfd_open refused), the engine falls back to
 * looking every few ms: a stop from another thread still gets its SIGKILL,
 * and a group member that ignores the signal still goes.
 */
static int check_without_eventfd_or_pidfd(void *arg)
{
	char *dir = tempdir_make(), script[1024];
	subproc_cmd *cmd = NULL;
	struct stopper s = {0};
	subproc_status st;
	pthread_t t;
	pid_t member;
	int rc;

	(void)arg;
	if (seccomp_fail(__NR_eventfd2, SECCOMP_ANY_ARG, 0, ENOSYS) < 0 ||
	    seccomp_fail(__NR_pidfd_open, SECCOMP_ANY_ARG, 0, ENOSYS) < 0)
		SKIP_FORKED("seccomp is not available");

	CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", "trap '' TERM; echo ready; exec sleep 100")) ==
	      0);
	subproc_cmd_attr(cmd)->launch = SUBPROC_LAUNCH_FORK;
	CHECK(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE) == 0);
	CHECK(subproc_cmd_timeout(cmd, 0, SIGTERM, 200) == 0);
	CHECK(subproc_cmd_start(cmd, NULL) == 0);
	CHECK(subproc_pidfd(subproc_cmd_proc(cmd)) == -1);
	read_ready(cmd);
	s.cmd = cmd;
	CHECK(pthread_create(&t, NULL, stop_later, &s) == 0);
	rc = subproc_cmd_wait(cmd, &st);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(rc == 0 && s.rc == 0);
	CHECK(subproc_status_signal(st.status) == SIGKILL);
	subproc_cmd_free(cmd);

	survivor_script(script, sizeof script, dir, "exec sleep 100");
	CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", script)) == 0);
	subproc_cmd_attr(cmd)->launch = SUBPROC_LAUNCH_FORK;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	CHECK(subproc_cmd_timeout(cmd, 1500, SIGTERM, 300) == 0);
	CHECK(subproc_cmd_run(cmd, &st, NULL) == -ETIMEDOUT);
	CHECK(subproc_status_signal(st.status) == SIGTERM);
	member = pid_file(dir, "s");
	CHECK(member > 1);
	rc = group_dies(subproc_pid(subproc_cmd_proc(cmd)));
	if (!rc)
		kill(member, SIGKILL);
	CHECK(rc);
	subproc_cmd_free(cmd);
	tempdir_remove(dir);
	return 0;
}

static void test_stop_without_eventfd_or_pidfd(void **state)
{
	(void)state;
	assert_forked(check_without_eventfd_or_pidfd, NULL);
}

TEST_MAIN(cmocka_unit_test(test_stop_survivor_by_wait),
          cmocka_unit_test(test_stop_survivor_by_output),
          cmocka_unit_test(test_stop_survivor_in_pipeline_wait),
          cmocka_unit_test(test_stop_survivor_in_pipeline_communicate),
          cmocka_unit_test(test_stop_continues_a_stopped_child),
          cmocka_unit_test(test_stop_grace_never), cmocka_unit_test(test_stop_from_another_thread),
          cmocka_unit_test(test_stop_pipeline_from_another_thread),
          cmocka_unit_test(test_stop_wait_fd), cmocka_unit_test(test_stop_on_signal),
          cmocka_unit_test(test_stop_limit_sends_the_timeout_signal),
          cmocka_unit_test(test_stop_reading_ends_with_the_grace),
          cmocka_unit_test(test_stop_without_eventfd_or_pidfd))
