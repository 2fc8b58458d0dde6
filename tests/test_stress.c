/* SPDX-License-Identifier: MIT */
/*
 * Stress: 4 threads each run 2,000 commands through communicate while 2
 * other threads keep creating and closing pipes, sockets and files, with
 * and without close-on-exec. Every child must see exactly fds 0, 1 and 2,
 * every status and byte must be right, and afterwards the parent must have
 * the fds and heap it had before, and no child.
 *
 * The count is fixed, never the time, so a slow machine only takes longer.
 * Under a user-mode emulator, where every child is a qemu starting up, it
 * is a tenth: the same races, in the time the test is given.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORKERS 4
#define NOISERS 2
#define PER_WORKER (SUBPROC_TEST_EMULATED ? 200 : 2000)

static atomic_bool stop_noise;

struct worker {
	int index;
	int failures; /* commands that went wrong */
	char first_failure[256];
};

static void note_failure(struct worker *w, const char *what, int i)
{
	if (w->failures++ == 0)
		snprintf(w->first_failure, sizeof w->first_failure, "worker %d, command %d: %s",
		         w->index, i, what);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char input[1500];

	memset(input, 'x', sizeof input);
	for (int i = 0; i < PER_WORKER; i++) {
		char token[32], code[4];
		subproc_cmd *cmd = NULL;
		subproc_output out = {0};
		subproc_status st;
		struct report rep;

		snprintf(token, sizeof token, "w%d-%d", w->index, i);
		snprintf(code, sizeof code, "%d", i % 7);
		/* The token travels as the value of --stat, so argv.2 must
		 * come back as sent; the child reads all of stdin too. */
		if (subproc_cmd_new(&cmd, ARGS(PROBE, "--stat", token, "--exit", code,
		                               "--wait-stdin")) < 0) {
			note_failure(w, "subproc_cmd_new", i);
			continue;
		}
		subproc_cmd_stdio(cmd, 2, SUBPROC_STDIO_NULL);
		if (subproc_cmd_communicate(cmd, input, sizeof input, &out, NULL, &st, NULL) != 0)
			note_failure(w, "communicate failed", i);
		else if (!subproc_status_exited(st.status) ||
		         subproc_status_exit_code(st.status) != i % 7)
			note_failure(w, "wrong status", i);
		else if (report_parse_text(out.data, out.len, &rep) != 0)
			note_failure(w, "unreadable report", i);
		else {
			const char *got = report_get(&rep, "argv.2");
			const char *fds = report_get(&rep, "fds");
			if (got == NULL || strcmp(got, token) != 0)
				note_failure(w, "wrong argv in the child", i);
			if (fds == NULL || strcmp(fds, "0,1,2") != 0)
				note_failure(w, fds ? fds : "no fd list", i);
			report_free(&rep);
		}
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
	}
	return NULL;
}

/* Creates fds the children must never see, as a careless library would. */
static void *noise(void *arg)
{
	int n = 0;

	(void)arg;
	while (!atomic_load(&stop_noise)) {
		int p[2], s, f;
		bool cloexec = n++ % 2 == 0;

		if (pipe2(p, cloexec ? O_CLOEXEC : 0) == 0) {
			close(p[0]);
			close(p[1]);
		}
		s = socket(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
		if (s >= 0)
			close(s);
		f = open("/dev/null", O_RDONLY | (cloexec ? O_CLOEXEC : 0));
		if (f >= 0)
			close(f);
	}
	return NULL;
}

/* The heap in use, 0 where the libc cannot say (musl has no mallinfo; the
 * sanitizer and valgrind stages check for leaks there too). */
static size_t heap_in_use(void)
{
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

static void test_stress_threads_and_fd_noise(void **state)
{
	pthread_t workers[WORKERS], noisers[NOISERS];
	struct worker w[WORKERS];
	int fds_before;
	size_t heap_before, heap_after;

	(void)state;
	std_fds_ensure();
	/* One warm-up command, so that one-time allocations (stdio buffers,
	 * the library's launch-path choice) are not counted as growth. */
	{
		subproc_cmd *cmd = NULL;
		subproc_output out = {0};
		assert_int_equal(subproc_cmd_new(&cmd, ARGS(PROBE)), 0);
		assert_int_equal(subproc_cmd_output(cmd, &out, NULL, NULL, NULL), 0);
		subproc_output_free(&out);
		subproc_cmd_free(cmd);
	}
	fds_before = fd_count();
	heap_before = heap_in_use();

	atomic_store(&stop_noise, false);
	for (int i = 0; i < NOISERS; i++)
		assert_int_equal(pthread_create(&noisers[i], NULL, noise, NULL), 0);
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){.index = i};
		assert_int_equal(pthread_create(&workers[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	atomic_store(&stop_noise, true);
	for (int i = 0; i < NOISERS; i++)
		pthread_join(noisers[i], NULL);

	for (int i = 0; i < WORKERS; i++) {
		if (w[i].failures > 0)
			fprintf(stderr, "%d failures; first: %s\n", w[i].failures,
			        w[i].first_failure);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(fd_count(), fds_before);
	assert_true(no_children());
	/* Threads leave their malloc arenas behind, but what is in use must
	 * come back to where it was: 8,000 commands leaking even 16 bytes
	 * each would exceed this slack. */
	heap_after = heap_in_use();
	if (heap_after > heap_before + 64 * 1024)
		fprintf(stderr, "heap in use grew from %zu to %zu bytes\n", heap_before,
		        heap_after);
	assert_true(heap_after <= heap_before + 64 * 1024);
}

TEST_MAIN(cmocka_unit_test(test_stress_threads_and_fd_noise))
