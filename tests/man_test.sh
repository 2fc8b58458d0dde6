#!/bin/sh
# SPDX-License-Identifier: MIT
# `man FUNCTION` for every function the shared library exports: the build
# made a page for it (BUILD/man/man3/NAME.3) whose NAME line and synopsis
# name it, and man renders it without a warning (as lintian asks), as it
# does subproc(1) and subproc(3).
#
# usage: man_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
dir=$build/man/man3
status=0
[ -d "$dir" ] || { echo "no $dir: the pages were not made (no awk?)"; exit 1; }
names=$(nm -D --defined-only "$build/src/libsubproc.so" | awk 'NF == 3 && $2 == "T" { print $3 }' |
	sed 's/@.*//' | sort -u)
[ -n "$names" ] || { echo "no exported function found"; exit 1; }
n=0
for f in $names; do
	page=$dir/$f.3
	n=$((n + 1))
	if [ ! -f "$page" ]; then
		echo "no page for $f"
		status=1
		continue
	fi
	grep -q "^$f \\\\- ." "$page" || { echo "$page: NAME line does not name $f"; status=1; }
	grep -q "[ *]$f(" "$page" || { echo "$page: no synopsis for $f"; status=1; }
done
if command -v man >/dev/null; then
	for page in "$dir"/*.3 "$src/man/subproc.1" "$src/man/subproc.3"; do
		w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null) || {
			echo "man cannot render $page"
			status=1
		}
		[ -z "$w" ] || { echo "$page: $w"; status=1; }
	done
else
	echo "no man: the pages were not rendered"
fi
[ $status = 0 ] && echo "man pages: $n functions, a page each"
exit $status
