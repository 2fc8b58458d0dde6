/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the test programs: run the probe and read its report,
 * count fds, check that no child is left, make temporary directories, and
 * run a check in a forked subprocess.
 *
 * Nothing here calls cmocka's assertions, because several helpers also run
 * inside forked subprocesses, where a failed assertion would jump back into
 * the test runner of a copy of the test process. Helpers return an error or
 * false and print what they saw on stderr; the tests assert on that.
 */
#ifndef SUBPROC_TEST_SUPPORT_H
#define SUBPROC_TEST_SUPPORT_H

/* _GNU_SOURCE comes from CMake, ahead of every system header. */
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>

#include "subproc.h"

/* The probe's path and whether it is linked statically, from CMake. */
#ifndef SUBPROC_TEST_PROBE
#error "SUBPROC_TEST_PROBE must name the subproc-probe executable"
#endif
#ifndef SUBPROC_TEST_PROBE_STATIC
#define SUBPROC_TEST_PROBE_STATIC 0
#endif
#define PROBE SUBPROC_TEST_PROBE

/* A NULL-terminated list of probe options: ARGS("--exit", "3"). */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* The probe's argv for subproc_start: PROBE_ARGV("--sleep-ms", "1000"). */
#define PROBE_ARGV(...) ((char *const[]){PROBE, __VA_ARGS__, NULL})

/* Exit code of a forked check that wants its test skipped (as automake). */
#define SKIP_CODE 77

/* What one run of the probe gave. */
struct report {
	int start_rc;      /* what subproc_start returned */
	subproc_error err; /* filled by subproc_start */
	subproc_status st; /* from subproc_wait, when the start worked */
	pid_t pid;         /* the child's pid, 0 if it never started */
	char *text;        /* the raw report, edited in place by parsing */
	size_t nitems;
	struct report_item {
		const char *key;
		const char *value;
	} * items;
};

/*
 * Starts the probe with `args` (NULL for none) through subproc_start and
 * *attr (NULL for defaults), its report going into a pipe that is mapped to
 * child fd `report_fd` (the probe is told with --report-fd when that is not
 * 1). The map is attr's own, with the pipe put at report_fd; when attr has no
 * map, fds 0 and 2 map to themselves. Reads the whole report, waits for the
 * child and parses the report.
 *
 * Returns the start's result (0 or -errno); a report or wait that did not
 * come within 30 s returns -ETIME after killing the child. r is always set
 * and must be released with report_free().
 */
int probe_run_at(const subproc_attr *attr, int report_fd, const char *const *args,
                 struct report *r);
/* probe_run_at with the report on child fd 1. */
int probe_run(const subproc_attr *attr, const char *const *args, struct report *r);
/* probe_run with another path (a copy of the probe, or a name for
 * SUBPROC_PATH_SEARCH), also used as argv[0]. */
int probe_run_as(const char *path, const subproc_attr *attr, const char *const *args,
                 struct report *r);
/*
 * Like probe_run, but the attr's fd map is used unchanged (it may be empty)
 * and the caller's own fd 1 is pointed at the report pipe around the start,
 * so that a start with nfiles 0 can be observed. Not for use while other
 * threads write to stdout.
 */
int probe_run_stdout(const subproc_attr *attr, const char *const *args, struct report *r);
void report_free(struct report *r);
/* Reads a report from fd until EOF (30 s at most) into r->text and parses
 * it; r must be zeroed or freed first. Returns 0 or -errno. */
int report_read(int fd, struct report *r);

/* Parses a report captured some other way (a command's output) into r,
 * which it overwrites (free the old one first). Returns 0 or -errno. */
int report_parse_text(const char *text, size_t len, struct report *r);

/* The value for `key`, NULL when the report has none. */
const char *report_get(const struct report *r, const char *key);
/* True when key has exactly `expected`; otherwise says what it had. */
bool report_is(const struct report *r, const char *key, const char *expected);
/* report_is with a number. */
bool report_is_long(const struct report *r, const char *key, long long expected);
/* The value of key as a number; LLONG_MIN (and a message) when missing. */
long long report_long(const struct report *r, const char *key);
/* True when the comma list under key contains n. */
bool report_list_has(const struct report *r, const char *key, long long n);
/* True when the comma list under key is there and does not contain n. */
bool report_list_lacks(const struct report *r, const char *key, long long n);
/* True when the child's fd `child_fd` is the parent's open file `parent_fd`
 * (same dev:ino) and is not close-on-exec in the child. */
bool report_fd_is(const struct report *r, int child_fd, int parent_fd);
/* True when the child started and exited with code 0. */
bool report_exited_ok(const struct report *r);

/* The caller's signal mask as the probe formats it ("10,12"). */
void sigmask_text(const sigset_t *set, char *buf, size_t size);
/* Formats ints as a comma list. */
void int_list_text(const int *v, size_t n, char *buf, size_t size);

/* True when the error is code at step, otherwise says what it was. */
bool error_is(int rc, const subproc_error *err, int code, int step);
/* Fills err as an earlier failed start would have (code, step, fd and
 * path all set), so that a call that leaves any of it is caught. */
void error_stale(subproc_error *err);
/* True when the call returned `code` (0 for success) and err says so with
 * no step, fd -1 and path "", as for every outcome that is no start step;
 * otherwise says what it was. */
bool error_plain(int rc, const subproc_error *err, int code);

/*
 * Starts path (argv, attr) expecting failure: checks the returned code and
 * err (step -1 skips the step check), that *out is NULL, that no child is
 * left and that the caller has exactly the fds it had. Says what differed.
 */
bool start_fails(const char *path, char *const argv[], const subproc_attr *attr, int code, int step,
                 subproc_error *err);

/* Process-creating system calls a seccomp filter can refuse, or-ed. */
enum {
	DENY_CLONE3_ENOSYS = 1 << 0,  /* clone3 fails with ENOSYS */
	DENY_CLONE_VM_EPERM = 1 << 1, /* clone with CLONE_VM fails with EPERM */
	DENY_ALL_LAUNCHES = 1 << 2,   /* clone, clone3, fork, vfork fail with ENOTRECOVERABLE */
	DENY_CLONE3_EPERM = 1 << 3,   /* clone3 fails with EPERM */
};
/* Installs such a filter on the calling process, for good: only in a
 * subprocess. Returns 0, or -errno when seccomp is not available. */
int seccomp_deny(int what);

/* Matches every call of a system call, whatever its arguments. */
#define SECCOMP_ANY_ARG (-1)
/*
 * Installs a filter under which system call `nr` fails with errno `err`
 * without reaching the kernel: every call when `arg` is SECCOMP_ANY_ARG,
 * else only the calls whose argument number `arg` (0-5) has `value` in its
 * low 32 bits. Filters stack, so several calls can be made to fail; the
 * children started later inherit them. For good, so only in a subprocess.
 * Returns 0, or -errno when seccomp is not available.
 */
int seccomp_fail(long nr, int arg, uint32_t value, int err);
/* The seccomp profile of a common container setup: close_range missing
 * (ENOSYS), unshare refused (EPERM, no CAP_SYS_ADMIN), and clone3 missing
 * too when deny_clone3. For good: only in a subprocess. 0 or -errno. */
int seccomp_container(bool deny_clone3);

/* Starts the probe n times with the default attributes: true when every
 * start worked and no child saw the caller's fd `marker`. */
bool probe_runs_clean(int n, int marker);

/* The number of fds open in the caller (from /proc/self/fd). */
int fd_count(void);
/* True when fd is open. */
bool fd_is_open(int fd);
/* A number that is not an open fd (the lowest free one at or above min). */
int fd_unused(int min);
/* Opens a fresh fd with its own inode (the read end of a pipe whose write
 * end is closed), without O_CLOEXEC unless cloexec; moved to `at` when at
 * >= 0. Returns the fd or -1. */
int fd_marker(bool cloexec, int at);
/* True when the process has no child at all, running or zombie. */
bool no_children(void);
/* Frees what a set handed back: the outputs and the command. */
void done_free(subproc_done *d);
/* Ensures fds 0, 1 and 2 are open (on /dev/null when they were not), so that
 * tests can count on them. */
void std_fds_ensure(void);

/* Creates a directory (mode 0755, realpath'd) under $TMPDIR or /tmp;
 * returns a malloc'ed path or NULL. */
char *tempdir_make(void);
/* Removes a temporary directory and everything in it, then frees the path. */
void tempdir_remove(char *path);
/* Writes `size` bytes into dir/name with `mode`; returns a malloc'ed path. */
char *file_make(const char *dir, const char *name, const void *data, size_t size, mode_t mode);
/* Copies the probe to dir/name (mode 0755); returns a malloc'ed path. */
char *probe_copy(const char *dir, const char *name);

/*
 * For a test whose child runs as another user: copies the probe into a new
 * temporary directory (*dir, the copy *path), because the build tree may
 * sit in a directory only its owner can enter (root's home, a mktemp -d
 * directory). The copy is then tried with access(X_OK) in a forked child
 * that has taken uid, gid and groups[0..ngroups), the ids the test's child
 * will have, which walks the same directories and checks the same bits
 * (and noexec mounts) as execve. Needs root, to take the ids.
 *
 * Returns 0; 1 when that user cannot execute the copy (a $TMPDIR closed to
 * it), with why[0..size) saying so and nothing left behind; or -1 after
 * printing what went wrong.
 */
int probe_copy_for(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups, char **dir,
                   char **path, char *why, size_t size);
/* probe_copy_for as a test step: fails on -1, skips with the reason on 1. */
#define PROBE_WHY_MAX 4400
#define probe_copy_for_or_skip(uid, gid, groups, ngroups, dir, path)                               \
	do {                                                                                       \
		char why_[PROBE_WHY_MAX];                                                          \
		int rc_ = probe_copy_for((uid), (gid), (groups), (ngroups), (dir), (path), why_,   \
		                         sizeof why_);                                             \
		assert_true(rc_ >= 0);                                                             \
		if (rc_ > 0)                                                                       \
			skip_because("%s", why_);                                                  \
	} while (0)

/* The cgroup v2 mount point, from /proc/self/mountinfo, into out; false
 * when there is none. */
bool cgroup2_mount(char *out, size_t size);

/* Opens a pseudo-terminal: *master and *slave (the slave opened with
 * O_NOCTTY). Returns 0, or -errno when the system has no ptys. */
int pty_open(int *master, int *slave);

/* True when pid is gone or a zombie within 10 s: a process that was sent
 * SIGKILL still shows as running while the kernel tears it down. */
bool pid_dies(pid_t pid);
/* True when no live process is in group pgid (zombies count as gone). */
bool group_empty(pid_t pgid);
/* group_empty within 10 s. */
bool group_dies(pid_t pgid);
/* True once a member of group pgid is stopped (state T), within 10 s. */
bool group_has_stopped(pid_t pgid);
/*
 * A shell script (for sh -c, written into buf) that starts a member of its
 * group that ignores SIGTERM, holds none of the script's streams and
 * writes its pid to DIR/s, waits until that member is in place (so that it
 * cannot die of a signal by coming too late), then runs `then`.
 */
void survivor_script(char *buf, size_t size, const char *dir, const char *then);
/* The pid in the file at DIR/NAME, or 0. */
pid_t pid_file(const char *dir, const char *name);

/*
 * Runs fn(arg) in a forked child and returns what it returned (its exit
 * code), or -1 (with a message) when it died or took more than 30 s. For
 * checks that change the process irreversibly (credentials, session,
 * seccomp) or that need a fresh process.
 */
int run_forked(int (*fn)(void *), void *arg);
/* run_forked as a test step: skips the test on SKIP_CODE, fails otherwise
 * unless the check returned 0. */
#define assert_forked(fn, arg)                                                                     \
	do {                                                                                       \
		int rc_ = run_forked((fn), (arg));                                                 \
		if (rc_ == SKIP_CODE)                                                              \
			skip();                                                                    \
		assert_int_equal(rc_, 0);                                                          \
	} while (0)

/* For checks inside run_forked: report the failed condition and return 1. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Prints why and skips the test; cmocka then reports it as skipped. */
#define skip_because(...)                                                                          \
	do {                                                                                       \
		print_message("skipped: ");                                                        \
		print_message(__VA_ARGS__);                                                        \
		print_message("\n");                                                               \
		skip();                                                                            \
	} while (0)
/* The same, inside run_forked: prints why and exits with SKIP_CODE. */
#define SKIP_FORKED(...)                                                                           \
	do {                                                                                       \
		printf("skipped: ");                                                               \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		fflush(stdout);                                                                    \
		return SKIP_CODE;                                                                  \
	} while (0)

/* Waits up to `ms` for pid with waitpid (polling, so that a test cannot
 * hang); returns 0 with *status, or -ETIMEDOUT. */
int waitpid_bounded(pid_t pid, int *status, int ms);

/* The launch path the suite forces through SUBPROC_LAUNCH, or NULL. */
const char *launch_path(void);
/* False, with a note on stdout, for a launch this machine cannot make:
 * clone3 where the tests run under a user-mode emulator (qemu-user has no
 * clone3; the build defines SUBPROC_TEST_EMULATED). Tests that try every
 * launch leave that one out; the per-path runs do not make it. */
bool launch_exists(int launch);
/* True when starts on `launch` (made after a first one) report through the
 * status pipe: the fork path, and every path under an emulator, where
 * children do not share the caller's memory. */
bool launch_uses_status_pipe(int launch);
/* The need_* checks skip the test, saying why, when the machine cannot. */
/* What only the Linux build has (chroot, setgroups, the controlling
 * terminal, pidfds, rusage, pdeathsig, the CLONE_VM launches); the portable
 * build's ENOSYS for each is test_failure's test_fail_portable_lacks. */
void need_linux_build(const char *what);
/* A chroot that runs the static probe: root, a static probe, and no
 * emulator (one outside the new root cannot be reached from inside it). */
void need_chroot(void);

/*
 * The main of every test program: with no argument runs all tests, with one
 * argument runs only the test of that name (CTest runs each test this way,
 * in its own process). An unknown name is an error, so that a registration
 * that went stale cannot pass by running nothing.
 */
int support_main(int argc, char **argv, const struct CMUnitTest *tests, size_t ntests);

#define TEST_MAIN(...)                                                                             \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		static const struct CMUnitTest tests_[] = {__VA_ARGS__};                           \
		return support_main(argc, argv, tests_, sizeof tests_ / sizeof tests_[0]);         \
	}

#endif /* SUBPROC_TEST_SUPPORT_H */
