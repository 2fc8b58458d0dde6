#!/bin/sh
# SPDX-License-Identifier: MIT
# The library, the tool and the whole suite built with musl-gcc (Debian's
# musl-tools), warnings as errors, and the suite run. Debian has no cmocka
# for musl, so cmocka-cross.sh builds Debian's cmocka source with musl-gcc;
# musl-gcc sees no kernel headers, so the tests' <linux/...> and <asm/...>
# (seccomp filters) come from the system's linux-libc-dev through a
# directory of links. The posix_spawn differential tests and the preload
# library's tests compare with glibc and are not built (one skipped test
# says so).
# usage: scripts/ci/musl.sh
set -eu
cd "$(dirname "$0")/../.."

command -v musl-gcc >/dev/null || { echo "musl: musl-gcc not found (musl-tools)" >&2; exit 1; }
triplet=$(gcc -dumpmachine | sed 's/-gnu$/-musl/')
sh scripts/ci/cmocka-cross.sh "$triplet" "$PWD/build-musl-cmocka"

headers=$PWD/build-musl-headers
multiarch=$(gcc -print-multiarch)
mkdir -p "$headers"
ln -sfn /usr/include/linux "$headers/linux"
ln -sfn /usr/include/asm-generic "$headers/asm-generic"
ln -sfn "/usr/include/$multiarch/asm" "$headers/asm"

cmake -S . -B build-musl -DCMAKE_C_COMPILER=musl-gcc -DSUBPROC_WERROR=ON -DBUILD_TESTING=ON \
	-DCMAKE_PREFIX_PATH="$PWD/build-musl-cmocka" -DCMAKE_C_FLAGS="-isystem $headers"
cmake --build build-musl -j2
# The programs must really be musl's, not glibc's by a fallback.
readelf -l build-musl/src/tool/subproc | grep -q 'ld-musl' ||
	{ echo "musl: the tool is not linked with musl" >&2; exit 1; }
ctest --test-dir build-musl --output-on-failure -j2 --timeout 120 --no-tests=error
