/* SPDX-License-Identifier: MIT */
/*
 * A command: argv, environment, standard streams, start, wait, free.
 */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Grows *array (of *cap elements of `size` bytes) to hold one more. */
static int grow(void *array, size_t *cap, size_t used, size_t size)
{
	void **p = array;
	size_t n = *cap ? *cap * 2 : 8;
	void *q;

	if (used < *cap)
		return 0;
	q = realloc(*p, n * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

int64_t cmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int subproc_cmd_new(subproc_cmd **out, const char *const argv[])
{
	subproc_cmd *c;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return -EINVAL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return -ENOMEM;
	c->attr.flags = SUBPROC_PATH_SEARCH;
	for (int i = 0; i < 3; i++)
		c->io[i].parent = -1;
	stop_init(&c->stop);
	c->self = c;
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (subproc_cmd_arg(c, argv[i]) < 0) {
			subproc_cmd_free(c);
			return -ENOMEM;
		}
	}
	*out = c;
	return 0;
}

int subproc_cmd_arg(subproc_cmd *c, const char *arg)
{
	char *copy;

	if (arg == NULL)
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	/* Room for the new argument and the NULL that ends argv. */
	if (grow(&c->argv, &c->argcap, c->argc + 1, sizeof *c->argv) < 0)
		return -ENOMEM;
	copy = strdup(arg);
	if (copy == NULL)
		return -ENOMEM;
	c->argv[c->argc++] = copy;
	c->argv[c->argc] = NULL;
	return 0;
}

static bool valid_name(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '=') == NULL;
}

static int env_push(subproc_cmd *c, const char *name, const char *value)
{
	struct cmd_env_op op = {0};

	if (!valid_name(name) || (value != NULL && strchr(name, '=') != NULL))
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	if (grow(&c->env, &c->envcap, c->nenv, sizeof *c->env) < 0)
		return -ENOMEM;
	op.name = strdup(name);
	if (op.name != NULL && value != NULL) {
		size_t n = strlen(name) + strlen(value) + 2;
		op.entry = malloc(n);
		if (op.entry != NULL)
			snprintf(op.entry, n, "%s=%s", name, value);
	}
	if (op.name == NULL || (value != NULL && op.entry == NULL)) {
		free(op.name);
		free(op.entry);
		return -ENOMEM;
	}
	c->env[c->nenv++] = op;
	return 0;
}

int subproc_cmd_setenv(subproc_cmd *c, const char *name, const char *value)
{
	if (value == NULL)
		return -EINVAL;
	return env_push(c, name, value);
}

int subproc_cmd_unsetenv(subproc_cmd *c, const char *name)
{
	return env_push(c, name, NULL);
}

static void env_free_ops(subproc_cmd *c)
{
	for (size_t i = 0; i < c->nenv; i++) {
		free(c->env[i].name);
		free(c->env[i].entry);
	}
	c->nenv = 0;
}

int subproc_cmd_clearenv(subproc_cmd *c)
{
	if (c->proc != NULL)
		return -EBUSY;
	/* What came before a clear cannot matter any more. */
	env_free_ops(c);
	c->env_cleared = true;
	return 0;
}

/* True when `entry` ("NAME=...") sets `name`. */
static bool entry_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* The child's environment: the base, then each operation in order. Only
 * the array is allocated; the strings are the base's and the command's. */
static int env_build(const subproc_cmd *c, char ***out)
{
	char *const *base = c->env_cleared ? NULL : environ;
	size_t n = 0, cap = c->nenv + 1;
	char **env;

	*out = NULL;
	if (c->nenv == 0 && !c->env_cleared)
		return 0; /* the caller's environ, as it is at start */
	for (size_t i = 0; base != NULL && base[i] != NULL; i++)
		cap++;
	env = malloc(cap * sizeof *env);
	if (env == NULL)
		return -ENOMEM;
	for (size_t i = 0; base != NULL && base[i] != NULL; i++)
		env[n++] = base[i];
	for (size_t i = 0; i < c->nenv; i++) {
		size_t k = 0;
		for (size_t j = 0; j < n; j++) {
			if (!entry_is(env[j], c->env[i].name))
				env[k++] = env[j];
		}
		n = k;
		if (c->env[i].entry != NULL)
			env[n++] = c->env[i].entry;
	}
	env[n] = NULL;
	*out = env;
	return 0;
}

int subproc_cmd_dir(subproc_cmd *c, const char *dir)
{
	char *copy = NULL;

	if (c->proc != NULL)
		return -EBUSY;
	if (dir != NULL && (copy = strdup(dir)) == NULL)
		return -ENOMEM;
	free(c->dir);
	c->dir = copy;
	return 0;
}

subproc_attr *subproc_cmd_attr(subproc_cmd *c)
{
	return &c->attr;
}

static void stream_reset(struct cmd_stream *s)
{
	free(s->path);
	s->path = NULL;
	s->nonblock = false;
	s->append = false;
	s->fd = -1;
}

int subproc_cmd_stdio(subproc_cmd *c, int stream, int mode)
{
	bool nonblock = (mode & SUBPROC_STDIO_NONBLOCK) != 0;

	mode &= ~SUBPROC_STDIO_NONBLOCK;
	if (stream < 0 || stream > 2 || mode < SUBPROC_STDIO_INHERIT ||
	    mode > SUBPROC_STDIO_MERGE || (mode == SUBPROC_STDIO_MERGE && stream != 2) ||
	    (nonblock && mode != SUBPROC_STDIO_PIPE))
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	stream_reset(&c->io[stream]);
	c->io[stream].mode = mode;
	c->io[stream].nonblock = nonblock;
	return 0;
}

int subproc_cmd_stdio_file(subproc_cmd *c, int stream, const char *path, bool append)
{
	char *copy;

	if (stream < 0 || stream > 2 || path == NULL)
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	copy = strdup(path);
	if (copy == NULL)
		return -ENOMEM;
	stream_reset(&c->io[stream]);
	c->io[stream].mode = CMD_IO_FILE;
	c->io[stream].path = copy;
	c->io[stream].append = append;
	return 0;
}

int subproc_cmd_stdio_fd(subproc_cmd *c, int stream, int fd)
{
	if (stream < 0 || stream > 2 || fd < 0)
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	stream_reset(&c->io[stream]);
	c->io[stream].mode = CMD_IO_FD;
	c->io[stream].fd = fd;
	return 0;
}

int subproc_cmd_extra_fd(subproc_cmd *c, int fd)
{
	if (fd < -1)
		return -EINVAL;
	if (c->proc != NULL)
		return -EBUSY;
	if (grow(&c->extra, &c->extracap, c->nextra, sizeof *c->extra) < 0)
		return -ENOMEM;
	c->extra[c->nextra++] = fd;
	return 0;
}

int subproc_cmd_timeout(subproc_cmd *c, int timeout_ms, int sig, int grace_ms)
{
	if (sig < 0 || sig >= CMD_NSIG)
		return -EINVAL;
	pthread_mutex_lock(&c->stop.lock);
	c->stop.timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	c->stop.sig = sig != 0 ? sig : SIGTERM;
	c->stop.grace_ms = grace_ms >= 0 ? grace_ms : SUBPROC_GRACE_NEVER;
	pthread_mutex_unlock(&c->stop.lock);
	return 0;
}

void subproc_cmd_on_signal(subproc_cmd *c, subproc_notify_fn *fn, void *ctx)
{
	pthread_mutex_lock(&c->stop.lock);
	c->stop.notify = fn;
	c->stop.notify_ctx = ctx;
	pthread_mutex_unlock(&c->stop.lock);
}

void subproc_cmd_on_output(subproc_cmd *c, subproc_output_fn *fn, void *ctx)
{
	c->on_output = fn;
	c->on_output_ctx = ctx;
}

int subproc_cmd_waitdelay(subproc_cmd *c, int ms)
{
	c->waitdelay_ms = ms > 0 ? ms : 0;
	return 0;
}

int subproc_cmd_limit(subproc_cmd *c, size_t max, int policy)
{
	if (policy != SUBPROC_LIMIT_FAIL && policy != SUBPROC_LIMIT_KEEP_ENDS)
		return -EINVAL;
	c->limit = max;
	c->policy = policy;
	return 0;
}

void subproc_cmd_kill_on_free(subproc_cmd *c, bool kill)
{
	c->kill_on_free = kill;
}

/*
 * Opens what stream `i` of the child needs. *child receives the fd the
 * child gets (-1: closed), *owned the one to close after the start (or
 * -1), and the stream's parent end is stored for pipes.
 */
static int stream_open(subproc_cmd *c, int i, int *child, int *owned, subproc_error *err)
{
	struct cmd_stream *s = &c->io[i];
	int fd, p[2], r;

	*owned = -1;
	switch (s->mode) {
	case CMD_IO_INHERIT:
		/* A stream the caller has closed stays closed. */
		*child = fcntl(i, F_GETFD) >= 0 ? i : -1;
		return 0;
	case CMD_IO_NULL:
	case CMD_IO_FILE: {
		const char *path = s->mode == CMD_IO_NULL ? "/dev/null" : s->path;
		int flags =
			i == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC);
		fd = subproc_open(path, flags, 0666);
		if (fd < 0) {
			if (err != NULL) {
				err->code = fd;
				err->step = SUBPROC_STEP_OPEN;
				err->fd = i;
				snprintf(err->path, sizeof err->path, "%s", path);
			}
			return fd;
		}
		*child = *owned = fd;
		return 0;
	}
	case CMD_IO_PIPE:
		r = subproc_pipe(p, 0);
		if (r < 0) {
			if (err != NULL) {
				err->code = r;
				err->step = SUBPROC_STEP_PIPE;
				err->fd = i;
				err->path[0] = '\0';
			}
			return r;
		}
		/* stdin: the child reads; stdout and stderr: it writes. */
		*child = *owned = i == 0 ? p[0] : p[1];
		s->parent = i == 0 ? p[1] : p[0];
		if (s->nonblock)
			fcntl(s->parent, F_SETFL, fcntl(s->parent, F_GETFL) | O_NONBLOCK);
		return 0;
	case CMD_IO_FD:
		*child = s->fd;
		return 0;
	default: /* MERGE: resolved by the caller */
		*child = -1;
		return 0;
	}
}

void cmd_close_pipes(subproc_cmd *c)
{
	for (int i = 0; i < 3; i++) {
		if (c->io[i].parent >= 0)
			close(c->io[i].parent);
		c->io[i].parent = -1;
	}
}

/* How long free waits for a killed cgroup to empty (a member in the
 * middle of a system call that cannot be interrupted takes its time). */
#define CGROUP_END_MS 10000
#define CGROUP_END_POLL_MS 10

void cmd_cgroup_end(struct cmd_cgroup *cg, bool kill)
{
	int populated;

	if (cg == NULL || cg->path == NULL)
		return;
	populated = cgroup_populated(cg);
	for (int waited = 0; kill && populated > 0 && waited < CGROUP_END_MS;
	     waited += CGROUP_END_POLL_MS) {
		cgroup_kill(cg);
		poll(NULL, 0, CGROUP_END_POLL_MS);
		populated = cgroup_populated(cg);
	}
	/* Members the caller leaves running keep their cgroup. */
	if (populated == 0)
		cgroup_remove(cg);
}

int subproc_cmd_cgroup(subproc_cmd *c, const char *parent)
{
	if (c->proc != NULL || c->cg != NULL || c->staged)
		return -EINVAL;
	return cgroup_new(&c->cg, parent);
}

int subproc_cmd_cgroup_set(subproc_cmd *c, const char *file, const char *value)
{
	if (c->cg == NULL || c->proc != NULL)
		return -EINVAL;
	return cgroup_add_setting(c->cg, file, value);
}

int subproc_cmd_cgroup_stats(const subproc_cmd *c, subproc_cgroup_stats *st)
{
	return cgroup_stats(c->proc != NULL ? c->cg : NULL, st);
}

const char *subproc_cmd_cgroup_path(const subproc_cmd *c)
{
	return c->cg != NULL ? c->cg->path : NULL;
}

int subproc_cmd_start(subproc_cmd *c, subproc_error *err)
{
	if (c->in_set)
		return cmd_error(err, -EBUSY);
	return cmd_start(c, err);
}

int cmd_start(subproc_cmd *c, subproc_error *err)
{
	int owned[3] = {-1, -1, -1};
	int *files = NULL;
	char **env = NULL;
	subproc_attr attr;
	int r;

	cmd_error(err, 0);
	if (c->proc != NULL)
		return cmd_error(err, -EBUSY);
	files = malloc((3 + c->nextra) * sizeof *files);
	r = files == NULL ? -ENOMEM : env_build(c, &env);
	if (r < 0) {
		if (err != NULL)
			err->code = r, err->step = SUBPROC_STEP_ALLOC;
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		r = stream_open(c, i, &files[i], &owned[i], err);
		if (r < 0)
			goto out;
	}
	if (c->io[2].mode == CMD_IO_MERGE)
		files[2] = files[1];
	for (size_t i = 0; i < c->nextra; i++)
		files[3 + i] = c->extra[i];

	attr = c->attr;
	attr.dir = c->dir;
	attr.env = env;
	attr.files = files;
	attr.nfiles = (int)(3 + c->nextra);
	if (c->cg != NULL) {
		/* One cgroup or the other: the child cannot start in both. */
		if (attr.flags & SUBPROC_CGROUP) {
			r = -EINVAL;
			if (err != NULL)
				err->code = r, err->step = SUBPROC_STEP_ATTR;
			goto out;
		}
		r = cgroup_create(c->cg, err);
		if (r < 0)
			goto out;
		attr.flags |= SUBPROC_CGROUP;
		attr.cgroup_fd = c->cg->dirfd;
	}
	r = subproc_start(&c->proc, c->argv[0], c->argv, &attr, err);
	if (r == 0) {
		c->reaped = false;
		c->waited = false;
		c->wait_err = 0;
		c->stop.cg = c->cg;
		c->stop.tree_delay_ms = c->waitdelay_ms;
		stop_arm(&c->stop, &c->self, 1, cmd_group(c));
	} else if (c->cg != NULL) {
		cgroup_remove(c->cg);
	}
out:
	/* The child has its copies (or never will): ours go either way. */
	for (int i = 0; i < 3; i++) {
		if (owned[i] >= 0)
			close(owned[i]);
	}
	if (r < 0)
		cmd_close_pipes(c);
	free(env);
	free(files);
	return r;
}

int subproc_cmd_fd(const subproc_cmd *c, int stream)
{
	if (stream < 0 || stream > 2)
		return -1;
	return c->io[stream].parent;
}

int subproc_cmd_close(subproc_cmd *c, int stream)
{
	if (stream < 0 || stream > 2 || c->io[stream].parent < 0)
		return -EBADF;
	close(c->io[stream].parent);
	c->io[stream].parent = -1;
	return 0;
}

subproc_proc *subproc_cmd_proc(const subproc_cmd *c)
{
	return c->proc;
}

pid_t cmd_group(const subproc_cmd *c)
{
	if ((c->attr.flags & (SUBPROC_SETSID | SUBPROC_FOREGROUND)) ||
	    ((c->attr.flags & SUBPROC_SETPGID) && c->attr.pgid == 0))
		return subproc_pid(c->proc);
	return 0;
}

int subproc_cmd_stop(subproc_cmd *c, int sig)
{
	if (sig < 0 || sig >= CMD_NSIG || c->proc == NULL)
		return -EINVAL;
	return stop_now(&c->stop, sig, false);
}

int subproc_cmd_wait_fd(subproc_cmd *c, int fd, subproc_status *status)
{
	int r;

	if (c->in_set)
		return -EBUSY;
	if (c->proc == NULL)
		return -EINVAL;
	if (cmd_waited(c))
		return -ECHILD;
	r = stop_run(&c->stop, NULL, fd);
	if (r == -EINTR)
		return r;
	c->waited = true;
	cmd_close_pipes(c);
	/* As documented: a status comes with 0 and -ETIMEDOUT only. */
	if (status != NULL && (r == 0 || r == -ETIMEDOUT) && c->reaped && c->wait_err == 0)
		*status = c->status;
	return r;
}

int subproc_cmd_wait(subproc_cmd *c, subproc_status *status)
{
	return subproc_cmd_wait_fd(c, -1, status);
}

int subproc_cmd_run(subproc_cmd *c, subproc_status *status, subproc_error *err)
{
	int r = subproc_cmd_start(c, err);

	if (r < 0)
		return r;
	/* A wait that fails is no start step: err must not claim success. */
	return cmd_error(err, subproc_cmd_wait(c, status));
}

subproc_cmd *subproc_cmd_free(subproc_cmd *c)
{
	if (c == NULL)
		return NULL;
	/* Pipes first: a child blocked writing to us sees EPIPE and can end. */
	cmd_close_pipes(c);
	if (c->proc != NULL && !c->reaped) {
		if (c->kill_on_free)
			stop_now(&c->stop, SIGKILL, false);
		subproc_wait(c->proc, 0, -1, NULL);
	}
	cmd_cgroup_end(c->cg, c->kill_on_free);
	cgroup_free(c->cg);
	subproc_release(c->proc);
	stop_destroy(&c->stop);
	for (size_t i = 0; i < c->argc; i++)
		free(c->argv[i]);
	free(c->argv);
	env_free_ops(c);
	free(c->env);
	free(c->dir);
	for (int i = 0; i < 3; i++)
		stream_reset(&c->io[i]);
	free(c->extra);
	free(c);
	return NULL;
}
