// SPDX-License-Identifier: GPL-2.0
/* Prometheus metrics: counts, labels hostile input cannot break, bounded series, atomic file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"
#include "utf8_oracle.h"

static struct diagnosis diag(enum cause_id cause, enum phase phase, const char *server,
			     uint32_t count)
{
	struct diagnosis d;

	memset(&d, 0, sizeof(d));
	d.cause = cause;
	d.phase = phase;
	d.count = count;
	d.ts_ns = 5000000000ull;
	snprintf(d.server, sizeof(d.server), "%s", server);
	return d;
}

static char *format(const struct metrics *m)
{
	struct metrics_agent a = { .version = "1.2", .kernel = "6.1.0-57-cloud-amd64",
				   .events = 7, .dropped = 2, .ngroups = 1 };
	struct strbuf sb;
	char *s;

	a.groups[0].name = "cifs";
	a.groups[0].attached = 17;
	sb_init(&sb);
	metrics_format(&sb, m, &a);
	s = strdup(sb_str(&sb));
	sb_free(&sb);
	return s;
}

/* Every line is a comment or NAME{LABELS} VALUE as the exposition format has it, in UTF-8. */
static void assert_exposition(const char *text)
{
	regex_t re;
	const char *line = text, *nl;
	char buf[1024];

	assert_int_equal(regcomp(&re,
				 "^[a-z_]+(\\{[a-z_]+=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
				 "(,[a-z_]+=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})? [0-9.e+-]+$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	assert_true(oracle_utf8((const unsigned char *)text, strlen(text), true));
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl); /* the last line ends too */
		snprintf(buf, sizeof(buf), "%.*s", (int)(nl - line), line);
		if (buf[0] == '#')
			continue;
		if (regexec(&re, buf, 0, NULL, 0))
			fail_msg("not an exposition line: %s", buf);
	}
	regfree(&re);
}

static void test_failures_are_counted_by_cause_and_phase(void **state)
{
	struct metrics m;
	struct diagnosis d;
	char *s;

	(void)state;
	metrics_init(&m, false, 1000000000ll);
	d = diag(CAUSE_BAD_CREDENTIALS, PHASE_SESSION_SETUP, "fs1", 1);
	metrics_count(&m, &d);
	d = diag(CAUSE_BAD_CREDENTIALS, PHASE_SESSION_SETUP, "fs2", 7); /* a repeat entry */
	metrics_count(&m, &d);
	d = diag(CAUSE_SHARE_ACCESS_DENIED, PHASE_TREE_CONNECT, "fs1", 1);
	d.ipc = true;
	metrics_count(&m, &d);
	s = format(&m);
	assert_exposition(s);
	assert_non_null(strstr(s, "\nsmbwatch_failures_total{cause=\"bad-credentials\","
				  "phase=\"session_setup\"} 8\n"));
	assert_null(strstr(s, "share-access-denied")); /* IPC$ fails no mount */
	assert_non_null(strstr(s, "\nsmbwatch_ipc_failures_total 1\n"));
	assert_non_null(strstr(s, "\nsmbwatch_last_failure_timestamp_seconds 6.000\n"));
	assert_non_null(strstr(s, "\nsmbwatch_events_dropped_total 2\n"));
	assert_non_null(strstr(s, "\nsmbwatch_hooks{group=\"cifs\",state=\"attached\"} 17\n"));
	assert_non_null(strstr(s, "\nsmbwatch_info{version=\"1.2\",kernel=\"6.1.0-57-cloud-amd64\"} 1\n"));
	assert_null(strstr(s, "server=")); /* not asked for */
	free(s);
}

/* A server name is bytes from the network: no label can be broken out of, or made non-UTF-8. */
static void test_hostile_server_names_stay_inside_their_label(void **state)
{
	static const char *const names[] = {
		"a\"b", "a\\b", "line\nbreak\",cause=\"x", "\xff\xfe\xc0\xaf", "esc\x1b[31m", "\xed\xa0\x80",
	};
	struct metrics m;
	struct diagnosis d;
	char *s;

	(void)state;
	metrics_init(&m, true, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		d = diag(CAUSE_CONNECT_REFUSED, PHASE_CONNECT, names[i], 1);
		metrics_count(&m, &d);
	}
	s = format(&m);
	assert_exposition(s);
	assert_non_null(strstr(s, "server=\"a\\\"b\""));
	assert_non_null(strstr(s, "server=\"a\\\\b\""));
	assert_non_null(strstr(s, "server=\"line\\nbreak\\\",cause=\\\"x\""));
	assert_non_null(strstr(s, "server=\"esc[31m\""));
	assert_null(strstr(s, "\x1b"));
	free(s);
}

/* Thousands of servers: a bounded number of series, and every failure still counted. */
static void test_series_are_bounded_and_nothing_uncounted(void **state)
{
	struct metrics m;
	struct diagnosis d;
	char name[32], *s, *p;
	unsigned long long total = 0;

	(void)state;
	metrics_init(&m, true, 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "fs%d", i);
		d = diag(i % 2 ? CAUSE_BAD_CREDENTIALS : CAUSE_CONNECT_TIMEOUT,
			 i % 2 ? PHASE_SESSION_SETUP : PHASE_CONNECT, name, 1);
		metrics_count(&m, &d);
	}
	assert_true(m.nrows <= METRICS_MAX_ROWS);
	s = format(&m);
	assert_exposition(s);
	assert_non_null(strstr(s, "server=\"other\""));
	for (p = s; (p = strstr(p, "\nsmbwatch_failures_total{")); p++)
		total += strtoull(strchr(p, '}') + 2, NULL, 10);
	assert_int_equal(total, 3000);
	free(s);
}

/* Written whole by rename: the old file until the new one is complete, no temporary left. */
static void test_the_file_is_replaced_atomically(void **state)
{
	char dir[] = "/tmp/smbw-metrics.XXXXXX", path[128], err[256], buf[192];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	umask(0077); /* as the unit's UMask= */
	snprintf(path, sizeof(path), "%s/smbwatch.prom", dir);
	assert_int_equal(metrics_write_file(path, "a 1\n", err, sizeof(err)), 0);
	assert_int_equal(metrics_write_file(path, "b 2\n", err, sizeof(err)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "b 2\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644); /* the collector reads it whatever the umask */
	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* empty: no temporary left */
	/* a directory that is not there: a clear error, no file */
	assert_int_not_equal(metrics_write_file("/nonexistent-dir/smbwatch.prom", "a 1\n", err,
						sizeof(err)),
			     0);
	assert_non_null(strstr(err, "RuntimeDirectory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failures_are_counted_by_cause_and_phase),
		cmocka_unit_test(test_hostile_server_names_stay_inside_their_label),
		cmocka_unit_test(test_series_are_bounded_and_nothing_uncounted),
		cmocka_unit_test(test_the_file_is_replaced_atomically),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
