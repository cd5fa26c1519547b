// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "reorder.h"

int reorder_init(struct reorder *r, size_t cap)
{
	r->ring = calloc(cap, sizeof(*r->ring));
	r->cap = cap;
	r->head = r->n = 0;
	r->reordered = 0;
	return r->ring ? 0 : -ENOMEM;
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
