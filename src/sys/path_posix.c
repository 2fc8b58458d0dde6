/* SPDX-License-Identifier: MIT */
/*
 * Paths in the portable build: POSIX has no O_PATH and no way to resolve a
 * path inside a directory as chroot would, so the PATH search takes an
 * entry inside a new root as it is (lookpath.c).
 */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>

int sys_open_dir_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sys_check_in_root(int rootfd, const char *path)
{
	(void)rootfd;
	(void)path;
	return 1;
}
