/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events from different CPUs reach the ring buffer slightly out of order: a
 * ring that keeps them sorted by timestamp. Most events arrive in order and
 * are appended in O(1); a late one is moved back past the few newer ones.
 */
#ifndef SMBW_REORDER_H
#define SMBW_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbwatch_event.h"

/*
 * A held event: its bytes up to .krb. Kerberos bytes never wait here (the
 * correlator takes KRB-ERRORs at intake), so a slot is half an event's size.
 */
struct held_event {
	unsigned char b[SMBW_EVENT_BASE_LEN];
};

struct reorder {
	struct held_event *ring;
	struct smbw_event out; /* reorder_peek's copy of the oldest (.krb stays zero) */
	size_t cap, head, n; /* head: the oldest held event */
	size_t max_cap;      /* the ring grows to this on bursts, from a few pages */
	uint64_t reordered;  /* events that arrived after a newer one */
};

int reorder_init(struct reorder *r, size_t max_cap);
void reorder_free(struct reorder *r);
/* Full at its largest size (it grows first while it can). */
bool reorder_full(struct reorder *r);
/*
 * Insert in timestamp order (equal timestamps keep their arrival order). Not
 * when full. What follows .krb_len is not kept.
 */
void reorder_push(struct reorder *r, const struct smbw_event *e);
/* The oldest held event's timestamp; UINT64_MAX when none is held. */
uint64_t reorder_peek_ts(const struct reorder *r);
/* The oldest held event (valid until the next call), or NULL. */
const struct smbw_event *reorder_peek(struct reorder *r);
void reorder_pop(struct reorder *r);

#endif
