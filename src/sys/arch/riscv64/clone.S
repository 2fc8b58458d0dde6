/* SPDX-License-Identifier: MIT */
/*
 * The two CLONE_VM launches for riscv64, as raw system calls (the contract
 * is the x86_64 one, in ../x86_64/clone.S):
 *
 *   long subproc__sys_clone3_call(struct clone_args *args, size_t size,
 *                                 void (*fn)(void *), void *arg);
 *   long subproc__sys_clone_call(unsigned long flags, void *stack_top,
 *                                int *pidfd, void (*fn)(void *), void *arg);
 *
 * The kernel returns only a0 and keeps every other register, in the parent
 * and in the child, so fn and arg ride in t1 and t2. The child starts on
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
	mv	t1, a2
	mv	t2, a3
	li	a7, 435			/* __NR_clone3 */
	ecall
	beqz	a0, 1f
	ret
1:
	.cfi_undefined ra
	li	fp, 0
	li	ra, 0
	mv	a0, t2
	jalr	t1
	li	a0, 127
	li	a7, 94			/* __NR_exit_group */
	ecall
	unimp
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
	mv	t1, a3
	mv	t2, a4
	li	a3, 0
	li	a4, 0
	li	a7, 220			/* __NR_clone */
	ecall
	beqz	a0, 1f
	ret
1:
	.cfi_undefined ra
	li	fp, 0
	li	ra, 0
	mv	a0, t2
	jalr	t1
	li	a0, 127
	li	a7, 94			/* __NR_exit_group */
	ecall
	unimp
	.cfi_endproc
	.size	subproc__sys_clone_call, .-subproc__sys_clone_call

	.section .note.GNU-stack, "", %progbits
