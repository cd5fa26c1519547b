// SPDX-License-Identifier: GPL-2.0
/*
 * Evidence: what the TCP side showed around a failure. The sockets a
 * connection claimed, else those of its process to its address; the sockets
 * of a connect that failed; the KDC's. Lookups here walk the tables: they run
 * once per failure, never per event.
 */
#include <stdio.h>
#include <string.h>

#include "correlator_int.h"

static bool addr_equal(const struct smbw_addr *a, const struct smbw_addr *b)
{
	size_t n = a->family == 10 ? 16 : 4;

	return a->family && a->family == b->family && !memcmp(a->addr, b->addr, n);
}

void add_lacked(struct evidence *ev, const char *what)
{
	size_t n = strlen(ev->lacked);

	if (strstr(ev->lacked, what))
		return;
	snprintf(ev->lacked + n, sizeof(ev->lacked) - n, "%s%s", n ? ", " : "", what);
}

static void add_sock_evidence(struct evidence *ev, const struct sock_track *t, uint64_t *start)
{
	ev->tcp_seen = true;
	ev->tcp_retransmits += t->retransmits;
	ev->syn_retransmits += t->syn_retransmits;
	if (t->established)
		ev->syn_answered = true;
	if (t->est_ts && t->syn_ts && !ev->connect_ns)
		ev->connect_ns = t->est_ts - t->syn_ts;
	/* the server's reset is the news; the client's own after it is only its answer */
	if (t->reset == RESET_BY_SERVER || ev->reset == RESET_NONE)
		ev->reset = t->reset != RESET_NONE ? t->reset : ev->reset;
	if (t->syn_ts && (!*start || t->syn_ts < *start))
		*start = t->syn_ts;
}

/* Live sockets in use, recently active, for which want() says yes. */
#define FOR_RECENT_SOCKS(c, t, ts)                                                           \
	for (uint32_t _i = (c)->sock_lru.head; _i != SLOT_NONE; _i = (c)->sock_lru.next[_i]) \
		if (((t) = &(c)->socks[_i])->last_ts + JOIN_WINDOW_NS < (ts))                \
			break; /* LRU order: all the rest are older */                       \
		else

void conn_evidence(struct correlator *c, const struct smb_conn *k, struct diagnosis *d)
{
	struct sock_track *t;
	uint64_t start = 0;

	for (int i = 0; i < k->nsocks; i++) {
		t = sock_find(c, k->socks[i]);
		if (t)
			add_sock_evidence(&d->ev, t, &start);
	}
	if (!d->ev.tcp_seen) {
		FOR_RECENT_SOCKS(c, t, d->ts_ns)
		{
			if (addr_equal(&t->remote, &k->addr) && t->remote.port == k->addr.port &&
			    (t->pid == k->pid || !t->pid))
				add_sock_evidence(&d->ev, t, &start);
		}
	}
	d->ev.tcp_retransmits += k->carried_retransmits;
	if (d->ev.reset == RESET_NONE)
		d->ev.reset = k->carried_reset;
	if (!d->ev.tcp_seen)
		add_lacked(&d->ev, "TCP events of the SMB socket");
	if (!start || start > k->first_ts)
		start = k->first_ts;
	d->ev.elapsed_ns = d->ts_ns > start ? d->ts_ns - start : 0;
	d->ev.reconnects = k->reconnects;
	d->ev.signature_failures = k->signature_failures - k->signatures_told; /* new ones */
	/* a tree connect's: what the client sent for the session it runs on */
	d->ev.sent = k->sent;
	d->ev.spnego_seen = k->spnego_seen;
	d->ev.spnego_rc = k->spnego_rc;
	d->ev.session_refused = k->session_refused;
	d->ev.refusal_code = k->refusal_code;
}

/*
 * A tree connect runs on a session: what the client sent for it, its flags,
 * how its IPC$ went. Only for the session set up last on the connection (the
 * one the ids say), never another user's on the same server.
 */
void session_evidence(const struct smb_conn *k, uint64_t session_id, struct diagnosis *d)
{
	if (!k->ses_id || (session_id && session_id != k->ses_id))
		return;
	if (!k->sent.seen)
		d->ev.sent = k->ses_sent;
	if (!d->session_flags)
		d->session_flags = k->session_flags;
	d->ev.ipc_denied = k->ipc_denied;
}

void kdc_evidence(struct correlator *c, struct diagnosis *d)
{
	struct sock_track *t;

	FOR_RECENT_SOCKS(c, t, d->ts_ns)
	{
		if (t->remote.port != KDC_PORT || t->last_ts + 30 * NS_PER_S < d->ts_ns)
			continue;
		d->ev.kdc_retransmits += t->retransmits;
		if (t->reset == RESET_BY_SERVER)
			d->ev.kdc_resets++;
	}
}

uint16_t connect_evidence(struct correlator *c, struct diagnosis *d, uint32_t pid)
{
	uint64_t start = 0, first_syn = UINT64_MAX;
	struct sock_track *t;
	uint16_t port = 0;

	FOR_RECENT_SOCKS(c, t, d->ts_ns)
	{
		if (!pid || t->pid != pid || t->established ||
		    !addr_equal(&t->remote, &d->server_addr))
			continue;
		add_sock_evidence(&d->ev, t, &start);
		if (t->syn_ts < first_syn) {
			first_syn = t->syn_ts;
			port = t->remote.port;
		}
	}
	if (!d->ev.tcp_seen)
		add_lacked(&d->ev, "TCP events of the connect");
	d->ev.elapsed_ns = start && d->ts_ns > start ? d->ts_ns - start : 0;
	return port;
}

void kerberos_evidence(struct correlator *c, const struct smb_conn *k, struct diagnosis *d)
{
	struct krb_evidence *kr = &d->ev.krb;

	krb_log_evidence(&c->krb, k->conn_id, k->spnego_seen ? k->spnego_ts : 0, d->ts_ns,
			 k->krb_watched, kr);
	kdc_evidence(c, d);
	/* MORE_PROCESSING_REQUIRED is no failure in a status note; with the server's KRB-ERROR it is */
	if (kr->source == KRB_FROM_SERVER && !d->nt_status && kr->server_status) {
		d->nt_status = kr->server_status;
		d->ev.status_seen = true;
	}
	/* a KDC that only reset its TCP port: the UDP side may have been silent */
	if (d->ev.kdc_resets && !kr->replies &&
	    (kr->failure == KDC_SILENT || kr->failure == KDC_ANSWERED))
		kr->failure = KDC_RESET;
}
