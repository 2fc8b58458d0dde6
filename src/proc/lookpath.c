/* SPDX-License-Identifier: MIT */
/*
 * PATH search, done in the parent so the child only execs. It follows
 * execvp's rules (first executable regular file wins; EACCES if something
 * matched but none could run, else ENOENT) with Go's one refusal: a program
 * found only through a relative entry ("", "." or "bin") would run whatever
 * the current directory holds, so it is refused unless the caller opts in.
 *
 * For a start, the search looks where the child will exec: an absolute
 * entry inside the child's new root, a relative one in the child's working
 * directory. The result is the name the child execs (entry/file), so what
 * was checked is what runs.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* glibc's execvp default when PATH is unset (confstr _CS_PATH). */
#define DEFAULT_PATH "/bin:/usr/bin"

const char *lookpath_path_of(char *const env[])
{
	const char *path;

	if (env == NULL) {
		path = getenv("PATH");
		return path != NULL ? path : DEFAULT_PATH;
	}
	for (size_t i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	}
	return DEFAULT_PATH;
}

/* 0 when `path` (from `dirfd`) is a regular file we may execute, else -errno. */
static int check_executable(int dirfd, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, 0) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (faccessat(dirfd, path, X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

/*
 * check_executable for a path the child resolves inside its new root
 * `rootfd`: symlinks and ".." stay inside it, as they will for the child
 * (openat2's RESOLVE_IN_ROOT, Linux 5.6). Where that is missing, the path is
 * taken from the root's directory as it is, which differs only for a
 * symlink inside the root that points to an absolute path.
 */
static int check_in_root(int rootfd, const char *path)
{
	int r = sys_check_in_root(rootfd, path);

	if (r <= 0)
		return r;
	while (*path == '/')
		path++;
	return check_executable(rootfd, *path != '\0' ? path : ".");
}

static int copy_out(const char *path, char *out, size_t outlen)
{
	size_t n = strlen(path);

	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	return 0;
}

/* Joins "a/b" into buf (size PATH_MAX); -ENAMETOOLONG when it does not fit. */
static int join(char *buf, const char *a, size_t alen, const char *b)
{
	int n = snprintf(buf, PATH_MAX, "%.*s/%s", (int)alen, a, b);

	return n > 0 && n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

int lookpath_where(const char *file, char *const env[], unsigned flags, const char *root,
                   const char *dir, char *out, size_t outlen)
{
	/* On the heap, since callers may run on a small thread stack. */
	struct {
		char cand[PATH_MAX];  /* the name the child execs */
		char where[PATH_MAX]; /* the same, as the parent reaches it */
	} *buf = malloc(sizeof *buf);
	char *cand, *where;
	const char *path, *p;
	bool denied = false, dir_in_root = root != NULL && dir != NULL && dir[0] == '/';
	int rootfd = -1, r = -ENOENT;

	if (buf == NULL)
		return -ENOMEM;
	cand = buf->cand;
	where = buf->where;
	if (root != NULL) {
		rootfd = sys_open_dir_path(root);
		if (rootfd < 0) {
			/* The chroot step will say what is wrong with it. */
			r = rootfd;
			goto out;
		}
	}
	path = lookpath_path_of(env);
	for (p = path;; p++) {
		const char *end = proc_entry_end(p);
		size_t dirlen = (size_t)(end - p);
		const char *entry = dirlen > 0 ? p : ".";
		bool relative = entry[0] != '/';
		int c;

		if (dirlen == 0)
			dirlen = 1;
		/* cand: the name the child execs, from its root and cwd. */
		c = join(cand, entry, dirlen, file);
		if (c == 0 && relative && dir != NULL)
			c = join(where, dir, strlen(dir), cand);
		else if (c == 0)
			memcpy(where, cand, strlen(cand) + 1);
		if (c == 0) {
			if (rootfd >= 0 && (!relative || dir_in_root))
				c = check_in_root(rootfd, where);
			else
				c = check_executable(AT_FDCWD, where);
			if (c == 0) {
				if (relative && !(flags & SUBPROC_LOOKPATH_ALLOW_DOT))
					r = -EPERM;
				else
					r = copy_out(cand, out, outlen);
				goto out;
			}
			/* As execvp: a match we may not run is remembered,
			 * a missing one is not. */
			if (c == -EACCES || c == -EPERM)
				denied = true;
		}
		if (*end == '\0')
			break;
		p = end;
	}
	r = denied ? -EACCES : -ENOENT;
out:
	if (rootfd >= 0)
		close(rootfd);
	free(buf);
	return r;
}

static int lookpath(const char *file, char *const env[], unsigned flags, char *out, size_t outlen)
{
	if (file == NULL || file[0] == '\0' || (flags & ~(unsigned)SUBPROC_LOOKPATH_ALLOW_DOT))
		return -EINVAL;
	if (strchr(file, '/') != NULL) {
		int r = check_executable(AT_FDCWD, file);
		return r < 0 ? r : copy_out(file, out, outlen);
	}
	return lookpath_where(file, env, flags, NULL, NULL, out, outlen);
}

int subproc_lookpath(const char *file, char *const env[], unsigned flags, char *out, size_t outlen)
{
	int r;

	if (out == NULL)
		return -EINVAL;
	r = lookpath(file, env, flags, out, outlen);
	/* A failure leaves "", never a half-written or earlier path that a
	 * caller ignoring the result could exec. */
	if (r < 0 && outlen > 0)
		out[0] = '\0';
	return r;
}
