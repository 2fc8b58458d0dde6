/*
 * Close-on-exec helpers and the fork lock (the seed's ForkLock).
 *
 * On Linux every helper creates its fd close-on-exec atomically (pipe2,
 * F_DUPFD_CLOEXEC, O_CLOEXEC, SOCK_CLOEXEC, accept4), so none needs the
 * lock. The lock remains for callers that create fds in two steps: they
 * hold it for reading, and a start that inherits every fd that is not
 * close-on-exec holds it for writing, so it never sees a half-made fd.
 */
#include "subproc.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static pthread_rwlock_t forklock = PTHREAD_RWLOCK_INITIALIZER;

void subproc_forklock_rdlock(void)
{
	pthread_rwlock_rdlock(&forklock);
}

void subproc_forklock_rdunlock(void)
{
	pthread_rwlock_unlock(&forklock);
}

void sys_forklock_wrlock(void)
{
	pthread_rwlock_wrlock(&forklock);
}

void sys_forklock_wrunlock(void)
{
	pthread_rwlock_unlock(&forklock);
}

static int fd_or_errno(int fd)
{
	return fd < 0 ? -errno : fd;
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

int subproc_dup(int fd)
{
	return fd_or_errno(fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

int subproc_open(const char *path, int flags, mode_t mode)
{
	if (path == NULL)
		return -EINVAL;
	return fd_or_errno(open(path, flags | O_CLOEXEC, mode));
}

int subproc_socket(int domain, int type, int protocol)
{
	return fd_or_errno(socket(domain, type | SOCK_CLOEXEC, protocol));
}

int subproc_accept(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	int r;

	if (flags & ~SOCK_NONBLOCK)
		return -EINVAL;
	do
		r = accept4(fd, addr, addrlen, flags | SOCK_CLOEXEC);
	while (r < 0 && errno == EINTR);
	return fd_or_errno(r);
}
