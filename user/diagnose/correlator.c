// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "correlator_int.h"
#include "utf16.h"
#include "ntstatus.h"
#include "strutil.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define SECTYPE_KERBEROS 3
#define SMB2_SESSION_FLAG_IS_GUEST 0x0001

void correlator_default_config(struct correlator_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->reorder_ns = 50 * NS_PER_MS;
	cfg->settle_ns = 2 * NS_PER_S;
	cfg->idle_ns = 600 * NS_PER_S;
	cfg->max_socks = 1024;
	cfg->max_conns = 256; /* servers mounted at once; the least recently active goes first */
	cfg->max_notes = 256;
	cfg->reorder_cap = 4096;
	portset_defaults(&cfg->ports);
}

struct correlator *correlator_new(const struct correlator_config *cfg, diagnosis_fn fn, void *ctx)
{
	struct correlator *c = calloc(1, sizeof(*c));
	int err = 0;

	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	else
		correlator_default_config(&c->cfg);
	c->fn = fn;
	c->ctx = ctx;
	c->socks = calloc(c->cfg.max_socks, sizeof(*c->socks));
	c->conns = calloc(c->cfg.max_conns, sizeof(*c->conns));
	err |= !c->socks || !c->conns;
	err |= reorder_init(&c->held, c->cfg.reorder_cap);
	err |= lru_init(&c->sock_lru, c->cfg.max_socks);
	err |= u64map_init(&c->by_sock, c->cfg.max_socks);
	err |= lru_init(&c->conn_lru, c->cfg.max_conns);
	err |= u64map_init(&c->by_server, c->cfg.max_conns);
	err |= u64map_init(&c->by_conn_id, c->cfg.max_conns);
	err |= u64map_init(&c->by_pid, c->cfg.max_conns);
	err |= notes_init(&c->notes, c->cfg.max_notes);
	krb_log_init(&c->krb);
	if (err) {
		correlator_free(c);
		return NULL;
	}
	return c;
}

void correlator_free(struct correlator *c)
{
	if (!c)
		return;
	reorder_free(&c->held);
	lru_free(&c->sock_lru);
	u64map_free(&c->by_sock);
	lru_free(&c->conn_lru);
	u64map_free(&c->by_server);
	u64map_free(&c->by_conn_id);
	u64map_free(&c->by_pid);
	notes_free(&c->notes);
	free(c->socks);
	free(c->conns);
	free(c);
}

void correlator_get_stats(const struct correlator *c, struct correlator_stats *s)
{
	*s = c->stats;
	s->reordered = c->held.reordered;
}

uint64_t correlator_now(const struct correlator *c)
{
	return c->now;
}

/* ---- sockets: by struct sock address, alive while recent ---- */

static bool sock_alive(const struct correlator *c, const struct sock_track *t)
{
	uint64_t keep = t->closed ? JOIN_WINDOW_NS : c->cfg.idle_ns;

	return t->last_ts + keep > c->now;
}

static void sock_drop(struct correlator *c, uint32_t i)
{
	u64map_del(&c->by_sock, c->socks[i].sock, i);
	lru_release(&c->sock_lru, i);
}

/* Expired entries are as good as gone: every lookup treats them so. */
struct sock_track *sock_find(struct correlator *c, uint64_t sock)
{
	uint32_t i = u64map_get(&c->by_sock, sock);

	if (i == SLOT_NONE)
		return NULL;
	if (!sock_alive(c, &c->socks[i])) {
		sock_drop(c, i);
		return NULL;
	}
	return &c->socks[i];
}

static struct sock_track *sock_new(struct correlator *c, uint64_t sock, uint64_t ts)
{
	uint32_t i = lru_take(&c->sock_lru);
	struct sock_track *t;

	if (i == SLOT_NONE) {
		i = lru_oldest(&c->sock_lru);
		if (sock_alive(c, &c->socks[i]))
			c->stats.evicted_socks++;
		sock_drop(c, i);
		i = lru_take(&c->sock_lru);
	}
	t = &c->socks[i];
	memset(t, 0, sizeof(*t));
	t->sock = sock;
	t->first_ts = ts;
	t->conn = SLOT_NONE;
	u64map_put(&c->by_sock, sock, i);
	return t;
}

/* ---- SMB connections: by server address, conn_id and process ---- */

static bool conn_alive(const struct correlator *c, const struct smb_conn *k)
{
	return k->established || k->last_ts + c->cfg.idle_ns > c->now;
}

static void conn_drop(struct correlator *c, struct smb_conn *k)
{
	uint32_t i = (uint32_t)(k - c->conns);

	u64map_del(&c->by_server, k->server, i);
	u64map_del(&c->by_conn_id, k->conn_id, i);
	u64map_del(&c->by_pid, k->pid, i);
	lru_release(&c->conn_lru, i);
	k->used = false;
}

static struct smb_conn *conn_at(struct correlator *c, uint32_t i)
{
	struct smb_conn *k;

	if (i == SLOT_NONE)
		return NULL;
	k = &c->conns[i];
	if (!conn_alive(c, k)) {
		conn_drop(c, k);
		return NULL;
	}
	return k;
}

/*
 * By server address, else by conn_id. A server address whose entry has
 * another conn_id is a freed TCP_Server_Info reused by a new one: the old
 * entry is done with. smb3_connect_done comes before the server address is
 * known, so a conn_id can have an entry without one, which the server's
 * first event then claims.
 */
static struct smb_conn *conn_find(struct correlator *c, uint64_t server, uint64_t conn_id)
{
	struct smb_conn *k = NULL;

	if (server)
		k = conn_at(c, u64map_get(&c->by_server, server));
	if (k && conn_id && k->conn_id && k->conn_id != conn_id) {
		c->stats.reused++;
		conn_drop(c, k);
		k = NULL;
	}
	if (!k && conn_id) {
		k = conn_at(c, u64map_get(&c->by_conn_id, conn_id));
		if (k && server && k->server && k->server != server)
			k = NULL;
	}
	return k;
}

static void conn_set_pid(struct correlator *c, struct smb_conn *k, uint32_t pid, const char *comm)
{
	if (!pid || k->pid)
		return;
	k->pid = pid;
	copy_str(k->comm, sizeof(k->comm), comm);
	u64map_put(&c->by_pid, pid, (uint32_t)(k - c->conns));
}

/* Finds or makes the entry, completes its keys, and marks it active now. */
static struct smb_conn *conn_get(struct correlator *c, uint64_t server, uint64_t conn_id,
				 uint64_t ts)
{
	struct smb_conn *k = conn_find(c, server, conn_id);
	uint32_t i;

	if (!k) {
		i = lru_take(&c->conn_lru);
		if (i == SLOT_NONE) {
			k = &c->conns[lru_oldest(&c->conn_lru)];
			if (conn_alive(c, k))
				c->stats.evicted_conns++;
			conn_drop(c, k);
			i = lru_take(&c->conn_lru);
		}
		k = &c->conns[i];
		memset(k, 0, sizeof(*k));
		k->used = true;
		k->gen = ++c->next_gen;
		k->first_ts = ts;
	}
	i = (uint32_t)(k - c->conns);
	if (server && !k->server) {
		k->server = server;
		u64map_put(&c->by_server, server, i);
	}
	if (conn_id && !k->conn_id) {
		k->conn_id = conn_id;
		u64map_put(&c->by_conn_id, conn_id, i);
	}
	k->last_ts = ts;
	lru_touch(&c->conn_lru, i);
	return k;
}

/* The connection a process works on: joins events that carry no server address. */
static struct smb_conn *conn_by_pid(struct correlator *c, uint32_t pid)
{
	struct smb_conn *k = pid ? conn_at(c, u64map_get(&c->by_pid, pid)) : NULL;

	return k && k->pid == pid ? k : NULL;
}

static struct smb_conn *conn_of_sock(struct correlator *c, const struct sock_track *t)
{
	struct smb_conn *k;

	if (t->conn == SLOT_NONE)
		return NULL;
	k = &c->conns[t->conn];
	return k->used && k->gen == t->conn_gen ? k : NULL;
}

static void conn_add_sock(struct correlator *c, struct smb_conn *k, uint64_t sock)
{
	struct sock_track *t;
	int i;

	if (!sock)
		return;
	for (i = 0; i < k->nsocks && k->socks[i] != sock; i++)
		;
	if (i == k->nsocks) {
		if (k->nsocks == MAX_SOCKS_PER_CONN)
			i = MAX_SOCKS_PER_CONN - 1; /* keep the newest */
		else
			k->nsocks++;
		k->socks[i] = sock;
	}
	t = sock_find(c, sock);
	if (t) {
		t->conn = (uint32_t)(k - c->conns);
		t->conn_gen = k->gen;
	}
}

/* ---- concluding: classify and hand on ---- */

/* Did the ring buffer lose records while this failure's evidence was being gathered? */
static bool evidence_lost(const struct correlator *c, const struct diagnosis *d)
{
	uint64_t from =
		d->ts_ns > d->ev.elapsed_ns + NS_PER_S ? d->ts_ns - d->ev.elapsed_ns - NS_PER_S : 0;

	for (unsigned int i = 0; i < LOSSES; i++)
		if (c->losses[i].to && c->losses[i].from <= d->ts_ns && c->losses[i].to >= from)
			return true;
	return false;
}

static void conclude(struct correlator *c, struct diagnosis *d)
{
	if (evidence_lost(c, d))
		add_lacked(&d->ev, "events lost (ring buffer full)");
	if (d->phase == PHASE_TREE_CONNECT && unc_is_ipc(d->unc))
		d->ipc = true;
	d->cause = classify(d);
	if (d->cause == CAUSE_KERBEROS_FAILURE && !d->ev.krb.seen)
		kdc_evidence(c, d);
	if (!d->count)
		d->count = 1;
	c->stats.diagnoses++;
	c->fn(c->ctx, d);
}

static void fill_from_conn(struct diagnosis *d, const struct smb_conn *k)
{
	copy_str(d->server, sizeof(d->server), k->host);
	d->server_addr = k->addr;
	if (!d->unc[0])
		copy_str(d->unc, sizeof(d->unc), k->unc);
	if (!d->user[0])
		copy_str(d->user, sizeof(d->user), k->user);
	if (!d->domain[0])
		copy_str(d->domain, sizeof(d->domain), k->domain);
	if (!d->dialect)
		d->dialect = k->dialect;
	if (!d->sectype)
		d->sectype = k->sectype;
	d->flags |= k->negotiate_flags;
	if (!d->pid) {
		d->pid = k->pid;
		copy_str(d->comm, sizeof(d->comm), k->comm);
	}
}

static void base_diagnosis(struct diagnosis *d, const struct smbw_event *e, enum phase phase)
{
	memset(d, 0, sizeof(*d));
	d->ts_ns = e->ts_ns;
	d->phase = phase;
	d->rc = e->rc;
	d->command = e->command;
	d->dialect = e->dialect;
	d->sectype = e->sectype;
	d->session_flags = e->session_flags;
	d->share_flags = e->share_flags;
	d->flags = e->flags;
	d->pid = e->pid;
	copy_str(d->comm, sizeof(d->comm), e->comm);
	copy_str(d->server, sizeof(d->server), e->host);
	d->server_addr = e->remote;
	copy_str(d->unc, sizeof(d->unc), e->unc);
	copy_str(d->user, sizeof(d->user), e->user);
	copy_str(d->domain, sizeof(d->domain), e->domain);
}

static void apply_status_note(struct diagnosis *d, const struct note *n)
{
	d->nt_status = n->status;
	d->ev.status_seen = true;
	if (!d->rc)
		d->rc = n->rc;
}

static bool take_note(struct correlator *c, enum note_kind kind, const struct smbw_event *e,
		      int command, struct note *out)
{
	struct note_key key = {
		.kind = kind,
		.pid = e->pid,
		.command = command,
		.session_id = e->session_id,
	};

	return notes_take(&c->notes, &key, out);
}

/* ---- TCP ---- */

/* A socket this host opened towards a watched port: connect() seen, or a watched peer port. */
static bool is_client_sock(const struct correlator *c, const struct smbw_event *e)
{
	if (e->type == EV_TCP_STATE_CHANGE && e->new_state == TCP_SYN_SENT)
		return true;
	return portset_contains(&c->cfg.ports, e->remote.port) &&
	       !portset_contains(&c->cfg.ports, e->local.port);
}

/*
 * A socket that went through CLOSE and changes state again, or connects
 * again, is a new connection on a reused address: before its track starts
 * over, what it showed (a reset, retransmits) stays with its SMB connection.
 */
static void restart_sock(struct correlator *c, struct sock_track *t, uint64_t ts)
{
	struct smb_conn *k = conn_of_sock(c, t);
	uint64_t sock = t->sock;

	if (k) {
		k->carried_retransmits += t->retransmits;
		if (t->reset == RESET_BY_SERVER ||
		    (t->reset != RESET_NONE && k->carried_reset == RESET_NONE))
			k->carried_reset = t->reset;
	}
	memset(t, 0, sizeof(*t));
	t->sock = sock;
	t->first_ts = ts;
	t->conn = SLOT_NONE;
}

static void on_tcp(struct correlator *c, const struct smbw_event *e)
{
	struct sock_track *t;

	if (!e->sock) {
		c->stats.ignored++; /* a reset sent for no socket: the client side shows it too */
		return;
	}
	t = sock_find(c, e->sock);
	if (!t) {
		/* a local SMB server's sockets are not the client's evidence */
		if (!is_client_sock(c, e)) {
			c->stats.ignored++;
			return;
		}
		t = sock_new(c, e->sock, e->ts_ns);
	} else if (e->type == EV_TCP_STATE_CHANGE && (t->closed || e->new_state == TCP_SYN_SENT)) {
		/* connect() starts a connection; nothing follows CLOSE on the same one */
		c->stats.reused++;
		restart_sock(c, t, e->ts_ns);
		if (!is_client_sock(c, e)) {
			/* the address now belongs to a local server's socket (smbd's) */
			sock_drop(c, (uint32_t)(t - c->socks));
			c->stats.ignored++;
			return;
		}
	}
	lru_touch(&c->sock_lru, (uint32_t)(t - c->socks));
	t->last_ts = e->ts_ns;
	t->remote = e->remote;
	if (e->local.port)
		t->local = e->local;
	switch (e->type) {
	case EV_TCP_STATE_CHANGE:
		if (e->new_state == TCP_SYN_SENT) {
			t->syn_ts = e->ts_ns;
			t->pid = e->pid;
		} else if (e->new_state == TCP_ESTABLISHED) {
			t->established = true;
			t->est_ts = e->ts_ns;
		} else if (e->new_state == TCP_CLOSE) {
			t->closed = true;
		}
		break;
	case EV_TCP_RETRANSMIT:
		t->retransmits++;
		if (!t->established)
			t->syn_retransmits++;
		break;
	case EV_TCP_RESET_RECEIVED:
		t->reset = RESET_BY_SERVER;
		break;
	case EV_TCP_RESET_SENT:
		if (t->reset == RESET_NONE)
			t->reset = RESET_BY_CLIENT;
		break;
	default:
		break;
	}
}

/* ---- cifs ---- */

/* Connect failed before any server object existed: TCP tells refused from timeout. */
static void connect_failed(struct correlator *c, struct diagnosis *d, uint32_t pid)
{
	uint16_t port = connect_evidence(c, d, pid);

	/* the mount request has no port: name the first one tried (445 before 139) */
	if (!d->server_addr.port)
		d->server_addr.port = port;
	conclude(c, d);
}

static void on_server_socket(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k;
	struct sock_track *t;
	struct diagnosis d;
	struct note n;

	if (e->rc) {
		base_diagnosis(&d, e, PHASE_CONNECT);
		take_note(c, NOTE_CONNECT, e, -1, &n);
		connect_failed(c, &d, e->pid);
		return;
	}
	k = conn_get(c, e->server, e->conn_id, e->ts_ns);
	conn_set_pid(c, k, e->pid, e->comm);
	copy_str(k->host, sizeof(k->host), e->host);
	copy_str(k->unc, sizeof(k->unc), e->unc);
	copy_str(k->user, sizeof(k->user), e->user);
	copy_str(k->domain, sizeof(k->domain), e->domain);
	if (e->remote.family)
		k->addr = e->remote;
	conn_add_sock(c, k, e->sock);
	/* the connect's SYN came before this event: start the clock there */
	t = e->sock ? sock_find(c, e->sock) : NULL;
	if (t && t->syn_ts && t->syn_ts < k->first_ts)
		k->first_ts = t->syn_ts;
	take_note(c, NOTE_CONNECT, e, -1, &n); /* a 445 try may have failed before 139 */
}

/* Errors that mean no SMB reply came at all: there is no NT status to miss. */
static bool transport_error(int rc)
{
	return rc == -EHOSTDOWN || rc == -EAGAIN || rc == -ECONNRESET || rc == -ECONNABORTED ||
	       rc == -ENOTCONN || rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -EINTR;
}

/* The connection of a cifs event: by its server address, else by its process. */
static struct smb_conn *event_conn(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k;

	if (e->server || e->conn_id) {
		k = conn_get(c, e->server, e->conn_id, e->ts_ns);
	} else {
		k = conn_by_pid(c, e->pid);
		if (!k)
			return NULL;
		k->last_ts = e->ts_ns;
		lru_touch(&c->conn_lru, (uint32_t)(k - c->conns));
	}
	conn_set_pid(c, k, e->pid, e->comm);
	if (e->sock)
		conn_add_sock(c, k, e->sock);
	if (e->dialect)
		k->dialect = e->dialect;
	if (!k->host[0])
		copy_str(k->host, sizeof(k->host), e->host);
	if (!k->addr.family && e->remote.family)
		k->addr = e->remote;
	return k;
}

/* The Kerberos upcall failed: no SESSION_SETUP went out, so no status can come back. */
static bool upcall_failed(const struct smb_conn *k)
{
	return k && k->spnego_seen && k->spnego_rc < 0;
}

/* What the session's tree connects are judged by: who it is, how its IPC$ went. */
static void session_set_up(struct smb_conn *k, const struct smbw_event *e)
{
	k->ses_sent = k->sent;
	k->sent.seen = false; /* the next session setup sends its own */
	k->session_flags = e->session_flags;
	k->ses_id = e->session_id ? e->session_id : 1; /* 1: set up, its id unknown */
	k->ipc_denied = false;
}

/* A refused IPC$ tree connect: the share's own refusal, if it comes, is read with it. */
static void tree_refused(struct smb_conn *k, const struct diagnosis *d)
{
	if (unc_is_ipc(d->unc) && d->nt_status == NT_STATUS_ACCESS_DENIED)
		k->ipc_denied = true;
}

static void signature_diagnosis(struct correlator *c, struct smb_conn *k,
				const struct smbw_event *e);

/*
 * What a failed phase is judged by: the connection, its sockets, Kerberos for
 * a session setup, the session for a tree connect. The bad signatures it
 * carries are reported by it: no later diagnosis counts them again.
 */
static void failure_evidence(struct correlator *c, struct smb_conn *k, struct diagnosis *d,
			     uint64_t session_id)
{
	fill_from_conn(d, k);
	conn_evidence(c, k, d);
	if (d->phase == PHASE_SESSION_SETUP && (k->spnego_seen || d->sectype == SECTYPE_KERBEROS))
		kerberos_evidence(c, k, d);
	if (d->phase == PHASE_TREE_CONNECT) {
		session_evidence(k, session_id, d);
		tree_refused(k, d);
	}
	k->signatures_told = k->signature_failures;
}

/*
 * The share's tree connect worked: the mount stands. Answers that failed
 * signature verification on the way did not stop it (cifs logs them and goes
 * on), so no failing phase carries them: they are told now.
 */
static void mount_stands(struct correlator *c, struct smb_conn *k, const struct smbw_event *e)
{
	bool was = k->established;

	k->established = true;
	if (!was && k->signature_failures > k->signatures_told)
		signature_diagnosis(c, k, e);
}

static void on_phase_done(struct correlator *c, const struct smbw_event *e, enum phase phase)
{
	struct smb_conn *k = event_conn(c, e);
	struct diagnosis d;
	struct note n;

	if (k && phase == PHASE_NEGOTIATE)
		k->negotiate_flags = e->flags & SMBW_F_NEGOTIATE_MASK;
	if (phase == PHASE_SESSION_SETUP && k) {
		k->sectype = e->sectype;
		if (e->user[0])
			copy_str(k->user, sizeof(k->user), e->user);
		if (e->domain[0])
			copy_str(k->domain, sizeof(k->domain), e->domain);
	}
	if (phase == PHASE_TREE_CONNECT)
		take_note(c, NOTE_TREE, e, -1, &n); /* the tracepoint twin of this event */
	if (e->rc && k && k->established && phase == PHASE_NEGOTIATE) {
		/* a reconnect of a mounted share that cannot renegotiate: the reconnect says it */
		take_note(c, NOTE_STATUS, e, e->command, &n);
		c->stats.ignored++;
		return;
	}
	if (e->rc == 0) {
		take_note(c, NOTE_STATUS, e, e->command, &n); /* e.g. MORE_PROCESSING legs */
		if (k && phase == PHASE_TREE_CONNECT && !unc_is_ipc(e->unc))
			mount_stands(c, k, e);
		if (k && phase == PHASE_SESSION_SETUP)
			session_set_up(k, e);
		return;
	}
	base_diagnosis(&d, e, phase);
	if (take_note(c, NOTE_STATUS, e, e->command, &n))
		apply_status_note(&d, &n);
	if (k) {
		failure_evidence(c, k, &d, e->session_id);
		if (phase == PHASE_SESSION_SETUP)
			k->sent.seen = false;
	}
	if (!d.nt_status && !transport_error(e->rc) && !upcall_failed(k))
		add_lacked(&d.ev,
			   "NT status (smb3_cmd_err)"); /* a reply came, its status did not */
	conclude(c, &d);
}

static void conclude_oldest_note(struct correlator *c);

static void add_note(struct correlator *c, enum note_kind kind, const struct smbw_event *e)
{
	if (notes_full(&c->notes)) {
		c->stats.evicted_notes++;
		conclude_oldest_note(c); /* concluded early rather than lost */
	}
	notes_add(&c->notes, kind, e);
}

static void on_command_failed(struct correlator *c, const struct smbw_event *e)
{
	struct diagnosis d;
	struct smb_conn *k;

	/*
	 * Multi-leg authentication is normal; LOGOFF is the teardown of a mount
	 * that failed or ended (older agents and recordings have it), never news.
	 */
	if (e->nt_status == NT_STATUS_MORE_PROCESSING_REQUIRED || e->command == SMB2_CMD_LOGOFF) {
		c->stats.ignored++;
		return;
	}
	if (e->nt_status == NT_STATUS_NETWORK_SESSION_EXPIRED ||
	    e->nt_status == NT_STATUS_USER_SESSION_DELETED) {
		base_diagnosis(&d, e, PHASE_ANY);
		d.nt_status = e->nt_status;
		d.ev.status_seen = true;
		k = conn_by_pid(c, e->pid);
		if (k)
			fill_from_conn(&d, k);
		conclude(c, &d);
		return;
	}
	/* only the mount's phases wait for their fexit twins */
	if (e->command != SMB2_CMD_NEGOTIATE && e->command != SMB2_CMD_SESSION_SETUP &&
	    e->command != SMB2_CMD_TREE_CONNECT) {
		c->stats.ignored++;
		return;
	}
	add_note(c, NOTE_STATUS, e);
}

/* A conn_id cifs tore down lately. */
static bool was_released(const struct correlator *c, uint64_t conn_id)
{
	for (int i = 0; conn_id && i < RELEASED_IDS; i++)
		if (c->released_ids[i] == conn_id)
			return true;
	return false;
}

static void on_reconnect(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = conn_find(c, 0, e->conn_id);
	struct diagnosis d;

	if (!k && was_released(c, e->conn_id)) {
		c->stats.ignored++; /* a torn-down connection's last words */
		return;
	}
	if (k && !k->established) {
		k->reconnects++; /* part of a mount that is failing: evidence, not a cause */
		return;
	}
	base_diagnosis(&d, e, PHASE_ANY);
	d.cause = CAUSE_RECONNECT;
	if (k) {
		k->reconnects++;
		fill_from_conn(&d, k);
		conn_evidence(c, k, &d);
	}
	d.count = 1;
	c->stats.diagnoses++;
	c->fn(c->ctx, &d);
}

static void on_session_expired(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = conn_by_pid(c, e->pid);
	struct diagnosis d;

	base_diagnosis(&d, e, PHASE_ANY);
	d.cause = CAUSE_SESSION_EXPIRED;
	if (k)
		fill_from_conn(&d, k);
	d.count = 1;
	c->stats.diagnoses++;
	c->fn(c->ctx, &d);
}

/*
 * smb3_key_expired fires for any session setup refused with -EACCES, not only
 * for expired Kerberos keys (seen on 6.12 with NTLMSSP): evidence, not a cause.
 */
static void on_key_expired(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = conn_find(c, 0, e->conn_id);

	if (!k)
		k = conn_by_pid(c, e->pid);
	if (k)
		k->last_ts = e->ts_ns;
	c->stats.ignored++;
}

static void on_spnego(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = event_conn(c, e);

	if (!k)
		return;
	k->spnego_seen = true;
	k->spnego_rc = e->rc;
	if (e->type == EV_SMB_SPNEGO_UPCALL_DONE) {
		k->spnego_ts = e->ts_ns; /* the end of the upcall's window */
		k->krb_watched = e->abi >= 2;
	}
	k->sectype = SECTYPE_KERBEROS; /* an upcall is made only for Kerberos */
}

/* Answers of a mounted share's server failed signature verification: cifs took them. */
static void signature_diagnosis(struct correlator *c, struct smb_conn *k,
				const struct smbw_event *e)
{
	struct diagnosis d;

	base_diagnosis(&d, e, PHASE_ANY);
	d.rc = k->signature_rc; /* smb2_verify_signature's, not the event's */
	d.cause = CAUSE_SIGNING_FAILURE;
	fill_from_conn(&d, k);
	conn_evidence(c, k, &d);
	d.count = 1;
	k->signatures_told = k->signature_failures;
	c->stats.diagnoses++;
	c->fn(c->ctx, &d);
}

static void on_signature_bad(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = event_conn(c, e);

	if (!k)
		return;
	k->signature_failures++;
	k->signature_rc = e->rc;
	if (!k->established)
		return; /* the failing phase carries it, or the mount that stands */
	signature_diagnosis(c, k, e);
}

/* The NTLMSSP AUTHENTICATE of a session setup leg: who the client said it was. */
static void on_auth_sent(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = event_conn(c, e);
	struct sent_evidence *s;

	if (!k)
		return;
	s = &k->sent;
	memset(s, 0, sizeof(*s));
	s->seen = true;
	s->anonymous = e->flags & SMBW_F_ANONYMOUS;
	s->guest_session = e->session_flags & SMB2_SESSION_FLAG_IS_GUEST;
	utf16le_to_utf8(s->user, sizeof(s->user), (const uint8_t *)e->user, sizeof(e->user));
	utf16le_to_utf8(s->domain, sizeof(s->domain), (const uint8_t *)e->domain,
			sizeof(e->domain));
	utf16le_to_utf8(s->workstation, sizeof(s->workstation), (const uint8_t *)e->host,
			sizeof(e->host));
}

/* The server answered the session request with an RFC 1002 refusal: it turns us away. */
static void on_session_refused(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = event_conn(c, e);

	if (!k)
		return;
	k->session_refused = true;
	k->refusal_code = (uint8_t)e->reason;
}

/*
 * cifs dropped its last reference: the connection and every mount on it are
 * gone. Its demultiplex thread may still say "reconnect" on its way out
 * (seen on 7.2 after a failed SMB1 negotiate): its conn_id is remembered.
 */
static void on_server_released(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = conn_find(c, e->server, e->conn_id);
	uint64_t id = e->conn_id ? e->conn_id : k ? k->conn_id : 0;

	if (id)
		c->released_ids[c->released_next++ % RELEASED_IDS] = id;
	if (k) {
		c->stats.released++;
		conn_drop(c, k);
	}
}

static void on_connect_tp(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k;

	if (e->type == EV_SMB_CONNECT_FAILED) {
		k = conn_find(c, 0, e->conn_id);
		if (k) {
			/* a reconnect of a known connection: its own failure carries it */
			k->reconnects++;
			k->last_ts = e->ts_ns;
			return;
		}
		if (e->rc == -EINTR || was_released(c, e->conn_id)) {
			c->stats.ignored++; /* interrupted by a teardown, not a failure of its own */
			return;
		}
		add_note(c, NOTE_CONNECT, e);
		return;
	}
	/* connect_done: a connection by conn_id, for kernels or runs without fexit */
	k = conn_get(c, 0, e->conn_id, e->ts_ns);
	conn_set_pid(c, k, e->pid, e->comm);
	copy_str(k->host, sizeof(k->host), e->host);
	k->addr = e->remote;
}

static void on_tree_tp(struct correlator *c, const struct smbw_event *e)
{
	if (e->rc)
		add_note(c, NOTE_TREE, e);
}

static void dispatch(struct correlator *c, const struct smbw_event *e)
{
	switch (e->type) {
	case EV_TCP_STATE_CHANGE:
	case EV_TCP_RETRANSMIT:
	case EV_TCP_RESET_SENT:
	case EV_TCP_RESET_RECEIVED:
		on_tcp(c, e);
		break;
	case EV_SMB_SERVER_SOCKET:
		on_server_socket(c, e);
		break;
	case EV_SMB_CONNECT_DONE:
	case EV_SMB_CONNECT_FAILED:
		on_connect_tp(c, e);
		break;
	case EV_SMB_NEGOTIATE_DONE:
		on_phase_done(c, e, PHASE_NEGOTIATE);
		break;
	case EV_SMB_SESSION_SETUP_DONE:
		on_phase_done(c, e, PHASE_SESSION_SETUP);
		break;
	case EV_SMB_TREE_CONNECT_DONE:
		on_phase_done(c, e, PHASE_TREE_CONNECT);
		break;
	case EV_SMB_TREE_CONNECT:
		on_tree_tp(c, e);
		break;
	case EV_SMB_COMMAND_FAILED:
		on_command_failed(c, e);
		break;
	case EV_SMB_RECONNECT:
		on_reconnect(c, e);
		break;
	case EV_SMB_SESSION_EXPIRED:
		on_session_expired(c, e);
		break;
	case EV_SMB_KEY_EXPIRED:
		on_key_expired(c, e);
		break;
	case EV_SMB_SPNEGO_UPCALL_DONE:
	case EV_SMB_KERBEROS_AUTH:
		on_spnego(c, e);
		break;
	case EV_SMB_SIGNATURE_BAD:
		on_signature_bad(c, e);
		break;
	case EV_SMB_SERVER_RELEASED:
		on_server_released(c, e);
		break;
	case EV_SMB_SESSION_REFUSED:
		on_session_refused(c, e);
		break;
	case EV_SMB_AUTH_SENT:
		on_auth_sent(c, e);
		break;
	case EV_EVENTS_LOST:
		c->losses[c->next_loss].from = e->session_id;
		c->losses[c->next_loss].to = e->ts_ns;
		c->next_loss = (c->next_loss + 1) % LOSSES;
		break;
	default:
		break;
	}
}

/* ---- notes that no fexit event completed: conclude from the tracepoint alone ---- */

static enum phase command_phase(uint16_t cmd)
{
	switch (cmd) {
	case SMB2_CMD_NEGOTIATE:
		return PHASE_NEGOTIATE;
	case SMB2_CMD_SESSION_SETUP:
		return PHASE_SESSION_SETUP;
	case SMB2_CMD_TREE_CONNECT:
		return PHASE_TREE_CONNECT;
	default:
		return PHASE_ANY;
	}
}

static void conclude_note(struct correlator *c, const struct note *n)
{
	struct smb_conn *k = conn_by_pid(c, n->pid);
	struct note_key key = { .pid = n->pid, .session_id = n->session_id };
	struct diagnosis d;
	struct note other;

	memset(&d, 0, sizeof(d));
	d.ts_ns = n->ts;
	d.pid = n->pid;
	copy_str(d.comm, sizeof(d.comm), n->comm);
	d.rc = n->rc;
	add_lacked(&d.ev, "fexit hooks");
	switch (n->kind) {
	case NOTE_CONNECT:
		d.phase = PHASE_CONNECT;
		copy_str(d.server, sizeof(d.server), n->text);
		d.server_addr = n->addr;
		connect_failed(c, &d, n->pid);
		return;
	case NOTE_TREE:
		d.phase = PHASE_TREE_CONNECT;
		d.command = SMB2_CMD_TREE_CONNECT;
		copy_str(d.unc, sizeof(d.unc), n->text);
		key.kind = NOTE_STATUS;
		key.command = SMB2_CMD_TREE_CONNECT;
		if (notes_take(&c->notes, &key, &other))
			apply_status_note(&d, &other);
		break;
	case NOTE_STATUS:
		d.phase = command_phase(n->command);
		d.command = n->command;
		apply_status_note(&d, n);
		key.kind = NOTE_TREE;
		key.command = -1;
		if (d.phase == PHASE_TREE_CONNECT && notes_take(&c->notes, &key, &other)) {
			copy_str(d.unc, sizeof(d.unc), other.text);
			d.rc = other.rc;
		}
		break;
	}
	if (k)
		failure_evidence(c, k, &d, n->session_id);
	conclude(c, &d);
}

static void conclude_oldest_note(struct correlator *c)
{
	struct note *oldest = notes_oldest(&c->notes);
	struct note n;

	if (!oldest)
		return;
	n = *oldest;
	notes_pop(&c->notes); /* before concluding: it may take other notes */
	conclude_note(c, &n);
}

/* Notes whose settle time has come by now (all of them at the end). */
static void settle_notes(struct correlator *c, bool all)
{
	struct note *n;

	while ((n = notes_oldest(&c->notes)) && (all || n->ts + c->cfg.settle_ns <= c->now))
		conclude_oldest_note(c);
}

/*
 * Frees what lookups would treat as gone anyway: memory only, no effect on
 * any diagnosis. Walks from the least recently used end.
 */
static void sweep(struct correlator *c)
{
	uint32_t i;

	while ((i = lru_oldest(&c->sock_lru)) != SLOT_NONE && !sock_alive(c, &c->socks[i]))
		sock_drop(c, i);
	for (i = lru_oldest(&c->conn_lru); i != SLOT_NONE;) {
		uint32_t prev = c->conn_lru.prev[i];
		struct smb_conn *k = &c->conns[i];

		if (k->last_ts + c->cfg.idle_ns > c->now)
			break; /* LRU order: all the rest are more recent */
		if (!conn_alive(c, k))
			conn_drop(c, k);
		i = prev;
	}
	c->next_sweep = c->now + NS_PER_S;
}

/* Stream time moves to ts: what was due before it happens first. */
static void advance(struct correlator *c, uint64_t ts)
{
	if (ts > c->now)
		c->now = ts;
	settle_notes(c, false);
	if (c->now >= c->next_sweep)
		sweep(c);
}

/* ---- ordering: hold events briefly and release them by timestamp ---- */

static void release_until(struct correlator *c, uint64_t limit, bool all)
{
	const struct smbw_event *e;

	while (c->held.n && (all || reorder_peek_ts(&c->held) <= limit)) {
		e = reorder_peek(&c->held);
		advance(c, e->ts_ns);
		dispatch(c, e);
		reorder_pop(&c->held);
	}
}

/*
 * Kerberos facts go to the Kerberos log as they come: it orders by timestamp
 * itself, a failure reads it only when concluded (after the reorder window),
 * and their KRB-ERROR bytes need not wait in the reorder ring.
 */
static bool kerberos_fact(const struct smbw_event *e)
{
	switch (e->type) {
	case EV_KRB_MESSAGE:
	case EV_KRB_SOCK_ERROR:
	case EV_PROC_EXEC:
	case EV_PROC_EXIT:
	case EV_SMB_SESSION_KRB_ERROR:
		return true;
	default:
		return false;
	}
}

void correlator_feed(struct correlator *c, const struct smbw_event *e)
{
	c->stats.events++;
	if (kerberos_fact(e) || e->type == EV_SMB_SPNEGO_UPCALL_DONE)
		krb_log_feed(&c->krb, e);
	if (!kerberos_fact(e)) {
		if (reorder_full(&c->held)) {
			/* a burst beyond the buffer: the oldest cannot wait its full window */
			c->stats.early_released++;
			release_until(c, reorder_peek_ts(&c->held), false);
		}
		reorder_push(&c->held, e);
	}
	if (e->ts_ns > c->high_ts)
		c->high_ts = e->ts_ns;
	if (c->high_ts > c->cfg.reorder_ns)
		release_until(c, c->high_ts - c->cfg.reorder_ns, false);
}

/*
 * Live only: the clock moved with no event. Stream time may only move to what
 * can no longer be preceded by a held event (now - reorder_ns), exactly as the
 * next event would move it in a replay.
 */
void correlator_tick(struct correlator *c, uint64_t now_ns)
{
	if (now_ns <= c->cfg.reorder_ns)
		return;
	release_until(c, now_ns - c->cfg.reorder_ns, false);
	advance(c, now_ns - c->cfg.reorder_ns);
}

void correlator_finish(struct correlator *c)
{
	release_until(c, 0, true);
	settle_notes(c, true);
}
