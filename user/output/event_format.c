// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event_format.h"
#include "json.h"
#include "krb_error.h"
#include "textesc.h"
#include "utf16.h"

void format_ip(struct strbuf *sb, const struct smbw_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family == 2 && inet_ntop(AF_INET, a->addr, buf, sizeof(buf)))
		sb_puts(sb, buf);
	else if (a->family == 10 && inet_ntop(AF_INET6, a->addr, buf, sizeof(buf)))
		sb_puts(sb, buf);
	else
		sb_putc(sb, '-');
}

void format_addr(struct strbuf *sb, const struct smbw_addr *a)
{
	if (a->family == 10)
		sb_putc(sb, '[');
	format_ip(sb, a);
	if (a->family == 10)
		sb_putc(sb, ']');
	if (a->family && a->port)
		sb_printf(sb, ":%u", a->port);
}

void format_wallclock(struct strbuf *sb, uint64_t ts_ns, int64_t offset_ns, int iso)
{
	int64_t real = (int64_t)ts_ns + offset_ns;
	time_t secs = (time_t)(real / 1000000000);
	long usec = (long)((real % 1000000000) / 1000);
	struct tm tm;
	char buf[32];

	if (iso) {
		gmtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		sb_printf(sb, "%s.%06ldZ", buf, usec);
	} else {
		localtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		sb_printf(sb, "%s.%06ld", buf, usec);
	}
}

static bool is_tcp(const struct smbw_event *e)
{
	return e->type >= EV_TCP_STATE_CHANGE && e->type <= EV_TCP_RESET_RECEIVED;
}

static void json_addr(struct json *j, const char *ipkey, const char *portkey,
		      const struct smbw_addr *a)
{
	struct strbuf ip;

	sb_init(&ip);
	format_ip(&ip, a);
	json_str(j, ipkey, sb_str(&ip));
	json_uint(j, portkey, a->port);
	sb_free(&ip);
}

static void json_tcp_fields(struct json *j, const struct smbw_event *e)
{
	json_addr(j, "local_addr", "local_port", &e->local);
	json_addr(j, "remote_addr", "remote_port", &e->remote);
	if (e->type == EV_TCP_STATE_CHANGE)
		json_str(j, "old_state", tcp_state_name(e->old_state));
	if (e->new_state)
		json_str(j, "state", tcp_state_name(e->new_state));
	if (e->type == EV_TCP_RESET_SENT) {
		json_bool(j, "no_socket", e->flags & SMBW_F_NO_SOCK);
		json_uint(j, "reason", e->reason);
	}
}

/* Signing as each side had it: names only where the server's answer was read. */
static void json_negotiate_fields(struct json *j, const struct smbw_event *e)
{
	json_bool(j, "sign_wanted", e->flags & SMBW_F_SIGN_WANTED);
	if (!(e->flags & SMBW_F_SECMODE_KNOWN))
		return;
	json_str(j, "client_signing", client_signing_name(e->flags));
	json_str(j, "server_signing", server_signing_name(e->flags));
	json_bool(j, "sign_refused", e->flags & SMBW_F_SIGN_REFUSED);
}

static void json_smb_fields(struct json *j, const struct smbw_event *e)
{
	json_hex(j, "server", e->server, 0);
	if (e->conn_id)
		json_uint(j, "conn_id", e->conn_id);
	if (e->remote.family)
		json_addr(j, "server_addr", "server_port", &e->remote);
	json_int(j, "rc", e->rc);
	if (e->nt_status)
		json_hex(j, "nt_status", e->nt_status, 8);
	if (e->type == EV_SMB_COMMAND_FAILED)
		json_str(j, "command", smb2_command_name(e->command));
	if (e->session_id)
		json_hex(j, "session_id", e->session_id, 0);
	if (e->tree_id)
		json_hex(j, "tree_id", e->tree_id, 0);
	if (e->dialect)
		json_str(j, "dialect", dialect_name(e->dialect));
	if (e->type == EV_SMB_SESSION_SETUP_DONE) {
		json_hex(j, "session_flags", e->session_flags, 0);
		json_uint(j, "sectype", e->sectype);
	}
	if (e->type == EV_SMB_TREE_CONNECT_DONE) {
		json_hex(j, "share_flags", e->share_flags, 0);
		json_bool(j, "seal", e->flags & SMBW_F_SEAL);
	}
	if (e->flags & SMBW_F_SMB1)
		json_bool(j, "smb1", true);
	if (e->type == EV_SMB_NEGOTIATE_DONE)
		json_negotiate_fields(j, e);
	if (e->type == EV_SMB_SERVER_RELEASED)
		json_bool(j, "from_reconnect", e->reason);
	if (e->type == EV_SMB_SESSION_REFUSED && e->reason) {
		json_hex(j, "refusal_code", e->reason, 2);
		json_str(j, "refusal", nbss_refusal_name((uint8_t)e->reason));
	}
	if (e->host[0])
		json_strn(j, "host", e->host, sizeof(e->host));
	if (e->user[0])
		json_strn(j, "user", e->user, sizeof(e->user));
	if (e->domain[0])
		json_strn(j, "domain", e->domain, sizeof(e->domain));
	if (e->unc[0])
		json_strn(j, "unc", e->unc, sizeof(e->unc));
}

static bool is_krb(const struct smbw_event *e)
{
	return e->type == EV_KRB_MESSAGE || e->type == EV_KRB_SOCK_ERROR ||
	       e->type == EV_PROC_EXEC || e->type == EV_PROC_EXIT;
}

/* A KRB-ERROR's decoded fields; its bytes never leave as such. */
static void json_krb_error(struct json *j, const struct smbw_event *e)
{
	struct krb_error_info ki;
	char nbuf[24];

	if (!e->krb_len)
		return;
	if (krb_error_decode(e->krb, e->krb_len, &ki)) {
		json_bool(j, "krb_error_undecodable", true);
		return;
	}
	json_int(j, "krb_error", ki.code);
	json_str(j, "krb_error_name", krb_error_name(ki.code, nbuf, sizeof(nbuf)));
	json_str(j, "principal", ki.server);
	json_str(j, "realm", ki.realm);
	if (ki.client[0])
		json_str(j, "client", ki.client);
	if (ki.e_text[0])
		json_str(j, "e_text", ki.e_text);
	json_int(j, "stime", ki.stime);
}

static void json_krb_fields(struct json *j, const struct smbw_event *e)
{
	if (e->type == EV_PROC_EXEC || e->type == EV_PROC_EXIT) {
		json_uint(j, "ppid", e->ppid);
		if (e->type == EV_PROC_EXIT)
			json_int(j, "exit_status", e->rc);
		return;
	}
	json_addr(j, "local_addr", "local_port", &e->local);
	json_addr(j, "kdc_addr", "kdc_port", &e->remote);
	json_str(j, "transport", ip_proto_name(e->ip_proto));
	json_uint(j, "cookie", e->cookie);
	if (e->type == EV_KRB_SOCK_ERROR) {
		json_int(j, "rc", e->rc);
		return;
	}
	json_str(j, "direction", e->flags & SMBW_F_INGRESS ? "from_kdc" : "to_kdc");
	json_str(j, "message", krb_message_name(e->krb_type));
	json_krb_error(j, e);
}

/* smb_auth_sent: the names as the blob had them (UTF-16LE), as UTF-8. */
struct sent_names {
	char user[SMBW_NAME_LEN], domain[SMBW_NAME_LEN], workstation[SMBW_NAME_LEN];
};

static void sent_names(const struct smbw_event *e, struct sent_names *n)
{
	utf16le_to_utf8(n->user, sizeof(n->user), (const uint8_t *)e->user, sizeof(e->user));
	utf16le_to_utf8(n->domain, sizeof(n->domain), (const uint8_t *)e->domain,
			sizeof(e->domain));
	utf16le_to_utf8(n->workstation, sizeof(n->workstation), (const uint8_t *)e->host,
			sizeof(e->host));
}

static void json_auth_sent(struct json *j, const struct smbw_event *e)
{
	struct sent_names n;

	sent_names(e, &n);
	json_hex(j, "server", e->server, 0);
	if (e->conn_id)
		json_uint(j, "conn_id", e->conn_id);
	json_int(j, "rc", e->rc);
	if (e->nt_status)
		json_hex(j, "nt_status", e->nt_status, 8);
	json_hex(j, "session_flags", e->session_flags, 0);
	json_str(j, "sent_user", n.user);
	json_str(j, "sent_domain", n.domain);
	json_str(j, "sent_workstation", n.workstation);
	json_bool(j, "anonymous", e->flags & SMBW_F_ANONYMOUS);
}

/* events_lost: the agent's own record of what the full ring buffer cost */
static void json_lost(struct json *j, const struct smbw_event *e)
{
	json_uint(j, "lost", e->conn_id);
	json_uint(j, "since_ts_ns", e->session_id);
}

void event_format_json(struct strbuf *sb, const struct smbw_event *e, int64_t offset_ns)
{
	struct strbuf t;
	struct json j;

	sb_init(&t);
	format_wallclock(&t, e->ts_ns, offset_ns, 1);
	json_begin(&j, sb);
	json_str(&j, "record", "event");
	json_str(&j, "time", sb_str(&t));
	json_uint(&j, "ts_ns", e->ts_ns);
	json_str(&j, "event", event_type_name(e->type));
	if (e->pid) {
		json_uint(&j, "pid", e->pid);
		json_strn(&j, "comm", e->comm, sizeof(e->comm));
	}
	if (e->sock)
		json_hex(&j, "sock", e->sock, 0);
	if (is_tcp(e))
		json_tcp_fields(&j, e);
	else if (is_krb(e))
		json_krb_fields(&j, e);
	else if (e->type == EV_SMB_AUTH_SENT)
		json_auth_sent(&j, e);
	else if (e->type == EV_EVENTS_LOST)
		json_lost(&j, e);
	else
		json_smb_fields(&j, e);
	if (e->type == EV_SMB_SESSION_KRB_ERROR)
		json_krb_error(&j, e);
	json_end(&j);
	sb_free(&t);
}

/*
 * Names from the kernel and the network may hold any byte: none reaches a
 * terminal or the journal raw (textesc.h: controls, C1 included, and bytes
 * that are not UTF-8 become \xNN), and none passes for another field: a name
 * with a space, '=' or '"' is quoted, its own quotes written \x22.
 */
static void text_name(struct strbuf *sb, const char *key, const char *s, size_t max)
{
	size_t n = strnlen(s, max), start = 0;

	if (!n)
		return;
	sb_printf(sb, " %s=", key);
	if (!memchr(s, ' ', n) && !memchr(s, '=', n) && !memchr(s, '"', n)) {
		text_escape(sb, s, n);
		return;
	}
	sb_putc(sb, '"');
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '"')
			continue;
		text_escape(sb, s + start, i - start);
		if (i < n)
			sb_puts(sb, "\\x22");
		start = i + 1;
	}
	sb_putc(sb, '"');
}

static void text_tcp(struct strbuf *sb, const struct smbw_event *e)
{
	sb_putc(sb, ' ');
	format_addr(sb, &e->local);
	sb_puts(sb, " -> ");
	format_addr(sb, &e->remote);
	if (e->type == EV_TCP_STATE_CHANGE)
		sb_printf(sb, " %s -> %s", tcp_state_name(e->old_state),
			  tcp_state_name(e->new_state));
	else if (e->new_state)
		sb_printf(sb, " state=%s", tcp_state_name(e->new_state));
	if (e->flags & SMBW_F_NO_SOCK)
		sb_puts(sb, " no-socket");
}

static void text_smb(struct strbuf *sb, const struct smbw_event *e)
{
	text_name(sb, "host", e->host, sizeof(e->host));
	if (e->remote.family) {
		sb_puts(sb, " addr=");
		format_addr(sb, &e->remote);
	}
	if (e->type == EV_SMB_COMMAND_FAILED)
		sb_printf(sb, " cmd=%s", smb2_command_name(e->command));
	if (e->nt_status)
		sb_printf(sb, " status=0x%08x", e->nt_status);
	sb_printf(sb, " rc=%d", e->rc);
	if (e->dialect)
		sb_printf(sb, " dialect=%s", dialect_name(e->dialect));
	text_name(sb, "user", e->user, sizeof(e->user));
	text_name(sb, "domain", e->domain, sizeof(e->domain));
	text_name(sb, "unc", e->unc, sizeof(e->unc));
	if (e->session_id)
		sb_printf(sb, " ses=0x%llx", (unsigned long long)e->session_id);
	if (e->tree_id)
		sb_printf(sb, " tid=0x%x", e->tree_id);
	if (e->type == EV_SMB_TREE_CONNECT_DONE)
		sb_printf(sb, " share_flags=0x%x seal=%d", e->share_flags,
			  !!(e->flags & SMBW_F_SEAL));
	if (e->flags & SMBW_F_SMB1)
		sb_puts(sb, " smb1");
	if (e->type == EV_SMB_NEGOTIATE_DONE && (e->flags & SMBW_F_SECMODE_KNOWN))
		sb_printf(sb, " signing=client:%s,server:%s%s", client_signing_name(e->flags),
			  server_signing_name(e->flags),
			  e->flags & SMBW_F_SIGN_REFUSED ? ",refused" : "");
	else if (e->type == EV_SMB_NEGOTIATE_DONE && (e->flags & SMBW_F_SIGN_WANTED))
		sb_puts(sb, " signing=client:wanted");
	if (e->type == EV_SMB_SERVER_RELEASED && e->reason)
		sb_puts(sb, " from_reconnect");
	if (e->type == EV_SMB_SESSION_REFUSED && e->reason)
		sb_printf(sb, " code=0x%02x (%s)", e->reason,
			  nbss_refusal_name((uint8_t)e->reason));
}

static void text_krb_error(struct strbuf *sb, const struct smbw_event *e)
{
	struct krb_error_info ki;
	char nbuf[24];

	if (!e->krb_len)
		return;
	if (krb_error_decode(e->krb, e->krb_len, &ki)) {
		sb_puts(sb, " undecodable");
		return;
	}
	sb_printf(sb, " %s(%d)", krb_error_name(ki.code, nbuf, sizeof(nbuf)), ki.code);
	text_name(sb, "principal", ki.server, sizeof(ki.server));
	text_name(sb, "e_text", ki.e_text, sizeof(ki.e_text));
}

static void text_auth_sent(struct strbuf *sb, const struct smbw_event *e)
{
	struct sent_names n;

	sent_names(e, &n);
	sb_printf(sb, " rc=%d", e->rc);
	if (e->nt_status)
		sb_printf(sb, " status=0x%08x", e->nt_status);
	text_name(sb, "user", n.user, sizeof(n.user));
	text_name(sb, "domain", n.domain, sizeof(n.domain));
	text_name(sb, "workstation", n.workstation, sizeof(n.workstation));
	if (e->flags & SMBW_F_ANONYMOUS)
		sb_puts(sb, " anonymous");
}

static void text_krb(struct strbuf *sb, const struct smbw_event *e)
{
	if (e->type == EV_PROC_EXEC || e->type == EV_PROC_EXIT) {
		sb_printf(sb, " ppid=%u", e->ppid);
		if (e->type == EV_PROC_EXIT && (e->rc & 0x7f))
			sb_printf(sb, " signal=%d", e->rc & 0x7f);
		else if (e->type == EV_PROC_EXIT)
			sb_printf(sb, " exit=%d", (e->rc >> 8) & 0xff);
		return;
	}
	sb_putc(sb, ' ');
	format_addr(sb, &e->local);
	sb_puts(sb, e->type == EV_KRB_MESSAGE && (e->flags & SMBW_F_INGRESS) ? " <- " : " -> ");
	format_addr(sb, &e->remote);
	sb_printf(sb, " %s", ip_proto_name(e->ip_proto));
	if (e->type == EV_KRB_SOCK_ERROR) {
		sb_printf(sb, " rc=%d", e->rc);
		return;
	}
	sb_printf(sb, " %s", krb_message_name(e->krb_type));
	text_krb_error(sb, e);
}

void event_format_text(struct strbuf *sb, const struct smbw_event *e, int64_t offset_ns)
{
	format_wallclock(sb, e->ts_ns, offset_ns, 0);
	sb_printf(sb, " %-22s", event_type_name(e->type));
	if (is_tcp(e))
		text_tcp(sb, e);
	else if (is_krb(e))
		text_krb(sb, e);
	else if (e->type == EV_SMB_AUTH_SENT)
		text_auth_sent(sb, e);
	else if (e->type == EV_EVENTS_LOST)
		sb_printf(sb, " %llu records lost (ring buffer full)",
			  (unsigned long long)e->conn_id);
	else
		text_smb(sb, e);
	if (e->type == EV_SMB_SESSION_KRB_ERROR)
		text_krb_error(sb, e);
	if (e->pid) {
		sb_printf(sb, " pid=%u", e->pid);
		text_name(sb, "comm", e->comm, sizeof(e->comm));
	}
}
