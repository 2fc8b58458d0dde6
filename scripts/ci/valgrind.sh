#!/bin/sh
# Runs the tests of the fork launch path under valgrind's memcheck, failing
# on any error or definite leak. Only the fork path: valgrind turns
# clone(CLONE_VM|CLONE_VFORK) into a plain fork, so the clone3 and clone
# paths, whose child reports through shared memory, cannot run under it.
#
# usage: scripts/ci/valgrind.sh   (BUILD_DIR, default build-valgrind)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-valgrind}

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
cmake -S . -B "$build" -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=Debug \
	-DSUBPROC_TEST_TIMEOUT=300 \
	"-DSUBPROC_TEST_WRAPPER=valgrind;--quiet;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite,indirect;--child-silent-after-fork=yes;--trace-children=no" \
	>/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" -L fork -j2 --output-on-failure
