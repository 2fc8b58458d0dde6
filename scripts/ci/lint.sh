#!/bin/sh
# SPDX-License-Identifier: MIT
# Static analysis, failing on any finding: clang-tidy with the committed
# .clang-tidy over the library and tool sources, cppcheck, the stack frames
# and the license lines.
#
# usage: scripts/ci/lint.sh   (BUILD_DIR with compile_commands.json, default build-lint)
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-lint}

cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j2 --target subproc_names subproc_preload_versions >/dev/null

status=0
echo "== clang-tidy"
for f in $(find src -name '*.c' | sort); do
	clang-tidy -p "$build" --quiet "$f" 2>/dev/null || status=1
done
echo "== cppcheck"
cppcheck --quiet --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
	--std=c11 -D__linux__ -D__x86_64__ -D_GNU_SOURCE -DSUBPROC_BUILDING \
	-Iinclude -Isrc -I"$build/gen" -j2 src || status=1
# The library is called from threads with small stacks (16 KiB is allowed):
# no frame of it may hold a big buffer. The child's code runs on a stack of
# its own (16 KiB), so it gets more room; the tool runs on the main thread.
echo "== stack frames"
stack=${STACK_BUILD_DIR:-build-stack}
cmake -S . -B "$stack" -DBUILD_TESTING=OFF -DCMAKE_C_FLAGS=-fstack-usage >/dev/null
cmake --build "$stack" -j2 --target subproc_objects >/dev/null
find "$stack/src/CMakeFiles/subproc_objects.dir" -name '*.su' -exec cat {} + |
	awk -F'\t' '{ max = ($1 ~ /sys\/child\.c:/) ? 4096 : 1024 }
		$2 + 0 > max || $3 ~ /dynamic/ && $3 !~ /bounded/ {
			print "stack: " $1 " uses " $2 " bytes (" $3 "), more than " max; bad = 1 }
		END { exit bad }' || status=1

# Every source file says its license in its first two lines (after a #! line).
echo "== SPDX license lines"
git ls-files -- '*.c' '*.h' '*.S' '*.in' '*.cmake' '*.sh' '*.awk' '*.map' '*.go' '*.rs' '*.py' '*.gp' \
	'CMakeLists.txt' '*/CMakeLists.txt' Makefile .ci/run 'man/*.[0-9]' 'debian/rules' \
	'*.bash' | grep -v '^fuzz/corpus/' | while read -r f; do
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier: MIT' || { echo "no SPDX line: $f"; exit 1; }
done || status=1

[ $status = 0 ] && echo "lint: no findings"
exit $status
