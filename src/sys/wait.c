/* SPDX-License-Identifier: MIT */
/*
 * Waiting with a timeout, for every system: one wait at a time through
 * sys_wait_once (wait_linux.c, wait_posix.c), between which a child with a
 * pidfd is polled for and one without is looked at with a growing sleep.
 */
#include "sys.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sys_wait(pid_t pid, int pidfd, unsigned flags, int timeout_ms, int *status, struct rusage *ru,
             bool *ended)
{
	int options = WEXITED;
	int64_t deadline;
	int r, sleep_ms = 1;

	if (flags & SYS_WAIT_STOPPED)
		options |= WSTOPPED;
	if (flags & SYS_WAIT_CONTINUED)
		options |= WCONTINUED;
	*ended = false;
	if (timeout_ms < 0)
		return sys_wait_once(pid, pidfd, options, status, ru, ended);
	r = sys_wait_once(pid, pidfd, options | WNOHANG, status, ru, ended);
	if (r != 0 || timeout_ms == 0)
		return r;

	deadline = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left < 0)
			left = 0;
		if (pidfd >= 0 && flags == 0) {
			/* A pidfd polls readable once the child has exited;
			 * it says nothing of stops, hence the flags test. */
			struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
			int pr = poll(&pfd, 1, (int)left);
			if (pr < 0 && errno != EINTR)
				return -errno;
		} else {
			int ms = left < sleep_ms ? (int)left : sleep_ms;
			struct timespec ts = {.tv_sec = ms / 1000,
			                      .tv_nsec = (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
			if (sleep_ms < 50)
				sleep_ms *= 2;
		}
		r = sys_wait_once(pid, pidfd, options | WNOHANG, status, ru, ended);
		if (r != 0 || left == 0)
			return r;
	}
}

void sys_reap(pid_t pid, int pidfd)
{
	bool ended;
	int status, r;

	/* The child is ours and not reaped yet, so its pid cannot have been
	 * reused: when the pidfd wait fails for any reason but "already
	 * reaped" (a pidfd the caller closed by mistake gives EBADF), waiting
	 * by pid is safe and leaves no zombie behind a failed start. */
	r = sys_wait_once(pid, pidfd, WEXITED, &status, NULL, &ended);
	if (r < 0 && r != -ECHILD && pidfd >= 0)
		sys_wait_once(pid, -1, WEXITED, &status, NULL, &ended);
}
