// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "describe.h"
#include "event_format.h"
#include "journal.h"
#include "krb_error.h"
#include "ntstatus.h"
#include "sd_proto.h"
#include "strbuf.h"

bool journal_is_stderr(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void addr_text(char *buf, size_t n, const struct smbw_addr *a)
{
	struct strbuf sb;

	sb_init(&sb);
	if (a->family)
		format_addr(&sb, a);
	snprintf(buf, n, "%s", sb_str(&sb));
	sb_free(&sb);
}

/* Kerberos fields, empty where the failure had no Kerberos evidence (journald keeps them apart). */
struct krb_fields {
	char upcall[16], upcall_exit[16], error[16], error_name[40], source[8], kdc[64];
	char transport[8], failure[16], tickets[16], skew[24];
};

static void krb_fields(struct krb_fields *f, const struct diagnosis *d, int64_t offset_ns)
{
	const struct krb_evidence *k = &d->ev.krb;
	char nbuf[24];
	int64_t skew;

	memset(f, 0, sizeof(*f));
	if (!k->seen)
		return;
	snprintf(f->upcall, sizeof(f->upcall), "%s", upcall_state_name(k->upcall));
	if (k->upcall_exit >= 0 && !(k->upcall_exit & 0x7f))
		snprintf(f->upcall_exit, sizeof(f->upcall_exit), "%d", k->upcall_exit >> 8);
	if (k->error >= 0) {
		snprintf(f->error, sizeof(f->error), "%d", k->error);
		snprintf(f->error_name, sizeof(f->error_name), "%s",
			 krb_error_name(k->error, nbuf, sizeof(nbuf)));
		snprintf(f->source, sizeof(f->source), "%s", krb_source_name(k->source));
	}
	addr_text(f->kdc, sizeof(f->kdc), &k->kdc);
	if (k->kdc.family)
		snprintf(f->transport, sizeof(f->transport), "%s", ip_proto_name(k->transport));
	snprintf(f->failure, sizeof(f->failure), "%s", kdc_failure_name(k->failure));
	snprintf(f->tickets, sizeof(f->tickets), "%u", k->tickets_issued);
	if (krb_skew(d, offset_ns, &skew))
		snprintf(f->skew, sizeof(f->skew), "%lld", (long long)skew);
}

/*
 * Where the entry was made, first, as libsystemd's sd_journal_send() macro recorded it:
 * the entries keep the fields they had.
 */
#define entry_begin(e)                                          \
	do {                                                    \
		sdp_entry_init(e);                              \
		sdp_entry_add(e, "CODE_FILE", __FILE__);        \
		sdp_entry_addf(e, "CODE_LINE", "%d", __LINE__); \
		sdp_entry_add(e, "CODE_FUNC", __func__);        \
	} while (0)

static int entry_send(struct sdp_entry *e)
{
	int r = sdp_journal_send(e);

	sdp_entry_free(e);
	return r;
}

static void smb_fields(struct sdp_entry *e, const struct diagnosis *d)
{
	const char *sname = ntstatus_name(d->nt_status);
	char addr[64], ebuf[16];

	addr_text(addr, sizeof(addr), &d->server_addr);
	sdp_entry_addf(e, "SMB_SERVER", "%.*s", (int)sizeof(d->server), d->server);
	sdp_entry_add(e, "SMB_SERVER_ADDR", addr);
	sdp_entry_addf(e, "SMB_SHARE", "%.*s", (int)sizeof(d->unc), d->unc);
	sdp_entry_addf(e, "SMB_USER", "%.*s", (int)sizeof(d->user), d->user);
	sdp_entry_addf(e, "SMB_DOMAIN", "%.*s", (int)sizeof(d->domain), d->domain);
	sdp_entry_add(e, "SMB_DIALECT", dialect_name(d->dialect));
	sdp_entry_add(e, "SMB_AUTH", sectype_name(d->sectype));
	sdp_entry_addf(e, "NT_STATUS", "0x%08x", d->nt_status);
	sdp_entry_add(e, "NT_STATUS_NAME", sname ? sname : "");
	sdp_entry_addf(e, "SMB_ERRNO", "%lld", d->rc < 0 ? -(long long)d->rc : (long long)d->rc);
	sdp_entry_add(e, "SMB_ERRNO_NAME", errno_name(d->rc, ebuf, sizeof(ebuf)));
	sdp_entry_addf(e, "SMB_IPC", "%d", d->ipc);
	sdp_entry_addf(e, "SMB_COUNT", "%u", d->count);
}

static void evidence_fields(struct sdp_entry *e, const struct diagnosis *d)
{
	sdp_entry_addf(e, "SMB_ELAPSED_MS", "%llu",
		       (unsigned long long)(d->ev.elapsed_ns / 1000000));
	sdp_entry_addf(e, "SMB_TCP_RETRANSMITS", "%u", d->ev.tcp_retransmits);
	sdp_entry_addf(e, "SMB_SYN_ANSWERED", "%d", d->ev.syn_answered);
	sdp_entry_add(e, "SMB_RESET_BY", reset_side_name(d->ev.reset));
	sdp_entry_addf(e, "SMB_RECONNECTS", "%u", d->ev.reconnects);
	sdp_entry_addf(e, "SMB_SIGNATURE_FAILURES", "%u", d->ev.signature_failures);
	sdp_entry_add(e, "SMB_CLIENT_SIGNING", client_signing_name(d->flags));
	sdp_entry_add(e, "SMB_SERVER_SIGNING", server_signing_name(d->flags));
	sdp_entry_addf(e, "SMB_SESSION_REFUSED_CODE", "%u", d->ev.refusal_code);
	sdp_entry_add(e, "SMB_LACKED", d->ev.lacked);
}

static void krb_entry_fields(struct sdp_entry *e, const struct diagnosis *d, int64_t offset_ns)
{
	struct krb_fields kf;

	krb_fields(&kf, d, offset_ns);
	sdp_entry_add(e, "SMB_KRB_UPCALL", kf.upcall);
	sdp_entry_add(e, "SMB_KRB_UPCALL_EXIT", kf.upcall_exit);
	sdp_entry_add(e, "SMB_KRB_ERROR", kf.error);
	sdp_entry_add(e, "SMB_KRB_ERROR_NAME", kf.error_name);
	sdp_entry_add(e, "SMB_KRB_ERROR_SOURCE", kf.source);
	sdp_entry_add(e, "SMB_KRB_PRINCIPAL", d->ev.krb.principal);
	sdp_entry_add(e, "SMB_KRB_REALM", d->ev.krb.realm);
	sdp_entry_add(e, "SMB_KRB_E_TEXT", d->ev.krb.e_text);
	sdp_entry_add(e, "SMB_KRB_KDC_ADDR", kf.kdc);
	sdp_entry_add(e, "SMB_KRB_TRANSPORT", kf.transport);
	sdp_entry_add(e, "SMB_KRB_KDC_FAILURE", kf.failure);
	sdp_entry_add(e, "SMB_KRB_TICKETS_ISSUED", kf.tickets);
	sdp_entry_add(e, "SMB_KRB_SKEW_S", kf.skew);
}

static void sent_fields(struct sdp_entry *e, const struct diagnosis *d)
{
	const struct sent_evidence *s = &d->ev.sent;

	sdp_entry_add(e, "SMB_SENT_USER", s->user);
	sdp_entry_add(e, "SMB_SENT_DOMAIN", s->domain);
	sdp_entry_add(e, "SMB_SENT_WORKSTATION", s->workstation);
	sdp_entry_add(e, "SMB_SENT_ANONYMOUS", s->seen ? (s->anonymous ? "1" : "0") : "");
}

int journal_diagnosis(const struct diagnosis *d, int64_t offset_ns)
{
	const struct cause_info *ci = cause_info(d->cause);
	struct sdp_entry e;
	struct strbuf msg;

	sb_init(&msg);
	describe_message(&msg, d, offset_ns);
	entry_begin(&e);
	sdp_entry_add(&e, "MESSAGE", sb_str(&msg));
	sdp_entry_addf(&e, "PRIORITY", "%d", d->ipc ? 5 : ci->priority);
	sdp_entry_add(&e, "MESSAGE_ID", ci->message_id);
	sdp_entry_add(&e, "SYSLOG_IDENTIFIER", "smbwatch");
	sdp_entry_add(&e, "SMB_CAUSE", ci->id);
	sdp_entry_add(&e, "SMB_PHASE", phase_name(d->phase));
	smb_fields(&e, d);
	evidence_fields(&e, d);
	krb_entry_fields(&e, d, offset_ns);
	sent_fields(&e, d);
	sdp_entry_addf(&e, "SMB_PID", "%u", d->pid);
	sdp_entry_addf(&e, "SMB_COMM", "%.*s", (int)sizeof(d->comm), d->comm);
	sdp_entry_add(&e, "SMB_HINT", ci->hint);
	sb_free(&msg);
	return entry_send(&e);
}

int journal_event(const struct smbw_event *ev, const char *text)
{
	struct sdp_entry e;

	entry_begin(&e);
	sdp_entry_add(&e, "MESSAGE", text);
	sdp_entry_add(&e, "PRIORITY", "7");
	sdp_entry_add(&e, "SYSLOG_IDENTIFIER", "smbwatch");
	sdp_entry_add(&e, "SMB_EVENT", event_type_name(ev->type));
	return entry_send(&e);
}

int journal_startup(const char *message)
{
	struct sdp_entry e;

	entry_begin(&e);
	sdp_entry_add(&e, "MESSAGE", message);
	sdp_entry_add(&e, "PRIORITY", "6");
	sdp_entry_add(&e, "MESSAGE_ID", SMBW_STARTUP_MESSAGE_ID);
	sdp_entry_add(&e, "SYSLOG_IDENTIFIER", "smbwatch");
	return entry_send(&e);
}

void service_notify_ready(void)
{
	sdp_notify("READY=1");
}

void service_notify_status(const char *status)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "STATUS=%s", status);
	sdp_notify(sb_str(&sb));
	sb_free(&sb);
}

unsigned long long service_watchdog_ns(void)
{
	uint64_t usec;

	if (sdp_watchdog_usec(&usec) <= 0)
		return 0;
	/* Saturated: an interval of centuries is as good as none. */
	return usec > ULLONG_MAX / 1000 ? ULLONG_MAX : (unsigned long long)usec * 1000ull;
}

void service_watchdog_ping(void)
{
	sdp_notify("WATCHDOG=1");
}
