/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON object writer for one-line records. Names come from the kernel (server,
 * share, user, comm) and may hold any byte: every line is valid JSON in strict
 * UTF-8 (utf8.h). A string that is not well-formed UTF-8 is written readable,
 * each maximal ill-formed subpart as U+FFFD, and its exact bytes follow in a
 * sibling field "<key>_hex" (lowercase hex), present only then: nothing is
 * lost, and a consumer that never meets odd names never sees the sibling.
 * Control characters (C0, DEL, C1) and bidi or line-separator characters are
 * \uXXXX escapes.
 */
#ifndef SMBW_JSON_H
#define SMBW_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

struct json {
	struct strbuf *sb;
	int fields; /* fields written in the current object */
};

void json_begin(struct json *j, struct strbuf *sb);
void json_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
/*
 * A string of at most max bytes that may lack its NUL (a fixed kernel array);
 * with "<key>_hex" after it when it is not UTF-8.
 */
void json_strn(struct json *j, const char *key, const char *val, size_t max);
void json_int(struct json *j, const char *key, long long val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_hex(struct json *j, const char *key, unsigned long long val, int width);
void json_bool(struct json *j, const char *key, bool val);
/* The string's content, quotes not included; false when it was not UTF-8 (U+FFFD written). */
bool json_escape(struct strbuf *sb, const char *s, size_t n);

#endif
