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

int journal_diagnosis(const struct diagnosis *d)
{
	const struct cause_info *ci = cause_info(d->cause);
	const char *sname = ntstatus_name(d->nt_status);
	char addr[64], ebuf[16];
	struct strbuf msg;
	int prio = d->ipc ? 5 : ci->priority, r;

	sb_init(&msg);
	describe_message(&msg, d);
	addr_text(addr, sizeof(addr), &d->server_addr);
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
			    "SMB_ERRNO=%d", d->rc < 0 ? -d->rc : d->rc,
			    "SMB_ERRNO_NAME=%s", errno_name(d->rc, ebuf, sizeof(ebuf)),
			    "SMB_IPC=%d", d->ipc, "SMB_COUNT=%u", d->count,
			    "SMB_ELAPSED_MS=%llu", (unsigned long long)(d->ev.elapsed_ns / 1000000),
			    "SMB_TCP_RETRANSMITS=%u", d->ev.tcp_retransmits,
			    "SMB_SYN_ANSWERED=%d", d->ev.syn_answered,
			    "SMB_RESET_BY=%s", reset_side_name(d->ev.reset),
			    "SMB_RECONNECTS=%u", d->ev.reconnects,
			    "SMB_CLIENT_SIGNING=%s", client_signing_name(d->flags),
			    "SMB_SERVER_SIGNING=%s", server_signing_name(d->flags),
			    "SMB_SESSION_REFUSED_CODE=%u", d->ev.refusal_code,
			    "SMB_LACKED=%s", d->ev.lacked,
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
