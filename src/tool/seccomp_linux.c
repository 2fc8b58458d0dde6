/* SPDX-License-Identifier: MIT */
/*
 * --seccomp-deny on Linux: system call names (tool_syscalls.inc, from
 * <sys/syscall.h> by cmake/mktoolnames.cmake, the numbers supplied by the
 * compiler that builds the tool, so a cross build has its target's), and a
 * classic BPF filter under which the named calls fail with EPERM.
 *
 * A system call is a number within an ABI: the same number names another
 * call in the i386 ABI of an x86_64 kernel, or in the arm ABI of an aarch64
 * one, and a program may enter the kernel through either. A filter that only
 * compared numbers would deny some other call there and let the named one
 * through under its other number. So every call is first checked for this
 * build's ABI (seccomp_data.arch), and on x86_64 for the x32 bit in its
 * number, which shares AUDIT_ARCH_X86_64; a call of any other ABI fails
 * with EPERM whatever it is.
 */
#include "tool.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* tool_syscalls[]: {"read", SYS_read}, ..., {NULL, -1}, sorted by name. */
#include "tool_syscalls.inc"

/* This build's ABI as the kernel reports it in seccomp_data.arch. */
#if defined(__x86_64__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_X86_64
/* x32 calls carry this bit in their number. An x32 build's own calls all do,
 * and then the x86_64 calls are the foreign ones. */
#define TOOL_X32_BIT 0x40000000u
#if defined(__ILP32__)
#define TOOL_X32_NATIVE 1
#else
#define TOOL_X32_NATIVE 0
#endif
#elif defined(__i386__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_ARMEB
#elif defined(__arm__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define TOOL_AUDIT_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TOOL_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define TOOL_AUDIT_ARCH AUDIT_ARCH_S390X
#endif

#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

static long syscall_number(const char *name)
{
	for (size_t i = 0; tool_syscalls[i].name != NULL; i++) {
		if (strcmp(tool_syscalls[i].name, name) == 0)
			return tool_syscalls[i].nr;
	}
	return -1;
}

int tool_seccomp_deny(struct tool_opts *o, const char *arg)
{
	const char *item = arg;

#ifndef TOOL_AUDIT_ARCH
	(void)o;
	(void)item;
	tool_error("--seccomp-deny: this build does not know its processor's audit architecture "
	           "(AUDIT_ARCH_*), so it cannot tell its own system calls from another ABI's");
	return -1;
#else
	for (;;) {
		size_t len = strcspn(item, ",");
		char name[64];
		long nr = -1, *slot;
		bool seen = false;

		if (len > 0 && len < sizeof name) {
			memcpy(name, item, len);
			name[len] = '\0';
			nr = syscall_number(name);
		}
		if (nr < 0) {
			tool_error("--seccomp-deny: unknown system call '%.*s' in '%s' "
			           "(subproc --list syscalls names them)",
			           (int)len, item, arg);
			return -1;
		}
		for (size_t i = 0; i < o->ndeny; i++)
			seen = seen || o->deny[i] == nr;
		if (!seen) {
			slot = realloc(o->deny, (o->ndeny + 1) * sizeof *slot);
			if (slot == NULL) {
				tool_error("out of memory");
				return -1;
			}
			o->deny = slot;
			o->deny[o->ndeny++] = nr;
		}
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
#endif
}

int tool_seccomp_build(struct tool_opts *o)
{
#ifndef TOOL_AUDIT_ARCH
	return o->ndeny == 0 ? 0 : -1;
#else
	/* The arch check (3), the number's load (1), the x32 check (2), a
	 * compare and a return per call, and the final allow. Each compare
	 * jumps over its own return only, so no jump is ever longer than
	 * the 255 instructions a classic BPF jump can skip. */
	size_t n = 4 + 2 * o->ndeny + 1, i = 0;
	struct sock_filter *f;
	struct sock_fprog *prog;

#ifdef TOOL_X32_BIT
	n += 2;
#endif
	if (n > BPF_MAXINSNS) {
		tool_error("--seccomp-deny: %zu system calls are more than one filter can hold",
		           o->ndeny);
		return -1;
	}
	f = calloc(n, sizeof *f);
	prog = calloc(1, sizeof *prog);
	if (f == NULL || prog == NULL) {
		free(f);
		free(prog);
		tool_error("out of memory");
		return -1;
	}
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, arch));
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TOOL_AUDIT_ARCH, 1, 0);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	                                      offsetof(struct seccomp_data, nr));
#ifdef TOOL_X32_BIT
	/* Foreign: the bit set in an x86_64 build, clear in an x32 one. */
	f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, TOOL_X32_BIT,
	                                      TOOL_X32_NATIVE, !TOOL_X32_NATIVE);
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY);
#endif
	for (size_t k = 0; k < o->ndeny; k++) {
		f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		                                      (unsigned)o->deny[k], 0, 1);
		f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY);
	}
	f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog->len = (unsigned short)i;
	prog->filter = f;
	o->seccomp = prog;
	return 0;
#endif
}

void tool_seccomp_free(struct tool_opts *o)
{
	if (o->seccomp != NULL)
		free(o->seccomp->filter);
	free(o->seccomp);
	free(o->deny);
	o->seccomp = NULL;
	o->deny = NULL;
	o->ndeny = 0;
}

int tool_list_syscalls(void)
{
	for (size_t i = 0; tool_syscalls[i].name != NULL; i++)
		puts(tool_syscalls[i].name);
	return 0;
}
