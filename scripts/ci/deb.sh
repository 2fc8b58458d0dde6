#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian packages, built and used: clones HEAD of this checkout into a
# temporary directory (dpkg-buildpackage writes its .deb files beside the
# source tree, so never into the user's parent directory), builds
# libsubproc0, libsubproc-dev and subproc with `dpkg-buildpackage -us -uc -b`
# (the test suite runs in the build unless DEB_BUILD_OPTIONS has nocheck),
# fails on any lintian error, installs the three packages and uses them: the
# demo built with pkg-config and with find_package, the tool, the preload
# shim by name, the manual pages (one per function) and the bash
# completion. Then purges them, on failure too, and checks that nothing
# of them is left in /usr. Packages left installed by an earlier run are
# purged first. Uncommitted changes are not in the clone.
#
# usage: scripts/ci/deb.sh   (as root, from anywhere in the checkout)
set -eu
cd "$(dirname "$0")/../.."

[ "$(id -u)" -eq 0 ] || { echo "deb: must run as root (it installs and purges packages)" >&2; exit 1; }

PKGS="libsubproc0 libsubproc-dev subproc"
LOCK_WAIT=${INSTALL_DEPS_LOCK_WAIT:-600}
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)

# The packages of ours that dpkg knows in any state but "not installed"
# (config-files and half-installed included), for this architecture.
present() {
	for p in $PKGS; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || continue
		case "$s" in *not-installed) ;; *) printf ' %s' "$p" ;; esac
	done
}
purge() {
	p=$(present)
	[ -z "$p" ] && return 0
	echo "deb: purging$p"
	# shellcheck disable=SC2086 # one word a package
	apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" purge -y -qq $p >/dev/null
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/subproc-deb.XXXXXX")
# apt's download user (_apt) must read the .deb files.
chmod 755 "$tmp"
cleanup() {
	status=$?
	trap - EXIT
	purge || { echo "deb: purge failed" >&2; status=1; }
	rm -rf "$tmp"
	echo "deb: took $(($(date +%s) - start)) s"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

purge

rev=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	echo "deb: warning: uncommitted changes are not built, only HEAD ($rev)" >&2
src=$tmp/subproc
git clone -q --no-checkout . "$src"
git -C "$src" checkout -q --detach "$rev"

echo "== dpkg-buildpackage (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-})"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
	tail -n 150 "$tmp/build.log"
	echo "deb: dpkg-buildpackage failed (last lines above)" >&2
	exit 1
}
grep -E '^[0-9]+% tests passed|^Total Test time' "$tmp/build.log" || echo "(tests not run)"
changes=$(ls "$tmp"/subproc_*.changes)

echo "== lintian"
lint=0
lintian --fail-on error --display-info "$changes" >"$tmp/lintian.log" 2>&1 || lint=$?
grep -v 'running with root privileges' "$tmp/lintian.log" || echo "(no tags)"
[ "$lint" = 0 ] || { echo "deb: lintian failed (status $lint)" >&2; exit 1; }

debs=
for p in $PKGS; do
	f=$(ls "$tmp/${p}"_*.deb)
	debs="$debs $f"
done

# The directories the packages bring that are not here yet must go again
# with them; files and links always.
: >"$tmp/files"
: >"$tmp/newdirs"
for f in $debs; do
	dpkg-deb -c "$f" | awk '{ print substr($1, 1, 1) " " $6 }' | sed 's| \./| /|; s|/$||' |
		while read -r type path; do
			[ "$path" = / ] && continue
			if [ "$type" = d ]; then
				[ -d "$path" ] || echo "$path" >>"$tmp/newdirs"
			else
				echo "$path" >>"$tmp/files"
			fi
		done
done

echo "== install"
# shellcheck disable=SC2086 # one word a file
apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" install -y -qq --no-install-recommends $debs >/dev/null
# shellcheck disable=SC2086 # one word a package
dpkg-query -W $PKGS

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
echo "== demo with pkg-config"
pkg-config --modversion subproc
# shellcheck disable=SC2046 # word splitting of the flags is the point
cc -std=c17 -o "$tmp/demo" "$src/examples/demo.c" $(pkg-config --cflags --libs subproc)
ldd "$tmp/demo" | grep -Eq "=> (/usr)?/lib/$multiarch/libsubproc\.so\.0 " ||
	{ ldd "$tmp/demo"; echo "deb: the demo does not use the installed libsubproc.so.0" >&2; exit 1; }
"$tmp/demo"

echo "== demo with find_package"
cmake -S "$src/tests/consumer" -B "$tmp/consumer" -DSUBPROC_DEMO_SOURCE="$src/examples/demo.c" \
	>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; exit 1; }
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; exit 1; }
"$tmp/consumer/demo-shared" >/dev/null
"$tmp/consumer/demo-static" >/dev/null

echo "== the tool"
[ "$(command -v subproc)" = /usr/bin/subproc ] || { echo "deb: subproc is not /usr/bin/subproc" >&2; exit 1; }
subproc --version
subproc run -- true

echo "== the preload shim, by name"
err=$(LD_PRELOAD=libsubproc-preload.so true 2>&1)
[ -z "$err" ] || { echo "deb: LD_PRELOAD=libsubproc-preload.so: $err" >&2; exit 1; }

echo "== manual pages"
for page in /usr/share/man/man3/subproc.3.gz /usr/share/man/man1/subproc.1.gz; do
	[ -f "$page" ] || { echo "deb: missing $page" >&2; exit 1; }
done
if command -v man >/dev/null 2>&1; then
	man -w 3 subproc
	man -w 1 subproc
	# A page for every function the installed library exports.
	for f in $(nm -D --defined-only "/usr/lib/$multiarch/libsubproc.so.0" |
		awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }'); do
		man -w "$f" >/dev/null || { echo "deb: man $f: no page" >&2; exit 1; }
	done
fi

echo "== bash completion"
comp=/usr/share/bash-completion/completions/subproc
[ -f "$comp" ] || { echo "deb: $comp not installed" >&2; exit 1; }
bash -n "$comp"
# It asks the installed tool for the names it offers.
subproc --list signals | grep -qx SIGTERM || { echo "deb: subproc --list signals: no SIGTERM" >&2; exit 1; }
echo "$comp"

echo "== purge"
purge
p=$(present)
[ -z "$p" ] || { echo "deb: still known to dpkg:$p" >&2; exit 1; }
left=0
while read -r path; do
	if [ -e "$path" ] || [ -L "$path" ]; then
		echo "deb: left after purge: $path" >&2
		left=1
	fi
done <"$tmp/files"
while read -r path; do
	if [ -d "$path" ]; then
		echo "deb: directory left after purge: $path" >&2
		left=1
	fi
done <"$tmp/newdirs"
[ "$left" = 0 ] || exit 1
echo "deb: ok"
