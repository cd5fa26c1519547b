// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
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
	return r->ring ? 0 : -ENOMEM;
}

/* Doubles the ring, its events moved to the start in order. */
static int grow(struct reorder *r)
{
	size_t cap = r->cap * 2 > r->max_cap ? r->max_cap : r->cap * 2;
	struct smbw_event *ring = malloc(cap * sizeof(*ring));
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

void reorder_push(struct reorder *r, const struct smbw_event *e)
{
	size_t k = r->n;

	/* walk back from the tail past newer events, moving each up by one */
	while (k > 0 && r->ring[at(r, k - 1)].ts_ns > e->ts_ns) {
		r->ring[at(r, k)] = r->ring[at(r, k - 1)];
		k--;
	}
	if (k != r->n)
		r->reordered++;
	r->ring[at(r, k)] = *e;
	r->n++;
}

void reorder_pop(struct reorder *r)
{
	if (!r->n)
		return;
	r->head = at(r, 1);
	r->n--;
}
