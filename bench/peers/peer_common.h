/* SPDX-License-Identifier: MIT */
/*
 * What the C peers share: the command line every peer takes, the parent's
 * ballast (touched heap, open fds), and the sample output.
 *
 * Usage: PEER MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]
 * Prints one line per sample: the nanoseconds one spawn (with its wait,
 * capture or communicate) took.
 */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

/* Strict C17 hides POSIX; the peers include this header first. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct peer_args {
	const char *mode;
	int count;
	size_t heap_mib;
	int nfds;
	size_t nbytes;
	char **argv;
	long long *samples;
};

static inline long long peer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void peer_setup(struct peer_args *a, int argc, char **argv)
{
	char *heap;

	if (argc < 7) {
		fprintf(stderr, "usage: %s MODE COUNT HEAP_MIB NFDS BYTES CHILD [ARGS...]\n",
		        argv[0]);
		exit(2);
	}
	a->mode = argv[1];
	a->count = atoi(argv[2]);
	a->heap_mib = strtoull(argv[3], NULL, 10);
	a->nfds = atoi(argv[4]);
	a->nbytes = strtoull(argv[5], NULL, 10);
	a->argv = argv + 6;
	a->samples = calloc((size_t)a->count + 1, sizeof *a->samples);
	/* Leaked on purpose: the ballast lives as long as the peer. */
	heap = a->heap_mib ? malloc(a->heap_mib << 20) : NULL;
	for (size_t i = 0; heap != NULL && i < a->heap_mib << 20; i += 4096)
		heap[i] = 1;
	for (int i = 0; i < a->nfds; i++) {
		if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
			perror("open");
			exit(1);
		}
	}
	if (a->samples == NULL || (a->heap_mib && heap == NULL)) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		exit(1);
	}
}

static inline void peer_print(const struct peer_args *a)
{
	for (int i = 0; i < a->count; i++)
		printf("%lld\n", a->samples[i]);
	fflush(stdout);
}

#endif
