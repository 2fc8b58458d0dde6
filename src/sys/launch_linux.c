/*
 * Launching on Linux: clone3 or clone with CLONE_VM|CLONE_VFORK, and the
 * choice between them and the fork path.
 *
 * With CLONE_VM|CLONE_VFORK the child borrows the parent's memory and the
 * parent thread sleeps until the child execs or exits, so no page tables
 * are copied (fork's cost grows with the parent's memory) and the child can
 * report failure through a plain struct in this frame. The child runs on a
 * stack lent from this frame too (as musl does): no mmap per spawn, and the
 * parent frame cannot be touched while the parent sleeps.
 */
#include "sys.h"

#include "raw.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The child's stack. Its deepest path (the /proc/self/fd walk) needs about
 * 1.5 KiB; the rest is margin for compilers and a dynamic linker that might
 * run nothing here but must not overflow if it did. */
#define CHILD_STACK_SIZE 8192

/* struct clone_args up to CLONE_ARGS_SIZE_VER2 (Linux 5.7), spelled out so
 * the build does not depend on the kernel headers' age. */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

long sys_clone3_call(struct clone3_args *args, size_t size, void (*fn)(void *), void *arg);

/* The child's first frame, on the lent stack in the parent's memory, is
 * built without sanitizers as child.c is: under ASan the call into a
 * function that never returns would otherwise run the runtime's
 * __asan_handle_no_return there, which took the lent stack for a corrupt
 * one, printed a warning into the caller's stderr and announced false
 * reports. */
#define CHILD_ENTRY __attribute__((noinline, no_sanitize("address", "undefined", "thread")))

CHILD_ENTRY static void child_entry(void *arg)
{
	sys_child_run(arg);
}

CHILD_ENTRY static int child_entry_clone(void *arg)
{
	sys_child_run(arg);
}

uint64_t sys_block_all_signals(void)
{
	/* Raw, because pthread_sigmask refuses to block glibc's internal
	 * signals, and one of those arriving in the child would run a glibc
	 * handler on the child's borrowed memory. */
	uint64_t all = ~0ULL, old = 0;

	raw_sigprocmask(SIG_SETMASK, &all, &old);
	return old;
}

void sys_restore_signals(uint64_t mask)
{
	raw_sigprocmask(SIG_SETMASK, &mask, NULL);
}

uint64_t sys_sigset_bits(const sigset_t *set)
{
	uint64_t bits = 0;

	for (int sig = 1; sig <= 64; sig++) {
		if (sigismember(set, sig) == 1)
			bits |= 1ULL << (sig - 1);
	}
	return bits;
}

int sys_pidfd_open(pid_t pid)
{
	return (int)raw_pidfd_open(pid, 0);
}

int sys_pidfd_signal(int pidfd, int sig)
{
	return (int)RAW4(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Both CLONE_VM launchers finish the same way: a child that reported a
 * failure has exited (the vfork wait is over), so reap it and pass on what
 * it said. */
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

static int launch_clone3(const struct sys_plan *plan, pid_t *pid, int *pidfd,
                         struct sys_result *res)
{
#ifdef SUBPROC_HAVE_CLONE3_TRAMPOLINE
	_Alignas(16) char stack[CHILD_STACK_SIZE];
	struct sys_result slot = {.index = -1};
	struct sys_child c = {.plan = plan, .result = &slot, .status_fd = -1};
	struct clone3_args a;
	int fd = -1;
	long r;
	bool clear = true, into = plan->cgroup_fd >= 0;

	/* See sys_plan.unshare_below. */
	c.files_shared = plan->unshare_below > 0;
	for (;;) {
		memset(&a, 0, sizeof a);
		a.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD;
		if (c.files_shared)
			a.flags |= CLONE_FILES;
		/* Handlers reset by the kernel in one step, instead of ~64
		 * rt_sigaction calls in the child (Linux 5.5). */
		c.handlers_cleared = clear;
		c.cgroup_done = into;
		if (clear)
			a.flags |= CLONE_CLEAR_SIGHAND;
		if (into) {
			a.flags |= CLONE_INTO_CGROUP;
			a.cgroup = (uint64_t)plan->cgroup_fd;
		}
		a.pidfd = (uint64_t)(uintptr_t)&fd;
		a.exit_signal = SIGCHLD;
		a.stack = (uint64_t)(uintptr_t)stack;
		a.stack_size = sizeof stack;

		c.oldmask = sys_block_all_signals();
		r = sys_clone3_call(&a, sizeof a, child_entry, &c);
		sys_restore_signals(c.oldmask);
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
	return launch_finish(&slot, *pid, pidfd, res);
#else
	(void)plan, (void)pid, (void)pidfd;
	res->err = ENOSYS;
	return -ENOSYS;
#endif
}

static int launch_clone(const struct sys_plan *plan, pid_t *pid, int *pidfd, struct sys_result *res)
{
	_Alignas(16) char stack[CHILD_STACK_SIZE];
	struct sys_result slot = {.index = -1};
	struct sys_child c = {.plan = plan, .result = &slot, .status_fd = -1};
	int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	int fd = -1, r, e = 0;

	c.files_shared = plan->unshare_below > 0; /* see sys_plan.unshare_below */
	if (c.files_shared)
		flags |= CLONE_FILES;

	for (int attempt = 0; attempt < 2; attempt++) {
		/* CLONE_PIDFD came in Linux 5.2; without it, pidfd_open
		 * below (5.3) or no pidfd at all. */
		int f = attempt == 0 ? flags | CLONE_PIDFD : flags;
		c.oldmask = sys_block_all_signals();
		r = clone(child_entry_clone, stack + sizeof stack, f, &c, &fd);
		e = errno;
		sys_restore_signals(c.oldmask);
		if (r >= 0 || e != EINVAL)
			break;
	}
	if (r < 0) {
		res->err = e;
		return -e;
	}
	*pid = r;
	*pidfd = fd;
	if (fd < 0) {
		int p = sys_pidfd_open(r);
		*pidfd = p >= 0 ? p : -1;
	}
	return launch_finish(&slot, *pid, pidfd, res);
}

/* SUBPROC_LAUNCH, read once. An unknown value means the default. */
static int env_launch;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static atomic_bool clone3_refused;

static void read_env_launch(void)
{
	const char *v = getenv("SUBPROC_LAUNCH");

	if (v == NULL)
		return;
	if (strcmp(v, "clone3") == 0)
		env_launch = SYS_LAUNCH_CLONE3;
	else if (strcmp(v, "clone") == 0)
		env_launch = SYS_LAUNCH_CLONE;
	else if (strcmp(v, "fork") == 0)
		env_launch = SYS_LAUNCH_FORK;
}

int sys_launch(const struct sys_plan *plan, pid_t *pid, int *pidfd, struct sys_result *res,
               const char **launched)
{
	int mode = plan->launch, cancel, r;

	res->index = SYS_INDEX_LAUNCH;
	res->detail = 0;
	res->err = 0;
	*pidfd = -1;
	if (mode == SYS_LAUNCH_DEFAULT) {
		pthread_once(&env_once, read_env_launch);
		mode = env_launch;
	}
	/* The parent is not cancelled half way: a cancelled waitpid would
	 * leave the failed child a zombie. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	if (plan->forklock)
		sys_forklock_wrlock();

	if (mode == SYS_LAUNCH_CLONE3 ||
	    (mode == SYS_LAUNCH_DEFAULT &&
	     !atomic_load_explicit(&clone3_refused, memory_order_relaxed))) {
		*launched = "clone3";
		r = launch_clone3(plan, pid, pidfd, res);
		/* ENOSYS: an old kernel; EPERM: a seccomp filter that refuses
		 * clone3 (as container runtimes do) before the child exists. */
		if (mode == SYS_LAUNCH_DEFAULT && res->index < 0 && (r == -ENOSYS || r == -EPERM)) {
			atomic_store_explicit(&clone3_refused, true, memory_order_relaxed);
			*launched = "clone";
			r = launch_clone(plan, pid, pidfd, res);
		}
	} else if (mode == SYS_LAUNCH_FORK) {
		*launched = "fork";
		r = sys_launch_fork(plan, pid, res);
		if (r == 0) {
			/* Safe from pid reuse: nobody but us reaps this child
			 * unless the caller reaps every child (documented). */
			int p = sys_pidfd_open(*pid);
			*pidfd = p >= 0 ? p : -1;
		}
	} else {
		*launched = "clone";
		r = launch_clone(plan, pid, pidfd, res);
	}

	if (plan->forklock)
		sys_forklock_wrunlock();
	pthread_setcancelstate(cancel, NULL);
	return r;
}
