/* SPDX-License-Identifier: GPL-2.0 */
/* The correlator's state, shared by its parts (correlator.c, evidence.c) only. */
#ifndef SMBW_CORRELATOR_INT_H
#define SMBW_CORRELATOR_INT_H

#include "correlator.h"
#include "kerberos.h"
#include "notes.h"
#include "reorder.h"
#include "table.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define MAX_SOCKS_PER_CONN 4
/* A TCP socket belongs to a failure if it was active this close to it. */
#define JOIN_WINDOW_NS (120 * NS_PER_S)
#define KDC_PORT 88
#define RELEASED_IDS 64
#define LOSSES 8 /* the latest intervals in which the ring buffer lost records */

/* A client-side TCP connection to a watched port, as the kernel showed it. */
struct sock_track {
	uint64_t sock;
	struct smbw_addr local, remote;
	uint32_t pid;
	uint64_t first_ts, syn_ts, est_ts, last_ts;
	uint32_t retransmits, syn_retransmits;
	enum reset_side reset;
	bool established, closed;
	uint32_t conn, conn_gen; /* the SMB connection that claimed it (slot, generation) */
};

/* One cifs TCP_Server_Info: an SMB connection and the mounts on it. */
struct smb_conn {
	uint64_t server, conn_id;
	uint32_t gen; /* bumped at every reuse of the slot: stale links see it */
	uint64_t socks[MAX_SOCKS_PER_CONN];
	int nsocks;
	char host[SMBW_HOST_LEN];
	struct smbw_addr addr;
	char unc[SMBW_UNC_LEN], user[SMBW_NAME_LEN], domain[SMBW_NAME_LEN];
	uint32_t pid;
	char comm[SMBW_COMM_LEN];
	uint64_t first_ts, last_ts;
	uint16_t dialect;
	uint32_t sectype;
	uint32_t negotiate_flags; /* SMBW_F_* of the last negotiate (signing) */
	bool established; /* a tree connect other than IPC$ worked: a mount stands */
	uint32_t reconnects, signature_failures;
	int32_t signature_rc; /* what smb2_verify_signature said last */
	uint32_t signatures_told; /* of signature_failures, those a diagnosis reported already */
	uint64_t ses_id;               /* the session set up last: what ses_sent etc. are of */
	/* evidence of earlier sockets of this connection (reconnects) */
	uint32_t carried_retransmits;
	enum reset_side carried_reset;
	int32_t spnego_rc;
	uint64_t spnego_ts;  /* when the Kerberos upcall returned */
	bool spnego_seen, used;
	bool krb_watched;    /* the upcall's event came from an agent with the Kerberos hooks */
	struct sent_evidence sent; /* the last NTLMSSP AUTHENTICATE the client sent */
	struct sent_evidence ses_sent; /* the one of the session set up: its tree connects' */
	uint32_t session_flags;        /* SMB2_SESSION_FLAG_* of the session set up */
	bool ipc_denied;               /* its IPC$ tree connect was refused (ACCESS_DENIED) */
	bool session_refused;  /* RFC 1002 negative session response */
	uint8_t refusal_code;
};

struct correlator {
	struct correlator_config cfg;
	diagnosis_fn fn;
	void *ctx;
	struct reorder held;
	uint64_t high_ts;    /* newest timestamp seen */
	uint64_t now;        /* stream time: everything up to it has been dispatched */
	uint64_t next_sweep; /* when expired entries are next freed (memory only) */
	struct sock_track *socks;
	struct lru sock_lru;
	struct u64map by_sock;
	struct smb_conn *conns;
	struct lru conn_lru;
	struct u64map by_server, by_conn_id, by_pid;
	uint32_t next_gen;
	struct notes notes;
	struct krb_log krb;
	struct { uint64_t from, to; } losses[LOSSES];
	unsigned int next_loss;
	/* conn_ids cifs tore down lately: the teardown's tail (a last reconnect) is not news */
	uint64_t released_ids[RELEASED_IDS];
	unsigned int released_next;
	struct correlator_stats stats;
};

/* correlator.c: a live socket track, or NULL (an expired one is as good as gone) */
struct sock_track *sock_find(struct correlator *c, uint64_t sock);

/* evidence.c */
void add_lacked(struct evidence *ev, const char *what);
void conn_evidence(struct correlator *c, const struct smb_conn *k, struct diagnosis *d);
void session_evidence(const struct smb_conn *k, uint64_t session_id, struct diagnosis *d);
void kdc_evidence(struct correlator *c, struct diagnosis *d);
/* The Kerberos evidence of a session setup of k that failed: d->ev.krb and the KDC's TCP. */
void kerberos_evidence(struct correlator *c, const struct smb_conn *k, struct diagnosis *d);
/* TCP evidence of a connect that failed before cifs had a server object; returns the port tried. */
uint16_t connect_evidence(struct correlator *c, struct diagnosis *d, uint32_t pid);

#endif
