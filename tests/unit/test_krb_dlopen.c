// SPDX-License-Identifier: GPL-2.0
/*
 * The KRB-ERROR decoder opens libkrb5 at its first decode, never before: this
 * binary does not link libkrb5 (tests/Makefile.inc), so its maps show the
 * library only once the decoder opened it. The KRB-ERROR is a committed
 * byte string for the same reason (krb5_mk_error would link the library).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "krb_error.h"

/*
 * A KDC's KRB-ERROR (RFC 4120 5.9.1), DER, as MIT's krb5_mk_error 1.20
 * encodes it: KDC_ERR_S_PRINCIPAL_UNKNOWN for cifs/alias.smbw.test, asked by
 * alice. The literals are split where a hex escape would swallow a letter.
 */
// clang-format off
static const uint8_t kdc_error[] =
	"\x7e\x81\x9e\x30\x81\x9b"			/* [APPLICATION 30] SEQUENCE */
	"\xa0\x03\x02\x01\x05"				/* [0] pvno 5 */
	"\xa1\x03\x02\x01\x1e"				/* [1] msg-type 30 */
	"\xa2\x11\x18\x0f" "20261202082630Z"		/* [2] ctime */
	"\xa4\x11\x18\x0f" "20261202082640Z"		/* [4] stime */
	"\xa5\x03\x02\x01\x00"				/* [5] susec */
	"\xa6\x03\x02\x01\x07"				/* [6] error-code 7 */
	"\xa7\x0b\x1b\x09" "SMBW.TEST"			/* [7] crealm */
	"\xa8\x12\x30\x10\xa0\x03\x02\x01\x01"		/* [8] cname, NT-PRINCIPAL */
	"\xa1\x09\x30\x07\x1b\x05" "alice"
	"\xa9\x0b\x1b\x09" "SMBW.TEST"			/* [9] realm */
	"\xaa\x22\x30\x20\xa0\x03\x02\x01\x01"		/* [10] sname, NT-PRINCIPAL */
	"\xa1\x19\x30\x17\x1b\x04" "cifs" "\x1b\x0f" "alias.smbw.test"
	"\xab\x0d\x1b\x0b" "test e-text";		/* [11] e-text */
// clang-format on
#define KDC_ERROR_LEN (sizeof(kdc_error) - 1) /* the literal's NUL is not the message's */
#define CTIME 1796199990ll /* 2026-12-02 08:26:30 UTC */
#define STIME 1796200000ll

#define ABSENT "libsmbwatch-test-absent.so.3"
#define ADVICE "install libkrb5-3 to decode the KDC's error codes"

static bool krb5_mapped(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "/libkrb5.so.3"))
			found = true;
	fclose(f);
	return found;
}

static void assert_decoded(const struct krb_error_info *ki)
{
	assert_int_equal(ki->code, KDC_ERR_S_PRINCIPAL_UNKNOWN);
	assert_int_equal(ki->stime, STIME);
	assert_int_equal(ki->ctime, CTIME);
	assert_string_equal(ki->server, "cifs/alias.smbw.test@SMBW.TEST");
	assert_string_equal(ki->client, "alice@SMBW.TEST");
	assert_string_equal(ki->realm, "SMBW.TEST");
	assert_string_equal(ki->e_text, "test e-text");
}

/* stderr into a file while the decoder runs: what it said, and how often */
struct capture {
	FILE *file;
	int saved;
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

/* The lines written since capture_start; the last one in last. */
static int capture_stop(struct capture *c, char *last, size_t n)
{
	char line[512];
	int lines = 0;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	rewind(c->file);
	last[0] = '\0';
	while (fgets(line, sizeof(line), c->file)) {
		lines++;
		snprintf(last, n, "%s", line);
	}
	fclose(c->file);
	return lines;
}

/* Must run first: nothing before it may have decoded. */
static void test_libkrb5_is_mapped_only_after_the_first_decode(void **state)
{
	struct krb_error_info ki;

	(void)state;
	assert_false(krb5_mapped());
	/* not a KRB-ERROR's tag: refused before the library is needed */
	assert_int_equal(krb_error_decode((const uint8_t *)"\x30\x00", 2, &ki), -1);
	assert_false(krb5_mapped());
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), 0);
	assert_true(krb5_mapped());
	assert_decoded(&ki);
}

static void test_truncated_error_is_refused_by_the_loaded_library(void **state)
{
	struct krb_error_info ki;

	(void)state;
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN - 1, &ki), -1);
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), 0);
	assert_decoded(&ki);
}

/* Every decode fails, the first says what to install, the others say nothing. */
static void expect_clean_failure(const char *soname, const char *why)
{
	struct krb_error_info ki;
	struct capture c;
	char last[512];

	krb_error_use_library(soname);
	capture_start(&c);
	for (int i = 0; i < 100; i++) {
		ki.code = 99;
		assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), -1);
		assert_int_equal(ki.code, 0);
		assert_string_equal(ki.server, "");
	}
	krb_error_release(); /* a release retries the load, and must not say it again */
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), -1);
	assert_int_equal(capture_stop(&c, last, sizeof(last)), 1);
	assert_non_null(strstr(last, ADVICE));
	assert_non_null(strstr(last, why));
	krb_error_use_library(NULL);
}

static void test_missing_library_fails_cleanly_and_says_so_once(void **state)
{
	(void)state;
	expect_clean_failure(ABSENT, ABSENT);
}

static void test_library_without_the_functions_fails_cleanly(void **state)
{
	(void)state;
	/* loaded already, and has no krb5_*: the first lookup fails */
	expect_clean_failure("libc.so.6", "krb5_init_secure_context");
}

static void test_the_real_library_after_a_missing_one(void **state)
{
	struct krb_error_info ki;
	struct capture c;
	char last[512];

	(void)state;
	krb_error_use_library(ABSENT);
	capture_start(&c);
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), -1);
	assert_int_equal(capture_stop(&c, last, sizeof(last)), 1);
	krb_error_use_library(NULL);
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), 0);
	assert_decoded(&ki);
}

static void test_release_then_decode_again(void **state)
{
	struct krb_error_info ki;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), 0);
		assert_decoded(&ki);
		krb_error_release();
	}
	assert_int_equal(krb_error_decode(kdc_error, KDC_ERROR_LEN, &ki), 0);
	assert_decoded(&ki);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libkrb5_is_mapped_only_after_the_first_decode),
		cmocka_unit_test(test_truncated_error_is_refused_by_the_loaded_library),
		cmocka_unit_test(test_missing_library_fails_cleanly_and_says_so_once),
		cmocka_unit_test(test_library_without_the_functions_fails_cleanly),
		cmocka_unit_test(test_the_real_library_after_a_missing_one),
		cmocka_unit_test(test_release_then_decode_again),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	krb_error_release();
	return failed;
}
