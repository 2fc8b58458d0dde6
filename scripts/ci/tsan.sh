#!/bin/sh
# Runs the multithreaded tests (threads, stress, commands, pipelines) under
# ThreadSanitizer, failing on any report. Not on the clone launch path:
# TSan intercepts glibc's clone() as if it were fork() and runs its fork
# bookkeeping inside the CLONE_VM child, which shares its state, and stops
# on its own CHECK. clone3 (a raw system call) and fork run fine under it.
#
# usage: scripts/ci/tsan.sh   (BUILD_DIR, default build-tsan)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-tsan}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DBUILD_TESTING=ON -DSUBPROC_SANITIZE=thread \
	>/dev/null
cmake --build "$build" -j2 --target subproc-probe test_threads test_stress test_cmd test_pipeline
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" \
	ctest --test-dir "$build" -L "threads|stress|cmd|pipeline" -LE "^clone$" -j2 \
	--timeout 300 --output-on-failure
