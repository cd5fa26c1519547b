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

struct reorder {
	struct smbw_event *ring;
	size_t cap, head, n; /* head: the oldest held event */
	size_t max_cap;      /* the ring grows to this on bursts, from a few pages */
	uint64_t reordered;  /* events that arrived after a newer one */
};

int reorder_init(struct reorder *r, size_t max_cap);
void reorder_free(struct reorder *r);
/* Full at its largest size (it grows first while it can). */
bool reorder_full(struct reorder *r);
/* Insert in timestamp order (equal timestamps keep their arrival order). Not when full. */
void reorder_push(struct reorder *r, const struct smbw_event *e);
/* The oldest held event, or NULL. */
static inline const struct smbw_event *reorder_peek(const struct reorder *r)
{
	return r->n ? &r->ring[r->head] : NULL;
}
void reorder_pop(struct reorder *r);

#endif
