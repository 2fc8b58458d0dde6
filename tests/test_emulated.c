/* SPDX-License-Identifier: MIT */
/*
 * A user-mode emulator, played on the real kernel. qemu-user cannot share
 * its memory with a second process: it refuses clone3 (ENOSYS) and the
 * clone flags it cannot turn into a fork (CLONE_PIDFD, CLONE_FILES: EINVAL),
 * and turns CLONE_VM|CLONE_VFORK into a plain fork that returns at once.
 * The wrappers below do the same to the library's trampolines (linked with
 * -Wl,--wrap, tests/CMakeLists.txt), so that what the library does under
 * qemu is tested on every CI run: it must notice that the child did not
 * share its memory and still report every failed start correctly, where a
 * child's report in shared memory would be lost and the start would pass
 * for a success.
 *
 * Registered once, with SUBPROC_LAUNCH removed: each test is a fresh
 * process, so each starts with the library not knowing yet.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

static int clone3_calls, clone_calls, refused_calls, fork_calls;

long __wrap_subproc__sys_clone3_call(void *args, size_t size, void (*fn)(void *), void *arg);
long __wrap_subproc__sys_clone3_call(void *args, size_t size, void (*fn)(void *), void *arg)
{
	(void)args, (void)size, (void)fn, (void)arg;
	clone3_calls++;
	return -ENOSYS;
}

long __real_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg);
long __wrap_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg);
long __wrap_subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
                                    void (*fn)(void *), void *arg)
{
	if (flags & (CLONE_PIDFD | CLONE_FILES)) {
		refused_calls++;
		return -EINVAL;
	}
	clone_calls++;
	/* The new stack is kept, as qemu keeps it: the trampoline's child
	 * runs fn on it, in its own copy of our memory. */
	return __real_subproc__sys_clone_call(flags & ~(unsigned long)(CLONE_VM | CLONE_VFORK),
	                                      stack_top, pidfd, fn, arg);
}

pid_t __real_fork(void);
pid_t __wrap_fork(void);
pid_t __wrap_fork(void)
{
	fork_calls++;
	return __real_fork();
}

static char *const missing_argv[] = {"/nonexistent/program", NULL};

/* The first default start learns that children do not share memory, and
 * still reports the failed exec; later ones take the fork path at once. */
static void test_emulated_default_reports_errors(void **state)
{
	subproc_attr attr = {0};
	subproc_error err;
	struct report r;

	(void)state;
	assert_true(start_fails(missing_argv[0], missing_argv, &attr, -ENOENT, SUBPROC_STEP_EXECVE,
	                        &err));
	assert_string_equal(err.path, "/nonexistent/program");
	assert_int_equal(clone3_calls, 1);
	assert_int_equal(clone_calls, 1);
	assert_int_equal(fork_calls, 0);

	attr.dir = "/nonexistent";
	assert_true(start_fails(PROBE, (char *const[]){PROBE, NULL}, &attr, -ENOENT,
	                        SUBPROC_STEP_CHDIR, &err));
	assert_string_equal(err.path, "/nonexistent");
	assert_int_equal(fork_calls, 1);
	assert_int_equal(clone3_calls + clone_calls, 2);

	attr.dir = "/";
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	assert_true(report_is(&r, "cwd", "/"));
	report_free(&r);
	assert_int_equal(fork_calls, 2);
	assert_true(no_children());
}

/* A first start that succeeds teaches the same, and the child it made is
 * the caller's as usual. */
static void test_emulated_first_start_succeeds(void **state)
{
	subproc_attr attr = {0};
	subproc_error err;
	struct report r;

	(void)state;
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	report_free(&r);
	assert_int_equal(fork_calls, 0);
	assert_true(start_fails(missing_argv[0], missing_argv, &attr, -ENOENT, SUBPROC_STEP_EXECVE,
	                        &err));
	assert_int_equal(fork_calls, 1);
	assert_true(no_children());
}

/* A launch the caller asked for is kept (clone stays clone, with the status
 * pipe every time); clone3 fails as the emulator makes it fail. */
static void test_emulated_explicit_launch(void **state)
{
	subproc_attr attr = {.launch = SUBPROC_LAUNCH_CLONE};
	subproc_error err;
	struct report r;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_true(start_fails(missing_argv[0], missing_argv, &attr, -ENOENT,
		                        SUBPROC_STEP_EXECVE, &err));
		assert_int_equal(clone_calls, i + 1);
	}
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	report_free(&r);
	assert_int_equal(fork_calls, 0);

	attr.launch = SUBPROC_LAUNCH_CLONE3;
	assert_true(start_fails(missing_argv[0], missing_argv, &attr, -ENOSYS, SUBPROC_STEP_LAUNCH,
	                        &err));
	assert_string_equal(err.path, "clone3");
	assert_true(no_children());
}

/* posix_spawn through the library: the error of a failed exec comes back,
 * which glibc's posix_spawn loses under qemu. */
static void test_emulated_posix_spawn(void **state)
{
	pid_t pid = -1;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			subproc_posix_spawn(&pid, missing_argv[0], NULL, NULL, missing_argv, NULL),
			ENOENT);
	assert_true(no_children());
}

/*
 * A full fd table before anything is known: the start cannot have its
 * status pipe, and the child turns out not to share memory, so its fate is
 * unknown. The library kills it unseen and fails the start at the step that
 * could not be done, leaving no child.
 */
static void test_emulated_full_fd_table(void **state)
{
	subproc_attr attr = {0};
	subproc_error err;
	struct rlimit old, lim;
	int n = fd_count();
	int fds[64], nfds = 0;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)fd_unused(0) + 40;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
	while (nfds < 64) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		fds[nfds++] = fd;
	}
	assert_true(nfds < 64);
	assert_int_equal(errno, EMFILE);
	assert_true(start_fails(PROBE, (char *const[]){PROBE, NULL}, &attr, -EMFILE,
	                        SUBPROC_STEP_PIPE, &err));
	assert_int_equal(clone_calls, 1);
	while (nfds > 0)
		close(fds[--nfds]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(fd_count(), n);
	assert_true(no_children());
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emulated_default_reports_errors),
		cmocka_unit_test(test_emulated_first_start_succeeds),
		cmocka_unit_test(test_emulated_explicit_launch),
		cmocka_unit_test(test_emulated_posix_spawn),
		cmocka_unit_test(test_emulated_full_fd_table),
	};

	return support_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
