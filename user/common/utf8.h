/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict UTF-8 (RFC 3629, Unicode 15 table 3-7): no overlong form (C0, C1,
 * E0 80..9F, F0 80..8F), no surrogate (ED A0..BF), nothing above U+10FFFF
 * (F4 90.., F5..FF). Names from the kernel and the network are bytes: the
 * JSON and text writers decode them with this, never trusting them.
 */
#ifndef SMBW_UTF8_H
#define SMBW_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The well-formed sequence at s (n >= 1 bytes): its length (1 to 4) and code
 * point in *cp. 0 when the bytes at s are not one: *bad is then the length of
 * their maximal subpart (1 to 3), the bytes that one U+FFFD replaces in the
 * Unicode "best practice" (what Python's decode(errors="replace") and the
 * WHATWG decoder do).
 */
size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad);
/* All n bytes are well-formed UTF-8 (NUL included: it is U+0000). */
bool utf8_valid(const char *s, size_t n);
/* A control character: C0, DEL or C1 (U+0080..U+009F). */
static inline bool utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}
/*
 * Characters that reorder or hide what a reader sees on a line without being
 * controls: the bidirectional embeddings, overrides and isolates ("Trojan
 * Source"), the marks, and the line and paragraph separators.
 */
static inline bool utf8_is_format_hazard(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

#endif
