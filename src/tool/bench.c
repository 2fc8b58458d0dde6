/* SPDX-License-Identifier: MIT */
/*
 * `subproc bench`: a quick look at this machine's ways of starting a
 * process, subproc's launch paths beside posix_spawn, fork+execve and
 * vfork+execve. The methods run interleaved, one spawn each per round in a
 * rotating order, so that a change in the machine's load hits them alike.
 * bench/ in the source tree holds the full benchmark against the peers.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { M_CLONE3, M_CLONE, M_FORK, M_POSIX_SPAWN, M_FORK_EXEC, M_VFORK_EXEC, M_COUNT };

static const char *const method_names[M_COUNT] = {
	"subproc clone3", "subproc clone", "subproc fork",
	"posix_spawn",    "fork+execve",   "vfork+execve",
};

struct bench {
	const char *child;
	int count;
	int threads;
	/* Per thread: samples[t][m][i] in microseconds; err[m] the first error. */
	double ***samples;
	int err[M_COUNT];
	pthread_mutex_t lock;
};

struct worker {
	struct bench *b;
	int index;
};

/* Starts the child one way and waits for it; returns 0 or -errno. */
static int spawn_once(const struct bench *b, int m)
{
	char *const argv[] = {(char *)b->child, NULL};
	subproc_attr attr = {0};
	subproc_proc *proc;
	pid_t pid;
	int r, status;

	switch (m) {
	case M_CLONE3:
	case M_CLONE:
	case M_FORK:
		attr.launch = m == M_CLONE3  ? SUBPROC_LAUNCH_CLONE3
		              : m == M_CLONE ? SUBPROC_LAUNCH_CLONE
		                             : SUBPROC_LAUNCH_FORK;
		r = subproc_start(&proc, b->child, argv, &attr, NULL);
		if (r < 0)
			return r;
		r = subproc_wait(proc, 0, -1, NULL);
		subproc_release(proc);
		return r;
	case M_POSIX_SPAWN:
		r = posix_spawn(&pid, b->child, NULL, NULL, argv, environ);
		if (r != 0)
			return -r;
		break;
	case M_FORK_EXEC:
		pid = fork();
		if (pid == 0) {
			execve(b->child, argv, environ);
			_exit(127);
		}
		break;
	default:
		/* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.vfork): measured on purpose */
		pid = vfork();
		if (pid == 0) {
			execve(b->child, argv, environ);
			_exit(127);
		}
		break;
	}
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;

	for (int round = 0; round < b->count; round++) {
		for (int k = 0; k < M_COUNT; k++) {
			int m = (round + k) % M_COUNT;
			double t0;
			int r;

			if (b->err[m] != 0) {
				b->samples[w->index][m][round] = -1;
				continue;
			}
			t0 = tool_now();
			r = spawn_once(b, m);
			b->samples[w->index][m][round] = (tool_now() - t0) * 1e6;
			if (r < 0) {
				pthread_mutex_lock(&b->lock);
				if (b->err[m] == 0)
					b->err[m] = r;
				pthread_mutex_unlock(&b->lock);
			}
		}
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char bench_usage[] =
	"Usage: subproc bench [--count N] [--rss MIB] [--threads T] [--child PATH]\n"
	"Starts PATH (default /bin/true) N times (default 300) with each method,\n"
	"interleaved, and prints spawns per second, median and p99 microseconds of\n"
	"start+wait, and each median's ratio to posix_spawn's. --rss first touches\n"
	"MIB of memory in this process (fork pays for it); --threads spawns from T\n"
	"threads at once (spawns/s is then the total of all threads).\n";

int tool_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'n'},   {"rss", required_argument, NULL, 'r'},
		{"threads", required_argument, NULL, 't'}, {"child", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct bench b = {.child = "/bin/true", .count = 300, .threads = 1};
	long rss_mib = 0;
	char *ballast = NULL, *end;
	pthread_t *tids;
	struct worker *ws;
	double medians[M_COUNT] = {0};
	int c, code = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:r:t:c:h", opts, NULL)) != -1) {
		long v = 0;

		if (c == 'h') {
			fputs(bench_usage, stdout);
			return 0;
		}
		if (c == 'c') {
			b.child = optarg;
			continue;
		}
		if (c == '?' || (errno = 0, v = strtol(optarg, &end, 10), errno != 0) ||
		    *end != '\0' || end == optarg || v < (c == 'r' ? 0 : 1) || v > 1000000) {
			tool_error("bench: bad option or value; try 'subproc bench --help'");
			return TOOL_EXIT_FAILED;
		}
		if (c == 'n')
			b.count = (int)v;
		else if (c == 'r')
			rss_mib = v;
		else
			b.threads = v > 64 ? 64 : (int)v;
	}
	if (access(b.child, X_OK) != 0) {
		tool_error("bench: %s: %s", b.child, subproc_strerror(errno));
		return TOOL_EXIT_FAILED;
	}
	if (rss_mib > 0) {
		ballast = malloc((size_t)rss_mib << 20);
		if (ballast == NULL) {
			tool_error("bench: --rss %ld: out of memory", rss_mib);
			return TOOL_EXIT_FAILED;
		}
		memset(ballast, 1, (size_t)rss_mib << 20);
	}
	pthread_mutex_init(&b.lock, NULL);
	b.samples = calloc((size_t)b.threads, sizeof *b.samples);
	tids = calloc((size_t)b.threads, sizeof *tids);
	ws = calloc((size_t)b.threads, sizeof *ws);
	for (int t = 0; b.samples && t < b.threads; t++) {
		b.samples[t] = calloc(M_COUNT, sizeof **b.samples);
		for (int m = 0; b.samples[t] && m < M_COUNT; m++)
			b.samples[t][m] = calloc((size_t)b.count, sizeof ***b.samples);
	}
	printf("subproc bench: %d spawns per method of %s, %d thread%s, %ld MiB touched\n", b.count,
	       b.child, b.threads, b.threads == 1 ? "" : "s", rss_mib);
	for (int t = 0; t < b.threads; t++) {
		ws[t] = (struct worker){&b, t};
		if (pthread_create(&tids[t], NULL, work, &ws[t]) != 0) {
			tool_error("bench: cannot create a thread");
			exit(TOOL_EXIT_FAILED); /* other threads may be running */
		}
	}
	for (int t = 0; t < b.threads; t++)
		pthread_join(tids[t], NULL);

	/* Statistics first: every ratio needs posix_spawn's median. */
	double rate[M_COUNT] = {0}, p99[M_COUNT] = {0};
	for (int m = 0; m < M_COUNT; m++) {
		size_t n = (size_t)b.count * (size_t)b.threads, k = 0;
		double *all = malloc(n * sizeof *all), sum = 0;

		if (all == NULL && b.err[m] == 0)
			b.err[m] = -ENOMEM;
		if (b.err[m] != 0) {
			free(all);
			continue;
		}
		for (int t = 0; t < b.threads; t++) {
			for (int i = 0; i < b.count; i++)
				sum += all[k++] = b.samples[t][m][i];
		}
		qsort(all, n, sizeof *all, cmp_double);
		medians[m] = all[n / 2];
		p99[m] = all[n * 99 / 100];
		rate[m] = (double)b.threads * (double)n / sum * 1e6;
		free(all);
	}
	printf("%-16s %10s %10s %10s %14s\n", "method", "spawns/s", "median us", "p99 us",
	       "vs posix_spawn");
	for (int m = 0; m < M_COUNT; m++) {
		if (b.err[m] != 0) {
			printf("%-16s unavailable: %s\n", method_names[m],
			       subproc_strerror(b.err[m]));
			continue;
		}
		printf("%-16s %10.0f %10.1f %10.1f", method_names[m], rate[m], medians[m], p99[m]);
		if (medians[M_POSIX_SPAWN] > 0)
			printf(" %13.2fx\n", medians[m] / medians[M_POSIX_SPAWN]);
		else
			printf(" %14s\n", "-");
	}
	/* A launch the system lacks (clone3 on an old kernel or under qemu-user)
	 * is shown as unavailable; the run fails only when subproc could not
	 * start the child at all, or posix_spawn, the yardstick, could not. */
	if ((b.err[M_CLONE3] != 0 && b.err[M_CLONE] != 0 && b.err[M_FORK] != 0) ||
	    b.err[M_POSIX_SPAWN] != 0)
		code = TOOL_EXIT_FAILED;
	for (int t = 0; b.samples && t < b.threads; t++) {
		for (int m = 0; b.samples[t] && m < M_COUNT; m++)
			free(b.samples[t][m]);
		free(b.samples[t]);
	}
	free(b.samples);
	free(tids);
	free(ws);
	free(ballast);
	pthread_mutex_destroy(&b.lock);
	return code;
}
