// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON and text escapers on any bytes (every name from the kernel or the
 * network goes through one): JSON strings are strict UTF-8 with no raw
 * control character, and give back the exact bytes, from the string when
 * they were UTF-8, from the "_hex" sibling when not; text is strict UTF-8
 * with no control character at all (C1 included).
 */
#include <string.h>

#include "fuzz_checks.h"
#include "json.h"
#include "textesc.h"

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* A JSON string body (no quotes) back to bytes: RFC 8259 escapes only. */
static size_t json_unescape(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint32_t cp = 0;

		if (s[i] != '\\') {
			fuzz_assert(s[i] != '"');
			out[n++] = s[i];
			continue;
		}
		fuzz_assert(++i < len);
		switch (s[i]) {
		case '"': case '\\': case '/': out[n++] = s[i]; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'u':
			fuzz_assert(i + 4 < len);
			for (int k = 1; k <= 4; k++) {
				fuzz_assert(hexval(s[i + k]) >= 0);
				cp = cp << 4 | (uint32_t)hexval(s[i + k]);
			}
			fuzz_assert(cp < 0xd800 || cp > 0xdfff); /* we never escape a surrogate */
			put_utf8(out, &n, cp);
			i += 4;
			break;
		default:
			fuzz_assert(!"unknown escape");
		}
	}
	return n;
}

static void check_json(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *line, *hex;
	struct strbuf sb;
	struct json j;
	bool valid = oracle_utf8(data, size, true);
	char *back = malloc(size * 3 + 1);
	size_t vlen, n;

	sb_init(&sb);
	fuzz_assert(json_escape(&sb, s, size) == valid);
	fuzz_assert(oracle_utf8((const unsigned char *)sb.buf, sb.len, false));
	if (valid) {
		n = json_unescape(sb.buf, sb.len, back);
		fuzz_assert(n == size && (!size || !memcmp(back, data, size)));
	}
	/* as a field: the string, then the exact bytes where it was not UTF-8 */
	sb_reset(&sb);
	json_begin(&j, &sb);
	json_strn(&j, "name", s, size);
	json_end(&j);
	line = sb_str(&sb);
	fuzz_assert(!strncmp(line, "{\"name\":\"", 9));
	vlen = strnlen(s, size);
	hex = strstr(line, "\",\"name_hex\":\"");
	fuzz_assert((hex != NULL) == !oracle_utf8(data, vlen, true));
	if (hex) {
		hex += 14;
		for (n = 0; hex[2 * n] != '"'; n++) {
			fuzz_assert(hexval(hex[2 * n]) >= 0 && hexval(hex[2 * n + 1]) >= 0);
			back[n] = (char)(hexval(hex[2 * n]) << 4 | hexval(hex[2 * n + 1]));
		}
		fuzz_assert(n == vlen && (!vlen || !memcmp(back, data, vlen)));
	}
	free(back);
	sb_free(&sb);
}

static void check_text(const uint8_t *data, size_t size)
{
	struct strbuf sb;
	bool clean;

	sb_init(&sb);
	clean = text_escape(&sb, (const char *)data, size);
	fuzz_assert(oracle_utf8((const unsigned char *)sb.buf, sb.len, false));
	if (clean)
		fuzz_assert(sb.len == size && (!size || !memcmp(sb.buf, data, size)));
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_json(data, size);
	check_text(data, size);
	return 0;
}
