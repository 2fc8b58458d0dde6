/* SPDX-License-Identifier: MIT */
/*
 * The portable build has no namespaces, capabilities or seccomp: its fork
 * path forks, and a plan that asks for isolation is refused before any
 * launch (sys_isolation_supported), so the maps are never written here.
 */
#include "sys.h"

#include <errno.h>
#include <unistd.h>

pid_t sys_fork_call(const struct sys_plan *plan, struct sys_child *c)
{
	pid_t pid;

	(void)plan;
	c->ns_done = 0;
	pid = fork();
	return pid < 0 ? -errno : pid;
}

int sys_idmap_write(const struct sys_idmap *idmap, pid_t pid, struct sys_result *res)
{
	(void)idmap;
	res->index = SYS_INDEX_UID_MAP;
	res->detail = (int)pid;
	res->err = ENOSYS;
	return -ENOSYS;
}

bool sys_isolation_supported(void)
{
	return false;
}

uint64_t sys_ns_flags(unsigned ns)
{
	(void)ns;
	return 0;
}

bool sys_ns_refused(int err)
{
	(void)err;
	return false;
}
