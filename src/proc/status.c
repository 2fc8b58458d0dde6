/* SPDX-License-Identifier: MIT */
/*
 * Wait-status decoding, as Go's syscall.WaitStatus methods.
 */
#include "proc.h"

#include <stdio.h>
#include <sys/wait.h>

/* WCOREDUMP is not POSIX's; Linux, the BSDs and macOS all keep the core
 * flag in bit 7 of a status that WIFSIGNALED accepts. */
static bool status_core(int status)
{
	return (status & 0x80) != 0;
}

bool subproc_status_exited(int status)
{
	return WIFEXITED(status);
}

int subproc_status_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool subproc_status_signaled(int status)
{
	return WIFSIGNALED(status);
}

int subproc_status_signal(int status)
{
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

bool subproc_status_core_dumped(int status)
{
	return WIFSIGNALED(status) && status_core(status);
}

bool subproc_status_stopped(int status)
{
	return WIFSTOPPED(status);
}

int subproc_status_stop_signal(int status)
{
	return WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
}

bool subproc_status_continued(int status)
{
	return WIFCONTINUED(status);
}

static const char *signame(int sig, char *buf, size_t size)
{
	const char *name = subproc_signal_name(sig);

	if (name != NULL)
		return name;
	snprintf(buf, size, "signal %d", sig);
	return buf;
}

int subproc_status_format(int status, char *buf, size_t size)
{
	char num[32];

	if (WIFEXITED(status))
		return snprintf(buf, size, "exited with code %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return snprintf(buf, size, "killed by %s%s",
		                signame(WTERMSIG(status), num, sizeof num),
		                status_core(status) ? " (core dumped)" : "");
	if (WIFSTOPPED(status))
		return snprintf(buf, size, "stopped by %s",
		                signame(WSTOPSIG(status), num, sizeof num));
	if (WIFCONTINUED(status))
		return snprintf(buf, size, "continued");
	return snprintf(buf, size, "unknown status 0x%x", (unsigned)status);
}
