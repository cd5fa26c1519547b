/* SPDX-License-Identifier: GPL-2.0 */
/* Words for a diagnosis: the one-line message and the names of its numbers. */
#ifndef SMBW_DESCRIBE_H
#define SMBW_DESCRIBE_H

#include "diagnosis.h"
#include "names.h"
#include "strbuf.h"

/*
 * "bad-credentials: session setup as 'alice' on fs1 (10.0.0.5:445) failed: ..."
 * offset_ns: realtime minus monotonic, to compare a Kerberos error's clock.
 */
void describe_message(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns);
/*
 * The Kerberos error sender's clock minus this host's at the failure, in
 * seconds (offset_ns: realtime minus monotonic); false when not known.
 */
bool krb_skew(const struct diagnosis *d, int64_t offset_ns, int64_t *skew_s);

#endif
