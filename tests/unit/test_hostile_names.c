// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile names (a newline, '=', quotes, bytes that are not UTF-8, terminal
 * escapes as ESC [ and as C1 CSI, bidi overrides) in every name field, through
 * the JSON and text event lines and the JSON diagnosis: each line is checked
 * by a strict UTF-8 decoder of this file's own (not the one under test), the
 * text lines for any control character, C1 included, and for fields a name
 * could fake; the JSON lines, where python3 is installed, by its json module,
 * which must give back every name's exact bytes (the field, or its _hex).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "event_builders.h"
#include "utf8_oracle.h"
#include "event_format.h"
#include "ntstatus.h"
#include "output.h"
#include "pipeline.h"

static const char *const hostile[] = {
	"two\nlines",
	"x=y user=root",
	"q\"uote",
	"\"",
	"tab\there\r",
	"\x1b[31mred\x1b[0m",
	"\x1b]0;title\x07",
	"\x9b" "31m raw C1 CSI",
	"\xc2\x9b" "31m C1 CSI as UTF-8",
	"\xc2\x85 NEL \xc2\x80 \xc2\x9f",
	"\xff\xfe latin-1 \xe9t\xe9",
	"overlong \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf",
	"surrogate \xed\xa0\x80\xed\xbf\xbf",
	"too high \xf4\x90\x80\x80 \xf5\xff",
	"cut \xe2\x82",
	"bidi \xe2\x80\xae" "cod.exe \xe2\x81\xa6",
	"line sep \xe2\x80\xa8 end",
	"\x7f del",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 fine",
};
#define N_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* ---- checks of this file's own ---- */

/* What a terminal could act on: any control character, C1 included, or a bidi control. */
static void assert_text_line_is_inert(const char *line)
{
	const unsigned char *s = (const unsigned char *)line;

	if (!oracle_utf8(s, strlen(line), false))
		fail_msg("not strict UTF-8 without controls: %s", line);
	assert_null(strstr(line, "\xe2\x80\xae"));
	assert_null(strstr(line, "\xe2\x80\xa8"));
	assert_null(strstr(line, "\xe2\x81\xa6"));
}

/*
 * Tokens of a text line, logfmt-style (spaces outside double quotes split):
 * how many start with "key=". A name may never add one.
 */
static int count_key(const char *line, const char *key)
{
	size_t klen = strlen(key);
	bool quoted = false, start = true;
	int n = 0;

	for (const char *p = line; *p; p++) {
		if (start && !quoted && !strncmp(p, key, klen) && p[klen] == '=')
			n++;
		start = false;
		if (*p == '"')
			quoted = !quoted;
		else if (*p == ' ' && !quoted)
			start = true;
	}
	return n;
}

static void assert_json_line_is_strict(const char *line)
{
	const unsigned char *s = (const unsigned char *)line;

	/* a JSON string holds no raw control character, and we write no C1 raw either */
	if (!oracle_utf8(s, strlen(line), false))
		fail_msg("JSON line not strict UTF-8, or with a raw control: %s", line);
	assert_null(strstr(line, "\xe2\x80\xae"));
}

/* ---- events ---- */

static struct smbw_event named_event(const char *name)
{
	struct smbw_event e = ev_base(EV_SMB_SERVER_SOCKET, 1 * SEC, 100);

	e.server = 0x99;
	e.remote = ipv4(10, 0, 0, 5, 445);
	strncpy(e.host, name, sizeof(e.host) - 1);
	strncpy(e.user, name, sizeof(e.user) - 1);
	strncpy(e.domain, name, sizeof(e.domain) - 1);
	strncpy(e.unc, name, sizeof(e.unc) - 1);
	memcpy(e.comm, name, strnlen(name, sizeof(e.comm))); /* may fill it: no NUL */
	return e;
}

static void test_text_event_lines_are_inert(void **state)
{
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	for (size_t i = 0; i < N_HOSTILE; i++) {
		struct smbw_event e = named_event(hostile[i]);

		sb_reset(&sb);
		event_format_text(&sb, &e, 0);
		assert_text_line_is_inert(sb_str(&sb));
		assert_null(strchr(sb_str(&sb), '\n'));
		/* no name fakes a field: each key once, as the formatter wrote it */
		assert_int_equal(count_key(sb_str(&sb), "user"), 1);
		assert_int_equal(count_key(sb_str(&sb), "host"), 1);
		assert_int_equal(count_key(sb_str(&sb), "rc"), 1);
		assert_int_equal(count_key(sb_str(&sb), "comm"), 1);
	}
	sb_free(&sb);
}

static void test_text_escapes_name_c1_bytes_either_way(void **state)
{
	struct smbw_event e = named_event("a\x9b" "b\xc2\x9b" "c");
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), " user=a\\x9bb\\xc2\\x9bc"));
	sb_reset(&sb);
	e = named_event("x=y user=root");
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), " user=\"x=y user=root\""));
	sb_reset(&sb);
	e = named_event("say \"hi\"");
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), " user=\"say \\x22hi\\x22\""));
	sb_reset(&sb);
	e = named_event("\\\\srv\\share");
	event_format_text(&sb, &e, 0);
	assert_non_null(strstr(sb_str(&sb), " unc=\\\\srv\\share")); /* UNCs read as ever */
	sb_free(&sb);
}

/* What the NTLMSSP blob said, UTF-16LE from the wire: C1 and lone surrogates too. */
static void test_auth_sent_names_from_utf16(void **state)
{
	static const uint8_t user[] = { 0x9b, 0x00, '3', 0, '1', 0, 'm', 0, 0x1b, 0, 0x00, 0xd8,
					'x', 0, 0x2e, 0x20 };
	struct smbw_event e = ev_base(EV_SMB_AUTH_SENT, 1 * SEC, 100);
	struct strbuf sb;

	(void)state;
	memcpy(e.user, user, sizeof(user));
	memcpy(e.domain, user, sizeof(user));
	memcpy(e.host, user, sizeof(user));
	sb_init(&sb);
	event_format_text(&sb, &e, 0);
	assert_text_line_is_inert(sb_str(&sb));
	sb_reset(&sb);
	event_format_json(&sb, &e, 0);
	assert_json_line_is_strict(sb_str(&sb));
	assert_non_null(strstr(sb_str(&sb),
			       "\"sent_user\":\"\\u009b31m\\u001b\xef\xbf\xbdx\\u202e\""));
	sb_free(&sb);
}

/* ---- JSON, events and diagnoses, through the pipeline ---- */

static void feed(struct pipeline *p, struct smbw_event e)
{
	assert_int_equal(pipeline_feed(p, &e, sizeof(e)), 0);
}

/* One bad-credentials mount per name: its events, then its diagnosis. */
static void feed_mount(struct pipeline *p, const char *name, int i)
{
	struct smbw_addr a = ipv4(10, 0, 1, (uint8_t)(i + 1), 445);
	uint64_t t = (uint64_t)(i + 1) * 100 * SEC, sock = 0x100 + (uint64_t)i;
	uint64_t server = 0x900 + (uint64_t)i;
	uint32_t pid = 1000 + (uint32_t)i;
	struct smbw_event e;

	feed(p, ev_tcp(EV_TCP_STATE_CHANGE, t, sock, a, 7, 2, pid));
	feed(p, ev_tcp(EV_TCP_STATE_CHANGE, t + MS, sock, a, 2, 1, 0));
	e = named_event(name);
	e.ts_ns = t + 2 * MS;
	e.pid = pid;
	e.server = server;
	e.sock = sock;
	e.conn_id = 7 + (uint64_t)i;
	e.remote = a;
	feed(p, e);
	feed(p, ev_phase(EV_SMB_NEGOTIATE_DONE, t + 3 * MS, pid, server, 0));
	feed(p, ev_status(t + 4 * MS, pid, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	e = ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 5 * MS, pid, server, -EACCES);
	strncpy(e.user, name, sizeof(e.user) - 1);
	strncpy(e.domain, name, sizeof(e.domain) - 1);
	feed(p, e);
}

static char *pipeline_json(size_t *len)
{
	struct output out;
	struct pipeline p;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	output_init(&out, FORMAT_JSON, false, 0, f, 0);
	assert_int_equal(pipeline_init(&p, &out, true, NULL), 0);
	for (size_t i = 0; i < N_HOSTILE; i++)
		feed_mount(&p, hostile[i], (int)i);
	pipeline_finish(&p);
	pipeline_free(&p);
	output_free(&out);
	fclose(f);
	return buf;
}

static void test_json_lines_are_strict_utf8(void **state)
{
	size_t len, diagnoses = 0;
	char *buf = pipeline_json(&len), *line, *save = NULL;

	(void)state;
	assert_true(oracle_utf8((unsigned char *)buf, len, true));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_json_line_is_strict(line);
		diagnoses += strstr(line, "\"record\":\"diagnosis\"") != NULL;
	}
	assert_int_equal(diagnoses, N_HOSTILE); /* every mount diagnosed, whatever its names */
	free(buf);
}

/*
 * Python's json module on every line; then each name field, or its _hex where
 * there is one, must give back the exact bytes the event had.
 */
static const char py_check[] =
	"import json, sys\n"
	"names = [bytes.fromhex(h) for h in sys.argv[2].split(',')]\n"
	"seen = set()\n"
	"for raw in open(sys.argv[1], 'rb').read().split(b'\\n')[:-1]:\n"
	"    text = raw.decode('utf-8', 'strict')\n"
	"    rec = json.loads(text)\n"
	"    objs = [rec, rec.get('evidence', {}), rec.get('evidence', {}).get('sent', {})]\n"
	"    for o in objs:\n"
	"        for k in ('host', 'user', 'domain', 'unc', 'share', 'server'):\n"
	"            if k not in o:\n"
	"                continue\n"
	"            b = bytes.fromhex(o[k + '_hex']) if k + '_hex' in o else o[k].encode('utf-8')\n"
	"            if k + '_hex' in o:\n"
	"                assert o[k] == b.decode('utf-8', 'replace'), (k, o)\n"
	"            else:\n"
	"                b.decode('utf-8', 'strict')\n"
	"            if b in names:\n"
	"                seen.add(names.index(b))\n"
	"assert len(seen) == len(names), sorted(set(range(len(names))) - seen)\n"
	"print('ok')\n";

static void test_python_json_gives_back_every_name(void **state)
{
	char path[] = "/tmp/smbw-hostile-XXXXXX", script[] = "/tmp/smbw-hostile-py-XXXXXX";
	char *cmd, *hex, *buf, res[256] = "";
	size_t len, at = 0;
	FILE *f, *py;
	int fd;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1")) {
		skip(); /* the C checks above still ran */
		return;
	}
	buf = pipeline_json(&len);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	hex = calloc(1, N_HOSTILE * 2 * 64 + N_HOSTILE);
	/* every name fits every field but comm, which is not compared */
	for (size_t i = 0; i < N_HOSTILE; i++) {
		size_t n = strlen(hostile[i]);

		for (size_t k = 0; k < n; k++)
			at += (size_t)sprintf(hex + at, "%02x", (unsigned char)hostile[i][k]);
		hex[at++] = i + 1 < N_HOSTILE ? ',' : '\0';
	}
	fd = mkstemp(script);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(py_check, f);
	fclose(f);
	assert_true(asprintf(&cmd, "python3 %s %s %s 2>&1", script, path, hex) > 0);
	py = popen(cmd, "r");
	while (fgets(res, sizeof(res), py))
		if (strcmp(res, "ok\n"))
			fprintf(stderr, "python3: %s", res);
	assert_int_equal(pclose(py), 0);
	assert_string_equal(res, "ok\n");
	unlink(path);
	unlink(script);
	free(cmd);
	free(hex);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_event_lines_are_inert),
		cmocka_unit_test(test_text_escapes_name_c1_bytes_either_way),
		cmocka_unit_test(test_auth_sent_names_from_utf16),
		cmocka_unit_test(test_json_lines_are_strict_utf8),
		cmocka_unit_test(test_python_json_gives_back_every_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
