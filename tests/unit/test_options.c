// SPDX-License-Identifier: GPL-2.0
/* CLI parsing: good values are taken, bad ones refused with a one-line reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

struct parsed {
	struct options o;
	enum parse_result r;
	char out[8192];
	char err[1024];
};

static void parse(struct parsed *p, ...)
{
	char *argv[32] = { "smbwatch" };
	int argc = 1;
	va_list ap;
	FILE *out, *err;
	char *a;

	va_start(ap, p);
	while ((a = va_arg(ap, char *)))
		argv[argc++] = a;
	va_end(ap);
	memset(p, 0, sizeof(*p));
	out = fmemopen(p->out, sizeof(p->out) - 1, "w");
	err = fmemopen(p->err, sizeof(p->err) - 1, "w");
	p->r = options_parse(argc, argv, &p->o, out, err);
	fclose(out);
	fclose(err);
}

static void test_defaults_watch_smb_netbios_kerberos(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, NULL);
	assert_int_equal(p.r, PARSE_OK);
	assert_int_equal(p.o.format, FORMAT_AUTO);
	assert_int_equal(p.o.ports.n, 3);
	assert_true(portset_contains(&p.o.ports, 445));
	assert_true(portset_contains(&p.o.ports, 139));
	assert_true(portset_contains(&p.o.ports, 88));
	assert_false(p.o.events);
	assert_int_equal(p.o.ringbuf_kb, 1024);
}

static void test_all_good_flags_are_taken(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--format", "json", "-e", "--port", "8445", "-p", "9445", "--duration", "2.5",
	      "-vv", "--record", "/tmp/x.rec", "--color=never", "--ringbuf-kb", "64", NULL);
	assert_int_equal(p.r, PARSE_OK);
	assert_int_equal(p.o.format, FORMAT_JSON);
	assert_true(p.o.events);
	assert_true(portset_contains(&p.o.ports, 8445));
	assert_true(portset_contains(&p.o.ports, 9445));
	assert_true(portset_contains(&p.o.ports, 445));
	assert_true(p.o.duration > 2.49 && p.o.duration < 2.51);
	assert_int_equal(p.o.verbose, 2);
	assert_string_equal(p.o.record_path, "/tmp/x.rec");
	assert_int_equal(p.o.color, COLOR_NEVER);
	assert_int_equal(p.o.ringbuf_kb, 64);
}

static void test_text_and_journal_formats(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "-f", "text", NULL);
	assert_int_equal(p.o.format, FORMAT_TEXT);
	parse(&p, "--format=journal", NULL);
	assert_int_equal(p.o.format, FORMAT_JOURNAL);
}

static void expect_usage(struct parsed *p, const char *needle)
{
	assert_int_equal(p->r, PARSE_USAGE);
	assert_non_null(strstr(p->err, needle));
	assert_non_null(strstr(p->err, "Try 'smbwatch --help'"));
	/* exactly one error line plus the hint line */
	assert_int_equal(strchr(strchr(p->err, '\n') + 1, '\n') - p->err + 1, (long)strlen(p->err));
}

static void test_bad_values_are_refused(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--format", "xml", NULL);
	expect_usage(&p, "invalid --format 'xml'");
	parse(&p, "--port", "0", NULL);
	expect_usage(&p, "invalid --port '0'");
	parse(&p, "--port", "65536", NULL);
	expect_usage(&p, "invalid --port");
	parse(&p, "--port", "44x", NULL);
	expect_usage(&p, "invalid --port");
	parse(&p, "--port", "-1", NULL);
	expect_usage(&p, "invalid --port");
	parse(&p, "--duration", "0", NULL);
	expect_usage(&p, "invalid --duration");
	parse(&p, "--duration", "nan", NULL);
	expect_usage(&p, "invalid --duration");
	parse(&p, "--duration", "-3", NULL);
	expect_usage(&p, "invalid --duration");
	parse(&p, "--ringbuf-kb", "1000", NULL);
	expect_usage(&p, "power of two");
	parse(&p, "--color", "purple", NULL);
	expect_usage(&p, "invalid --color");
}

static void test_unknown_flag_and_missing_value(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--frobnicate", NULL);
	expect_usage(&p, "unknown option '--frobnicate'");
	parse(&p, "-z", NULL);
	expect_usage(&p, "unknown option '-z'");
	parse(&p, "--port", NULL);
	expect_usage(&p, "needs a value");
	parse(&p, "stray", NULL);
	expect_usage(&p, "unexpected argument 'stray'");
}

static void test_record_and_replay_exclude_each_other(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--record", "a", "--replay", "b", NULL);
	expect_usage(&p, "cannot be combined");
}

static void test_too_many_ports(void **state)
{
	char buf[SMBW_MAX_PORTS + 1][16];
	char *argv[2 * (SMBW_MAX_PORTS + 1) + 1];
	struct options o;
	FILE *null = fopen("/dev/null", "w");
	int argc = 0;

	(void)state;
	argv[argc++] = "smbwatch";
	for (int i = 0; i <= SMBW_MAX_PORTS; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%d", 1000 + i);
		argv[argc++] = "-p";
		argv[argc++] = buf[i];
	}
	assert_int_equal(options_parse(argc, argv, &o, null, null), PARSE_USAGE);
	fclose(null);
}

static void test_help_has_every_flag_and_examples(void **state)
{
	static const char *const flags[] = { "--format", "--events", "--port", "--duration",
					     "--record", "--replay", "--color", "--ringbuf-kb",
					     "--verbose", "--version", "--help", "Examples:",
					     "Exit status" };
	struct parsed p;

	(void)state;
	parse(&p, "--help", NULL);
	assert_int_equal(p.r, PARSE_EXIT);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_non_null(strstr(p.out, flags[i]));
	parse(&p, "-V", NULL);
	assert_int_equal(p.r, PARSE_EXIT);
	assert_non_null(strstr(p.out, "smbwatch "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_watch_smb_netbios_kerberos),
		cmocka_unit_test(test_all_good_flags_are_taken),
		cmocka_unit_test(test_text_and_journal_formats),
		cmocka_unit_test(test_bad_values_are_refused),
		cmocka_unit_test(test_unknown_flag_and_missing_value),
		cmocka_unit_test(test_record_and_replay_exclude_each_other),
		cmocka_unit_test(test_too_many_ports),
		cmocka_unit_test(test_help_has_every_flag_and_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
