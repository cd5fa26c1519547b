/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data path after the source: validate -> record -> show raw evidence ->
 * correlate and classify -> output diagnoses. The ring buffer callback and
 * the replay reader both feed records here, so both run the same code.
 */
#ifndef SMBW_PIPELINE_H
#define SMBW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "recfile.h"

struct correlator;

struct pipeline {
	struct output *out;
	bool show_events;
	struct rec_writer *rec;     /* NULL unless --record */
	struct correlator *corr;    /* NULL: no diagnoses (raw events only) */
	uint64_t events;
	uint64_t malformed;         /* wrong size or ABI: counted, reported, skipped */
	uint64_t unknown;           /* event types this version does not know */
	uint64_t record_errors;
};

int pipeline_init(struct pipeline *p, struct output *out, bool show_events);
/* Returns 0, or -EIO when recording failed (the caller stops: nothing is lost silently). */
int pipeline_feed(struct pipeline *p, const void *data, size_t size);
/* Let time-based conclusions (no reply, expiry) happen with no new event. */
void pipeline_tick(struct pipeline *p, uint64_t now_ns);
void pipeline_finish(struct pipeline *p);
void pipeline_free(struct pipeline *p);

#endif
