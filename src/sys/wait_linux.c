/* SPDX-License-Identifier: MIT */
/*
 * One wait on Linux: waitid as the kernel offers it, with a fifth argument
 * for the child's rusage (what wait4 would give) and P_PIDFD (Linux 5.4),
 * so a child reaped elsewhere gives ECHILD instead of a wait on whatever
 * process reuses its pid.
 */
#include "sys.h"

#include "raw_linux.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>

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

int sys_wait_once(pid_t pid, int pidfd, int options, int *status, struct rusage *ru, bool *ended)
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
