/* SPDX-License-Identifier: GPL-2.0 */
/* Words for a diagnosis: the one-line message and the names of its numbers. */
#ifndef SMBW_DESCRIBE_H
#define SMBW_DESCRIBE_H

#include "diagnosis.h"
#include "strbuf.h"

/* "bad-credentials: session setup as 'alice' on fs1 (10.0.0.5:445) failed: ..." */
void describe_message(struct strbuf *sb, const struct diagnosis *d);
/* "EACCES", or "E123" for a number glibc does not name; "" for 0. */
const char *errno_name(int rc, char *buf, size_t n);
const char *sectype_name(uint32_t sectype);
const char *reset_side_name(enum reset_side r);
const char *priority_name(int prio);

#endif
