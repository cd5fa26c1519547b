/* SPDX-License-Identifier: GPL-2.0 */
/* Bounded string copies for the fixed-size name fields of events and diagnoses. */
#ifndef SMBW_STRUTIL_H
#define SMBW_STRUTIL_H

#include <string.h>

/* Copies at most n - 1 bytes of src and always terminates dst. */
static inline void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

#endif
