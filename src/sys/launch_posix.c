/* SPDX-License-Identifier: MIT */
/*
 * The portable build has no CLONE_VM launch: a start that asks for clone3
 * or clone by name (the attribute or SUBPROC_LAUNCH) fails with ENOSYS at
 * step "launch" rather than run on another path than the one asked for.
 */
#include "sys.h"

#include <errno.h>

int sys_launch_vm(const struct sys_plan *plan, int mode, pid_t *pid, int *pidfd,
                  struct sys_result *res, const char **launched)
{
	(void)plan;
	(void)pid;
	(void)pidfd;
	if (mode == SYS_LAUNCH_DEFAULT)
		return 1;
	*launched = mode == SYS_LAUNCH_CLONE ? "clone" : "clone3";
	res->index = SYS_INDEX_LAUNCH;
	res->err = ENOSYS;
	return -ENOSYS;
}

/* No launch here shares the caller's memory, so none needs to know. */
bool sys_uid_changes(uid_t id)
{
	(void)id;
	return true;
}

bool sys_gid_changes(gid_t id)
{
	(void)id;
	return true;
}

/* No CLONE_VM start, so no thread ever has a child stack. */
char *sys_child_stack(size_t *size, size_t *guard)
{
	*size = 0;
	*guard = 0;
	return NULL;
}
