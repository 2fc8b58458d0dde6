/* SPDX-License-Identifier: MIT */
/*
 * The two CLONE_VM launches for aarch64, as raw system calls (the contract
 * is the x86_64 one, in ../x86_64/clone.S):
 *
 *   long subproc__sys_clone3_call(struct clone_args *args, size_t size,
 *                                 void (*fn)(void *), void *arg);
 *   long subproc__sys_clone_call(unsigned long flags, void *stack_top,
 *                                int *pidfd, void (*fn)(void *), void *arg);
 *
 * The kernel returns only x0 and keeps every other register, in the parent
 * and in the child, so fn and arg ride in x10 and x11. The child starts on
 * the new stack (16-byte aligned, as the parent made it) with no frame to
 * return to: it calls fn and, should fn return, exits 127.
 */
	.text

	.globl	subproc__sys_clone3_call
	.hidden	subproc__sys_clone3_call
	.type	subproc__sys_clone3_call, %function
	.p2align 2
subproc__sys_clone3_call:
	.cfi_startproc
	mov	x10, x2
	mov	x11, x3
	mov	x8, #435		/* __NR_clone3 */
	svc	#0
	cbz	x0, 1f
	ret
1:
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	mov	x0, x11
	blr	x10
	mov	x0, #127
	mov	x8, #94			/* __NR_exit_group */
	svc	#0
	brk	#0
	.cfi_endproc
	.size	subproc__sys_clone3_call, .-subproc__sys_clone3_call

/* clone(flags, stack, parent_tid, tls, child_tid): the pidfd comes back
 * through parent_tid; tls and child_tid are unused (zero). */
	.globl	subproc__sys_clone_call
	.hidden	subproc__sys_clone_call
	.type	subproc__sys_clone_call, %function
	.p2align 2
subproc__sys_clone_call:
	.cfi_startproc
	mov	x10, x3
	mov	x11, x4
	mov	x3, #0
	mov	x4, #0
	mov	x8, #220		/* __NR_clone */
	svc	#0
	cbz	x0, 1f
	ret
1:
	.cfi_undefined x30
	mov	x29, #0
	mov	x30, #0
	mov	x0, x11
	blr	x10
	mov	x0, #127
	mov	x8, #94			/* __NR_exit_group */
	svc	#0
	brk	#0
	.cfi_endproc
	.size	subproc__sys_clone_call, .-subproc__sys_clone_call

	.section .note.GNU-stack, "", %progbits
