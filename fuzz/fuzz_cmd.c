/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the cmd layer: random sequences of command calls (environment,
 * directory, streams, extra fds, caps, timeouts), then run, output,
 * communicate with the rest of the input, or start and free. Whatever the
 * sequence: no crash, no sanitizer report, and after subproc_cmd_free no fd
 * and no child left behind.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const programs[][4] = {
	{"cat", NULL},
	{"true", NULL},
	{"sh", "-c", "exit 3", NULL},
	{"sh", "-c", "cat >&2; echo done", NULL},
	{"sh", "-c", "head -c 100000 /dev/zero", NULL},
	{"subproc-missing", NULL},
	{"/bin/sh", "-c", "kill -TERM $$", NULL},
};
static const char *const names[] = {"A", "PATH", "", "B=C", "HOME", "LONG_NAME_X"};
static const char *const values[] = {"1", "", "/usr/bin:/bin", "x=y"};
static const char *const files[] = {"/dev/null", "/subproc-missing/x", "/tmp/subproc-fuzz-out"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = {data, size};
	subproc_cmd *cmd = NULL;
	subproc_output out = {0}, errout = {0};
	unsigned ops;

	pool_init();
	invariants_before();
	if (subproc_cmd_new(&cmd, programs[pick(&b, 7)]) != 0)
		abort();
	/* Inherited stdin would read the fuzzer's; a timeout ends any wait
	 * that a child blocked on a pipe the parent holds would make long. */
	subproc_cmd_stdio(cmd, 0, SUBPROC_STDIO_NULL);
	subproc_cmd_timeout(cmd, 3000, SIGKILL, 0);
	ops = pick(&b, 12);
	for (unsigned i = 0; i < ops && b.n > 0; i++) {
		int stream = (int)pick(&b, 4) - (b.n % 7 == 0); /* now and then -1 */

		switch (pick(&b, 12)) {
		case 0:
			subproc_cmd_setenv(cmd, names[pick(&b, 6)], values[pick(&b, 4)]);
			break;
		case 1:
			subproc_cmd_unsetenv(cmd, names[pick(&b, 6)]);
			break;
		case 2:
			subproc_cmd_clearenv(cmd);
			break;
		case 3:
			subproc_cmd_dir(cmd, pick(&b, 2) ? "/" : "/subproc-missing");
			break;
		case 4: {
			int mode = (int)pick(&b, 6);
			/* Inherit only for the outputs, see above. */
			if (stream != 0 || mode != SUBPROC_STDIO_INHERIT)
				subproc_cmd_stdio(
					cmd, stream,
					mode | (pick(&b, 2) ? SUBPROC_STDIO_NONBLOCK : 0));
			break;
		}
		case 5:
			subproc_cmd_stdio_file(cmd, stream, files[pick(&b, 3)], pick(&b, 2));
			break;
		case 6: {
			int fd = pool_fd(&b);
			if (stream != 0 || (fd != 0 && fd >= 0))
				subproc_cmd_stdio_fd(cmd, stream, fd);
			break;
		}
		case 7:
			subproc_cmd_extra_fd(cmd, pool_fd(&b));
			break;
		case 8:
			subproc_cmd_limit(cmd, take16(&b), (int)pick(&b, 3));
			break;
		case 9:
			subproc_cmd_timeout(cmd, 1 + (int)pick(&b, 200), (int)pick(&b, 70) - 1,
			                    (int)pick(&b, 100));
			break;
		case 10:
			subproc_cmd_waitdelay(cmd, (int)pick(&b, 100) - 1);
			break;
		default:
			subproc_cmd_kill_on_free(cmd, pick(&b, 2));
			break;
		}
	}
	switch (pick(&b, 4)) {
	case 0:
		subproc_cmd_run(cmd, NULL, NULL);
		break;
	case 1:
		subproc_cmd_output(cmd, &out, pick(&b, 2) ? &errout : NULL, NULL, NULL);
		break;
	case 2:
		subproc_cmd_communicate(cmd, b.p, b.n, &out, &errout, NULL, NULL);
		break;
	default:
		/* Started and dropped: free must stop or wait for it. */
		subproc_cmd_kill_on_free(cmd, true);
		subproc_cmd_start(cmd, NULL);
		break;
	}
	if (out.data != NULL && out.data[out.len] != '\0')
		abort(); /* captured output is NUL-terminated */
	subproc_output_free(&out);
	subproc_output_free(&errout);
	subproc_cmd_free(cmd);
	invariants_after("fuzz_cmd");
	return 0;
}
