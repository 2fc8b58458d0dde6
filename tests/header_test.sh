#!/bin/sh
# SPDX-License-Identifier: MIT
# <subproc.h> is enough for its documented use: header_use.c, which includes
# nothing else and names every constant, type and function (and the errno
# values, signals and flags the documentation tells callers to use),
# compiles as strict C17 under the feature macro the header asks for, and
# under _GNU_SOURCE, with every warning an error. Every SUBPROC_API function
# of the header must be listed there, so that the check cannot go stale.
#
# usage: header_test.sh SOURCE_DIR CC
set -eu
src=$1 cc=$2
use=$src/tests/header_use.c
status=0

for macro in _POSIX_C_SOURCE=200809L _GNU_SOURCE; do
	if ! "$cc" -std=c17 -D$macro -Wall -Wextra -Wpedantic -Werror -I"$src/include" \
		-c "$use" -o /dev/null; then
		echo "header_use.c does not compile with -std=c17 -D$macro" >&2
		status=1
	fi
done

# The functions the header declares: SUBPROC_API, the return type, then the
# name before "(", on one line or the next.
names=$(awk '/^SUBPROC_API/ { line = $0; if (line !~ /\(/) { getline; line = line " " $0 }
	sub(/\(.*/, "", line); n = split(line, w, /[ *]+/); print w[n] }' "$src/include/subproc.h")
[ -n "$names" ] || { echo "no SUBPROC_API function found in subproc.h" >&2; exit 1; }
for f in $names; do
	grep -q "(any_fn \*)$f,\$" "$use" || { echo "header_use.c does not name $f" >&2; status=1; }
done
[ "$status" -eq 0 ] && echo "header test: ok"
exit $status
