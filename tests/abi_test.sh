#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library's ABI, two checks:
#
#   exports   libsubproc.so exports exactly the functions subproc.h declares
#             with SUBPROC_API, each under a SUBPROC_x.y version node
#             (src/libsubproc.map), and nothing else.
#   baseline  abidiff between abi/libsubproc.so.N.abi (abidw of the last
#             release) and the built library finds no change but added
#             functions, unless the SONAME moved with the change (README,
#             "Versions"). Exits 77 (skipped) without abidiff, for a
#             sanitizer build, or on a CPU the baseline was not made for.
#
# usage: abi_test.sh exports|baseline BUILD_DIR SOURCE_DIR [SANITIZERS]
set -eu
mode=$1 build=$2 src=$3 sanitize=${4:-}
so=$build/src/libsubproc.so
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

case $mode in
exports)
	awk -v out="$t" -v version=x -v date=x -f "$src/cmake/manpages.awk" "$src/include/subproc.h"
	sort "$t/functions.txt" >"$t/header"
	# "name@@NODE" for a default version, "name@NODE" for an older one.
	nm -D --defined-only --with-symbol-versions "$so" |
		awk 'NF == 3 && $2 != "A" { print $3 }' | sort >"$t/exported"
	status=0
	unversioned=$(grep -v '@@*SUBPROC_[0-9][0-9]*\.[0-9][0-9]*$' "$t/exported" || true)
	[ -z "$unversioned" ] ||
		{ echo "exported without a SUBPROC_x.y version:" $unversioned; status=1; }
	sed 's/@.*//' "$t/exported" | sort -u >"$t/names"
	missing=$(comm -23 "$t/header" "$t/names")
	[ -z "$missing" ] ||
		{ echo "declared in subproc.h, not exported (add to src/libsubproc.map):" $missing; status=1; }
	extra=$(comm -13 "$t/header" "$t/names")
	[ -z "$extra" ] || { echo "exported, not declared in subproc.h:" $extra; status=1; }
	[ $status = 0 ] && echo "abi exports: $(wc -l <"$t/names") functions, all versioned"
	exit $status
	;;
baseline)
	[ -z "$sanitize" ] || { echo "skipped: a $sanitize build is not the release ABI"; exit 77; }
	command -v abidiff >/dev/null ||
		{ echo "skipped: no abidiff (Debian: abigail-tools)"; exit 77; }
	soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
	base=$src/abi/$soname.abi
	if [ ! -f "$base" ]; then
		# A SONAME without a baseline is a new one: the change moved it.
		echo "$soname has no baseline in abi/: the SONAME moved; add abidw's output at the release"
		ls "$src/abi"/*.abi >/dev/null 2>&1 || { echo "abi/ holds no baseline at all"; exit 1; }
		exit 0
	fi
	arch=$(sed -n "1s/.*architecture='\([^']*\)'.*/\1/p" "$base")
	have=$(abidw --headers-dir "$src/include" --no-corpus-path "$so" | sed -n "1s/.*architecture='\([^']*\)'.*/\1/p")
	[ "$arch" = "$have" ] ||
		{ echo "skipped: the baseline is for $arch, this library for $have"; exit 77; }
	# Added functions are compatible (they come under a new version node);
	# anything else abidiff reports is not: a removed function, or a
	# changed type (a struct's size or layout, an argument).
	rc=0
	abidiff --no-added-syms --headers-dir2 "$src/include" "$base" "$so" >"$t/report" || rc=$?
	cat "$t/report"
	if [ $((rc & 3)) -ne 0 ]; then
		echo "abidiff failed (exit $rc)"
		exit 1
	fi
	if [ $((rc & 12)) -ne 0 ]; then
		echo "the ABI of $soname changed incompatibly against abi/$soname.abi:" \
			"move the SONAME (the major version) or undo the change"
		exit 1
	fi
	echo "abi baseline: $soname compatible with abi/$soname.abi"
	;;
*)
	echo "usage: abi_test.sh exports|baseline BUILD_DIR SOURCE_DIR [SANITIZERS]" >&2
	exit 2
	;;
esac
