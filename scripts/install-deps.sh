#!/bin/sh
# shellcheck disable=SC2086 # $PACKAGES and $missing split into words on purpose
# Installs the Debian packages the machine lacks for:
#   (no option)  make check: the test suite
#   --ci         also .ci/run's other stages (clang, the analysers, valgrind)
#   --bench      make bench: gnuplot and the peers' toolchains and libraries;
#                for it nothing is fatal, a peer that cannot be had is
#                reported as missing in the results
# Idempotent: with everything present it changes nothing and needs no network.
# Not root and something missing: says what to install and exits 1 (0 for
# --bench).
set -eu

# One package a line; add new needs here.
PACKAGES="
libcmocka-dev
pkg-config
"
optional=false
case "${1:-}" in
--ci)
	PACKAGES="$PACKAGES
clang
clang-tidy
cppcheck
valgrind
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

missing=
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

[ "$(id -u)" -eq 0 ] ||
	give_up "missing packages:$missing; run as root, or: sudo apt-get install$missing"

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } ||
	give_up "apt-get could not install$missing"
