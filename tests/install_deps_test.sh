#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/install-deps.sh against fake dpkg, dpkg-query and apt-get on PATH:
# a package installed for two architectures counts as installed (and
# apt-get is not run), an "all" package too, a missing one is installed,
# and a held lock is waited for. No network, no root needed.
#
# usage: install_deps_test.sh SOURCE_DIR
set -eu
src=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir "$t/bin"

# dpkg-query: libcmocka-dev is installed for amd64 and arm64, pkg-config
# for amd64, clang and parallel are "all" packages here; anything else is missing
# unless listed in $t/installed.
cat >"$t/bin/dpkg-query" <<'FAKE'
#!/bin/sh
q=$3
case "$q" in
libcmocka-dev) printf 'install ok installedinstall ok installed' ;;
libcmocka-dev:amd64 | libcmocka-dev:arm64 | pkg-config | pkg-config:amd64 | parallel | parallel:all | clang | clang:all)
	printf 'install ok installed' ;;
*)
	if grep -qx "${q%%:*}" "$FAKE_DIR/installed" 2>/dev/null; then
		printf 'install ok installed'
	else
		echo "dpkg-query: no packages found matching $q" >&2
		exit 1
	fi ;;
esac
FAKE
printf '#!/bin/sh\necho amd64\n' >"$t/bin/dpkg"
printf '#!/bin/sh\necho 0\n' >"$t/bin/id"
# apt-get: logs its calls; "update" fails with the lists lock held while
# $t/locked exists (removed after the first refusal).
cat >"$t/bin/apt-get" <<'FAKE'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_DIR/log"
case " $* " in
*" update "*)
	if [ -e "$FAKE_DIR/locked" ]; then
		rm "$FAKE_DIR/locked"
		echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1" >&2
		exit 100
	fi ;;
*" install "*)
	for a in "$@"; do echo "$a" >>"$FAKE_DIR/installed"; done ;;
esac
FAKE
printf '#!/bin/sh\n' >"$t/bin/sleep"
chmod +x "$t/bin"/*
export FAKE_DIR=$t PATH="$t/bin:$PATH"

fail() {
	echo "install_deps_test: $*" >&2
	exit 1
}

# Everything there, libcmocka-dev for two architectures: nothing to do.
sh "$src/scripts/install-deps.sh" || fail "exit status $? with nothing missing"
[ ! -e "$t/log" ] || fail "apt-get ran with nothing missing: $(cat "$t/log")"

# --ci adds clang (an "all" package here), clang-tidy, cppcheck, valgrind:
# those three are installed, after one refused update (the lock).
touch "$t/locked"
out=$(sh "$src/scripts/install-deps.sh" --ci 2>&1) || fail "exit status $? with a held lock: $out"
echo "$out" | grep -q "holds the lock; waiting" || fail "no word of the wait: $out"
grep -q "^apt-get .*install .*clang-tidy cppcheck valgrind" "$t/log" ||
	fail "did not install the missing ones: $(cat "$t/log")"
grep -q "install.* clang " "$t/log" && fail "installed clang, which was there"
grep -q "DPkg::Lock::Timeout" "$t/log" || fail "apt-get not told to wait for dpkg's lock"
echo "install_deps_test: ok"
