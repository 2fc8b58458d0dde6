/* SPDX-License-Identifier: MIT */
/*
 * The portable build has no cgroups: a command cannot ask for one
 * (cgroup_new says ENOSYS), so none of the rest is ever reached with one.
 */
#include "cmd.h"

#include <errno.h>
#include <string.h>

int cgroup_new(struct cmd_cgroup **out, const char *parent)
{
	(void)parent;
	*out = NULL;
	return -ENOSYS;
}

int cgroup_add_setting(struct cmd_cgroup *cg, const char *file, const char *value)
{
	(void)cg;
	(void)file;
	(void)value;
	return -ENOSYS;
}

int cgroup_create(struct cmd_cgroup *cg, subproc_error *err)
{
	(void)cg;
	if (err != NULL) {
		err->code = -ENOSYS;
		err->step = SUBPROC_STEP_CGROUP_CREATE;
		err->fd = -1;
		err->path[0] = '\0';
	}
	return -ENOSYS;
}

void cgroup_each(const struct cmd_cgroup *cg, void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	(void)cg;
	(void)fn;
	(void)ctx;
}

void cgroup_kill(struct cmd_cgroup *cg)
{
	(void)cg;
}

int cgroup_populated(const struct cmd_cgroup *cg)
{
	(void)cg;
	return 0;
}

int cgroup_stats(const struct cmd_cgroup *cg, subproc_cgroup_stats *st)
{
	(void)cg;
	memset(st, 0, sizeof *st);
	return -EINVAL;
}

int cgroup_remove(struct cmd_cgroup *cg)
{
	(void)cg;
	return 0;
}

void cgroup_free(struct cmd_cgroup *cg)
{
	(void)cg;
}
