/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

uint8_t take(struct bytes *b)
{
	if (b->n == 0)
		return 0;
	b->n--;
	return *b->p++;
}

unsigned pick(struct bytes *b, unsigned n)
{
	return n ? take(b) % n : 0;
}

unsigned take16(struct bytes *b)
{
	unsigned hi = take(b);

	return hi << 8 | take(b);
}

static int pool[POOL_SIZE];

void pool_init(void)
{
	int p[2];

	if (pool[0] != 0)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pool[0] = -1;
	pool[1] = 0;
	pool[2] = 1;
	pool[3] = 2;
	pool[4] = p[0];
	pool[5] = p[1];
	pool[6] = open("/dev/null", O_RDWR | O_CLOEXEC);
	pool[7] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pool[8] = 977; /* not open */
}

int pool_fd(struct bytes *b)
{
	unsigned i = pick(b, POOL_SIZE + 1);

	return i < POOL_SIZE ? pool[i] : 100000; /* beyond any limit */
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static int fds_before;

void invariants_before(void)
{
	fds_before = count_fds();
}

void invariants_after(const char *target)
{
	siginfo_t si = {0};
	int fds = count_fds();

	if (fds != fds_before) {
		fprintf(stderr, "%s: the input changed the fd count from %d to %d\n", target,
		        fds_before, fds);
		abort();
	}
	/* ECHILD means no child at all, running or zombie. */
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD) {
		char path[64], line[256] = "";
		FILE *f;

		snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
		f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(line, sizeof line, f) == NULL)
				line[0] = '\0';
			fclose(f);
		}
		fprintf(stderr, "%s: the input left a child behind: %s\n", target, line);
		snprintf(path, sizeof path, "/proc/%d/stat", atoi(line));
		f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(line, sizeof line, f) != NULL)
				fprintf(stderr, "  its stat: %s\n", line);
			fclose(f);
		}
		abort();
	}
}
