#!/bin/sh
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2086 # $PACKAGES and $missing split into words on purpose
# Installs the Debian packages the machine lacks for:
#   (no option)  make check: the test suite (GNU parallel for the
#                differential test of `subproc parallel`)
#   --ci         also .ci/run's other stages (clang, the analysers, valgrind,
#                abidiff, the Debian package tools of scripts/ci/deb.sh, the
#                cross toolchains, qemu-user and the targets' cmocka of
#                scripts/ci/cross.sh, adding the arm64 and armhf dpkg
#                architectures for those; musl-tools for scripts/ci/musl.sh)
#   --bench      make bench: gnuplot and the peers' toolchains and libraries;
#                for it nothing is fatal, a peer that cannot be had is
#                reported as missing in the results
# Idempotent: with everything present it changes nothing and needs no network.
# Waits for the package manager's locks when another install holds them
# (INSTALL_DEPS_LOCK_WAIT seconds, default 600).
# Not root and something missing: says what to install and exits 1 (0 for
# --bench).
set -eu

# One package a line; add new needs here.
PACKAGES="
libcmocka-dev
parallel
pkg-config
"
optional=false
case "${1:-}" in
--ci)
	PACKAGES="$PACKAGES
abigail-tools
clang
clang-tidy
cppcheck
valgrind
build-essential
cmake
debhelper
dpkg-dev
git
lintian
gcc-aarch64-linux-gnu
gcc-riscv64-linux-gnu
gcc-arm-linux-gnueabihf
libc6-dev-arm64-cross
libc6-dev-riscv64-cross
libc6-dev-armhf-cross
qemu-user
libcmocka-dev:arm64
libcmocka-dev:armhf
musl-tools
linux-libc-dev
"
	;;
--bench)
	optional=true
	PACKAGES="
gnuplot-nox
golang-go
libuv1-dev
libglib2.0-dev
python3
pkg-config
"
	# rustc from rustup counts as well as Debian's.
	command -v rustc >/dev/null 2>&1 || PACKAGES="$PACKAGES rustc"
	;;
esac

# Fails, or for --bench only warns.
give_up() {
	echo "install-deps: $*" >&2
	if $optional; then
		echo "install-deps: going on without them" >&2
		exit 0
	fi
	exit 1
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian system; make sure these (or their equivalents) are" \
		"installed:" $PACKAGES >&2
	exit 0
fi

# The status of a package of this machine's architecture. Asked for by
# name alone, dpkg-query prints one status per installed architecture (with
# libcmocka-dev:arm64 beside :amd64, two), so the native one is asked for,
# then the architecture-independent one ("all" packages match no other).
native=$(dpkg --print-architecture)
installed() {
	case $1 in
	*:*)
		s=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
		[ "$s" = "install ok installed" ]
		return
		;;
	esac
	for q in "$1:$native" "$1:all"; do
		s=$(dpkg-query -W -f='${Status}' "$q" 2>/dev/null) || continue
		[ "$s" = "install ok installed" ] && return 0
	done
	return 1
}

missing=
for pkg in $PACKAGES; do
	installed "$pkg" || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

[ "$(id -u)" -eq 0 ] ||
	give_up "missing packages:$missing; run as root, or: sudo apt-get install$missing"

# Another install (unattended-upgrades, a second make check) may hold the
# package manager's locks: wait for them instead of failing. apt waits for
# dpkg's lock itself with DPkg::Lock::Timeout; the lists lock of apt-get
# update it does not wait for, so that is retried here, with the same bound.
LOCK_WAIT=${INSTALL_DEPS_LOCK_WAIT:-600}
apt_get() {
	waited=0
	while :; do
		apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" "$@" 2>"${TMPDIR:-/tmp}/install-deps.$$" && {
			cat "${TMPDIR:-/tmp}/install-deps.$$" >&2
			rm -f "${TMPDIR:-/tmp}/install-deps.$$"
			return 0
		}
		if grep -q 'Could not get lock\|Unable to acquire the dpkg frontend lock\|Unable to lock' \
			"${TMPDIR:-/tmp}/install-deps.$$" && [ "$waited" -lt "$LOCK_WAIT" ]; then
			[ "$waited" -eq 0 ] &&
				echo "install-deps: another package install holds the lock; waiting (up to $LOCK_WAIT s)" >&2
			sleep 5
			waited=$((waited + 5))
			continue
		fi
		cat "${TMPDIR:-/tmp}/install-deps.$$" >&2
		rm -f "${TMPDIR:-/tmp}/install-deps.$$"
		return 1
	done
}

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Packages of another architecture (libcmocka-dev:arm64) need that
# architecture in dpkg before apt-get update reads its lists.
for pkg in $missing; do
	case $pkg in
	*:*)
		arch=${pkg##*:}
		dpkg --print-foreign-architectures | grep -qx "$arch" ||
			dpkg --add-architecture "$arch" ||
			give_up "dpkg --add-architecture $arch failed"
		;;
	esac
done
{ apt_get update -qq && apt_get install -y -qq --no-install-recommends $missing; } ||
	give_up "apt-get could not install$missing"
