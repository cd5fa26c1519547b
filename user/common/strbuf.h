/* SPDX-License-Identifier: GPL-2.0 */
/* A growable string: formatters write into one, so tests can read what they wrote. */
#ifndef SMBW_STRBUF_H
#define SMBW_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int oom; /* set once an allocation failed; the content is then truncated */
};

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_write(struct strbuf *sb, const char *s, size_t n);
__attribute__((format(printf, 2, 0))) void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
__attribute__((format(printf, 2, 3))) void sb_printf(struct strbuf *sb, const char *fmt, ...);
const char *sb_str(const struct strbuf *sb);

#endif
