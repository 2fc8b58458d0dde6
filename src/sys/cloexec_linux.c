/* SPDX-License-Identifier: MIT */
/*
 * The pipe and socket helpers on Linux: pipe2, SOCK_CLOEXEC and accept4 make
 * the fd close-on-exec as they make it, so no start can catch one without
 * the flag and nothing needs the fork lock.
 */
#include "subproc.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

bool sys_cloexec_atomic(void)
{
	return true;
}

int sys_pipe_cloexec(int fds[2])
{
	return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
}

int subproc_pipe(int fds[2], int flags)
{
	int p[2];

	if (flags & ~O_NONBLOCK)
		return -EINVAL;
	if (pipe2(p, O_CLOEXEC | flags) < 0)
		return -errno;
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}

int subproc_socket(int domain, int type, int protocol)
{
	return sys_fd_or_errno(socket(domain, type | SOCK_CLOEXEC, protocol));
}

int subproc_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	int r;

	if (flags & ~SOCK_NONBLOCK)
		return -EINVAL;
	do
		r = accept4(fd, addr, addrlen, flags | SOCK_CLOEXEC);
	while (r < 0 && errno == EINTR);
	return sys_fd_or_errno(r);
}
