/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the proc layer: random attributes, argv and environments given to
 * subproc_start. Whatever the input, the call either starts /bin/true (or
 * sh) and the child is waited for, or fails cleanly: no crash, no sanitizer
 * report, no fd and no child left behind.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "subproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dirs[] = {NULL, "/", "/tmp", "/subproc-missing", "relative", ""};
static const char *const paths[] = {"/bin/true", "true", "sh", "/subproc-missing", "", "/", NULL};
static const char *const args[] = {"-c", "exit 3", "x", "", "kill -9 $$"};
static char *const env_ok[] = {"PATH=/usr/bin:/bin", "A=1", NULL};
static char *const env_bad[] = {"NOEQUALS", NULL};
static char *const env_empty[] = {NULL};
static char *const env_dot[] = {"PATH=.:", NULL};
static char *const *const envs[] = {NULL, env_ok, env_bad, env_empty, env_dot};
static const rlim_t limits[] = {0, 1, 64, 1024, RLIM_INFINITY};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = {data, size};
	static const subproc_idmap map_root = {0, 0, 1}, map_range = {0, 100000, 1000},
				   map_empty = {0, 0, 0};
	static const subproc_idmap *const maps[] = {NULL, &map_root, &map_range, &map_empty};
	static const char *const hostnames[] = {NULL, "fuzz", "",
	                                        "a-name-longer-than-the-sixty-four-bytes-a-host-"
	                                        "name-may-have-on-linux"};
	subproc_isolation iso;
	subproc_attr a;
	int files[8];
	gid_t groups[4];
	subproc_rlimit rl[4];
	char *argv[6] = {NULL};
	const char *path = "/bin/true";
	subproc_proc *proc = NULL;
	subproc_error err;
	int argc = 1, r;

	pool_init();
	memset(&a, 0, sizeof a);
	memset(&iso, 0, sizeof iso);
	argv[0] = (char *)path;
	invariants_before();
	while (b.n > 0) {
		switch (pick(&b, 17)) {
		case 0:
			a.flags |= 1u << pick(&b, 18); /* 17: one unknown flag */
			/* A traced child stops at its exec for a tracer, which
			 * the fuzzer is not. */
			a.flags &= ~(unsigned)SUBPROC_PTRACE;
			break;
		case 1:
			a.dir = dirs[pick(&b, 6)];
			break;
		case 2:
			a.env = envs[pick(&b, 5)];
			break;
		case 3:
			if (a.nfiles < 8) {
				files[a.nfiles] = pool_fd(&b);
				a.nfiles++;
				a.files = files;
			}
			break;
		case 4:
			a.pgid = (pid_t)take16(&b);
			break;
		case 5:
			a.ctty = (int)pick(&b, 6) - 1;
			break;
		case 6:
			a.uid = pick(&b, 3) == 0 ? 0 : 65534;
			a.gid = pick(&b, 3) == 0 ? 0 : 65534;
			break;
		case 7:
			a.ngroups = pick(&b, 5);
			for (size_t i = 0; i < a.ngroups; i++)
				groups[i] = take(&b);
			a.groups = groups;
			break;
		case 8:
			a.umask = (mode_t)take16(&b);
			break;
		case 9:
			if (a.nrlimits < 4) {
				rl[a.nrlimits].resource = (int)pick(&b, RLIMIT_NLIMITS + 2) - 1;
				rl[a.nrlimits].limit.rlim_cur = limits[pick(&b, 5)];
				rl[a.nrlimits].limit.rlim_max = limits[pick(&b, 5)];
				a.rlimits = rl;
				a.nrlimits++;
			}
			break;
		case 10:
			sigaddset(&a.sigmask, 1 + (int)pick(&b, 64));
			break;
		case 11:
			sigaddset(&a.sigdefault, 1 + (int)pick(&b, 64));
			break;
		case 12:
			a.pdeathsig = (int)pick(&b, 70);
			break;
		case 13:
			a.launch = (int)pick(&b, 5);
			break;
		case 14:
			path = paths[pick(&b, 7)];
			argv[0] = (char *)(path ? path : "x");
			if (argc < 5)
				argv[argc++] = (char *)args[pick(&b, 5)];
			if (pick(&b, 8) == 0)
				argv[0] = NULL; /* an empty argv */
			break;
		case 15:
			/* Isolation, without a seccomp filter (a random one
			 * could refuse the fuzzer's own wait in the child's
			 * place) or ptrace (see case 0). */
			iso.namespaces = (unsigned)pick(&b, 512); /* 256 up: unknown */
			iso.flags = (unsigned)pick(&b, 16);       /* 8: unknown */
			iso.hostname = hostnames[pick(&b, 4)];
			iso.uid_map = maps[pick(&b, 4)];
			iso.nuid_map = iso.uid_map != NULL ? 1 : pick(&b, 2);
			iso.gid_map = maps[pick(&b, 4)];
			iso.ngid_map = iso.gid_map != NULL ? 1 : 0;
			iso.setgroups = (int)pick(&b, 5) - 1;
			iso.ambient = pick(&b, 4) == 0 ? SUBPROC_CAP(pick(&b, 64)) : 0;
			iso.bounding = SUBPROC_CAP(pick(&b, 64));
			a.isolation = &iso;
			break;
		default:
			a.chroot = pick(&b, 2) ? "/" : "/subproc-missing";
			a.cgroup_fd = pool_fd(&b);
			break;
		}
	}
	/* Never hand the terminal the fuzzer runs in to a child. */
	if (isatty(0) || isatty(1) || isatty(2))
		a.flags &= ~(unsigned)(SUBPROC_FOREGROUND | SUBPROC_SETCTTY);

	r = subproc_start(&proc, path, argv, &a, &err);
	if (r == 0) {
		r = subproc_wait(proc, 0, 10000, NULL);
		if (r == -ETIMEDOUT) {
			subproc_signal(proc, SIGKILL);
			r = subproc_wait(proc, 0, -1, NULL);
		}
		if (r != 0) {
			fprintf(stderr, "fuzz_attr: waiting for %d: %s\n", (int)subproc_pid(proc),
			        subproc_strerror(r));
			abort();
		}
		subproc_release(proc);
	} else if (proc != NULL || r != err.code || err.step == SUBPROC_STEP_NONE) {
		abort(); /* a failure must say what failed, and return nothing */
	}
	invariants_after("fuzz_attr");
	return 0;
}
