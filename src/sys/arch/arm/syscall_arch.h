/* SPDX-License-Identifier: MIT */
/*
 * 32-bit ARM (EABI): the number in r7, arguments in r0..r5. r7 is the
 * frame pointer of Thumb code, which inline assembly may not claim in
 * every build, so the call is a small function in syscall.S: a direct call
 * to a hidden symbol, no PLT, no memory but its own stack frame.
 */
#ifndef SUBPROC_SYS_ARCH_SYSCALL_H
#define SUBPROC_SYS_ARCH_SYSCALL_H

#define RAW_SIGACTION_RESTORER 1

#define raw_syscall6 subproc__sys_raw_syscall6
long raw_syscall6(long n, long a, long b, long c, long d, long e, long f);

#endif
