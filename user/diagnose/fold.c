// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "fold.h"
#include "strutil.h"

void fold_init(struct fold *f, uint64_t window_ns, diagnosis_fn fn, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->window_ns = window_ns;
	f->fn = fn;
	f->ctx = ctx;
}

static void hand_on(struct fold *f, const struct diagnosis *d)
{
	f->out++;
	f->fn(f->ctx, d);
}

static bool same_failure(const struct fold_slot *s, const struct diagnosis *d)
{
	return s->cause == d->cause && s->ipc == d->ipc && !strcmp(s->server, d->server) &&
	       !strcmp(s->unc, d->unc) && !strcmp(s->user, d->user);
}

static void close_slot(struct fold *f, struct fold_slot *s)
{
	if (s->absorbed) {
		struct diagnosis d = s->last;

		d.repeat = true;
		d.count = s->absorbed;
		hand_on(f, &d);
	}
	s->used = false;
}

void fold_tick(struct fold *f, uint64_t now_ns)
{
	for (int i = 0; i < FOLD_SLOTS; i++) {
		struct fold_slot *s = &f->slot[i];

		if (s->used && s->first_ts + f->window_ns <= now_ns)
			close_slot(f, s);
	}
}

/* How many of a kind go out one by one in a window: mount attempts are the user's own. */
static uint32_t burst(const struct diagnosis *d)
{
	return d->phase == PHASE_ANY ? 1 : FOLD_MOUNT_BURST;
}

void fold_put(struct fold *f, const struct diagnosis *in)
{
	struct fold_slot *free_slot = NULL, *oldest = NULL;
	struct diagnosis d = *in;

	if (!d.count)
		d.count = 1;
	if (!f->window_ns) {
		hand_on(f, &d);
		return;
	}
	fold_tick(f, d.ts_ns); /* windows that ended before this one are closed first */
	for (int i = 0; i < FOLD_SLOTS; i++) {
		struct fold_slot *s = &f->slot[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (same_failure(s, &d)) {
			if (s->passed < burst(&d)) {
				s->passed++;
				hand_on(f, &d);
				return;
			}
			s->absorbed += d.count;
			s->last = d;
			return;
		}
		if (!oldest || s->first_ts < oldest->first_ts)
			oldest = s;
	}
	if (!free_slot) {
		close_slot(f, oldest);
		free_slot = oldest;
	}
	free_slot->used = true;
	free_slot->cause = d.cause;
	free_slot->ipc = d.ipc;
	copy_str(free_slot->server, sizeof(free_slot->server), d.server);
	copy_str(free_slot->unc, sizeof(free_slot->unc), d.unc);
	copy_str(free_slot->user, sizeof(free_slot->user), d.user);
	free_slot->first_ts = d.ts_ns;
	free_slot->passed = 1;
	free_slot->absorbed = 0;
	hand_on(f, &d);
}

void fold_finish(struct fold *f)
{
	for (int i = 0; i < FOLD_SLOTS; i++)
		if (f->slot[i].used)
			close_slot(f, &f->slot[i]);
}
