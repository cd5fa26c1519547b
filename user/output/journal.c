// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "describe.h"
#include "event_format.h"
#include "journal.h"
#include "krb_error.h"
#include "ntstatus.h"
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

int journal_diagnosis(const struct diagnosis *d, int64_t offset_ns)
{
	const struct cause_info *ci = cause_info(d->cause);
	const char *sname = ntstatus_name(d->nt_status);
	char addr[64], ebuf[16];
	struct krb_fields kf;
	struct strbuf msg;
	int prio = d->ipc ? 5 : ci->priority, r;

	sb_init(&msg);
	describe_message(&msg, d, offset_ns);
	addr_text(addr, sizeof(addr), &d->server_addr);
	krb_fields(&kf, d, offset_ns);
	r = sd_journal_send("MESSAGE=%s", sb_str(&msg), "PRIORITY=%d", prio,
			    "MESSAGE_ID=%s", ci->message_id, "SYSLOG_IDENTIFIER=smbwatch",
			    "SMB_CAUSE=%s", ci->id, "SMB_PHASE=%s", phase_name(d->phase),
			    "SMB_SERVER=%.*s", (int)sizeof(d->server), d->server,
			    "SMB_SERVER_ADDR=%s", addr,
			    "SMB_SHARE=%.*s", (int)sizeof(d->unc), d->unc,
			    "SMB_USER=%.*s", (int)sizeof(d->user), d->user,
			    "SMB_DOMAIN=%.*s", (int)sizeof(d->domain), d->domain,
			    "SMB_DIALECT=%s", dialect_name(d->dialect),
			    "SMB_AUTH=%s", sectype_name(d->sectype),
			    "NT_STATUS=0x%08x", d->nt_status,
			    "NT_STATUS_NAME=%s", sname ? sname : "",
			    "SMB_ERRNO=%lld", d->rc < 0 ? -(long long)d->rc : (long long)d->rc,
			    "SMB_ERRNO_NAME=%s", errno_name(d->rc, ebuf, sizeof(ebuf)),
			    "SMB_IPC=%d", d->ipc, "SMB_COUNT=%u", d->count,
			    "SMB_ELAPSED_MS=%llu", (unsigned long long)(d->ev.elapsed_ns / 1000000),
			    "SMB_TCP_RETRANSMITS=%u", d->ev.tcp_retransmits,
			    "SMB_SYN_ANSWERED=%d", d->ev.syn_answered,
			    "SMB_RESET_BY=%s", reset_side_name(d->ev.reset),
			    "SMB_RECONNECTS=%u", d->ev.reconnects,
			    "SMB_SIGNATURE_FAILURES=%u", d->ev.signature_failures,
			    "SMB_CLIENT_SIGNING=%s", client_signing_name(d->flags),
			    "SMB_SERVER_SIGNING=%s", server_signing_name(d->flags),
			    "SMB_SESSION_REFUSED_CODE=%u", d->ev.refusal_code,
			    "SMB_LACKED=%s", d->ev.lacked,
			    "SMB_KRB_UPCALL=%s", kf.upcall, "SMB_KRB_UPCALL_EXIT=%s", kf.upcall_exit,
			    "SMB_KRB_ERROR=%s", kf.error, "SMB_KRB_ERROR_NAME=%s", kf.error_name,
			    "SMB_KRB_ERROR_SOURCE=%s", kf.source,
			    "SMB_KRB_PRINCIPAL=%s", d->ev.krb.principal,
			    "SMB_KRB_REALM=%s", d->ev.krb.realm, "SMB_KRB_E_TEXT=%s", d->ev.krb.e_text,
			    "SMB_KRB_KDC_ADDR=%s", kf.kdc, "SMB_KRB_TRANSPORT=%s", kf.transport,
			    "SMB_KRB_KDC_FAILURE=%s", kf.failure,
			    "SMB_KRB_TICKETS_ISSUED=%s", kf.tickets, "SMB_KRB_SKEW_S=%s", kf.skew,
			    "SMB_SENT_USER=%s", d->ev.sent.user, "SMB_SENT_DOMAIN=%s", d->ev.sent.domain,
			    "SMB_SENT_WORKSTATION=%s", d->ev.sent.workstation,
			    "SMB_SENT_ANONYMOUS=%s", d->ev.sent.seen ? (d->ev.sent.anonymous ? "1" : "0") : "",
			    "SMB_PID=%u", d->pid, "SMB_COMM=%.*s", (int)sizeof(d->comm), d->comm,
			    "SMB_HINT=%s", ci->hint, NULL);
	sb_free(&msg);
	return r;
}

int journal_event(const struct smbw_event *e, const char *text)
{
	return sd_journal_send("MESSAGE=%s", text, "PRIORITY=7", "SYSLOG_IDENTIFIER=smbwatch",
			       "SMB_EVENT=%s", event_type_name(e->type), NULL);
}

int journal_startup(const char *message)
{
	return sd_journal_send("MESSAGE=%s", message, "PRIORITY=6",
			       "MESSAGE_ID=%s", SMBW_STARTUP_MESSAGE_ID,
			       "SYSLOG_IDENTIFIER=smbwatch", NULL);
}

void service_notify_ready(void)
{
	sd_notify(0, "READY=1");
}

void service_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

unsigned long long service_watchdog_ns(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? (unsigned long long)usec * 1000ull : 0;
}

void service_watchdog_ping(void)
{
	sd_notify(0, "WATCHDOG=1");
}
