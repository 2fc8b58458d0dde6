/* SPDX-License-Identifier: MIT */
/*
 * subproc_lookpath: execvp's search, with Go's refusal of matches found only
 * through "." or another relative PATH entry.
 */
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char script[] = "#!/bin/sh\nexit 0\n";

struct dirs {
	char *a, *b;
};

static int setup(void **state)
{
	struct dirs *d = calloc(1, sizeof *d);

	if (!d)
		return -1;
	d->a = tempdir_make();
	d->b = tempdir_make();
	*state = d;
	return d->a && d->b ? 0 : -1;
}

static int teardown(void **state)
{
	struct dirs *d = *state;

	tempdir_remove(d->a);
	tempdir_remove(d->b);
	free(d);
	return 0;
}

static void path_env(char *buf, size_t size, const char *value)
{
	snprintf(buf, size, "PATH=%s", value);
}

static void test_lookpath_finds_in_path(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], value[8192], out[PATH_MAX], want[PATH_MAX];
	char *prog = file_make(d->b, "prog", script, sizeof script - 1, 0755);

	assert_non_null(prog);
	snprintf(value, sizeof value, "/nonexistent-subproc:%s:%s", d->a, d->b);
	path_env(pathvar, sizeof pathvar, value);
	char *const env[] = {"X=1", pathvar, NULL};
	snprintf(want, sizeof want, "%s/prog", d->b);
	assert_int_equal(subproc_lookpath("prog", env, 0, out, sizeof out), 0);
	assert_string_equal(out, want);
	free(prog);
}

/* The first executable match wins, in PATH order. */
static void test_lookpath_first_match_wins(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], value[8192], out[PATH_MAX], want[PATH_MAX];

	free(file_make(d->a, "prog", script, sizeof script - 1, 0755));
	free(file_make(d->b, "prog", script, sizeof script - 1, 0755));
	snprintf(value, sizeof value, "%s:%s", d->a, d->b);
	path_env(pathvar, sizeof pathvar, value);
	char *const env[] = {pathvar, NULL};
	snprintf(want, sizeof want, "%s/prog", d->a);
	assert_int_equal(subproc_lookpath("prog", env, 0, out, sizeof out), 0);
	assert_string_equal(out, want);
}

/* A non-executable file and a directory of that name are passed over. */
static void test_lookpath_skips_non_executable_and_dirs(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], value[8192], out[PATH_MAX], want[PATH_MAX], sub[PATH_MAX];

	snprintf(sub, sizeof sub, "%s/sub", d->a);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(strcat(strcpy(want, sub), "/prog"), 0755), 0);
	free(file_make(d->a, "prog", script, sizeof script - 1, 0644));
	free(file_make(d->b, "prog", script, sizeof script - 1, 0755));
	snprintf(value, sizeof value, "%s:%s:%s", sub, d->a, d->b);
	path_env(pathvar, sizeof pathvar, value);
	char *const env[] = {pathvar, NULL};
	snprintf(want, sizeof want, "%s/prog", d->b);
	assert_int_equal(subproc_lookpath("prog", env, 0, out, sizeof out), 0);
	assert_string_equal(out, want);
}

static void test_lookpath_eacces_when_none_executable(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], out[PATH_MAX];

	free(file_make(d->a, "prog", script, sizeof script - 1, 0644));
	path_env(pathvar, sizeof pathvar, d->a);
	char *const env[] = {pathvar, NULL};
	assert_int_equal(subproc_lookpath("prog", env, 0, out, sizeof out), -EACCES);
}

static void test_lookpath_enoent(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], value[8192], out[PATH_MAX];

	snprintf(value, sizeof value, "%s:%s", d->a, d->b);
	path_env(pathvar, sizeof pathvar, value);
	char *const env[] = {pathvar, NULL};
	assert_int_equal(subproc_lookpath("subproc-no-such-prog", env, 0, out, sizeof out),
	                 -ENOENT);
}

/* Go's ErrDot: a program found only through ".", an empty entry or a
 * relative entry is refused unless the caller allows it. */
static void test_lookpath_dot_refused(void **state)
{
	struct dirs *d = *state;
	char cwd[PATH_MAX], out[PATH_MAX], sub[PATH_MAX];
	char *const dot_env[] = {"PATH=/nonexistent-subproc:.", NULL};
	char *const empty_env[] = {"PATH=/nonexistent-subproc:", NULL};
	char *const empty_first_env[] = {"PATH=:/nonexistent-subproc", NULL};
	char *const rel_env[] = {"PATH=sub", NULL};

	free(file_make(d->a, "prog", script, sizeof script - 1, 0755));
	snprintf(sub, sizeof sub, "%s/sub", d->a);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(file_make(sub, "prog", script, sizeof script - 1, 0755));
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(d->a), 0);
	int r_dot = subproc_lookpath("prog", dot_env, 0, out, sizeof out);
	int r_empty = subproc_lookpath("prog", empty_env, 0, out, sizeof out);
	int r_empty_first = subproc_lookpath("prog", empty_first_env, 0, out, sizeof out);
	int r_rel = subproc_lookpath("prog", rel_env, 0, out, sizeof out);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r_dot, -EPERM);
	assert_int_equal(r_empty, -EPERM);
	assert_int_equal(r_empty_first, -EPERM);
	assert_int_equal(r_rel, -EPERM);
}

static void test_lookpath_dot_allowed(void **state)
{
	struct dirs *d = *state;
	char cwd[PATH_MAX], out[PATH_MAX];
	char *const env[] = {"PATH=/nonexistent-subproc:.", NULL};
	struct stat found, made;
	int rc;

	char *prog = file_make(d->a, "prog", script, sizeof script - 1, 0755);
	assert_non_null(prog);
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(d->a), 0);
	rc = subproc_lookpath("prog", env, SUBPROC_LOOKPATH_ALLOW_DOT, out, sizeof out);
	/* The result is relative to the directory it was found from. */
	int st_rc = rc == 0 ? stat(out, &found) : -1;
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(st_rc, 0);
	assert_int_equal(stat(prog, &made), 0);
	assert_true(found.st_ino == made.st_ino && found.st_dev == made.st_dev);
	free(prog);
}

/* env's PATH is used when env is given; the caller's PATH otherwise. */
static void test_lookpath_uses_given_env(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], out[PATH_MAX], want_a[PATH_MAX], want_b[PATH_MAX];
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	free(file_make(d->a, "prog", script, sizeof script - 1, 0755));
	free(file_make(d->b, "prog", script, sizeof script - 1, 0755));
	snprintf(want_a, sizeof want_a, "%s/prog", d->a);
	snprintf(want_b, sizeof want_b, "%s/prog", d->b);
	path_env(pathvar, sizeof pathvar, d->b);
	char *const env[] = {pathvar, NULL};

	setenv("PATH", d->a, 1);
	int r_env = subproc_lookpath("prog", env, 0, out, sizeof out);
	char got_env[PATH_MAX];
	snprintf(got_env, sizeof got_env, "%s", out);
	int r_caller = subproc_lookpath("prog", NULL, 0, out, sizeof out);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);

	assert_int_equal(r_env, 0);
	assert_string_equal(got_env, want_b);
	assert_int_equal(r_caller, 0);
	assert_string_equal(out, want_a);
}

/* With no PATH at all the default "/bin:/usr/bin" is searched. */
static void test_lookpath_default_path(void **state)
{
	char *const env[] = {"X=1", NULL};
	char out[PATH_MAX];

	(void)state;
	if (access("/bin/sh", X_OK) != 0)
		skip_because("/bin/sh is not there");
	assert_int_equal(subproc_lookpath("sh", env, 0, out, sizeof out), 0);
	assert_string_equal(out, "/bin/sh");
}

/* A name with a slash is not searched for: it is checked as it is. */
static void test_lookpath_slash_checked_as_is(void **state)
{
	struct dirs *d = *state;
	char out[PATH_MAX], path[PATH_MAX];
	char *const env[] = {"PATH=/nonexistent-subproc", NULL};
	char *exe = file_make(d->a, "exe", script, sizeof script - 1, 0755);
	char *noexec = file_make(d->a, "noexec", script, sizeof script - 1, 0644);

	assert_non_null(exe);
	assert_non_null(noexec);
	assert_int_equal(subproc_lookpath(exe, env, 0, out, sizeof out), 0);
	assert_string_equal(out, exe);
	assert_int_equal(subproc_lookpath(noexec, env, 0, out, sizeof out), -EACCES);
	snprintf(path, sizeof path, "%s/missing", d->a);
	assert_int_equal(subproc_lookpath(path, env, 0, out, sizeof out), -ENOENT);
	free(exe);
	free(noexec);
}

static void test_lookpath_out_too_small(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], out[4];
	char *prog = file_make(d->a, "prog", script, sizeof script - 1, 0755);

	path_env(pathvar, sizeof pathvar, d->a);
	char *const env[] = {pathvar, NULL};
	assert_int_equal(subproc_lookpath("prog", env, 0, out, sizeof out), -ENAMETOOLONG);
	free(prog);
}

static void test_lookpath_bad_input(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(subproc_lookpath(NULL, NULL, 0, out, sizeof out), -EINVAL);
	assert_int_equal(subproc_lookpath("", NULL, 0, out, sizeof out), -EINVAL);
}

/* A failure leaves "" in out, never an earlier path (which a caller that
 * ignores the result would run) or a piece of one. */
static void test_lookpath_failure_leaves_empty(void **state)
{
	struct dirs *d = *state;
	char pathvar[8200], out[PATH_MAX], small[4];
	char *prog = file_make(d->a, "prog", script, sizeof script - 1, 0755);

	path_env(pathvar, sizeof pathvar, d->a);
	char *const env[] = {pathvar, NULL};
	strcpy(out, "/stale/earlier/match");
	assert_int_equal(subproc_lookpath("missing", env, 0, out, sizeof out), -ENOENT);
	assert_string_equal(out, "");
	strcpy(out, "/stale/earlier/match");
	assert_int_equal(subproc_lookpath("", env, 0, out, sizeof out), -EINVAL);
	assert_string_equal(out, "");
	strcpy(out, "/stale/earlier/match");
	assert_int_equal(subproc_lookpath("prog", env, 1u << 9, out, sizeof out), -EINVAL);
	assert_string_equal(out, "");
	strcpy(small, "old");
	assert_int_equal(subproc_lookpath("prog", env, 0, small, sizeof small), -ENAMETOOLONG);
	assert_string_equal(small, "");
	assert_int_equal(subproc_lookpath("prog", env, 0, out, 0), -ENAMETOOLONG);
	free(prog);
}

TEST_MAIN(cmocka_unit_test_setup_teardown(test_lookpath_finds_in_path, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_first_match_wins, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_skips_non_executable_and_dirs, setup,
                                          teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_eacces_when_none_executable, setup,
                                          teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_enoent, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_dot_refused, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_dot_allowed, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_uses_given_env, setup, teardown),
          cmocka_unit_test(test_lookpath_default_path),
          cmocka_unit_test_setup_teardown(test_lookpath_slash_checked_as_is, setup, teardown),
          cmocka_unit_test_setup_teardown(test_lookpath_out_too_small, setup, teardown),
          cmocka_unit_test(test_lookpath_bad_input),
          cmocka_unit_test_setup_teardown(test_lookpath_failure_leaves_empty, setup, teardown))
