/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folding repeats, after classification: the first diagnosis of a kind
 * (cause, server, share, user) goes out at once; identical ones within the
 * window are counted, and one summary (repeat = true, count = how many) goes
 * out when the window closes. A reconnect storm makes two lines, not two
 * hundred; the counts still add up to every failure.
 *
 * Time is the stream's own (diagnosis timestamps, fold_tick): a replay folds
 * exactly as the live run did.
 */
#ifndef SMBW_FOLD_H
#define SMBW_FOLD_H

#include <stdint.h>

#include "diagnosis.h"

typedef void (*diagnosis_fn)(void *ctx, const struct diagnosis *d);

#define FOLD_SLOTS 128

struct fold_slot {
	/* what makes two failures the same, and when the window opened */
	enum cause_id cause;
	bool ipc;
	char server[SMBW_HOST_LEN], unc[SMBW_UNC_LEN], user[SMBW_NAME_LEN];
	uint64_t first_ts;
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
