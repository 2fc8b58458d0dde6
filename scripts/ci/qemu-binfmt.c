/* SPDX-License-Identifier: MIT */
/*
 * A binfmt_misc interpreter for a target whose loader and libc are not in /
 * (riscv64 on bookworm has no multiarch libc, only the cross toolchain's in
 * /usr/TRIPLET). qemu's -L would do, but qemu takes it from its command line
 * or from QEMU_LD_PREFIX, and an environment variable would be seen, and
 * dropped, by every test that sets a child's environment. Registered with
 * flag P, the kernel runs this as: qemu-binfmt FILE ARGV0 ARGV1...; it runs
 * qemu with the prefix and the original argv[0], environment untouched.
 *
 * Built for the build machine by scripts/ci/qemu-suite.sh, with QEMU and
 * PREFIX defined; not part of the library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char **args;
	int n = 0;

	if (argc < 3) {
		fprintf(stderr, "qemu-binfmt: run by binfmt_misc (flag P) only\n");
		return 127;
	}
	args = calloc((size_t)argc + 6, sizeof *args);
	if (args == NULL)
		return 127;
	args[n++] = QEMU;
	args[n++] = "-L";
	args[n++] = PREFIX;
	args[n++] = "-0";
	args[n++] = argv[2];
	args[n++] = argv[1];
	for (int i = 3; i < argc; i++)
		args[n++] = argv[i];
	execv(QEMU, args);
	fprintf(stderr, "qemu-binfmt: %s: %s\n", QEMU, strerror(errno));
	return 127;
}
