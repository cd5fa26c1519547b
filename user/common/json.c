// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "json.h"
#include "utf8.h"

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

static const char hexdigits[] = "0123456789abcdef";

/*
 * Control characters (C0, DEL, C1) and the characters that reorder or end a
 * line for a reader (U+2028, bidi controls) leave as \uXXXX escapes: the same
 * code point for a JSON decoder, and nothing a terminal acts on when a line
 * is printed as it is.
 */
static bool needs_escape(uint32_t cp)
{
	return utf8_is_control(cp) || utf8_is_format_hazard(cp);
}

bool json_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len, bad;
	bool valid = true;
	uint32_t cp;

	while (i < n) {
		len = utf8_next(s + i, n - i, &cp, &bad);
		if (!len) {
			sb_puts(sb, "\xef\xbf\xbd"); /* U+FFFD REPLACEMENT CHARACTER */
			i += bad;
			valid = false;
			continue;
		}
		if (cp == '"' || cp == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)cp);
		} else if (cp == '\n') {
			sb_puts(sb, "\\n");
		} else if (cp == '\t') {
			sb_puts(sb, "\\t");
		} else if (cp == '\r') {
			sb_puts(sb, "\\r");
		} else if (needs_escape(cp)) {
			sb_printf(sb, "\\u%04x", cp);
		} else {
			sb_write(sb, str + i, len);
		}
		i += len;
	}
	return valid;
}

static void json_hex_bytes(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_putc(sb, hexdigits[(unsigned char)s[i] >> 4]);
		sb_putc(sb, hexdigits[(unsigned char)s[i] & 0xf]);
	}
}

void json_strn(struct json *j, const char *key, const char *val, size_t max)
{
	size_t n = strnlen(val, max);
	bool valid;

	json_key(j, key);
	sb_putc(j->sb, '"');
	valid = json_escape(j->sb, val, n);
	sb_putc(j->sb, '"');
	if (valid)
		return;
	/* the exact bytes beside the readable text: nothing is lost to U+FFFD */
	sb_printf(j->sb, ",\"%s_hex\":\"", key);
	json_hex_bytes(j->sb, val, n);
	sb_putc(j->sb, '"');
	j->fields++;
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
