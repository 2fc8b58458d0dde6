/* SPDX-License-Identifier: MIT */
/*
 * Close-on-exec helpers: every fd they create is close-on-exec from birth,
 * and errors come back as -errno with nothing created.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static bool is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

static bool is_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && (flags & O_NONBLOCK);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static void test_pipe_cloexec(void **state)
{
	int fds[2] = {-1, -1};
	char c = 0;

	(void)state;
	assert_int_equal(subproc_pipe(fds, 0), 0);
	assert_true(is_cloexec(fds[0]) && is_cloexec(fds[1]));
	assert_false(is_nonblock(fds[0]) || is_nonblock(fds[1]));
	/* fds[1] is the write end. */
	assert_int_equal(write(fds[1], "z", 1), 1);
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	close(fds[0]);
	close(fds[1]);
}

static void test_pipe_nonblock(void **state)
{
	int fds[2] = {-1, -1};
	char c;

	(void)state;
	assert_int_equal(subproc_pipe(fds, O_NONBLOCK), 0);
	assert_true(is_cloexec(fds[0]) && is_cloexec(fds[1]));
	assert_true(is_nonblock(fds[0]) && is_nonblock(fds[1]));
	assert_int_equal(read(fds[0], &c, 1), -1);
	assert_int_equal(errno, EAGAIN);
	close(fds[0]);
	close(fds[1]);
}

static void test_pipe_bad_flags_untouched(void **state)
{
	int fds[2] = {-7, -7};
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_pipe(fds, O_APPEND), -EINVAL);
	assert_int_equal(fds[0], -7);
	assert_int_equal(fds[1], -7);
	assert_int_equal(fd_count(), before);
}

static void test_dup_cloexec(void **state)
{
	int src = fd_marker(false, -1), fd;

	(void)state;
	assert_true(src >= 0);
	fd = subproc_dup(src);
	assert_true(fd >= 0);
	assert_int_not_equal(fd, src);
	assert_true(is_cloexec(fd));
	assert_false(is_cloexec(src));
	assert_true(same_file(fd, src));
	close(fd);
	close(src);
}

static void test_dup_bad_fd(void **state)
{
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_dup(-1), -EBADF);
	assert_int_equal(subproc_dup(fd_unused(100)), -EBADF);
	assert_int_equal(fd_count(), before);
}

static void test_open_cloexec(void **state)
{
	int fd;

	(void)state;
	fd = subproc_open("/dev/null", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	close(fd);
}

static void test_open_creat_mode(void **state)
{
	char *dir = tempdir_make(), path[4096];
	struct stat st;
	mode_t old = umask(0);
	int fd;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/f", dir);
	fd = subproc_open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	umask(old);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	close(fd);
	tempdir_remove(dir);
}

static void test_open_missing(void **state)
{
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_open("/nonexistent-subproc/x", O_RDONLY, 0), -ENOENT);
	assert_int_equal(fd_count(), before);
}

static void test_socket_cloexec(void **state)
{
	int fd;

	(void)state;
	fd = subproc_socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_false(is_nonblock(fd));
	close(fd);
	fd = subproc_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_true(is_nonblock(fd));
	close(fd);
}

static void test_socket_bad_domain(void **state)
{
	int before = fd_count();

	(void)state;
	assert_int_equal(subproc_socket(-1, SOCK_STREAM, 0), -EAFNOSUPPORT);
	assert_int_equal(fd_count(), before);
}

/* A listener on 127.0.0.1, an ephemeral port; the client connects with a
 * plain socket. Returns the listener; *client the connected client. */
static int tcp_pair(int *client)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* The connection completes in the backlog, before accept. */
	if (*client < 0 || connect(*client, (struct sockaddr *)&sin, sizeof sin) < 0)
		return -1;
	return lfd;
}

static void test_accept_tcp_cloexec(void **state)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	int client = -1, lfd = tcp_pair(&client), fd;

	(void)state;
	if (lfd < 0)
		skip_because("no loopback TCP here: %s", strerror(errno));
	fd = subproc_accept(lfd, (struct sockaddr *)&peer, &len, 0);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_false(is_nonblock(fd));
	assert_int_equal(peer.sin_family, AF_INET);
	assert_int_equal(write(client, "p", 1), 1);
	char c = 0;
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'p');
	close(fd);
	close(client);
	close(lfd);
}

static void test_accept_unix_nonblock(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char *dir = tempdir_make();
	int lfd, client, fd;

	(void)state;
	assert_non_null(dir);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(lfd, 4), 0);
	client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(client, (struct sockaddr *)&sun, sizeof sun), 0);
	fd = subproc_accept(lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_true(is_nonblock(fd));
	close(fd);
	close(client);
	close(lfd);
	tempdir_remove(dir);
}

static void test_accept_errors(void **state)
{
	int before = fd_count(), s;

	(void)state;
	assert_int_equal(subproc_accept(-1, NULL, NULL, 0), -EBADF);
	assert_int_equal(subproc_accept(fd_unused(100), NULL, NULL, 0), -EBADF);
	/* Not listening. */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(subproc_accept(s, NULL, NULL, 0), -EINVAL);
	close(s);
	assert_int_equal(fd_count(), before);
}

static void *hold_read_lock(void *arg)
{
	subproc_forklock_rdlock();
	*(int *)arg = 1;
	subproc_forklock_rdunlock();
	return NULL;
}

/* Readers do not block each other: another thread takes the read lock
 * while this one holds it. */
static void test_forklock_readers_share(void **state)
{
	pthread_t t;
	int done = 0;

	(void)state;
	subproc_forklock_rdlock();
	assert_int_equal(pthread_create(&t, NULL, hold_read_lock, &done), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	subproc_forklock_rdunlock();
	assert_int_equal(done, 1);
}

TEST_MAIN(cmocka_unit_test(test_pipe_cloexec), cmocka_unit_test(test_pipe_nonblock),
          cmocka_unit_test(test_pipe_bad_flags_untouched), cmocka_unit_test(test_dup_cloexec),
          cmocka_unit_test(test_dup_bad_fd), cmocka_unit_test(test_open_cloexec),
          cmocka_unit_test(test_open_creat_mode), cmocka_unit_test(test_open_missing),
          cmocka_unit_test(test_socket_cloexec), cmocka_unit_test(test_socket_bad_domain),
          cmocka_unit_test(test_accept_tcp_cloexec), cmocka_unit_test(test_accept_unix_nonblock),
          cmocka_unit_test(test_accept_errors), cmocka_unit_test(test_forklock_readers_share))
