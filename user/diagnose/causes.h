/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cause catalogue (DESIGN.md section 2): one row per cause id. Ids are
 * stable: they are the JSON "cause", journald SMB_CAUSE= and each has its own
 * journald MESSAGE_ID, fixed once and never reused.
 */
#ifndef SMBW_CAUSES_H
#define SMBW_CAUSES_H

enum phase {
	PHASE_CONNECT,
	PHASE_NEGOTIATE,
	PHASE_SESSION_SETUP,
	PHASE_TREE_CONNECT,
	PHASE_ANY,
};

enum cause_id {
	CAUSE_CONNECT_REFUSED,
	CAUSE_CONNECT_TIMEOUT,
	CAUSE_NEGOTIATE_NO_RESPONSE,
	CAUSE_NEGOTIATE_RESET,
	CAUSE_DIALECT_MISMATCH,
	CAUSE_BAD_CREDENTIALS,
	CAUSE_ACCOUNT_RESTRICTED,
	CAUSE_SESSION_ACCESS_DENIED,
	CAUSE_KERBEROS_FAILURE,
	CAUSE_SIGNING_FAILURE,
	CAUSE_SESSION_ENCRYPTION_REQUIRED,
	CAUSE_BAD_NETWORK_NAME,
	CAUSE_SHARE_ACCESS_DENIED,
	CAUSE_SHARE_ENCRYPTION_REQUIRED,
	CAUSE_SESSION_EXPIRED,
	CAUSE_RECONNECT,
	CAUSE_KERBEROS_NO_TICKET,
	CAUSE_KERBEROS_UPCALL_UNAVAILABLE,
	CAUSE_KERBEROS_KDC_UNREACHABLE,
	CAUSE_KERBEROS_SPN_UNKNOWN,
	CAUSE_KERBEROS_CLOCK_SKEW,
	CAUSE_KERBEROS_SERVER_REJECTED,
	CAUSE_GUEST_REFUSED,
	CAUSE_UNCLASSIFIED,
	CAUSE_COUNT
};

struct cause_info {
	const char *id;         /* "bad-credentials" */
	enum phase phase;
	int priority;           /* syslog priority: 3 err, 4 warning, 5 notice */
	const char *meaning;    /* what it means, one sentence */
	const char *hint;       /* what to do */
	const char *message_id; /* journald MESSAGE_ID, 32 hex digits */
};

const struct cause_info *cause_info(enum cause_id id);

#endif
