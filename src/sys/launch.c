/* SPDX-License-Identifier: MIT */
/*
 * The choice of launch, for every system: SUBPROC_LAUNCH or the plan's
 * launch, the fork path where the child must have memory of its own, and
 * the fork lock around the start. The CLONE_VM launches are
 * launch_linux.c's (the portable build has none: launch_posix.c), the fork
 * path launch_fork.c's.
 */
#include "sys.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SUBPROC_LAUNCH, read once: a launch, 0 (unset or empty: the default), or
 * -1 for a value that names no launch, which fails every default start so
 * that nobody believes they test a path they do not. */
static int env_launch;
static char env_text[80];
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_env_launch(void)
{
	const char *v = getenv("SUBPROC_LAUNCH");

	if (v == NULL || v[0] == '\0')
		return;
	if (strcmp(v, "clone3") == 0) {
		env_launch = SYS_LAUNCH_CLONE3;
	} else if (strcmp(v, "clone") == 0) {
		env_launch = SYS_LAUNCH_CLONE;
	} else if (strcmp(v, "fork") == 0) {
		env_launch = SYS_LAUNCH_FORK;
	} else {
		env_launch = -1;
		snprintf(env_text, sizeof env_text, "SUBPROC_LAUNCH=%s", v);
	}
}

const char *sys_launch_env_text(void)
{
	return env_text;
}

int sys_launch(const struct sys_plan *plan, pid_t *pid, int *pidfd, struct sys_result *res,
               const char **launched)
{
	int mode = plan->launch, cancel, r;
	bool lock;

	res->index = SYS_INDEX_LAUNCH;
	res->detail = 0;
	res->err = 0;
	*pidfd = -1;
	*launched = "";
	if (mode == SYS_LAUNCH_DEFAULT) {
		pthread_once(&env_once, read_env_launch);
		mode = env_launch;
		if (mode < 0) {
			res->index = SYS_INDEX_ENV;
			res->err = EINVAL;
			return -EINVAL;
		}
	}
	if (plan->own_memory || plan->idmap != NULL)
		mode = SYS_LAUNCH_FORK;
	/* The parent is not cancelled half way: a cancelled waitpid would
	 * leave the failed child a zombie. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	lock = plan->forklock || !sys_cloexec_atomic();
	if (lock)
		sys_forklock_wrlock();

	if (mode != SYS_LAUNCH_FORK) {
		r = sys_launch_vm(plan, mode, pid, pidfd, res, launched);
		if (r > 0)
			mode = SYS_LAUNCH_FORK;
	}
	if (mode == SYS_LAUNCH_FORK) {
		*launched = "fork";
		r = sys_launch_fork(plan, pid, res);
		if (r == 0 && !plan->no_pidfd) {
			/* Safe from pid reuse: nobody but us reaps this child
			 * unless the caller reaps every child (documented at
			 * subproc_wait in include/subproc.h). */
			int p = sys_pidfd_open(*pid);
			*pidfd = p >= 0 ? p : -1;
		}
	}

	if (lock)
		sys_forklock_wrunlock();
	pthread_setcancelstate(cancel, NULL);
	if (r < 0 && res->index == SYS_INDEX_LAUNCH && plan->ns != 0 && sys_ns_refused(-r))
		res->index = SYS_INDEX_NS;
	return r;
}
