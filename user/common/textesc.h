/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for a terminal and the journal's MESSAGE: what reaches them is always
 * printable UTF-8 text. Well-formed UTF-8 passes as it is, except control
 * characters (C0, DEL, C1 U+0080..U+009F, so also CSI as C2 9B) and the
 * characters that reorder or split a line for its reader (bidi controls,
 * U+2028/U+2029): they, and every byte that is not well-formed UTF-8 (raw
 * 0x80..0xFF, overlong forms, surrogates), are written as \xNN, one per byte.
 * For eyes, not for machines: JSON output keeps the exact bytes.
 */
#ifndef SMBW_TEXTESC_H
#define SMBW_TEXTESC_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Writes n bytes of s; returns true when nothing needed an escape. */
bool text_escape(struct strbuf *sb, const char *s, size_t n);

#endif
