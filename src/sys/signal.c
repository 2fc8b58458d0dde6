/* SPDX-License-Identifier: MIT */
/*
 * The kernel's form of a signal set, which plans carry (signal n is bit
 * n-1, signals 1 to 64), for every system.
 */
#include "sys.h"

#include <signal.h>
#include <stdint.h>

uint64_t sys_sigset_bits(const sigset_t *set)
{
	uint64_t bits = 0;

	for (int sig = 1; sig <= 64; sig++) {
		if (sigismember(set, sig) == 1)
			bits |= 1ULL << (sig - 1);
	}
	return bits;
}
