/* SPDX-License-Identifier: MIT */
/*
 * The parent's side of a start in new namespaces that does not share the
 * parent's memory (the fork path): the fork that creates the child in its
 * namespaces, and the user namespace's maps, written into /proc/PID while
 * the child waits for them (child_linux.c, SYS_OP_IDMAP_WAIT).
 */
#include "sys.h"

#include "subproc.h"

#include "raw_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Set once clone3 was refused outright (ENOSYS: before Linux 5.3, or
 * valgrind; EPERM with clone then working: a seccomp profile). */
static atomic_bool fork_clone3_refused;

/*
 * fork() where there are no namespaces to make. Otherwise clone3 without
 * CLONE_VM, which takes every CLONE_NEW* flag; then clone, which has no
 * room for CLONE_NEWTIME (the child unshares it, which a time namespace
 * allows: execve moves the caller in); then, where clone refuses the flags
 * (EINVAL: a kernel without that namespace type, or qemu-user, which
 * passes no namespace flag to a fork), fork() and the child unshares them
 * all, so that the error belongs to the step that names them.
 *
 * Both clones are raw system calls with no new stack: the child goes on
 * from the call in its copy of our memory, as after fork, and runs only
 * the child's raw calls until execve, so glibc's fork bookkeeping (atfork
 * handlers, its locks) is not needed.
 */
pid_t sys_fork_call(const struct sys_plan *plan, struct sys_child *c)
{
	long r = -ENOSYS;
	pid_t pid;

	c->ns_done = 0;
	if (plan->ns == 0) {
		pid = fork();
		return pid < 0 ? -errno : pid;
	}
	if (!atomic_load_explicit(&fork_clone3_refused, memory_order_relaxed)) {
		struct clone3_args a;

		memset(&a, 0, sizeof a);
		a.flags = plan->ns;
		a.exit_signal = SIGCHLD;
		c->ns_done = plan->ns;
		r = raw_clone3(&a, sizeof a);
		if (r >= 0 || (r != -ENOSYS && r != -EPERM))
			return (pid_t)r;
	}
	c->ns_done = plan->ns & ~(uint64_t)CLONE_NEWTIME;
	{
		long r2 = raw_clone_fork(c->ns_done | SIGCHLD);

		/* clone3 refused, clone not: a seccomp profile that knows
		 * clone alone. Both refused: the namespaces were (EPERM). */
		if (r2 >= 0 && r == -EPERM)
			atomic_store_explicit(&fork_clone3_refused, true, memory_order_relaxed);
		if (r == -ENOSYS)
			atomic_store_explicit(&fork_clone3_refused, true, memory_order_relaxed);
		if (r2 != -EINVAL)
			return (pid_t)r2;
	}
	c->ns_done = 0;
	pid = fork();
	return pid < 0 ? -errno : pid;
}

/* The kernel takes a map in one write, whole, or not at all. */
static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

int sys_idmap_write(const struct sys_idmap *idmap, pid_t pid, struct sys_result *res)
{
	/* uid_map first, then setgroups, which must precede gid_map. */
	const struct {
		const char *file, *text;
		int index;
	} files[] = {
		{"uid_map", idmap->uid_map, SYS_INDEX_UID_MAP},
		{"setgroups", idmap->setgroups, SYS_INDEX_SETGROUPS_FILE},
		{"gid_map", idmap->gid_map, SYS_INDEX_GID_MAP},
	};
	char path[64];

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		int r;

		if (files[i].text == NULL)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, files[i].file);
		r = write_file(path, files[i].text);
		if (r < 0) {
			res->index = files[i].index;
			res->detail = (int)pid;
			res->err = -r;
			return r;
		}
	}
	return 0;
}

bool sys_isolation_supported(void)
{
	return true;
}

uint64_t sys_ns_flags(unsigned ns)
{
	static const struct {
		unsigned ours;
		uint64_t clone;
	} kinds[] = {
		{SUBPROC_NS_USER, CLONE_NEWUSER},     {SUBPROC_NS_PID, CLONE_NEWPID},
		{SUBPROC_NS_MOUNT, CLONE_NEWNS},      {SUBPROC_NS_NET, CLONE_NEWNET},
		{SUBPROC_NS_UTS, CLONE_NEWUTS},       {SUBPROC_NS_IPC, CLONE_NEWIPC},
		{SUBPROC_NS_CGROUP, CLONE_NEWCGROUP}, {SUBPROC_NS_TIME, CLONE_NEWTIME},
	};
	uint64_t flags = 0;

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (ns & kinds[i].ours)
			flags |= kinds[i].clone;
	}
	return flags;
}

/* What clone says when it cannot make the namespaces: no privilege
 * (EPERM), a type the kernel lacks (EINVAL), a namespace limit reached
 * (ENOSPC, and EUSERS before Linux 4.9). */
bool sys_ns_refused(int err)
{
	return err == EPERM || err == EINVAL || err == ENOSPC || err == EUSERS;
}
