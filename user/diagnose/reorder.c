// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "reorder.h"

/* Events in flight are few but for bursts: start small, so that memory follows the load. */
#define REORDER_START 64

int reorder_init(struct reorder *r, size_t max_cap)
{
	r->max_cap = max_cap;
	r->cap = max_cap < REORDER_START ? max_cap : REORDER_START;
	r->ring = calloc(r->cap, sizeof(*r->ring));
	r->head = r->n = 0;
	r->reordered = 0;
	memset(&r->out, 0, sizeof(r->out));
	return r->ring ? 0 : -ENOMEM;
}

/* Doubles the ring, its events moved to the start in order. */
static int grow(struct reorder *r)
{
	size_t cap = r->cap * 2 > r->max_cap ? r->max_cap : r->cap * 2;
	struct held_event *ring = malloc(cap * sizeof(*ring));
	size_t first;

	if (!ring)
		return -ENOMEM;
	first = r->cap - r->head < r->n ? r->cap - r->head : r->n;
	memcpy(ring, r->ring + r->head, first * sizeof(*ring));
	memcpy(ring + first, r->ring, (r->n - first) * sizeof(*ring));
	free(r->ring);
	r->ring = ring;
	r->cap = cap;
	r->head = 0;
	return 0;
}

bool reorder_full(struct reorder *r)
{
	if (r->n < r->cap)
		return false;
	return r->cap == r->max_cap || grow(r) != 0; /* no memory: held no longer */
}

void reorder_free(struct reorder *r)
{
	free(r->ring);
	r->ring = NULL;
}

static inline size_t at(const struct reorder *r, size_t k)
{
	size_t i = r->head + k;

	return i < r->cap ? i : i - r->cap;
}

static inline uint64_t slot_ts(const struct held_event *h)
{
	uint64_t ts;

	memcpy(&ts, h->b + offsetof(struct smbw_event, ts_ns), sizeof(ts));
	return ts;
}

void reorder_push(struct reorder *r, const struct smbw_event *e)
{
	size_t k = r->n;

	/* walk back from the tail past newer events, moving each up by one */
	while (k > 0 && slot_ts(&r->ring[at(r, k - 1)]) > e->ts_ns) {
		r->ring[at(r, k)] = r->ring[at(r, k - 1)];
		k--;
	}
	if (k != r->n)
		r->reordered++;
	memcpy(r->ring[at(r, k)].b, e, sizeof(r->ring[0].b));
	r->n++;
}

uint64_t reorder_peek_ts(const struct reorder *r)
{
	return r->n ? slot_ts(&r->ring[r->head]) : UINT64_MAX;
}

const struct smbw_event *reorder_peek(struct reorder *r)
{
	if (!r->n)
		return NULL;
	memcpy(&r->out, r->ring[r->head].b, sizeof(r->ring[0].b));
	r->out.krb_len = 0; /* the bytes were not kept */
	return &r->out;
}

void reorder_pop(struct reorder *r)
{
	if (!r->n)
		return;
	r->head = at(r, 1);
	r->n--;
}
