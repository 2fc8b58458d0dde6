/* SPDX-License-Identifier: MIT */
/*
 * long subproc__sys_raw_syscall6(long n, long a, long b, long c, long d,
 *                                long e, long f);
 *
 * n, a, b, c arrive in r0..r3 and d, e, f on the stack; the kernel wants
 * the number in r7 and the arguments in r0..r5. Returns r0: the result or
 * -errno. Runs in the child (see syscall_arch.h): it touches only its frame.
 */
	.syntax	unified
	.arm
	.text

	.globl	subproc__sys_raw_syscall6
	.hidden	subproc__sys_raw_syscall6
	.type	subproc__sys_raw_syscall6, %function
	.p2align 2
subproc__sys_raw_syscall6:
	.fnstart
	push	{r4, r5, r7, lr}
	.save	{r4, r5, r7, lr}
	mov	r7, r0
	mov	r0, r1
	mov	r1, r2
	mov	r2, r3
	ldr	r3, [sp, #16]
	ldr	r4, [sp, #20]
	ldr	r5, [sp, #24]
	svc	#0
	pop	{r4, r5, r7, pc}
	.fnend
	.size	subproc__sys_raw_syscall6, .-subproc__sys_raw_syscall6

	.section .note.GNU-stack, "", %progbits
