/* SPDX-License-Identifier: MIT */
/*
 * Paths on Linux, for the PATH search of a start with a new root: O_PATH
 * directories, and openat2's RESOLVE_IN_ROOT (Linux 5.6), which resolves a
 * path as the child will after chroot.
 */
#include "sys.h"

#include "raw_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef __NR_openat2
#define __NR_openat2 437
#endif

/* openat2's struct open_how (Linux 5.6), spelled out so that the build needs
 * no kernel headers (musl-gcc has none). */
struct open_how_v0 {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_IN_ROOT_FLAG 0x10

int sys_open_dir_path(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sys_check_in_root(int rootfd, const char *path)
{
	struct open_how_v0 how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT_FLAG};
	long fd = RAW4(__NR_openat2, rootfd, path, &how, sizeof how);
	struct stat st;
	int r;

	if (fd < 0)
		return fd == -ENOSYS || fd == -EINVAL || fd == -EPERM ? 1 : (int)fd;
	/* faccessat on the fd itself needs AT_EMPTY_PATH, which glibc passes
	 * to faccessat2 (Linux 5.8); before that, EINVAL or ENOSYS, and the
	 * caller's plain way. */
	r = fstat((int)fd, &st) < 0 ? -errno : 0;
	if (r == 0 && !S_ISREG(st.st_mode))
		r = -EACCES;
	if (r == 0 && faccessat((int)fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) < 0)
		r = -errno;
	close((int)fd);
	return r == -EINVAL || r == -ENOSYS ? 1 : r;
}
