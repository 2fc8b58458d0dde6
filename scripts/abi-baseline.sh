#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes abi/SONAME.abi, the ABI baseline tests/abi_test.sh compares the
# library with: run at a release, on x86_64, from a RelWithDebInfo build
# (the default) of the release commit. Paths are made relative so that the
# file does not depend on where the tree was.
#
# usage: scripts/abi-baseline.sh [BUILD_DIR]   (default build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
so=$build/src/libsubproc.so
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
mkdir -p abi
abidw --headers-dir include --no-corpus-path --no-show-locs --no-comp-dir-path "$so" |
	sed "s|path='$(pwd)/|path='|" >"abi/$soname.abi"
echo "wrote abi/$soname.abi"
