#!/bin/sh
# SPDX-License-Identifier: MIT
# The portable build (-DSUBPROC_POSIX=ON), which stands in for BSD and
# macOS: the library compiled with -D_POSIX_C_SOURCE=200809L and no
# _GNU_SOURCE, warnings as errors, the fork path only. Its objects must call
# nothing beyond POSIX.1-2008 that the Linux build uses (checked below, on
# the symbols they import), and the whole suite runs; what the build lacks
# skips by name, and test_fail_portable_lacks checks its ENOSYS errors.
# usage: scripts/ci/posix.sh
set -eu
cd "$(dirname "$0")/../.."

cmake -S . -B build-posix -DSUBPROC_POSIX=ON -DSUBPROC_WERROR=ON -DBUILD_TESTING=ON
cmake --build build-posix -j2

objs=build-posix/src/CMakeFiles/subproc_objects.dir
linux_only='accept4|clone|clone3|close_range|dup3|epoll_.*|eventfd|getresgid|getresuid|pidfd_.*|pipe2|prctl|prlimit.*|setgroups|syscall|unshare|wait4|waitid'
found=$(find "$objs" -name '*.o' -exec nm -u {} + | awk '{print $NF}' | grep -Ex "$linux_only" | sort -u || true)
if [ -n "$found" ]; then
	echo "posix: the portable build's objects call what POSIX.1-2008 lacks: $found" >&2
	exit 1
fi
[ -n "$(find "$objs" -name 'child_posix.c.o')" ] || { echo "posix: child_posix.c was not built" >&2; exit 1; }
echo "posix: the library's objects call POSIX.1-2008 only"

ctest --test-dir build-posix --output-on-failure --no-tests=error -j2 --timeout 120
