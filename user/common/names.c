// SPDX-License-Identifier: GPL-2.0
/*
 * Every name smbwatch gives a number: event types, TCP states, SMB2 commands,
 * dialects, phases, errno values, security types, NT statuses. One table per
 * kind, here and nowhere else, so that text, JSON and the journal agree.
 */
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

static const char *const type_names[EV_TYPE_MAX] = {
	[EV_TCP_STATE_CHANGE] = "tcp_state_change",
	[EV_TCP_RETRANSMIT] = "tcp_retransmit",
	[EV_TCP_RESET_SENT] = "tcp_reset_sent",
	[EV_TCP_RESET_RECEIVED] = "tcp_reset_received",
	[EV_SMB_CONNECT_DONE] = "smb_connect_done",
	[EV_SMB_CONNECT_FAILED] = "smb_connect_failed",
	[EV_SMB_SERVER_SOCKET] = "smb_server_socket",
	[EV_SMB_NEGOTIATE_DONE] = "smb_negotiate_done",
	[EV_SMB_SESSION_SETUP_DONE] = "smb_session_setup_done",
	[EV_SMB_TREE_CONNECT_DONE] = "smb_tree_connect_done",
	[EV_SMB_COMMAND_FAILED] = "smb_command_failed",
	[EV_SMB_TREE_CONNECT] = "smb_tree_connect",
	[EV_SMB_RECONNECT] = "smb_reconnect",
	[EV_SMB_SESSION_EXPIRED] = "smb_session_expired",
	[EV_SMB_KEY_EXPIRED] = "smb_key_expired",
	[EV_SMB_KERBEROS_AUTH] = "smb_kerberos_auth",
	[EV_SMB_EIO] = "smb_eio",
	[EV_SMB_SPNEGO_UPCALL_DONE] = "smb_spnego_upcall_done",
	[EV_SMB_SIGNATURE_BAD] = "smb_signature_bad",
	[EV_SMB_SERVER_RELEASED] = "smb_server_released",
	[EV_SMB_SESSION_REFUSED] = "smb_session_refused",
	[EV_KRB_MESSAGE] = "krb_message",
	[EV_KRB_SOCK_ERROR] = "krb_sock_error",
	[EV_PROC_EXEC] = "proc_exec",
	[EV_PROC_EXIT] = "proc_exit",
	[EV_SMB_SESSION_KRB_ERROR] = "smb_session_krb_error",
	[EV_SMB_AUTH_SENT] = "smb_auth_sent",
	[EV_EVENTS_LOST] = "events_lost",
};

/* A KDC exchange's messages by [APPLICATION n] tag (RFC 4120 5.10) */
const char *krb_message_name(uint8_t tag)
{
	switch (tag) {
	case 10:
		return "AS-REQ";
	case 11:
		return "AS-REP";
	case 12:
		return "TGS-REQ";
	case 13:
		return "TGS-REP";
	case 30:
		return "KRB-ERROR";
	default:
		return "unknown";
	}
}

const char *ip_proto_name(uint8_t proto)
{
	return proto == 17 ? "udp" : proto == 6 ? "tcp" : "unknown";
}

const char *event_type_name(uint16_t type)
{
	if (type < EV_TYPE_MAX && type_names[type])
		return type_names[type];
	return "unknown";
}

const char *tcp_state_name(uint8_t state)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV", "BOUND_INACTIVE",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

const char *smb2_command_name(uint16_t cmd)
{
	static const char *const names[] = {
		"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT",
		"CREATE", "CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL",
		"ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO",
		"OPLOCK_BREAK",
	};

	return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "UNKNOWN";
}

const char *dialect_name(uint16_t dialect)
{
	switch (dialect) {
	case 0x0202:
		return "2.0.2";
	case 0x0210:
		return "2.1";
	case 0x0300:
		return "3.0";
	case 0x0302:
		return "3.0.2";
	case 0x0311:
		return "3.1.1";
	case 0:
		return "";
	default:
		return "unknown";
	}
}

const char *errno_name(int rc, char *buf, size_t n)
{
	/* unsigned: rc comes from a record, and -INT_MIN is no int */
	unsigned int e = rc < 0 ? 0u - (unsigned int)rc : (unsigned int)rc;
	const char *name = NULL;

	if (!e)
		return "";
	if (e <= INT_MAX)
		name = strerrorname_np((int)e);
	if (name)
		return name;
	snprintf(buf, n, "E%u", e);
	return buf;
}

const char *sectype_name(uint32_t sectype)
{
	switch (sectype) {
	case 1:
		return "NTLMv2";
	case 2:
		return "NTLMSSP";
	case 3:
		return "Kerberos";
	case 4:
		return "IAKerb";
	case 0:
		/* not forced by sec=: cifs negotiates NTLMSSP (Kerberos needs sec=krb5) */
		return "NTLMSSP (default)";
	default:
		return "";
	}
}

const char *client_signing_name(uint32_t flags)
{
	if (!(flags & SMBW_F_SECMODE_KNOWN))
		return "";
	if (flags & SMBW_F_SIGN_DISABLED)
		return "disabled";
	return flags & SMBW_F_SIGN_WANTED ? "wanted" : "allowed";
}

const char *server_signing_name(uint32_t flags)
{
	if (!(flags & SMBW_F_SECMODE_KNOWN))
		return "";
	if (flags & SMBW_F_SERVER_SIGN_REQUIRED)
		return "required";
	return flags & SMBW_F_SERVER_SIGN_ENABLED ? "enabled" : "disabled";
}

const char *nbss_refusal_name(uint8_t code)
{
	switch (code) {
	case 0x80:
		return "not listening on called name";
	case 0x81:
		return "not listening for calling name";
	case 0x82:
		return "called name not present";
	case 0x83:
		return "insufficient resources";
	case 0x8f:
		return "unspecified error";
	case 0:
		return "";
	default:
		return "unknown";
	}
}

const char *reset_side_name(enum reset_side r)
{
	return r == RESET_BY_SERVER ? "server" : r == RESET_BY_CLIENT ? "client" : "none";
}

const char *priority_name(int prio)
{
	switch (prio) {
	case 3:
		return "error";
	case 4:
		return "warning";
	case 5:
		return "notice";
	default:
		return "info";
	}
}

const char *phase_name(enum phase p)
{
	switch (p) {
	case PHASE_CONNECT:
		return "connect";
	case PHASE_NEGOTIATE:
		return "negotiate";
	case PHASE_SESSION_SETUP:
		return "session_setup";
	case PHASE_TREE_CONNECT:
		return "tree_connect";
	default:
		return "any";
	}
}

struct ntstatus_entry {
	uint32_t code;
	const char *name;
};

/* Sorted by code: looked up by binary search. */
static const struct ntstatus_entry table[] = {
	{ 0x00000000, "STATUS_SUCCESS" },
	{ 0x00000103, "STATUS_PENDING" },
	{ 0x0000010B, "STATUS_NOTIFY_CLEANUP" },
	{ 0x0000010C, "STATUS_NOTIFY_ENUM_DIR" },
	{ 0x80000005, "STATUS_BUFFER_OVERFLOW" },
	{ 0x80000006, "STATUS_NO_MORE_FILES" },
	{ 0xC0000001, "STATUS_UNSUCCESSFUL" },
	{ 0xC0000002, "STATUS_NOT_IMPLEMENTED" },
	{ 0xC0000003, "STATUS_INVALID_INFO_CLASS" },
	{ 0xC0000008, "STATUS_INVALID_HANDLE" },
	{ 0xC000000D, "STATUS_INVALID_PARAMETER" },
	{ 0xC000000E, "STATUS_NO_SUCH_DEVICE" },
	{ 0xC000000F, "STATUS_NO_SUCH_FILE" },
	{ 0xC0000010, "STATUS_INVALID_DEVICE_REQUEST" },
	{ 0xC0000016, "STATUS_MORE_PROCESSING_REQUIRED" },
	{ 0xC0000017, "STATUS_NO_MEMORY" },
	{ 0xC0000022, "STATUS_ACCESS_DENIED" },
	{ 0xC0000023, "STATUS_BUFFER_TOO_SMALL" },
	{ 0xC0000034, "STATUS_OBJECT_NAME_NOT_FOUND" },
	{ 0xC000003A, "STATUS_OBJECT_PATH_NOT_FOUND" },
	{ 0xC0000043, "STATUS_SHARING_VIOLATION" },
	{ 0xC0000061, "STATUS_PRIVILEGE_NOT_HELD" },
	{ 0xC0000064, "STATUS_NO_SUCH_USER" },
	{ 0xC000006A, "STATUS_WRONG_PASSWORD" },
	{ 0xC000006B, "STATUS_ILL_FORMED_PASSWORD" },
	{ 0xC000006C, "STATUS_PASSWORD_RESTRICTION" },
	{ 0xC000006D, "STATUS_LOGON_FAILURE" },
	{ 0xC000006E, "STATUS_ACCOUNT_RESTRICTION" },
	{ 0xC000006F, "STATUS_INVALID_LOGON_HOURS" },
	{ 0xC0000070, "STATUS_INVALID_WORKSTATION" },
	{ 0xC0000071, "STATUS_PASSWORD_EXPIRED" },
	{ 0xC0000072, "STATUS_ACCOUNT_DISABLED" },
	{ 0xC000009A, "STATUS_INSUFFICIENT_RESOURCES" },
	{ 0xC00000A5, "STATUS_BAD_IMPERSONATION_LEVEL" },
	{ 0xC00000B5, "STATUS_IO_TIMEOUT" },
	{ 0xC00000BB, "STATUS_NOT_SUPPORTED" },
	{ 0xC00000BE, "STATUS_BAD_NETWORK_PATH" },
	{ 0xC00000C3, "STATUS_INVALID_NETWORK_RESPONSE" },
	{ 0xC00000C4, "STATUS_UNEXPECTED_NETWORK_ERROR" },
	{ 0xC00000C9, "STATUS_NETWORK_NAME_DELETED" },
	{ 0xC00000CA, "STATUS_NETWORK_ACCESS_DENIED" },
	{ 0xC00000CB, "STATUS_BAD_DEVICE_TYPE" },
	{ 0xC00000CC, "STATUS_BAD_NETWORK_NAME" },
	{ 0xC00000D0, "STATUS_REQUEST_NOT_ACCEPTED" },
	{ 0xC00000DF, "STATUS_NO_SUCH_DOMAIN" },
	{ 0xC0000120, "STATUS_CANCELLED" },
	{ 0xC0000128, "STATUS_FILE_CLOSED" },
	{ 0xC0000133, "STATUS_TIME_DIFFERENCE_AT_DC" },
	{ 0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED" },
	{ 0xC0000184, "STATUS_INVALID_DEVICE_STATE" },
	{ 0xC0000193, "STATUS_ACCOUNT_EXPIRED" },
	{ 0xC0000203, "STATUS_USER_SESSION_DELETED" },
	{ 0xC0000205, "STATUS_INSUFF_SERVER_RESOURCES" },
	{ 0xC0000224, "STATUS_PASSWORD_MUST_CHANGE" },
	{ 0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT" },
	{ 0xC000035C, "STATUS_NETWORK_SESSION_EXPIRED" },
	{ 0xC0000388, "STATUS_DOWNGRADE_DETECTED" },
	{ 0xC000040E, "STATUS_KDC_CERT_EXPIRED" },
	{ 0xC000A000, "STATUS_INVALID_SIGNATURE" },
	{ 0xC000A100, "STATUS_HASH_NOT_SUPPORTED" },
	{ 0xC000A2A1, "STATUS_SMB_BAD_CLUSTER_DIALECT" },
};

const char *ntstatus_name(uint32_t status)
{
	size_t lo = 0, hi = sizeof(table) / sizeof(table[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table[mid].code == status)
			return table[mid].name;
		if (table[mid].code < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *upcall_state_name(enum upcall_state u)
{
	static const char *const n[] = { "unknown", "ran", "no-rule", "not-run" };

	return u <= UPCALL_NOT_RUN ? n[u] : "unknown";
}

const char *kdc_failure_name(enum kdc_failure f)
{
	static const char *const n[] = { "", "unreachable", "reset", "silent" };

	return f <= KDC_SILENT ? n[f] : "";
}

const char *krb_source_name(enum krb_source s)
{
	return s == KRB_FROM_KDC ? "kdc" : s == KRB_FROM_SERVER ? "server" : "";
}
