/* SPDX-License-Identifier: MIT */
/*
 * Sets of commands: hundreds at once with mixed outputs, caps, timeouts and
 * failures, the concurrency limit counted from the children's side,
 * fail-fast, streaming, input, the external-loop mode driven by a plain
 * poll() loop, and no pidfd at all.
 *
 * Where a test bounds a duration, the bound is tens of seconds against an
 * expected fraction of one: it fails only when a stop did not happen at all
 * (a sleep of 100 s ran out), never because the machine is slow.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static subproc_set *set_of(size_t limit)
{
	subproc_set *set = NULL;

	assert_int_equal(subproc_set_new(&set), 0);
	assert_non_null(set);
	assert_int_equal(subproc_set_limit(set, limit), 0);
	return set;
}

/* sh -c SCRIPT sh ARG, with stdout and stderr piped. */
static subproc_cmd *sh_piped(const char *script, const char *arg)
{
	subproc_cmd *cmd = NULL;

	assert_int_equal(subproc_cmd_new(&cmd, ARGS(SH, "-c", script, "sh", arg)), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 2, SUBPROC_STDIO_PIPE), 0);
	return cmd;
}

/* Job i writes "out i" (and, for every 25th, 1 MiB of 'a' more) to stdout,
 * "err i" to stderr, and exits with i % 7. */
#define MIXED_SCRIPT                                                                               \
	"echo out $1; echo err $1 >&2; "                                                           \
	"if [ $(($1 % 25)) = 0 ]; then head -c 1048576 /dev/zero | tr '\\0' a; fi; "               \
	"exit $(($1 % 7))"

static void check_mixed(const subproc_done *d, int i)
{
	char want[64];
	size_t head;

	assert_int_equal(d->result, 0);
	assert_true(d->reaped);
	assert_true(d->started.tv_sec > 0);
	assert_true(d->elapsed.tv_sec >= 0 && d->elapsed.tv_nsec >= 0 &&
	            d->elapsed.tv_nsec < 1000000000);
	assert_true(subproc_status_exited(d->status.status));
	assert_int_equal(subproc_status_exit_code(d->status.status), i % 7);
	head = (size_t)snprintf(want, sizeof want, "out %d\n", i);
	assert_true(d->out.len >= head);
	assert_memory_equal(d->out.data, want, head);
	if (i % 25 == 0) {
		assert_int_equal(d->out.len, head + 1048576);
		for (size_t k = head; k < d->out.len; k++)
			if (d->out.data[k] != 'a')
				fail_msg("job %d: byte %zu is %d", i, k, d->out.data[k]);
	} else {
		assert_int_equal(d->out.len, head);
	}
	snprintf(want, sizeof want, "err %d\n", i);
	assert_string_equal(d->err.data, want);
}

static void sigchld_is_default(void)
{
	struct sigaction sa;

	assert_int_equal(sigaction(SIGCHLD, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
	assert_false(sa.sa_flags & SA_SIGINFO);
}

/* Runs `n` mixed jobs at most `limit` at once (0: all at once) and checks
 * every output whole and attributed, every job handed back once, and
 * nothing left behind. */
static void run_mixed(int n, size_t limit)
{
	int before = fd_count();
	subproc_set *set = set_of(limit);
	char *seen = calloc((size_t)n, 1);
	subproc_done d;
	int got = 0;

	assert_non_null(seen);
	sigchld_is_default();
	for (int i = 0; i < n; i++) {
		char arg[16];

		snprintf(arg, sizeof arg, "%d", i);
		assert_int_equal(subproc_set_add(set, sh_piped(MIXED_SCRIPT, arg), NULL, 0,
		                                 (void *)(intptr_t)i),
		                 0);
	}
	assert_int_equal(subproc_set_len(set), (size_t)n);
	while (subproc_set_next(set, &d, -1) == 0) {
		int i = (int)(intptr_t)d.ctx;

		if (got == n / 2)
			sigchld_is_default();
		assert_true(i >= 0 && i < n);
		assert_false(seen[i]);
		seen[i] = 1;
		got++;
		check_mixed(&d, i);
		assert_true(limit == 0 || subproc_set_running(set) <= limit);
		done_free(&d);
	}
	/* No SIGCHLD handler, while running or after. */
	sigchld_is_default();
	assert_int_equal(got, n);
	assert_int_equal(subproc_set_next(set, &d, 0), -ECHILD);
	assert_int_equal(subproc_set_len(set), 0);
	subproc_set_free(set);
	free(seen);
	assert_true(no_children());
	assert_int_equal(fd_count(), before);
}

static void test_set_many_mixed(void **state)
{
	(void)state;
	run_mixed(250, 16);
}

/* Hundreds running at once: no limit. */
static void test_set_hundreds_at_once(void **state)
{
	(void)state;
	run_mixed(200, 0);
}

/* The limit as the children see it: each probe waits, counting, until
 * LIMIT run at once; more than LIMIT at any moment fails, fewer hangs
 * until the probe's 60 s end and fails too. */
static void test_set_limit_from_child_side(void **state)
{
	enum { N = 24, LIMIT = 4 };
	char *dir = tempdir_make();
	char total[16], limit[16];
	subproc_set *set = set_of(LIMIT);
	subproc_done d;
	int got = 0;

	(void)state;
	assert_non_null(dir);
	snprintf(total, sizeof total, "%d", N);
	snprintf(limit, sizeof limit, "%d", LIMIT);
	for (int i = 0; i < N; i++) {
		subproc_cmd *cmd = NULL;

		assert_int_equal(subproc_cmd_new(&cmd, ARGS(PROBE, "--gate", dir, limit, total)),
		                 0);
		assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
		assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	}
	while (subproc_set_next(set, &d, -1) == 0) {
		struct report r;

		assert_int_equal(d.result, 0);
		assert_int_equal(report_parse_text(d.out.data, d.out.len, &r), 0);
		assert_true(report_long(&r, "gate.max") <= LIMIT);
		assert_true(report_is_long(&r, "gate.stuck", 0));
		report_free(&r);
		done_free(&d);
		got++;
	}
	assert_int_equal(got, N);
	subproc_set_free(set);
	tempdir_remove(dir);
}

/* Each command's own timeout, cap and start error, in one set. */
static void test_set_timeouts_caps_failures(void **state)
{
	subproc_set *set = set_of(0);
	subproc_cmd *slow = sh_piped("echo started; exec sleep 100", ""),
		    *capped = sh_piped("head -c 100000 /dev/zero", ""),
		    *ends = sh_piped("head -c 100000 /dev/zero | tr '\\0' b; echo tail", ""),
		    *missing = NULL, *quick = sh_piped("echo quick", "");
	long long t0 = mono_ms();
	subproc_done d;
	int seen = 0;

	(void)state;
	assert_int_equal(subproc_cmd_new(&missing, ARGS("/nonexistent/program")), 0);
	assert_int_equal(subproc_cmd_timeout(slow, 200, SIGTERM, 0), 0);
	assert_int_equal(subproc_cmd_limit(capped, 1000, SUBPROC_LIMIT_FAIL), 0);
	assert_int_equal(subproc_cmd_limit(ends, 1000, SUBPROC_LIMIT_KEEP_ENDS), 0);
	assert_int_equal(subproc_set_add(set, slow, NULL, 0, "slow"), 0);
	assert_int_equal(subproc_set_add(set, capped, NULL, 0, "capped"), 0);
	assert_int_equal(subproc_set_add(set, ends, NULL, 0, "ends"), 0);
	assert_int_equal(subproc_set_add(set, missing, NULL, 0, "missing"), 0);
	assert_int_equal(subproc_set_add(set, quick, NULL, 0, "quick"), 0);
	while (subproc_set_next(set, &d, -1) == 0) {
		const char *what = d.ctx;

		if (strcmp(what, "slow") == 0) {
			assert_int_equal(d.result, -ETIMEDOUT);
			assert_true(d.reaped);
			assert_int_equal(subproc_status_signal(d.status.status), SIGTERM);
			/* Ended by the 200 ms timeout, not before. */
			assert_true(d.elapsed.tv_sec * 1000 + d.elapsed.tv_nsec / 1000000 >= 200);
			assert_string_equal(d.out.data, "started\n");
			assert_int_equal(d.error.code, -ETIMEDOUT);
			assert_int_equal(d.error.step, SUBPROC_STEP_NONE);
			seen |= 1;
		} else if (strcmp(what, "capped") == 0) {
			assert_int_equal(d.result, -ENOBUFS);
			assert_int_equal(d.out.len, 1000);
			seen |= 2;
		} else if (strcmp(what, "ends") == 0) {
			assert_int_equal(d.result, 0);
			assert_int_equal(d.out.len, 1000);
			assert_int_equal(d.out.dropped, 100005 - 1000);
			assert_memory_equal(d.out.data + 995, "tail\n", 5);
			seen |= 4;
		} else if (strcmp(what, "missing") == 0) {
			assert_int_equal(d.result, -ENOENT);
			assert_int_equal(d.error.code, -ENOENT);
			assert_int_not_equal(d.error.step, SUBPROC_STEP_NONE);
			assert_false(d.reaped);
			assert_null(d.out.data);
			seen |= 8;
		} else {
			assert_int_equal(d.result, 0);
			assert_int_equal(d.error.code, 0);
			assert_string_equal(d.out.data, "quick\n");
			seen |= 16;
		}
		done_free(&d);
	}
	assert_int_equal(seen, 31);
	assert_true(mono_ms() - t0 < 50000);
	subproc_set_free(set);
	assert_true(no_children());
}

/* Fail-fast: the first failure stops the running commands (SIGTERM, then
 * SIGKILL after the grace period for one that ignores it) and cancels the
 * queued ones, well before their sleeps of 100 s end. */
static void test_set_fail_fast(void **state)
{
	enum { N = 30, LIMIT = 6 };
	subproc_set *set = set_of(LIMIT);
	char *dir = tempdir_make(), fail[4200], ignore[4200];
	long long t0 = mono_ms();
	int failed = 0, stopped = 0, killed = 0, cancelled = 0;
	subproc_done d;

	(void)state;
	assert_non_null(dir);
	/* The failure comes once the one that ignores SIGTERM is ready. */
	snprintf(fail, sizeof fail, "while [ ! -e %s/ready ]; do sleep 0.01; done; exit 3", dir);
	snprintf(ignore, sizeof ignore, "trap '' TERM; touch %s/ready; while :; do sleep 1; done",
	         dir);
	assert_int_equal(subproc_set_add(set, sh_piped(fail, ""), NULL, 0, "fail"), 0);
	for (int i = 1; i < N; i++) {
		subproc_cmd *cmd = sh_piped(i == 1 ? ignore : "exec sleep 100", "");
		/* 300 ms of grace before SIGKILL. */
		assert_int_equal(subproc_cmd_timeout(cmd, 0, SIGTERM, 300), 0);
		assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	}
	while (subproc_set_next(set, &d, -1) == 0) {
		if (d.ctx != NULL) {
			assert_int_equal(subproc_status_exit_code(d.status.status), 3);
			failed++;
			/* The next queued one took its place at once. */
			assert_int_equal(subproc_set_running(set), LIMIT);
			assert_int_equal(subproc_set_stop(set, 0), 0);
		} else if (d.result == -ECANCELED) {
			assert_false(d.reaped);
			assert_null(subproc_cmd_proc(d.cmd));
			cancelled++;
		} else if (subproc_status_signal(d.status.status) == SIGKILL) {
			killed++;
		} else {
			assert_int_equal(subproc_status_signal(d.status.status), SIGTERM);
			stopped++;
		}
		done_free(&d);
	}
	assert_int_equal(failed, 1);
	assert_int_equal(killed, 1);
	assert_int_equal(stopped, LIMIT - 1);
	assert_int_equal(cancelled, N - LIMIT - 1);
	assert_true(mono_ms() - t0 < 50000);
	subproc_set_free(set);
	assert_true(no_children());
	tempdir_remove(dir);
}

/* The external-loop mode: a plain poll() on the set's one fd, dispatch,
 * then next with timeout 0. The timeout of the slow command must make the
 * fd readable by itself (nothing else happens then). */
static void test_set_external_loop(void **state)
{
	subproc_set *set = set_of(2);
	subproc_cmd *slow = sh_piped("exec sleep 100", "");
	long long t0 = mono_ms();
	int fd, done = 0, wakeups = 0;

	(void)state;
	fd = subproc_set_fd(set);
	if (SUBPROC_TEST_PORTABLE) {
		assert_int_equal(fd, -ENOSYS);
		subproc_cmd_free(slow);
		subproc_set_free(set);
		skip_because("the portable build has no single fd to watch");
	}
	assert_true(fd >= 0);
	assert_int_equal(subproc_cmd_timeout(slow, 300, SIGKILL, 0), 0);
	assert_int_equal(subproc_set_add(set, slow, NULL, 0, NULL), 0);
	for (int i = 0; i < 5; i++) {
		char arg[16];
		snprintf(arg, sizeof arg, "%d", i);
		assert_int_equal(subproc_set_add(set, sh_piped(MIXED_SCRIPT, arg), NULL, 0,
		                                 (void *)(intptr_t)(i + 1)),
		                 0);
	}
	/* Nothing was started by add: the fd says there is work. */
	assert_int_equal(subproc_set_running(set), 0);
	while (done < 6) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		subproc_done d;
		int r;

		assert_int_equal(poll(&pfd, 1, 60000), 1);
		wakeups++;
		int ready, taken = 0, waiting = subproc_set_dispatch(set);

		assert_true(waiting >= 0);
		/* A finished command waiting to be taken keeps the fd
		 * readable: a loop that polls before next misses nothing. */
		pfd.revents = 0;
		ready = poll(&pfd, 1, 0);
		while ((r = subproc_set_next(set, &d, 0)) == 0) {
			taken++;
			if (d.ctx == NULL) {
				assert_int_equal(d.result, -ETIMEDOUT);
				assert_int_equal(subproc_status_signal(d.status.status), SIGKILL);
			} else {
				check_mixed(&d, (int)(intptr_t)d.ctx - 1);
			}
			done_free(&d);
			done++;
		}
		assert_int_equal(r, done < 6 ? -EAGAIN : -ECHILD);
		/* next serves too: more may have ended since dispatch. */
		assert_true(taken >= waiting);
		if (waiting > 0)
			assert_int_equal(ready, 1);
		assert_true(subproc_set_running(set) <= 2);
	}
	assert_true(wakeups >= 2);
	assert_true(mono_ms() - t0 < 50000);
	/* Level-triggered: readable for as long as a done command waits, and
	 * quiet once it is taken and nothing else is due. */
	assert_int_equal(subproc_set_add(set, sh_piped("exit 0", ""), NULL, 0, NULL), 0);
	for (int n = 0; n == 0;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		assert_int_equal(poll(&pfd, 1, 60000), 1);
		assert_true((n = subproc_set_dispatch(set)) >= 0);
	}
	for (int i = 0; i < 2; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		assert_int_equal(poll(&pfd, 1, 0), 1);
	}
	{
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		subproc_done d;

		assert_int_equal(subproc_set_next(set, &d, 0), 0);
		done_free(&d);
		assert_int_equal(poll(&pfd, 1, 0), 0);
	}
	subproc_set_free(set);
	assert_true(no_children());
}

struct stream_log {
	subproc_output got[3];
	int ends[3];
};

static void on_output(void *ctx, int stream, const char *data, size_t len)
{
	struct stream_log *log = ctx;
	subproc_output *o = &log->got[stream];

	if (len == 0) {
		assert_null(data);
		log->ends[stream]++;
		return;
	}
	assert_int_equal(log->ends[stream], 0);
	o->data = realloc(o->data, o->len + len);
	assert_non_null(o->data);
	memcpy(o->data + o->len, data, len);
	o->len += len;
}

/* Streamed output: every byte reaches the callback, in order, then one
 * end per stream; nothing is captured. */
static void test_set_streams_to_callback(void **state)
{
	subproc_set *set = set_of(0);
	struct stream_log log = {0};
	subproc_cmd *cmd = sh_piped("head -c 3000000 /dev/zero | tr '\\0' c; echo e >&2", "");
	subproc_done d;

	(void)state;
	subproc_cmd_on_output(cmd, on_output, &log);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	assert_int_equal(subproc_set_next(set, &d, -1), 0);
	assert_int_equal(d.result, 0);
	assert_null(d.out.data);
	assert_null(d.err.data);
	assert_int_equal(log.got[1].len, 3000000);
	for (size_t k = 0; k < log.got[1].len; k++)
		if (log.got[1].data[k] != 'c')
			fail_msg("byte %zu is %d", k, log.got[1].data[k]);
	assert_int_equal(log.got[2].len, 2);
	assert_memory_equal(log.got[2].data, "e\n", 2);
	assert_int_equal(log.ends[1], 1);
	assert_int_equal(log.ends[2], 1);
	free(log.got[1].data);
	free(log.got[2].data);
	done_free(&d);
	subproc_set_free(set);
}

/* Input: each cat gets its own 2 MiB back; head stops reading after 10
 * bytes, which costs its writer EPIPE, never SIGPIPE (that would kill this
 * test). */
static void test_set_input(void **state)
{
	enum { N = 4, SIZE = 2 * 1024 * 1024 };
	subproc_set *set = set_of(0);
	char *in[N];
	subproc_cmd *head = sh_piped("head -c 10", "");
	subproc_done d;
	int got = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		in[i] = malloc(SIZE);
		assert_non_null(in[i]);
		for (size_t k = 0; k < SIZE; k++)
			in[i][k] = (char)('a' + (k * 7 + (size_t)i) % 26);
		assert_int_equal(subproc_set_add(set, sh_piped("exec cat", ""), in[i], SIZE, in[i]),
		                 0);
	}
	assert_int_equal(subproc_set_add(set, head, in[0], SIZE, NULL), 0);
	while (subproc_set_next(set, &d, -1) == 0) {
		assert_int_equal(d.result, 0);
		if (d.ctx == NULL) {
			assert_int_equal(d.out.len, 10);
			assert_memory_equal(d.out.data, in[0], 10);
		} else {
			assert_int_equal(d.out.len, SIZE);
			assert_memory_equal(d.out.data, d.ctx, SIZE);
		}
		done_free(&d);
		got++;
	}
	assert_int_equal(got, N + 1);
	/* The mask is as it was, and the SIGPIPE head's exit raised is gone. */
	{
		sigset_t cur, pending;

		assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
		assert_false(sigismember(&cur, SIGPIPE));
		assert_int_equal(sigpending(&pending), 0);
		assert_false(sigismember(&pending, SIGPIPE));
	}
	for (int i = 0; i < N; i++)
		free(in[i]);
	subproc_set_free(set);
}

/* Without pidfds (pidfd_open refused, the fork path) the set looks at its
 * children instead, and a timeout still fires. */
static int check_without_pidfd(void *arg)
{
	subproc_set *set = NULL;
	subproc_cmd *slow = NULL;
	subproc_done d;
	int got = 0;

	(void)arg;
	if (seccomp_fail(__NR_pidfd_open, SECCOMP_ANY_ARG, 0, ENOSYS) < 0)
		SKIP_FORKED("seccomp is not available");
	CHECK(subproc_set_new(&set) == 0);
	CHECK(subproc_set_limit(set, 3) == 0);
	CHECK(subproc_cmd_new(&slow, ARGS(SH, "-c", "exec sleep 100")) == 0);
	subproc_cmd_attr(slow)->launch = SUBPROC_LAUNCH_FORK;
	CHECK(subproc_cmd_timeout(slow, 200, SIGTERM, 0) == 0);
	CHECK(subproc_set_add(set, slow, NULL, 0, slow) == 0);
	for (int i = 0; i < 10; i++) {
		subproc_cmd *cmd = NULL;

		CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", "echo $1; exit $1", "sh", "5")) == 0);
		subproc_cmd_attr(cmd)->launch = SUBPROC_LAUNCH_FORK;
		CHECK(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE) == 0);
		CHECK(subproc_set_add(set, cmd, NULL, 0, NULL) == 0);
	}
	while (subproc_set_next(set, &d, -1) == 0) {
		CHECK(subproc_pidfd(subproc_cmd_proc(d.cmd)) == -1);
		if (d.ctx != NULL) {
			CHECK(d.result == -ETIMEDOUT);
			CHECK(subproc_status_signal(d.status.status) == SIGTERM);
		} else {
			CHECK(d.result == 0);
			CHECK(subproc_status_exit_code(d.status.status) == 5);
			CHECK(d.out.len == 2 && memcmp(d.out.data, "5\n", 2) == 0);
		}
		done_free(&d);
		got++;
	}
	CHECK(got == 11);
	subproc_set_free(set);
	CHECK(no_children());
	return 0;
}

/* A full fd table: each command that needs an fd it cannot have is handed
 * back with -EMFILE (its step named when it failed in the start), none is
 * lost or left running, nothing leaks, and the set works again once fds
 * are free. */
static int check_full_fd_table(void *arg)
{
	struct rlimit old, low;
	subproc_set *set = NULL;
	subproc_cmd *cmd = NULL;
	subproc_done d;
	int fill[256], nfill = 0, before, got = 0;
	char text[256];

	(void)arg;
	CHECK(subproc_set_new(&set) == 0);
	before = fd_count();
	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 64;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	while (nfill < 256 && (fill[nfill] = dup(0)) >= 0)
		nfill++;
	CHECK(errno == EMFILE);
	/* Piped, and not: the pidfd is an fd too. */
	CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", "echo hi")) == 0);
	CHECK(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE) == 0);
	CHECK(subproc_set_add(set, cmd, NULL, 0, NULL) == 0);
	CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", "exit 3")) == 0);
	CHECK(subproc_set_add(set, cmd, NULL, 0, NULL) == 0);
	while (subproc_set_next(set, &d, -1) == 0) {
		subproc_error_format(&d.error, text, sizeof text);
		if (d.result < 0) {
			CHECK(d.result == -EMFILE);
			CHECK(d.error.code == -EMFILE);
			CHECK(!d.reaped);
		} else {
			/* Started after all (without a pidfd): it ran whole. */
			CHECK(d.reaped && subproc_status_exit_code(d.status.status) == 3);
		}
		printf("# full fd table: result %d: %s\n", d.result, text);
		done_free(&d);
		got++;
	}
	CHECK(got == 2);
	while (nfill > 0)
		close(fill[--nfill]);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK(fd_count() == before);
	CHECK(subproc_set_add(set, sh_piped("echo $1", "again"), NULL, 0, NULL) == 0);
	CHECK(subproc_set_next(set, &d, -1) == 0);
	CHECK(d.result == 0 && d.out.len == 6 && memcmp(d.out.data, "again\n", 6) == 0);
	done_free(&d);
	subproc_set_free(set);
	CHECK(no_children());
	return 0;
}

static void test_set_full_fd_table(void **state)
{
	(void)state;
	assert_forked(check_full_fd_table, NULL);
}

static void test_set_without_pidfd(void **state)
{
	(void)state;
	need_linux_build("pidfds");
	assert_forked(check_without_pidfd, NULL);
}

/* A seccomp filter that refuses epoll_create1 or timerfd_create: the set
 * is not made, with that errno, and nothing is left open. */
static int check_refused_call(void *arg)
{
	long nr = (long)(intptr_t)arg;
	subproc_set *set = (subproc_set *)&set;
	int before = fd_count();

	if (seccomp_fail(nr, SECCOMP_ANY_ARG, 0, EPERM) < 0)
		SKIP_FORKED("seccomp is not available");
	CHECK(subproc_set_new(&set) == -EPERM);
	CHECK(set == NULL);
	CHECK(fd_count() == before);
	return 0;
}

static void test_set_new_refused(void **state)
{
	(void)state;
	need_linux_build("epoll");
	assert_forked(check_refused_call, (void *)(intptr_t)__NR_epoll_create1);
	assert_forked(check_refused_call, (void *)(intptr_t)__NR_timerfd_create);
}

/* Freeing a set with commands queued, running (one ignoring SIGTERM, in
 * its own group with a grandchild) and done but not taken leaves no child,
 * zombie or fd. */
static void test_set_free_in_any_state(void **state)
{
	int before = fd_count();
	subproc_set *set = set_of(3);
	subproc_cmd *group = sh_piped("trap '' TERM; sleep 100 & echo ready; wait", "");

	(void)state;
	subproc_cmd_attr(group)->flags |= SUBPROC_SETPGID;
	subproc_cmd_attr(group)->pgid = 0;
	assert_int_equal(subproc_set_add(set, sh_piped("echo done", ""), NULL, 0, NULL), 0);
	assert_int_equal(subproc_set_add(set, group, NULL, 0, NULL), 0);
	assert_int_equal(subproc_set_add(set, sh_piped("exec sleep 100", ""), NULL, 0, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(
			subproc_set_add(set, sh_piped("exec sleep 100", ""), NULL, 0, NULL), 0);
	/* Serve until the first is done and the others run. */
	while (subproc_set_dispatch(set) == 0)
		assert_int_not_equal(subproc_set_running(set), 0);
	assert_int_equal(subproc_set_len(set), 8);
	assert_true(subproc_set_running(set) >= 2);
	assert_null(subproc_set_free(set));
	assert_true(no_children());
	assert_int_equal(fd_count(), before);
}

static void test_set_refuses(void **state)
{
	subproc_set *set = set_of(0), *other = set_of(0);
	subproc_cmd *cmd = sh_piped("exit 0", ""), *started = sh_piped("exit 0", "");
	subproc_cmd *file = sh_piped("exit 0", "");
	subproc_pipeline *pl = NULL;
	subproc_done d = {0};

	(void)state;
	assert_int_equal(subproc_set_new(NULL), -EINVAL);
	assert_int_equal(subproc_set_next(set, &d, 0), -ECHILD);
	assert_int_equal(subproc_set_add(set, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 1, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_stdio_file(file, 0, "/dev/null", false), 0);
	assert_int_equal(subproc_set_add(set, file, "x", 1, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_start(started, NULL), 0);
	assert_int_equal(subproc_set_add(set, started, NULL, 0, NULL), -EBUSY);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), -EBUSY);
	assert_int_equal(subproc_set_add(other, cmd, NULL, 0, NULL), -EBUSY);
	/* The set's until handed back. */
	assert_int_equal(subproc_cmd_start(cmd, NULL), -EBUSY);
	assert_int_equal(subproc_cmd_wait(cmd, NULL), -EBUSY);
	assert_int_equal(subproc_cmd_output(cmd, NULL, NULL, NULL, NULL), -EBUSY);
	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -EINVAL);
	assert_int_equal(subproc_set_stop(set, -1), -EINVAL);
	assert_int_equal(subproc_set_stop(set, 65), -EINVAL);
	assert_int_equal(subproc_set_next(set, &d, -1), 0);
	assert_ptr_equal(d.cmd, cmd);
	/* Handed back, it is the caller's: it may go into a pipeline now. */
	assert_int_equal(subproc_set_next(set, &d, 0), -ECHILD);
	subproc_output_free(&d.out);
	subproc_output_free(&d.err);
	subproc_pipeline_free(pl);
	subproc_cmd_free(cmd);
	subproc_cmd_free(file);
	subproc_cmd_free(started);
	subproc_set_free(set);
	subproc_set_free(other);
	assert_null(subproc_set_free(NULL));
}

/* next with a timeout and nothing done in it: -EAGAIN, nothing lost. */
static void test_set_next_timeout(void **state)
{
	subproc_set *set = set_of(0);
	subproc_cmd *cmd = sh_piped("read x; echo got $x", "");
	subproc_done d;

	(void)state;
	assert_int_equal(subproc_set_add(set, cmd, "hi\n", 3, NULL), 0);
	assert_int_equal(subproc_set_stop(set, 0), 0); /* queued: cancelled */
	assert_int_equal(subproc_set_next(set, &d, 0), 0);
	assert_int_equal(d.result, -ECANCELED);
	assert_int_equal(subproc_set_add(set, d.cmd, "hi\n", 3, NULL), 0);
	cmd = sh_piped("exec sleep 100", "");
	assert_int_equal(subproc_cmd_timeout(cmd, 0, SIGKILL, 0), 0);
	assert_int_equal(subproc_set_add(set, cmd, NULL, 0, cmd), 0);
	/* The sleep never ends by itself: the one that comes is the read. */
	assert_int_equal(subproc_set_next(set, &d, 30000), 0);
	assert_null(d.ctx);
	assert_string_equal(d.out.data, "got hi\n");
	done_free(&d);
	assert_int_equal(subproc_set_next(set, &d, 20), -EAGAIN);
	assert_int_equal(subproc_set_next(set, &d, 0), -EAGAIN);
	assert_int_equal(subproc_set_running(set), 1);
	assert_int_equal(subproc_set_stop(set, SIGKILL), 0);
	assert_int_equal(subproc_set_next(set, &d, -1), 0);
	assert_ptr_equal(d.ctx, cmd);
	assert_int_equal(subproc_status_signal(d.status.status), SIGKILL);
	done_free(&d);
	subproc_set_free(set);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_many_mixed),
		cmocka_unit_test(test_set_hundreds_at_once),
		cmocka_unit_test(test_set_limit_from_child_side),
		cmocka_unit_test(test_set_timeouts_caps_failures),
		cmocka_unit_test(test_set_fail_fast),
		cmocka_unit_test(test_set_external_loop),
		cmocka_unit_test(test_set_streams_to_callback),
		cmocka_unit_test(test_set_input),
		cmocka_unit_test(test_set_without_pidfd),
		cmocka_unit_test(test_set_full_fd_table),
		cmocka_unit_test(test_set_new_refused),
		cmocka_unit_test(test_set_free_in_any_state),
		cmocka_unit_test(test_set_refuses),
		cmocka_unit_test(test_set_next_timeout),
	};

	return support_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
