/* SPDX-License-Identifier: MIT */
/*
 * Running the peers. Each peer is a program that times its own spawns, so
 * its interpreter or runtime start-up stays out of the samples; the driver
 * only collects what it prints. A peer that was not built carries the
 * reason its build left behind, so the table can say why it is missing.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define KINDS_ALL ((1u << KIND_SPAWN) | (1u << KIND_CAPTURE) | (1u << KIND_COMMUNICATE))
#define KINDS_NO_COMM ((1u << KIND_SPAWN) | (1u << KIND_CAPTURE))

static struct peer peers[] = {
	{.name = "python-subprocess", .modes = KINDS_ALL},
	{.name = "go-os/exec", .modes = KINDS_ALL},
	{.name = "rust-std::process", .modes = KINDS_ALL},
	{.name = "libuv-uv_spawn", .modes = KINDS_NO_COMM},
	{.name = "glib-g_spawn_sync", .modes = KINDS_NO_COMM},
};

static const char *const peer_files[] = {"peer.py", "peer-go", "peer-rust", "peer-libuv",
                                         "peer-glib"};

/* The first line of BENCH_PEER_DIR/NAME.missing, written by the build when
 * a peer could not be built. */
static void read_missing(const char *file, char *out, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.missing", BENCH_PEER_DIR, file);
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(out, size, "not built");
		return;
	}
	if (fgets(out, (int)size, f) == NULL)
		snprintf(out, size, "not built");
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

size_t peers_init(struct peer **out)
{
	static char paths[5][4096];
	size_t n = sizeof peers / sizeof peers[0];

	for (size_t i = 0; i < n; i++) {
		struct peer *p = &peers[i];

		if (i == 0) {
			/* The script is run from the source tree by the
			 * interpreter the build found. */
			snprintf(paths[i], sizeof paths[i], "%s/peers/peer.py", BENCH_SOURCE_DIR);
			p->argv[0] = BENCH_PYTHON;
			p->argv[1] = paths[i];
			if (BENCH_PYTHON[0] == '\0' || access(BENCH_PYTHON, X_OK) != 0)
				snprintf(p->missing, sizeof p->missing, "python3 not found");
			continue;
		}
		snprintf(paths[i], sizeof paths[i], "%s/%s", BENCH_PEER_DIR, peer_files[i]);
		p->argv[0] = paths[i];
		if (access(paths[i], X_OK) != 0)
			read_missing(peer_files[i], p->missing, sizeof p->missing);
	}
	*out = peers;
	return n;
}

static const char *const kind_names[] = {"spawn", "capture", "communicate"};

int peer_run(struct peer *p, enum kind kind, int count, int heap_mib, int nfds, size_t nbytes,
             char *const child_argv[], struct samples *s)
{
	char num[4][32], *argv[32];
	posix_spawn_file_actions_t fa;
	size_t argc = 0, len = 0, cap = 1 << 16, got = 0;
	char *text = malloc(cap), *line, *save = NULL;
	int fds[2], e, st = 0;
	pid_t pid;

	for (int i = 0; p->argv[i] != NULL; i++)
		argv[argc++] = p->argv[i];
	argv[argc++] = (char *)kind_names[kind];
	snprintf(num[0], sizeof num[0], "%d", count);
	snprintf(num[1], sizeof num[1], "%d", heap_mib);
	snprintf(num[2], sizeof num[2], "%d", nfds);
	snprintf(num[3], sizeof num[3], "%zu", nbytes);
	for (int i = 0; i < 4; i++)
		argv[argc++] = num[i];
	for (int i = 0; child_argv[i] != NULL && argc < 31; i++)
		argv[argc++] = child_argv[i];
	argv[argc] = NULL;

	if (text == NULL || pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(p->error, sizeof p->error, "pipe: %s", strerror(errno));
		free(text);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (e != 0) {
		snprintf(p->error, sizeof p->error, "cannot run %s: %s", argv[0], strerror(e));
		close(fds[0]);
		free(text);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap * 2);
			if (t == NULL)
				break;
			text = t;
			cap *= 2;
		}
		n = read(fds[0], text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	text[len] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		long long v = strtoll(line, &end, 10);

		if (end != line && *end == '\0' && v > 0) {
			samples_add(s, v);
			got++;
		}
	}
	free(text);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || got != (size_t)count) {
		snprintf(p->error, sizeof p->error, "exit status 0x%x, %zu of %d samples", st, got,
		         count);
		return -1;
	}
	return 0;
}
