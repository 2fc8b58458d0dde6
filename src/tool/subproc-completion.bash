# SPDX-License-Identifier: MIT
# bash completion for subproc(1): its commands, the options of run, pipe,
# parallel and bench, their values, and after the options the program and its arguments.
# Installed as share/bash-completion/completions/subproc, where
# bash-completion loads it on demand; or source it from ~/.bashrc.
#
# The names --signal, --rlimit, --launch, --unshare, --ambient-caps,
# --bounding-set and --seccomp-deny take are asked of the tool itself
# (`subproc --list signals|rlimits|launches|namespaces|capabilities|syscalls`),
# so they never go stale.
# The option lists are static, here in _subproc_opts; tests/completion_test.sh
# checks them against the tool's --help and its parser.
#
# It works with bash-completion (its _command_offset completes the program
# and its arguments, _filedir the file names) and without it (plain command
# and file name completion).

# Sets, for subcommand $1, the caller's long_flags, long_valued (options that
# take the next word as their value), long_optional (those that take a value
# only as --opt=VALUE) and short_opts ("C=cwd ...": each short option's long
# one).
_subproc_opts()
{
	case $1 in
	run | pipe)
		long_flags="--clear-env --append --inherit-fds --preserve-status --verbose --help
			--map-root-user --mount-proc --no-new-privs"
		long_valued="--cwd --env --unset --stdin --stdout --stderr --rlimit --umask --user
			--uid --gid --groups --chroot --keep-fd --launch --timeout --signal --kill-after
			--unshare --map-user --map-group --setgroups --hostname --ambient-caps
			--bounding-set --seccomp-deny --cgroup-set --memory-max --pids-max --cpu-max"
		long_optional="--json --cgroup"
		short_opts="C=cwd e=env u=unset i=clear-env t=timeout s=signal k=kill-after
			v=verbose h=help"
		if [[ $1 == run ]]; then
			long_flags+=" --foreground --setsid --pgroup"
		else
			long_flags+=" --pipefail"
		fi
		;;
	parallel)
		long_flags="--null --keep-order --group --line-buffer --lb --json --help"
		long_valued="--jobs --timeout --halt --joblog"
		long_optional=
		short_opts="j=jobs k=keep-order h=help"
		;;
	bench)
		long_flags="--help"
		long_valued="--count --rss --threads --child"
		long_optional=
		short_opts="n=count r=rss t=threads c=child h=help"
		;;
	*)
		long_flags='' long_valued='' long_optional='' short_opts=''
		;;
	esac
}

# Rebuilds the command line as the tool will see it, in the caller's words,
# cword, cur (the current word up to the cursor) and pre (the start of cur
# that bash does not replace): bash splits words at the characters of
# COMP_WORDBREAKS (= and : among them), so --cwd=/tmp and nofile=1:2 reach
# a completion function in pieces; pieces with no blank between are one
# word again. starts[i] is the COMP_WORDS index where words[i] begins.
_subproc_words()
{
	local line=$COMP_LINE w i j=-1 pos=0 gap
	local -a wstart=()

	words=() starts=() cword=-1 cur='' pre=''
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		gap=0
		while [[ ${line:pos:1} == [[:space:]] ]]; do
			pos=$((pos + 1)) gap=1
		done
		if [[ ${line:pos:${#w}} != "$w" ]]; then
			# Not the line bash split: take its words as they are.
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			cur=${COMP_WORDS[COMP_CWORD]} pre=''
			starts=()
			for ((j = 0; j < ${#COMP_WORDS[@]}; j++)); do
				starts[j]=$j
			done
			return
		fi
		if ((j < 0 || gap)); then
			j=$((j + 1))
			words[j]=$w starts[j]=$i wstart[j]=$pos
		else
			words[j]+=$w
		fi
		if ((i == COMP_CWORD)); then
			cword=$j
			cur=${line:wstart[j]:COMP_POINT-wstart[j]}
		fi
		pos=$((pos + ${#w}))
	done
	if ((cword < 0)); then # the cursor after the last word
		cword=$((j + 1)) words[cword]='' starts[cword]=${#COMP_WORDS[@]}
	fi
	_subproc_pre
}

# Sets the caller's pre to the start of cur that bash keeps: up to its last
# = or : that COMP_WORDBREAKS has (bash replaces only the text after it).
_subproc_pre()
{
	local k c

	pre=''
	for ((k = ${#cur} - 1; k >= 0; k--)); do
		c=${cur:k:1}
		if [[ ($c == = || $c == :) && ${COMP_WORDBREAKS-} == *"$c"* ]]; then
			pre=${cur:0:k+1}
			return
		fi
	done
}

# Sets the caller's long to the long option (--name) that the typed $1 names,
# exactly or as the only option it abbreviates, as getopt_long takes it.
_subproc_resolve()
{
	local o n=0

	long=
	for o in $long_flags $long_valued $long_optional; do
		if [[ $o == "$1" ]]; then
			long=$o
			return 0
		fi
		if [[ $o == "$1"* ]]; then
			long=$o n=$((n + 1))
		fi
	done
	((n == 1)) || long=
	[[ -n $long ]]
}

# Sets the caller's long to the long option that short option $1 (a letter)
# stands for; fails for a letter that is no option.
_subproc_short()
{
	local p

	long=
	for p in $short_opts; do
		if [[ ${p%%=*} == "$1" ]]; then
			long=--${p#*=}
			return 0
		fi
	done
	return 1
}

# Whether option $1 (--name as resolved) takes the next word as its value.
_subproc_is_valued()
{
	[[ " ${long_valued//[[:space:]]/ } " == *" $1 "* ]]
}

# Whether option $1 takes a value only as --opt=VALUE.
_subproc_is_optional()
{
	[[ " $long_optional " == *" $1 "* ]]
}

# Adds the words of $1 (a list) that start with cur to COMPREPLY.
_subproc_add()
{
	local -a more=()

	mapfile -t more < <(compgen -W "$1" -- "$cur")
	COMPREPLY+=("${more[@]}")
}

# Adds file names starting with cur (directories only with -d).
_subproc_files()
{
	local -a more=()

	if declare -F _filedir >/dev/null; then
		_filedir "$@"
		return
	fi
	if [[ ${1-} == -d ]]; then
		mapfile -t more < <(compgen -d -- "$cur")
	else
		mapfile -t more < <(compgen -f -- "$cur")
	fi
	COMPREPLY+=("${more[@]}")
	compopt -o filenames 2>/dev/null
}

# Completes the program at words[$1] and its arguments: as bash-completion
# completes a command line from there, or else a command name and then
# files. Sets the caller's delegated: COMPREPLY is then for bash's own
# words, to be left as it is.
_subproc_program()
{
	delegated=1
	if declare -F _comp_command_offset >/dev/null; then
		_comp_command_offset "${starts[$1]}"
	elif declare -F _command_offset >/dev/null; then
		_command_offset "${starts[$1]}"
	elif (($1 == cword)); then
		_subproc_add_commands
	else
		_subproc_files
	fi
}

_subproc_add_commands()
{
	local -a more=()

	mapfile -t more < <(compgen -c -- "$cur")
	COMPREPLY+=("${more[@]}")
}

# Adds the values of option $1 (--name) that start with cur.
_subproc_value()
{
	local names head n
	local -a list=()

	case $1 in
	--cwd | --chroot)
		_subproc_files -d
		;;
	--stdin | --stdout | --stderr)
		_subproc_add "null inherit"
		[[ $1 == --stderr ]] && _subproc_add stdout
		_subproc_files
		;;
	--json | --child | --joblog)
		_subproc_files
		;;
	--cgroup) # a parent cgroup: a directory, of the cgroup2 mount as a rule
		_subproc_files -d
		;;
	--cgroup-set)
		if [[ $cur == *=* ]]; then
			# A limit's file: the kernel's word for none.
			[[ ${cur%%=*} == *.max || ${cur%%=*} == *.high ]] && _subproc_add "${cur%%=*}=max"
		else
			# The files a new cgroup has that are commonly set (a
			# controller's only where the parent enables it).
			for n in cgroup.max.depth cgroup.max.descendants cpu.max cpu.weight \
				cpu.idle cpuset.cpus cpuset.mems io.max io.weight memory.min memory.low \
				memory.high memory.max memory.swap.high memory.swap.max \
				memory.oom.group pids.max; do
				list+=("$n=")
			done
			_subproc_add "${list[*]}"
		fi
		;;
	--memory-max | --pids-max | --cpu-max)
		_subproc_add infinity
		;;
	--halt)
		_subproc_add "never soon,fail=1 now,fail=1"
		;;
	--env)
		[[ $cur == *=* ]] || _subproc_add "$(compgen -e -S =)"
		;;
	--unset)
		_subproc_add "$(compgen -e)"
		;;
	--user | --uid | --map-user)
		_subproc_add "$(compgen -u)"
		;;
	--gid | --map-group)
		_subproc_add "$(compgen -g)"
		;;
	--setgroups)
		_subproc_add "allow deny"
		;;
	--unshare | --seccomp-deny) # comma-separated lists: the last name
		head=${cur%"${cur##*,}"}
		if [[ $1 == --unshare ]]; then
			names=$("$tool" --list namespaces 2>/dev/null)
		else
			names=$("$tool" --list syscalls 2>/dev/null)
		fi
		for n in $names; do
			list+=("$head$n")
		done
		_subproc_add "${list[*]}"
		;;
	--ambient-caps | --bounding-set) # setpriv's +CAP,-CAP,...: the last item
		head=${cur%"${cur##*,}"}
		for n in all $("$tool" --list capabilities 2>/dev/null); do
			list+=("$head+$n" "$head-$n")
		done
		_subproc_add "${list[*]}"
		;;
	--groups) # a comma-separated list: the last group
		head=${cur%"${cur##*,}"}
		_subproc_add "$(compgen -g -P "$head")"
		;;
	--signal)
		# The tool's names are SIGNAME; it takes them without SIG and in
		# any case too. Offered without SIG unless cur starts with it, in
		# lower case when cur starts so.
		names=$("$tool" --list signals 2>/dev/null)
		[[ ${cur^^} == SIG* || (${#cur} -eq 2 && ${cur^^} == SI) ]] ||
			names=${names//SIG/}
		[[ $cur == [a-z]* ]] && names=${names,,}
		_subproc_add "$names"
		;;
	--rlimit)
		if [[ $cur == *=* ]]; then
			# NAME=SOFT:HARD: the limit after the last = or :.
			head=${cur%"${cur##*[=:]}"}
			_subproc_add "${head}unlimited ${head}infinity"
		else
			# NAME= in the case cur starts with, and with RLIMIT_ when cur
			# starts so (the tool takes both, in any case).
			names=$("$tool" --list rlimits 2>/dev/null)
			[[ $cur == [A-Z]* ]] && names=${names^^}
			head=
			if [[ ${cur,,} == rl* ]]; then
				head=rlimit_
				[[ $cur == R* ]] && head=RLIMIT_
			fi
			for n in $names; do
				list+=("$head$n=")
			done
			_subproc_add "${list[*]}"
		fi
		;;
	--launch)
		_subproc_add "$("$tool" --list launches 2>/dev/null)"
		;;
	esac
}

# Completes after `subproc $1` (run, pipe, parallel or bench), words[2] on.
_subproc_command()
{
	local cmd=$1 long_flags long_valued long_optional short_opts long
	local i=2 w c k prog=-1 valof='' vprefix=''
	local -a reply=()

	_subproc_opts "$cmd"
	# The options before the current word; they end at the first word that
	# is no option (the program), or after --.
	while ((i < cword)); do
		w=${words[i]}
		if [[ $w == -- ]]; then
			prog=$((i + 1))
			break
		fi
		if [[ $w != -?* ]]; then
			prog=$i
			break
		fi
		long=
		if [[ $w == --* ]]; then
			[[ $w != *=* ]] && _subproc_resolve "$w" && _subproc_is_valued "$long" || long=
		else
			# -vs TERM: a cluster whose last letter takes the next word;
			# -sTERM has it attached.
			for ((k = 1; k < ${#w}; k++)); do
				c=${w:k:1}
				_subproc_short "$c" || break
				if _subproc_is_valued "$long"; then
					((k == ${#w} - 1)) || long=
					break
				fi
				long=
			done
		fi
		if [[ -n $long ]]; then
			((i + 1 == cword)) && valof=$long
			i=$((i + 2))
		else
			i=$((i + 1))
		fi
	done

	if ((prog >= 0)); then
		[[ $cmd == bench ]] && return # it takes no operands
		# pipe: the stage after the last | (typed as '|', "|" or \|).
		for ((k = prog; k < cword; k++)); do
			case $cmd:${words[k]} in
			"pipe:'|'" | 'pipe:"|"' | 'pipe:\|') prog=$((k + 1)) ;;
			esac
		done
		_subproc_program "$prog"
		return
	fi
	if [[ -n $valof ]]; then
		_subproc_value "$valof"
		return
	fi
	if [[ $cur == --*=* ]]; then
		_subproc_resolve "${cur%%=*}" || return
		_subproc_is_valued "$long" || _subproc_is_optional "$long" || return
		vprefix=${cur%%=*}=
	elif [[ $cur == -[!-]* ]]; then
		for ((k = 1; k < ${#cur}; k++)); do
			_subproc_short "${cur:k:1}" || break
			if _subproc_is_valued "$long"; then
				((k == ${#cur} - 1)) && long= # the value is the next word
				vprefix=${cur:0:k+1}
				break
			fi
			long=
		done
	fi
	if [[ -n $vprefix && -n $long ]]; then
		local whole=$cur
		cur=${whole#"$vprefix"}
		_subproc_value "$long"
		cur=$whole
		for k in "${!COMPREPLY[@]}"; do
			COMPREPLY[k]=$vprefix${COMPREPLY[k]}
		done
		return
	fi
	if [[ $cur == -* ]]; then
		for w in $short_opts; do
			reply+=("-${w%%=*}")
		done
		for w in $long_optional; do
			reply+=("$w" "$w=")
		done
		_subproc_add "$long_flags $long_valued ${reply[*]}"
	elif [[ $cmd == bench ]]; then
		_subproc_add "$long_flags $long_valued"
	else
		_subproc_program "$cword" # the program, without options
	fi
}

_subproc()
{
	local cur pre cword tool=${1:-subproc} k delegated=
	local -a words=() starts=()

	COMPREPLY=()
	[[ $tool == \~/* ]] && tool=$HOME/${tool#\~/}
	_subproc_words
	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			_subproc_add "--help --version --list -h -V"
		else
			_subproc_add "run pipe parallel bench"
		fi
	else
		case ${words[1]} in
		run | pipe | parallel | bench)
			_subproc_command "${words[1]}"
			[[ -n $delegated ]] && return 0
			;;
		--list)
			((cword == 2)) && _subproc_add "signals rlimits launches namespaces capabilities syscalls"
			;;
		esac
	fi
	# Replies are for the whole word cur; bash replaces only its part after
	# pre (after the last = or : in it, as it split it).
	if [[ -n $pre ]]; then
		for k in "${!COMPREPLY[@]}"; do
			COMPREPLY[k]=${COMPREPLY[k]#"$pre"}
		done
	fi
	if [[ ${#COMPREPLY[@]} -gt 0 && ${COMPREPLY[0]} == *[=,] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

complete -F _subproc subproc
