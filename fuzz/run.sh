#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan+UBSan, the library
# instrumented for coverage) and runs each for SECONDS (default 60) over
# the committed corpus in fuzz/corpus/TARGET. New inputs go to a temporary
# directory, so the committed corpus only changes when someone copies a
# finding in. Exits non-zero on the first crash, leak or sanitizer report.
#
# usage: fuzz/run.sh [SECONDS]   (FUZZ_BUILD_DIR, default build-fuzz)
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DSUBPROC_FUZZ=ON -DBUILD_TESTING=OFF \
	-DSUBPROC_SANITIZE=address,undefined \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >/dev/null
cmake --build "$build" -j2 --target fuzz_attr fuzz_cmd

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in fuzz_attr fuzz_cmd; do
	echo "=== $target, $secs s"
	mkdir -p "$work/$target"
	# -close_fd_mask=1: the children's output would drown the log.
	# -print_funcs=0: symbolizing new functions starts llvm-symbolizer as a
	# child of the fuzzer, which the no-child-left check would take for a leak.
	"$build/fuzz/$target" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 \
		-close_fd_mask=1 -print_funcs=0 -print_final_stats=1 -artifact_prefix="$work/" \
		"$work/$target" "fuzz/corpus/$target" || {
		echo "$target failed; the input is in $work (kept)" >&2
		trap - EXIT
		exit 1
	}
done
