#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the multithreaded tests (threads, stress, commands, pipelines, stops) under
# ThreadSanitizer, failing on any report, on every launch path. The child's
# code is built with no instrumentation (src/CMakeLists.txt) and on x86_64
# both CLONE_VM launches are raw system calls, so TSan never runs in a child
# that shares the parent's memory (it did through glibc's clone(), which it
# intercepts as a fork).
#
# usage: scripts/ci/tsan.sh   (BUILD_DIR, default build-tsan)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-tsan}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DBUILD_TESTING=ON -DSUBPROC_SANITIZE=thread \
	>/dev/null
cmake --build "$build" -j2 --target subproc-probe test_threads test_stress test_cmd test_pipeline test_stop
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
	ctest --test-dir "$build" -L "^(threads|stress|cmd|pipeline|stop)$" -j2 \
	--timeout 300 --output-on-failure
