/* SPDX-License-Identifier: MIT */
/*
 * Launching on Linux: clone3 or clone with CLONE_VM|CLONE_VFORK (launch.c
 * chooses between them and the fork path).
 *
 * With CLONE_VM|CLONE_VFORK the child borrows the parent's memory and the
 * parent thread sleeps until the child execs or exits, so no page tables
 * are copied (fork's cost grows with the parent's memory) and the child can
 * report failure through a plain struct in this frame.
 *
 * The child runs on a stack of its own: one mapping per thread, with a
 * guard page below it, made on the thread's first start and reused by every
 * later one (the parent thread sleeps while its child runs, so one is
 * enough), and unmapped when the thread ends. Not the caller's frame, as
 * musl does: a caller on a small thread stack (16 KiB is allowed) would
 * overflow it, silently where the stack has no guard page to hit. Not a
 * fresh mapping per start: that costs an mmap/munmap pair and a TLB
 * shootdown across every thread each time.
 */
#include "sys.h"

#include "raw_linux.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The child's stack. Its deepest path (the /proc/self/fd walk) needs about
 * 1.5 KiB; the rest is margin for unoptimised builds. */
#define CHILD_STACK_SIZE ((size_t)16384)

/* The trampolines (clone_ARCH.S): the raw system calls, with the child
 * calling fn(arg) on the new stack. */
long sys_clone3_call(struct clone3_args *args, size_t size, void (*fn)(void *), void *arg);
long sys_clone_call(unsigned long flags, void *stack_top, int *pidfd, void (*fn)(void *),
                    void *arg);

/* ---- the child's stack ---------------------------------------------------- */

static pthread_once_t stack_once = PTHREAD_ONCE_INIT;
static pthread_key_t stack_key;
static bool stack_key_made;
static size_t stack_guard;
/* This thread's stack: the top of its mapping, NULL until the first start. */
static _Thread_local char *stack_top;

static size_t stack_map_size(void)
{
	return stack_guard + CHILD_STACK_SIZE;
}

/* The key's destructor, at the end of a thread that started a child. */
static void stack_unmap(void *base)
{
	munmap(base, stack_map_size());
}

static void stack_init(void)
{
	long page = sysconf(_SC_PAGESIZE);

	stack_guard = page > 0 ? (size_t)page : 4096;
	stack_key_made = pthread_key_create(&stack_key, stack_unmap) == 0;
}

/*
 * The calling thread's child stack (its top), mapped on first use. NULL
 * when there is no memory for it. Where no thread key could be had (the
 * process used up PTHREAD_KEYS_MAX), the mapping cannot be freed at thread
 * exit, so it serves one start only: *once is set, and stack_put unmaps it.
 */
static char *stack_get(bool *once)
{
	char *base;

	*once = false;
	if (stack_top != NULL)
		return stack_top;
	pthread_once(&stack_once, stack_init);
	base = mmap(NULL, stack_map_size(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	/* The guard page stays PROT_NONE: an overflow faults there. */
	if (mprotect(base + stack_guard, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE) < 0) {
		munmap(base, stack_map_size());
		return NULL;
	}
	if (stack_key_made && pthread_setspecific(stack_key, base) == 0) {
		stack_top = base + stack_map_size();
		return stack_top;
	}
	*once = true;
	return base + stack_map_size();
}

char *sys_child_stack(size_t *size, size_t *guard)
{
	*size = CHILD_STACK_SIZE;
	*guard = stack_guard;
	return stack_top;
}

static void stack_put(char *top, bool once)
{
	if (once)
		munmap(top - stack_map_size(), stack_map_size());
}

/* ---- CLONE_VM launches --------------------------------------------------- */

/* Set once a child could not unshare the fd table it shared, or the launch
 * refused to share it: every later start copies the table at clone time
 * instead (see sys_plan.unshare_below). */
static atomic_bool files_share_refused;
/* Set once the default launch found clone3 refused. */
static atomic_bool clone3_refused;

static int launch_clone3(const struct sys_plan *plan, struct sys_child *c, char *top, pid_t *pid,
                         int *pidfd, struct sys_result *res)
{
	struct clone3_args a;
	int fd = -1;
	long r;
	bool clear = true, into = plan->cgroup_fd >= 0;

	for (;;) {
		memset(&a, 0, sizeof a);
		a.flags = CLONE_VM | CLONE_VFORK;
		if (!plan->no_pidfd) {
			a.flags |= CLONE_PIDFD;
			a.pidfd = (uint64_t)(uintptr_t)&fd;
		}
		if (c->files_shared)
			a.flags |= CLONE_FILES;
		/* Handlers reset by the kernel in one step, instead of ~64
		 * rt_sigaction calls in the child (Linux 5.5). */
		c->handlers_cleared = clear;
		c->cgroup_done = into;
		/* Every namespace: clone3 has room for CLONE_NEWTIME. */
		a.flags |= plan->ns;
		c->ns_done = plan->ns;
		if (clear)
			a.flags |= CLONE_CLEAR_SIGHAND;
		if (into) {
			a.flags |= CLONE_INTO_CGROUP;
			a.cgroup = (uint64_t)plan->cgroup_fd;
		}
		a.exit_signal = SIGCHLD;
		a.stack = (uint64_t)(uintptr_t)(top - CHILD_STACK_SIZE);
		a.stack_size = CHILD_STACK_SIZE;

		c->oldmask = sys_block_all_signals();
		r = sys_clone3_call(&a, sizeof a, sys_child_entry, c);
		sys_restore_signals(c->oldmask);
		if (r >= 0)
			break;
		/* A CLONE_INTO_CGROUP failure cannot be told apart from any
		 * other clone3 failure, so try again with the child joining
		 * the cgroup itself (as on the clone and fork paths): an error
		 * then belongs to the cgroup step, and a kernel without the
		 * flag (5.7) works too. */
		if (into)
			into = false;
		else if (clear && (r == -EINVAL || r == -E2BIG))
			clear = false; /* before Linux 5.5 */
		else
			break;
	}
	if (r < 0) {
		res->err = (int)-r;
		return (int)r;
	}
	*pid = (pid_t)r;
	*pidfd = fd;
	return 0;
}

static int launch_clone(const struct sys_plan *plan, struct sys_child *c, char *top, pid_t *pid,
                        int *pidfd, struct sys_result *res)
{
	bool want_pidfd = !plan->no_pidfd;
	int fd = -1;
	long r;

	c->handlers_cleared = false;
	c->cgroup_done = false;
	/* CLONE_NEWTIME is 0x80, inside clone's exit-signal byte: the child
	 * unshares it (SYS_OP_UNSHARE), which execve then moves it into. */
	c->ns_done = plan->ns & ~(uint64_t)CLONE_NEWTIME;
	for (;;) {
		unsigned long f = CLONE_VM | CLONE_VFORK | SIGCHLD | (unsigned long)c->ns_done;
		/* CLONE_PIDFD came in Linux 5.2; without it, pidfd_open
		 * below (5.3) or no pidfd at all. */
		if (want_pidfd)
			f |= CLONE_PIDFD;
		if (c->files_shared)
			f |= CLONE_FILES;
		c->oldmask = sys_block_all_signals();
		r = sys_clone_call(f, top, &fd, sys_child_entry, c);
		sys_restore_signals(c->oldmask);
		if (r != -EINVAL)
			break;
		/* An emulator refuses the flags it cannot turn into a fork
		 * (qemu-user 7.2: CLONE_PIDFD, CLONE_FILES and the namespace
		 * flags), one by one. Namespaces go last, to the child's
		 * unshare step, whose error then names them (a kernel without
		 * one of them says EINVAL too). */
		if (want_pidfd) {
			want_pidfd = false;
		} else if (c->files_shared) {
			c->files_shared = false;
			atomic_store_explicit(&files_share_refused, true, memory_order_relaxed);
		} else if (c->ns_done != 0) {
			c->ns_done = 0;
		} else {
			break;
		}
	}
	if (r < 0) {
		res->err = (int)-r;
		return (int)r;
	}
	*pid = (pid_t)r;
	*pidfd = fd;
	if (fd < 0 && !plan->no_pidfd) {
		int p = sys_pidfd_open(*pid);
		*pidfd = p >= 0 ? p : -1;
	}
	return 0;
}

/* A child that reported a failure has exited (the vfork wait is over), so
 * reap it and pass on what it said. */
static int launch_finish(const struct sys_result *slot, pid_t pid, int *pidfd,
                         struct sys_result *res)
{
	if (slot->err == 0)
		return 0;
	sys_reap(pid, *pidfd);
	if (*pidfd >= 0)
		raw_close(*pidfd);
	*pidfd = -1;
	*res = *slot;
	return -slot->err;
}

/*
 * Whether a CLONE_VM child runs in our memory. Under a user-mode emulator
 * (qemu-user) it does not: the emulator cannot share its own memory with a
 * second process, so it turns CLONE_VM|CLONE_VFORK into a fork and returns
 * at once. The child's report in the slot would then never be seen, and a
 * start that failed would pass for one that exec'ed.
 *
 * Until a first child has shown which it is (sys_child.entered), every
 * CLONE_VM start also carries the fork path's status pipe, which reports
 * either way; a shared child makes the pipe unneeded from then on, an
 * unshared one sends every later default start down the fork path (an
 * explicit clone keeps the pipe). One pipe2 per process on a real kernel.
 */
enum { VM_UNKNOWN, VM_SHARED, VM_UNSHARED };
static atomic_int vm_memory;

/*
 * After the launch succeeded: learns from the child whether it shared our
 * memory and gets its outcome from the slot or the pipe (closed here).
 * Returns 1 when the start must be made again: the child did not share
 * memory and there was no pipe to hear it on (the fd table was full), so
 * its outcome is unknown and it is killed and reaped unseen.
 */
static int launch_settle(const struct sys_child *c, const struct sys_result *slot, pid_t pid,
                         int *pidfd, struct sys_result *res)
{
	int r;

	if (c->entered) {
		/* Learned even without a pipe (it could not be made); a store
		 * only then, so that starts leave the cache line shared. */
		if (atomic_load_explicit(&vm_memory, memory_order_relaxed) != VM_SHARED)
			atomic_store_explicit(&vm_memory, VM_SHARED, memory_order_relaxed);
		if (c->status_fd >= 0) {
			close(c->status_fd);
			close(c->status_rd);
		}
		return launch_finish(slot, pid, pidfd, res);
	}
	atomic_store_explicit(&vm_memory, VM_UNSHARED, memory_order_relaxed);
	if (c->status_fd < 0) {
		kill(pid, SIGKILL);
		r = 1;
	} else {
		close(c->status_fd);
		r = sys_status_read(c->status_rd, pid, res);
		if (r == 0) {
			/* Now that the pipe is closed, as on the fork path: a
			 * start needs two free fds here, not three. */
			if (*pidfd < 0 && !c->plan->no_pidfd) {
				int fd = sys_pidfd_open(pid);
				*pidfd = fd >= 0 ? fd : -1;
			}
			return 0;
		}
	}
	if (r > 0)
		sys_reap(pid, *pidfd);
	if (*pidfd >= 0)
		close(*pidfd);
	*pidfd = -1;
	return r;
}

/* A CLONE_VM start. Returns 1, having started nothing, when a default start
 * is to take the fork path instead (see vm_memory). */
int sys_launch_vm(const struct sys_plan *plan, int mode, pid_t *pid, int *pidfd,
                  struct sys_result *res, const char **launched)
{
	struct sys_result slot;
	struct sys_child c;
	bool once;
	char *top = stack_get(&once);
	int r, p[2];
	bool try_pipe = true;

	*launched = mode == SYS_LAUNCH_CLONE ? "clone" : "clone3";
	if (top == NULL) {
		res->err = ENOMEM;
		return -ENOMEM;
	}
	for (;;) {
		int memory = atomic_load_explicit(&vm_memory, memory_order_relaxed);

		if (mode == SYS_LAUNCH_DEFAULT && memory == VM_UNSHARED) {
			r = 1;
			break;
		}
		slot = (struct sys_result){.index = SYS_INDEX_LAUNCH};
		c = (struct sys_child){.plan = plan,
		                       .result = &slot,
		                       .status_fd = -1,
		                       .status_rd = -1,
		                       .sync_rd = -1,
		                       .sync_wr = -1};
		if (memory == VM_UNSHARED || (memory == VM_UNKNOWN && try_pipe)) {
			/* With a full fd table a start on a real kernel still
			 * works without the pipe (posix_spawn needs no free
			 * slot); once sharing is known absent, it cannot. */
			if (pipe2(p, O_CLOEXEC) == 0) {
				c.status_rd = p[0];
				c.status_fd = p[1];
			} else if (memory == VM_UNSHARED) {
				res->index = SYS_INDEX_PIPE;
				res->err = errno;
				r = -res->err;
				break;
			}
		}
		/* A shared fd table would lose the pipe to the child's unshare,
		 * which keeps only the fds below unshare_below. */
		c.files_shared = plan->unshare_below > 0 && c.status_fd < 0 &&
		                 !atomic_load_explicit(&files_share_refused, memory_order_relaxed);
		if (mode == SYS_LAUNCH_CLONE3 ||
		    (mode == SYS_LAUNCH_DEFAULT &&
		     !atomic_load_explicit(&clone3_refused, memory_order_relaxed))) {
			*launched = "clone3";
			r = launch_clone3(plan, &c, top, pid, pidfd, res);
			/* ENOSYS: an old kernel, or an emulator; EPERM: a seccomp
			 * filter that refuses clone3 (as container runtimes do)
			 * before the child exists. */
			if (mode == SYS_LAUNCH_DEFAULT && (r == -ENOSYS || r == -EPERM)) {
				/* With namespaces, EPERM may be theirs: clone3
				 * counts as refused only when clone then works. */
				bool refused = r == -ENOSYS || plan->ns == 0;

				*launched = "clone";
				r = launch_clone(plan, &c, top, pid, pidfd, res);
				if (refused || r == 0)
					atomic_store_explicit(&clone3_refused, true,
					                      memory_order_relaxed);
			}
		} else {
			*launched = "clone";
			r = launch_clone(plan, &c, top, pid, pidfd, res);
		}
		if (r == 0) {
			r = launch_settle(&c, &slot, *pid, pidfd, res);
			if (r > 0)
				continue;
		} else if (c.status_fd >= 0) {
			close(c.status_fd);
			close(c.status_rd);
			/* The pipe took the last free fds, and the pidfd found
			 * none: a start without the pipe needs only the one. */
			if (r == -EMFILE && memory == VM_UNKNOWN) {
				try_pipe = false;
				*res = (struct sys_result){.index = SYS_INDEX_LAUNCH};
				continue;
			}
		}
		if (r == 0 || res->index != SYS_INDEX_UNSHARE || !c.files_shared)
			break;
		atomic_store_explicit(&files_share_refused, true, memory_order_relaxed);
		*res = (struct sys_result){.index = SYS_INDEX_LAUNCH};
	}
	stack_put(top, once);
	return r;
}

/* True when setresuid(id, id, id) would change any of the three, so that
 * the kernel would recompute the capabilities and make the memory the
 * child runs in non-dumpable (see sys_plan.own_memory). */
bool sys_uid_changes(uid_t id)
{
	uid_t r, e, s;

	return getresuid(&r, &e, &s) < 0 || r != id || e != id || s != id;
}

bool sys_gid_changes(gid_t id)
{
	gid_t r, e, s;

	return getresgid(&r, &e, &s) < 0 || r != id || e != id || s != id;
}
