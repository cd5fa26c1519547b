// SPDX-License-Identifier: GPL-2.0
#include "utf8.h"

size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* E0 80..9F: overlong */
		hi = c == 0xed ? 0x9f : 0xbf; /* ED A0..BF: a surrogate */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80; /* F0 80..8F: overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf; /* F4 90..: above U+10FFFF */
	} else {
		*bad = 1; /* a continuation byte, C0, C1, F5..FF */
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		v = v << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return len;
}

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len, bad;
	uint32_t cp;

	while (i < n) {
		len = utf8_next(s + i, n - i, &cp, &bad);
		if (!len)
			return false;
		i += len;
	}
	return true;
}
