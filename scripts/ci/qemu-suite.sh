#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole suite of a cross build (scripts/ci/cross.sh made build-TARGET)
# under qemu-user. CTest starts each test program through the toolchain
# file's emulator, but the programs those start (the probe, the tool) are
# the target's too and are exec'ed by the kernel, so binfmt_misc must hand
# them to qemu: this registers qemu-CPU for the target's ELF header (flag P,
# so that argv[0] survives; qemu 7.2 reads that from AT_FLAGS) for as long as
# the suite runs, and removes it again. qemu then finds the target's loader
# and libraries in / (Debian multiarch: libc6:arm64, libc6:armhf). riscv64
# has no multiarch libc in bookworm: there the interpreter is qemu-binfmt.c,
# built here, which runs qemu with -L /usr/riscv64-linux-gnu (the cross
# toolchain's libc).
# Exits 77 when binfmt_misc cannot be used (a container without the right
# to mount or register it): the suite did not run.
# usage: scripts/ci/qemu-suite.sh TARGET [CTEST ARGS...]   (as root)
set -eu
cd "$(dirname "$0")/../.."

[ $# -ge 1 ] || { echo "usage: $0 TARGET [CTEST ARGS...]" >&2; exit 2; }
t=$1
shift
case $t in
aarch64) cpu=aarch64 class='\x02' machine='\xb7' loader=ld-linux-aarch64.so.1 triplet=aarch64-linux-gnu ;;
armhf) cpu=arm class='\x01' machine='\x28' loader=ld-linux-armhf.so.3 triplet=arm-linux-gnueabihf ;;
riscv64) cpu=riscv64 class='\x02' machine='\xf3' loader=ld-linux-riscv64-lp64d.so.1 triplet=riscv64-linux-gnu ;;
*) echo "qemu-suite: unknown target $t" >&2; exit 2 ;;
esac
[ -d "build-$t" ] || { echo "qemu-suite: no build-$t (scripts/ci/cross.sh $t)" >&2; exit 1; }

interp=/usr/bin/qemu-$cpu
tmp=
if [ ! -e "/lib/$loader" ]; then
	# Outside the build tree: the tests that drop to another uid exec
	# through it, and a clone in root's home (0700) is closed to them.
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	interp=$tmp/qemu-binfmt
	cc -O2 -Wall -Werror -DQEMU="\"/usr/bin/qemu-$cpu\"" -DPREFIX="\"/usr/$triplet\"" \
		-o "$interp" scripts/ci/qemu-binfmt.c
fi

misc=/proc/sys/fs/binfmt_misc
if [ ! -e $misc/register ] && ! mount -t binfmt_misc binfmt_misc $misc; then
	echo "qemu-suite: skipped: binfmt_misc cannot be mounted here" >&2
	[ -z "$tmp" ] || rm -rf "$tmp"
	exit 77
fi
name=subproc-qemu-$t
[ ! -e "$misc/$name" ] || echo -1 >"$misc/$name"
magic="\\x7fELF$class\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00$machine\\x00"
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
if ! printf '%s\n' ":$name:M::$magic:$mask:$interp:P" >$misc/register; then
	echo "qemu-suite: skipped: cannot register $interp with binfmt_misc" >&2
	[ -z "$tmp" ] || rm -rf "$tmp"
	exit 77
fi
trap 'echo -1 >"$misc/$name"; [ -z "$tmp" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

ctest --test-dir "build-$t" --output-on-failure --no-tests=error -j2 --timeout 120 "$@"
