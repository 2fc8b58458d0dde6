/* SPDX-License-Identifier: MIT */
/*
 * subproc-demo: start a shell, wait for it, and show what a failed start
 * reports. Exits 0 when everything behaved as expected.
 */
#define _POSIX_C_SOURCE 200809L /* subproc.h needs POSIX types such as sigset_t */

#include <errno.h>
#include <stdio.h>

#include "subproc.h"

int main(void)
{
	char *const argv[] = {"sh", "-c", "echo hello from the child; exit 3", NULL};
	char *const missing_argv[] = {"subproc-no-such-program", NULL};
	subproc_attr attr = {0};
	subproc_error err = {0};
	subproc_status st = {0};
	subproc_proc *proc = NULL;
	char text[256];
	int rc;

	printf("subproc %s\n", subproc_version());
	fflush(stdout); /* the child writes to the same stdout */

	attr.flags = SUBPROC_PATH_SEARCH;
	rc = subproc_start(&proc, "sh", argv, &attr, &err);
	if (rc < 0) {
		subproc_error_format(&err, text, sizeof text);
		fprintf(stderr, "subproc-demo: start failed: %s\n", text);
		return 1;
	}
	rc = subproc_wait(proc, 0, -1, &st);
	proc = subproc_release(proc);
	if (rc < 0) {
		fprintf(stderr, "subproc-demo: wait failed: %s\n", subproc_strerror(rc));
		return 1;
	}
	subproc_status_format(st.status, text, sizeof text);
	printf("child %ld %s; max RSS %ld KiB\n", (long)st.pid, text, st.rusage.ru_maxrss);

	/* A program that does not exist: the start fails and names the step. */
	rc = subproc_start(&proc, missing_argv[0], missing_argv, &attr, &err);
	subproc_error_format(&err, text, sizeof text);
	printf("starting %s failed as expected: %s\n", missing_argv[0], text);

	return subproc_status_exit_code(st.status) == 3 && rc == -ENOENT && proc == NULL ? 0 : 1;
}
