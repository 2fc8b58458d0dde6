#!/bin/sh
# SPDX-License-Identifier: MIT
# The bash completion (src/tool/subproc-completion.bash) against the built
# tool: tests/completion_checks.bash, in `bash --norc` with the tool first
# on PATH as subproc, once on its own and once with bash-completion loaded
# when it is installed (its _command_offset then completes the program).
#
# usage: completion_test.sh TOOL SOURCE_DIR
# Exit status 77 (skipped) when there is no bash.
set -eu
tool=$1 src=$2
if ! command -v bash >/dev/null 2>&1; then
	echo "skipped: no bash on PATH, so nothing to complete with"
	exit 77
fi
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir "$t/bin"
ln -s "$tool" "$t/bin/subproc"
status=0
for mode in plain bash-completion; do
	if [ "$mode" = bash-completion ] && [ ! -r /usr/share/bash-completion/bash_completion ]; then
		echo "bash-completion is not installed: checked without it only"
		continue
	fi
	rm -rf "$t/work" && mkdir "$t/work"
	PATH="$t/bin:$PATH" bash --norc --noprofile "$src/tests/completion_checks.bash" \
		"$src/src/tool/subproc-completion.bash" "$mode" "$t/work" || status=1
done
exit $status
