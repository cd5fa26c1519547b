/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data path after the source: validate -> record -> show raw evidence ->
 * correlate and classify -> fold repeats -> output diagnoses. The ring buffer callback and
 * the replay reader both feed records here, so both run the same code.
 */
#ifndef SMBW_PIPELINE_H
#define SMBW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "fold.h"
#include "kaddr.h"
#include "output.h"
#include "portset.h"
#include "recfile.h"

struct correlator;

/* Identical failures within this window are folded into one summary with a count. */
#define PIPELINE_FOLD_NS (60ull * 1000000000ull)

struct pipeline {
	struct output *out;
	bool show_events;
	struct rec_writer *rec;     /* NULL unless --record */
	struct correlator *corr;    /* NULL: no diagnoses (raw events only) */
	struct fold fold;           /* after classification, before output */
	bool map_kaddr;             /* live: kernel addresses become per-run ids (kaddr.h) */
	struct kaddr_ids kaddr;
	uint64_t events;
	uint64_t malformed;         /* wrong size or ABI: counted, reported, skipped */
	uint64_t unknown;           /* event types this version does not know */
	uint64_t record_errors;
};

/* ports: the watched ports (NULL: the defaults), as the kernel side was told. */
int pipeline_init(struct pipeline *p, struct output *out, bool show_events,
		  const struct portset *ports);
/*
 * For the ring buffer's records, never a replay's: from now on .sock and
 * .server are per-run ids, before anything records, shows or correlates
 * them. 0, or -errno when no random key could be had (then nothing is fed).
 */
int pipeline_map_kernel_addresses(struct pipeline *p);
/* Returns 0, or -EIO when recording failed (the caller stops: nothing is lost silently). */
int pipeline_feed(struct pipeline *p, const void *data, size_t size);
/* Let time-based conclusions (no reply, expiry) happen with no new event. */
void pipeline_tick(struct pipeline *p, uint64_t now_ns);
void pipeline_finish(struct pipeline *p);
/* "N diagnoses; reordered N, ..." : what the correlator had to do, for -v and bug reports. */
void pipeline_describe(const struct pipeline *p, char *buf, size_t n);
void pipeline_free(struct pipeline *p);

#endif
