// SPDX-License-Identifier: GPL-2.0
/*
 * A test binary that reports success and then crashes, as a binary does when
 * a sanitizer aborts at exit or a destructor faults: every TAP line says "ok",
 * only the exit status tells. tests/runner_selftest.sh checks that the runner
 * counts it as a failure. Never part of the real suite.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_passes(void **state)
{
	(void)state;
	assert_true(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	raise(SIGSEGV);
	return rc;
}
