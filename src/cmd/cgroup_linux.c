/* SPDX-License-Identifier: MIT */
/*
 * A command's own cgroup v2 (cmd.h, struct cmd_cgroup): found, made and
 * written in the parent before the start; the child goes in with
 * CLONE_INTO_CGROUP (subproc_attr's SUBPROC_CGROUP). Its members are
 * killed all at once with cgroup.kill, and an empty one is removed.
 *
 * Paths rather than fds relative to the directory: what fails is then
 * reported, and found by the fault tests, by the file's whole path.
 */
#include "cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names of new directories: subproc-PID-N, N counting up per process. */
static atomic_uint cgroup_serial;

int cgroup_new(struct cmd_cgroup **out, const char *parent)
{
	struct cmd_cgroup *cg = calloc(1, sizeof *cg);

	*out = NULL;
	if (cg == NULL)
		return -ENOMEM;
	cg->dirfd = -1;
	if (parent != NULL && (cg->parent = strdup(parent)) == NULL) {
		free(cg);
		return -ENOMEM;
	}
	*out = cg;
	return 0;
}

int cgroup_add_setting(struct cmd_cgroup *cg, const char *file, const char *value)
{
	struct cmd_cgroup_setting *grown, *s;

	if (file == NULL || value == NULL || file[0] == '\0' || strchr(file, '/') != NULL ||
	    strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
		return -EINVAL;
	grown = realloc(cg->settings, (cg->nsettings + 1) * sizeof *grown);
	if (grown == NULL)
		return -ENOMEM;
	cg->settings = grown;
	s = &grown[cg->nsettings];
	s->file = strdup(file);
	s->value = strdup(value);
	if (s->file == NULL || s->value == NULL) {
		free(s->file);
		free(s->value);
		return -ENOMEM;
	}
	cg->nsettings++;
	return 0;
}

void cgroup_free(struct cmd_cgroup *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->nsettings; i++) {
		free(cg->settings[i].file);
		free(cg->settings[i].value);
	}
	free(cg->settings);
	free(cg->parent);
	free(cg->path);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	free(cg);
}

static int fail(subproc_error *err, int code, int step, const char *path)
{
	if (err != NULL) {
		err->code = code;
		err->step = step;
		err->fd = -1;
		snprintf(err->path, sizeof err->path, "%s", path != NULL ? path : "");
	}
	return code;
}

/* `dir`/`name` in a new allocation, or NULL. */
static char *join(const char *dir, const char *name)
{
	size_t size = strlen(dir) + strlen(name) + 2;
	char *p = malloc(size);

	if (p != NULL)
		snprintf(p, size, "%s/%s", dir, name);
	return p;
}

/* A decimal number at s, as strtoull reads it; false for none. */
static bool parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return end != s && errno == 0;
}

/*
 * The caller's own cgroup as a directory: the "0::" line of
 * /proc/self/cgroup (its path in the v2 hierarchy) under the cgroup2 mount
 * of /proc/self/mountinfo, less the part of the hierarchy above the
 * mount's root. Returns a malloc'ed path, or NULL with *code: -ENOENT when
 * there is no cgroup2 (either file lacks it), -ENOMEM, -errno. Lines are
 * read with getline, into the heap: the library keeps no big buffer on a
 * caller's stack, which may be a small thread's.
 */
static char *own_cgroup(int *code)
{
	char *line = NULL, *cgpath = NULL, *root = NULL, *mnt = NULL, *out = NULL;
	size_t cap = 0, rootlen;
	FILE *f = fopen("/proc/self/cgroup", "re");

	*code = -ENOENT;
	if (f == NULL) {
		*code = -errno;
		return NULL;
	}
	while (cgpath == NULL && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			cgpath = strdup(line + 3);
			if (cgpath == NULL)
				*code = -ENOMEM;
		}
	}
	fclose(f);
	f = cgpath != NULL ? fopen("/proc/self/mountinfo", "re") : NULL;
	if (cgpath != NULL && f == NULL)
		*code = -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE ..."; a
	 * path with a space in it is written with \040, which no cgroup mount
	 * point here has, so such a one is passed over. */
	while (f != NULL && mnt == NULL && getline(&line, &cap, f) > 0) {
		char *dash = strstr(line, " - "), *field[5], *save = NULL, *t = line;
		int n = 0;

		if (dash == NULL || strncmp(dash + 3, "cgroup2 ", 8) != 0)
			continue;
		*dash = '\0';
		while (n < 5 && (field[n] = strtok_r(t, " ", &save)) != NULL) {
			t = NULL;
			n++;
		}
		if (n == 5 && strchr(field[4], '\\') == NULL) {
			root = strdup(field[3]);
			mnt = strdup(field[4]);
			if (root == NULL || mnt == NULL) {
				*code = -ENOMEM;
				break;
			}
		}
	}
	if (f != NULL)
		fclose(f);
	free(line);
	if (cgpath == NULL || root == NULL || mnt == NULL)
		goto out;
	/* A path outside the mount's root cannot be reached through it. */
	rootlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (strncmp(cgpath, root, rootlen) != 0 ||
	    (cgpath[rootlen] != '/' && cgpath[rootlen] != '\0'))
		goto out;
	/* "/" alone adds nothing to the mount point. */
	if (strcmp(cgpath + rootlen, "/") == 0 || cgpath[rootlen] == '\0')
		out = strdup(mnt);
	else
		out = join(mnt, cgpath + rootlen + 1);
	if (out == NULL)
		*code = -ENOMEM;
out:
	free(cgpath);
	free(root);
	free(mnt);
	return out;
}

/* The whole of `value` in one write, as the kernel takes a setting. */
static int write_file(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return (size_t)n == len ? 0 : -EIO;
}

/* The first cgroup (subdirectory) in dir, malloc'ed; NULL for none (or
 * with *code an error). */
static char *first_child(const char *dir, int *code)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *sub = NULL;

	*code = 0;
	if (d == NULL) {
		*code = errno == ENOENT ? 0 : -errno;
		return NULL;
	}
	while (sub == NULL && (e = readdir(d)) != NULL) {
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0) {
			sub = join(dir, e->d_name);
			if (sub == NULL)
				*code = -ENOMEM;
		}
	}
	closedir(d);
	return sub;
}

/*
 * Removes dir and the cgroups the tree made under it, deepest first (a
 * cgroup directory holds only interface files, which go with it, and
 * cgroups). Walks down to a cgroup without children each time, rather
 * than recursing: the depth is the tree's to choose.
 */
static int rmdir_tree(const char *dir)
{
	for (;;) {
		char *path, *sub;
		int code;

		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY && errno != ENOTEMPTY)
			return -errno;
		path = strdup(dir);
		if (path == NULL)
			return -ENOMEM;
		while ((sub = first_child(path, &code)) != NULL) {
			free(path);
			path = sub;
		}
		if (code == 0 && strcmp(path, dir) == 0)
			code = -EBUSY; /* members left, no child cgroup to blame */
		if (code == 0 && rmdir(path) < 0)
			code = -errno;
		free(path);
		if (code < 0)
			return code;
	}
}

int cgroup_create(struct cmd_cgroup *cg, subproc_error *err)
{
	char name[64], *parent = cg->parent, *path = NULL;
	int r = 0;

	if (cg->path != NULL)
		return fail(err, -EBUSY, SUBPROC_STEP_CGROUP_CREATE, cg->path);
	if (parent == NULL) {
		parent = own_cgroup(&r);
		if (parent == NULL)
			return fail(err, r,
			            r == -ENOMEM ? SUBPROC_STEP_ALLOC : SUBPROC_STEP_CGROUP_CREATE,
			            r == -ENOMEM ? NULL : "/proc/self/mountinfo");
	}
	/* A name nobody has: another process's, or one an earlier run of
	 * this pid left, is passed over. */
	for (int tries = 0; tries < 1000; tries++) {
		snprintf(name, sizeof name, "subproc-%ld-%u", (long)getpid(),
		         atomic_fetch_add_explicit(&cgroup_serial, 1, memory_order_relaxed));
		free(path);
		path = join(parent, name);
		if (path == NULL) {
			r = fail(err, -ENOMEM, SUBPROC_STEP_ALLOC, NULL);
			goto out;
		}
		if (mkdir(path, 0755) == 0) {
			r = 0;
			break;
		}
		r = -errno;
		if (r != -EEXIST)
			break;
	}
	if (r < 0) {
		/* The parent's path says more than the one we chose. */
		r = fail(err, r, SUBPROC_STEP_CGROUP_CREATE, r == -EEXIST ? path : parent);
		goto out;
	}
	for (size_t i = 0; i < cg->nsettings; i++) {
		char *file = join(path, cg->settings[i].file);

		r = file == NULL ? -ENOMEM : write_file(file, cg->settings[i].value);
		if (r < 0)
			fail(err, r, file == NULL ? SUBPROC_STEP_ALLOC : SUBPROC_STEP_CGROUP_WRITE,
			     file);
		free(file);
		if (r < 0)
			break;
	}
	if (r == 0) {
		cg->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->dirfd < 0)
			r = fail(err, -errno, SUBPROC_STEP_CGROUP_CREATE, path);
	}
	if (r < 0) {
		rmdir_tree(path);
		goto out;
	}
	cg->path = path;
	path = NULL;
	/* Before Linux 5.14 there is no cgroup.kill. */
	{
		char *kill_file = join(cg->path, "cgroup.kill");
		cg->no_kill_file = kill_file != NULL && access(kill_file, F_OK) < 0;
		free(kill_file);
	}
out:
	free(path);
	if (parent != cg->parent)
		free(parent);
	return r;
}

void cgroup_each(const struct cmd_cgroup *cg, void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	char *procs = cg != NULL && cg->path != NULL ? join(cg->path, "cgroup.procs") : NULL;
	FILE *f = procs != NULL ? fopen(procs, "re") : NULL;
	unsigned long long pid;
	char *line = NULL;
	size_t cap = 0;

	free(procs);
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (parse_u64(line, &pid) && pid > 0)
			fn((pid_t)pid, ctx);
	}
	free(line);
	fclose(f);
}

static void kill_one(pid_t pid, void *ctx)
{
	(void)ctx;
	kill(pid, SIGKILL);
}

void cgroup_kill(struct cmd_cgroup *cg)
{
	char *file;

	if (cg == NULL || cg->path == NULL)
		return;
	if (!cg->no_kill_file) {
		file = join(cg->path, "cgroup.kill");
		if (file != NULL && write_file(file, "1") == 0) {
			free(file);
			return;
		}
		free(file);
	}
	/* What cgroup.kill does at once, one by one: a member forked
	 * meanwhile is found by the next call. */
	cgroup_each(cg, kill_one, NULL);
}

/* The value of `key` in a "key value" file, such as cpu.stat. */
static bool read_key(const char *dir, const char *name, const char *key, unsigned long long *value,
                     int *code)
{
	char *path = join(dir, name), line[256];
	size_t klen = strlen(key);
	FILE *f;
	bool found = false;

	*code = -ENOMEM;
	if (path == NULL)
		return false;
	f = fopen(path, "re");
	*code = f == NULL ? -errno : -ENOENT;
	free(path);
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			found = parse_u64(line + klen + 1, value);
	}
	fclose(f);
	if (found)
		*code = 0;
	return found;
}

/* A file that holds one number (memory.peak, pids.peak). */
static bool read_number(const char *dir, const char *name, unsigned long long *value)
{
	char *path = join(dir, name);
	FILE *f = path != NULL ? fopen(path, "re") : NULL;
	char line[32];
	bool ok;

	free(path);
	if (f == NULL)
		return false;
	ok = fgets(line, sizeof line, f) != NULL && parse_u64(line, value);
	fclose(f);
	return ok;
}

int cgroup_populated(const struct cmd_cgroup *cg)
{
	unsigned long long v = 0;
	int code;

	if (cg == NULL || cg->path == NULL)
		return 0;
	if (!read_key(cg->path, "cgroup.events", "populated", &v, &code))
		return code;
	return v != 0;
}

int cgroup_stats(const struct cmd_cgroup *cg, subproc_cgroup_stats *st)
{
	int code;

	memset(st, 0, sizeof *st);
	if (cg == NULL || cg->path == NULL)
		return -EINVAL;
	if (!read_key(cg->path, "cpu.stat", "user_usec", &st->user_usec, &code) ||
	    !read_key(cg->path, "cpu.stat", "system_usec", &st->system_usec, &code))
		return code;
	st->have = SUBPROC_CGROUP_CPU;
	if (read_number(cg->path, "memory.peak", &st->memory_peak))
		st->have |= SUBPROC_CGROUP_MEMORY_PEAK;
	if (read_number(cg->path, "pids.peak", &st->pids_peak))
		st->have |= SUBPROC_CGROUP_PIDS_PEAK;
	if (read_key(cg->path, "memory.events", "oom_kill", &st->oom_kills, &code))
		st->have |= SUBPROC_CGROUP_OOM_KILLS;
	return 0;
}

int cgroup_remove(struct cmd_cgroup *cg)
{
	int r;

	if (cg == NULL || cg->path == NULL)
		return 0;
	if (cg->dirfd >= 0) {
		close(cg->dirfd);
		cg->dirfd = -1;
	}
	r = rmdir_tree(cg->path);
	if (r == 0) {
		free(cg->path);
		cg->path = NULL;
	}
	return r;
}
