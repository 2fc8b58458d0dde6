/* SPDX-License-Identifier: MIT */
/*
 * One wait in the portable build: waitpid, which POSIX has for every child
 * (waitid's rusage argument and P_PIDFD are Linux's). No rusage: POSIX has
 * only RUSAGE_CHILDREN, the sum over every child reaped, so *ru is zero.
 */
#include "sys.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

int sys_wait_once(pid_t pid, int pidfd, int options, int *status, struct rusage *ru, bool *ended)
{
	int wopts = 0, st = 0;
	pid_t r;

	(void)pidfd;
	if (options & WNOHANG)
		wopts |= WNOHANG;
	if (options & WSTOPPED)
		wopts |= WUNTRACED;
	if (options & WCONTINUED)
		wopts |= WCONTINUED;
	do
		r = waitpid(pid, &st, wopts);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	*status = st;
	*ended = WIFEXITED(st) || WIFSIGNALED(st);
	if (ru != NULL)
		memset(ru, 0, sizeof *ru);
	return 1;
}
