#!/bin/sh
# SPDX-License-Identifier: MIT
# The libraries define no global symbol outside the subproc_ namespace:
# nm finds none in libsubproc.a (subproc__ is the internal prefix) or in
# libsubproc.so's dynamic table (subproc_ only), and a program that defines
# the names the library once used for its own links statically with it and
# starts a child.
#
# usage: static_names_test.sh BUILD_DIR SOURCE_DIR CC [SANITIZERS]
set -eu
build=$1 src=$2 cc=$3 sanitize=${4:-}
# A sanitized library needs its runtime at link time.
flags=
[ -z "$sanitize" ] || flags="-fsanitize=$sanitize"
a=$build/src/libsubproc.a so=$build/src/libsubproc.so
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
status=0

bad=$(nm -g --defined-only "$a" | awk 'NF == 3 && $3 !~ /^subproc_/ { print $3 }')
[ -z "$bad" ] || { echo "libsubproc.a defines outside subproc_:" $bad >&2; status=1; }
bad=$(nm -D --defined-only "$so" | awk 'NF == 3 && $2 != "A" && $3 !~ /^subproc_[^_]/ { print $3 }')
[ -z "$bad" ] || { echo "libsubproc.so exports outside subproc_:" $bad >&2; status=1; }

# A caller's own functions under the library's former internal names.
names="check_argv check_env cmd_close_pipes cmd_group cmd_group_stop cmd_io_run cmd_kill
cmd_now_ms cmd_prepare_pipes cmd_reap cmd_reap_from cmd_wait_until error_clear error_set
lookpath_path_of lookpath_where plan_build plan_free plan_report posix_spawn_run proc_spawn
proc_spawn_abandon rlimit_name sys_block_all_signals sys_child_entry sys_child_entry_clone
sys_child_run sys_child_stack sys_clone3_call sys_clone_call sys_forklock_wrlock
sys_forklock_wrunlock sys_launch sys_launch_env_text sys_launch_fork sys_pidfd_open
sys_pidfd_signal sys_reap sys_restore_signals sys_sigset_bits sys_wait"
{
	echo '#define _POSIX_C_SOURCE 200809L'
	echo '#include <subproc.h>'
	n=0
	for f in $names; do
		echo "int $f(void); int $f(void) { return $n; }"
		n=$((n + 1))
	done
	cat <<'C'
int main(void)
{
	char *const argv[] = {"true", NULL};
	subproc_attr attr = {.flags = SUBPROC_PATH_SEARCH};
	subproc_proc *p;
	subproc_status st;

	if (subproc_start(&p, "true", argv, &attr, NULL) != 0 || subproc_wait(p, 0, -1, &st) != 0)
		return 1;
	subproc_release(p);
	return subproc_status_exit_code(st.status) == 0 && error_set() == 13 ? 0 : 1;
}
C
} >"$t/prog.c"
# shellcheck disable=SC2086 # $flags is empty or one word
if ! "$cc" $flags -I"$src/include" -o "$t/prog" "$t/prog.c" "$a" -lpthread; then
	echo "a program with the former internal names does not link with libsubproc.a" >&2
	status=1
elif ! "$t/prog"; then
	echo "the program linked with libsubproc.a did not run its child" >&2
	status=1
fi
exit $status
