/* SPDX-License-Identifier: MIT */
/*
 * The two CLONE_VM launches for x86_64, as raw system calls (one such file
 * per architecture, in the directory of its name, chosen by src/CMakeLists.txt):
 *
 *   long subproc__sys_clone3_call(struct clone_args *args, size_t size,
 *                        void (*fn)(void *), void *arg);
 *   long subproc__sys_clone_call(unsigned long flags, void *stack_top, int *pidfd,
 *                       void (*fn)(void *), void *arg);
 *
 * The child wakes up on the stack the call names, so it cannot return
 * through a C frame: it must call fn right here. fn never returns (it ends
 * in execve or exit_group); if it did, the child exits 127. The parent gets
 * the child's pid or -errno in %rax.
 *
 * Why not glibc's clone(): a sanitizer runtime intercepts it and runs its
 * own fork bookkeeping in a child that shares the parent's memory, and it
 * goes through the PLT, which a caller's interposed clone would replace.
 */
	.text

/* clone3: syscall clobbers only %rcx and %r11, so fn and arg ride in %r8
 * and %r9, which clone3 (two arguments) does not read. */
	.globl	subproc__sys_clone3_call
	.hidden	subproc__sys_clone3_call
	.type	subproc__sys_clone3_call, @function
subproc__sys_clone3_call:
	.cfi_startproc
	mov	%rdx, %r8
	mov	%rcx, %r9
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jz	1f
	ret
1:
	.cfi_undefined rip		/* the child's stack has no caller */
	xor	%ebp, %ebp
	mov	%r9, %rdi
	call	*%r8
	mov	$127, %edi
	mov	$231, %eax		/* __NR_exit_group */
	syscall
	hlt
	.cfi_endproc
	.size	subproc__sys_clone3_call, .-subproc__sys_clone3_call

/* clone(flags, stack, parent_tid, child_tid, tls): all five argument
 * registers are the kernel's, so fn and arg go on the child's new stack,
 * where the child pops them. stack_top is 16-byte aligned; so is what the
 * child calls fn with. */
	.globl	subproc__sys_clone_call
	.hidden	subproc__sys_clone_call
	.type	subproc__sys_clone_call, @function
subproc__sys_clone_call:
	.cfi_startproc
	sub	$16, %rsi
	mov	%rcx, 0(%rsi)		/* fn */
	mov	%r8, 8(%rsi)		/* arg */
	xor	%r10d, %r10d		/* child_tid */
	xor	%r8d, %r8d		/* tls */
	mov	$56, %eax		/* __NR_clone */
	syscall
	test	%rax, %rax
	jz	1f
	ret
1:
	.cfi_undefined rip
	xor	%ebp, %ebp
	mov	8(%rsp), %rdi
	mov	0(%rsp), %rax
	call	*%rax
	mov	$127, %edi
	mov	$231, %eax		/* __NR_exit_group */
	syscall
	hlt
	.cfi_endproc
	.size	subproc__sys_clone_call, .-subproc__sys_clone_call

	.section .note.GNU-stack, "", @progbits
