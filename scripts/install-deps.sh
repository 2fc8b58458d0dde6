#!/bin/sh
# shellcheck disable=SC2086 # $PACKAGES and $missing split into words on purpose
# Installs the Debian packages that `make check` needs and the machine lacks;
# with --ci, also those of .ci/run's other stages (clang, the analysers,
# valgrind). Idempotent: with everything present it changes nothing and needs
# no network. Not root and something missing: says what to install and
# exits 1.
set -eu

# One package a line; add new needs here.
PACKAGES="
libcmocka-dev
pkg-config
"
if [ "${1:-}" = "--ci" ]; then
	PACKAGES="$PACKAGES
clang
clang-tidy
cppcheck
valgrind
"
fi

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

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
