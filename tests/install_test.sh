#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the build into a temporary prefix and uses it as a consumer would:
# examples/demo.c built with pkg-config and with find_package (shared and
# static), and the installed tool run. Exits 77 (skipped) for a sanitizer
# build, whose libraries a plain consumer cannot link.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR CC [SANITIZERS]
set -eu
build=$1 src=$2 cc=$3 sanitize=${4:-}

if [ -n "$sanitize" ]; then
	echo "skipped: a $sanitize build is not for consumers"
	exit 77
fi
for tool in pkg-config cmake; do
	command -v "$tool" >/dev/null || { echo "skipped: no $tool"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

# The build's own library directory: lib, or lib/<multiarch> in a Debian
# package build (dh_auto_configure sets CMAKE_INSTALL_LIBDIR).
lib=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
lib=${lib:-lib}

DESTDIR= cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; exit 1; }
for f in bin/subproc "$lib/libsubproc.so" "$lib/libsubproc.so.0" "$lib/libsubproc.a" \
	include/subproc.h "$lib/pkgconfig/subproc.pc" "$lib/cmake/subproc/subprocConfig.cmake" \
	share/man/man1/subproc.1 share/man/man3/subproc.3; do
	[ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# Only subproc_ names leave the shared library.
others=$(nm -D --defined-only "$prefix/$lib/libsubproc.so" | awk '{print $3}' |
	grep -v '^subproc_' || true)
[ -z "$others" ] || { echo "exported besides subproc_*: $others"; exit 1; }

echo "== pkg-config"
PKG_CONFIG_PATH=$prefix/$lib/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # word splitting of the flags is the point
"$cc" -std=c17 -o "$tmp/demo-pc" "$src/examples/demo.c" $(pkg-config --cflags --libs subproc)
LD_LIBRARY_PATH=$prefix/$lib "$tmp/demo-pc"
# shellcheck disable=SC2046
"$cc" -std=c17 -static -o "$tmp/demo-pc-static" "$src/examples/demo.c" \
	$(pkg-config --cflags --static --libs subproc) 2>"$tmp/static.log" &&
	"$tmp/demo-pc-static" || { cat "$tmp/static.log"; exit 1; }

echo "== find_package"
cmake -S "$src/tests/consumer" -B "$tmp/consumer" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_PREFIX_PATH="$prefix" -DSUBPROC_DEMO_SOURCE="$src/examples/demo.c" \
	>"$tmp/consumer.log" || { cat "$tmp/consumer.log"; exit 1; }
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" || { cat "$tmp/consumer.log"; exit 1; }
"$tmp/consumer/demo-shared"
"$tmp/consumer/demo-static"

echo "== the installed tool"
"$prefix/bin/subproc" --version
"$prefix/bin/subproc" run -- true
echo "install test: ok"
