// SPDX-License-Identifier: GPL-2.0
/* JSON escaping: any byte from the kernel must leave a valid, one-line JSON string in strict UTF-8. */
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

static void test_valid_utf8_passes(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_string_equal(escaped(&sb, "caf\xc3\xa9", 5), "caf\xc3\xa9");
	assert_string_equal(escaped(&sb, "\xe2\x82\xac", 3), "\xe2\x82\xac");
	/* the edges of each form: U+0080 is C1 (below), U+0800, U+D7FF, U+E000, U+10000, U+10FFFF */
	assert_string_equal(escaped(&sb, "\xe0\xa0\x80", 3), "\xe0\xa0\x80");
	assert_string_equal(escaped(&sb, "\xed\x9f\xbf", 3), "\xed\x9f\xbf");
	assert_string_equal(escaped(&sb, "\xee\x80\x80", 3), "\xee\x80\x80");
	assert_string_equal(escaped(&sb, "\xf0\x90\x80\x80", 4), "\xf0\x90\x80\x80");
	assert_string_equal(escaped(&sb, "\xf4\x8f\xbf\xbf", 4), "\xf4\x8f\xbf\xbf");
	assert_true(json_escape(&sb, "\xf4\x8f\xbf\xbf", 4));
	sb_free(&sb);
}

#define FFFD "\xef\xbf\xbd"

/* Each maximal ill-formed subpart is one U+FFFD, as Python's decode(errors="replace"). */
static void test_ill_formed_utf8_becomes_replacement_characters(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_false(json_escape(&sb, "\x80", 1));
	assert_string_equal(escaped(&sb, "\x80", 1), FFFD);          /* lone continuation */
	assert_string_equal(escaped(&sb, "\xc3", 1), FFFD);          /* truncated */
	assert_string_equal(escaped(&sb, "\xe2\x82", 2), FFFD);      /* truncated, one subpart */
	assert_string_equal(escaped(&sb, "\xe2\x82" "A", 3), FFFD "A");
	assert_string_equal(escaped(&sb, "\xc0\xaf", 2), FFFD FFFD); /* overlong C0, C1 */
	assert_string_equal(escaped(&sb, "\xc1\xbf", 2), FFFD FFFD);
	assert_string_equal(escaped(&sb, "\xe0\x80\xaf", 3), FFFD FFFD FFFD); /* overlong E0 80..9F */
	assert_string_equal(escaped(&sb, "\xe0\x9f\xbf", 3), FFFD FFFD FFFD);
	assert_string_equal(escaped(&sb, "\xf0\x8f\xbf\xbf", 4), FFFD FFFD FFFD FFFD); /* F0 80..8F */
	assert_string_equal(escaped(&sb, "\xed\xa0\x80", 3), FFFD FFFD FFFD); /* surrogate D800 */
	assert_string_equal(escaped(&sb, "\xed\xbf\xbf", 3), FFFD FFFD FFFD); /* surrogate DFFF */
	assert_string_equal(escaped(&sb, "\xf4\x90\x80\x80", 4), FFFD FFFD FFFD FFFD); /* >10FFFF */
	assert_string_equal(escaped(&sb, "\xf5\x80\x80\x80", 4), FFFD FFFD FFFD FFFD);
	assert_string_equal(escaped(&sb, "\xff" "a\xfe", 3), FFFD "a" FFFD);
	sb_free(&sb);
}

static void test_c1_controls_and_bidi_characters_are_escaped(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_string_equal(escaped(&sb, "\xc2\x80\xc2\x9b" "1m\xc2\x9f", 8), "\\u0080\\u009b1m\\u009f");
	assert_string_equal(escaped(&sb, "\xc2\xa0", 2), "\xc2\xa0"); /* U+00A0 is no control */
	assert_string_equal(escaped(&sb, "a\xe2\x80\xae" "b", 5), "a\\u202eb"); /* RLO */
	assert_string_equal(escaped(&sb, "\xe2\x80\xa8\xe2\x81\xa6", 6), "\\u2028\\u2066");
	assert_true(json_escape(&sb, "\xc2\x9b", 2)); /* well-formed: no _hex needed */
	sb_free(&sb);
}

static void test_ill_formed_field_gets_its_bytes_in_a_hex_sibling(void **state)
{
	struct strbuf sb;
	struct json j;

	(void)state;
	sb_init(&sb);
	json_begin(&j, &sb);
	json_strn(&j, "user", "a\xff" "b\xed\xa0\x80", 16);
	json_str(&j, "domain", "ok");
	json_end(&j);
	assert_string_equal(sb_str(&sb), "{\"user\":\"a" FFFD "b" FFFD FFFD FFFD "\","
					 "\"user_hex\":\"61ff62eda080\",\"domain\":\"ok\"}");
	sb_reset(&sb);
	json_begin(&j, &sb);
	json_strn(&j, "user", "caf\xc3\xa9", 16);
	json_end(&j);
	assert_string_equal(sb_str(&sb), "{\"user\":\"caf\xc3\xa9\"}"); /* no sibling when valid */
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
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_ill_formed_utf8_becomes_replacement_characters),
		cmocka_unit_test(test_c1_controls_and_bidi_characters_are_escaped),
		cmocka_unit_test(test_ill_formed_field_gets_its_bytes_in_a_hex_sibling),
		cmocka_unit_test(test_object_fields_are_comma_separated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
