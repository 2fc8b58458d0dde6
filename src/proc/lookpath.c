/*
 * PATH search, done in the parent so the child only execs. It follows
 * execvp's rules (first executable regular file wins; EACCES if something
 * matched but none could run, else ENOENT) with Go's one refusal: a program
 * found only through a relative entry ("", "." or "bin") would run whatever
 * the current directory holds, so it is refused unless the caller opts in.
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

/* 0 when `path` is a regular file we may execute, else -errno. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

static int copy_out(const char *path, char *out, size_t outlen)
{
	size_t n = strlen(path);

	if (n >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, path, n + 1);
	return 0;
}

int subproc_lookpath(const char *file, char *const env[], unsigned flags, char *out, size_t outlen)
{
	char cand[PATH_MAX];
	const char *path, *p;
	bool denied = false;

	if (file == NULL || file[0] == '\0' || out == NULL ||
	    (flags & ~(unsigned)SUBPROC_LOOKPATH_ALLOW_DOT))
		return -EINVAL;
	if (strchr(file, '/') != NULL) {
		int r = check_executable(file);
		return r < 0 ? r : copy_out(file, out, outlen);
	}

	path = lookpath_path_of(env);
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dirlen = (size_t)(end - p);
		const char *dir = dirlen > 0 ? p : ".";
		int n, r;

		if (dirlen == 0)
			dirlen = 1;
		n = snprintf(cand, sizeof cand, "%.*s/%s", (int)dirlen, dir, file);
		if (n > 0 && (size_t)n < sizeof cand) {
			r = check_executable(cand);
			if (r == 0) {
				if (dir[0] != '/' && !(flags & SUBPROC_LOOKPATH_ALLOW_DOT))
					return -EPERM;
				return copy_out(cand, out, outlen);
			}
			/* As execvp: a match we may not run is remembered,
			 * a missing one is not. */
			if (r == -EACCES || r == -EPERM)
				denied = true;
		}
		if (*end == '\0')
			break;
		p = end;
	}
	return denied ? -EACCES : -ENOENT;
}
