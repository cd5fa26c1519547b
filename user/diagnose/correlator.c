// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "correlator.h"
#include "ntstatus.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define REORDER_CAP 4096
#define MAX_SOCKS_PER_CONN 4
#define MAX_DEDUP 128
/* A TCP socket belongs to a failure if it was active this close to it. */
#define JOIN_WINDOW_NS (120 * NS_PER_S)
#define KDC_PORT 88

/* A client-side TCP connection to a watched port, as the kernel showed it. */
struct sock_track {
	uint64_t sock;
	struct smbw_addr local, remote;
	uint32_t pid;
	uint64_t first_ts, syn_ts, est_ts, last_ts;
	uint32_t retransmits, syn_retransmits;
	enum reset_side reset;
	bool established, closed, used;
};

/* One cifs TCP_Server_Info: an SMB connection and the mount attempt on it. */
struct smb_conn {
	uint64_t server, conn_id;
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
	bool established; /* a tree connect other than IPC$ worked: the mount stands */
	uint32_t reconnects, signature_failures;
	/* evidence of earlier connections on a socket the kernel reused (reconnects) */
	uint32_t carried_retransmits;
	enum reset_side carried_reset;
	int32_t spnego_rc;
	bool spnego_seen, used;
};

/*
 * Something a tracepoint said that a later event may complete: the raw NT
 * status of a failed command (smb3_cmd_err), a failed tree connect or
 * connect (smb3_tcon, smb3_connect_err). If the completing fexit event never
 * comes (those hooks are missing), the note itself is concluded on settle.
 */
enum note_kind { NOTE_STATUS, NOTE_TREE, NOTE_CONNECT };

struct note {
	enum note_kind kind;
	uint32_t pid;
	char comm[SMBW_COMM_LEN];
	uint16_t command;
	uint32_t status;
	int32_t rc;
	uint64_t session_id;
	uint32_t tree_id;
	uint64_t ts;
	char text[SMBW_UNC_LEN]; /* UNC, or host for a connect */
	struct smbw_addr addr;
	bool used;
};

/* The last diagnosis of a kind, to fold identical repeats into a count. */
struct dedup {
	enum cause_id cause;
	char server[SMBW_HOST_LEN], unc[SMBW_UNC_LEN], user[SMBW_NAME_LEN];
	uint64_t first_ts;
	uint32_t absorbed;
	struct diagnosis last;
	bool used;
};

struct correlator {
	struct correlator_config cfg;
	diagnosis_fn fn;
	void *ctx;
	struct smbw_event *held; /* reorder buffer, sorted by ts */
	size_t nheld;
	uint64_t high_ts;        /* newest timestamp seen */
	uint64_t now;            /* stream time of the last released event or tick */
	struct sock_track *socks;
	struct smb_conn *conns;
	struct note *notes;
	struct dedup dedup[MAX_DEDUP];
	struct correlator_stats stats;
};

void correlator_default_config(struct correlator_config *cfg)
{
	cfg->reorder_ns = 50 * NS_PER_MS;
	cfg->settle_ns = 2 * NS_PER_S;
	cfg->dedup_ns = 60 * NS_PER_S;
	cfg->idle_ns = 600 * NS_PER_S;
	cfg->max_socks = 1024;
	cfg->max_conns = 256;
	cfg->max_notes = 256;
}

struct correlator *correlator_new(const struct correlator_config *cfg, diagnosis_fn fn, void *ctx)
{
	struct correlator *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	else
		correlator_default_config(&c->cfg);
	c->fn = fn;
	c->ctx = ctx;
	c->held = calloc(REORDER_CAP, sizeof(*c->held));
	c->socks = calloc(c->cfg.max_socks, sizeof(*c->socks));
	c->conns = calloc(c->cfg.max_conns, sizeof(*c->conns));
	c->notes = calloc(c->cfg.max_notes, sizeof(*c->notes));
	if (!c->held || !c->socks || !c->conns || !c->notes) {
		correlator_free(c);
		return NULL;
	}
	return c;
}

void correlator_free(struct correlator *c)
{
	if (!c)
		return;
	free(c->held);
	free(c->socks);
	free(c->conns);
	free(c->notes);
	free(c);
}

void correlator_get_stats(const struct correlator *c, struct correlator_stats *s)
{
	*s = c->stats;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool addr_equal(const struct smbw_addr *a, const struct smbw_addr *b)
{
	size_t n = a->family == 10 ? 16 : 4;

	return a->family && a->family == b->family && !memcmp(a->addr, b->addr, n);
}

/*
 * The tables' one allocation rule: a free entry, else the least recently
 * active one, evicted and counted. Entries are found by stride; used_off and
 * ts_off locate their "used" flag and their activity timestamp. Returns it
 * zeroed and marked used.
 */
static void *take_slot(void *base, size_t n, size_t size, size_t used_off, size_t ts_off,
		       uint64_t *evicted)
{
	char *slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < n; i++) {
		char *e = (char *)base + i * size;
		uint64_t ts, oldest_ts;

		if (!*(bool *)(e + used_off)) {
			slot = e;
			break;
		}
		memcpy(&ts, e + ts_off, sizeof(ts));
		if (oldest)
			memcpy(&oldest_ts, oldest + ts_off, sizeof(oldest_ts));
		if (!oldest || ts < oldest_ts)
			oldest = e;
	}
	if (!slot) {
		slot = oldest;
		(*evicted)++;
	}
	memset(slot, 0, size);
	*(bool *)(slot + used_off) = true;
	return slot;
}

#define TAKE_SLOT(table, n, type, tsfield, counter)                                      \
	((type *)take_slot(table, n, sizeof(type), offsetof(type, used),                 \
			   offsetof(type, tsfield), counter))

/* ---- tables: find, allocate (evicting the oldest when full) ---- */

static struct sock_track *sock_find(struct correlator *c, uint64_t sock)
{
	for (size_t i = 0; i < c->cfg.max_socks; i++)
		if (c->socks[i].used && c->socks[i].sock == sock)
			return &c->socks[i];
	return NULL;
}

static struct sock_track *sock_get(struct correlator *c, const struct smbw_event *e)
{
	struct sock_track *t = sock_find(c, e->sock);

	if (t)
		return t;
	t = TAKE_SLOT(c->socks, c->cfg.max_socks, struct sock_track, last_ts,
		      &c->stats.evicted_socks);
	t->sock = e->sock;
	t->first_ts = e->ts_ns;
	return t;
}

/*
 * By server pointer, or else by conn_id. smb3_connect_done comes before the
 * server object is known, so a conn_id can have a placeholder without a
 * server pointer: the real entry wins.
 */
static struct smb_conn *conn_find(struct correlator *c, uint64_t server, uint64_t conn_id)
{
	struct smb_conn *placeholder = NULL;

	for (size_t i = 0; i < c->cfg.max_conns; i++) {
		struct smb_conn *k = &c->conns[i];

		if (!k->used)
			continue;
		if (server && k->server == server)
			return k;
		if (!server && conn_id && k->conn_id == conn_id) {
			if (k->server)
				return k;
			placeholder = k;
		}
	}
	return placeholder;
}

/* The placeholder of a conn_id is done with once the real entry exists. */
static void drop_placeholder(struct correlator *c, struct smb_conn *real)
{
	for (size_t i = 0; i < c->cfg.max_conns; i++) {
		struct smb_conn *k = &c->conns[i];

		if (k != real && k->used && !k->server && k->conn_id == real->conn_id) {
			if (k->first_ts < real->first_ts)
				real->first_ts = k->first_ts;
			k->used = false;
		}
	}
}

/* The most recent connection a process worked on: joins events without a server pointer. */
static struct smb_conn *conn_by_pid(struct correlator *c, uint32_t pid)
{
	struct smb_conn *best = NULL;

	for (size_t i = 0; i < c->cfg.max_conns; i++) {
		struct smb_conn *k = &c->conns[i];

		if (k->used && pid && k->pid == pid && (!best || k->last_ts > best->last_ts))
			best = k;
	}
	return best;
}

static struct smb_conn *conn_get(struct correlator *c, uint64_t server, uint64_t ts)
{
	struct smb_conn *k = conn_find(c, server, 0);

	if (k)
		return k;
	k = TAKE_SLOT(c->conns, c->cfg.max_conns, struct smb_conn, last_ts,
		      &c->stats.evicted_conns);
	k->server = server;
	k->first_ts = ts;
	k->last_ts = ts;
	return k;
}

static void conn_add_sock(struct smb_conn *k, uint64_t sock)
{
	if (!sock)
		return;
	for (int i = 0; i < k->nsocks; i++)
		if (k->socks[i] == sock)
			return;
	if (k->nsocks < MAX_SOCKS_PER_CONN)
		k->socks[k->nsocks++] = sock;
	else
		k->socks[MAX_SOCKS_PER_CONN - 1] = sock; /* keep the newest */
}

static struct note *note_add(struct correlator *c, enum note_kind kind, const struct smbw_event *e)
{
	struct note *n = TAKE_SLOT(c->notes, c->cfg.max_notes, struct note, ts,
				   &c->stats.evicted_notes);

	n->kind = kind;
	n->pid = e->pid;
	copy_str(n->comm, sizeof(n->comm), e->comm);
	n->command = e->command;
	n->status = e->nt_status;
	n->rc = e->rc;
	n->session_id = e->session_id;
	n->tree_id = e->tree_id;
	n->ts = e->ts_ns;
	n->addr = e->remote;
	copy_str(n->text, sizeof(n->text), kind == NOTE_CONNECT ? e->host : e->unc);
	return n;
}

/* The newest unconsumed note of a kind (and command) from this process; it is consumed. */
static bool note_take(struct correlator *c, enum note_kind kind, uint32_t pid, int command,
		      struct note *out)
{
	struct note *best = NULL;

	for (size_t i = 0; i < c->cfg.max_notes; i++) {
		struct note *n = &c->notes[i];

		if (!n->used || n->kind != kind || n->pid != pid ||
		    (command >= 0 && n->command != command))
			continue;
		if (!best || n->ts > best->ts)
			best = n;
	}
	if (!best)
		return false;
	*out = *best;
	/* older notes of the same operation (retries) are part of it too */
	for (size_t i = 0; i < c->cfg.max_notes; i++) {
		struct note *n = &c->notes[i];

		if (n->used && n->kind == kind && n->pid == pid &&
		    (command < 0 || n->command == command))
			n->used = false;
	}
	return true;
}

/* ---- evidence ---- */

static void add_sock_evidence(struct evidence *ev, const struct sock_track *t, uint64_t *start)
{
	ev->tcp_seen = true;
	ev->tcp_retransmits += t->retransmits;
	ev->syn_retransmits += t->syn_retransmits;
	if (t->established)
		ev->syn_answered = true;
	if (t->est_ts && t->syn_ts && !ev->connect_ns)
		ev->connect_ns = t->est_ts - t->syn_ts;
	if (t->reset != RESET_NONE)
		ev->reset = t->reset;
	if (t->syn_ts && (!*start || t->syn_ts < *start))
		*start = t->syn_ts;
}

static void add_lacked(struct evidence *ev, const char *what)
{
	size_t n = strlen(ev->lacked);

	if (strstr(ev->lacked, what))
		return;
	snprintf(ev->lacked + n, sizeof(ev->lacked) - n, "%s%s", n ? ", " : "", what);
}

/* TCP evidence of a connection: its sockets, else those of its process to its address. */
static void conn_evidence(struct correlator *c, const struct smb_conn *k, struct diagnosis *d)
{
	uint64_t start = 0;

	for (int i = 0; i < k->nsocks; i++) {
		struct sock_track *t = sock_find(c, k->socks[i]);

		if (t)
			add_sock_evidence(&d->ev, t, &start);
	}
	if (!d->ev.tcp_seen) {
		for (size_t i = 0; i < c->cfg.max_socks; i++) {
			struct sock_track *t = &c->socks[i];

			if (t->used && addr_equal(&t->remote, &k->addr) &&
			    t->remote.port == k->addr.port && (t->pid == k->pid || !t->pid) &&
			    t->last_ts + JOIN_WINDOW_NS >= d->ts_ns)
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
	d->ev.signature_failures = k->signature_failures;
	d->ev.spnego_seen = k->spnego_seen;
	d->ev.spnego_rc = k->spnego_rc;
}

/* Kerberos: resets and retransmits towards a KDC shortly before the failure. */
static void kdc_evidence(struct correlator *c, struct diagnosis *d)
{
	for (size_t i = 0; i < c->cfg.max_socks; i++) {
		struct sock_track *t = &c->socks[i];

		if (!t->used || t->remote.port != KDC_PORT || t->last_ts + 30 * NS_PER_S < d->ts_ns)
			continue;
		d->ev.kdc_retransmits += t->retransmits;
		if (t->reset == RESET_BY_SERVER)
			d->ev.kdc_resets++;
	}
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
	if (!d->pid) {
		d->pid = k->pid;
		copy_str(d->comm, sizeof(d->comm), k->comm);
	}
}

/* ---- emitting, with repeats folded into a count ---- */

static bool same_failure(const struct dedup *x, const struct diagnosis *d)
{
	return x->used && x->cause == d->cause && !strcmp(x->server, d->server) &&
	       !strcmp(x->unc, d->unc) && !strcmp(x->user, d->user);
}

static void deliver(struct correlator *c, const struct diagnosis *d)
{
	c->stats.diagnoses++;
	c->fn(c->ctx, d);
}

static void dedup_close(struct correlator *c, struct dedup *x)
{
	if (x->absorbed) {
		struct diagnosis d = x->last;

		d.repeat = true;
		d.count = x->absorbed;
		deliver(c, &d);
	}
	x->used = false;
}

static void emit(struct correlator *c, struct diagnosis *d)
{
	struct dedup *slot = NULL, *oldest = NULL;

	if (!d->count)
		d->count = 1;
	for (int i = 0; i < MAX_DEDUP; i++) {
		struct dedup *x = &c->dedup[i];

		if (same_failure(x, d) && d->ts_ns < x->first_ts + c->cfg.dedup_ns) {
			x->absorbed += d->count;
			x->last = *d;
			return;
		}
		if (!x->used && !slot)
			slot = x;
		if (x->used && (!oldest || x->first_ts < oldest->first_ts))
			oldest = x;
	}
	if (!slot) {
		dedup_close(c, oldest);
		slot = oldest;
	}
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	slot->cause = d->cause;
	copy_str(slot->server, sizeof(slot->server), d->server);
	copy_str(slot->unc, sizeof(slot->unc), d->unc);
	copy_str(slot->user, sizeof(slot->user), d->user);
	slot->first_ts = d->ts_ns;
	deliver(c, d);
}

static void conclude(struct correlator *c, struct diagnosis *d)
{
	if (d->phase == PHASE_TREE_CONNECT && unc_is_ipc(d->unc))
		d->ipc = true;
	d->cause = classify(d);
	if (d->cause == CAUSE_KERBEROS_FAILURE)
		kdc_evidence(c, d);
	emit(c, d);
}

static void apply_status_note(struct diagnosis *d, const struct note *n)
{
	d->nt_status = n->status;
	d->ev.status_seen = true;
	if (!d->rc)
		d->rc = n->rc;
}

/* ---- the event handlers ---- */

static struct smb_conn *conn_of_sock(struct correlator *c, uint64_t sock)
{
	for (size_t i = 0; i < c->cfg.max_conns; i++) {
		struct smb_conn *k = &c->conns[i];

		for (int j = 0; k->used && j < k->nsocks; j++)
			if (k->socks[j] == sock)
				return k;
	}
	return NULL;
}

/*
 * cifs reconnects on the same struct sock: before a socket's track starts
 * over, what it showed (a reset, retransmits) stays with its connection.
 */
static void retire_sock(struct correlator *c, struct sock_track *t)
{
	struct smb_conn *k = conn_of_sock(c, t->sock);

	if (k) {
		k->carried_retransmits += t->retransmits;
		if (t->reset != RESET_NONE)
			k->carried_reset = t->reset;
	}
	memset(t, 0, sizeof(*t));
}

/* A socket this host opened towards a watched port: connect() seen, or a well-known peer port. */
static bool is_client_sock(const struct smbw_event *e)
{
	if (e->type == EV_TCP_STATE_CHANGE && e->new_state == 2 /* SYN_SENT */)
		return true;
	return e->remote.port == SMBW_PORT_SMB || e->remote.port == SMBW_PORT_NETBIOS ||
	       e->remote.port == SMBW_PORT_KERBEROS;
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
		if (!is_client_sock(e)) {
			c->stats.ignored++;
			return;
		}
		t = sock_get(c, e);
	} else if (e->type == EV_TCP_STATE_CHANGE && e->new_state == 2 && t->syn_ts) {
		/* a new connect on a known socket: a reconnect, or a reused address */
		retire_sock(c, t);
		t->used = true;
		t->sock = e->sock;
		t->first_ts = e->ts_ns;
	}
	t->last_ts = e->ts_ns;
	t->remote = e->remote;
	if (e->local.port)
		t->local = e->local;
	switch (e->type) {
	case EV_TCP_STATE_CHANGE:
		if (e->new_state == 2 /* SYN_SENT */) {
			t->syn_ts = e->ts_ns;
			t->pid = e->pid;
		} else if (e->new_state == 1 /* ESTABLISHED */) {
			t->established = true;
			t->est_ts = e->ts_ns;
		} else if (e->new_state == 7 /* CLOSE */) {
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

/* Connect failed before any server object existed: TCP tells refused from timeout. */
static void connect_failed(struct correlator *c, struct diagnosis *d, uint32_t pid)
{
	uint64_t start = 0, first_syn = UINT64_MAX;
	uint16_t port = 0;

	for (size_t i = 0; i < c->cfg.max_socks; i++) {
		struct sock_track *t = &c->socks[i];

		if (t->used && t->pid == pid && pid && addr_equal(&t->remote, &d->server_addr) &&
		    t->last_ts + JOIN_WINDOW_NS >= d->ts_ns && !t->established) {
			add_sock_evidence(&d->ev, t, &start);
			if (t->syn_ts < first_syn) {
				first_syn = t->syn_ts;
				port = t->remote.port;
			}
		}
	}
	/* the mount request has no port: name the first one tried (445 before 139) */
	if (!d->server_addr.port)
		d->server_addr.port = port;
	if (!d->ev.tcp_seen)
		add_lacked(&d->ev, "TCP events of the connect");
	d->ev.elapsed_ns = start && d->ts_ns > start ? d->ts_ns - start : 0;
	conclude(c, d);
}

static void on_server_socket(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k;
	struct diagnosis d;
	struct note n;

	if (e->rc) {
		base_diagnosis(&d, e, PHASE_CONNECT);
		note_take(c, NOTE_CONNECT, e->pid, -1, &n);
		connect_failed(c, &d, e->pid);
		return;
	}
	k = conn_get(c, e->server, e->ts_ns);
	k->last_ts = e->ts_ns;
	k->conn_id = e->conn_id;
	if (k->conn_id)
		drop_placeholder(c, k);
	k->pid = e->pid;
	copy_str(k->comm, sizeof(k->comm), e->comm);
	copy_str(k->host, sizeof(k->host), e->host);
	copy_str(k->unc, sizeof(k->unc), e->unc);
	copy_str(k->user, sizeof(k->user), e->user);
	copy_str(k->domain, sizeof(k->domain), e->domain);
	if (e->remote.family)
		k->addr = e->remote;
	conn_add_sock(k, e->sock);
	/* the connect's SYN came before this event: start the clock there */
	if (e->sock) {
		struct sock_track *t = sock_find(c, e->sock);

		if (t && t->syn_ts && t->syn_ts < k->first_ts)
			k->first_ts = t->syn_ts;
	}
	note_take(c, NOTE_CONNECT, e->pid, -1, &n); /* a 445 try may have failed before 139 */
}

/* Errors that mean no SMB reply came at all: there is no NT status to miss. */
static bool transport_error(int rc)
{
	return rc == -EHOSTDOWN || rc == -EAGAIN || rc == -ECONNRESET || rc == -ECONNABORTED ||
	       rc == -ENOTCONN || rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -EINTR;
}

/* A phase's fexit: success updates the connection, failure is concluded now. */
static struct smb_conn *phase_conn(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = e->server ? conn_get(c, e->server, e->ts_ns) : conn_by_pid(c, e->pid);

	if (!k)
		return NULL;
	k->last_ts = e->ts_ns;
	if (e->sock)
		conn_add_sock(k, e->sock);
	if (e->dialect)
		k->dialect = e->dialect;
	if (!k->host[0])
		copy_str(k->host, sizeof(k->host), e->host);
	if (!k->addr.family && e->remote.family)
		k->addr = e->remote;
	if (!k->conn_id)
		k->conn_id = e->conn_id;
	if (!k->pid) {
		k->pid = e->pid;
		copy_str(k->comm, sizeof(k->comm), e->comm);
	}
	return k;
}

static void on_phase_done(struct correlator *c, const struct smbw_event *e, enum phase phase)
{
	struct smb_conn *k = phase_conn(c, e);
	struct diagnosis d;
	struct note n;

	if (phase == PHASE_SESSION_SETUP && k) {
		k->sectype = e->sectype;
		if (e->user[0])
			copy_str(k->user, sizeof(k->user), e->user);
		if (e->domain[0])
			copy_str(k->domain, sizeof(k->domain), e->domain);
	}
	if (phase == PHASE_TREE_CONNECT)
		note_take(c, NOTE_TREE, e->pid, -1, &n); /* the tracepoint twin of this event */
	if (e->rc && k && k->established && phase == PHASE_NEGOTIATE) {
		/* a reconnect of a mounted share that cannot renegotiate: the reconnect says it */
		note_take(c, NOTE_STATUS, e->pid, e->command, &n);
		c->stats.ignored++;
		return;
	}
	if (e->rc == 0) {
		note_take(c, NOTE_STATUS, e->pid, e->command, &n); /* e.g. MORE_PROCESSING legs */
		if (k && phase == PHASE_TREE_CONNECT && !unc_is_ipc(e->unc))
			k->established = true;
		return;
	}
	base_diagnosis(&d, e, phase);
	if (note_take(c, NOTE_STATUS, e->pid, e->command, &n))
		apply_status_note(&d, &n);
	else if (!transport_error(e->rc))
		add_lacked(&d.ev, "NT status (smb3_cmd_err)"); /* a reply came, its status did not */
	if (k) {
		fill_from_conn(&d, k);
		conn_evidence(c, k, &d);
	}
	conclude(c, &d);
}

static void on_command_failed(struct correlator *c, const struct smbw_event *e)
{
	struct diagnosis d;
	struct smb_conn *k;

	if (e->nt_status == NT_STATUS_MORE_PROCESSING_REQUIRED) {
		c->stats.ignored++; /* multi-leg authentication: normal */
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
	note_add(c, NOTE_STATUS, e);
}

static void on_reconnect(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = conn_find(c, 0, e->conn_id);
	struct diagnosis d;

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
	emit(c, &d);
}

static void on_session_expired(struct correlator *c, const struct smbw_event *e)
{
	struct diagnosis d;
	struct smb_conn *k = conn_by_pid(c, e->pid);

	base_diagnosis(&d, e, PHASE_ANY);
	d.cause = CAUSE_SESSION_EXPIRED;
	if (k)
		fill_from_conn(&d, k);
	emit(c, &d);
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
	struct smb_conn *k = phase_conn(c, e);

	if (!k)
		return;
	k->spnego_seen = true;
	k->spnego_rc = e->rc;
	k->sectype = 3; /* an upcall is made only for Kerberos */
}

static void on_signature_bad(struct correlator *c, const struct smbw_event *e)
{
	struct smb_conn *k = phase_conn(c, e);
	struct diagnosis d;

	if (!k)
		return;
	k->signature_failures++;
	if (!k->established)
		return; /* the failing phase will carry it */
	base_diagnosis(&d, e, PHASE_ANY);
	d.cause = CAUSE_SIGNING_FAILURE;
	fill_from_conn(&d, k);
	conn_evidence(c, k, &d);
	emit(c, &d);
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
		if (e->rc == -EINTR) {
			c->stats.ignored++; /* interrupted by a teardown, not a failure of its own */
			return;
		}
		note_add(c, NOTE_CONNECT, e);
		return;
	}
	/* connect_done: a connection by conn_id, for kernels or runs without fexit */
	k = conn_find(c, 0, e->conn_id);
	if (!k) {
		k = conn_get(c, 0, e->ts_ns);
		k->conn_id = e->conn_id;
		k->pid = e->pid;
		copy_str(k->comm, sizeof(k->comm), e->comm);
	}
	k->last_ts = e->ts_ns;
	copy_str(k->host, sizeof(k->host), e->host);
	k->addr = e->remote;
}

static void on_tree_tp(struct correlator *c, const struct smbw_event *e)
{
	if (e->rc)
		note_add(c, NOTE_TREE, e);
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
	default:
		break;
	}
}

/* ---- notes that no fexit event completed: conclude from the tracepoint alone ---- */

static enum phase command_phase(uint16_t cmd)
{
	switch (cmd) {
	case 0:
		return PHASE_NEGOTIATE;
	case 1:
		return PHASE_SESSION_SETUP;
	case 3:
		return PHASE_TREE_CONNECT;
	default:
		return PHASE_ANY;
	}
}

static void conclude_note(struct correlator *c, struct note *n)
{
	struct smb_conn *k = conn_by_pid(c, n->pid);
	struct diagnosis d;
	struct note status;

	memset(&d, 0, sizeof(d));
	d.ts_ns = n->ts;
	d.pid = n->pid;
	copy_str(d.comm, sizeof(d.comm), n->comm);
	d.rc = n->rc;
	n->used = false;
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
		d.command = 3;
		copy_str(d.unc, sizeof(d.unc), n->text);
		if (note_take(c, NOTE_STATUS, n->pid, 3, &status))
			apply_status_note(&d, &status);
		break;
	case NOTE_STATUS:
		d.phase = command_phase(n->command);
		d.command = n->command;
		apply_status_note(&d, n);
		if (d.phase == PHASE_TREE_CONNECT) {
			struct note tree;

			if (note_take(c, NOTE_TREE, n->pid, -1, &tree)) {
				copy_str(d.unc, sizeof(d.unc), tree.text);
				d.rc = tree.rc;
			}
		}
		break;
	}
	if (k) {
		fill_from_conn(&d, k);
		conn_evidence(c, k, &d);
	}
	conclude(c, &d);
}

static void settle_notes(struct correlator *c, uint64_t now, bool all)
{
	for (size_t i = 0; i < c->cfg.max_notes; i++) {
		struct note *n = &c->notes[i];

		if (n->used && (all || n->ts + c->cfg.settle_ns <= now))
			conclude_note(c, n);
	}
}

static void expire(struct correlator *c, uint64_t now, bool all)
{
	for (int i = 0; i < MAX_DEDUP; i++)
		if (c->dedup[i].used && (all || c->dedup[i].first_ts + c->cfg.dedup_ns <= now))
			dedup_close(c, &c->dedup[i]);
	if (all)
		return;
	for (size_t i = 0; i < c->cfg.max_socks; i++) {
		struct sock_track *t = &c->socks[i];
		uint64_t keep = t->closed ? JOIN_WINDOW_NS : c->cfg.idle_ns;

		if (t->used && t->last_ts + keep <= now)
			t->used = false;
	}
	for (size_t i = 0; i < c->cfg.max_conns; i++)
		if (c->conns[i].used && c->conns[i].last_ts + c->cfg.idle_ns <= now)
			c->conns[i].used = false;
}

/* ---- ordering: hold events briefly and release them by timestamp ---- */

static void release_until(struct correlator *c, uint64_t limit, bool all)
{
	size_t n = 0;

	while (n < c->nheld && (all || c->held[n].ts_ns <= limit)) {
		if (c->held[n].ts_ns > c->now)
			c->now = c->held[n].ts_ns;
		dispatch(c, &c->held[n]);
		n++;
		settle_notes(c, c->now, false);
	}
	if (n) {
		memmove(c->held, c->held + n, (c->nheld - n) * sizeof(*c->held));
		c->nheld -= n;
	}
}

void correlator_feed(struct correlator *c, const struct smbw_event *e)
{
	size_t i;

	c->stats.events++;
	if (c->nheld == REORDER_CAP)
		release_until(c, c->held[0].ts_ns, false); /* full: the oldest cannot wait */
	i = c->nheld;
	while (i > 0 && c->held[i - 1].ts_ns > e->ts_ns)
		i--;
	if (i < c->nheld) {
		c->stats.reordered++;
		memmove(c->held + i + 1, c->held + i, (c->nheld - i) * sizeof(*c->held));
	}
	c->held[i] = *e;
	c->nheld++;
	if (e->ts_ns > c->high_ts)
		c->high_ts = e->ts_ns;
	if (c->high_ts > c->cfg.reorder_ns)
		release_until(c, c->high_ts - c->cfg.reorder_ns, false);
}

void correlator_tick(struct correlator *c, uint64_t now_ns)
{
	if (now_ns > c->cfg.reorder_ns)
		release_until(c, now_ns - c->cfg.reorder_ns, false);
	if (now_ns > c->now)
		c->now = now_ns;
	settle_notes(c, c->now, false);
	expire(c, c->now, false);
}

void correlator_finish(struct correlator *c)
{
	release_until(c, 0, true);
	settle_notes(c, c->now, true);
	expire(c, c->now, true);
}
