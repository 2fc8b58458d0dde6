/* SPDX-License-Identifier: MIT */
/*
 * --seccomp-deny in the portable build: seccomp is Linux's, and this build
 * stands in for systems without it, so the option is refused when it is
 * read, before anything starts, rather than left to fail at the start.
 */
#include "tool.h"

int tool_seccomp_deny(struct tool_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	tool_error("--seccomp-deny: seccomp filters are Linux's, and this subproc is the portable "
	           "build");
	return -1;
}

int tool_seccomp_build(struct tool_opts *o)
{
	return o->ndeny == 0 ? 0 : -1;
}

void tool_seccomp_free(struct tool_opts *o)
{
	(void)o;
}

int tool_list_syscalls(void)
{
	tool_error("--list syscalls: seccomp filters are Linux's, and this subproc is the "
	           "portable build");
	return TOOL_EXIT_FAILED;
}
