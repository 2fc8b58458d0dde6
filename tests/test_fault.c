/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: each system call that the parent side of a start, a wait,
 * a signal or a communicate makes is made to fail once, and the failure must
 * come back as the right -errno at the right step, with no fd leaked and no
 * child left behind (running or zombie).
 *
 * Two ways in, because the library makes two kinds of calls:
 *
 *   - libc calls made from the static library (clone, fork, pipe2, poll,
 *     read, write, open, madvise, and the allocations calloc, realloc and
 *     strdup)
 *     are linked with -Wl,--wrap=NAME (tests/CMakeLists.txt),
 *     so they reach the __wrap_NAME functions below, which fail the Nth call
 *     after a fault is armed and pass every other call on;
 *   - raw system calls (clone3, waitid, pidfd_open, pidfd_send_signal, and
 *     close_range in the child) never pass through libc, so a seccomp filter,
 *     installed in a forked subprocess because it cannot be removed, makes
 *     the kernel refuse them.
 *
 * Registered once: each test chooses its launch paths itself.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

/* --- the wrapped libc calls ---------------------------------------------- */

enum fault_call {
	FAULT_NONE,
	FAULT_CLONE,
	FAULT_FORK,
	FAULT_PIPE2,
	FAULT_POLL,
	FAULT_READ,
	FAULT_WRITE,
	FAULT_OPEN,
	FAULT_MADVISE,
	FAULT_CALLOC,
	FAULT_REALLOC,
	FAULT_STRDUP
};

/* The armed fault: call number `nth` of `call` from now fails with `err`;
 * `calls` counts the calls of `call` seen while armed, `hits` the failures. */
static struct {
	int call;
	int nth;
	int err;
	int calls;
	int hits;
} fault;

static void fault_arm(int call, int nth, int err)
{
	fault.call = call;
	fault.nth = nth;
	fault.err = err;
	fault.calls = 0;
	fault.hits = 0;
}

/* Disarms, and returns how many failures were injected. */
static int fault_disarm(void)
{
	fault.call = FAULT_NONE;
	return fault.hits;
}

static bool fault_hit(int call)
{
	if (fault.call != call)
		return false;
	if (++fault.calls != fault.nth)
		return false;
	fault.hits++;
	errno = fault.err;
	return true;
}

pid_t __real_fork(void);
int __real_pipe2(int fds[2], int flags);
int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_open(const char *path, int flags, ...);
int __real_madvise(void *addr, size_t len, int advice);

pid_t __wrap_fork(void);
int __wrap_pipe2(int fds[2], int flags);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_open(const char *path, int flags, ...);
int __wrap_madvise(void *addr, size_t len, int advice);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

/* The library's raw clone (src/sys/arch/<cpu>/clone.S), which returns -errno. */
long __real_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg);
long __wrap_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg);
/* The flags of the last clone the library made, failed or not. */
static unsigned long clone_flags_seen;

long __wrap_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg)
{
	clone_flags_seen = flags;
	if (fault_hit(FAULT_CLONE))
		return -errno;
	return __real_subproc__sys_clone_call(flags, stack_top, pidfd, fn, arg);
}

pid_t __wrap_fork(void)
{
	return fault_hit(FAULT_FORK) ? -1 : __real_fork();
}

int __wrap_pipe2(int fds[2], int flags)
{
	return fault_hit(FAULT_PIPE2) ? -1 : __real_pipe2(fds, flags);
}

/*
 * The order in which poll reports events, to force each order of a child's
 * exit, the end of its pipes and the timer: ORDER_TOGETHER sleeps out each
 * timeout (or 100 ms for none) before looking, so that whatever happened
 * meanwhile comes in one wake-up; ORDER_HIDE holds back order.fd's event
 * while another fd has one, so that the other comes first.
 */
static struct {
	enum { ORDER_ANY, ORDER_TOGETHER, ORDER_HIDE } mode;
	int fd;
} order;

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int r;

	if (fault_hit(FAULT_POLL))
		return -1;
	if (order.mode == ORDER_TOGETHER) {
		int ms = timeout < 0 || timeout > 2000 ? 100 : timeout;
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		timeout = 0;
	}
	r = __real_poll(fds, n, timeout);
	if (order.mode == ORDER_HIDE && r > 1) {
		for (nfds_t i = 0; i < n; i++) {
			if (fds[i].fd == order.fd && fds[i].revents != 0) {
				fds[i].revents = 0;
				r--;
			}
		}
	}
	return r;
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	return fault_hit(FAULT_READ) ? -1 : __real_read(fd, buf, n);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	return fault_hit(FAULT_WRITE) ? -1 : __real_write(fd, buf, n);
}

int __wrap_madvise(void *addr, size_t len, int advice)
{
	return fault_hit(FAULT_MADVISE) ? -1 : __real_madvise(addr, len, advice);
}

/* Every open of a path ending in this fails with ENOENT, as for a file the
 * kernel does not have; counted. */
static const char *open_refused;
static int open_refusals;

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (open_refused != NULL && strlen(path) >= strlen(open_refused) &&
	    strcmp(path + strlen(path) - strlen(open_refused), open_refused) == 0) {
		open_refusals++;
		errno = ENOENT;
		return -1;
	}
	return fault_hit(FAULT_OPEN) ? -1 : __real_open(path, flags, mode);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fault_hit(FAULT_CALLOC) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fault_hit(FAULT_REALLOC) ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return fault_hit(FAULT_STRDUP) ? NULL : __real_strdup(s);
}

/* --- helpers ----------------------------------------------------------------- */

static char *const probe_exit0[] = {PROBE, NULL};
static char *const probe_sleep[] = {PROBE, "--sleep-ms", "600000", NULL};

static const int all_paths[] = {SUBPROC_LAUNCH_CLONE3, SUBPROC_LAUNCH_CLONE, SUBPROC_LAUNCH_FORK};
static const char *const path_names[] = {"", "clone3", "clone", "fork"};
/* Each index into all_paths whose launch this machine can make. */
#define FOR_EACH_PATH(i)                                                                           \
	for (size_t i = 0; i < 3; i++)                                                             \
		if (launch_exists(all_paths[i]))

static subproc_cmd *cmd_probe(const char *const *args, int launch)
{
	const char *argv[8] = {PROBE};
	subproc_cmd *cmd = NULL;
	int n = 1;

	for (size_t i = 0; args != NULL && args[i] != NULL && n < 7; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (subproc_cmd_new(&cmd, argv) < 0)
		return NULL;
	subproc_cmd_attr(cmd)->launch = launch;
	return cmd;
}

/* Kills and reaps a child the test started, through the handle. */
static bool finish_killed(subproc_proc *p)
{
	subproc_status st;
	bool ok = subproc_signal(p, SIGKILL) == 0 && subproc_wait(p, 0, -1, &st) == 0 &&
	          subproc_status_signal(st.status) == SIGKILL;

	subproc_release(p);
	return ok;
}

#define SECCOMP_OR_SKIP(call)                                                                      \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_ < 0)                                                                       \
			SKIP_FORKED("seccomp is not available: %s", subproc_strerror(rc_));        \
	} while (0)

/* --- clone, clone3, fork --------------------------------------------------- */

static void test_fault_clone_eagain(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};
	subproc_error err;

	(void)state;
	fault_arm(FAULT_CLONE, 1, EAGAIN);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EAGAIN, SUBPROC_STEP_LAUNCH, &err));
	assert_int_equal(fault_disarm(), 1);
	assert_string_equal(err.path, "clone");
}

/* EINVAL from clone is what a kernel without CLONE_PIDFD (before 5.2) says:
 * the start goes on without the flag and gets its pidfd from pidfd_open. */
static void test_fault_clone_einval_retries_without_pidfd(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};
	subproc_proc *p = NULL;
	subproc_status st;

	(void)state;
	fault_arm(FAULT_CLONE, 1, EINVAL);
	assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
	assert_int_equal(fault.calls, 2);
	assert_int_equal(fault_disarm(), 1);
	assert_true(subproc_pidfd(p) >= 0);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	subproc_release(p);
	assert_true(no_children());
}

/* EAGAIN from clone3 (the process limit) is an answer, not a refusal of
 * clone3 itself: the default launch must report it, not try clone. */
static int check_clone3_eagain(void *arg)
{
	subproc_error err;

	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_clone3, SECCOMP_ANY_ARG, 0, EAGAIN));
	for (int launch = SUBPROC_LAUNCH_DEFAULT; launch <= SUBPROC_LAUNCH_CLONE3; launch++) {
		subproc_attr attr = {.launch = launch};

		CHECK(start_fails(PROBE, probe_exit0, &attr, -EAGAIN, SUBPROC_STEP_LAUNCH, &err));
		CHECK(strcmp(err.path, "clone3") == 0);
	}
	return 0;
}

static void test_fault_clone3_eagain(void **state)
{
	(void)state;
	if (launch_path() != NULL)
		skip_because("SUBPROC_LAUNCH is set, so there is no default launch to test");
	assert_forked(check_clone3_eagain, NULL);
}

static void test_fault_fork_eagain(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_FORK};
	subproc_error err;

	(void)state;
	fault_arm(FAULT_FORK, 1, EAGAIN);
	/* start_fails also counts the fds: the status pipe must be gone. */
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EAGAIN, SUBPROC_STEP_LAUNCH, &err));
	assert_int_equal(fault_disarm(), 1);
	assert_string_equal(err.path, "fork");
}

/* --- pipe2 --------------------------------------------------------------------- */

/* Regression: the fork path's status pipe failing was reported as step
 * "launch", though include/subproc.h gives it a step of its own
 * (SUBPROC_STEP_PIPE). */
static void test_fault_pipe2_status_pipe(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_FORK};
	subproc_error err;

	(void)state;
	fault_arm(FAULT_PIPE2, 1, EMFILE);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EMFILE, SUBPROC_STEP_PIPE, &err));
	assert_int_equal(fault_disarm(), 1);
}

/* A CLONE_VM start carries the status pipe only until a child has shown
 * that it runs in the caller's memory: on a real kernel that is the first
 * start of the process, one pipe2 in all (launch_linux.c, vm_memory); under
 * an emulator, where children do not, an explicit clone carries it every
 * time. The starts below make no other pipe. */
static void test_fault_status_pipe_at_first_start_only(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};

	(void)state;
	for (int i = 0; i < 3; i++) {
		subproc_proc *p = NULL;
		subproc_status st;
		bool piped = i == 0 || launch_uses_status_pipe(SUBPROC_LAUNCH_CLONE);

		fault_arm(FAULT_PIPE2, 1000, 0); /* never fails: counts */
		assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
		assert_int_equal(fault.calls, piped ? 1 : 0);
		fault_disarm();
		assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		subproc_release(p);
	}
	assert_true(no_children());
}

/* The first start of a process with two free fds: its status pipe would
 * take both and leave none for the pidfd, so it is made again without the
 * pipe, and works, as include/subproc.h promises with one free fd. */
static void test_fault_first_start_two_free_fds(void **state)
{
	struct rlimit old, lim;
	int fill[64], nfill = 0, fd;
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};
	subproc_proc *p = NULL;
	subproc_status st;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)fd_unused(0) + 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	while (nfill < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fill[nfill++] = fd;
	assert_int_equal(errno, EMFILE);
	close(fill[--nfill]);
	close(fill[--nfill]);
	assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
	assert_true(subproc_pidfd(p) >= 0);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	subproc_release(p);
	while (nfill > 0)
		close(fill[--nfill]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(no_children());
}

/* The second of a command's three pipes fails: the first is closed again,
 * nothing is started, and the command can be started once more. */
static void test_fault_pipe2_command_pipes(void **state)
{
	(void)state;
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(ARGS("--wait-stdin"), all_paths[i]);
		subproc_output out = {0};
		subproc_status st;
		subproc_error err;
		struct report r;
		int before = fd_count();

		assert_non_null(cmd);
		for (int s = 0; s < 3; s++)
			assert_int_equal(subproc_cmd_stdio(cmd, s, SUBPROC_STDIO_PIPE), 0);
		fault_arm(FAULT_PIPE2, 2, EMFILE);
		assert_int_equal(subproc_cmd_start(cmd, &err), -EMFILE);
		assert_int_equal(fault_disarm(), 1);
		assert_true(error_is(-EMFILE, &err, -EMFILE, SUBPROC_STEP_PIPE));
		assert_int_equal(err.fd, 1);
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
		for (int s = 0; s < 3; s++)
			assert_int_equal(subproc_cmd_fd(cmd, s), -1);

		assert_int_equal(subproc_cmd_communicate(cmd, "x", 1, &out, NULL, &st, NULL), 0);
		assert_int_equal(report_parse_text(out.data, out.len, &r), 0);
		assert_non_null(report_get(&r, "pid"));
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		report_free(&r);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
	}
}

/* --- poll ----------------------------------------------------------------------- */

static void test_fault_poll_in_timed_wait(void **state)
{
	subproc_proc *p = NULL;

	(void)state;
	for (size_t i = 0; i < 2; i++) { /* the paths with a pidfd to poll */
		subproc_attr attr = {.launch = all_paths[i]};

		if (!launch_exists(all_paths[i]))
			continue;

		assert_int_equal(subproc_start(&p, PROBE, probe_sleep, &attr, NULL), 0);
		assert_true(subproc_pidfd(p) >= 0);
		fault_arm(FAULT_POLL, 1, ENOMEM);
		assert_int_equal(subproc_wait(p, 0, 30000, NULL), -ENOMEM);
		assert_int_equal(fault_disarm(), 1);
		/* The failed wait consumed nothing: the child is still ours. */
		assert_int_equal(subproc_wait(p, 0, 0, NULL), -ETIMEDOUT);
		assert_true(finish_killed(p));
		assert_true(no_children());
	}
}

static void test_fault_poll_in_communicate(void **state)
{
	(void)state;
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(ARGS("--wait-stdin"), all_paths[i]);
		subproc_output out = {0};
		subproc_status st = {0};
		int before = fd_count();

		assert_non_null(cmd);
		fault_arm(FAULT_POLL, 1, ENOMEM);
		assert_int_equal(subproc_cmd_communicate(cmd, "x", 1, &out, NULL, &st, NULL),
		                 -ENOMEM);
		assert_int_equal(fault_disarm(), 1);
		/* Its pipes closed, the child ended and was reaped. */
		assert_int_equal(st.pid, subproc_pid(subproc_cmd_proc(cmd)));
		assert_int_equal(subproc_cmd_wait(cmd, NULL), -ECHILD);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
	}
}

/* --- read and write ------------------------------------------------------------ */

/* Regression: when the read of the fork path's status pipe failed, the
 * child, which may have exec'ed, was reaped without being killed, so the
 * failed start waited for as long as the program ran (here: for ever). */
static int check_read_status_pipe(void *arg)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_FORK};
	subproc_error err;

	(void)arg;
	fault_arm(FAULT_READ, 1, EIO);
	CHECK(start_fails(PROBE, probe_sleep, &attr, -EIO, SUBPROC_STEP_LAUNCH, &err));
	CHECK(fault_disarm() == 1);
	CHECK(strcmp(err.path, "fork") == 0);
	return 0;
}

static void test_fault_read_status_pipe(void **state)
{
	(void)state;
	assert_forked(check_read_status_pipe, NULL);
}

static void test_fault_read_in_communicate(void **state)
{
	(void)state;
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(NULL, all_paths[i]);
		subproc_output out = {0};
		int before = fd_count();

		assert_non_null(cmd);
		/* The fork path's status pipe is read first. */
		fault_arm(FAULT_READ, launch_uses_status_pipe(all_paths[i]) ? 2 : 1, EIO);
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, NULL), -EIO);
		assert_int_equal(fault_disarm(), 1);
		assert_int_equal(subproc_cmd_wait(cmd, NULL), -ECHILD);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
	}
}

static subproc_cmd *set_sh(const char *script)
{
	subproc_cmd *cmd = NULL;

	assert_int_equal(subproc_cmd_new(&cmd, ARGS("/bin/sh", "-c", script)), 0);
	assert_int_equal(subproc_cmd_stdio(cmd, 1, SUBPROC_STDIO_PIPE), 0);
	return cmd;
}

/* A read that fails in a set ends that command alone, with the read's
 * errno as its result (reaped, as communicate reaps it); the others finish
 * whole, and nothing leaks. The fault is armed once all three run and wait
 * on a gate, so that it meets an output read, never a start's status pipe
 * (the fork path's, or every path's under an emulator). */
static void test_fault_set_read(void **state)
{
	int before = fd_count(), failed = 0, got = 0, gate[2];
	subproc_set *set = NULL;
	subproc_done d;

	(void)state;
	assert_int_equal(subproc_set_new(&set), 0);
	assert_int_equal(subproc_pipe(gate, 0), 0);
	for (int i = 0; i < 3; i++) {
		subproc_cmd *cmd = set_sh("read x; echo hi");

		assert_int_equal(subproc_cmd_stdio_fd(cmd, 0, gate[0]), 0);
		assert_int_equal(subproc_set_add(set, cmd, NULL, 0, NULL), 0);
	}
	while (subproc_set_running(set) < 3)
		assert_int_equal(subproc_set_dispatch(set), 0);
	fault_arm(FAULT_READ, 1, EIO);
	assert_int_equal(write(gate[1], "a\nb\nc\n", 6), 6);
	while (subproc_set_next(set, &d, -1) == 0) {
		got++;
		assert_true(d.reaped);
		if (d.result == -EIO) {
			failed++;
			assert_int_equal(d.error.code, -EIO);
			assert_int_equal(d.error.step, SUBPROC_STEP_NONE);
		} else {
			assert_int_equal(d.result, 0);
			assert_int_equal(d.out.len, 3);
			assert_memory_equal(d.out.data, "hi\n", 3);
		}
		done_free(&d);
	}
	assert_int_equal(fault_disarm(), 1);
	assert_int_equal(got, 3);
	assert_int_equal(failed, 1);
	subproc_set_free(set);
	close(gate[0]);
	close(gate[1]);
	assert_int_equal(fd_count(), before);
	assert_true(no_children());
}

/* Out of memory in a set: subproc_set_new fails whole, and subproc_set_add
 * leaves the command the caller's, to add again. */
static void test_fault_set_enomem(void **state)
{
	int before = fd_count();
	subproc_set *set = (subproc_set *)&set;
	subproc_cmd *cmd = set_sh("echo hi");
	subproc_done d;
	int r = -ENOMEM, failures = 0;

	(void)state;
	fault_arm(FAULT_CALLOC, 1, ENOMEM);
	assert_int_equal(subproc_set_new(&set), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	assert_null(set);
	assert_int_equal(fd_count(), before);
	assert_int_equal(subproc_set_new(&set), 0);
	/* Each allocation add makes, failed in turn, until one add works. */
	for (int nth = 1; r == -ENOMEM && nth < 16; nth++) {
		fault_arm(FAULT_CALLOC, nth, ENOMEM);
		r = subproc_set_add(set, cmd, NULL, 0, NULL);
		if (fault_disarm() == 0)
			break;
		assert_int_equal(r, -ENOMEM);
		assert_int_equal(subproc_set_len(set), 0);
		failures++;
	}
	assert_true(failures >= 1);
	if (r == -ENOMEM)
		r = subproc_set_add(set, cmd, NULL, 0, NULL);
	assert_int_equal(r, 0);
	assert_int_equal(subproc_set_next(set, &d, -1), 0);
	assert_ptr_equal(d.cmd, cmd);
	assert_int_equal(d.result, 0);
	done_free(&d);
	subproc_set_free(set);
	assert_int_equal(fd_count(), before);
}

/* A wake-up works on the commands that had an event, not on every one that
 * waits: with 100 commands idle on captured pipes, the one that ends costs
 * a handful of reads (its own output and end), never one per command. */
static void test_fault_set_wakeup_reads(void **state)
{
	subproc_set *set = NULL;
	subproc_cmd *quick = set_sh("printf x");
	subproc_done d;
	int reads;

	(void)state;
	assert_int_equal(subproc_set_new(&set), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(subproc_set_add(set, set_sh("exec sleep 100"), NULL, 0, NULL), 0);
	while (subproc_set_running(set) < 100)
		assert_int_equal(subproc_set_dispatch(set), 0);
	assert_int_equal(subproc_set_add(set, quick, NULL, 0, quick), 0);
	/* Armed past any count reached: it counts, never fails. */
	fault_arm(FAULT_READ, INT_MAX, 0);
	assert_int_equal(subproc_set_next(set, &d, -1), 0);
	reads = fault.calls;
	fault_disarm();
	assert_ptr_equal(d.ctx, quick);
	assert_int_equal(d.out.len, 1);
	done_free(&d);
	printf("# reads for one command's end among 100: %d\n", reads);
	assert_true(reads >= 2 && reads <= 10);
	assert_int_equal(subproc_set_stop(set, SIGKILL), 0);
	while (subproc_set_next(set, &d, -1) == 0)
		done_free(&d);
	subproc_set_free(set);
	assert_true(no_children());
}

/* `seq 1 N` as text, to compare a capture with. */
static char *seq_text(int n, size_t *len)
{
	size_t cap = (size_t)n * 8 + 16, k = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	for (int i = 1; i <= n; i++)
		k += (size_t)snprintf(t + k, cap - k, "%d\n", i);
	*len = k;
	return t;
}

/* A big capture faults its buffer in ahead of each read (madvise
 * MADV_POPULATE_WRITE); refused, as on a kernel before 5.14 or under a
 * seccomp filter, it is asked once per stream and the capture is the same
 * bytes. */
static void test_fault_madvise_prefault(void **state)
{
	size_t len;
	char *want = seq_text(1500000, &len);

	(void)state;
	for (int refuse = 0; refuse < 2; refuse++) {
		subproc_cmd *cmd = NULL;
		subproc_output out = {0};
		subproc_status st;
		int calls;

		assert_int_equal(subproc_cmd_new(&cmd, ARGS("seq", "1", "1500000")), 0);
		fault_arm(FAULT_MADVISE, refuse ? 1 : INT_MAX, EINVAL);
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), 0);
		calls = fault.calls;
		assert_int_equal(fault_disarm(), refuse);
		printf("# madvise calls for %zu bytes%s: %d\n", len, refuse ? ", refused" : "",
		       calls);
		if (refuse)
			assert_int_equal(calls, 1);
		else
			assert_true(calls >= 2);
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		assert_int_equal(out.len, len);
		assert_memory_equal(out.data, want, len);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
	}
	free(want);
}

/* A failure after a start that worked (poll, read) is no start step: err
 * holds the call's code and nothing of an earlier failure. A pipe between
 * two stages that cannot be made is step "pipe". */
static void test_fault_err_after_io_failure(void **state)
{
	subproc_pipeline *pl = NULL;
	subproc_error err;

	(void)state;
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(ARGS("--wait-stdin"), all_paths[i]);
		subproc_output out = {0};

		assert_non_null(cmd);
		error_stale(&err);
		fault_arm(FAULT_POLL, 1, ENOMEM);
		assert_true(
			error_plain(subproc_cmd_communicate(cmd, "x", 1, &out, NULL, NULL, &err),
		                    &err, -ENOMEM));
		assert_int_equal(fault_disarm(), 1);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);

		cmd = cmd_probe(NULL, all_paths[i]);
		assert_non_null(cmd);
		error_stale(&err);
		/* The fork path's status pipe is read first. */
		fault_arm(FAULT_READ, launch_uses_status_pipe(all_paths[i]) ? 2 : 1, EIO);
		assert_true(
			error_plain(subproc_cmd_output(cmd, &out, NULL, NULL, &err), &err, -EIO));
		assert_int_equal(fault_disarm(), 1);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		assert_true(no_children());
	}

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(subproc_pipeline_add(pl, cmd_probe(NULL, SUBPROC_LAUNCH_CLONE)),
		                 0);
	error_stale(&err);
	fault_arm(FAULT_PIPE2, 1, EMFILE);
	assert_true(error_is(subproc_pipeline_start(pl, &err), &err, -EMFILE, SUBPROC_STEP_PIPE));
	assert_int_equal(fault_disarm(), 1);
	assert_int_equal(err.fd, -1);
	assert_string_equal(err.path, "");
	subproc_pipeline_free(pl);
	assert_true(no_children());
}

/* --- allocations ------------------------------------------------------------ */

/*
 * -ENOMEM from the constructors leaves *out NULL and nothing allocated
 * (ASan, in CI, would report a leak), whichever allocation fails; one from
 * subproc_pipeline_add leaves the command the caller's, to free once (a
 * pipeline that kept it would free it again).
 */
static void test_fault_enomem_out_and_ownership(void **state)
{
	subproc_pipeline *pl;
	subproc_cmd *cmd;

	(void)state;
	cmd = (subproc_cmd *)&cmd;
	fault_arm(FAULT_CALLOC, 1, ENOMEM);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("a", "b")), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	assert_null(cmd);
	for (int nth = 1; nth <= 2; nth++) {
		cmd = (subproc_cmd *)&cmd;
		fault_arm(FAULT_STRDUP, nth, ENOMEM);
		assert_int_equal(subproc_cmd_new(&cmd, ARGS("a", "b")), -ENOMEM);
		assert_int_equal(fault_disarm(), 1);
		assert_null(cmd);
	}
	cmd = (subproc_cmd *)&cmd;
	fault_arm(FAULT_REALLOC, 1, ENOMEM);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("a", "b")), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	assert_null(cmd);

	pl = (subproc_pipeline *)&pl;
	fault_arm(FAULT_CALLOC, 1, ENOMEM);
	assert_int_equal(subproc_pipeline_new(&pl), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	assert_null(pl);

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("true")), 0);
	fault_arm(FAULT_REALLOC, 1, ENOMEM);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	assert_int_equal(subproc_pipeline_len(pl), 0);
	/* Still the caller's, and never marked a stage: it can be added. */
	assert_int_equal(subproc_pipeline_add(pl, cmd), 0);
	assert_int_equal(subproc_pipeline_len(pl), 1);
	subproc_pipeline_free(pl);

	assert_int_equal(subproc_pipeline_new(&pl), 0);
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("true")), 0);
	fault_arm(FAULT_REALLOC, 1, ENOMEM);
	assert_int_equal(subproc_pipeline_add(pl, cmd), -ENOMEM);
	assert_int_equal(fault_disarm(), 1);
	subproc_cmd_free(cmd);
	subproc_pipeline_free(pl);
}

/* EPIPE is how a child that stopped reading shows: input ends there (stdin
 * is closed, or this child would wait for EOF for ever) and the output is
 * read to the end. */
static void test_fault_write_epipe_ends_input(void **state)
{
	enum { INLEN = 1 << 20 };
	char *in = calloc(1, INLEN);

	(void)state;
	assert_non_null(in);
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(ARGS("--wait-stdin"), all_paths[i]);
		subproc_output out = {0};
		subproc_status st;
		struct report r;
		int before = fd_count();

		assert_non_null(cmd);
		fault_arm(FAULT_WRITE, 1, EPIPE);
		assert_int_equal(subproc_cmd_communicate(cmd, in, INLEN, &out, NULL, &st, NULL), 0);
		assert_int_equal(fault_disarm(), 1);
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		assert_int_equal(report_parse_text(out.data, out.len, &r), 0);
		assert_non_null(report_get(&r, "pid"));
		report_free(&r);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
	}
	free(in);
}

/* --- open ----------------------------------------------------------------------- */

static void test_fault_open_stdio_file(void **state)
{
	char *dir = tempdir_make(), path[4096];
	subproc_status st;
	subproc_error err;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/out", dir);
	FOR_EACH_PATH (i) {
		subproc_cmd *cmd = cmd_probe(NULL, all_paths[i]);
		int before = fd_count();

		assert_non_null(cmd);
		assert_int_equal(subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_PIPE), 0);
		assert_int_equal(subproc_cmd_stdio_file(cmd, 1, path, false), 0);
		fault_arm(FAULT_OPEN, 1, EACCES);
		assert_int_equal(subproc_cmd_start(cmd, &err), -EACCES);
		assert_int_equal(fault_disarm(), 1);
		assert_true(error_is(-EACCES, &err, -EACCES, SUBPROC_STEP_OPEN));
		assert_string_equal(err.path, path);
		assert_int_equal(err.fd, 1);
		/* The stdin pipe made before the open is closed again. */
		assert_int_equal(fd_count(), before);
		assert_true(no_children());
		assert_int_equal(access(path, F_OK), -1);

		assert_int_equal(subproc_cmd_run(cmd, &st, NULL), 0);
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		subproc_cmd_free(cmd);
		assert_int_equal(unlink(path), 0);
		assert_int_equal(fd_count(), before);
	}
	tempdir_remove(dir);
}

/* --- waitid ---------------------------------------------------------------------- */

/* EINVAL from waitid(P_PIDFD) is a kernel before 5.4: the wait goes on by
 * pid. */
static int check_waitid_pidfd_einval(void *arg)
{
	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_waitid, 0, P_PIDFD, EINVAL));
	FOR_EACH_PATH (i) {
		subproc_attr attr = {.launch = all_paths[i]};
		char *const argv[] = {PROBE, "--exit", "7", NULL};
		subproc_proc *p = NULL;
		subproc_status st;

		CHECK(subproc_start(&p, PROBE, argv, &attr, NULL) == 0);
		CHECK(subproc_wait(p, 0, -1, &st) == 0);
		CHECK(subproc_status_exit_code(st.status) == 7);
		subproc_release(p);
		CHECK(no_children());
	}
	return 0;
}

static void test_fault_waitid_pidfd_einval(void **state)
{
	(void)state;
	assert_forked(check_waitid_pidfd_einval, NULL);
}

/* Any other waitid failure is the caller's to see, and the child stays the
 * caller's: it is neither lost nor reaped. (EBADF is what a caller that
 * closed the handle's pidfd by mistake gets.) */
static int check_waitid_error(void *arg)
{
	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_waitid, 0, P_PIDFD, EBADF));
	for (size_t i = 0; i < 2; i++) { /* the paths that wait by pidfd */
		subproc_attr attr = {.launch = all_paths[i]};
		subproc_proc *p = NULL;
		int status;

		CHECK(subproc_start(&p, PROBE, probe_sleep, &attr, NULL) == 0);
		CHECK(subproc_wait(p, 0, -1, NULL) == -EBADF);
		CHECK(subproc_wait(p, 0, 10, NULL) == -EBADF);
		CHECK(subproc_signal(p, SIGKILL) == 0);
		CHECK(waitpid(subproc_pid(p), &status, 0) == subproc_pid(p));
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		subproc_release(p);
		CHECK(no_children());
	}
	return 0;
}

static void test_fault_waitid_error(void **state)
{
	(void)state;
	assert_forked(check_waitid_error, NULL);
}

/* Regression: a failed start whose child could not be reaped through its
 * pidfd left a zombie; the library now falls back to the pid, which is safe
 * because nobody else has reaped the child yet. */
static int check_waitid_failed_start(void *arg)
{
	char *const argv[] = {"/nonexistent/subproc-program", NULL};

	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_waitid, 0, P_PIDFD, EBADF));
	FOR_EACH_PATH (i) {
		subproc_attr attr = {.launch = all_paths[i]};
		subproc_error err;

		CHECK(start_fails(argv[0], argv, &attr, -ENOENT, SUBPROC_STEP_EXECVE, &err));
	}
	return 0;
}

static void test_fault_waitid_failed_start(void **state)
{
	(void)state;
	assert_forked(check_waitid_failed_start, NULL);
}

/* --- pidfd_open and pidfd_send_signal ---------------------------------------- */

/* Without pidfd_open (before Linux 5.3) the fork path has no pidfd: waits
 * poll by pid and signals go through kill. */
static int check_pidfd_open_enosys(void *arg)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_FORK};
	subproc_proc *p = NULL;
	subproc_status st;

	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_pidfd_open, SECCOMP_ANY_ARG, 0, ENOSYS));
	CHECK(subproc_start(&p, PROBE, probe_sleep, &attr, NULL) == 0);
	CHECK(subproc_pidfd(p) == -1);
	CHECK(subproc_wait(p, 0, 20, NULL) == -ETIMEDOUT);
	CHECK(subproc_signal(p, SIGTERM) == 0);
	CHECK(subproc_wait(p, 0, 30000, &st) == 0);
	CHECK(subproc_status_signal(st.status) == SIGTERM);
	CHECK(subproc_signal(p, SIGTERM) == -ESRCH);
	subproc_release(p);
	CHECK(no_children());
	return 0;
}

static void test_fault_pidfd_open_enosys(void **state)
{
	(void)state;
	assert_forked(check_pidfd_open_enosys, NULL);
}

static int check_pidfd_send_signal(void *arg)
{
	(void)arg;
	SECCOMP_OR_SKIP(seccomp_fail(__NR_pidfd_send_signal, SECCOMP_ANY_ARG, 0, EPERM));
	FOR_EACH_PATH (i) {
		subproc_attr attr = {.launch = all_paths[i]};
		subproc_proc *p = NULL;
		subproc_status st;

		CHECK(subproc_start(&p, PROBE, probe_sleep, &attr, NULL) == 0);
		if (subproc_pidfd(p) < 0)
			SKIP_FORKED("no pidfd on the %s path", path_names[all_paths[i]]);
		CHECK(subproc_signal(p, SIGKILL) == -EPERM);
		CHECK(subproc_wait(p, 0, 0, NULL) == -ETIMEDOUT);
		CHECK(kill(subproc_pid(p), SIGKILL) == 0);
		CHECK(subproc_wait(p, 0, -1, &st) == 0);
		CHECK(subproc_status_signal(st.status) == SIGKILL);
		subproc_release(p);
		CHECK(no_children());
	}
	return 0;
}

static void test_fault_pidfd_send_signal(void **state)
{
	(void)state;
	assert_forked(check_pidfd_send_signal, NULL);
}

/* --- close_range, in the child ------------------------------------------------- */

/* The child falls back from close_range to a walk of /proc/self/fd; either
 * way an fd the caller did not pass must not reach it. */
static int check_close_range(void *arg)
{
	const int *how = arg;
	int marker;

	SECCOMP_OR_SKIP(seccomp_fail(__NR_close_range, how[0], (uint32_t)how[1], how[2]));
	marker = fd_marker(false, 40);
	CHECK(marker == 40);
	FOR_EACH_PATH (i) {
		subproc_attr attr = {.launch = all_paths[i]};
		struct report r;
		int before = fd_count();

		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		CHECK(report_list_lacks(&r, "fds", marker));
		CHECK(report_list_has(&r, "fds", 1));
		report_free(&r);
		CHECK(fd_count() == before);
		CHECK(no_children());
	}
	close(marker);
	return 0;
}

/* Before Linux 5.9. */
static void test_fault_close_range_enosys(void **state)
{
	int how[3] = {SECCOMP_ANY_ARG, 0, ENOSYS};

	(void)state;
	assert_forked(check_close_range, how);
}

/* Linux 5.9 and 5.10 have close_range but not CLOSE_RANGE_CLOEXEC. */
static void test_fault_close_range_cloexec_einval(void **state)
{
	int how[3] = {2, CLOSE_RANGE_CLOEXEC, EINVAL};

	(void)state;
	assert_forked(check_close_range, how);
}

/* --- unsharing the fd table, in the child ----------------------------------- */

/* The CLONE_VM paths share the caller's fd table at first (CLONE_FILES) and
 * the child takes a private copy before anything else. When both ways of
 * copying are refused (close_range before Linux 5.9 or under seccomp,
 * unshare without CAP_SYS_ADMIN in a container), the child says so before
 * touching anything and the start is made again without sharing the table;
 * the refusal is remembered, so later starts make one clone only. The
 * child must still get none of the caller's other fds. */
static int check_unshare_refused(void *arg)
{
	int err = *(const int *)arg, before, marker;

	SECCOMP_OR_SKIP(seccomp_fail(__NR_close_range, SECCOMP_ANY_ARG, 0, ENOSYS));
	SECCOMP_OR_SKIP(seccomp_fail(__NR_unshare, SECCOMP_ANY_ARG, 0, err));
	marker = fd_marker(false, 40);
	CHECK(marker == 40);
	/* A process's first CLONE_VM start never shares the table: it has
	 * the status pipe as well, until the library knows that children run
	 * in its memory (launch_linux.c, vm_memory). */
	CHECK(probe_runs_clean(1, marker));
	before = fd_count();
	for (int i = 0; i < 3; i++) {
		subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};
		struct report r;

		fault_arm(FAULT_CLONE, 1000, 0); /* never fails: counts */
		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		CHECK(report_list_lacks(&r, "fds", marker));
		report_free(&r);
		/* The first start finds out (two clones), later ones know. */
		CHECK(fault.calls == (i == 0 ? 2 : 1));
		fault_disarm();
	}
	FOR_EACH_PATH (i) {
		subproc_attr attr = {.launch = all_paths[i]};
		struct report r;

		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		CHECK(report_list_lacks(&r, "fds", marker));
		report_free(&r);
	}
	CHECK(fd_count() == before);
	CHECK(no_children());
	close(marker);
	return 0;
}

static void test_fault_unshare_files_refused(void **state)
{
	int err = EPERM; /* Docker's default profile */

	(void)state;
	assert_forked(check_unshare_refused, &err);
}

static void test_fault_unshare_files_enomem(void **state)
{
	int err = ENOMEM;

	(void)state;
	assert_forked(check_unshare_refused, &err);
}

/* --- the order of events in a stop -------------------------------------------- */

/*
 * A child in its own group, with a member that ignores SIGTERM and holds
 * none of its pipes; at the timeout the child dies of SIGTERM, so its exit
 * and the end of its stdout come together with (or right after) the timer.
 * Whatever order poll reports them in, the member must get SIGKILL.
 */
static void order_case(int launch, int mode, bool hide_pidfd, bool capture)
{
	char *dir = tempdir_make(), script[1024];
	subproc_cmd *cmd = NULL;
	subproc_output out = {0};
	subproc_status st;
	pid_t pgid, member;

	survivor_script(script, sizeof script, dir, "echo out; exec sleep 100");
	assert_int_equal(subproc_cmd_new(&cmd, ARGS("/bin/sh", "-c", script)), 0);
	subproc_cmd_attr(cmd)->launch = launch;
	subproc_cmd_attr(cmd)->flags |= SUBPROC_SETPGID;
	assert_int_equal(
		subproc_cmd_stdio(cmd, 1, capture ? SUBPROC_STDIO_PIPE : SUBPROC_STDIO_NULL), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 1500, SIGTERM, 300), 0);
	assert_int_equal(subproc_cmd_start(cmd, NULL), 0);
	order.fd = hide_pidfd ? subproc_pidfd(subproc_cmd_proc(cmd)) : subproc_cmd_fd(cmd, 1);
	order.mode = mode;
	if (capture)
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, &st, NULL), -ETIMEDOUT);
	else
		assert_int_equal(subproc_cmd_wait(cmd, &st), -ETIMEDOUT);
	order.mode = ORDER_ANY;
	assert_int_equal(subproc_status_signal(st.status), SIGTERM);
	pgid = subproc_pid(subproc_cmd_proc(cmd));
	member = pid_file(dir, "s");
	assert_true(member > 1);
	if (!group_dies(pgid)) {
		kill(member, SIGKILL);
		fail_msg("path %s, order %d/%d: the group kept a member", path_names[launch], mode,
		         hide_pidfd);
	}
	subproc_output_free(&out);
	subproc_cmd_free(cmd);
	tempdir_remove(dir);
}

static void test_fault_stop_in_every_order(void **state)
{
	(void)state;
	FOR_EACH_PATH (i) {
		order_case(all_paths[i], ORDER_TOGETHER, false, false);
		order_case(all_paths[i], ORDER_TOGETHER, false, true);
		order_case(all_paths[i], ORDER_HIDE, false, true); /* exit first */
		order_case(all_paths[i], ORDER_HIDE, true, true);  /* EOF first */
	}
	assert_true(no_children());
}

/* --- isolation's launches and the map handshake ---------------------------- */

static const subproc_idmap map_root = {0, 0, 1};
static const subproc_isolation iso_root_map = {
	.namespaces = SUBPROC_NS_USER, .uid_map = &map_root, .nuid_map = 1};

static void need_root_linux(void)
{
	if (geteuid() != 0)
		skip_because("namespaces here need root");
}

/* qemu-user passes no namespace flag to a clone, and a process with
 * threads, as the emulator always is, cannot unshare a user namespace. */
static void need_user_namespace(void)
{
	need_root_linux();
	if (SUBPROC_TEST_EMULATED)
		skip_because("qemu-user gives a child no user namespace");
}

/* Namespaces ride on the CLONE_VM launch (clone here, which the wrapper
 * sees); a start with maps takes the fork path, which neither clones
 * through the trampoline nor calls fork() (its clone carries the
 * namespaces). */
static void test_fault_isolation_launches(void **state)
{
	subproc_isolation uts = {.namespaces = SUBPROC_NS_UTS};
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE, .isolation = &uts};
	subproc_proc *p = NULL;
	subproc_status st;

	(void)state;
	need_user_namespace();
	fault_arm(FAULT_CLONE, 1000, 0); /* never fails: counts */
	assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	subproc_release(p);
	assert_int_equal(fault.calls, 1);
	assert_true(clone_flags_seen & CLONE_VM);
	assert_true(clone_flags_seen & CLONE_NEWUTS);
	fault_disarm();

	attr.isolation = &iso_root_map;
	fault_arm(FAULT_CLONE, 1000, 0);
	assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
	assert_int_equal(fault.calls, 0);
	fault_disarm();
	fault_arm(FAULT_FORK, 1000, 0);
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	assert_int_equal(subproc_status_exit_code(st.status), 0);
	subproc_release(p);
	assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
	assert_int_equal(fault.calls, 0);
	fault_disarm();
	assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
	subproc_release(p);
	assert_true(no_children());
}

/* A launch refused while it carried namespaces is reported as theirs
 * (step "unshare", the launch as path); the same errno without them is the
 * launch's. */
static void test_fault_clone_refuses_namespaces(void **state)
{
	subproc_isolation net = {.namespaces = SUBPROC_NS_NET};
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE, .isolation = &net};
	subproc_error err;

	(void)state;
	need_root_linux();
	fault_arm(FAULT_CLONE, 1, EPERM);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EPERM, SUBPROC_STEP_UNSHARE, &err));
	assert_string_equal(err.path, "clone");
	fault_disarm();
	attr.isolation = NULL;
	fault_arm(FAULT_CLONE, 1, EPERM);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EPERM, SUBPROC_STEP_LAUNCH, &err));
	fault_disarm();
}

/* Each failure of the map handshake, in the parent: the second pipe, the
 * open and the write of each file, the read of the child's "ready". Each
 * fails the start at its step, and leaves no child, zombie or fd
 * (start_fails checks). */
static void test_fault_idmap_handshake(void **state)
{
	const subproc_idmap gmap = {0, 0, 1};
	subproc_isolation iso = iso_root_map;
	subproc_attr attr = {.isolation = &iso};
	subproc_error err;

	(void)state;
	need_user_namespace();
	iso.gid_map = &gmap;
	iso.ngid_map = 1;
	/* The status pipe first, then the map pipe. */
	fault_arm(FAULT_PIPE2, 2, EMFILE);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EMFILE, SUBPROC_STEP_PIPE, &err));
	assert_int_equal(fault_disarm(), 1);

	/* The parent's writes: uid_map, setgroups, gid_map. */
	for (int nth = 1; nth <= 3; nth++) {
		static const char *const files[] = {"uid_map", "setgroups", "gid_map"};
		char want[64];

		fault_arm(FAULT_WRITE, nth, EIO);
		assert_true(start_fails(PROBE, probe_exit0, &attr, -EIO,
		                        nth == 1 ? SUBPROC_STEP_UID_MAP : SUBPROC_STEP_GID_MAP,
		                        &err));
		assert_int_equal(fault_disarm(), 1);
		snprintf(want, sizeof want, "/%s", files[nth - 1]);
		assert_non_null(strstr(err.path, want));
	}
	fault_arm(FAULT_OPEN, 1, EACCES);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EACCES, SUBPROC_STEP_UID_MAP, &err));
	assert_int_equal(fault_disarm(), 1);

	/* The child's "ready", then the status after the exec. */
	fault_arm(FAULT_READ, 1, EIO);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EIO, SUBPROC_STEP_LAUNCH, &err));
	assert_int_equal(fault_disarm(), 1);
	fault_arm(FAULT_READ, 2, EIO);
	assert_true(start_fails(PROBE, probe_exit0, &attr, -EIO, SUBPROC_STEP_LAUNCH, &err));
	assert_int_equal(fault_disarm(), 1);

	/* And then it works. */
	{
		subproc_proc *p = NULL;
		subproc_status st;

		assert_int_equal(subproc_start(&p, PROBE, probe_exit0, &attr, NULL), 0);
		assert_int_equal(subproc_wait(p, 0, -1, &st), 0);
		assert_int_equal(subproc_status_exit_code(st.status), 0);
		subproc_release(p);
	}
}

/* A kernel before 5.14 has no cgroup.kill: a stop kills each member of
 * cgroup.procs instead, again while any is left, and the member that left
 * the process group dies as surely. */
static void test_fault_cgroup_kill_missing(void **state)
{
	char mnt[PATH_MAX], parent[PATH_MAX + 64], script[1024], *dir;
	const char *argv[] = {"sh", "-c", script, NULL};
	subproc_status st;
	subproc_cmd *cmd = NULL;
	pid_t esc;

	(void)state;
	if (geteuid() != 0 || !cgroup2_mount(mnt, sizeof mnt))
		skip_because("needs root and a cgroup2 mount");
	assert_true(snprintf(parent, sizeof parent, "%s/subproc-fault-%ld", mnt, (long)getpid()) <
	            (int)sizeof parent);
	if (mkdir(parent, 0755) < 0)
		skip_because("cannot make a cgroup under %s", mnt);
	dir = tempdir_make();
	assert_non_null(dir);
	snprintf(script, sizeof script,
	         "setsid sh -c 'trap \"\" TERM; echo $$ > %s/esc.tmp; mv %s/esc.tmp %s/esc; exec "
	         "sleep 300' </dev/null >/dev/null 2>&1 & while [ ! -e %s/esc ]; do sleep 0.01; "
	         "done; "
	         "exec sleep 300",
	         dir, dir, dir, dir);
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	assert_int_equal(subproc_cmd_cgroup(cmd, parent), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 500, SIGTERM, 100), 0);
	open_refused = "/cgroup.kill";
	open_refusals = 0;
	assert_int_equal(subproc_cmd_run(cmd, &st, NULL), -ETIMEDOUT);
	open_refused = NULL;
	assert_true(open_refusals >= 1);
	esc = pid_file(dir, "esc");
	assert_true(esc > 0);
	assert_true(kill(esc, 0) < 0 || pid_dies(esc));
	subproc_cmd_free(cmd);
	assert_int_equal(rmdir(parent), 0);
	tempdir_remove(dir);
	assert_true(no_children());
}

TEST_MAIN(cmocka_unit_test(test_fault_clone_eagain),
          cmocka_unit_test(test_fault_clone_einval_retries_without_pidfd),
          cmocka_unit_test(test_fault_clone3_eagain), cmocka_unit_test(test_fault_fork_eagain),
          cmocka_unit_test(test_fault_pipe2_status_pipe),
          cmocka_unit_test(test_fault_status_pipe_at_first_start_only),
          cmocka_unit_test(test_fault_first_start_two_free_fds),
          cmocka_unit_test(test_fault_pipe2_command_pipes),
          cmocka_unit_test(test_fault_poll_in_timed_wait),
          cmocka_unit_test(test_fault_poll_in_communicate),
          cmocka_unit_test(test_fault_read_status_pipe),
          cmocka_unit_test(test_fault_read_in_communicate),
          cmocka_unit_test(test_fault_write_epipe_ends_input),
          cmocka_unit_test(test_fault_open_stdio_file),
          cmocka_unit_test(test_fault_waitid_pidfd_einval),
          cmocka_unit_test(test_fault_waitid_error),
          cmocka_unit_test(test_fault_waitid_failed_start),
          cmocka_unit_test(test_fault_pidfd_open_enosys),
          cmocka_unit_test(test_fault_pidfd_send_signal),
          cmocka_unit_test(test_fault_close_range_enosys),
          cmocka_unit_test(test_fault_close_range_cloexec_einval),
          cmocka_unit_test(test_fault_unshare_files_refused),
          cmocka_unit_test(test_fault_unshare_files_enomem),
          cmocka_unit_test(test_fault_stop_in_every_order),
          cmocka_unit_test(test_fault_err_after_io_failure),
          cmocka_unit_test(test_fault_enomem_out_and_ownership),
          cmocka_unit_test(test_fault_set_read), cmocka_unit_test(test_fault_set_enomem),
          cmocka_unit_test(test_fault_set_wakeup_reads),
          cmocka_unit_test(test_fault_madvise_prefault),
          cmocka_unit_test(test_fault_isolation_launches),
          cmocka_unit_test(test_fault_clone_refuses_namespaces),
          cmocka_unit_test(test_fault_idmap_handshake),
          cmocka_unit_test(test_fault_cgroup_kill_missing))
