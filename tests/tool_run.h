/* SPDX-License-Identifier: MIT */
/*
 * Running the subproc tool from a test (the tool tests share it): its exit
 * code or death by signal, and what it wrote.
 */
#ifndef SUBPROC_TEST_TOOL_RUN_H
#define SUBPROC_TEST_TOOL_RUN_H

#include "support.h"

struct result {
	int code; /* exit code, or 1000 + signal */
	subproc_output out, err;
};

/* Runs the tool (SUBPROC_TEST_TOOL) with `args`, feeding `in`; extra fds as
 * in subproc_cmd_extra_fd (n of them). A run over a minute is killed. */
void tool_with(struct result *r, const char *const *args, const char *in, const int *extra,
               size_t nextra);
void tool(struct result *r, const char *const *args);
void result_free(struct result *r);

#endif
