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
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* Whole pages only: the first page boundary at or after addr. */
	size_t head = (page - (size_t)((uintptr_t)addr % page)) % page;
	size_t whole = len > head ? (len - head) / page * page : 0;

	if (whole == 0)
		return 0;
	return madvise((char *)addr + head, whole, MADV_POPULATE_WRITE) < 0 ? -errno : 0;
}
