# SPDX-License-Identifier: MIT
# Cross-compiling for armhf with Debian's arm-linux-gnueabihf toolchain
# (gcc-arm-linux-gnueabihf and libc6-dev-armhf-cross). Programs built for the
# target, the errno-table generator and the tests among them, run through
# qemu-user: apt-get install qemu-user. See README, "Other CPUs".
#   cmake -S . -B build-armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# The target's loader and libc must come from one package: the cross
# package's ld.so (/usr/arm-linux-gnueabihf) reading the host's ld.so.cache finds
# the multiarch libc (libc6:ARCH, a newer Debian revision, pulled in by
# libcmocka-dev:ARCH), and the mix hangs in fork. With the multiarch libc
# installed, qemu runs the target's programs from / (its loader, its libc).
if(EXISTS /lib/ld-linux-armhf.so.3)
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/arm-linux-gnueabihf)
endif()
# The target's libraries (cmocka from Debian multiarch, libc from the
# cross package); programs of the build machine from the host.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
