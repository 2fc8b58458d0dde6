/* SPDX-License-Identifier: MIT */
/*
 * The probe, checked with plain fork and execve (no library): every other
 * test trusts what the probe reports, so the probe must be shown to report
 * a known child correctly first.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*child_setup)(void);

/* fork, run setup in the child, point report_fd at a pipe, exec the probe. */
static int raw_probe(child_setup setup, int report_fd, char *const argv[], char *const env[],
                     struct report *r, int *status)
{
	extern char **environ;
	int p[2];
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setup)
			setup();
		dup2(p[1], report_fd);
		execve(PROBE, argv, env ? env : environ);
		_exit(127);
	}
	close(p[1]);
	r->pid = pid;
	int rc = report_read(p[0], r);
	close(p[0]);
	if (waitpid_bounded(pid, status, 30000) < 0)
		return -ETIME;
	return rc;
}

static void setup_pgid_umask(void)
{
	struct rlimit rl = {77, 99};

	setpgid(0, 0);
	umask(0027);
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_probe_reports_ids_cwd_umask_rlimit(void **state)
{
	struct report r;
	char cwd[4096];
	int status;

	(void)state;
	assert_int_equal(
		raw_probe(setup_pgid_umask, 1, PROBE_ARGV("--exit", "0"), NULL, &r, &status), 0);
	assert_true(report_is_long(&r, "pid", r.pid));
	assert_true(report_is_long(&r, "ppid", getpid()));
	assert_true(report_is_long(&r, "pgid", r.pid));
	assert_true(report_is_long(&r, "sid", getsid(0)));
	assert_true(report_is(&r, "cwd", getcwd(cwd, sizeof cwd)));
	assert_true(report_is(&r, "umask", "0027"));
	assert_true(report_is(&r, "rlimit.nofile", "77:99"));
	assert_true(report_is_long(&r, "uid", getuid()));
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	report_free(&r);
}

static void test_probe_reports_fds(void **state)
{
	int open_fd = fd_marker(false, 40), cloexec_fd = fd_marker(true, 41);
	struct report r;
	int status;

	(void)state;
	assert_int_equal(open_fd, 40);
	assert_int_equal(cloexec_fd, 41);
	assert_int_equal(raw_probe(NULL, 1, PROBE_ARGV("--exit", "0"), NULL, &r, &status), 0);
	assert_true(report_list_has(&r, "fds", 40));
	assert_true(report_fd_is(&r, 40, open_fd));
	assert_null(report_get(&r, "fd.41"));
	assert_true(strstr(report_get(&r, "fds"), "41") == NULL);
	assert_true(strcmp(report_get(&r, "fd.40") + strlen(report_get(&r, "fd.40")) - 2, ":r") ==
	            0);
	close(open_fd);
	close(cloexec_fd);
	report_free(&r);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, on_usr1); /* reset by execve: never seen as handled */
}

static void test_probe_reports_signals(void **state)
{
	struct report r;
	int status;

	(void)state;
	assert_int_equal(raw_probe(setup_signals, 1, PROBE_ARGV("--exit", "0"), NULL, &r, &status),
	                 0);
	assert_true(report_is(&r, "sigmask", "12,15"));
	assert_true(report_is(&r, "sigignored", "1"));
	assert_true(report_is(&r, "sighandled", ""));
	report_free(&r);
}

static void test_probe_reports_env_argv_stat_write(void **state)
{
	char *const env[] = {"A=1", "B=two\nlines\\", "EMPTY=", NULL};
	struct report r;
	int status;

	(void)state;
	assert_int_equal(raw_probe(NULL, 1,
	                           PROBE_ARGV("--stat", "/", "--stat", "/subproc-no-such",
	                                      "--write-fd", "2", "", "--write-fd", "99", "x"),
	                           env, &r, &status),
	                 0);
	assert_true(report_is(&r, "env", "3"));
	assert_true(report_is(&r, "env.A", "1"));
	assert_true(report_is(&r, "env.B", "two\nlines\\"));
	assert_true(report_is(&r, "env.EMPTY", ""));
	assert_true(report_is(&r, "argv", "11"));
	assert_true(report_is(&r, "argv.0", PROBE));
	assert_true(report_is(&r, "argv.10", "x"));
	assert_true(report_is(&r, "stat./", "exists"));
	assert_true(report_is(&r, "stat./subproc-no-such", "missing"));
	assert_true(report_is(&r, "write.2", "ok"));
	assert_true(report_is_long(&r, "write.99", EBADF));
	report_free(&r);
}

static void test_probe_exits_and_raises(void **state)
{
	struct report r;
	int status;

	(void)state;
	assert_int_equal(raw_probe(NULL, 1, PROBE_ARGV("--exit", "7"), NULL, &r, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	report_free(&r);

	/* SIGTERM is blocked by setup_signals: --raise must still end it. */
	assert_int_equal(
		raw_probe(setup_signals, 1, PROBE_ARGV("--raise", "TERM"), NULL, &r, &status), 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	report_free(&r);
}

static void test_probe_report_fd_option(void **state)
{
	struct report r;
	int status;

	(void)state;
	assert_int_equal(raw_probe(NULL, 7, PROBE_ARGV("--report-fd", "7"), NULL, &r, &status), 0);
	assert_true(report_list_has(&r, "fds", 7));
	assert_true(report_is_long(&r, "pid", r.pid));
	report_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_probe_reports_ids_cwd_umask_rlimit),
          cmocka_unit_test(test_probe_reports_fds), cmocka_unit_test(test_probe_reports_signals),
          cmocka_unit_test(test_probe_reports_env_argv_stat_write),
          cmocka_unit_test(test_probe_exits_and_raises),
          cmocka_unit_test(test_probe_report_fd_option))
