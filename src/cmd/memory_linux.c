/* SPDX-License-Identifier: MIT */
/*
 * Capture buffers on Linux: their pages faulted in ahead of a read, in
 * one call.
 */
#include "cmd.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux 5.14; the libc headers of the day may lack it (musl does). */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int cmd_prefault(void *addr, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)addr + page - 1) & ~(page - 1);
	uintptr_t e = ((uintptr_t)addr + len) & ~(page - 1);

	if (e <= a)
		return 0;
	return madvise((void *)a, e - a, MADV_POPULATE_WRITE) < 0 ? -errno : 0;
}
