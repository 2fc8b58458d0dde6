/* SPDX-License-Identifier: MIT */
/*
 * The pipe and socket helpers in the portable build. POSIX.1-2008 has no
 * pipe2, SOCK_CLOEXEC or accept4, so the fd is made and then marked
 * close-on-exec, under the fork lock for reading: every start holds it for
 * writing there (launch.c), so none catches an fd between the two steps.
 * A fork elsewhere in the program (system(3), a library that forks itself)
 * still can; no portable interface closes that gap.
 */
#include "subproc.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

/* A system without the flag has no way to ask for it; none is taken. */
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK 0
#endif

bool sys_cloexec_atomic(void)
{
	return false;
}

/* Marks a new fd close-on-exec (and non-blocking); closes it on failure. */
static int fd_setup(int fd, bool nonblock)
{
	int fl;

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	if (nonblock && ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		goto fail;
	return fd;
fail:
	fl = -errno;
	close(fd);
	return fl;
}

static int pipe_setup(int fds[2], bool nonblock)
{
	int p[2], r;

	if (pipe(p) < 0)
		return -errno;
	r = fd_setup(p[0], nonblock);
	if (r < 0) {
		close(p[1]);
		return r;
	}
	r = fd_setup(p[1], nonblock);
	if (r < 0) {
		close(p[0]);
		return r;
	}
	fds[0] = p[0];
	fds[1] = p[1];
	return 0;
}

int sys_pipe_cloexec(int fds[2])
{
	return pipe_setup(fds, false);
}

int subproc_pipe(int fds[2], int flags)
{
	int r;

	if (flags & ~O_NONBLOCK)
		return -EINVAL;
	subproc_forklock_rdlock();
	r = pipe_setup(fds, (flags & O_NONBLOCK) != 0);
	subproc_forklock_rdunlock();
	return r;
}

int subproc_socket(int domain, int type, int protocol)
{
	int r;

	subproc_forklock_rdlock();
	r = fd_setup(socket(domain, type & ~SOCK_NONBLOCK, protocol),
	             SOCK_NONBLOCK != 0 && (type & SOCK_NONBLOCK) != 0);
	subproc_forklock_rdunlock();
	return r;
}

int subproc_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	int r;

	if (flags & ~SOCK_NONBLOCK)
		return -EINVAL;
	subproc_forklock_rdlock();
	do
		r = accept(fd, addr, addrlen);
	while (r < 0 && errno == EINTR);
	r = fd_setup(r, flags != 0);
	subproc_forklock_rdunlock();
	return r;
}
