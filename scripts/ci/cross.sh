#!/bin/sh
# SPDX-License-Identifier: MIT
# The other CPUs: aarch64, riscv64 and armhf, each cross-built with Debian's
# toolchain and cmake/toolchain-<target>.cmake, warnings as errors, tests
# included (cmocka for the target from Debian multiarch; for riscv64, which
# bookworm has only in debian-ports, built from Debian's source by
# cmocka-cross.sh). install-deps.sh --ci installs the toolchains.
#
# Then each suite runs whole under qemu-user (scripts/ci/qemu-suite.sh); where
# binfmt_misc cannot be used it says so and only the tests that start no
# process run.
# usage: scripts/ci/cross.sh [TARGET...]   (default: all three)
set -eu
cd "$(dirname "$0")/../.."

targets=${*:-aarch64 riscv64 armhf}
for t in $targets; do
	echo "--- $t"
	extra=
	if [ "$t" = riscv64 ]; then
		sh scripts/ci/cmocka-cross.sh riscv64-linux-gnu "$PWD/build-cross-cmocka-riscv64"
		extra="-DCMAKE_PREFIX_PATH=$PWD/build-cross-cmocka-riscv64"
	fi
	# shellcheck disable=SC2086 # $extra is one option or none
	cmake -S . -B "build-$t" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-$t.cmake" \
		-DSUBPROC_WERROR=ON -DBUILD_TESTING=ON $extra
	cmake --build "build-$t" -j2
	[ -x "build-$t/tests/test_names" ] || { echo "cross $t: the tests were not built" >&2; exit 1; }
	rc=0
	sh scripts/ci/qemu-suite.sh "$t" || rc=$?
	if [ $rc -eq 77 ]; then
		echo "cross $t: NOT the whole suite (see above); the tests that start no process:"
		ctest --test-dir "build-$t" --output-on-failure --no-tests=error -L '^(names|status)$'
	elif [ $rc -ne 0 ]; then
		echo "cross $t: the suite under qemu failed" >&2
		exit $rc
	fi
done
