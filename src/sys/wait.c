/* SPDX-License-Identifier: MIT */
/*
 * Raw waiting. On Linux waitid is called as the kernel offers it, with a
 * fifth argument for the child's rusage (what wait4 would give) and P_PIDFD
 * (Linux 5.4), so a child reaped elsewhere gives ECHILD instead of a wait
 * on whatever process reuses its pid.
 */
#include "sys.h"

#include "raw.h"

#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The wait(2) status the kernel would have given for this siginfo. */
static int status_from_siginfo(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_KILLED:
		return si->si_status & 0x7f;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	case CLD_STOPPED:
	case CLD_TRAPPED:
		return ((si->si_status & 0xff) << 8) | 0x7f;
	case CLD_CONTINUED:
	default:
		return 0xffff;
	}
}

/* One waitid, EINTR absorbed. Returns 1 when the child changed state, 0
 * when WNOHANG found nothing, or -errno. */
static int wait_once(pid_t pid, int pidfd, int options, int *status, struct rusage *ru, bool *ended)
{
	/* Shared by every thread that waits; a stale false only costs one
	 * more EINVAL. */
	static atomic_bool no_p_pidfd;
	siginfo_t si;
	struct rusage r;
	long rc;

	for (;;) {
		memset(&si, 0, sizeof si);
		memset(&r, 0, sizeof r);
		if (pidfd >= 0 && !atomic_load_explicit(&no_p_pidfd, memory_order_relaxed)) {
			rc = RAW5(__NR_waitid, P_PIDFD, pidfd, &si, options, &r);
			if (rc == -EINVAL) {
				/* Before Linux 5.4. Racy only against a caller
				 * that reaps our children itself. */
				atomic_store_explicit(&no_p_pidfd, true, memory_order_relaxed);
				continue;
			}
		} else {
			rc = RAW5(__NR_waitid, P_PID, pid, &si, options, &r);
		}
		if (rc != -EINTR)
			break;
	}
	if (rc < 0)
		return (int)rc;
	if (si.si_pid == 0)
		return 0;
	*status = status_from_siginfo(&si);
	*ended = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
	if (ru != NULL)
		*ru = *ended ? r : (struct rusage){0};
	return 1;
}

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
		return wait_once(pid, pidfd, options, status, ru, ended);
	r = wait_once(pid, pidfd, options | WNOHANG, status, ru, ended);
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
		r = wait_once(pid, pidfd, options | WNOHANG, status, ru, ended);
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
	r = wait_once(pid, pidfd, WEXITED, &status, NULL, &ended);
	if (r < 0 && r != -ECHILD && pidfd >= 0)
		wait_once(pid, -1, WEXITED, &status, NULL, &ended);
}
