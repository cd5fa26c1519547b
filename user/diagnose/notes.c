// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "notes.h"
#include "strutil.h"

int notes_init(struct notes *ns, size_t cap)
{
	ns->ring = calloc(cap, sizeof(*ns->ring));
	ns->cap = cap;
	ns->head = ns->n = 0;
	return ns->ring ? 0 : -ENOMEM;
}

void notes_free(struct notes *ns)
{
	free(ns->ring);
	ns->ring = NULL;
}

static inline struct note *nth(struct notes *ns, size_t k)
{
	size_t i = ns->head + k;

	return &ns->ring[i < ns->cap ? i : i - ns->cap];
}

/* Moves the head past taken notes, so that the oldest is always a pending one. */
static void skip_holes(struct notes *ns)
{
	while (ns->n && !nth(ns, 0)->used) {
		ns->head = ns->head + 1 < ns->cap ? ns->head + 1 : 0;
		ns->n--;
	}
}

/* Closes the holes left by notes taken out of order: rare, only when the ring is full. */
static void compact(struct notes *ns)
{
	size_t kept = 0;

	for (size_t k = 0; k < ns->n; k++) {
		struct note *n = nth(ns, k);

		if (!n->used)
			continue;
		if (kept != k)
			*nth(ns, kept) = *n;
		kept++;
	}
	ns->n = kept;
}

bool notes_full(struct notes *ns)
{
	if (ns->n == ns->cap)
		compact(ns);
	return ns->n == ns->cap;
}

struct note *notes_add(struct notes *ns, enum note_kind kind, const struct smbw_event *e)
{
	struct note *n;

	if (notes_full(ns))
		return NULL;
	n = nth(ns, ns->n);

	memset(n, 0, sizeof(*n));
	n->used = true;
	n->kind = kind;
	n->pid = e->pid;
	copy_str(n->comm, sizeof(n->comm), e->comm);
	n->command = e->command;
	n->status = e->nt_status;
	n->rc = e->rc;
	n->session_id = e->session_id;
	n->tree_id = e->tree_id;
	n->ts = e->ts_ns;
	n->addr = e->remote;
	copy_str(n->text, sizeof(n->text), kind == NOTE_CONNECT ? e->host : e->unc);
	ns->n++;
	return n;
}

static bool matches(const struct note *n, const struct note_key *k)
{
	return n->used && n->kind == k->kind && n->pid == k->pid &&
	       (k->command < 0 || n->command == k->command) &&
	       (!k->session_id || !n->session_id || n->session_id == k->session_id);
}

bool notes_take(struct notes *ns, const struct note_key *key, struct note *out)
{
	bool found = false;

	for (size_t k = ns->n; k-- > 0;) {
		struct note *n = nth(ns, k);

		if (!matches(n, key))
			continue;
		if (!found)
			*out = *n;
		found = true;
		n->used = false;
	}
	skip_holes(ns);
	return found;
}

struct note *notes_oldest(struct notes *ns)
{
	skip_holes(ns);
	return ns->n ? nth(ns, 0) : NULL;
}

void notes_pop(struct notes *ns)
{
	if (!ns->n)
		return;
	nth(ns, 0)->used = false;
	skip_holes(ns);
}
