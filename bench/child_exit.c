/* SPDX-License-Identifier: MIT */
/*
 * The smallest child: its whole program is one exit_group(0). Built with
 * -nostdlib -static, so the kernel maps one page and there is no dynamic
 * linker and no libc start-up (whose CPUID probes trap to the hypervisor
 * on a VM and would hide the spawn mechanism being measured).
 */
#if !defined(__x86_64__)
#error "child_exit.c has the x86_64 system call sequence only"
#endif

__asm__(".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "\tmovl $231, %eax\n" /* __NR_exit_group */
        "\txorl %edi, %edi\n"
        "\tsyscall\n"
        "\thlt\n");
