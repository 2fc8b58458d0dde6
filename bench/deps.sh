#!/bin/sh
# shellcheck disable=SC2086 # $missing splits into words on purpose
# Installs the Debian packages that `make bench` uses and the machine lacks:
# gnuplot for the plot, and the peers' toolchains and libraries. Anything
# still missing afterwards is not fatal: its peer is reported as missing.
set -u

PACKAGES="gnuplot-nox golang-go libuv1-dev libglib2.0-dev python3 pkg-config"
# rustc from rustup counts as well as Debian's.
command -v rustc >/dev/null 2>&1 || PACKAGES="$PACKAGES rustc"

command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: missing packages:$missing (run: sudo apt-get install$missing)" >&2
	echo "bench: going on without them; their peers are reported as missing" >&2
	exit 0
fi
echo "bench: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing ||
	echo "bench: apt-get failed; going on, the affected peers are reported as missing" >&2
exit 0
