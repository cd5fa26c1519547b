/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The correlator: joins the evidence stream per TCP socket, per SMB
 * connection and per process, decides when an operation has failed, and
 * hands each failure to the classifier. Pure C: events in, diagnoses out
 * through a callback; no I/O, no clock of its own (stream timestamps only),
 * so a replay gives the same diagnoses as the live run.
 *
 * Memory is bounded: every table has a hard cap; entries expire (closed
 * sockets, idle connections) and, when a table is full, the oldest entry is
 * evicted and counted.
 */
#ifndef SMBW_CORRELATOR_H
#define SMBW_CORRELATOR_H

#include <stddef.h>
#include <stdint.h>

#include "diagnosis.h"
#include "smbwatch_event.h"

typedef void (*diagnosis_fn)(void *ctx, const struct diagnosis *d);

struct correlator_config {
	uint64_t reorder_ns; /* hold events this long to sort them across CPUs */
	uint64_t settle_ns;  /* a failure seen only by a tracepoint is concluded after this */
	uint64_t dedup_ns;   /* identical failures within this window make one diagnosis */
	uint64_t idle_ns;    /* forget sockets and connections idle this long */
	size_t max_socks;
	size_t max_conns;
	size_t max_notes;
};

struct correlator_stats {
	uint64_t events;
	uint64_t diagnoses;
	uint64_t reordered;       /* events that arrived before an older one */
	uint64_t evicted_socks;   /* dropped from a full table (not expired) */
	uint64_t evicted_conns;
	uint64_t evicted_notes;
	uint64_t ignored;         /* normal traffic: MORE_PROCESSING_REQUIRED, server-side sockets */
};

void correlator_default_config(struct correlator_config *cfg);
struct correlator *correlator_new(const struct correlator_config *cfg, diagnosis_fn fn, void *ctx);
void correlator_feed(struct correlator *c, const struct smbw_event *e);
/* Time passes with no event: release held events, conclude what has settled. */
void correlator_tick(struct correlator *c, uint64_t now_ns);
/* End of stream: conclude everything still pending. */
void correlator_finish(struct correlator *c);
void correlator_get_stats(const struct correlator *c, struct correlator_stats *s);
void correlator_free(struct correlator *c);

#endif
