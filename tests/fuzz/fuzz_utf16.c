// SPDX-License-Identifier: GPL-2.0
/*
 * The UTF-16LE converter (NTLMSSP names from the wire) against an oracle of
 * this file's own: the same text, cut at the last whole character that fits,
 * always terminated, always strict UTF-8, never past its buffer (the buffer
 * is exactly the size given, on the heap, where ASan sees an overflow).
 *
 * Input: one byte, the output buffer's size (0 to 255), then the UTF-16LE.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_checks.h"
#include "utf16.h"

static size_t encode(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Code units first, then characters: a pair only when both halves are there. */
static size_t oracle(char *out, size_t room, const uint8_t *src, size_t len)
{
	size_t units = len / 2, n = 0;

	for (size_t u = 0; u < units; u++) {
		uint32_t c = src[2 * u] | (uint32_t)src[2 * u + 1] << 8, lo, cp = c;
		char b[4];
		size_t w;

		if (!c)
			break;
		if (c >= 0xd800 && c <= 0xdbff && u + 1 < units) {
			lo = src[2 * u + 2] | (uint32_t)src[2 * u + 3] << 8;
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				u++;
			} else {
				cp = 0xfffd;
			}
		} else if (c >= 0xd800 && c <= 0xdfff) {
			cp = 0xfffd;
		}
		w = encode(b, cp);
		if (n + w > room)
			break;
		memcpy(out + n, b, w);
		n += w;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char expect[256 * 4];
	size_t n, len, want;
	char *out;

	if (size < 1)
		return 0;
	n = data[0];
	out = malloc(n ? n : 1);
	len = utf16le_to_utf8(out, n, data + 1, size - 1);
	if (!n) {
		fuzz_assert(len == 0);
		free(out);
		return 0;
	}
	fuzz_assert(len < n);
	fuzz_assert(out[len] == '\0' && strlen(out) == len);
	fuzz_assert(oracle_utf8((const unsigned char *)out, len, true));
	want = oracle(expect, n - 1, data + 1, size - 1);
	fuzz_assert(len == want && !memcmp(out, expect, len));
	free(out);
	return 0;
}
