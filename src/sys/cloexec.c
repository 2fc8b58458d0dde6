/* SPDX-License-Identifier: MIT */
/*
 * The fork lock (Go's syscall.ForkLock), and the close-on-exec helpers that
 * POSIX.1-2008 makes atomic everywhere (F_DUPFD_CLOEXEC, O_CLOEXEC); the
 * pipe and socket ones are cloexec_linux.c's and cloexec_posix.c's.
 *
 * On Linux every helper creates its fd close-on-exec atomically, so none
 * needs the lock. The lock remains for callers that create fds in two
 * steps: they hold it for reading, and a start that inherits every fd that
 * is not close-on-exec holds it for writing, so it never sees a half-made
 * fd. In the portable build the pipe and socket helpers are such callers,
 * and every start holds it for writing.
 */
#include "subproc.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

/*
 * The lock prefers writers, as Go's ForkLock (a sync.RWMutex) does: once a
 * start waits for it, new readers wait behind that start. glibc's default
 * rwlock prefers readers, so a steady stream of overlapping readers (each
 * holding it for a moment only) kept a start waiting for as long as the
 * stream went on. A mutex and two condition variables, so that the rule is
 * the same on every libc. Not recursive: a thread that holds a read lock
 * and takes it again while a start waits deadlocks, as with Go's.
 */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t readers_cv; /* readers wait here for the writers to go */
	pthread_cond_t writer_cv;  /* a writer waits here for the readers to go */
	unsigned readers;          /* holding it for reading */
	unsigned writers_waiting;
	bool writer; /* holding it for writing */
} forklock = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.readers_cv = PTHREAD_COND_INITIALIZER,
	.writer_cv = PTHREAD_COND_INITIALIZER,
};

void subproc_forklock_rdlock(void)
{
	pthread_mutex_lock(&forklock.mu);
	while (forklock.writer || forklock.writers_waiting > 0)
		pthread_cond_wait(&forklock.readers_cv, &forklock.mu);
	forklock.readers++;
	pthread_mutex_unlock(&forklock.mu);
}

void subproc_forklock_rdunlock(void)
{
	pthread_mutex_lock(&forklock.mu);
	if (forklock.readers > 0 && --forklock.readers == 0 && forklock.writers_waiting > 0)
		pthread_cond_signal(&forklock.writer_cv);
	pthread_mutex_unlock(&forklock.mu);
}

void sys_forklock_wrlock(void)
{
	pthread_mutex_lock(&forklock.mu);
	forklock.writers_waiting++;
	while (forklock.writer || forklock.readers > 0)
		pthread_cond_wait(&forklock.writer_cv, &forklock.mu);
	forklock.writers_waiting--;
	forklock.writer = true;
	pthread_mutex_unlock(&forklock.mu);
}

void sys_forklock_wrunlock(void)
{
	pthread_mutex_lock(&forklock.mu);
	forklock.writer = false;
	/* Writers first; the readers go when none is left waiting. */
	if (forklock.writers_waiting > 0)
		pthread_cond_signal(&forklock.writer_cv);
	else
		pthread_cond_broadcast(&forklock.readers_cv);
	pthread_mutex_unlock(&forklock.mu);
}

int sys_fd_or_errno(int fd)
{
	return fd < 0 ? -errno : fd;
}

int subproc_dup(int fd)
{
	return sys_fd_or_errno(fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

int subproc_open(const char *path, int flags, mode_t mode)
{
	if (path == NULL)
		return -EINVAL;
	return sys_fd_or_errno(open(path, flags | O_CLOEXEC, mode));
}
