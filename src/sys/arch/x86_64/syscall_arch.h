/* SPDX-License-Identifier: MIT */
/* x86_64: the number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the
 * kernel clobbers rcx and r11. */
#ifndef SUBPROC_SYS_ARCH_SYSCALL_H
#define SUBPROC_SYS_ARCH_SYSCALL_H

/* The kernel's struct sigaction has sa_restorer here. */
#define RAW_SIGACTION_RESTORER 1

static inline long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

#endif
