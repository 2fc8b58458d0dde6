/* SPDX-License-Identifier: MIT */
/*
 * The ways of starting a child that the driver runs in its own process:
 * subproc on each launch path, glibc's posix_spawn, fork and vfork with
 * execve, and a bare clone3 that is the floor for any library. Each one
 * starts the child and waits for it, and nothing more, so the numbers
 * compare mechanisms rather than bookkeeping.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <subproc.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int subproc_run(int launch, char *const argv[])
{
	subproc_attr attr = {0};
	subproc_proc *p;
	subproc_status st;
	int r;

	attr.launch = launch;
	r = subproc_start(&p, argv[0], argv, &attr, NULL);
	if (r < 0)
		return r;
	r = subproc_wait(p, 0, -1, &st);
	subproc_release(p);
	if (r < 0)
		return r;
	return st.status == 0 ? 0 : -EPROTO;
}

int m_subproc_clone3(char *const argv[])
{
	return subproc_run(SUBPROC_LAUNCH_CLONE3, argv);
}

int m_subproc_clone(char *const argv[])
{
	return subproc_run(SUBPROC_LAUNCH_CLONE, argv);
}

int m_subproc_fork(char *const argv[])
{
	return subproc_run(SUBPROC_LAUNCH_FORK, argv);
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return st == 0 ? 0 : -EPROTO;
}

int m_posix_spawn(char *const argv[])
{
	pid_t pid;
	int e = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);

	return e != 0 ? -e : reap(pid);
}

int m_subproc_posix_spawn(char *const argv[])
{
	pid_t pid;
	int e = subproc_posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);

	return e != 0 ? -e : reap(pid);
}

int m_fork_exec(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return reap(pid);
}

int m_vfork_exec(char *const argv[])
{
	pid_t pid = vfork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return reap(pid);
}

/* struct clone_args as of Linux 5.3, spelled out so that the build does
 * not depend on the age of the kernel headers. */
struct bench_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/*
 * clone3 and, in the child, execve then exit_group, in one asm block. With
 * CLONE_VM and no stack the child runs on the parent's stack pointer, so
 * it must not touch the stack at all: no C code may run in it, which is
 * why the child's whole life is the instructions after the first syscall.
 * The parent sleeps (CLONE_VFORK) until the exec, so nothing races. No
 * signal mask or handler work is done: this is the floor, not a safe spawn.
 *
 * With `unshare` the child first calls close_range(3, ~0U,
 * CLOSE_RANGE_UNSHARE): given CLONE_FILES, that makes its own fd table
 * with fds 0-2 only, so neither the copy of the table nor the closing at
 * exec grows with the parent's open fds.
 */
static long clone3_exec(struct bench_clone_args *args, const char *path, char *const argv[],
                        char *const envp[], bool unshare)
{
	register const char *r8 __asm__("r8") = path;
	register char *const *r9 __asm__("r9") = argv;
	register char *const *r10 __asm__("r10") = envp;
	register long r12 __asm__("r12") = unshare;
	long ret;

	__asm__ volatile("syscall\n\t"
	                 "testq %%rax, %%rax\n\t"
	                 "jnz 1f\n\t"
	                 "testq %%r12, %%r12\n\t"
	                 "jz 2f\n\t"
	                 "movl $3, %%edi\n\t"
	                 "movl $-1, %%esi\n\t"
	                 "movl $2, %%edx\n\t"   /* CLOSE_RANGE_UNSHARE */
	                 "movl $436, %%eax\n\t" /* __NR_close_range */
	                 "syscall\n\t"
	                 "2:\n\t"
	                 "movq %%r8, %%rdi\n\t"
	                 "movq %%r9, %%rsi\n\t"
	                 "movq %%r10, %%rdx\n\t"
	                 "movl $59, %%eax\n\t" /* __NR_execve */
	                 "syscall\n\t"
	                 "movl $127, %%edi\n\t"
	                 "movl $231, %%eax\n\t" /* __NR_exit_group */
	                 "syscall\n\t"
	                 "1:\n\t"
	                 : "=a"(ret)
	                 : "0"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(r8), "r"(r9),
	                   "r"(r10), "r"(r12)
	                 : "rcx", "r11", "rdx", "memory");
	return ret;
}

static int raw_clone3(char *const argv[], uint64_t flags, bool unshare)
{
	struct bench_clone_args a = {0};
	int pidfd = -1;
	siginfo_t si;
	long r;

	a.flags = flags | CLONE_VM | CLONE_VFORK | CLONE_PIDFD;
	a.pidfd = (uint64_t)(uintptr_t)&pidfd;
	a.exit_signal = SIGCHLD;
	r = clone3_exec(&a, argv[0], argv, environ, unshare);
	if (r < 0)
		return (int)r;
	si.si_status = -1;
	while (syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL) < 0) {
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	}
	close(pidfd);
	if (r < 0)
		return (int)r;
	return si.si_code == CLD_EXITED && si.si_status == 0 ? 0 : -EPROTO;
}

int m_raw_clone3(char *const argv[])
{
	return raw_clone3(argv, 0, false);
}

int m_raw_clone3_files(char *const argv[])
{
	return raw_clone3(argv, CLONE_FILES, true);
}

/* ------------------------------------------------------------------------ */
/* Capture and communicate.                                                  */
/* ------------------------------------------------------------------------ */

int m_subproc_output(char *const argv[], const char *in, size_t inlen, size_t nbytes)
{
	subproc_cmd *c;
	subproc_output out = {0};
	subproc_status st;
	int r;

	(void)in, (void)inlen;
	r = subproc_cmd_new(&c, (const char *const *)argv);
	if (r < 0)
		return r;
	r = subproc_cmd_output(c, &out, NULL, &st, NULL);
	if (r == 0 && (out.len != nbytes || st.status != 0))
		r = -EPROTO;
	subproc_output_free(&out);
	subproc_cmd_free(c);
	return r;
}

int m_subproc_communicate(char *const argv[], const char *in, size_t inlen, size_t nbytes)
{
	subproc_cmd *c;
	subproc_output out = {0};
	subproc_status st;
	int r;

	r = subproc_cmd_new(&c, (const char *const *)argv);
	if (r < 0)
		return r;
	r = subproc_cmd_communicate(c, in, inlen, &out, NULL, &st, NULL);
	if (r == 0 && (out.len != nbytes || st.status != 0))
		r = -EPROTO;
	subproc_output_free(&out);
	subproc_cmd_free(c);
	return r;
}

/* A buffer that doubles, as any hand-written capture would have. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_room(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* posix_spawn with stdin (when `want_in`) and stdout on pipes; a stdout
 * pipe of `pipe_size` bytes when not 0. */
static int spawn_piped(char *const argv[], bool want_in, int pipe_size, pid_t *pid, int *to,
                       int *from)
{
	posix_spawn_file_actions_t fa;
	int ip[2] = {-1, -1}, op[2], e;

	if (pipe2(op, O_CLOEXEC) < 0)
		return -errno;
	if (pipe_size > 0 && fcntl(op[0], F_SETPIPE_SZ, pipe_size) < 0) {
		e = errno;
		close(op[0]), close(op[1]);
		return -e;
	}
	if (want_in && pipe2(ip, O_CLOEXEC) < 0) {
		e = errno;
		close(op[0]), close(op[1]);
		return -e;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	if (want_in)
		posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
	e = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(op[1]);
	if (want_in)
		close(ip[0]);
	if (e != 0) {
		close(op[0]);
		if (want_in)
			close(ip[1]);
		return -e;
	}
	*from = op[0];
	*to = ip[1];
	return 0;
}

/* The plainest capture there is: blocking reads of a pipe's worth into a
 * doubling buffer until EOF. */
static int read_loop(char *const argv[], size_t pipe_size, size_t nbytes)
{
	struct buf b = {0};
	pid_t pid;
	int to, from, r;

	r = spawn_piped(argv, false, pipe_size == 65536 ? 0 : (int)pipe_size, &pid, &to, &from);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n;

		if ((r = buf_room(&b, pipe_size)) < 0)
			break;
		n = read(from, b.p + b.len, pipe_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		b.len += (size_t)n;
	}
	close(from);
	if (reap(pid) < 0 && r == 0)
		r = -EPROTO;
	if (r == 0 && b.len != nbytes)
		r = -EPROTO;
	free(b.p);
	return r;
}

/* On the default pipe of 64 KiB: the yardstick for subproc_cmd_output. */
int m_raw_read_loop(char *const argv[], const char *in, size_t inlen, size_t nbytes)
{
	(void)in, (void)inlen;
	return read_loop(argv, 65536, nbytes);
}

/* The same loop on a 1 MiB pipe (F_SETPIPE_SZ): not a target, but it shows
 * what the pipe size is worth, since each wake-up then moves 16 times as
 * much. */
int m_raw_read_loop_1m(char *const argv[], const char *in, size_t inlen, size_t nbytes)
{
	(void)in, (void)inlen;
	return read_loop(argv, 1 << 20, nbytes);
}

/* Communicate by hand: one poll loop over a non-blocking stdin and stdout,
 * the minimum that cannot deadlock. The yardstick for communicate. */
int m_raw_poll_loop(char *const argv[], const char *in, size_t inlen, size_t nbytes)
{
	struct buf b = {0};
	size_t done = 0;
	pid_t pid;
	int to, from, r;

	r = spawn_piped(argv, true, 0, &pid, &to, &from);
	if (r < 0)
		return r;
	fcntl(to, F_SETFL, O_NONBLOCK);
	fcntl(from, F_SETFL, O_NONBLOCK);
	if (inlen == 0)
		close(to), to = -1;
	while (from >= 0) {
		struct pollfd pf[2] = {{.fd = from, .events = POLLIN},
		                       {.fd = to, .events = POLLOUT}};

		if (poll(pf, to >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (to >= 0 && pf[1].revents) {
			ssize_t w =
				write(to, in + done, inlen - done < 65536 ? inlen - done : 65536);
			if (w > 0)
				done += (size_t)w;
			if ((w < 0 && errno != EAGAIN) || done == inlen)
				close(to), to = -1;
		}
		if (pf[0].revents) {
			ssize_t n;

			if ((r = buf_room(&b, 65536)) < 0)
				break;
			n = read(from, b.p + b.len, 65536);
			if (n > 0)
				b.len += (size_t)n;
			else if (n == 0 || errno != EAGAIN)
				close(from), from = -1;
		}
	}
	if (to >= 0)
		close(to);
	if (from >= 0)
		close(from);
	if (reap(pid) < 0 && r == 0)
		r = -EPROTO;
	if (r == 0 && b.len != nbytes)
		r = -EPROTO;
	free(b.p);
	return r;
}
