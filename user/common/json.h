/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON object writer for one-line records. Names come from the kernel (server,
 * share, user, comm) and may hold any byte: strings are escaped so that every
 * line stays valid JSON and valid UTF-8 (invalid bytes become \u00XX).
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
/* A string of at most max bytes that may lack its NUL (a fixed kernel array). */
void json_strn(struct json *j, const char *key, const char *val, size_t max);
void json_int(struct json *j, const char *key, long long val);
void json_uint(struct json *j, const char *key, unsigned long long val);
void json_hex(struct json *j, const char *key, unsigned long long val, int width);
void json_bool(struct json *j, const char *key, bool val);
void json_escape(struct strbuf *sb, const char *s, size_t n);

#endif
