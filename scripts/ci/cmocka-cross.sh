#!/bin/sh
# SPDX-License-Identifier: MIT
# Debian bookworm has no libcmocka-dev:riscv64 (riscv64 is only a
# debian-ports architecture there), so the cross test stage builds Debian's
# own cmocka source for the target. The source package comes from the
# Debian archive through apt, with a private sources file, lists dir and
# cache, so the system's apt state (/var/lib/apt/lists) is left alone.
#
# usage: scripts/ci/cmocka-cross.sh TRIPLET PREFIX
#   e.g. scripts/ci/cmocka-cross.sh riscv64-linux-gnu /tmp/cmocka-riscv64
set -eu

[ $# -eq 2 ] || { echo "usage: $0 TRIPLET PREFIX" >&2; exit 2; }
triplet=$1
prefix=$2
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac

# Already installed: nothing to do.
if [ -f "$prefix/include/cmocka.h" ] &&
   { [ -f "$prefix/lib/libcmocka.a" ] || [ -f "$prefix/lib/libcmocka.so" ]; }; then
    echo "cmocka-cross: already installed in $prefix"
    exit 0
fi

command -v "$triplet-gcc" >/dev/null || { echo "cmocka-cross: $triplet-gcc not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"

cat >"$work/debian.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Every path apt writes to is private; SourceParts=/dev/null hides the
# system's sources.list.d, and the lists dir being private means
# `apt-get update` cannot clean up the system's lists.
aptget() {
    apt-get -q \
        -o Dir::Etc::SourceList="$work/debian.sources" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$work/lists" \
        -o Dir::Cache="$work/cache" \
        -o APT::Sandbox::User=root \
        -o DPkg::Lock::Timeout=600 \
        "$@"
}
aptget update
(cd "$work/src" && aptget source --download-only cmocka)

# Debian's source: orig tarball plus the Debian patches (plain tar of the
# orig tarball if dpkg-dev is not installed).
srcdir=$work/src/cmocka
if command -v dpkg-source >/dev/null; then
    dpkg-source -x "$work"/src/cmocka_*.dsc "$srcdir"
else
    mkdir "$srcdir"
    tar -xf "$work"/src/cmocka_*.orig.tar.xz -C "$srcdir" --strip-components=1
fi

cmake -S "$srcdir" -B "$work/build" \
    -DCMAKE_SYSTEM_NAME=Linux \
    -DCMAKE_SYSTEM_PROCESSOR="${triplet%%-*}" \
    -DCMAKE_C_COMPILER="$triplet-gcc" \
    -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_BUILD_TYPE=Release \
    -DWITH_STATIC_LIB=ON \
    -DWITH_EXAMPLES=OFF \
    -DUNIT_TESTING=OFF \
    -DPICKY_DEVELOPER=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_Doxygen=ON
cmake --build "$work/build" -j2
cmake --install "$work/build"
# cmocka 1.1.x names its static library libcmocka-static.a; give it the
# usual name too, so -lcmocka with -static (or lib/libcmocka.a) finds it.
[ -e "$prefix/lib/libcmocka.a" ] || ln -s libcmocka-static.a "$prefix/lib/libcmocka.a"

echo "cmocka-cross: installed cmocka for $triplet in $prefix (libraries in $prefix/lib, headers in $prefix/include)"
