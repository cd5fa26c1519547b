// SPDX-License-Identifier: GPL-2.0
#include "textesc.h"
#include "utf8.h"

static void hex_bytes(struct strbuf *sb, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "\\x%02x", s[i]);
}

bool text_escape(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len, bad;
	bool clean = true;
	uint32_t cp;

	while (i < n) {
		len = utf8_next(s + i, n - i, &cp, &bad);
		if (!len) {
			hex_bytes(sb, s + i, bad);
			i += bad;
			clean = false;
			continue;
		}
		if (utf8_is_control(cp) || utf8_is_format_hazard(cp)) {
			hex_bytes(sb, s + i, len);
			clean = false;
		} else {
			sb_write(sb, str + i, len);
		}
		i += len;
	}
	return clean;
}
