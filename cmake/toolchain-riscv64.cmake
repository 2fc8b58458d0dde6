# SPDX-License-Identifier: MIT
# Cross-compiling for riscv64 with Debian's riscv64-linux-gnu toolchain
# (gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross). Programs built for the
# target, the errno-table generator and the tests among them, run through
# qemu-user: apt-get install qemu-user. See README, "Other CPUs".
#   cmake -S . -B build-riscv64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-riscv64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE riscv64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64 -L /usr/riscv64-linux-gnu)
# The target's libraries (cmocka from Debian multiarch, libc from the
# cross package); programs of the build machine from the host.
set(CMAKE_FIND_ROOT_PATH /usr/riscv64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
