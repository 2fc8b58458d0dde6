// SPDX-License-Identifier: MIT
// Peer: Go's os/exec.
//
// Usage: peer-go MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]
// Prints one line per sample: the nanoseconds that one spawn (and its wait,
// capture or communicate) took.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-go:", err)
		os.Exit(2)
	}
	return n
}

func main() {
	if len(os.Args) < 7 {
		fmt.Fprintln(os.Stderr, "usage: peer-go MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]")
		os.Exit(2)
	}
	mode := os.Args[1]
	count, heapMiB, nfds, nbytes := atoi(os.Args[2]), atoi(os.Args[3]), atoi(os.Args[4]), atoi(os.Args[5])
	argv := os.Args[6:]

	heap := make([]byte, heapMiB<<20)
	for i := 0; i < len(heap); i += 4096 {
		heap[i] = 1
	}
	fds := make([]int, 0, nfds)
	for i := 0; i < nfds; i++ {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer-go:", err)
			os.Exit(1)
		}
		fds = append(fds, fd)
	}
	var input []byte
	if mode == "communicate" {
		input = bytes.Repeat([]byte{'x'}, nbytes)
	}

	samples := make([]int64, 0, count)
	for i := 0; i < count; i++ {
		cmd := exec.Command(argv[0], argv[1:]...)
		var got int
		var err error
		t0 := time.Now()
		switch mode {
		case "spawn":
			err = cmd.Run()
		case "capture":
			var out []byte
			out, err = cmd.Output()
			got = len(out)
		default:
			cmd.Stdin = bytes.NewReader(input)
			var out []byte
			out, err = cmd.Output()
			got = len(out)
		}
		samples = append(samples, time.Since(t0).Nanoseconds())
		if err != nil {
			fmt.Fprintln(os.Stderr, "peer-go:", err)
			os.Exit(1)
		}
		if mode != "spawn" && got != nbytes {
			fmt.Fprintf(os.Stderr, "peer-go: read %d bytes, want %d\n", got, nbytes)
			os.Exit(1)
		}
	}
	for _, fd := range fds {
		syscall.Close(fd)
	}
	heap = nil
	var b bytes.Buffer
	for _, s := range samples {
		b.WriteString(strconv.FormatInt(s, 10))
		b.WriteByte('\n')
	}
	os.Stdout.Write(b.Bytes())
}
