// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "event_format.h"
#include "ntstatus.h"

static void quoted(struct strbuf *sb, const char *s)
{
	sb_putc(sb, '\'');
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			sb_printf(sb, "\\x%02x", (unsigned char)*s);
		else
			sb_putc(sb, *s);
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

void describe_message(struct strbuf *sb, const struct diagnosis *d)
{
	const char *status = ntstatus_name(d->nt_status);
	char ebuf[16];

	sb_printf(sb, "%s: ", cause_info(d->cause)->id);
	subject(sb, d);
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
		sb_printf(sb, "%s %s (%d)", d->nt_status ? "," : "", errno_name(d->rc, ebuf, sizeof(ebuf)),
			  d->rc);
	if (d->ipc)
		sb_puts(sb, " [IPC$: does not fail the mount]");
	if (d->repeat)
		sb_printf(sb, " [%u more time%s]", d->count, d->count == 1 ? "" : "s");
}
