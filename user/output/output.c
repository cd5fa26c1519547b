// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "causes.h"
#include "describe.h"
#include "event_format.h"
#include "journal.h"
#include "json.h"
#include "krb_error.h"
#include "ntstatus.h"
#include "textesc.h"
#include "output.h"

void output_init(struct output *o, enum output_format format, bool color, int verbose, FILE *f,
		 int64_t realtime_offset_ns)
{
	memset(o, 0, sizeof(*o));
	o->format = format;
	o->color = color;
	o->verbose = verbose;
	o->f = f;
	o->realtime_offset_ns = realtime_offset_ns;
	sb_init(&o->line);
}

/* One whole line per write, flushed: readers of a pipe see complete records at once. */
static void emit_line(struct output *o)
{
	sb_putc(&o->line, '\n');
	if (fwrite(o->line.buf, 1, o->line.len, o->f) != o->line.len || fflush(o->f)) {
		o->write_errors++;
		o->last_errno = errno;
		clearerr(o->f);
	}
	sb_reset(&o->line);
}

void output_event(struct output *o, const struct smbw_event *e)
{
	if (o->format == FORMAT_JOURNAL) {
		event_format_text(&o->line, e, o->realtime_offset_ns);
		int r = journal_event(e, sb_str(&o->line));

		if (r < 0) {
			o->write_errors++;
			o->last_errno = -r;
		}
		sb_reset(&o->line);
		return;
	}
	if (o->format == FORMAT_JSON)
		event_format_json(&o->line, e, o->realtime_offset_ns);
	else
		event_format_text(&o->line, e, o->realtime_offset_ns);
	emit_line(o);
}

static const char *severity_color(int prio)
{
	return prio <= 3 ? "\033[1;31m" : prio == 4 ? "\033[1;33m" : "\033[1;36m";
}

static int diagnosis_priority(const struct diagnosis *d)
{
	/* a failed IPC$ tree connect does not fail the mount: say it, lower */
	return d->ipc ? 5 : cause_info(d->cause)->priority;
}

static void text_krb(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns)
{
	const struct krb_evidence *k = &d->ev.krb;
	char nbuf[24];
	int64_t skew;

	if (!k->seen)
		return;
	sb_printf(sb, "\n    kerberos: upcall %s", upcall_state_name(k->upcall));
	if (k->upcall_exit >= 0 && (k->upcall_exit & 0x7f))
		sb_printf(sb, " (killed by signal %d)", k->upcall_exit & 0x7f);
	else if (k->upcall_exit >= 0)
		sb_printf(sb, " (exit code %d)", k->upcall_exit >> 8);
	sb_printf(sb, ", KDC requests %u AS + %u TGS, replies %u, service tickets %u",
		  k->as_requests, k->tgs_requests, k->replies, k->tickets_issued);
	if (k->kdc.family) {
		sb_puts(sb, ", KDC ");
		format_addr(sb, &k->kdc);
		sb_printf(sb, " over %s", ip_proto_name(k->transport));
	}
	if (k->failure != KDC_ANSWERED)
		sb_printf(sb, " (%s)", kdc_failure_name(k->failure));
	if (k->error >= 0) {
		sb_printf(sb, "\n    %s error: %s (%d)",
			  k->source == KRB_FROM_SERVER ? "server" : "KDC",
			  krb_error_name(k->error, nbuf, sizeof(nbuf)), k->error);
		if (k->principal[0]) {
			sb_puts(sb, ", principal ");
			text_escape(sb, k->principal, strlen(k->principal));
		}
		if (k->e_text[0]) {
			sb_puts(sb, ", e-text \"");
			text_escape(sb, k->e_text, strlen(k->e_text));
			sb_putc(sb, '"');
		}
		if (krb_skew(d, offset_ns, &skew))
			sb_printf(sb, ", its clock %+lld s from this host's", (long long)skew);
	}
}

static void text_details(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns)
{
	const struct evidence *ev = &d->ev;

	sb_printf(sb, "\n    evidence: elapsed %.1f ms", ev->elapsed_ns / 1e6);
	if (ev->tcp_seen)
		sb_printf(sb, ", connect %.1f ms, tcp retransmits %u (%u of the SYN), reset by %s",
			  ev->connect_ns / 1e6, ev->tcp_retransmits, ev->syn_retransmits,
			  reset_side_name(ev->reset));
	if (d->dialect)
		sb_printf(sb, ", dialect %s", dialect_name(d->dialect));
	if (sectype_name(d->sectype)[0])
		sb_printf(sb, ", auth %s", sectype_name(d->sectype));
	if (ev->reconnects)
		sb_printf(sb, ", reconnects %u", ev->reconnects);
	if (ev->signature_failures)
		sb_printf(sb, ", bad signatures %u", ev->signature_failures);
	if (ev->ipc_denied)
		sb_puts(sb, ", IPC$ refused too");
	if (ev->spnego_seen)
		sb_printf(sb, ", kerberos upcall rc %d", ev->spnego_rc);
	if (ev->session_refused)
		sb_printf(sb, ", turned away (RFC 1002 negative session response 0x%02x)",
			  ev->refusal_code);
	if (client_signing_name(d->flags)[0])
		sb_printf(sb, ", signing: client %s, server %s", client_signing_name(d->flags),
			  server_signing_name(d->flags));
	if (ev->kdc_resets || ev->kdc_retransmits)
		sb_printf(sb, ", KDC resets %u retransmits %u", ev->kdc_resets,
			  ev->kdc_retransmits);
	if (d->pid)
		sb_printf(sb, ", pid %u (%s)", d->pid, d->comm);
	text_krb(sb, d, offset_ns);
	if (ev->sent.seen) {
		/* names from the wire: escaped, never raw on a terminal */
		sb_puts(sb, "\n    sent: NTLMSSP user '");
		text_escape(sb, ev->sent.user, strlen(ev->sent.user));
		sb_puts(sb, "' domain '");
		text_escape(sb, ev->sent.domain, strlen(ev->sent.domain));
		sb_puts(sb, "' workstation '");
		text_escape(sb, ev->sent.workstation, strlen(ev->sent.workstation));
		sb_printf(sb, "'%s", ev->sent.anonymous ? ", anonymous" : "");
	}
	if (ev->lacked[0])
		sb_printf(sb, "\n    lacked: %s", ev->lacked);
	sb_printf(sb, "\n    hint: %s", cause_info(d->cause)->hint);
}

static void text_diagnosis(struct output *o, const struct diagnosis *d)
{
	int prio = diagnosis_priority(d);

	format_wallclock(&o->line, d->ts_ns, o->realtime_offset_ns, 0);
	sb_putc(&o->line, ' ');
	if (o->color)
		sb_puts(&o->line, severity_color(prio));
	sb_printf(&o->line, "%-7s", priority_name(prio));
	if (o->color)
		sb_puts(&o->line, "\033[0m");
	sb_putc(&o->line, ' ');
	describe_message(&o->line, d, o->realtime_offset_ns);
	if (o->verbose)
		text_details(&o->line, d, o->realtime_offset_ns);
}

static void json_krb(struct json *j, const struct diagnosis *d, int64_t offset_ns)
{
	const struct krb_evidence *k = &d->ev.krb;
	struct strbuf ip;
	struct json o;
	char nbuf[24];
	int64_t skew;

	if (!k->seen)
		return;
	sb_init(&ip);
	sb_puts(j->sb, j->fields++ ? ",\"kerberos\":" : "\"kerberos\":");
	json_begin(&o, j->sb);
	json_str(&o, "upcall", upcall_state_name(k->upcall));
	if (k->upcall_exit >= 0 && (k->upcall_exit & 0x7f))
		json_int(&o, "upcall_signal", k->upcall_exit & 0x7f);
	else if (k->upcall_exit >= 0)
		json_int(&o, "upcall_exit", k->upcall_exit >> 8);
	if (k->error >= 0) {
		json_int(&o, "kdc_error", k->error);
		json_str(&o, "kdc_error_name", krb_error_name(k->error, nbuf, sizeof(nbuf)));
		json_str(&o, "kdc_error_source", krb_source_name(k->source));
		json_str(&o, "principal", k->principal);
		json_str(&o, "realm", k->realm);
		json_str(&o, "e_text", k->e_text);
		if (krb_skew(d, offset_ns, &skew))
			json_int(&o, "skew_s", skew);
	}
	if (k->kdc.family) {
		format_ip(&ip, &k->kdc);
		json_str(&o, "kdc_addr", sb_str(&ip));
		json_str(&o, "transport", ip_proto_name(k->transport));
	}
	if (k->failure != KDC_ANSWERED)
		json_str(&o, "kdc_failure", kdc_failure_name(k->failure));
	if (k->sock_error)
		json_int(&o, "kdc_socket_errno", -(long long)k->sock_error);
	json_uint(&o, "as_requests", k->as_requests);
	json_uint(&o, "tgs_requests", k->tgs_requests);
	json_uint(&o, "kdc_replies", k->replies);
	json_uint(&o, "tickets_issued", k->tickets_issued);
	json_end(&o);
	sb_free(&ip);
}

/* What the client's NTLMSSP blob said: names and whether it was anonymous. */
static void json_sent(struct json *j, const struct diagnosis *d)
{
	const struct sent_evidence *s = &d->ev.sent;
	struct json o;

	if (!s->seen)
		return;
	sb_puts(j->sb, j->fields++ ? ",\"sent\":" : "\"sent\":");
	json_begin(&o, j->sb);
	json_str(&o, "mechanism", "NTLMSSP");
	json_strn(&o, "user", s->user, sizeof(s->user));
	json_strn(&o, "domain", s->domain, sizeof(s->domain));
	json_strn(&o, "workstation", s->workstation, sizeof(s->workstation));
	json_bool(&o, "anonymous", s->anonymous);
	json_bool(&o, "guest_session", s->guest_session);
	json_end(&o);
}

static void json_evidence(struct json *j, const struct diagnosis *d, int64_t offset_ns)
{
	const struct evidence *ev = &d->ev;
	struct json e;

	sb_puts(j->sb, j->fields++ ? ",\"evidence\":" : "\"evidence\":");
	json_begin(&e, j->sb);
	json_uint(&e, "elapsed_ms", ev->elapsed_ns / 1000000);
	json_uint(&e, "connect_us", ev->connect_ns / 1000);
	json_bool(&e, "tcp_seen", ev->tcp_seen);
	json_uint(&e, "tcp_retransmits", ev->tcp_retransmits);
	json_uint(&e, "syn_retransmits", ev->syn_retransmits);
	json_bool(&e, "syn_answered", ev->syn_answered);
	json_str(&e, "reset_by", reset_side_name(ev->reset));
	json_bool(&e, "status_seen", ev->status_seen);
	json_uint(&e, "reconnects", ev->reconnects);
	json_uint(&e, "signature_failures", ev->signature_failures);
	if (d->phase == PHASE_TREE_CONNECT)
		json_bool(&e, "ipc_denied",
			  ev->ipc_denied || (d->ipc && d->nt_status == NT_STATUS_ACCESS_DENIED));
	if (ev->spnego_seen)
		json_int(&e, "kerberos_upcall_rc", ev->spnego_rc);
	if (ev->session_refused)
		json_uint(&e, "session_refused_code", ev->refusal_code);
	if (client_signing_name(d->flags)[0]) {
		json_str(&e, "client_signing", client_signing_name(d->flags));
		json_str(&e, "server_signing", server_signing_name(d->flags));
	}
	json_uint(&e, "kdc_resets", ev->kdc_resets);
	json_uint(&e, "kdc_retransmits", ev->kdc_retransmits);
	json_str(&e, "lacked", ev->lacked);
	json_krb(&e, d, offset_ns);
	json_sent(&e, d);
	json_end(&e);
}

void diagnosis_to_json(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns)
{
	const struct cause_info *ci = cause_info(d->cause);
	const char *sname = ntstatus_name(d->nt_status);
	struct strbuf tmp;
	struct json j;
	char ebuf[16];

	sb_init(&tmp);
	json_begin(&j, sb);
	json_str(&j, "record", "diagnosis");
	format_wallclock(&tmp, d->ts_ns, offset_ns, 1);
	json_str(&j, "time", sb_str(&tmp));
	json_uint(&j, "ts_ns", d->ts_ns);
	json_str(&j, "cause", ci->id);
	json_str(&j, "phase", phase_name(d->phase));
	json_str(&j, "severity", priority_name(diagnosis_priority(d)));
	sb_reset(&tmp);
	describe_message(&tmp, d, offset_ns);
	json_str(&j, "message", sb_str(&tmp));
	json_strn(&j, "server", d->server, sizeof(d->server));
	sb_reset(&tmp);
	if (d->server_addr.family)
		format_ip(&tmp, &d->server_addr);
	json_str(&j, "server_addr", sb_str(&tmp));
	json_uint(&j, "server_port", d->server_addr.port);
	json_strn(&j, "share", d->unc, sizeof(d->unc));
	json_strn(&j, "user", d->user, sizeof(d->user));
	json_strn(&j, "domain", d->domain, sizeof(d->domain));
	json_hex(&j, "nt_status", d->nt_status, 8);
	json_str(&j, "nt_status_name", sname ? sname : "");
	json_int(&j, "errno", d->rc < 0 ? -(long long)d->rc : d->rc);
	json_str(&j, "errno_name", errno_name(d->rc, ebuf, sizeof(ebuf)));
	json_str(&j, "dialect", dialect_name(d->dialect));
	json_str(&j, "auth", sectype_name(d->sectype));
	json_bool(&j, "ipc", d->ipc);
	json_uint(&j, "count", d->count);
	json_bool(&j, "repeat", d->repeat);
	json_uint(&j, "pid", d->pid);
	json_strn(&j, "comm", d->comm, sizeof(d->comm));
	json_evidence(&j, d, offset_ns);
	json_str(&j, "hint", ci->hint);
	json_str(&j, "message_id", ci->message_id);
	json_end(&j);
	sb_free(&tmp);
}

void output_diagnosis(struct output *o, const struct diagnosis *d)
{
	if (o->metrics)
		metrics_count(o->metrics, d);
	if (o->format == FORMAT_JOURNAL) {
		int r = journal_diagnosis(d, o->realtime_offset_ns);

		if (r < 0) {
			o->write_errors++;
			o->last_errno = -r;
		}
		return;
	}
	if (o->format == FORMAT_TEXT)
		text_diagnosis(o, d);
	else
		diagnosis_to_json(&o->line, d, o->realtime_offset_ns);
	emit_line(o);
}

void output_free(struct output *o)
{
	sb_free(&o->line);
}
