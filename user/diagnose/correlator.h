/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The correlator: joins the evidence stream per TCP socket, per SMB
 * connection and per process, decides when an operation has failed, and
 * hands each failure, classified, to a callback (the fold stage comes next).
 * Pure C: events in, diagnoses out; no I/O, no clock of its own. Time is the
 * stream's: settling and expiry happen between the events on either side of
 * their deadline, so a replay gives the diagnoses of the live run.
 *
 * Its parts: reorder.c (events back in time order), table.c (slots in LRU
 * order, hash indexes), notes.c (tracepoint notes, FIFO), evidence.c (what
 * the TCP side showed), this file (the joins and the event handlers).
 *
 * Identity: an address is not an object. A TCP_Server_Info address that comes
 * back with a new conn_id, or a socket that went through CLOSE, starts a fresh
 * entry. An established mount lives until cifs tears its connection down
 * (smb_server_released) or a full table evicts it, never because it was idle.
 */
#ifndef SMBW_CORRELATOR_H
#define SMBW_CORRELATOR_H

#include <stddef.h>
#include <stdint.h>

#include "diagnosis.h"
#include "portset.h"
#include "smbwatch_event.h"

struct correlator_config {
	uint64_t reorder_ns; /* hold events this long to sort them across CPUs */
	uint64_t settle_ns;  /* a failure seen only by a tracepoint is concluded after this */
	uint64_t idle_ns;    /* forget sockets and unmounted connections idle this long */
	size_t max_socks;
	size_t max_conns;
	size_t max_notes;
	size_t reorder_cap;  /* events held at most; a burst beyond it is released early */
	struct portset ports; /* the watched ports: a client socket has one as its peer */
};

struct correlator_stats {
	uint64_t events;
	uint64_t diagnoses;
	uint64_t reordered;       /* events that arrived before an older one */
	uint64_t early_released;  /* held less than reorder_ns: the buffer was full (a burst) */
	uint64_t evicted_socks;   /* dropped from a full table (not expired) */
	uint64_t evicted_conns;
	uint64_t evicted_notes;   /* concluded before they settled: the FIFO was full */
	uint64_t reused;          /* a kernel address came back as a new object */
	uint64_t released;        /* connections cifs tore down */
	uint64_t ignored;         /* normal traffic: MORE_PROCESSING_REQUIRED, server-side sockets */
};

void correlator_default_config(struct correlator_config *cfg);
struct correlator *correlator_new(const struct correlator_config *cfg, diagnosis_fn fn, void *ctx);
void correlator_feed(struct correlator *c, const struct smbw_event *e);
/* Time passes with no event: release held events, conclude what has settled. */
void correlator_tick(struct correlator *c, uint64_t now_ns);
/* End of stream: conclude everything still pending. */
void correlator_finish(struct correlator *c);
/* Stream time: everything before it has been dispatched (for the fold stage's clock). */
uint64_t correlator_now(const struct correlator *c);
void correlator_get_stats(const struct correlator *c, struct correlator_stats *s);
void correlator_free(struct correlator *c);

#endif
