/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets: reading choices out of the fuzzer's bytes,
 * and the invariants every input must keep: the fds the process had, and
 * no child left behind. A broken invariant aborts, which libFuzzer records
 * as a crash with the input that caused it.
 */
#ifndef SUBPROC_FUZZ_H
#define SUBPROC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct bytes {
	const uint8_t *p;
	size_t n;
};

/* The next byte, 0 once the input is used up. */
uint8_t take(struct bytes *b);
/* The next byte modulo n. */
unsigned pick(struct bytes *b, unsigned n);
/* The next two bytes as a number. */
unsigned take16(struct bytes *b);

/* fds: a pool the targets hand to the library, opened once. */
enum { POOL_SIZE = 9 };
/* Returns an fd of the pool: -1, 0, 1, 2, a pipe's ends, /dev/null, a
 * directory, or numbers that are not open. */
int pool_fd(struct bytes *b);
void pool_init(void);

/* Records the fds and children of the process before an input... */
void invariants_before(void);
/* ...and aborts if they changed after it. */
void invariants_after(const char *target);

#endif
