/*
 * long sys_clone3_call(struct clone_args *args, size_t size,
 *                      void (*fn)(void *), void *arg);
 *
 * clone3 with a new stack, for x86_64. The child wakes up on the stack the
 * args name, so it cannot return through a C frame: it must call fn right
 * here. fn never returns (it ends in execve or exit_group); if it did, the
 * child exits 127. The parent gets the child's pid or -errno in %rax.
 * syscall clobbers only %rcx and %r11, so fn and arg ride in %r8 and %r9.
 */
	.text
	.globl	sys_clone3_call
	.hidden	sys_clone3_call
	.type	sys_clone3_call, @function
sys_clone3_call:
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
	.size	sys_clone3_call, .-sys_clone3_call

	.section .note.GNU-stack, "", @progbits
