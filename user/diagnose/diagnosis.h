/* SPDX-License-Identifier: GPL-2.0 */
/* One diagnosis: a failed SMB operation, its cause, and the evidence for it. */
#ifndef SMBW_DIAGNOSIS_H
#define SMBW_DIAGNOSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "causes.h"
#include "smbwatch_event.h"

enum reset_side {
	RESET_NONE = 0,
	RESET_BY_SERVER,
	RESET_BY_CLIENT,
};

enum upcall_state {
	UPCALL_UNKNOWN = 0, /* not watched (a recording from before ABI 2, or no hook) */
	UPCALL_RAN,         /* cifs.upcall ran */
	UPCALL_NO_RULE,     /* request-key ran, but no cifs.upcall: no cifs.spnego rule */
	UPCALL_NOT_RUN,     /* the kernel ran no request-key at all */
};

enum kdc_failure {
	KDC_ANSWERED = 0,
	KDC_UNREACHABLE, /* ICMP unreachable (or another socket error) on a KDC socket */
	KDC_RESET,       /* the KDC's TCP port reset the connection */
	KDC_SILENT,      /* requests went out and nothing came back */
};

enum krb_source {
	KRB_FROM_NONE = 0,
	KRB_FROM_KDC,
	KRB_FROM_SERVER, /* inside the SMB server's SESSION_SETUP answer */
};

/* What the Kerberos exchange of a failed session setup showed (the upcall's window). */
struct krb_evidence {
	bool seen;                 /* Kerberos evidence was gathered for this failure */
	enum upcall_state upcall;
	int32_t upcall_exit;       /* cifs.upcall's wait status; -1 unknown */
	enum krb_source source;    /* where the error below came from */
	uint32_t server_status;    /* the NT status of the server's answer that held it */
	int32_t error;             /* the KRB-ERROR that tells the cause; -1 none */
	int64_t stime;             /* its sender's clock (s); 0 unknown */
	char principal[128];       /* the server principal it names (the SPN asked for) */
	char realm[64];
	char e_text[96];
	struct smbw_addr kdc;      /* the KDC asked last */
	uint8_t transport;         /* IPPROTO_UDP/TCP of the last request */
	enum kdc_failure failure;
	int32_t sock_error;        /* -errno a KDC socket got (ICMP unreachable: -ECONNREFUSED) */
	uint16_t as_requests, tgs_requests, replies, tickets_issued, errors;
};

/* What the client's security blob said (NTLMSSP AUTHENTICATE): names, never secrets. */
struct sent_evidence {
	bool seen;
	bool anonymous;      /* no NT response: an anonymous (null) session */
	bool guest_session;  /* the server made it a guest session (SESSION_FLAG_IS_GUEST) */
	char user[SMBW_NAME_LEN], domain[SMBW_NAME_LEN], workstation[SMBW_NAME_LEN];
};

/* What the kernel showed around the failure. Zero means "not seen". */
struct evidence {
	uint64_t elapsed_ns;       /* from the connection's first SYN (or first event) to the failure */
	uint64_t connect_ns;       /* SYN to ESTABLISHED */
	uint32_t tcp_retransmits;  /* on the SMB socket(s) */
	uint32_t syn_retransmits;  /* while the SYN was unanswered */
	enum reset_side reset;     /* who reset the SMB connection */
	bool tcp_seen;             /* TCP events were joined to this failure */
	bool syn_answered;         /* the SMB socket reached ESTABLISHED */
	uint32_t reconnects;       /* reconnects of the connection while it failed */
	uint32_t signature_failures;
	bool ipc_denied;           /* the session's IPC$ tree connect was refused too */
	int32_t spnego_rc;         /* Kerberos upcall result, 0 if none */
	bool spnego_seen;
	uint32_t kdc_resets;       /* TCP resets on port 88 around the failure */
	uint32_t kdc_retransmits;
	bool status_seen;          /* the raw NT status was seen (smb3_cmd_err) */
	bool session_refused;      /* an RFC 1002 negative session response came */
	uint8_t refusal_code;      /* its error code (0x80-0x83) */
	char lacked[96];           /* which evidence was missing, e.g. "fexit hooks" */
	struct krb_evidence krb;
	struct sent_evidence sent;
};

struct diagnosis {
	uint64_t ts_ns;            /* when the failure was concluded (monotonic) */
	enum cause_id cause;
	enum phase phase;
	bool ipc;                  /* an IPC$ tree connect: does not fail a mount */
	bool repeat;               /* a summary of identical failures after the first */
	uint32_t count;            /* failures this diagnosis stands for */
	uint32_t nt_status;
	int32_t rc;
	uint16_t command;
	uint16_t dialect;
	uint32_t sectype;
	uint32_t session_flags;
	uint32_t share_flags;
	uint32_t flags;            /* SMBW_F_* */
	uint32_t pid;
	char comm[SMBW_COMM_LEN];
	char server[SMBW_HOST_LEN];
	struct smbw_addr server_addr;
	char unc[SMBW_UNC_LEN];
	char user[SMBW_NAME_LEN];
	char domain[SMBW_NAME_LEN];
	struct evidence ev;
};

/* Where the stages of the diagnose path hand a diagnosis on. */
typedef void (*diagnosis_fn)(void *ctx, const struct diagnosis *d);

#endif
