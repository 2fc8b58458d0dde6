/* SPDX-License-Identifier: MIT */
/* riscv64: the number in a7, arguments in a0..a5, the result in a0; the
 * kernel preserves every other register. */
#ifndef SUBPROC_SYS_ARCH_SYSCALL_H
#define SUBPROC_SYS_ARCH_SYSCALL_H

/* The generic struct sigaction, without sa_restorer (the vDSO returns
 * from handlers). */
#define RAW_SIGACTION_RESTORER 0

static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	register long a3 __asm__("a3") = d;
	register long a4 __asm__("a4") = e;
	register long a5 __asm__("a5") = f;
	__asm__ volatile("ecall"
	                 : "+r"(a0)
	                 : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
	                 : "memory");
	return a0;
}

#endif
