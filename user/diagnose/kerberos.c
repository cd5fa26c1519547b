// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "kerberos.h"
#include "strutil.h"

#define MSG_AS_REQ 10
#define MSG_TGS_REQ 12
#define MSG_TGS_REP 13
#define MSG_ERROR 30

void krb_log_init(struct krb_log *l)
{
	memset(l, 0, sizeof(*l));
}

static struct krb_fact *fact_add(struct krb_log *l, const struct smbw_event *e, uint8_t kind)
{
	struct krb_fact *f = &l->facts[l->next];

	l->next = (l->next + 1) % KRB_FACTS;
	if (l->count < KRB_FACTS)
		l->count++;
	memset(f, 0, sizeof(*f));
	f->ts = e->ts_ns;
	f->kind = kind;
	f->err = -1;
	f->rc = e->rc;
	f->kdc = e->remote;
	f->proto = e->ip_proto;
	f->msg = e->krb_type;
	f->which = (uint8_t)e->reason;
	f->conn_id = e->conn_id;
	f->status = e->nt_status;
	f->pid = e->pid;
	return f;
}

/* Decodes the record's KRB-ERROR into the error ring; false if it is not one. */
static bool attach_error(struct krb_log *l, const struct smbw_event *e, struct krb_fact *f)
{
	unsigned int i = l->next_error;

	if (!e->krb_len || krb_error_decode(e->krb, e->krb_len, &l->errors[i])) {
		l->undecodable++;
		return false;
	}
	l->next_error = (i + 1) % KRB_ERRORS;
	l->error_gen[i]++;
	f->err = (int16_t)i;
	f->err_gen = l->error_gen[i];
	return true;
}

void krb_log_feed(struct krb_log *l, const struct smbw_event *e)
{
	struct krb_fact *f;

	switch (e->type) {
	case EV_KRB_MESSAGE:
		if (!(e->flags & SMBW_F_INGRESS)) {
			if (e->krb_type == MSG_AS_REQ || e->krb_type == MSG_TGS_REQ)
				fact_add(l, e, KF_REQUEST);
			return;
		}
		if (e->krb_type != MSG_ERROR) {
			fact_add(l, e, KF_REPLY);
			return;
		}
		f = fact_add(l, e, KF_KDC_ERROR);
		attach_error(l, e, f);
		return;
	case EV_KRB_SOCK_ERROR:
		fact_add(l, e, KF_SOCK_ERROR);
		return;
	case EV_PROC_EXEC:
		fact_add(l, e, KF_EXEC);
		return;
	case EV_PROC_EXIT:
		fact_add(l, e, KF_EXIT);
		return;
	case EV_SMB_SPNEGO_UPCALL_DONE:
		fact_add(l, e, KF_UPCALL_DONE);
		return;
	case EV_SMB_SESSION_KRB_ERROR:
		f = fact_add(l, e, KF_SERVER_ERROR);
		attach_error(l, e, f);
		return;
	default:
		return;
	}
}

static const struct krb_fact *fact_at(const struct krb_log *l, unsigned int back)
{
	return &l->facts[(l->next + KRB_FACTS - 1 - back) % KRB_FACTS];
}

static const struct krb_error_info *fact_error(const struct krb_log *l, const struct krb_fact *f)
{
	if (f->err < 0 || l->error_gen[f->err] != f->err_gen)
		return NULL; /* overwritten since: the fact still counts, its details are gone */
	return &l->errors[f->err];
}

/*
 * Which KRB-ERROR tells the cause: a significant one beats a routine one
 * (pre-authentication required, too big for UDP), a later one an earlier,
 * and the server's (the last word of the exchange) the KDC's. Facts arrive
 * from several CPUs, so "later" is by timestamp, not by position.
 */
static void take_error(struct krb_evidence *k, uint64_t *error_ts, uint64_t ts,
		       const struct krb_error_info *ei, enum krb_source src)
{
	bool routine = krb_error_is_routine(ei->code);

	if (k->error >= 0) {
		bool had_routine = krb_error_is_routine(k->error);

		if (k->source == KRB_FROM_SERVER && src == KRB_FROM_KDC)
			return;
		if (!(k->source == KRB_FROM_KDC && src == KRB_FROM_SERVER)) {
			if (routine && !had_routine)
				return;
			if (routine == had_routine && ts < *error_ts)
				return;
		}
	}
	*error_ts = ts;
	k->source = src;
	k->error = ei->code;
	k->stime = ei->stime;
	copy_str(k->principal, sizeof(k->principal), ei->server);
	copy_str(k->realm, sizeof(k->realm), ei->realm);
	copy_str(k->e_text, sizeof(k->e_text), ei->e_text);
}

/* The upcall window starts at the end of the latest upcall before this one (another mount's). */
static uint64_t window_start(const struct krb_log *l, uint64_t upcall_ts, uint64_t until_ts)
{
	uint64_t end = upcall_ts ? upcall_ts : until_ts;
	uint64_t start = end > KRB_WINDOW_NS ? end - KRB_WINDOW_NS : 0;

	for (unsigned int b = 0; b < l->count; b++) {
		const struct krb_fact *f = fact_at(l, b);

		if (f->kind == KF_UPCALL_DONE && f->ts < end && f->ts > start)
			start = f->ts;
	}
	return start;
}

struct window_scan {
	uint64_t error_ts;
	uint32_t upcall_pid; /* the cifs.upcall exec'd (its helper children exit too) */
	bool request_key;
};

static void count_fact(const struct krb_log *l, const struct krb_fact *f, uint64_t conn_id,
		       bool in_upcall, struct krb_evidence *k, struct window_scan *w)
{
	const struct krb_error_info *ei = fact_error(l, f);

	if (f->kind == KF_SERVER_ERROR) {
		if (f->conn_id == conn_id && ei) {
			take_error(k, &w->error_ts, f->ts, ei, KRB_FROM_SERVER);
			k->server_status = f->status;
		}
		return;
	}
	if (!in_upcall)
		return;
	switch (f->kind) {
	case KF_REQUEST:
		if (f->msg == MSG_TGS_REQ)
			k->tgs_requests++;
		else
			k->as_requests++;
		k->kdc = f->kdc;
		k->transport = f->proto;
		break;
	case KF_REPLY:
		k->replies++;
		if (f->msg == MSG_TGS_REP)
			k->tickets_issued++;
		break;
	case KF_KDC_ERROR:
		k->replies++;
		k->errors++;
		if (ei)
			take_error(k, &w->error_ts, f->ts, ei, KRB_FROM_KDC);
		break;
	case KF_SOCK_ERROR:
		k->sock_error = f->rc;
		if (!k->kdc.family) {
			k->kdc = f->kdc;
			k->transport = f->proto;
		}
		break;
	case KF_EXEC:
		if (f->which == 1) {
			k->upcall = UPCALL_RAN;
			w->upcall_pid = f->pid;
		} else {
			w->request_key = true;
		}
		break;
	case KF_EXIT:
		if (f->which == 1 && (!w->upcall_pid || f->pid == w->upcall_pid))
			k->upcall_exit = f->rc;
		break;
	default:
		break;
	}
}

void krb_log_evidence(const struct krb_log *l, uint64_t conn_id, uint64_t upcall_ts,
		      uint64_t until_ts, bool watched, struct krb_evidence *out)
{
	uint64_t start = window_start(l, upcall_ts, until_ts);
	uint64_t upcall_end = upcall_ts ? upcall_ts : until_ts;
	struct window_scan w = { 0 };

	memset(out, 0, sizeof(*out));
	out->seen = true;
	out->error = -1;
	out->upcall_exit = -1;
	for (unsigned int b = l->count; b-- > 0;) {
		const struct krb_fact *f = fact_at(l, b);

		if (f->ts <= start || f->ts > until_ts)
			continue;
		count_fact(l, f, conn_id, f->ts <= upcall_end, out, &w);
	}
	if (out->upcall != UPCALL_RAN && watched && upcall_ts)
		out->upcall = w.request_key ? UPCALL_NO_RULE : UPCALL_NOT_RUN;
	if (out->as_requests + out->tgs_requests && !out->replies)
		out->failure = out->sock_error ? KDC_UNREACHABLE : KDC_SILENT;
	else if (!out->replies && out->sock_error)
		out->failure = KDC_UNREACHABLE;
}
