/* SPDX-License-Identifier: MIT */
/*
 * The cgroup options of `subproc run` and `subproc pipe`: --cgroup runs the
 * child (for pipe, the whole pipeline) and everything it starts in a cgroup
 * v2 of their own, which the library makes at the start and removes at the
 * end; --cgroup-set writes one of its files first; --memory-max,
 * --pids-max and --cpu-max are systemd's MemoryMax=, TasksMax= and
 * CPUQuota= as shorthands for the files those control.
 *
 * Values become the kernel's spelling here, so that a bad one is refused
 * where it stands among the options, before anything is made; what the
 * kernel then refuses is the library's error, naming the file.
 *
 * Also the reads of the cgroup's files that `run` and `pipe` make while
 * they wait for it to empty (run.c): the library reports on the cgroup, but
 * waiting for it is the tool's choice.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cpu.max's period, systemd's default for CPUQuota=: 100 ms. */
#define CPU_PERIOD_US 100000ULL
/* The kernel takes no quota below 1 ms. */
#define CPU_QUOTA_MIN_US 1000ULL

/* `dir`/`name` in a new allocation, or NULL. */
static char *join(const char *dir, const char *name)
{
	size_t size = strlen(dir) + strlen(name) + 2;
	char *p = malloc(size);

	if (p != NULL)
		snprintf(p, size, "%s/%s", dir, name);
	return p;
}

/* Asks for the cgroup; the first option to do so names it in messages. */
static void want_cgroup(struct tool_opts *o, const char *opt)
{
	if (!o->cgroup)
		o->cgroup_opt = opt;
	o->cgroup = true;
}

/* Adds `file` (its first `len` bytes) = `value` to the settings. */
static int add_setting_n(struct tool_opts *o, const char *file, size_t len, const char *value)
{
	struct tool_cgset *grown = realloc(o->cgsets, (o->ncgsets + 1) * sizeof *grown);
	char *f = strndup(file, len), *v = strdup(value);

	if (grown != NULL)
		o->cgsets = grown;
	if (grown == NULL || f == NULL || v == NULL) {
		free(f);
		free(v);
		tool_error("out of memory");
		return -1;
	}
	o->cgsets[o->ncgsets].file = f;
	o->cgsets[o->ncgsets].value = v;
	o->ncgsets++;
	return 0;
}

static int add_setting(struct tool_opts *o, const char *file, const char *value)
{
	return add_setting_n(o, file, strlen(file), value);
}

/* The kernel's word for no limit, and systemd's. */
static bool unlimited(const char *s)
{
	return strcmp(s, "infinity") == 0 || strcmp(s, "max") == 0;
}

/*
 * A decimal number as systemd's parse_size reads one: digits, then
 * optionally '.' and digits. *whole gets the integer part and *nano the
 * fraction in billionths (digits past the ninth are dropped), *end what
 * follows. Returns 0, -EINVAL (no number) or -ERANGE (too many digits).
 */
static int decimal(const char *s, unsigned long long *whole, unsigned long long *nano,
                   const char **end)
{
	unsigned long long w = 0, n = 0, place = 100000000;
	const char *p = s;

	if (*p < '0' || *p > '9') /* strtoull would take " 1", "+1", "-1" */
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (w > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		w = w * 10 + (unsigned)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			n += (unsigned)(*p - '0') * place;
			place /= 10;
		}
	}
	*whole = w;
	*nano = n;
	*end = p;
	return 0;
}

/*
 * A percentage as systemd reads one (parse_permyriad): N% or N.N% or
 * N.NN%, in hundredths of a percent. Returns 0; 1 when `s` is no
 * percentage; -EINVAL for one with more decimals; -ERANGE.
 */
static int permyriad(const char *s, unsigned long long *out)
{
	unsigned long long whole, nano;
	const char *end;
	int r = decimal(s, &whole, &nano, &end);

	if (r == -EINVAL || (r == 0 && strcmp(end, "%") != 0) ||
	    (r == -ERANGE && s[strlen(s) - 1] != '%'))
		return 1;
	if (r < 0 || whole > UINT64_MAX / 10000)
		return -ERANGE;
	if (nano % 10000000 != 0)
		return -EINVAL;
	*out = whole * 100 + nano / 10000000;
	return 0;
}

/*
 * --memory-max as systemd's MemoryMax= (systemd.resource-control(5), its
 * parse_size with base 1024): bytes, with a fraction and a suffix B, K, M,
 * G, T, P or E for powers of 1024 (1.5G); a percentage of the physical
 * memory, in whole pages, as physical_memory_scale gives it; or infinity.
 * Like systemd, 0 is refused (no memory at all); unlike it, sums such as
 * "1G 512M" are.
 */
static int memory_max(struct tool_opts *o, const char *arg)
{
	static const char units[] = "BKMGTPE"; /* 1024^0 .. 1024^6 */
	unsigned long long whole, nano, bytes, pm;
	const char *end = NULL, *unit = units;
	char value[32];
	int r;

	if (unlimited(arg))
		return add_setting(o, "memory.max", "max");
	r = permyriad(arg, &pm);
	if (r == 0) {
#ifdef _SC_PHYS_PAGES
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
#else /* not in POSIX: a system without it is asked for none */
		long pages = -1, size = -1;
#endif

		if (pm > 10000) {
			tool_error("--memory-max: '%s' is more than all the memory", arg);
			return -1;
		}
		if (pages <= 0 || size <= 0) {
			tool_error("--memory-max: %s: the size of the memory is not known", arg);
			return -1;
		}
		bytes = (unsigned long long)pages * pm / 10000 * (unsigned long long)size;
	} else if (r < 0) {
		tool_error("--memory-max: '%s': %s", arg,
		           r == -ERANGE ? "more than all the memory"
		                        : "a percentage has two decimals at most");
		return -1;
	} else if ((r = decimal(arg, &whole, &nano, &end)) == 0 &&
	           (end[0] == '\0' || ((unit = strchr(units, end[0])) != NULL && end[1] == '\0'))) {
		unsigned shift = end[0] == '\0' ? 0 : 10 * (unsigned)(unit - units);
		/* The fraction's bytes, rounded down as systemd does. */
		unsigned long long part =
			(unsigned long long)((double)nano / 1e9 * (double)(1ULL << shift));

		if (whole > (UINT64_MAX >> shift) || (whole << shift) > UINT64_MAX - part) {
			tool_error("--memory-max: '%s' is too large (infinity for no limit)", arg);
			return -1;
		}
		bytes = (whole << shift) + part;
	} else if (r == -ERANGE) {
		tool_error("--memory-max: '%s' is too large (infinity for no limit)", arg);
		return -1;
	} else {
		tool_error("--memory-max: expected bytes with an optional K, M, G, T, P or E "
		           "(powers of 1024), a percentage of the memory, or infinity; got '%s'",
		           arg);
		return -1;
	}
	if (bytes == 0) {
		tool_error("--memory-max: '%s' leaves no memory at all (infinity for no limit)",
		           arg);
		return -1;
	}
	snprintf(value, sizeof value, "%llu", bytes);
	return add_setting(o, "memory.max", value);
}

/* --pids-max as systemd's TasksMax=, without its percentages: a number of
 * processes (threads count too), or infinity. 0 would leave the child no
 * room to start. */
static int pids_max(struct tool_opts *o, const char *arg)
{
	unsigned long long whole, nano;
	const char *end;
	char value[32];

	if (unlimited(arg))
		return add_setting(o, "pids.max", "max");
	if (decimal(arg, &whole, &nano, &end) < 0 || strchr(arg, '.') != NULL || *end != '\0' ||
	    whole == 0 || whole > INT64_MAX) {
		tool_error("--pids-max: expected a number of processes (1 or more) or infinity, "
		           "got '%s'",
		           arg);
		return -1;
	}
	snprintf(value, sizeof value, "%llu", whole);
	return add_setting(o, "pids.max", value);
}

/*
 * --cpu-max as systemd's CPUQuota=: a percentage of one CPU's time (200% is
 * two CPUs), so that cpu.max gets that share of systemd's 100 ms period
 * (50% is "50000 100000"). A bare number is refused rather than guessed at:
 * 2 could be meant as 2% or as two CPUs.
 */
static int cpu_max(struct tool_opts *o, const char *arg)
{
	unsigned long long pm, quota;
	char value[48];
	int r;

	if (unlimited(arg)) {
		snprintf(value, sizeof value, "max %llu", CPU_PERIOD_US);
		return add_setting(o, "cpu.max", value);
	}
	r = permyriad(arg, &pm);
	if (r == -ERANGE) {
		tool_error("--cpu-max: '%s' is too large (infinity for no limit)", arg);
		return -1;
	}
	if (r == -EINVAL) {
		tool_error("--cpu-max: '%s': a percentage has two decimals at most", arg);
		return -1;
	}
	if (r != 0) {
		tool_error("--cpu-max: expected a percentage of one CPU such as 50%% or 200%% (two "
		           "CPUs), or infinity; got '%s'",
		           arg);
		return -1;
	}
	/* A hundredth of a percent of the period. */
	quota = pm * (CPU_PERIOD_US / 10000);
	if (quota < CPU_QUOTA_MIN_US) {
		tool_error("--cpu-max: '%s' is below 1%%, the kernel's smallest quota (1 ms of "
		           "each 100 ms)",
		           arg);
		return -1;
	}
	snprintf(value, sizeof value, "%llu %llu", quota, CPU_PERIOD_US);
	return add_setting(o, "cpu.max", value);
}

/* --cgroup-set FILE=VALUE: FILE is one of the new directory's own files. */
static int cgroup_set(struct tool_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq != NULL ? (size_t)(eq - arg) : 0;

	if (eq == NULL || eq == arg) {
		tool_error("--cgroup-set: expected FILE=VALUE, got '%s'", arg);
		return -1;
	}
	if (memchr(arg, '/', len) != NULL || (len == 1 && arg[0] == '.') ||
	    (len == 2 && arg[0] == '.' && arg[1] == '.')) {
		tool_error("--cgroup-set: FILE is a file of the new cgroup, named without '/'; got "
		           "'%s'",
		           arg);
		return -1;
	}
	return add_setting_n(o, arg, len, eq + 1);
}

int tool_cgroup_option(struct tool_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case TOOL_OPT_CGROUP:
		if (arg != NULL && arg[0] == '\0') {
			tool_error("--cgroup: empty PARENT (--cgroup alone is under subproc's own "
			           "cgroup)");
			return -1;
		}
		want_cgroup(o, "--cgroup");
		o->cgroup_parent = arg; /* the last one given */
		return 0;
	case TOOL_OPT_CGROUP_SET:
		want_cgroup(o, "--cgroup-set");
		return cgroup_set(o, arg);
	case TOOL_OPT_MEMORY_MAX:
		want_cgroup(o, "--memory-max");
		return memory_max(o, arg);
	case TOOL_OPT_PIDS_MAX:
		want_cgroup(o, "--pids-max");
		return pids_max(o, arg);
	case TOOL_OPT_CPU_MAX:
		want_cgroup(o, "--cpu-max");
		return cpu_max(o, arg);
	default:
		tool_error("cgroup option %d: not handled", opt);
		return -1;
	}
}

void tool_cgroup_free(struct tool_opts *o)
{
	for (size_t i = 0; i < o->ncgsets; i++) {
		free(o->cgsets[i].file);
		free(o->cgsets[i].value);
	}
	free(o->cgsets);
}

int tool_cgroup_apply(const struct tool_opts *o, subproc_cmd *cmd, subproc_pipeline *pl)
{
	int r;

	if (!o->cgroup)
		return 0;
	r = cmd != NULL ? subproc_cmd_cgroup(cmd, o->cgroup_parent)
	                : subproc_pipeline_cgroup(pl, o->cgroup_parent);
	for (size_t i = 0; r == 0 && i < o->ncgsets; i++) {
		const struct tool_cgset *s = &o->cgsets[i];

		r = cmd != NULL ? subproc_cmd_cgroup_set(cmd, s->file, s->value)
		                : subproc_pipeline_cgroup_set(pl, s->file, s->value);
	}
	if (r < 0) {
		tool_error("%s: %s", o->cgroup_opt, subproc_strerror(r));
		if (r == -ENOSYS)
			tool_error("(cgroups need subproc's Linux build; this one is the portable "
			           "build)");
	}
	return r;
}

/* Whether the space-separated list in the file at dir/name has `word`. */
static bool file_lists(const char *dir, const char *name, const char *word)
{
	char *path = join(dir, name), line[1024];
	FILE *f = path != NULL ? fopen(path, "re") : NULL;
	bool found = false;

	free(path);
	if (f == NULL)
		return false;
	if (fgets(line, sizeof line, f) != NULL) {
		char *save = NULL;

		for (char *w = strtok_r(line, " \n", &save); w != NULL && !found;
		     w = strtok_r(NULL, " \n", &save))
			found = strcmp(w, word) == 0;
	}
	fclose(f);
	return found;
}

/*
 * A file of the new cgroup that does not exist: when its name is a
 * controller's (memory.max), that controller is not enabled for the
 * parent's children. Says where it would be, and whether it can be: the
 * parent's cgroup.controllers lists what its own parent lets it enable (a
 * controller that some hierarchy of cgroup v1 holds is in none).
 */
static void controller_hint(const char *path)
{
	static const char *const controllers[] = {"cpu",     "cpuset", "io",   "memory",
	                                          "hugetlb", "pids",   "rdma", "misc"};
	const char *file = strrchr(path, '/');
	char parent[SUBPROC_ERROR_PATH_MAX], name[16];
	char *slash;
	size_t len;

	if (file == NULL)
		return;
	len = strcspn(file + 1, ".");
	if (file[1 + len] != '.' || len >= sizeof name)
		return;
	memcpy(name, file + 1, len);
	name[len] = '\0';
	for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++) {
		if (strcmp(name, controllers[i]) != 0)
			continue;
		/* path is PARENT/NEW/FILE. */
		snprintf(parent, sizeof parent, "%.*s", (int)(file - path), path);
		slash = strrchr(parent, '/');
		if (slash == NULL)
			return;
		*slash = '\0';
		if (file_lists(parent, "cgroup.controllers", name))
			tool_error(
				"(the %s controller is not enabled in %s/cgroup.subtree_control)",
				name, parent);
		else
			tool_error(
				"(the %s controller is not enabled in %s/cgroup.subtree_control; "
				"%s/cgroup.controllers does not offer it either: a cgroup above "
				"does not enable it, or cgroup v1 holds it)",
				name, parent, parent);
		return;
	}
}

void tool_cgroup_hint(const struct tool_opts *o, const subproc_error *err)
{
	if (!o->cgroup)
		return;
	if (err->step == SUBPROC_STEP_CGROUP_WRITE && err->code == -ENOENT)
		controller_hint(err->path);
	else if (err->step == SUBPROC_STEP_CGROUP_CREATE && err->code == -ENOENT &&
	         strcmp(err->path, "/proc/self/mountinfo") == 0)
		tool_error("(subproc's own cgroup is not in a mounted cgroup v2 hierarchy: give "
		           "--cgroup=PARENT)");
	else if (err->step == SUBPROC_STEP_CGROUP_CREATE &&
	         (err->code == -EACCES || err->code == -EPERM || err->code == -EROFS))
		tool_error(
			"(making a cgroup there needs the right to write in it: root, or a cgroup "
			"delegated to this user)");
}
