// SPDX-License-Identifier: GPL-2.0
/* JSON escaping: any byte from the kernel must leave a valid, one-line JSON string. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static char *escaped(struct strbuf *sb, const char *s, size_t n)
{
	sb_reset(sb);
	json_escape(sb, s, n);
	return (char *)sb_str(sb);
}

static void test_quotes_backslashes_and_controls_are_escaped(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_string_equal(escaped(&sb, "a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(escaped(&sb, "l1\nl2\tx\r", 8), "l1\\nl2\\tx\\r");
	assert_string_equal(escaped(&sb, "\x01\x1f\x7f", 3), "\\u0001\\u001f\\u007f");
	sb_free(&sb);
}

static void test_valid_utf8_passes_invalid_bytes_are_escaped(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_string_equal(escaped(&sb, "caf\xc3\xa9", 5), "caf\xc3\xa9");
	assert_string_equal(escaped(&sb, "\xe2\x82\xac", 3), "\xe2\x82\xac");
	/* lone continuation byte, truncated sequence, overlong lead */
	assert_string_equal(escaped(&sb, "\x80", 1), "\\u0080");
	assert_string_equal(escaped(&sb, "\xc3", 1), "\\u00c3");
	assert_string_equal(escaped(&sb, "\xc0\xaf", 2), "\\u00c0\\u00af");
	sb_free(&sb);
}

static void test_object_fields_are_comma_separated(void **state)
{
	struct strbuf sb;
	struct json j;

	(void)state;
	sb_init(&sb);
	json_begin(&j, &sb);
	json_str(&j, "a", "x");
	json_int(&j, "b", -13);
	json_uint(&j, "c", 18446744073709551615ull);
	json_hex(&j, "d", 0xc000006d, 8);
	json_bool(&j, "e", true);
	json_strn(&j, "f", "abcdef", 3);
	json_end(&j);
	assert_string_equal(sb_str(&sb), "{\"a\":\"x\",\"b\":-13,\"c\":18446744073709551615,"
					 "\"d\":\"0xc000006d\",\"e\":true,\"f\":\"abc\"}");
	sb_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quotes_backslashes_and_controls_are_escaped),
		cmocka_unit_test(test_valid_utf8_passes_invalid_bytes_are_escaped),
		cmocka_unit_test(test_object_fields_are_comma_separated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
