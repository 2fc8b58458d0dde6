/* SPDX-License-Identifier: MIT */
/*
 * Signals around a launch, and pidfds, on Linux (signal_posix.c in the
 * portable build): shared by every launch path (launch_linux.c and the
 * fork path in launch_fork.c), so neither of those files needs the other's.
 */
#include "sys.h"

#include "raw_linux.h"

#include <signal.h>
#include <stdint.h>

uint64_t sys_block_all_signals(void)
{
	/* Raw, because pthread_sigmask refuses to block glibc's internal
	 * signals, and one of those arriving in the child would run a glibc
	 * handler on the child's borrowed memory. */
	uint64_t all = ~0ULL, old = 0;

	raw_sigprocmask(SIG_SETMASK, &all, &old);
	return old;
}

void sys_restore_signals(uint64_t mask)
{
	raw_sigprocmask(SIG_SETMASK, &mask, NULL);
}

int sys_pidfd_open(pid_t pid)
{
	return (int)raw_pidfd_open(pid, 0);
}

int sys_pidfd_signal(int pidfd, int sig)
{
	return (int)RAW4(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}
