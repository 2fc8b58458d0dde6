/* SPDX-License-Identifier: MIT */
/*
 * Capture buffers in the portable build: POSIX has no call that faults pages in
 * writable (posix_madvise's advice only hints at reads), so pages fault in
 * where they are first written.
 */
#include "cmd.h"

#include <errno.h>

int cmd_prefault(void *addr, size_t len)
{
	(void)addr;
	(void)len;
	return -ENOSYS;
}
