#!/bin/sh
# SPDX-License-Identifier: MIT
# subproc as a subproject (tests/subproject: add_subdirectory, then
# FetchContent): only the libraries are built (no tool, no preload shim, no
# tests of ours among the parent's), the parent's program links and runs,
# and the parent's install installs nothing of subproc's unless
# SUBPROC_INSTALL=ON asks. Exits 77 (skipped) for a sanitizer build.
#
# usage: subproject_test.sh SOURCE_DIR CC [SANITIZERS [TOOLCHAIN_FILE]]
# (a cross build passes its toolchain file on; its programs then run through
# binfmt_misc, as the suite's do under scripts/ci/qemu-suite.sh)
set -eu
src=$1 cc=$2 sanitize=${3:-} toolchain=${4:-}
[ -z "$sanitize" ] || { echo "skipped: nothing of a $sanitize build differs here"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "subproject ($via): $*"; exit 1; }
run() { "$@" >"$t/log" 2>&1 || { cat "$t/log"; fail "failed: $*"; }; }

for via in subdirectory fetchcontent; do
	b=$t/$via
	run cmake -S "$src/tests/subproject" -B "$b" -DCMAKE_C_COMPILER="$cc" -DSUBPROC_VIA=$via \
		${toolchain:+-DCMAKE_TOOLCHAIN_FILE="$toolchain"} -DSUBPROC_SOURCE="$src" -DFETCHCONTENT_SOURCE_DIR_SUBPROC="$src" \
		-DSUBPROC_DEMO_SOURCE="$src/examples/demo.c"
	run cmake --build "$b" -j2
	[ -x "$b/parent-demo" ] || fail "parent-demo not built"
	built=$(find "$b" -type f \( -name subproc -o -name 'test_*' -o -name 'subproc-probe' \
		-o -name 'libsubproc-preload.so' -o -name demo \) -perm -u+x)
	[ -z "$built" ] || fail "built besides the libraries: $built"
	tests=$(ctest --test-dir "$b" -N | sed -n 's/^Total Tests: //p')
	[ "$tests" = 1 ] || fail "the parent has $tests tests, not its own 1"
	"$b/parent-demo" >"$t/out" || { cat "$t/out"; fail "parent-demo failed"; }
	"$b/parent-demo-shared" >"$t/out" || { cat "$t/out"; fail "parent-demo-shared failed"; }

	run cmake --install "$b" --prefix "$t/p-$via"
	installed=$(cd "$t/p-$via" && find . -type f | sort)
	[ "$installed" = "./bin/parent-demo" ] || fail "installed besides the parent's program: $installed"

	run cmake "$b" -DSUBPROC_INSTALL=ON
	run cmake --build "$b" -j2
	run cmake --install "$b" --prefix "$t/q-$via"
	for f in include/subproc.h lib/cmake/subproc/subprocConfig.cmake; do
		[ -f "$t/q-$via/$f" ] || fail "SUBPROC_INSTALL=ON did not install $f"
	done
	ls "$t/q-$via"/lib*/libsubproc.a >/dev/null 2>&1 || fail "SUBPROC_INSTALL=ON did not install libsubproc.a"
	echo "subproject ($via): libraries only, nothing installed unless asked"
done
