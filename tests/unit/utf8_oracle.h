/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict UTF-8 check written apart from user/common/utf8.c, by code point
 * ranges: the oracle that the unit tests (test_hostile_names, test_metrics)
 * and the fuzz targets (tests/fuzz/fuzz_checks.h) hold the writers to.
 */
#ifndef SMBW_UTF8_ORACLE_H
#define SMBW_UTF8_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 3629: decoded, then the code point range-checked (not the lead-byte table of utf8.c). */
static inline bool oracle_utf8(const unsigned char *s, size_t n, bool allow_controls)
{
	static const uint32_t min_for_len[] = { 0, 0, 0x80, 0x800, 0x10000 };

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len;

		if (s[i] < 0x80)
			len = 1, cp = s[i];
		else if ((s[i] & 0xe0) == 0xc0)
			len = 2, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4, cp = s[i] & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (!allow_controls && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
			return false;
		i += len;
	}
	return true;
}

#endif
