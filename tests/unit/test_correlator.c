// SPDX-License-Identifier: GPL-2.0
/* The correlator on hand-built event streams: joins, traps, ordering, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "correlator.h"
#include "fold.h"
#include "pipeline.h"
#include "event_builders.h"
#include "ntstatus.h"

#define SRV1 0xffff888000001000ull
#define SRV2 0xffff888000002000ull
#define SOCK1 0xffff888000010000ull
#define SOCK2 0xffff888000020000ull

struct sink {
	struct diagnosis d[64];
	int n;
};

static void collect(void *ctx, const struct diagnosis *d)
{
	struct sink *s = ctx;

	if (s->n < 64)
		s->d[s->n++] = *d;
}

/* The agent's stages after the source: correlate and classify, then fold repeats. */
struct fixture {
	struct sink sink;
	struct fold fold;
	struct correlator *c;
};

static void to_fold(void *ctx, const struct diagnosis *d)
{
	fold_put(ctx, d);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	fold_init(&f->fold, PIPELINE_FOLD_NS, collect, &f->sink);
	f->c = correlator_new(NULL, to_fold, &f->fold);
	*state = f;
	return f->c ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	correlator_free(f->c);
	free(f);
	return 0;
}

static void feed(struct fixture *f, struct smbw_event e)
{
	correlator_feed(f->c, &e);
}

static void tick(struct fixture *f, uint64_t now)
{
	correlator_tick(f->c, now);
	fold_tick(&f->fold, correlator_now(f->c));
}

static void finish(struct fixture *f)
{
	correlator_finish(f->c);
	fold_finish(&f->fold);
}

/* TCP connect from pid to addr on sock, then cifs's server object for it. */
static void connected(struct fixture *f, uint64_t t, uint32_t pid, uint64_t srv, uint64_t sock,
		      const char *host, struct smbw_addr addr)
{
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t, sock, addr, 7, 2, pid));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 1 * MS, sock, addr, 2, 1, 0));
	feed(f, ev_server(t + 2 * MS, pid, srv, sock, host, addr, 0));
}

static void test_bad_password_gives_one_diagnosis(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);
	struct diagnosis *d;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", a);
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 5 * MS, 100, SRV1, 0));
	feed(f, ev_status(1 * SEC + 6 * MS, 100, 1, NT_STATUS_MORE_PROCESSING_REQUIRED, -EREMOTEIO));
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_BAD_CREDENTIALS);
	assert_int_equal(d->phase, PHASE_SESSION_SETUP);
	assert_int_equal(d->nt_status, NT_STATUS_LOGON_FAILURE);
	assert_int_equal(d->rc, -EACCES);
	assert_string_equal(d->server, "fs1");
	assert_string_equal(d->user, "alice");
	assert_string_equal(d->domain, "CORP");
	assert_string_equal(d->unc, "\\\\fs1\\data");
	assert_int_equal(d->server_addr.port, 445);
	assert_true(d->ev.tcp_seen && d->ev.syn_answered && d->ev.status_seen);
	assert_int_equal(d->ev.elapsed_ns, 9 * MS);
	assert_int_equal(d->ev.connect_ns, 1 * MS);
	assert_int_equal(d->count, 1);
	assert_string_equal(d->ev.lacked, "");
}

/* UTF-16LE into a fixed field, as the BPF side copies NTLMSSP names. */
static void utf16(char *dst, size_t n, const char *ascii)
{
	memset(dst, 0, n);
	for (size_t i = 0; ascii[i] && 2 * i + 1 < n - 2; i++)
		dst[2 * i] = ascii[i];
}

static struct smbw_event auth_sent(uint64_t ts, const char *user, bool anonymous, int rc,
				   uint32_t status)
{
	struct smbw_event e = ev_base(EV_SMB_AUTH_SENT, ts, 100);

	e.server = SRV1;
	e.rc = rc;
	e.nt_status = status;
	utf16(e.user, sizeof(e.user), user);
	utf16(e.domain, sizeof(e.domain), "CORP");
	utf16(e.host, sizeof(e.host), "CLIENT1");
	e.domain[8] = (char)0xe9; /* "CORP\u00e9": a name that is not ASCII */
	if (anonymous)
		e.flags |= SMBW_F_ANONYMOUS;
	return e;
}

/* What the client's blob said joins the failure; a guest refused is told apart. */
static void test_the_blob_names_who_the_client_said_it_was(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);
	struct smbw_event e;
	struct diagnosis *d;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", a);
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 5 * MS, 100, SRV1, 0));
	feed(f, auth_sent(1 * SEC + 7 * MS, "", true, -EACCES, NT_STATUS_LOGON_FAILURE));
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	e = ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, -EACCES);
	e.user[0] = '\0';
	feed(f, e);
	/* the next mount names a user: the earlier blob is not its evidence */
	feed(f, auth_sent(2 * SEC, "bob", false, -EACCES, NT_STATUS_LOGON_FAILURE));
	feed(f, ev_status(2 * SEC + 1 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 2 * SEC + 2 * MS, 100, SRV1, -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 2);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_GUEST_REFUSED);
	assert_true(d->ev.sent.seen && d->ev.sent.anonymous);
	assert_string_equal(d->ev.sent.domain, "CORP\xc3\xa9");
	assert_string_equal(d->ev.sent.workstation, "CLIENT1");
	d = &f->sink.d[1];
	assert_int_equal(d->cause, CAUSE_BAD_CREDENTIALS);
	assert_string_equal(d->ev.sent.user, "bob");
	assert_false(d->ev.sent.anonymous);
}

static void test_success_gives_no_diagnosis(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 5 * MS, 100, SRV1, 0));
	feed(f, ev_status(1 * SEC + 6 * MS, 100, 1, NT_STATUS_MORE_PROCESSING_REQUIRED, -EREMOTEIO));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, 0));
	feed(f, ev_tree(1 * SEC + 10 * MS, 100, SRV1, "\\\\fs1\\IPC$", 0));
	feed(f, ev_tree(1 * SEC + 11 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	tick(f, 100 * SEC);
	finish(f);
	assert_int_equal(f->sink.n, 0);
}

static void test_ipc_failure_is_marked_not_the_mounts_cause(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, 0));
	feed(f, ev_status(1 * SEC + 10 * MS, 100, 3, NT_STATUS_ACCESS_DENIED, -EACCES));
	feed(f, ev_tree(1 * SEC + 10 * MS, 100, SRV1, "\\\\fs1\\IPC$", -EACCES));
	feed(f, ev_tree(1 * SEC + 11 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_true(f->sink.d[0].ipc);
	assert_int_equal(f->sink.d[0].cause, CAUSE_SHARE_ACCESS_DENIED);
}

static void test_refused_connect_joins_the_tcp_reset(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);
	struct diagnosis *d;

	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC, SOCK1, a, 7, 2, 100));
	feed(f, ev_tcp(EV_TCP_RESET_RECEIVED, 1 * SEC + 1 * MS, SOCK1, a, 0, 2, 0));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 1 * MS, SOCK1, a, 2, 7, 0));
	a.port = 0; /* the mount request's address has no port yet */
	feed(f, ev_server(1 * SEC + 2 * MS, 100, 0, 0, "fs1", a, -ECONNREFUSED));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_CONNECT_REFUSED);
	assert_int_equal(d->ev.reset, RESET_BY_SERVER);
	assert_true(d->ev.tcp_seen);
	assert_false(d->ev.syn_answered);
	assert_int_equal(d->ev.elapsed_ns, 2 * MS);
}

static void test_negotiate_without_reply_is_one_diagnosis(void **state)
{
	struct fixture *f = *state;
	struct smbw_event r = ev_base(EV_SMB_RECONNECT, 21 * SEC, 0);
	struct diagnosis *d;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	r.conn_id = 7;
	strcpy(r.host, "fs1");
	feed(f, r);
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 21 * SEC + 5 * MS, 100, SRV1, -EHOSTDOWN));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_NEGOTIATE_NO_RESPONSE);
	assert_int_equal(d->ev.reconnects, 1);
	assert_true(d->ev.elapsed_ns >= 20 * SEC);
	assert_string_equal(d->ev.lacked, ""); /* no reply: no status was missed */
}

static void test_reset_during_negotiate(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", a);
	feed(f, ev_tcp(EV_TCP_RESET_RECEIVED, 1 * SEC + 3 * MS, SOCK1, a, 0, 1, 0));
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 4 * MS, 100, SRV1, -ECONNRESET));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_NEGOTIATE_RESET);
}

/* Seen on 6.12: cifs reconnects twice on the same struct sock, then gives up. */
static void test_resets_survive_reconnects_on_the_same_socket(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(127, 0, 0, 1, 445);
	struct smbw_event r = ev_base(EV_SMB_RECONNECT, 0, 300), cf;

	strcpy(r.comm, "cifsd");
	r.conn_id = 7;
	connected(f, 1 * SEC, 100, SRV1, SOCK1, "localhost", a);
	for (int i = 0; i < 2; i++) {
		uint64_t t = 1 * SEC + (uint64_t)(i + 1) * 10 * MS;

		feed(f, ev_tcp(EV_TCP_RESET_RECEIVED, t, SOCK1, a, 0, 1, 0));
		feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 1, SOCK1, a, 1, 7, 0));
		r.ts_ns = t + 2;
		feed(f, r);
		feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 3, SOCK1, a, 7, 2, 300));
		feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 4, SOCK1, a, 2, 1, 0));
	}
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 40 * MS, 100, SRV1, -EHOSTDOWN));
	/* the reconnect worker's last attempt, interrupted by the teardown */
	cf = ev_base(EV_SMB_CONNECT_FAILED, 1 * SEC + 41 * MS, 300);
	cf.conn_id = 7;
	cf.rc = -EINTR;
	feed(f, cf);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_NEGOTIATE_RESET);
	assert_int_equal(f->sink.d[0].ev.reconnects, 2);
}

static void test_a_local_servers_sockets_are_not_evidence(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr client = ipv4(127, 0, 0, 1, 40000);
	struct smbw_event e;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "localhost", ipv4(127, 0, 0, 1, 445));
	/* smbd's own socket on this host: local port 445, the client at the far end */
	e = ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 1 * MS, SOCK2, client, 3, 1, 0);
	e.local = ipv4(127, 0, 0, 1, 445);
	feed(f, e);
	e.type = EV_TCP_RESET_RECEIVED;
	e.ts_ns += 1 * MS;
	feed(f, e);
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 25 * SEC, 100, SRV1, -EHOSTDOWN));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_NEGOTIATE_NO_RESPONSE);
	assert_int_equal(f->sink.d[0].ev.reset, RESET_NONE);
}

static void test_interleaved_mounts_to_two_servers(void **state)
{
	struct fixture *f = *state;
	struct diagnosis *a, *b;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	connected(f, 1 * SEC + 500, 200, SRV2, SOCK2, "fs2", ipv4(10, 0, 0, 6, 445));
	feed(f, ev_status(1 * SEC + 8 * MS, 200, 3, NT_STATUS_BAD_NETWORK_NAME, -ENOENT));
	feed(f, ev_status(1 * SEC + 8 * MS + 1, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(f, ev_tree(1 * SEC + 9 * MS, 200, SRV2, "\\\\fs2\\nope", -ENOENT));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS + 1, 100, SRV1, -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 2);
	a = &f->sink.d[0];
	b = &f->sink.d[1];
	assert_int_equal(a->cause, CAUSE_BAD_NETWORK_NAME);
	assert_string_equal(a->server, "fs2");
	assert_string_equal(a->unc, "\\\\fs2\\nope");
	assert_int_equal(a->pid, 200);
	assert_int_equal(b->cause, CAUSE_BAD_CREDENTIALS);
	assert_string_equal(b->server, "fs1");
	assert_int_equal(b->pid, 100);
}

static void test_out_of_order_events_are_put_back_in_order(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	/* another CPU's status event arrives after the fexit event that follows it */
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, -EACCES));
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_ACCOUNT_DISABLED, -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_ACCOUNT_RESTRICTED);
	assert_int_equal(f->sink.d[0].nt_status, NT_STATUS_ACCOUNT_DISABLED);
}

static void test_without_fexit_hooks_tracepoints_still_classify(void **state)
{
	struct fixture *f = *state;
	struct smbw_event c = ev_base(EV_SMB_CONNECT_DONE, 1 * SEC, 100);
	struct diagnosis *d;

	c.conn_id = 9;
	strcpy(c.host, "fs9");
	c.remote = ipv4(10, 0, 0, 9, 445);
	feed(f, c);
	feed(f, ev_status(1 * SEC + 5 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	tick(f, 1 * SEC + 1 * MS + 3 * SEC);
	assert_int_equal(f->sink.n, 1);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_BAD_CREDENTIALS);
	assert_string_equal(d->server, "fs9");
	assert_non_null(strstr(d->ev.lacked, "fexit hooks"));
}

static void test_tracepoint_only_tree_connect_failure(void **state)
{
	struct fixture *f = *state;
	struct smbw_event t = ev_base(EV_SMB_TREE_CONNECT, 1 * SEC + 6 * MS, 100);

	feed(f, ev_status(1 * SEC + 5 * MS, 100, 3, NT_STATUS_BAD_NETWORK_NAME, -ENOENT));
	strcpy(t.unc, "\\\\fs1\\missing");
	t.rc = -ENOENT;
	feed(f, t);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_BAD_NETWORK_NAME);
	assert_string_equal(f->sink.d[0].unc, "\\\\fs1\\missing");
	assert_int_equal(f->sink.d[0].nt_status, NT_STATUS_BAD_NETWORK_NAME);
}

static void test_repeated_failures_fold_into_a_count(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < 7; i++) {
		uint64_t t = (uint64_t)(1 + i) * SEC;

		connected(f, t, 100 + i, SRV1 + i, SOCK1 + i, "fs1", ipv4(10, 0, 0, 5, 445));
		feed(f, ev_status(t + 8 * MS, 100 + i, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
		feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 9 * MS, 100 + i, SRV1 + i, -EACCES));
	}
	finish(f);
	/* each attempt of the user's on its own, up to the burst, then one summary */
	assert_int_equal(f->sink.n, FOLD_MOUNT_BURST + 1);
	for (int i = 0; i < FOLD_MOUNT_BURST; i++) {
		assert_false(f->sink.d[i].repeat);
		assert_int_equal(f->sink.d[i].count, 1);
		assert_int_equal(f->sink.d[i].pid, 100 + i);
	}
	assert_true(f->sink.d[FOLD_MOUNT_BURST].repeat);
	assert_int_equal(f->sink.d[FOLD_MOUNT_BURST].count, 7 - FOLD_MOUNT_BURST);
}

static void test_reconnect_storm_on_a_mounted_share(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_tree(1 * SEC + 10 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	for (int i = 0; i < 10; i++) {
		struct smbw_event r = ev_base(EV_SMB_RECONNECT, (uint64_t)(2 + i) * SEC, 0);

		r.conn_id = 7;
		strcpy(r.host, "fs1");
		feed(f, r);
	}
	finish(f);
	assert_int_equal(f->sink.n, 2);
	assert_int_equal(f->sink.d[0].cause, CAUSE_RECONNECT);
	assert_string_equal(f->sink.d[0].server, "fs1");
	assert_int_equal(f->sink.d[1].count, 9);
}

/* Seen on 7.2: smb3_connect_done comes before the server object is known. */
static void test_reconnect_of_a_mount_is_not_a_negotiate_failure(void **state)
{
	struct fixture *f = *state;
	struct smbw_event cd = ev_base(EV_SMB_CONNECT_DONE, 1 * SEC, 100), r;

	cd.conn_id = 7;
	strcpy(cd.host, "fs1");
	feed(f, cd);
	connected(f, 1 * SEC + 1, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_tree(1 * SEC + 10 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	r = ev_base(EV_SMB_RECONNECT, 5 * SEC, 300);
	r.conn_id = 7;
	feed(f, r);
	/* the reconnect worker cannot renegotiate: the server is gone */
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, 5 * SEC + 5 * MS, 301, SRV1, -EHOSTDOWN));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_RECONNECT);
	assert_string_equal(f->sink.d[0].server, "fs1");
}

static void test_session_expired_status_on_any_command(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_status(50 * SEC, 100, 5, NT_STATUS_NETWORK_SESSION_EXPIRED, -EAGAIN));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_SESSION_EXPIRED);
	assert_string_equal(f->sink.d[0].server, "fs1");
}

static void test_unknown_status_is_reported_raw(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, 0xC0FFEE00, -EIO));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, -EIO));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_UNCLASSIFIED);
	assert_int_equal(f->sink.d[0].nt_status, 0xC0FFEE00);
}

/* A mount on fs1 that stands, unmounted without a teardown event (hook missing). */
static void mounted_and_left(struct fixture *f, uint64_t t, uint32_t pid)
{
	connected(f, t, pid, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_phase(EV_SMB_NEGOTIATE_DONE, t + 5 * MS, pid, SRV1, 0));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 6 * MS, pid, SRV1, 0));
	feed(f, ev_tree(t + 7 * MS, pid, SRV1, "\\\\fs1\\data", 0));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 900 * MS, SOCK1, ipv4(10, 0, 0, 5, 445), 1, 4, 0));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, t + 901 * MS, SOCK1, ipv4(10, 0, 0, 5, 445), 4, 7, 0));
}

/*
 * Seen on 7.2 in a long run: cifs reused the address of a freed
 * TCP_Server_Info (and of its socket) for the next mount, whose negotiate
 * failed; the stale established entry swallowed it as a reconnect.
 */
static void test_a_reused_server_address_with_a_new_conn_id_is_a_new_connection(void **state)
{
	struct fixture *f = *state;
	struct smbw_event n, st;

	mounted_and_left(f, 1 * SEC, 100);
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC, SOCK1, ipv4(10, 0, 0, 6, 445), 7, 2, 200));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC + 1 * MS, SOCK1, ipv4(10, 0, 0, 6, 445), 2, 1, 0));
	st = ev_server(3 * SEC + 2 * MS, 200, SRV1, SOCK1, "fs2", ipv4(10, 0, 0, 6, 445), 0);
	st.conn_id = 8;
	feed(f, st);
	feed(f, ev_status(3 * SEC + 4 * MS, 200, 0, NT_STATUS_NOT_SUPPORTED, -EOPNOTSUPP));
	n = ev_phase(EV_SMB_NEGOTIATE_DONE, 3 * SEC + 5 * MS, 200, SRV1, -EOPNOTSUPP);
	n.conn_id = 8;
	feed(f, n);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_DIALECT_MISMATCH);
	assert_string_equal(f->sink.d[0].server, "fs2");
	assert_int_equal(f->sink.d[0].ev.reset, RESET_NONE);
}

/* The same, when the reused address shows up in the failing event first. */
static void test_a_failing_negotiate_on_a_reused_address_is_diagnosed(void **state)
{
	struct fixture *f = *state;
	struct smbw_event n;

	mounted_and_left(f, 1 * SEC, 100);
	n = ev_phase(EV_SMB_NEGOTIATE_DONE, 3 * SEC, 200, SRV1, -EOPNOTSUPP);
	n.conn_id = 8;
	feed(f, n);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_DIALECT_MISMATCH);
}

/* A mount stands until it is torn down: a reconnect an hour later is still a reconnect. */
static void test_an_idle_mount_is_not_forgotten(void **state)
{
	struct fixture *f = *state;
	struct smbw_event r, n;

	mounted_and_left(f, 1 * SEC, 100);
	for (uint64_t t = 10; t < 3600; t += 10)
		tick(f, t * SEC);
	r = ev_base(EV_SMB_RECONNECT, 3600 * SEC, 0);
	r.conn_id = 7;
	feed(f, r);
	n = ev_phase(EV_SMB_NEGOTIATE_DONE, 3600 * SEC + 5 * MS, 301, SRV1, -EHOSTDOWN);
	n.conn_id = 7;
	feed(f, n);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_RECONNECT);
}

/* Torn down: the next connection on that address and conn_id-less events start afresh. */
static void test_a_released_connection_is_forgotten(void **state)
{
	struct fixture *f = *state;
	struct smbw_event rel = ev_base(EV_SMB_SERVER_RELEASED, 2 * SEC, 0), n;
	struct correlator_stats st;

	mounted_and_left(f, 1 * SEC, 100);
	rel.server = SRV1;
	rel.conn_id = 7;
	feed(f, rel);
	n = ev_phase(EV_SMB_NEGOTIATE_DONE, 3 * SEC, 200, SRV1, -EOPNOTSUPP);
	feed(f, n); /* no conn_id (a kernel that does not show it): still not the old mount */
	finish(f);
	correlator_get_stats(f->c, &st);
	assert_int_equal(st.released, 1);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_DIALECT_MISMATCH);
}

/* A socket that went through CLOSE and connects again is a new connection. */
static void test_a_closed_socket_address_starts_afresh(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);

	/* an earlier connection on SOCK1 was reset by its server */
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC, SOCK1, a, 7, 2, 50));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 1 * MS, SOCK1, a, 2, 1, 0));
	feed(f, ev_tcp(EV_TCP_RESET_RECEIVED, 1 * SEC + 2 * MS, SOCK1, a, 1, 1, 0));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 3 * MS, SOCK1, a, 1, 7, 0));
	/* a new mount on the same address (its SYN_SENT lost): bad password, no reset */
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 2 * SEC + 1 * MS, SOCK1, a, 2, 1, 0));
	feed(f, ev_server(2 * SEC + 2 * MS, 100, SRV2, SOCK1, "fs1", a, 0));
	feed(f, ev_status(2 * SEC + 8 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 2 * SEC + 9 * MS, 100, SRV2, -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_BAD_CREDENTIALS);
	assert_int_equal(f->sink.d[0].ev.reset, RESET_NONE);
	assert_true(f->sink.d[0].ev.syn_answered);
}

/* One process, two sessions: each failure gets the status of its own session. */
static void test_statuses_join_on_the_session_id(void **state)
{
	struct fixture *f = *state;
	struct smbw_event s1 = ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_ACCOUNT_DISABLED, -EACCES);
	struct smbw_event s2 = ev_status(1 * SEC + 9 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES);
	struct smbw_event done = ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 10 * MS, 100, SRV1,
					  -EACCES);

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	s1.session_id = 0x1234;
	s2.session_id = 0x5678; /* another session's status came in between */
	feed(f, s1);
	feed(f, s2);
	feed(f, done); /* session 0x1234 */
	finish(f);
	assert_int_equal(f->sink.n, 2);
	assert_int_equal(f->sink.d[0].cause, CAUSE_ACCOUNT_RESTRICTED);
	assert_int_equal(f->sink.d[0].nt_status, NT_STATUS_ACCOUNT_DISABLED);
	/* the other one, never completed, is concluded from its tracepoint */
	assert_int_equal(f->sink.d[1].nt_status, NT_STATUS_LOGON_FAILURE);
}

/* --port 4455: a client socket to that port is the mount's, wherever SYN_SENT was missed. */
static void test_client_sockets_follow_the_configured_ports(void **state)
{
	struct correlator_config cfg;
	struct correlator_stats st;
	struct sink sink = { .n = 0 };
	struct correlator *c;
	struct smbw_event r = ev_tcp(EV_TCP_RESET_RECEIVED, 1 * SEC, SOCK1,
				     ipv4(10, 0, 0, 5, 4455), 1, 7, 0);

	(void)state;
	correlator_default_config(&cfg);
	c = correlator_new(&cfg, collect, &sink);
	correlator_feed(c, &r);
	correlator_finish(c);
	correlator_get_stats(c, &st);
	assert_int_equal(st.ignored, 1); /* not a watched port: a server-side socket */
	correlator_free(c);
	assert_int_equal(portset_add(&cfg.ports, 4455), 0);
	c = correlator_new(&cfg, collect, &sink);
	correlator_feed(c, &r);
	correlator_finish(c);
	correlator_get_stats(c, &st);
	assert_int_equal(st.ignored, 0);
	correlator_free(c);
}

/* A burst beyond the reorder buffer: counted, released early, nothing lost, no cliff. */
static void test_a_burst_beyond_the_reorder_buffer_degrades_gracefully(void **state)
{
	struct fixture *f = *state;
	struct correlator_stats st;
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);

	for (int i = 0; i < 20000; i++) /* all within 1 ms: more than the buffer holds */
		feed(f, ev_tcp(EV_TCP_RETRANSMIT, 1 * SEC + (uint64_t)i * 50, SOCK2, a, 1, 1, 0));
	connected(f, 1 * SEC + 2 * MS, 100, SRV1, SOCK1, "fs1", a);
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 9 * MS, 100, SRV1, -EACCES));
	finish(f);
	correlator_get_stats(f->c, &st);
	assert_true(st.early_released > 10000);
	assert_int_equal(st.events, 20000 + 5);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_BAD_CREDENTIALS);
}

/*
 * Live ticks move stream time only to what no held event can precede: a
 * phase's fexit held in the reorder buffer still completes its note, even when
 * the wall clock has passed the note's settle time. Else: two diagnoses.
 */
static void test_a_tick_never_concludes_ahead_of_held_events(void **state)
{
	struct fixture *f = *state;

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, ev_status(1 * SEC + 8 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	/* the fexit comes 1.99 s later and is still held when the clock passes 3.008 s */
	feed(f, ev_phase(EV_SMB_SESSION_SETUP_DONE, 2 * SEC + 998 * MS, 100, SRV1, -EACCES));
	tick(f, 3 * SEC + 30 * MS);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_BAD_CREDENTIALS);
	assert_string_equal(f->sink.d[0].ev.lacked, "");
}

/* Seen on 7.2: a failed SMB1 negotiate, the server released, then its thread reconnects. */
static void test_a_reconnect_after_teardown_is_not_a_diagnosis(void **state)
{
	struct fixture *f = *state;
	struct smbw_event n = ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 5 * MS, 100, SRV1,
				       -EOPNOTSUPP);
	struct smbw_event rel = ev_base(EV_SMB_SERVER_RELEASED, 1 * SEC + 6 * MS, 100);
	struct smbw_event r = ev_base(EV_SMB_RECONNECT, 1 * SEC + 7 * MS, 0);

	connected(f, 1 * SEC, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	n.conn_id = 7;
	feed(f, n);
	rel.server = SRV1;
	rel.conn_id = 7;
	feed(f, rel);
	r.conn_id = 7;
	feed(f, r);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_DIALECT_MISMATCH);
}

/*
 * Seen in the soak on 6.1: a client socket's address, once closed, came back
 * as a local smbd's accepted socket, which a client then reset; and then as a
 * client socket again, for a mount to a silent server. The local server's
 * reset is not that mount's evidence.
 */
static void test_a_local_servers_socket_on_a_reused_address_is_not_evidence(void **state)
{
	struct fixture *f = *state;
	struct smbw_addr fs = ipv4(10, 0, 0, 5, 445), client = ipv4(10, 0, 0, 9, 56326);
	struct smbw_event acc = ev_tcp(EV_TCP_STATE_CHANGE, 2 * SEC, SOCK1, client, 3, 1, 0);
	struct smbw_event rst = ev_tcp(EV_TCP_RESET_RECEIVED, 2 * SEC + 5 * MS, SOCK1, client, 8, 8, 0);
	struct smbw_event n = ev_phase(EV_SMB_NEGOTIATE_DONE, 25 * SEC, 100, SRV1, -EHOSTDOWN);

	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC, SOCK1, fs, 7, 2, 50));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 1 * MS, SOCK1, fs, 2, 1, 0));
	feed(f, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + 9 * MS, SOCK1, fs, 4, 7, 0));
	acc.local = ipv4(10, 0, 0, 1, 445); /* accepted by a local server on 445 */
	rst.local = acc.local;
	feed(f, acc);
	feed(f, rst);
	connected(f, 3 * SEC, 100, SRV1, SOCK1, "fs1", fs);
	feed(f, n);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_NEGOTIATE_NO_RESPONSE);
	assert_int_equal(f->sink.d[0].ev.reset, RESET_NONE);
}

static void test_tables_are_bounded_and_evictions_counted(void **state)
{
	struct correlator_config cfg;
	struct correlator_stats st;
	struct sink sink = { .n = 0 };
	struct correlator *c;

	(void)state;
	correlator_default_config(&cfg);
	cfg.max_socks = 8;
	cfg.max_conns = 4;
	c = correlator_new(&cfg, collect, &sink);
	assert_non_null(c);
	for (int i = 0; i < 1000; i++) {
		struct smbw_event e = ev_tcp(EV_TCP_STATE_CHANGE, (uint64_t)i * MS, 0x1000 + i * 64,
					     ipv4(10, 0, 0, 5, 445), 7, 2, 1);
		struct smbw_event s = ev_server((uint64_t)i * MS + 1, 1, 0x900000 + i * 64,
						0x1000 + i * 64, "fs", ipv4(10, 0, 0, 5, 445), 0);

		correlator_feed(c, &e);
		correlator_feed(c, &s);
	}
	correlator_finish(c);
	correlator_get_stats(c, &st);
	assert_int_equal(st.events, 2000);
	assert_true(st.evicted_socks >= 1000 - 8 - 1);
	assert_true(st.evicted_conns >= 1000 - 4 - 1);
	correlator_free(c);
}

/* ---- signing and guests at tree connect (tests/vm/scenarios/50-faulty-server.sh) ---- */

/* A negotiate in which the client asked to sign (the sign option) and the server offers it. */
static void signed_session(struct fixture *f, uint64_t t, const char *user, bool anonymous)
{
	struct smbw_event e = ev_phase(EV_SMB_NEGOTIATE_DONE, t, 100, SRV1, 0);

	e.flags = SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_WANTED | SMBW_F_SERVER_SIGN_ENABLED;
	connected(f, t - 5 * MS, 100, SRV1, SOCK1, "fs1", ipv4(10, 0, 0, 5, 445));
	feed(f, e);
	feed(f, auth_sent(t + 1 * MS, user, anonymous, 0, 0));
	e = ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 2 * MS, 100, SRV1, 0);
	strcpy(e.user, user);
	feed(f, e);
}

static struct smbw_event signature_bad(uint64_t ts)
{
	struct smbw_event e = ev_base(EV_SMB_SIGNATURE_BAD, ts, 100);

	e.server = SRV1;
	e.rc = -EACCES;
	return e;
}

static void tree_refused(struct fixture *f, uint64_t t, const char *unc, uint32_t status)
{
	struct smbw_event e = ev_tree(t + 1 * MS, 100, SRV1, unc, -EACCES);

	feed(f, ev_status(t, 100, 3, status, -EACCES));
	feed(f, e);
}

/* cifs logs bad signatures and goes on: the mount stands, and that is told once. */
static void test_bad_signatures_on_a_mount_that_stands(void **state)
{
	struct fixture *f = *state;
	struct diagnosis *d;

	signed_session(f, 1 * SEC, "alice", false);
	feed(f, signature_bad(1 * SEC + 10 * MS));
	feed(f, ev_tree(1 * SEC + 11 * MS, 100, SRV1, "\\\\fs1\\IPC$", 0));
	feed(f, signature_bad(1 * SEC + 12 * MS));
	feed(f, ev_tree(1 * SEC + 13 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	tick(f, 100 * SEC);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	d = &f->sink.d[0];
	assert_int_equal(d->cause, CAUSE_SIGNING_FAILURE);
	assert_int_equal(d->phase, PHASE_ANY);
	assert_int_equal(d->ev.signature_failures, 2);
	assert_int_equal(d->rc, -EACCES);
	assert_false(d->ipc);
}

/*
 * A server that cannot verify the client's signatures refuses every signed
 * request: IPC$, then the share, then the LOGOFF of the failed mount. One
 * signing-failure for the mount, one for IPC$, nothing for the LOGOFF.
 */
static void test_signed_requests_refused_are_a_signing_failure(void **state)
{
	struct fixture *f = *state;
	struct diagnosis *d;

	signed_session(f, 1 * SEC, "alice", false);
	tree_refused(f, 1 * SEC + 10 * MS, "\\\\fs1\\IPC$", NT_STATUS_ACCESS_DENIED);
	tree_refused(f, 1 * SEC + 20 * MS, "\\\\fs1\\data", NT_STATUS_ACCESS_DENIED);
	feed(f, ev_status(1 * SEC + 30 * MS, 100, SMB2_CMD_LOGOFF, NT_STATUS_ACCESS_DENIED,
			  -EACCES));
	tick(f, 100 * SEC);
	finish(f);
	assert_int_equal(f->sink.n, 2);
	d = &f->sink.d[0];
	assert_true(d->ipc); /* IPC$ refused alone says nothing of signing */
	assert_int_equal(d->cause, CAUSE_SHARE_ACCESS_DENIED);
	d = &f->sink.d[1];
	assert_false(d->ipc);
	assert_int_equal(d->cause, CAUSE_SIGNING_FAILURE);
	assert_int_equal(d->phase, PHASE_TREE_CONNECT);
	assert_true(d->ev.ipc_denied);
	assert_string_equal(d->ev.sent.user, "alice");
}

/* A signed session, IPC$ fine, the share refused: its permissions, not signing. */
static void test_a_share_refused_on_a_signed_session_is_its_permissions(void **state)
{
	struct fixture *f = *state;

	signed_session(f, 1 * SEC, "alice", false);
	feed(f, ev_tree(1 * SEC + 10 * MS, 100, SRV1, "\\\\fs1\\IPC$", 0));
	tree_refused(f, 1 * SEC + 20 * MS, "\\\\fs1\\data", NT_STATUS_ACCESS_DENIED);
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_SHARE_ACCESS_DENIED);
	assert_false(f->sink.d[0].ev.ipc_denied);
}

/* An anonymous session the server let in and whose tree connects it refuses. */
static void test_an_anonymous_session_refused_at_tree_connect_is_a_guest_refused(void **state)
{
	struct fixture *f = *state;
	struct diagnosis *d;

	signed_session(f, 1 * SEC, "", true);
	tree_refused(f, 1 * SEC + 10 * MS, "\\\\fs1\\IPC$", NT_STATUS_ACCESS_DENIED);
	tree_refused(f, 1 * SEC + 20 * MS, "\\\\fs1\\data", NT_STATUS_ACCESS_DENIED);
	finish(f);
	assert_int_equal(f->sink.n, 2);
	for (int i = 0; i < 2; i++) {
		d = &f->sink.d[i];
		assert_int_equal(d->cause, CAUSE_GUEST_REFUSED);
		assert_true(d->ev.sent.seen && d->ev.sent.anonymous);
	}
	assert_false(f->sink.d[1].ipc);
}

/* Told once: a second share on the same server, or a share refused later, does not tell them again. */
static void test_bad_signatures_are_told_once(void **state)
{
	struct fixture *f = *state;

	signed_session(f, 1 * SEC, "alice", false);
	feed(f, signature_bad(1 * SEC + 10 * MS));
	feed(f, ev_tree(1 * SEC + 11 * MS, 100, SRV1, "\\\\fs1\\IPC$", 0));
	feed(f, ev_tree(1 * SEC + 13 * MS, 100, SRV1, "\\\\fs1\\data", 0));
	feed(f, ev_tree(2 * SEC, 100, SRV1, "\\\\fs1\\other", 0));
	tree_refused(f, 3 * SEC, "\\\\fs1\\secret", NT_STATUS_ACCESS_DENIED);
	tick(f, 100 * SEC);
	finish(f);
	assert_int_equal(f->sink.n, 2);
	assert_int_equal(f->sink.d[0].cause, CAUSE_SIGNING_FAILURE);
	assert_int_equal(f->sink.d[1].cause, CAUSE_SHARE_ACCESS_DENIED);
	assert_int_equal(f->sink.d[1].ev.signature_failures, 0);
}

/* What a session was (guest, IPC$ refused) is not another session's on the same connection. */
static void test_session_facts_stay_with_their_session(void **state)
{
	struct fixture *f = *state;
	struct smbw_event e;

	signed_session(f, 1 * SEC, "alice", false);
	e = ev_phase(EV_SMB_SESSION_SETUP_DONE, 2 * SEC, 100, SRV1, 0); /* a guest's, id 0x9999 */
	e.session_id = 0x9999;
	e.session_flags = 0x0001;
	feed(f, e);
	e = ev_status(2 * SEC + 1 * MS, 100, 3, NT_STATUS_ACCESS_DENIED, -EACCES);
	feed(f, e); /* alice's tree connect (session 0x1234) refused */
	feed(f, ev_tree(2 * SEC + 2 * MS, 100, SRV1, "\\\\fs1\\data", -EACCES));
	finish(f);
	assert_int_equal(f->sink.n, 1);
	assert_int_equal(f->sink.d[0].cause, CAUSE_SHARE_ACCESS_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_password_gives_one_diagnosis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_success_gives_no_diagnosis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_blob_names_who_the_client_said_it_was, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipc_failure_is_marked_not_the_mounts_cause, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_connect_joins_the_tcp_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_negotiate_without_reply_is_one_diagnosis, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_during_negotiate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resets_survive_reconnects_on_the_same_socket,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_local_servers_sockets_are_not_evidence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_mounts_to_two_servers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_events_are_put_back_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_without_fexit_hooks_tracepoints_still_classify,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tracepoint_only_tree_connect_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_repeated_failures_fold_into_a_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_storm_on_a_mounted_share, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_of_a_mount_is_not_a_negotiate_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_expired_status_on_any_command, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_status_is_reported_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_reused_server_address_with_a_new_conn_id_is_a_new_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_negotiate_on_a_reused_address_is_diagnosed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_idle_mount_is_not_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_released_connection_is_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_closed_socket_address_starts_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statuses_join_on_the_session_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_burst_beyond_the_reorder_buffer_degrades_gracefully, setup, teardown),
		cmocka_unit_test(test_client_sockets_follow_the_configured_ports),
		cmocka_unit_test_setup_teardown(test_a_tick_never_concludes_ahead_of_held_events, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_reconnect_after_teardown_is_not_a_diagnosis, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_local_servers_socket_on_a_reused_address_is_not_evidence,
						setup, teardown),
		cmocka_unit_test(test_tables_are_bounded_and_evictions_counted),
		cmocka_unit_test_setup_teardown(test_bad_signatures_on_a_mount_that_stands, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signed_requests_refused_are_a_signing_failure,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_share_refused_on_a_signed_session_is_its_permissions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_anonymous_session_refused_at_tree_connect_is_a_guest_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signatures_are_told_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_facts_stay_with_their_session, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
