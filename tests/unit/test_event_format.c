// SPDX-License-Identifier: GPL-2.0
/* Raw evidence lines: what an administrator reads with --events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "event_format.h"
#include "utf16.h"

static struct smbw_event tcp_reset(void)
{
	struct smbw_event e = {
		.abi = SMBW_ABI_VERSION,
		.type = EV_TCP_RESET_RECEIVED,
		.ts_ns = 1000000000ull,
		.sock = 0xffff888012345678ull,
		.local = { .family = 2, .port = 40000, .addr = { 10, 0, 0, 1 } },
		.remote = { .family = 2, .port = 445, .addr = { 10, 0, 0, 2 } },
		.new_state = 2, /* SYN_SENT */
	};
	return e;
}

static void test_tcp_reset_json_has_tuple_and_state(void **state)
{
	struct smbw_event e = tcp_reset();
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"event\":\"tcp_reset_received\""));
	assert_non_null(strstr(sb_str(&sb), "\"local_addr\":\"10.0.0.1\",\"local_port\":40000"));
	assert_non_null(strstr(sb_str(&sb), "\"remote_addr\":\"10.0.0.2\",\"remote_port\":445"));
	assert_non_null(strstr(sb_str(&sb), "\"state\":\"SYN_SENT\""));
	assert_non_null(strstr(sb_str(&sb), "\"sock\":\"0xffff888012345678\""));
	assert_non_null(strstr(sb_str(&sb), "\"time\":\"1970-01-01T00:00:01.000000Z\""));
	assert_null(strchr(sb_str(&sb), '\n'));
	sb_free(&sb);
}

static void test_tcp_reset_text_line(void **state)
{
	struct smbw_event e = tcp_reset();
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "tcp_reset_received"));
	assert_non_null(strstr(sb_str(&sb), "10.0.0.1:40000 -> 10.0.0.2:445 state=SYN_SENT"));
	sb_free(&sb);
}

static void test_ipv6_addresses_are_bracketed(void **state)
{
	struct smbw_addr a = { .family = 10, .port = 445 };
	struct strbuf sb;

	(void)state;
	a.addr[15] = 1;
	sb_init(&sb);
	format_addr(&sb, &a);
	assert_string_equal(sb_str(&sb), "[::1]:445");
	sb_free(&sb);
}

static void test_odd_bytes_in_names_stay_on_one_line(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_TREE_CONNECT_DONE,
				.rc = -2 };
	struct strbuf sb;

	(void)state;
	strcpy(e.unc, "\\\\srv\\sh\"are\n\x1b[31m");
	memset(e.host, 'h', sizeof(e.host)); /* no NUL: a full kernel array */
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"unc\":\"\\\\\\\\srv\\\\sh\\\"are\\n\\u001b[31m\""));
	assert_null(strchr(sb_str(&sb), '\n'));
	assert_null(strchr(sb_str(&sb), '\x1b'));
	sb_reset(&sb);
	event_format_text(&sb, &e, 0);
	assert_null(strchr(sb_str(&sb), '\n'));
	assert_null(strchr(sb_str(&sb), '\x1b'));
	assert_non_null(strstr(sb_str(&sb), "\\x0a\\x1b[31m"));
	sb_free(&sb);
}

static void test_smb_command_failure_json(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_COMMAND_FAILED,
				.command = 3, .nt_status = 0xc00000cc, .rc = -2,
				.session_id = 0x1234 };
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"command\":\"TREE_CONNECT\""));
	assert_non_null(strstr(sb_str(&sb), "\"nt_status\":\"0xc00000cc\""));
	assert_non_null(strstr(sb_str(&sb), "\"rc\":-2"));
	sb_free(&sb);
}

static void test_negotiate_json_shows_both_sides_signing(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_NEGOTIATE_DONE,
				.rc = -95,
				.flags = SMBW_F_SIGN_WANTED | SMBW_F_SECMODE_KNOWN |
					 SMBW_F_SIGN_REFUSED | SMBW_F_SMB1 };
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"smb1\":true"));
	assert_non_null(strstr(sb_str(&sb), "\"sign_wanted\":true"));
	assert_non_null(strstr(sb_str(&sb), "\"client_signing\":\"wanted\""));
	assert_non_null(strstr(sb_str(&sb), "\"server_signing\":\"disabled\""));
	assert_non_null(strstr(sb_str(&sb), "\"sign_refused\":true"));
	sb_reset(&sb);
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), " smb1 signing=client:wanted,server:disabled,refused"));
	sb_free(&sb);
}

static void test_negotiate_without_answer_names_no_server_signing(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_NEGOTIATE_DONE,
				.rc = -112 };
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"sign_wanted\":false"));
	assert_null(strstr(sb_str(&sb), "server_signing"));
	assert_null(strstr(sb_str(&sb), "smb1"));
	sb_free(&sb);
}

static void test_session_refused_shows_its_code(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_SESSION_REFUSED,
				.server = 0xffff888000001000ull, .reason = 0x81 };
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"event\":\"smb_session_refused\""));
	assert_non_null(strstr(sb_str(&sb), "\"refusal_code\":\"0x81\""));
	assert_non_null(strstr(sb_str(&sb), "\"refusal\":\"not listening for calling name\""));
	sb_reset(&sb);
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "code=0x81 (not listening for calling name)"));
	sb_reset(&sb);
	e.reason = 0; /* 6.1 and 6.12 never read the code */
	event_format_json(&sb, &e, 0);
	assert_null(strstr(sb_str(&sb), "refusal"));
	sb_free(&sb);
}

static void test_server_released_json(void **state)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_SERVER_RELEASED,
				.server = 0xffff888000002000ull, .conn_id = 7,
				.remote = { .family = 2, .port = 445, .addr = { 10, 0, 0, 2 } } };
	struct strbuf sb;

	(void)state;
	strcpy(e.host, "fs1");
	sb_init(&sb);
	event_format_json(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), "\"event\":\"smb_server_released\""));
	assert_non_null(strstr(sb_str(&sb), "\"server\":\"0xffff888000002000\""));
	assert_non_null(strstr(sb_str(&sb), "\"conn_id\":7"));
	assert_non_null(strstr(sb_str(&sb), "\"server_addr\":\"10.0.0.2\",\"server_port\":445"));
	assert_non_null(strstr(sb_str(&sb), "\"from_reconnect\":false"));
	assert_non_null(strstr(sb_str(&sb), "\"host\":\"fs1\""));
	sb_free(&sb);
}

static void test_nbss_refusal_names(void **state)
{
	(void)state;
	assert_string_equal(nbss_refusal_name(0x80), "not listening on called name");
	assert_string_equal(nbss_refusal_name(0x8f), "unspecified error");
	assert_string_equal(nbss_refusal_name(0), "");
	assert_string_equal(nbss_refusal_name(0x42), "unknown");
}

static void test_utf16_names(void **state)
{
	static const uint8_t pair[] = { 'a', 0, 0x3d, 0xd8, 0x00, 0xde, 'b', 0 }; /* a U+1F600 b */
	static const uint8_t lone[] = { 0x00, 0xd8, 'x', 0 };
	static const uint8_t odd[] = { 'q', 0, 'r' };
	char out[16];

	(void)state;
	utf16le_to_utf8(out, sizeof(out), pair, sizeof(pair));
	assert_string_equal(out, "a\xf0\x9f\x98\x80" "b");
	utf16le_to_utf8(out, sizeof(out), lone, sizeof(lone));
	assert_string_equal(out, "\xef\xbf\xbdx");
	utf16le_to_utf8(out, sizeof(out), odd, sizeof(odd));
	assert_string_equal(out, "q");
	/* never beyond the buffer, and never a cut character */
	assert_int_equal(utf16le_to_utf8(out, 4, pair, sizeof(pair)), 1);
	assert_string_equal(out, "a");
}

static void test_names_of_unknown_values(void **state)
{
	(void)state;
	assert_string_equal(event_type_name(999), "unknown");
	assert_string_equal(event_type_name(0), "unknown");
	assert_string_equal(tcp_state_name(200), "UNKNOWN");
	assert_string_equal(smb2_command_name(77), "UNKNOWN");
	assert_string_equal(dialect_name(0x0311), "3.1.1");
	assert_string_equal(dialect_name(0x9999), "unknown");
	for (int t = 1; t < EV_TYPE_MAX; t++)
		if (!(t > EV_TCP_RESET_RECEIVED && t < EV_SMB_CONNECT_DONE))
			assert_string_not_equal(event_type_name((uint16_t)t), "unknown");
}

/* rc comes from a record: any int, INT_MIN too (tests/fuzz/fuzz_pipeline found -INT_MIN) */
static void test_errno_names_of_any_rc(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(errno_name(-13, buf, sizeof(buf)), "EACCES");
	assert_string_equal(errno_name(13, buf, sizeof(buf)), "EACCES");
	assert_string_equal(errno_name(0, buf, sizeof(buf)), "");
	assert_string_equal(errno_name(-4000, buf, sizeof(buf)), "E4000");
	assert_string_equal(errno_name(INT_MIN, buf, sizeof(buf)), "E2147483648");
	assert_string_equal(errno_name(INT_MAX, buf, sizeof(buf)), "E2147483647");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_reset_json_has_tuple_and_state),
		cmocka_unit_test(test_tcp_reset_text_line),
		cmocka_unit_test(test_ipv6_addresses_are_bracketed),
		cmocka_unit_test(test_odd_bytes_in_names_stay_on_one_line),
		cmocka_unit_test(test_smb_command_failure_json),
		cmocka_unit_test(test_negotiate_json_shows_both_sides_signing),
		cmocka_unit_test(test_negotiate_without_answer_names_no_server_signing),
		cmocka_unit_test(test_session_refused_shows_its_code),
		cmocka_unit_test(test_server_released_json),
		cmocka_unit_test(test_nbss_refusal_names),
		cmocka_unit_test(test_names_of_unknown_values),
		cmocka_unit_test(test_errno_names_of_any_rc),
		cmocka_unit_test(test_utf16_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
