// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "json.h"

void json_begin(struct json *j, struct strbuf *sb)
{
	j->sb = sb;
	j->fields = 0;
	sb_putc(sb, '{');
}

void json_end(struct json *j)
{
	sb_putc(j->sb, '}');
}

static void json_key(struct json *j, const char *key)
{
	if (j->fields++)
		sb_putc(j->sb, ',');
	sb_putc(j->sb, '"');
	sb_puts(j->sb, key);
	sb_puts(j->sb, "\":");
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

void json_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, seq;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
		} else if (c == '\n') {
			sb_puts(sb, "\\n");
		} else if (c == '\t') {
			sb_puts(sb, "\\t");
		} else if (c == '\r') {
			sb_puts(sb, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
		} else if (c < 0x80) {
			sb_putc(sb, (char)c);
		} else if ((seq = utf8_seq_len(s + i, n - i))) {
			sb_write(sb, str + i, seq);
			i += seq;
			continue;
		} else {
			/* not UTF-8: keep the byte visible without breaking the line */
			sb_printf(sb, "\\u%04x", c);
		}
		i++;
	}
}

void json_strn(struct json *j, const char *key, const char *val, size_t max)
{
	json_key(j, key);
	sb_putc(j->sb, '"');
	json_escape(j->sb, val, strnlen(val, max));
	sb_putc(j->sb, '"');
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_strn(j, key, val, strlen(val));
}

void json_int(struct json *j, const char *key, long long val)
{
	json_key(j, key);
	sb_printf(j->sb, "%lld", val);
}

void json_uint(struct json *j, const char *key, unsigned long long val)
{
	json_key(j, key);
	sb_printf(j->sb, "%llu", val);
}

void json_hex(struct json *j, const char *key, unsigned long long val, int width)
{
	json_key(j, key);
	sb_printf(j->sb, "\"0x%0*llx\"", width, val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	json_key(j, key);
	sb_puts(j->sb, val ? "true" : "false");
}
