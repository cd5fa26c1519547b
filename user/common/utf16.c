// SPDX-License-Identifier: GPL-2.0
#include "utf16.h"

static size_t put_utf8(char *dst, size_t room, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (n > room)
		return 0;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)b[i];
	return n;
}

size_t utf16le_to_utf8(char *dst, size_t n, const uint8_t *src, size_t len)
{
	size_t out = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t cp = src[i] | (uint32_t)src[i + 1] << 8, lo;
		size_t w;

		if (!cp)
			break; /* the NUL padding of a fixed field */
		if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < len) {
			lo = src[i + 2] | (uint32_t)src[i + 3] << 8;
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd; /* a lone surrogate */
		}
		w = put_utf8(dst + out, n - 1 - out, cp);
		if (!w)
			break;
		out += w;
	}
	dst[out] = '\0';
	return out;
}
