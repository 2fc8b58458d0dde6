/* SPDX-License-Identifier: MIT */
/*
 * Running the subproc tool from a test: see tool_run.h.
 */
#include "tool_run.h"

#include <signal.h>
#include <string.h>

#ifndef SUBPROC_TEST_TOOL
#error "SUBPROC_TEST_TOOL must name the subproc tool"
#endif

void tool_with(struct result *r, const char *const *args, const char *in, const int *extra,
               size_t nextra)
{
	const char *argv[64] = {SUBPROC_TEST_TOOL};
	subproc_cmd *cmd = NULL;
	subproc_status st;
	size_t n = 1;

	for (; args[n - 1] != NULL; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	memset(r, 0, sizeof *r);
	assert_int_equal(subproc_cmd_new(&cmd, argv), 0);
	for (size_t i = 0; i < nextra; i++)
		assert_int_equal(subproc_cmd_extra_fd(cmd, extra[i]), 0);
	assert_int_equal(subproc_cmd_timeout(cmd, 60000, SIGKILL, 0), 0);
	assert_int_equal(
		subproc_cmd_communicate(cmd, in, in ? strlen(in) : 0, &r->out, &r->err, &st, NULL),
		0);
	r->code = subproc_status_exited(st.status) ? subproc_status_exit_code(st.status)
	                                           : 1000 + subproc_status_signal(st.status);
	subproc_cmd_free(cmd);
}

void tool(struct result *r, const char *const *args)
{
	tool_with(r, args, NULL, NULL, 0);
}

void result_free(struct result *r)
{
	subproc_output_free(&r->out);
	subproc_output_free(&r->err);
}
