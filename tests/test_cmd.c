/* SPDX-License-Identifier: MIT */
/*
 * Commands (the cmd layer): every stdio mode, environment operations,
 * communicate at every size, output caps, timeouts of whole process trees,
 * and freeing in any state, with real programs (sh, cat, head and the probe).
 *
 * Where a test bounds a duration, the bound is tens of seconds against an
 * expected fraction of one: it fails only when a stop did not happen at all
 * (a sleep of 100 s ran out), never because the machine is slow.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SH "/bin/sh"
#define MIB (1024 * 1024)

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static subproc_cmd *cmd_of(const char *const *argv)
{
	subproc_cmd *cmd = NULL;

	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_non_null(cmd);
	return cmd;
}

static subproc_cmd *sh(const char *script)
{
	return cmd_of(ARGS(SH, "-c", script));
}

/* The probe as a command, its report captured from stdout and parsed. */
static void probe_output(subproc_cmd *cmd, struct report *r)
{
	subproc_output out = {0};
	subproc_status st;

	memset(r, 0, sizeof *r);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_true(subproc_status_exited(st.status));
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	assert_int_equal(report_parse_text(out.data, out.len, r), 0);
	subproc_output_free(&out);
}

/* A buffer of n bytes that is not all one value, so that a dropped or
 * repeated block shows. */
static char *pattern(size_t n)
{
	char *p = malloc(n ? n : 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	return p;
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = s ? strlen(s) : 0, m = strlen(end);

	if (n >= m && strcmp(s + n - m, end) == 0)
		return true;
	fprintf(stderr, "\"%s\" does not end with \"%s\"\n", s ? s : "(null)", end);
	return false;
}

/* --- stdio modes ---------------------------------------------------------- */

static void test_cmd_stdio_inherit(void **state)
{
	int p[2], null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct report r = {0};
	subproc_cmd *cmd = cmd_of(ARGS(PROBE, "--report-fd", "3"));
	subproc_status st;

	(void)state;
	assert_true(null >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, p[1]), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
	close(p[1]);
	assert_int_equal(report_read(p[0], &r), 0);
	close(p[0]);
	/* Inherit means the caller's own fds 0, 1 and 2, not copies. */
	assert_true(report_fd_is(&r, 0, 0));
	assert_true(report_fd_is(&r, 1, 1));
	assert_true(report_fd_is(&r, 2, 2));
	report_free(&r);
	subproc_cmd_free(cmd);
	close(null);
}

static void test_cmd_stdio_null(void **state)
{
	int p[2], null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct report r = {0};
	subproc_cmd *cmd = cmd_of(ARGS(PROBE, "--report-fd", "3"));

	(void)state;
	assert_true(null >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(subproc_cmd_stdio(cmd, i, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, p[1]), 0);
	assert_int_equal(subproc_cmd_run(cmd, NULL, NULL), 0);
	close(p[1]);
	assert_int_equal(report_read(p[0], &r), 0);
	close(p[0]);
	for (int i = 0; i < 3; i++)
		assert_true(report_fd_is(&r, i, null));
	/* Opened for reading as stdin, for writing as stdout and stderr. */
	assert_true(ends_with(report_get(&r, "fd.0"), ":r"));
	assert_true(ends_with(report_get(&r, "fd.1"), ":w"));
	assert_true(ends_with(report_get(&r, "fd.2"), ":w"));
	report_free(&r);
	subproc_cmd_free(cmd);
	close(null);
}

static void test_cmd_stdio_pipe(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS("cat"));
	char buf[16];
	ssize_t n;
	int fl;

	(void)state;
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE | SUBPROC_STDIO_NONBLOCK), 0);
	assert_int_equal(subproc_cmd_fd(cmd, 0), -1); /* not started */
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_true(subproc_cmd_fd(cmd, 0) >= 0);
	assert_true(subproc_cmd_fd(cmd, 1) >= 0);
	assert_int_equal(subproc_cmd_fd(cmd, 2), -1); /* inherited: no pipe */
	/* The parent's ends are close-on-exec; only stdout's is non-blocking. */
	assert_true(fcntl(subproc_cmd_fd(cmd, 0), F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(subproc_cmd_fd(cmd, 1), F_GETFD) & FD_CLOEXEC);
	fl = fcntl(subproc_cmd_fd(cmd, 1), F_GETFL);
	assert_true(fl & O_NONBLOCK);
	assert_false(fcntl(subproc_cmd_fd(cmd, 0), F_GETFL) & O_NONBLOCK);
	assert_int_equal(write(subproc_cmd_fd(cmd, 0), "ping", 4), 4);
	assert_int_equal(subproc_cmd_close(cmd, 0), 0);
	assert_int_equal(subproc_cmd_close(cmd, 0), -EBADF);
	assert_int_equal(fcntl(subproc_cmd_fd(cmd, 1), F_SETFL, fl & ~O_NONBLOCK), 0);
	n = read(subproc_cmd_fd(cmd, 1), buf, sizeof buf);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(subproc_cmd_wait(cmd, NULL), 0);
	/* wait closed the parent's ends. */
	assert_int_equal(subproc_cmd_fd(cmd, 1), -1);
	subproc_cmd_free(cmd);
}

static void test_cmd_stdio_merge_keeps_order(void **state)
{
	/* 300 alternating lines, each written by its own write(2). */
	subproc_cmd *cmd = sh("i=0; while [ $i -lt 300 ]; do echo out$i; echo err$i >&2; "
	                      "i=$((i+1)); done");
	subproc_output out = {0};
	char *want = malloc(300 * 20), *w = want;

	(void)state;
	assert_non_null(want);
	for (int i = 0; i < 300; i++)
		w += sprintf(w, "out%d\nerr%d\n", i, i);
	assert_int_equal(subproc_cmd_stdio(cmd, 2, SUBPROC_STDIO_MERGE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_MERGE), -EINVAL);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, NULL), 0);
	assert_int_equal(out.len, (size_t)(w - want));
	assert_memory_equal(out.data, want, out.len);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	free(want);
}

static void test_cmd_stdio_file(void **state)
{
	char *dir = tempdir_make(), path[4200], inpath[4200];
	subproc_cmd *cmd;
	subproc_output out = {0};
	subproc_error err;
	char buf[64] = "";
	int fd;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/out", dir);
	snprintf(inpath, sizeof inpath, "%s/in", dir);
	free(file_make(dir, "in", "from a file\n", 12, 0644));

	/* Truncate, then append. */
	for (int round = 0; round < 3; round++) {
		cmd = sh("echo line; echo err >&2");
		assert_int_equal(subproc_cmd_stdio_file(cmd, 1, path, round == 2), 0);
		assert_int_equal(subproc_cmd_stdio_file(cmd, 2, path, true), 0);
		assert_int_equal(subproc_cmd_run(cmd, NULL, NULL), 0);
		subproc_cmd_free(cmd);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof buf - 1) > 0);
	close(fd);
	/* Round 1 truncated round 0's text; round 2 appended. stderr's
	 * O_APPEND lands after stdout's line in each round. */
	assert_string_equal(buf, "line\nerr\nline\nerr\n");

	/* stdin from a file. */
	cmd = cmd_of(ARGS("cat"));
	assert_int_equal(subproc_cmd_stdio_file(cmd, 0, inpath, false), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, NULL), 0);
	assert_string_equal(out.data, "from a file\n");
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	/* A file that cannot be opened fails the start at step "open", with
	 * its path, and leaves nothing behind. */
	int before = fd_count();
	snprintf(path, sizeof path, "%s/missing/x", dir);
	cmd = cmd_of(ARGS("cat"));
	assert_int_equal(subproc_cmd_stdio_file(cmd, 0, path, false), 0);
	assert_int_equal(subproc_cmd_start(cmd, &err), -ENOENT);
	assert_true(error_is(-ENOENT, &err, -ENOENT, SUBPROC_STEP_OPEN));
	assert_string_equal(err.path, path);
	assert_null(subproc_cmd_proc(cmd));
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
	subproc_cmd_free(cmd);
	tempdir_remove(dir);
}

static void test_cmd_stdio_fd_and_extra_fds(void **state)
{
	int out[2], a = fd_marker(true, -1), b = fd_marker(false, -1);
	subproc_cmd *cmd = cmd_of(ARGS(PROBE));
	struct report r = {0};
	char text[8192];
	ssize_t n, total = 0;

	(void)state;
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(subproc_cmd_stdio_fd(cmd, 1, out[1]), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, a), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, b), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, -2), -EINVAL);
	assert_int_equal(subproc_cmd_extra_fd(cmd, -1), 0); /* fd 5: closed */
	assert_int_equal(subproc_cmd_extra_fd(cmd, b), 0);  /* fd 6 */
	assert_int_equal(subproc_cmd_run(cmd, NULL, NULL), 0);
	/* The caller's fd stays the caller's. */
	assert_true(fd_is_open(out[1]));
	close(out[1]);
	while ((n = read(out[0], text + total, sizeof text - 1 - (size_t)total)) > 0)
		total += n;
	close(out[0]);
	assert_int_equal(report_parse_text(text, (size_t)total, &r), 0);
	assert_true(report_fd_is(&r, 3, a)); /* close-on-exec or not */
	assert_true(report_fd_is(&r, 4, b));
	assert_true(report_fd_is(&r, 6, b));
	assert_true(report_is(&r, "fds", "0,1,2,3,4,6"));
	report_free(&r);
	subproc_cmd_free(cmd);
	close(a);
	close(b);
}

/* --- environment, directory, attributes ----------------------------------- */

static void test_cmd_env_ops(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS(PROBE));
	struct report r;

	(void)state;
	setenv("SUBPROC_TEST_KEEP", "kept", 1);
	setenv("SUBPROC_TEST_DROP", "x", 1);
	assert_int_equal(subproc_cmd_setenv(cmd, "A", "1"), 0);
	assert_int_equal(subproc_cmd_setenv(cmd, "A", "2"), 0); /* last wins */
	assert_int_equal(subproc_cmd_unsetenv(cmd, "SUBPROC_TEST_DROP"), 0);
	assert_int_equal(subproc_cmd_setenv(cmd, "B", "x=y"), 0);
	assert_int_equal(subproc_cmd_unsetenv(cmd, "B"), 0);
	assert_int_equal(subproc_cmd_setenv(cmd, "B", "again"), 0);
	assert_int_equal(subproc_cmd_setenv(cmd, "", "v"), -EINVAL);
	assert_int_equal(subproc_cmd_setenv(cmd, "C=D", "v"), -EINVAL);
	assert_int_equal(subproc_cmd_unsetenv(cmd, "C=D"), -EINVAL);
	probe_output(cmd, &r);
	assert_true(report_is(&r, "env.A", "2"));
	assert_true(report_is(&r, "env.B", "again"));
	assert_true(report_is(&r, "env.SUBPROC_TEST_KEEP", "kept"));
	assert_null(report_get(&r, "env.SUBPROC_TEST_DROP"));
	report_free(&r);
	subproc_cmd_free(cmd);

	/* clearenv: what came before is gone, what comes after applies. */
	cmd = cmd_of(ARGS(PROBE));
	assert_int_equal(subproc_cmd_setenv(cmd, "BEFORE", "1"), 0);
	assert_int_equal(subproc_cmd_clearenv(cmd), 0);
	assert_int_equal(subproc_cmd_setenv(cmd, "AFTER", "2"), 0);
	probe_output(cmd, &r);
	assert_true(report_is_long(&r, "env", 1));
	assert_true(report_is(&r, "env.AFTER", "2"));
	report_free(&r);
	subproc_cmd_free(cmd);
	unsetenv("SUBPROC_TEST_KEEP");
	unsetenv("SUBPROC_TEST_DROP");
}

static void test_cmd_dir_args_and_attr(void **state)
{
	char *dir = tempdir_make();
	subproc_cmd *cmd = cmd_of(ARGS(PROBE, "--stat"));
	struct report r;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(subproc_cmd_arg(cmd, "two words"), 0);
	assert_int_equal(subproc_cmd_dir(cmd, dir), 0);
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETSID;
	subproc_cmd_attr(cmd)->umask = 027;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_UMASK;
	probe_output(cmd, &r);
	assert_true(report_is(&r, "cwd", dir));
	assert_true(report_is(&r, "argv.1", "--stat"));
	assert_true(report_is(&r, "argv.2", "two words"));
	assert_true(report_is_long(&r, "sid", report_long(&r, "pid")));
	assert_true(report_is(&r, "umask", "0027"));
	report_free(&r);
	subproc_cmd_free(cmd);
	tempdir_remove(dir);
}

static void test_cmd_path_search_and_errors(void **state)
{
	subproc_cmd *cmd = NULL;
	subproc_output out = {0};
	subproc_error err;
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_cmd_new(&cmd, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS(NULL)), -EINVAL);

	/* A name without '/' is found in PATH. */
	cmd = cmd_of(ARGS("echo", "found"));
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, NULL), 0);
	assert_string_equal(out.data, "found\n");
	subproc_output_free(&out);
	assert_int_equal(subproc_cmd_wait(cmd, NULL), -ECHILD);
	assert_int_equal(subproc_cmd_start(cmd, NULL), -EBUSY);
	assert_int_equal(subproc_cmd_arg(cmd, "late"), -EBUSY);
	subproc_cmd_free(cmd);

	/* Not found: named step and program, nothing left over. */
	cmd = cmd_of(ARGS("subproc-no-such-program"));
	assert_int_equal(subproc_cmd_wait(cmd, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, &err), -ENOENT);
	assert_true(error_is(-ENOENT, &err, -ENOENT, SUBPROC_STEP_LOOKPATH));
	assert_string_equal(err.path, "subproc-no-such-program");
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
	subproc_cmd_free(cmd);
	subproc_output_free(&out);
}

/* --- communicate ---------------------------------------------------------- */

static void communicate_cat(size_t n)
{
	char *in = pattern(n);
	subproc_cmd *cmd = cmd_of(ARGS("cat"));
	subproc_output out = {0};
	subproc_status st;

	assert_int_equal(subproc_cmd_communicate(cmd, in, n, &out, NULL, &st, NULL), 0);
	assert_true(subproc_status_exited(st.status));
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	assert_int_equal(out.len, n);
	assert_non_null(out.data);
	assert_int_equal(out.data[n], '\0');
	if (n > 0)
		assert_memory_equal(out.data, in, n);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	free(in);
}

static void test_cmd_communicate_sizes(void **state)
{
	(void)state;
	communicate_cat(0);
	communicate_cat(1);
	communicate_cat(65536 + 1);
}

/* Regression (found by fuzz_cmd): a stream that ended before its first
 * byte left out.data allocated but not terminated. M_PERTURB (and ASan's
 * malloc fill) make fresh memory non-zero, so the bug shows every time. */
static void test_cmd_empty_output_is_terminated(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS("true"));
	subproc_output out = {0}, err = {0};

	(void)state;
	/* glibc's knob; musl has none (there, only ASan's fill shows it). */
#ifdef M_PERTURB
	mallopt(M_PERTURB, 0xa5);
#endif
	assert_int_equal(subproc_cmd_output(cmd, &out, &err, NULL, NULL), 0);
#ifdef M_PERTURB
	mallopt(M_PERTURB, 0);
#endif
	assert_int_equal(out.len, 0);
	assert_non_null(out.data);
	assert_int_equal(out.data[0], '\0');
	assert_non_null(err.data);
	assert_int_equal(err.data[0], '\0');
	subproc_output_free(&out);
	subproc_output_free(&err);
	subproc_cmd_free(cmd);
}

/* 64 MiB each way at once: cat writes back while it is still being fed,
 * so a communicate that wrote all before reading would deadlock (the
 * ctest timeout would then fail the test). stderr gets 64 MiB as well. */
static void test_cmd_communicate_64mib_both_ways(void **state)
{
	size_t n = 64 * (size_t)MIB;
	char *in = pattern(n);
	subproc_cmd *cmd = sh("tee /dev/stderr");
	subproc_output out = {0}, err = {0};

	(void)state;
	assert_int_equal(subproc_cmd_communicate(cmd, in, n, &out, &err, NULL, NULL), 0);
	assert_int_equal(out.len, n);
	assert_int_equal(err.len, n);
	assert_memory_equal(out.data, in, n);
	assert_memory_equal(err.data, in, n);
	subproc_output_free(&out);
	subproc_output_free(&err);
	subproc_cmd_free(cmd);
	free(in);
}

/* The parent must not die of SIGPIPE, whatever its disposition. */
static void sigpipe_default(void)
{
	signal(SIGPIPE, SIG_DFL);
}

static void test_cmd_child_never_reads_stdin(void **state)
{
	size_t n = 8 * (size_t)MIB;
	char *in = pattern(n);
	subproc_cmd *cmd = sh("echo still here");
	subproc_output out = {0};
	subproc_status st;

	(void)state;
	sigpipe_default();
	assert_int_equal(subproc_cmd_communicate(cmd, in, n, &out, NULL, &st, NULL), 0);
	assert_string_equal(out.data, "still here\n");
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	free(in);
}

static void test_cmd_child_closes_stdout_early(void **state)
{
	size_t n = 8 * (size_t)MIB;
	char *in = pattern(n);
	/* Reads a little, closes stdout, then goes on reading everything and
	 * reports on stderr how much: the rest of communicate still works. */
	subproc_cmd *cmd = sh("head -c 10; exec >&-; wc -c >&2");
	subproc_output out = {0}, err = {0};

	(void)state;
	sigpipe_default();
	assert_int_equal(subproc_cmd_communicate(cmd, in, n, &out, &err, NULL, NULL), 0);
	assert_int_equal(out.len, 10);
	assert_memory_equal(out.data, in, 10);
	/* head may read more than it prints; wc counts what was left. */
	assert_true(err.len > 0);
	assert_true(strtoull(err.data, NULL, 10) + 10 <= n);
	assert_true(strtoull(err.data, NULL, 10) > 0);
	subproc_output_free(&out);
	subproc_output_free(&err);
	subproc_cmd_free(cmd);
	free(in);
}

static void test_cmd_10mib_stderr_only(void **state)
{
	subproc_cmd *cmd = sh("head -c 10485760 /dev/zero >&2");
	subproc_output out = {0}, err = {0};

	(void)state;
	assert_int_equal(subproc_cmd_output(cmd, &out, &err, NULL, NULL), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(err.len, 10 * (size_t)MIB);
	for (size_t i = 0; i < err.len; i += 4096)
		assert_int_equal(err.data[i], 0);
	subproc_output_free(&out);
	subproc_output_free(&err);
	subproc_cmd_free(cmd);
}

static void test_cmd_communicate_stdin_not_a_pipe(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS("cat"));
	subproc_output out = {0};

	(void)state;
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_communicate(cmd, "x", 1, &out, NULL, NULL, NULL), -EINVAL);
	assert_null(subproc_cmd_proc(cmd));
	assert_true(no_children());
	subproc_cmd_free(cmd);
}

/* --- output caps ---------------------------------------------------------- */

static int capped(size_t produce, size_t cap, int policy, subproc_output *out)
{
	char script[128];
	subproc_cmd *cmd;
	int rc;

	/* Printable bytes, numbered by position: 0123456789 0123... */
	snprintf(script, sizeof script, "yes 0123456789 | tr -d '\\n' | head -c %zu", produce);
	cmd = sh(script);
	assert_int_equal(subproc_cmd_limit(cmd, cap, policy), 0);
	memset(out, 0, sizeof *out);
	rc = subproc_cmd_output(cmd, out, NULL, NULL, NULL);
	subproc_cmd_free(cmd);
	return rc;
}

static void test_cmd_limit_fail(void **state)
{
	subproc_output out;

	(void)state;
	assert_int_equal(capped(1000, 1000, SUBPROC_LIMIT_FAIL, &out), 0);
	assert_int_equal(out.len, 1000);
	subproc_output_free(&out);
	assert_int_equal(capped(1001, 1000, SUBPROC_LIMIT_FAIL, &out), -ENOBUFS);
	assert_int_equal(out.len, 1000);
	assert_int_equal(out.data[999], '9');
	subproc_output_free(&out);
	/* A child that would write forever is stopped. */
	assert_int_equal(capped(SIZE_MAX / 4, 4096, SUBPROC_LIMIT_FAIL, &out), -ENOBUFS);
	assert_int_equal(out.len, 4096);
	subproc_output_free(&out);
	assert_true(no_children());
}

static void test_cmd_limit_keep_ends(void **state)
{
	subproc_output out;

	(void)state;
	assert_int_equal(capped(1000, 1000, SUBPROC_LIMIT_KEEP_ENDS, &out), 0);
	assert_int_equal(out.len, 1000);
	assert_int_equal(out.dropped, 0);
	subproc_output_free(&out);

	/* One over: the first 500 and the last 500 of 1001 bytes. */
	assert_int_equal(capped(1001, 1000, SUBPROC_LIMIT_KEEP_ENDS, &out), 0);
	assert_int_equal(out.len, 1000);
	assert_int_equal(out.dropped, 1);
	assert_int_equal(out.data[499], '9');     /* byte 499 */
	assert_int_equal(out.data[500], '1');     /* byte 501 */
	assert_int_equal(out.data[999], '0');     /* byte 1000 */
	assert_int_equal(strlen(out.data), 1000); /* NUL-terminated */
	subproc_output_free(&out);

	/* Far over: read to the end, keep the ends. */
	assert_int_equal(capped(10 * (size_t)MIB + 3, 100, SUBPROC_LIMIT_KEEP_ENDS, &out), 0);
	assert_int_equal(out.len, 100);
	assert_int_equal(out.dropped, 10 * (size_t)MIB + 3 - 100);
	assert_memory_equal(out.data, "0123456789", 10);
	/* The last byte is at position 10 MiB + 2. */
	assert_int_equal(out.data[99], '0' + (int)((10 * (size_t)MIB + 2) % 10));
	subproc_output_free(&out);
}

/* --- timeouts ------------------------------------------------------------- */

static void test_cmd_timeout_kills_tree(void **state)
{
	subproc_cmd *cmd = sh("sleep 100 & sleep 100");
	subproc_output out = {0};
	subproc_status st;
	long long t0 = mono_ms();

	(void)state;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(subproc_cmd_timeout(cmd, 100, 0, 200), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ETIMEDOUT);
	/* The grandchild held stdout: it is gone too, or this would have taken
	 * 100 s. */
	assert_true(mono_ms() - t0 < 50000);
	assert_true(subproc_status_signaled(st.status));
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	assert_true(no_children());
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
}

static void test_cmd_timeout_sigkill_after_grace(void **state)
{
	subproc_cmd *cmd = sh("trap '' TERM; echo ready; sleep 100");
	subproc_status st;

	(void)state;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 100, SIGTERM, 100), 0);
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	assert_true(subproc_status_signaled(st.status));
	assert_int_equal(subproc_status_signal(st.status), SIGKILL);
	subproc_cmd_free(cmd);

	cmd = sh("true");
	assert_int_equal(subproc_cmd_timeout(cmd, 100, -1, 0), -EINVAL);
	assert_int_equal(subproc_cmd_timeout(cmd, 100, NSIG, 0), -EINVAL);
	/* A negative grace is SUBPROC_GRACE_NEVER (test_stop.c). */
	assert_int_equal(subproc_cmd_timeout(cmd, 100, SIGTERM, SUBPROC_GRACE_NEVER), 0);
	subproc_cmd_free(cmd);
}

/* A member of the group that ignores the first signal outlives the child;
 * it gets SIGKILL when the grace period is over. */
static void test_cmd_timeout_group_survivor_killed(void **state)
{
	subproc_cmd *cmd = sh("(trap '' TERM; exec sleep 100) & echo $!; exec sleep 100");
	subproc_output out = {0};
	subproc_status st;
	pid_t survivor;

	(void)state;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(subproc_cmd_timeout(cmd, 200, SIGTERM, 100), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ETIMEDOUT);
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	survivor = (pid_t)strtol(out.data, NULL, 10);
	assert_true(survivor > 1);
	assert_true(pid_dies(survivor));
	kill(survivor, SIGKILL);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
}

/* Without a process group only the child is signalled; its grandchild keeps
 * stdout open, and the wait delay stops the reading. */
static void test_cmd_waitdelay_stops_reading(void **state)
{
	subproc_cmd *cmd = sh("sleep 100 & echo $!");
	subproc_output out = {0};
	subproc_status st;
	long long t0 = mono_ms();
	pid_t grandchild;

	(void)state;
	assert_int_equal(subproc_cmd_waitdelay(cmd, 100), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
	assert_true(mono_ms() - t0 < 50000);
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	grandchild = (pid_t)strtol(out.data, NULL, 10);
	assert_true(grandchild > 1);
	kill(grandchild, SIGKILL);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
}

/* Without a pidfd (pidfd_open refused, fork path) nothing polls readable
 * at the child's exit; communicate must notice it all the same, or the wait
 * delay could not work and this would take 100 s. */
static int check_waitdelay_without_pidfd(void *arg)
{
	subproc_cmd *cmd = NULL;
	subproc_output out = {0};
	subproc_status st;
	long long t0 = mono_ms();
	pid_t grandchild;
	int rc;

	(void)arg;
	if (seccomp_fail(__NR_pidfd_open, SECCOMP_ANY_ARG, 0, ENOSYS) < 0)
		SKIP_FORKED("seccomp is not available");
	CHECK(subproc_cmd_new(&cmd, ARGS(SH, "-c", "sleep 100 & echo $!")) == 0);
	subproc_cmd_attr(cmd)->launch = SUBPROC_LAUNCH_FORK;
	subproc_cmd_waitdelay(cmd, 100);
	rc = subproc_cmd_output(cmd, &out, NULL, &st, NULL);
	grandchild = out.data ? (pid_t)strtol(out.data, NULL, 10) : 0;
	if (grandchild > 1)
		kill(grandchild, SIGKILL);
	CHECK(subproc_pidfd(subproc_cmd_proc(cmd)) == -1);
	CHECK(rc == 0);
	CHECK(subproc_status_exit_code(st.status) == 0);
	CHECK(mono_ms() - t0 < 50000);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	return 0;
}

static void test_cmd_waitdelay_without_pidfd(void **state)
{
	(void)state;
	assert_forked(check_waitdelay_without_pidfd, NULL);
}

/* --- lifetime ------------------------------------------------------------- */

static void test_cmd_free_in_any_state(void **state)
{
	int before = fd_count();
	subproc_cmd *cmd;

	(void)state;
	/* Never started. */
	cmd = cmd_of(ARGS("cat"));
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_PIPE), 0);
	assert_null(subproc_cmd_free(cmd));
	assert_null(subproc_cmd_free(NULL));

	/* Running, pipes open, killed on free. */
	cmd = cmd_of(ARGS("sleep", "100"));
	for (int i = 0; i < 3; i++)
		assert_int_equal(subproc_cmd_stdio(cmd, i, SUBPROC_STDIO_PIPE), 0);
	subproc_cmd_kill_on_free(cmd, true);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	subproc_cmd_free(cmd);
	assert_int_equal(fd_count(), before);
	assert_true(no_children());

	/* Running, not killed: free waits for its end (stdin's EOF). */
	cmd = cmd_of(ARGS("cat"));
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	subproc_cmd_free(cmd);
	assert_int_equal(fd_count(), before);
	assert_true(no_children());

	/* Exited but not waited for. */
	cmd = cmd_of(ARGS("true"));
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	subproc_cmd_free(cmd);
	assert_true(no_children());
}

/* A fixed count, so a slow machine only takes longer; under a user-mode
 * emulator, where each probe is a qemu starting up (about 57 ms here), a
 * tenth, which leaks as surely in the time the test is given. */
static void test_cmd_1000_in_a_row_leak_nothing(void **state)
{
	int before = fd_count(), n = SUBPROC_TEST_EMULATED ? 100 : 1000;

	(void)state;
	for (int i = 0; i < n; i++) {
		subproc_cmd *cmd = cmd_of(ARGS(PROBE, "--exit", i % 2 ? "1" : "0"));
		subproc_output out = {0};
		subproc_status st;

		assert_int_equal(subproc_cmd_stdio(cmd, 2, SUBPROC_STDIO_MERGE), 0);
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
		assert_int_equal(subproc_status_exit_code(st.status), i % 2);
		assert_true(out.len > 0);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
	}
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
}

/* *out is NULL after a failed subproc_cmd_new, whatever it held. */
static void test_cmd_new_failure_sets_out_null(void **state)
{
	subproc_cmd *cmd;

	(void)state;
	cmd = (subproc_cmd *)&cmd;
	assert_int_equal(subproc_cmd_new(&cmd, NULL), -EINVAL);
	assert_null(cmd);
	cmd = (subproc_cmd *)&cmd;
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("")), -EINVAL);
	assert_null(cmd);
	cmd = (subproc_cmd *)&cmd;
	assert_int_equal(subproc_cmd_new(&cmd, (const char *const[]){NULL}), -EINVAL);
	assert_null(cmd);
	assert_int_equal(subproc_cmd_new(NULL, ARGS("true")), -EINVAL);
}

/* err is defined after every outcome of every command function taking one,
 * never left as an earlier failed start had it. */
static void test_cmd_err_defined_after_every_failure(void **state)
{
	subproc_cmd *cmd = sh("exit 0");
	subproc_output out = {0};
	subproc_status st;
	subproc_error err;

	(void)state;
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_start(cmd, &err), &err, 0));
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_start(cmd, &err), &err, -EBUSY));
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_run(cmd, &st, &err), &err, -EBUSY));
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_communicate(cmd, NULL, 5, NULL, NULL, NULL, &err), &err,
	                        -EINVAL));
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_communicate(cmd, NULL, 0, NULL, NULL, NULL, &err), &err,
	                        -ECHILD));
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_output(cmd, &out, NULL, NULL, &err), &err, -ECHILD));
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	/* A start step's failure replaces the stale one: step, path and fd. */
	cmd = cmd_of(ARGS("true"));
	assert_int_equal(subproc_cmd_stdio_file(cmd, 1, "/subproc-no-such-dir/out", false), 0);
	error_stale(&err);
	assert_true(error_is(subproc_cmd_run(cmd, &st, &err), &err, -ENOENT, SUBPROC_STEP_OPEN));
	assert_string_equal(err.path, "/subproc-no-such-dir/out");
	assert_int_equal(err.fd, 1);
	subproc_cmd_free(cmd);
	assert_true(no_children());
}

/* A wait that fails after a start that worked is no start step: err has
 * its code and no step, and does not claim success. */
static void test_cmd_err_after_wait_failure(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS(PROBE, "--sleep-ms", "30000"));
	subproc_output out = {0};
	subproc_status st;
	subproc_error err;

	(void)state;
	assert_int_equal(subproc_cmd_timeout(cmd, 50, SIGKILL, 0), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_run(cmd, &st, &err), &err, -ETIMEDOUT));
	assert_true(subproc_status_signaled(st.status));
	subproc_cmd_free(cmd);

	cmd = cmd_of(ARGS(PROBE, "--sleep-ms", "30000"));
	assert_int_equal(subproc_cmd_timeout(cmd, 50, SIGKILL, 0), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_output(cmd, &out, NULL, NULL, &err), &err, -ETIMEDOUT));
	assert_non_null(out.data);
	subproc_output_free(&out);
	subproc_cmd_free(cmd);

	/* Already started: communicate's success is this call's too. */
	cmd = cmd_of(ARGS("cat"));
	assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	error_stale(&err);
	assert_true(
		error_plain(subproc_cmd_communicate(cmd, "x", 1, &out, NULL, &st, &err), &err, 0));
	assert_string_equal(out.data, "x");
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	assert_true(no_children());
}

/* A communicate refused before reading leaves the outputs empty (not what
 * the variables held) and the command as it was: no stream was made a
 * pipe on the way to the refusal. */
static void test_cmd_communicate_failure_outputs_empty(void **state)
{
	static char junk[] = "junk";
	const subproc_output stale = {.data = junk, .len = 4, .dropped = 9};
	subproc_output out = stale, errout = stale;
	subproc_cmd *cmd = sh("exit 0");
	subproc_status st;
	subproc_error err;

	(void)state;
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_NULL), 0);
	error_stale(&err);
	assert_true(error_plain(subproc_cmd_communicate(cmd, "x", 1, &out, &errout, NULL, &err),
	                        &err, -EINVAL));
	assert_null(out.data);
	assert_int_equal(out.len, 0);
	assert_int_equal(out.dropped, 0);
	assert_null(errout.data);
	assert_int_equal(errout.len, 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_int_equal(subproc_cmd_fd(cmd, 0), -1); /* stdin still inherited */
	assert_int_equal(subproc_cmd_fd(cmd, 2), -1);
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	subproc_cmd_free(cmd);

	/* A failed start: empty outputs, safe to free, err naming the step. */
	cmd = cmd_of(ARGS("/subproc-no-such-dir/prog"));
	out = stale;
	errout = stale;
	error_stale(&err);
	assert_true(error_is(subproc_cmd_output(cmd, &out, &errout, NULL, &err), &err, -ENOENT,
	                     SUBPROC_STEP_EXECVE));
	assert_null(out.data);
	assert_null(errout.data);
	subproc_output_free(&out);
	subproc_output_free(&errout);
	subproc_cmd_free(cmd);
	assert_true(no_children());
}

/* Failed waits leave *status alone; a failed setter leaves the setting. */
static void test_cmd_failed_calls_change_nothing(void **state)
{
	subproc_cmd *cmd = sh("exit 3");
	subproc_status st, before;

	(void)state;
	memset(&st, 0x5a, sizeof st);
	before = st;
	assert_int_equal(subproc_cmd_wait(cmd, &st), -EINVAL);
	assert_memory_equal(&st, &before, sizeof st);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_MERGE), -EINVAL);
	assert_int_equal(subproc_cmd_stdio_fd(cmd, 1, -2), -EINVAL);
	assert_int_equal(subproc_cmd_stdio_file(cmd, 1, NULL, false), -EINVAL);
	assert_int_equal(subproc_cmd_arg(cmd, NULL), -EINVAL);
	assert_int_equal(subproc_cmd_setenv(cmd, "A", NULL), -EINVAL);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	assert_true(subproc_cmd_fd(cmd, 1) >= 0); /* still the pipe */
	assert_int_equal(subproc_cmd_wait(cmd, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 3);
	memset(&st, 0x5a, sizeof st);
	assert_int_equal(subproc_cmd_wait(cmd, &st), -ECHILD);
	assert_memory_equal(&st, &before, sizeof st);
	subproc_cmd_free(cmd);
}

/* fds given to a command stay the caller's whatever happens: a failed
 * start and the free close none of them. */
static void test_cmd_given_fds_stay_callers(void **state)
{
	subproc_cmd *cmd = cmd_of(ARGS("/subproc-no-such-dir/prog"));
	int p[2];

	(void)state;
	assert_int_equal(subproc_pipe(p, 0), 0);
	assert_int_equal(subproc_cmd_stdio_fd(cmd, 1, p[1]), 0);
	assert_int_equal(subproc_cmd_extra_fd(cmd, p[0]), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), -ENOENT);
	assert_true(fd_is_open(p[0]));
	assert_true(fd_is_open(p[1]));
	subproc_cmd_free(cmd);
	assert_true(fd_is_open(p[0]));
	assert_true(fd_is_open(p[1]));
	cmd = sh("exit 0");
	assert_int_equal(subproc_cmd_stdio_fd(cmd, 1, p[1]), 0);
	assert_int_equal(subproc_cmd_run(cmd, NULL, NULL), 0);
	subproc_cmd_free(cmd);
	assert_true(fd_is_open(p[1]));
	close(p[0]);
	close(p[1]);
}

/* The child's stdout pipe, as it sees it after writing `bytes` through
 * subproc_cmd_output (the probe reports F_GETPIPE_SZ on stderr); every byte
 * must have come through. */
static long captured_pipe_size(long bytes)
{
	char count[32];
	subproc_cmd *cmd = NULL;
	subproc_output out = {0}, err = {0};
	subproc_status st;
	struct report r;
	const char *v;
	long size;

	snprintf(count, sizeof count, "%ld", bytes);
	assert_int_equal(
		subproc_cmd_new(&cmd, ARGS(PROBE, "--report-fd", "2", "--fill-fd", "1", count)), 0);
	assert_int_equal(subproc_cmd_output(cmd, &out, &err, &st, NULL), 0);
	assert_true(subproc_status_exited(st.status) && subproc_status_exit_code(st.status) == 0);
	assert_int_equal(out.len, (size_t)bytes);
	assert_int_equal(report_parse_text(err.data, err.len, &r), 0);
	v = report_get(&r, "pipe_size.1");
	assert_non_null(v);
	size = strtol(v, NULL, 10);
	report_free(&r);
	subproc_output_free(&out);
	subproc_output_free(&err);
	subproc_cmd_free(cmd);
	return size;
}

/*
 * A capture that passes 64 KiB grows its pipe to 1 MiB (F_SETPIPE_SZ), and
 * one that does not leaves it as the kernel made it. Deterministic: the
 * parent asks for the growth before its next read once 64 KiB has come,
 * and with a 64 KiB pipe the child cannot write 320 KiB without that read.
 */
static void test_cmd_capture_grows_pipe(void **state)
{
	(void)state;
	need_linux_build("F_SETPIPE_SZ");
	if (geteuid() != 0 && access("/proc/sys/fs/pipe-max-size", R_OK) == 0) {
		FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
		long max = 0;

		if (f != NULL && fscanf(f, "%ld", &max) != 1)
			max = 0;
		if (f != NULL)
			fclose(f);
		if (max < 1048576)
			skip_because("fs.pipe-max-size is below 1 MiB for an unprivileged caller");
	}
	/* The kernel's default: 64 KiB with 4 KiB pages, 1 MiB with 64 KiB
	 * ones, which the library must not shrink. */
	int p[2];
	long def;

	assert_int_equal(pipe(p), 0);
	def = fcntl(p[0], F_GETPIPE_SZ);
	close(p[0]);
	close(p[1]);
	assert_true(def > 0);
	assert_int_equal(captured_pipe_size(100), def);
	assert_int_equal(captured_pipe_size(320 * 1024), def > 1048576 ? def : 1048576);
}

TEST_MAIN(cmocka_unit_test(test_cmd_stdio_inherit), cmocka_unit_test(test_cmd_capture_grows_pipe),
          cmocka_unit_test(test_cmd_stdio_null), cmocka_unit_test(test_cmd_stdio_pipe),
          cmocka_unit_test(test_cmd_stdio_merge_keeps_order), cmocka_unit_test(test_cmd_stdio_file),
          cmocka_unit_test(test_cmd_stdio_fd_and_extra_fds), cmocka_unit_test(test_cmd_env_ops),
          cmocka_unit_test(test_cmd_dir_args_and_attr),
          cmocka_unit_test(test_cmd_path_search_and_errors),
          cmocka_unit_test(test_cmd_communicate_sizes),
          cmocka_unit_test(test_cmd_empty_output_is_terminated),
          cmocka_unit_test(test_cmd_communicate_64mib_both_ways),
          cmocka_unit_test(test_cmd_child_never_reads_stdin),
          cmocka_unit_test(test_cmd_child_closes_stdout_early),
          cmocka_unit_test(test_cmd_10mib_stderr_only),
          cmocka_unit_test(test_cmd_communicate_stdin_not_a_pipe),
          cmocka_unit_test(test_cmd_limit_fail), cmocka_unit_test(test_cmd_limit_keep_ends),
          cmocka_unit_test(test_cmd_timeout_kills_tree),
          cmocka_unit_test(test_cmd_timeout_sigkill_after_grace),
          cmocka_unit_test(test_cmd_timeout_group_survivor_killed),
          cmocka_unit_test(test_cmd_waitdelay_stops_reading),
          cmocka_unit_test(test_cmd_waitdelay_without_pidfd),
          cmocka_unit_test(test_cmd_free_in_any_state),
          cmocka_unit_test(test_cmd_1000_in_a_row_leak_nothing),
          cmocka_unit_test(test_cmd_new_failure_sets_out_null),
          cmocka_unit_test(test_cmd_err_defined_after_every_failure),
          cmocka_unit_test(test_cmd_err_after_wait_failure),
          cmocka_unit_test(test_cmd_communicate_failure_outputs_empty),
          cmocka_unit_test(test_cmd_failed_calls_change_nothing),
          cmocka_unit_test(test_cmd_given_fds_stay_callers))
