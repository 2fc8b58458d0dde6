# SPDX-License-Identifier: MIT
# The checks of tests/completion_test.sh, run in `bash --norc` with the
# built tool first on PATH as `subproc`: sources the completion script (and
# first bash-completion, with MODE bash-completion), completes command lines
# as bash would hand them over (COMP_WORDS split at = and : too) and checks
# COMPREPLY; then checks the script's option lists against the tool's --help
# and its parser, so that neither can change without the other.
#
# usage: bash --norc completion_checks.bash SCRIPT MODE (plain|bash-completion) DIR
# DIR: an empty scratch directory, where file names are completed.

script=$1 mode=$2 dir=$3
failures=0 stderr=$dir/../stderr.$mode
: >"$stderr"

if [[ $mode == bash-completion ]]; then
	# shellcheck disable=SC1091
	source /usr/share/bash-completion/bash_completion || exit 1
	declare -F _command_offset >/dev/null || declare -F _comp_command_offset >/dev/null ||
		{ echo "bash-completion has no _command_offset" >&2; exit 1; }
fi
# shellcheck disable=SC1090
source "$script" || exit 1
[[ $(complete -p subproc) == "complete -F _subproc subproc" ]] ||
	{ echo "the script registers no completion for subproc" >&2; exit 1; }

fail()
{
	echo "FAIL ($mode): $*" >&2
	failures=$((failures + 1))
}

# Completes LINE (the cursor at its end) as bash would: COMP_WORDS split at
# blanks and, with "split" (bash's default COMP_WORDBREAKS), also at = and :
# (a run of them one word); with "whole", COMP_WORDBREAKS without = and :.
# Leaves the replies, sorted, in reply.
complete_line()
{
	local line=$1 how=${2:-split} w prev
	local -a toks=()

	COMP_WORDS=()
	read -ra toks <<<"$line"
	for w in "${toks[@]}"; do
		if [[ $how == split ]]; then
			while [[ $w =~ ^([^=:]*)([=:]+)(.*)$ ]]; do
				[[ -n ${BASH_REMATCH[1]} ]] && COMP_WORDS+=("${BASH_REMATCH[1]}")
				COMP_WORDS+=("${BASH_REMATCH[2]}")
				w=${BASH_REMATCH[3]}
			done
			[[ -n $w ]] && COMP_WORDS+=("$w")
		else
			COMP_WORDS+=("$w")
		fi
	done
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_LINE=$line COMP_POINT=${#line} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [[ $how == split ]]; then
		COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
	else
		COMP_WORDBREAKS=$' \t\n"\'><;|&('
	fi
	_subproc subproc "${COMP_WORDS[COMP_CWORD]}" "$prev" 2>>"$stderr"
	mapfile -t reply < <(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u | sed '/^$/d')
}

has()
{
	local r
	for r in "${reply[@]}"; do
		[[ $r == "$1" ]] && return 0
	done
	return 1
}

# expect LINE [split|whole] -- WORD...: every WORD is among the replies.
expect()
{
	local line=$1 how=split w
	shift
	[[ $1 != -- ]] && { how=$1; shift; }
	shift
	complete_line "$line" "$how"
	for w in "$@"; do
		has "$w" || fail "'$line': no '$w' in: ${reply[*]:0:20}"
	done
}

# expect_not LINE -- WORD...: no WORD is among the replies.
expect_not()
{
	local line=$1 w
	shift 2
	complete_line "$line"
	for w in "$@"; do
		has "$w" && fail "'$line': '$w' offered"
	done
}

# expect_only LINE [split|whole] -- WORD...: the replies are the WORDs.
expect_only()
{
	local line=$1 how=split want got
	shift
	[[ $1 != -- ]] && { how=$1; shift; }
	shift
	complete_line "$line" "$how"
	want=$(printf '%s\n' "$@" | LC_ALL=C sort -u | sed '/^$/d')
	got=$(printf '%s\n' "${reply[@]}")
	[[ $want == "$got" ]] || fail "'$line': offered [${got//$'\n'/ }], want [${want//$'\n'/ }]"
}

# The words of a list the tool prints, one a line, as an array in list.
tool_list()
{
	mapfile -t list < <(subproc --list "$1")
	((${#list[@]} > 0)) || fail "subproc --list $1 printed nothing"
}

cd "$dir" || exit 1
mkdir -p adir/sub
: >afile

# --- the command line ------------------------------------------------------

# Subcommands: the ones `subproc --help` lists.
mapfile -t cmds < <(subproc --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\)  .*/\1/p')
((${#cmds[@]} >= 3)) || fail "no commands in subproc --help"
expect_only "subproc " -- "${cmds[@]}"
expect_only "subproc r" -- run
expect_only "subproc --" -- --help --version --list
expect_only "subproc --list " -- signals rlimits launches namespaces capabilities syscalls
expect_only "subproc --list signals " --

# Options.
expect_only "subproc run --t" -- --timeout
expect_only "subproc run --time" -- --timeout
expect "subproc run -" -- -t -s -k -C --cwd --rlimit --json --json= --foreground --help
expect_not "subproc run -" -- --pipefail --count
expect "subproc pipe --" -- --pipefail --signal
expect_not "subproc pipe --" -- --foreground --setsid --pgroup
expect_only "subproc bench --" -- --count --rss --threads --child --help
expect_only "subproc bench " -- --count --rss --threads --child --help
expect_only "subproc run --verbose=" -- # a flag takes no value

# Option values: signals, as the tool names them, without SIG.
tool_list signals
short=("${list[@]#SIG}")
expect_only "subproc run --signal " -- "${short[@]}"
expect "subproc run -s " -- TERM KILL HUP RTMIN+1
expect_not "subproc run -s " -- SIGTERM
expect_only "subproc run --signal SIG" -- "${list[@]}"
expect_only "subproc run --signal TE" -- TERM
expect_only "subproc run --signal te" -- term
expect_only "subproc pipe -vs TE" -- TERM
expect_only "subproc run --sig=TE" -- TERM
expect_only "subproc run --sig=TE" whole -- --sig=TERM
expect_only "subproc run -sTE" -- -sTERM
expect_only "subproc run -t 5 -s KIL" -- KILL
# Every name offered is one the tool takes.
complete_line "subproc run -s "
for s in "${reply[@]}" SIGTERM term; do
	subproc run -s "$s" -- true || fail "subproc run -s $s: refused"
done

# rlimits: NAME= in the case typed (the tool takes any), and the limit.
tool_list rlimits
expect_only "subproc run --rlimit " -- "${list[@]/%/=}"
expect_only "subproc run --rlimit nof" -- nofile=
expect_only "subproc run --rlimit NOF" -- NOFILE=
expect_only "subproc run --rlimit RLIMIT_NOF" -- RLIMIT_NOFILE=
expect_only "subproc run --rlimit rlimit_c" -- rlimit_core= rlimit_cpu=
# bash hands nofile=un over as nofile, =, un and replaces only un; after
# nofile= as nofile and =, and replaces what follows the =.
expect_only "subproc run --rlimit nofile=un" -- unlimited
expect_only "subproc run --rlimit nofile=" -- unlimited infinity
expect_only "subproc run --rlimit nofile=1:" -- unlimited infinity
expect_only "subproc run --rlimit nofile=1:i" -- infinity
expect_only "subproc run --rlimit nofile=" whole -- nofile=unlimited nofile=infinity
expect_only "subproc run --rlimit nofile=1:" whole -- nofile=1:unlimited nofile=1:infinity
expect_only "subproc run --rlimit=nofile=un" -- unlimited
for spelling in "${list[@]}" NOFILE RLIMIT_NOFILE rlimit_Nofile; do
	out=$(subproc run --rlimit "$spelling=x" -- true 2>&1)
	[[ $out == "subproc: --rlimit: bad limit 'x' in"* ]] ||
		fail "--rlimit $spelling=x: the tool says: $out"
done

tool_list launches
expect_only "subproc run --launch " -- "${list[@]}"
for l in "${list[@]}"; do
	out=$(subproc run --launch "$l" -- true 2>&1) ||
		[[ $out != *"expected clone3, clone or fork"* ]] || fail "--launch $l refused"
done

# The isolation options' lists: the last item of a comma list.
tool_list namespaces
expect_only "subproc run --unshare " -- "${list[@]}"
expect_only "subproc run --unshare u" -- user uts
expect_only "subproc run --unshare user,n" -- user,net
expect_only "subproc pipe --unshare=user,pid,c" -- user,pid,cgroup
# Every name offered is taken: the bad --setgroups after them is the error.
out=$(IFS=,; subproc run --unshare "${list[*]}" --setgroups bad -- true 2>&1)
[[ $out == "subproc: --setgroups: expected allow or deny, got 'bad'" ]] ||
	fail "--unshare ${list[*]}: the tool says: $out"
tool_list capabilities
caps=("${list[@]/#/+}" "${list[@]/#/-}" +all -all)
expect_only "subproc run --ambient-caps " -- "${caps[@]}"
expect_only "subproc run --ambient-caps +net_r" -- +net_raw
expect_only "subproc run --bounding-set -all,+net_r" -- -all,+net_raw
expect_only "subproc run --bounding-set=-al" -- -all
out=$(IFS=,; subproc run --bounding-set "${caps[*]}" --ambient-caps "${caps[*]}" \
	--setgroups bad -- true 2>&1)
[[ $out == "subproc: --setgroups: expected allow or deny, got 'bad'" ]] ||
	fail "every capability offered: the tool says: $out"
if subproc --list syscalls >/dev/null 2>&1; then
	tool_list syscalls
	expect "subproc run --seccomp-deny get" -- getppid getpid
	expect_only "subproc run --seccomp-deny read,getpp" -- read,getppid
	out=$(IFS=,; subproc run --seccomp-deny "${list[*]}" --setgroups bad -- true 2>&1)
	[[ $out == "subproc: --setgroups: expected allow or deny, got 'bad'" ]] ||
		fail "every system call offered: the tool says: $out"
else
	# The portable build has no seccomp, and so no names to offer.
	expect_only "subproc run --seccomp-deny get" --
fi
expect_only "subproc run --setgroups " -- allow deny
expect "subproc run --map-user " -- root
expect "subproc run --map-group r" -- root
expect_only "subproc run --hostname " --
expect "subproc run --m" -- --map-root-user --map-user --map-group --mount-proc

# The cgroup options: --cgroup's value only after '=' (a directory), the
# files --cgroup-set names commonly, infinity for the shorthands.
expect "subproc run --c" -- --cgroup --cgroup= --cgroup-set --cpu-max --cwd --chroot
expect "subproc pipe --" -- --cgroup --cgroup= --cgroup-set --memory-max --pids-max --cpu-max
expect_only "subproc run --cgroup=" -- adir
expect_only "subproc run --cgroup=a" -- adir
expect_only "subproc run --cgroup=" whole -- --cgroup=adir
expect "subproc run --cgroup tru" -- true
expect "subproc run --cgroup-set " -- memory.max= pids.max= cpu.max= cgroup.max.descendants=
expect_only "subproc run --cgroup-set cgroup.max.de" -- cgroup.max.depth= cgroup.max.descendants=
expect_only "subproc run --cgroup-set pids.max=" whole -- pids.max=max
expect_only "subproc run --cgroup-set pids.max=" -- max
expect_only "subproc run --cgroup-set cgroup.max.depth=" --
expect_only "subproc run --memory-max " -- infinity
expect_only "subproc pipe --pids-max i" -- infinity
expect_only "subproc run --cpu-max " -- infinity
expect_only "subproc run --cpu-max=" -- infinity
expect "subproc run --memory-max 1G -- tru" -- true
# Every file offered is one the tool takes, and so is infinity.
complete_line "subproc run --cgroup-set "
for f in "${reply[@]}"; do
	out=$(subproc run --cgroup-set "${f}1" --cpu-max 0% -- true 2>&1)
	[[ $out == "subproc: --cpu-max: '0%' is below"* ]] || fail "--cgroup-set ${f}1: the tool says: $out"
done
out=$(subproc run --memory-max infinity --pids-max infinity --cpu-max infinity --cpu-max 0% \
	-- true 2>&1)
[[ $out == "subproc: --cpu-max: '0%' is below"* ]] || fail "infinity: the tool says: $out"

# Files and directories.
expect_only "subproc run -C " -- adir
expect_only "subproc run --cwd=a" -- adir
expect_only "subproc run --cwd=" -- adir
expect_only "subproc run --chroot ad" -- adir
expect "subproc run --stdout " -- null inherit afile adir
expect_not "subproc run --stdout " -- stdout
expect "subproc pipe --stderr " -- stdout null afile
expect_only "subproc run --json=af" -- afile
expect_only "subproc bench --child af" -- afile
expect_only "subproc run --umask " --
expect_only "subproc run -t " --

# Users, groups, variables.
expect "subproc run --user " -- root
expect "subproc run --gid r" -- root
expect_only "subproc run --groups root,roo" whole -- root,root
export SUBPROC_COMPLETION_TEST=1
expect_only "subproc run -e SUBPROC_COMPLETION_T" -- SUBPROC_COMPLETION_TEST=
expect_only "subproc run --unset SUBPROC_COMPLETION_T" -- SUBPROC_COMPLETION_TEST

# After the options: the program and its arguments, never subproc's options.
expect "subproc run -- " -- true sort
complete_line "subproc run -- "
for r in "${reply[@]}"; do
	[[ $r == -* ]] && fail "'subproc run -- ': option-like '$r' offered"
done
expect_only "subproc run -- -" --
expect_only "subproc run -- --t" --
expect_not "subproc run -t 5 true --t" -- --timeout
expect_not "subproc run --signal TERM true -" -- -s --signal
expect_not "subproc pipe -- true '|' --t" -- --timeout
# Words bash split at = are one again: --signal=TERM took no next word.
expect_not "subproc run --signal=TERM true --t" -- --timeout
expect "subproc run --rlimit=nofile=1 -s " -- TERM
expect "subproc run -t 5 -- tru" -- true
expect "subproc run -t 5 tru" -- true
expect "subproc run --json -- tru" -- true
# (bash itself takes a word right after '|' or \| for a command name of its
# own and asks no completion function; the words after it are the stage's.)
expect "subproc pipe -- seq 3 '|' sor" -- sort
expect "subproc pipe -- seq 3 '|' sort af" -- afile
expect "subproc pipe -- seq 3 \\| sor" -- sort
expect "subproc run -- cat af" -- afile
expect_only "subproc bench --count 3 x" --

# --- the option lists against the tool --------------------------------------

# Long options: the script's are exactly those each --help names (and
# --help); short ones exactly the letters the parser takes.
for cmd in run pipe parallel bench; do
	_subproc_opts "$cmd"
	# shellcheck disable=SC2154,SC2086 # set by _subproc_opts, lists to split
	mine=$(printf '%s\n' $long_flags $long_valued $long_optional | LC_ALL=C sort)
	help=$(subproc "$cmd" --help) || fail "subproc $cmd --help failed"
	theirs=$( { grep -o -- '--[a-z][a-z-]*' <<<"$help"; echo --help; } | LC_ALL=C sort -u)
	[[ $mine == "$theirs" ]] ||
		fail "$cmd: long options differ from --help:" $'\n' \
			"$(diff <(echo "$mine") <(echo "$theirs"))"
	# Whether each takes a value: as the parser has it.
	for o in $long_valued; do
		if [[ $cmd == bench ]]; then
			[[ $help == *"[$o "[A-Z]* ]] || fail "bench $o: --help shows no value"
		else
			out=$(subproc "$cmd" "$o" 2>&1)
			[[ $out == *"option $o needs a value"* ]] || fail "$cmd $o takes no value: $out"
		fi
	done
	for o in $long_flags $long_optional; do
		out=$(subproc "$cmd" "$o" 2>&1)
		[[ $out != *"needs a value"* ]] || fail "$cmd $o needs a value"
		if [[ $cmd == bench ]]; then
			[[ $help != *"[$o "[A-Z]* ]] || fail "bench $o: --help shows a value"
		fi
	done
	for o in $long_flags; do
		[[ $cmd == bench ]] && continue
		out=$(subproc "$cmd" "$o=x" 2>&1)
		[[ $out == *"option $o takes no value"* ]] || fail "$cmd $o=x: $out"
	done
	for o in $long_optional; do
		out=$(subproc "$cmd" "$o=x" -- true 2>&1)
		[[ $out != *"takes no value"* ]] || fail "$cmd $o=x: $out"
	done

	# shellcheck disable=SC2154
	for letter in {a..z} {A..Z}; do
		long=
		for p in $short_opts; do
			[[ ${p%%=*} == "$letter" ]] && long=--${p#*=}
		done
		if [[ $cmd == bench ]]; then
			# bench's errors name nothing: an unknown letter, and a known
			# one given no value it takes, are its only "bad option".
			out=$(subproc bench "-$letter" 1 --child "$dir/none" 2>&1)
			known=1
			[[ $out == *"bad option"* ]] && known=
		else
			out=$(subproc "$cmd" "-$letter" 2>&1)
			known=1
			[[ $out == *"unknown option -$letter"* ]] && known=
		fi
		if [[ -n $long && -z $known ]]; then
			fail "$cmd: the script offers -$letter ($long), the tool refuses it"
		elif [[ -z $long && -n $known ]]; then
			fail "$cmd: the tool takes -$letter, the script does not know it"
		elif [[ -n $long ]]; then
			# The same option as the long one the script says.
			if [[ $long == --help ]]; then
				[[ $(subproc "$cmd" "-$letter") == "$help" ]] || fail "$cmd -$letter is not --help"
			elif [[ $cmd == bench ]]; then
				out=$(subproc bench "-$letter" "$dir/none" 2>&1)
				[[ $long != --child || $out == *"$dir/none"* ]] || fail "bench -$letter is not $long"
			else
				[[ $help == *"-$letter, $long"* ]] || fail "$cmd -$letter is not $long in --help"
				out=$(subproc "$cmd" "-$letter" 2>&1)
				if _subproc_is_valued "$long"; then
					[[ $out == *"option -$letter needs a value"* ]] || fail "$cmd -$letter: $out"
				else
					[[ $out != *"needs a value"* ]] || fail "$cmd -$letter needs a value"
				fi
			fi
		fi
	done
done

if ((failures > 0)); then
	echo "$failures failed ($mode); the completion's stderr:" >&2
	cat "$stderr" >&2
	exit 1
fi
echo "completion ($mode): all passed"
