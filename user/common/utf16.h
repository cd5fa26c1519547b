/* SPDX-License-Identifier: GPL-2.0 */
/* UTF-16LE names from the wire (NTLMSSP) as UTF-8. */
#ifndef SMBW_UTF16_H
#define SMBW_UTF16_H

#include <stddef.h>
#include <stdint.h>

/*
 * Converts up to len bytes of UTF-16LE, stopping at a NUL; a lone surrogate
 * becomes U+FFFD. dst (n bytes) is always terminated; returns its length.
 */
size_t utf16le_to_utf8(char *dst, size_t n, const uint8_t *src, size_t len);

#endif
