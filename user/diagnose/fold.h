/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folding repeats, after classification. Within a window, the first
 * diagnoses of a kind (cause, server, share, user) go out at once, each on its
 * own: a mount tried again after a failure is a new attempt, reported as such
 * (up to FOLD_MOUNT_BURST of them). Beyond that, and for what the client does
 * by itself (reconnects, sessions expiring: beyond the first), identical ones
 * are counted and one summary (repeat = true, count = how many) goes out when
 * the window closes. A reconnect storm or an automount loop makes a few lines,
 * not hundreds; the counts still add up to every failure.
 *
 * Time is the stream's own (diagnosis timestamps, fold_tick): a replay folds
 * exactly as the live run did.
 */
#ifndef SMBW_FOLD_H
#define SMBW_FOLD_H

#include <stdint.h>

#include "diagnosis.h"

#define FOLD_SLOTS 128
/* Mount failures of a kind reported one by one per window before folding. */
#define FOLD_MOUNT_BURST 5

struct fold_slot {
	/* what makes two failures the same, and when the window opened */
	enum cause_id cause;
	bool ipc;
	char server[SMBW_HOST_LEN], unc[SMBW_UNC_LEN], user[SMBW_NAME_LEN];
	uint64_t first_ts;
	uint32_t passed;       /* went out on their own in this window */
	struct diagnosis last; /* the summary carries the latest one's details */
	uint32_t absorbed;     /* failures folded after the first */
	bool used;
};

struct fold {
	uint64_t window_ns; /* 0: every diagnosis goes out on its own */
	diagnosis_fn fn;
	void *ctx;
	struct fold_slot slot[FOLD_SLOTS];
	uint64_t out;       /* diagnoses handed on (summaries included) */
};

void fold_init(struct fold *f, uint64_t window_ns, diagnosis_fn fn, void *ctx);
void fold_put(struct fold *f, const struct diagnosis *d);
/* Close the windows that ended by now_ns (stream time). */
void fold_tick(struct fold *f, uint64_t now_ns);
/* End of stream: every pending summary goes out. */
void fold_finish(struct fold *f);

#endif
