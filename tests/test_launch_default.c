/*
 * The default launch, with no SUBPROC_LAUNCH: clone3, falling back to clone
 * when clone3 is refused with ENOSYS or with EPERM (as a container's seccomp
 * filter does). Registered once, with SUBPROC_LAUNCH removed.
 */
#include "support.h"

#include <errno.h>

static int check_fallback(void *arg)
{
	int deny = *(int *)arg, rc;
	subproc_attr attr = {0};
	struct report r;

	if (launch_path())
		SKIP_FORKED("SUBPROC_LAUNCH is set, so there is no default to test");
	rc = seccomp_deny(deny);
	if (rc < 0)
		SKIP_FORKED("seccomp is not available: %s", subproc_strerror(rc));
	/* Twice: the second start goes straight to clone. */
	for (int i = 0; i < 2; i++) {
		CHECK(probe_run(&attr, NULL, &r) == 0);
		CHECK(report_exited_ok(&r));
		report_free(&r);
	}
	CHECK(no_children());
	return 0;
}

static void test_default_falls_back_on_enosys(void **state)
{
	int deny = DENY_CLONE3_ENOSYS;

	(void)state;
	assert_forked(check_fallback, &deny);
}

static void test_default_falls_back_on_eperm(void **state)
{
	int deny = DENY_CLONE3_EPERM;

	(void)state;
	assert_forked(check_fallback, &deny);
}

static void test_default_starts(void **state)
{
	subproc_attr attr = {0};
	struct report r;

	(void)state;
	if (launch_path())
		skip_because("SUBPROC_LAUNCH is set, so there is no default to test");
	assert_int_equal(probe_run(&attr, NULL, &r), 0);
	assert_true(report_exited_ok(&r));
	report_free(&r);
}

TEST_MAIN(cmocka_unit_test(test_default_falls_back_on_enosys),
          cmocka_unit_test(test_default_falls_back_on_eperm), cmocka_unit_test(test_default_starts))
