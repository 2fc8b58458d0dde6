/* SPDX-License-Identifier: MIT */
/*
 * The child of the capture and communicate scenarios.
 *
 *   child_io write BYTES   writes BYTES bytes to stdout
 *   child_io copy          copies stdin to stdout until EOF
 *
 * Static, so that start-up stays out of the way; the buffers are the size
 * of a default pipe, so every write fills the pipe in one call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

static int write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0) {
		unsigned long long left = strtoull(argv[2], NULL, 10);

		memset(buf, 'x', sizeof buf);
		while (left > 0) {
			size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
			if (write_all(buf, n) < 0)
				return 1;
			left -= n;
		}
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "copy") == 0) {
		for (;;) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return 1;
			if (n == 0)
				return 0;
			if (write_all(buf, (size_t)n) < 0)
				return 1;
		}
	}
	return 2;
}
