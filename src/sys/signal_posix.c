/* SPDX-License-Identifier: MIT */
/*
 * Signals around a launch in the portable build (signal_linux.c on Linux),
 * through pthread_sigmask: the child is forked, in its own memory, so a
 * libc-internal signal reaching it runs no handler on borrowed memory. No
 * pidfds: those calls say ENOSYS, and every child is waited for by pid.
 */
#include "sys.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>

static void sigset_from_bits(uint64_t bits, sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig <= 64; sig++) {
		if ((bits >> (sig - 1)) & 1)
			sigaddset(set, sig); /* fails only for a signal not here */
	}
}

uint64_t sys_block_all_signals(void)
{
	sigset_t all, old;

	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0)
		sigemptyset(&old);
	return sys_sigset_bits(&old);
}

void sys_restore_signals(uint64_t mask)
{
	sigset_t set;

	sigset_from_bits(mask, &set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
}

int sys_pidfd_open(pid_t pid)
{
	(void)pid;
	return -ENOSYS;
}

int sys_pidfd_signal(int pidfd, int sig)
{
	(void)pidfd;
	(void)sig;
	return -ENOSYS;
}
