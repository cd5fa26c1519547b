// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "event_format.h"
#include "krb_error.h"
#include "ntstatus.h"
#include "textesc.h"

/* A name from the kernel or the wire, quoted and inert (textesc.h: no control, C1 or bad byte). */
static void quoted(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '\'');
	text_escape(sb, s, strlen(s));
	sb_putc(sb, '\'');
}

static void server_part(struct strbuf *sb, const struct diagnosis *d)
{
	if (d->server[0]) {
		sb_puts(sb, " ");
		quoted(sb, d->server);
	}
	if (d->server_addr.family) {
		sb_puts(sb, d->server[0] ? " (" : " ");
		format_addr(sb, &d->server_addr);
		if (d->server[0])
			sb_putc(sb, ')');
	}
}

static void subject(struct strbuf *sb, const struct diagnosis *d)
{
	switch (d->phase) {
	case PHASE_CONNECT:
		sb_puts(sb, "TCP connect to");
		server_part(sb, d);
		break;
	case PHASE_NEGOTIATE:
		sb_puts(sb, "SMB negotiate with");
		server_part(sb, d);
		break;
	case PHASE_SESSION_SETUP:
		sb_puts(sb, "session setup");
		if (d->user[0]) {
			sb_puts(sb, " as ");
			if (d->domain[0]) {
				quoted(sb, d->domain);
				sb_puts(sb, "\\");
			}
			quoted(sb, d->user);
		}
		sb_puts(sb, " on");
		server_part(sb, d);
		break;
	case PHASE_TREE_CONNECT:
		sb_puts(sb, "tree connect to ");
		quoted(sb, d->unc[0] ? d->unc : "?");
		if (d->user[0]) {
			sb_puts(sb, " as ");
			quoted(sb, d->user);
		}
		break;
	default:
		sb_puts(sb, d->cause == CAUSE_RECONNECT ? "SMB connection to" : "SMB session on");
		server_part(sb, d);
		break;
	}
}

bool krb_skew(const struct diagnosis *d, int64_t offset_ns, int64_t *skew_s)
{
	int64_t here = ((int64_t)d->ts_ns + offset_ns) / 1000000000;

	if (!d->ev.krb.seen || !d->ev.krb.stime)
		return false;
	*skew_s = d->ev.krb.stime - here;
	return true;
}

/* The server's KRB-ERROR time is within a minute of this host's clock at the failure. */
static bool server_clock_agrees(const struct diagnosis *d, int64_t offset_ns)
{
	int64_t skew;

	return krb_skew(d, offset_ns, &skew) && skew > -60 && skew < 60;
}

/* What the Kerberos evidence adds to the one-line message. */
static void krb_detail(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns)
{
	const struct krb_evidence *k = &d->ev.krb;
	char nbuf[24];

	if (!k->seen)
		return;
	if (k->error >= 0 && !krb_error_is_routine(k->error)) {
		sb_printf(sb, "; the %s answered %s (%d)",
			  k->source == KRB_FROM_SERVER ? "server" : "KDC",
			  krb_error_name(k->error, nbuf, sizeof(nbuf)), k->error);
		if (k->principal[0] && k->source == KRB_FROM_KDC) {
			sb_puts(sb, " for ");
			quoted(sb, k->principal);
		}
		if (d->cause == CAUSE_KERBEROS_CLOCK_SKEW && k->source == KRB_FROM_SERVER &&
		    server_clock_agrees(d, offset_ns))
			sb_puts(sb,
				" (the server's clock agrees with this host's: check the KDC's)");
	} else if (k->failure != KDC_ANSWERED) {
		sb_puts(sb, "; KDC ");
		if (k->kdc.family)
			format_addr(sb, &k->kdc);
		sb_printf(sb, " %s (%s)", kdc_failure_name(k->failure),
			  ip_proto_name(k->transport));
	} else if (k->upcall == UPCALL_NOT_RUN) {
		sb_puts(sb, "; the kernel ran no request-key for the upcall");
	} else if (k->upcall == UPCALL_NO_RULE) {
		sb_puts(sb, "; request-key ran but started no cifs.upcall");
	} else if (d->cause == CAUSE_KERBEROS_NO_TICKET) {
		sb_puts(sb, "; cifs.upcall asked for no service ticket");
	} else if (d->cause == CAUSE_KERBEROS_SERVER_REJECTED) {
		sb_printf(sb, "; the KDC issued %u service ticket%s", k->tickets_issued,
			  k->tickets_issued == 1 ? "" : "s");
	}
}

/* Bad signatures on a mount that stands: cifs logs them and uses the answers. */
static void bad_signatures(struct strbuf *sb, const struct diagnosis *d)
{
	char ebuf[16];
	uint32_t n = d->ev.signature_failures;

	sb_printf(sb, ": %u answer%s failed signature verification", n, n == 1 ? "" : "s");
	if (d->rc)
		sb_printf(sb, " (%s (%d))", errno_name(d->rc, ebuf, sizeof(ebuf)), d->rc);
	sb_puts(sb, "; cifs used them anyway: the mount stands, its answers unauthenticated");
}

/* Why a refused tree connect is a signing failure. */
static void signing_detail(struct strbuf *sb, const struct diagnosis *d)
{
	if (d->phase != PHASE_TREE_CONNECT)
		return;
	if (d->ev.signature_failures)
		sb_printf(sb, "; %u answer%s failed signature verification", d->ev.signature_failures,
			  d->ev.signature_failures == 1 ? "" : "s");
	else if (d->ipc)
		sb_puts(sb, "; a signed session refused IPC$: the server does not accept this "
			    "client's signatures");
	else if (d->ev.ipc_denied)
		sb_puts(sb, "; IPC$ was refused too: the server does not accept this client's "
			    "signatures");
}

void describe_message(struct strbuf *sb, const struct diagnosis *d, int64_t offset_ns)
{
	const char *status = ntstatus_name(d->nt_status);
	char ebuf[16];

	sb_printf(sb, "%s: ", cause_info(d->cause)->id);
	subject(sb, d);
	if (d->cause == CAUSE_SIGNING_FAILURE && d->phase == PHASE_ANY && d->ev.signature_failures) {
		bad_signatures(sb, d);
		if (d->repeat)
			sb_printf(sb, " [%u more time%s]", d->count, d->count == 1 ? "" : "s");
		return;
	}
	if (d->cause == CAUSE_RECONNECT)
		sb_puts(sb, " was reconnected");
	else if (d->cause == CAUSE_SESSION_EXPIRED)
		sb_puts(sb, " expired");
	else
		sb_puts(sb, " failed");
	if (d->nt_status || d->rc)
		sb_puts(sb, ":");
	if (d->nt_status) {
		if (status)
			sb_printf(sb, " %s (0x%08x)", status, d->nt_status);
		else
			sb_printf(sb, " NT status 0x%08x", d->nt_status);
	}
	if (d->rc)
		sb_printf(sb, "%s %s (%d)", d->nt_status ? "," : "",
			  errno_name(d->rc, ebuf, sizeof(ebuf)), d->rc);
	krb_detail(sb, d, offset_ns);
	if (d->cause == CAUSE_SIGNING_FAILURE)
		signing_detail(sb, d);
	if (d->ipc)
		sb_puts(sb, " [IPC$: does not fail the mount]");
	if (d->repeat)
		sb_printf(sb, " [%u more time%s]", d->count, d->count == 1 ? "" : "s");
}
