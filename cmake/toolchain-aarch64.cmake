# SPDX-License-Identifier: MIT
# Cross-compiling for aarch64 with Debian's aarch64-linux-gnu toolchain
# (gcc-aarch64-linux-gnu and libc6-dev-arm64-cross). Programs built for the
# target, the errno-table generator and the tests among them, run through
# qemu-user: apt-get install qemu-user. See README, "Other CPUs".
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# The target's loader and libc must come from one package: the cross
# package's ld.so (/usr/aarch64-linux-gnu) reading the host's ld.so.cache finds
# the multiarch libc (libc6:ARCH, a newer Debian revision, pulled in by
# libcmocka-dev:ARCH), and the mix hangs in fork. With the multiarch libc
# installed, qemu runs the target's programs from / (its loader, its libc).
if(EXISTS /lib/ld-linux-aarch64.so.1)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
endif()
# The target's libraries (cmocka from Debian multiarch, libc from the
# cross package); programs of the build machine from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
