# SPDX-License-Identifier: MIT
"""Peer: Python's subprocess module.

Usage: peer.py MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]
Prints one line per sample: the nanoseconds that one spawn (and its wait,
capture or communicate) took. MODE is spawn, capture or communicate.
"""
import os
import subprocess
import sys
import time


def main():
    mode, count, heap_mib, nfds, nbytes = sys.argv[1], *map(int, sys.argv[2:6])
    argv = sys.argv[6:]
    # Touched, so the pages are really in the parent, as in the C driver.
    heap = bytearray(heap_mib << 20)
    for i in range(0, len(heap), 4096):
        heap[i] = 1
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(nfds)]
    data = b"x" * nbytes if mode == "communicate" else b""
    out = []
    for _ in range(count):
        t0 = time.perf_counter_ns()
        if mode == "spawn":
            subprocess.run(argv, check=False)
            got = 0
        elif mode == "capture":
            got = len(subprocess.run(argv, stdout=subprocess.PIPE).stdout)
        else:
            got = len(subprocess.run(argv, input=data, stdout=subprocess.PIPE).stdout)
        t1 = time.perf_counter_ns()
        if mode != "spawn" and got != nbytes:
            sys.exit(f"peer.py: read {got} bytes, want {nbytes}")
        out.append(str(t1 - t0))
    for fd in fds:
        os.close(fd)
    del heap
    sys.stdout.write("\n".join(out) + "\n")


main()
