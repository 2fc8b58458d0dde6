/* SPDX-License-Identifier: MIT */
/*
 * The two CLONE_VM launches for 32-bit ARM (EABI), as raw system calls
 * (the contract is the x86_64 one, in ../x86_64/clone.S):
 *
 *   long subproc__sys_clone3_call(struct clone_args *args, size_t size,
 *                                 void (*fn)(void *), void *arg);
 *   long subproc__sys_clone_call(unsigned long flags, void *stack_top,
 *                                int *pidfd, void (*fn)(void *), void *arg);
 *
 * The kernel returns only r0 and keeps every other register, in the parent
 * and in the child, so fn and arg ride in callee-saved registers the call
 * does not read. The child starts on the new stack (8-byte aligned, as
 * AAPCS wants) with no frame to return to: it calls fn and, should fn
 * return, exits 127.
 */
	.syntax	unified
	.arm
	.text

	.globl	subproc__sys_clone3_call
	.hidden	subproc__sys_clone3_call
	.type	subproc__sys_clone3_call, %function
	.p2align 2
subproc__sys_clone3_call:
	.fnstart
	push	{r4, r5, r7, lr}
	.save	{r4, r5, r7, lr}
	mov	r4, r2			/* fn */
	mov	r5, r3			/* arg */
	movw	r7, #435		/* __NR_clone3 */
	svc	#0
	cmp	r0, #0
	beq	1f
	pop	{r4, r5, r7, pc}
1:
	mov	fp, #0
	mov	lr, #0
	mov	r0, r5
	blx	r4
	mov	r0, #127
	mov	r7, #248		/* __NR_exit_group */
	svc	#0
	udf	#0
	.fnend
	.size	subproc__sys_clone3_call, .-subproc__sys_clone3_call

/* clone(flags, stack, parent_tid, tls, child_tid): the pidfd comes back
 * through parent_tid; tls (r3) and child_tid (r4) are unused (zero). arg,
 * the fifth argument, is on the caller's stack above the six registers
 * saved here. */
	.globl	subproc__sys_clone_call
	.hidden	subproc__sys_clone_call
	.type	subproc__sys_clone_call, %function
	.p2align 2
subproc__sys_clone_call:
	.fnstart
	push	{r4, r5, r6, r7, r8, lr}
	.save	{r4, r5, r6, r7, r8, lr}
	ldr	r5, [sp, #24]		/* arg */
	mov	r6, r3			/* fn */
	mov	r3, #0
	mov	r4, #0
	mov	r7, #120		/* __NR_clone */
	svc	#0
	cmp	r0, #0
	beq	1f
	pop	{r4, r5, r6, r7, r8, pc}
1:
	mov	fp, #0
	mov	lr, #0
	mov	r0, r5
	blx	r6
	mov	r0, #127
	mov	r7, #248		/* __NR_exit_group */
	svc	#0
	udf	#0
	.fnend
	.size	subproc__sys_clone_call, .-subproc__sys_clone_call

	.section .note.GNU-stack, "", %progbits
