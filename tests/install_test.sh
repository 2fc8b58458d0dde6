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

DESTDIR= cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; exit 1; }
# GNUInstallDirs' choice for this build: lib, or lib/<multiarch> in a
# Debian package build (dh_auto_configure sets CMAKE_INSTALL_LIBDIR).
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
[ -n "$libdir" ] || { echo "no CMAKE_INSTALL_LIBDIR in $build/CMakeCache.txt"; exit 1; }
for f in bin/subproc "$libdir/libsubproc.so" "$libdir/libsubproc.so.0" "$libdir/libsubproc.a" \
	include/subproc.h "$libdir/pkgconfig/subproc.pc" "$libdir/cmake/subproc/subprocConfig.cmake" \
	share/man/man1/subproc.1 share/man/man3/subproc.3 share/man/man3/subproc_cmd_new.3 \
	share/bash-completion/completions/subproc; do
	[ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
# man finds a page for every function from the installed tree.
if command -v man >/dev/null; then
	for f in $(nm -D --defined-only "$prefix/$libdir/libsubproc.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }'); do
		MANPATH=$prefix/share/man man -w "$f" >/dev/null 2>&1 || { echo "man $f: no page"; exit 1; }
	done
fi

# Only subproc_ names leave the shared library.
others=$(nm -D --defined-only "$prefix/$libdir/libsubproc.so" | awk '$2 != "A" {print $3}' |
	grep -v '^subproc_' || true)
[ -z "$others" ] || { echo "exported besides subproc_*: $others"; exit 1; }

echo "== pkg-config"
PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046 # word splitting of the flags is the point
"$cc" -std=c17 -o "$tmp/demo-pc" "$src/examples/demo.c" $(pkg-config --cflags --libs subproc)
LD_LIBRARY_PATH=$prefix/$libdir "$tmp/demo-pc"
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
# The package's compatibility rule (README, "Versions"): the same major
# from the version asked for on, never another major.
for want in 0.1 0.2.0; do
	cmake -S "$src/tests/consumer" -B "$tmp/want-$want" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_PREFIX_PATH="$prefix" -DSUBPROC_DEMO_SOURCE="$src/examples/demo.c" \
		-DSUBPROC_WANT=$want >"$tmp/want.log" 2>&1 || { cat "$tmp/want.log"; echo "find_package(subproc $want) failed"; exit 1; }
done
for want in 1.0 0.3; do
	if cmake -S "$src/tests/consumer" -B "$tmp/want-$want" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_PREFIX_PATH="$prefix" -DSUBPROC_DEMO_SOURCE="$src/examples/demo.c" \
		-DSUBPROC_WANT=$want >"$tmp/want.log" 2>&1; then
		echo "find_package(subproc $want) accepted version $(sed -n 's/^#define SUBPROC_VERSION "\(.*\)"/\1/p' "$src/include/subproc.h")"
		exit 1
	fi
done

echo "== the installed tool"
"$prefix/bin/subproc" --version
"$prefix/bin/subproc" run -- true
# What the installed completion asks the installed tool.
"$prefix/bin/subproc" --list signals | grep -qx SIGTERM ||
	{ echo "subproc --list signals: no SIGTERM"; exit 1; }

echo "== make uninstall"
make -s -C "$src" uninstall BUILD_DIR="$build" >"$tmp/uninstall.log" ||
	{ cat "$tmp/uninstall.log"; exit 1; }
left=$(find "$prefix" ! -type d)
[ -z "$left" ] || { echo "left after make uninstall: $left"; exit 1; }
[ ! -e "$prefix/$libdir/cmake/subproc" ] || { echo "left after make uninstall: $libdir/cmake/subproc"; exit 1; }
echo "install test: ok"
