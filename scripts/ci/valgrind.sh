#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the tests of the fork launch path under valgrind's memcheck, failing
# on any error or definite leak. Only the fork path: valgrind turns
# clone(CLONE_VM|CLONE_VFORK) into a plain fork, so the clone3 and clone
# paths, whose child reports through shared memory, cannot run under it.
#
# Left out, because valgrind 3.19 cannot give them what they check:
#   pidfd, launch_each_path  no pidfd_open and no clone3 under valgrind
#   argument_list_too_long, rlimits, signal_storm, label hostile,
#   fd_limit, nofile, nproc, hard_limits, fds_a_start
#                            valgrind's own stack, fds and signal
#                            handling change the limits and timing tested
#   labels posix, preload    they compare with glibc's posix_spawn, whose
#                            child reports through shared memory too
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
ctest --test-dir "$build" -L fork -j2 --output-on-failure \
	-LE '^(posix|preload|hostile)$' \
	-E 'pidfd|launch_each_path|argument_list_too_long|rlimits|signal_storm|fd_limit|nofile|nproc|hard_limits|fds_a_start'
