/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event ABI shared by the BPF programs and the agent, and the unit of the
 * record file format: one fixed-size record per thing that happened.
 *
 * Rules that keep old recordings readable:
 *   - a record carries the ABI version it was written with;
 *   - fields are only ever appended; a new event type gets a new number;
 *   - strings are NUL-terminated within their array (the BPF side uses
 *     bpf_probe_read_kernel_str, which always terminates).
 *
 * No field ever holds a password, a key or a security blob: the cifs hooks
 * copy names (server, share, user, domain) and numbers only.
 */
#ifndef SMBWATCH_EVENT_H
#define SMBWATCH_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * 2: Kerberos: the KDC's messages, socket errors on KDC sockets, the upcall's
 * processes, the server's KRB-ERROR (the fields after .unc). A reader of
 * version 2 replays version 1 records (they end at .unc).
 */
#define SMBW_ABI_VERSION 2

#define SMBW_COMM_LEN 16
#define SMBW_HOST_LEN 64
#define SMBW_NAME_LEN 64
#define SMBW_UNC_LEN 128
/*
 * A KRB-ERROR, copied whole where it fits: error code, realm, the principal
 * asked for, e-text, the KDC's time; its e-data (pre-authentication hints) is
 * the only part that grows. Nothing else a KDC or a server sends is copied.
 */
#define SMBW_KRB_LEN 512

/* Ports watched when the user names none: SMB direct, NetBIOS session, Kerberos. */
#define SMBW_PORT_SMB 445
#define SMBW_PORT_NETBIOS 139
#define SMBW_PORT_KERBEROS 88
#define SMBW_MAX_PORTS 64

/* An event type says what happened, not where it was caught. */
enum smbw_event_type {
	EV_NONE = 0,

	/* TCP, only for connections with a watched port on either end */
	EV_TCP_STATE_CHANGE = 1,   /* inet_sock_set_state: old_state -> new_state */
	EV_TCP_RETRANSMIT = 2,     /* tcp_retransmit_skb: a segment was sent again */
	EV_TCP_RESET_SENT = 3,     /* tcp_send_reset: this host sent an RST */
	EV_TCP_RESET_RECEIVED = 4, /* tcp_receive_reset: the peer reset the connection */

	/* SMB client (cifs.ko) */
	EV_SMB_CONNECT_DONE = 16,         /* smb3_connect_done: TCP session to the server is up */
	EV_SMB_CONNECT_FAILED = 17,       /* smb3_connect_err: could not connect (rc) */
	EV_SMB_SERVER_SOCKET = 18,        /* cifs_get_tcp_session returned: server, address, socket */
	EV_SMB_NEGOTIATE_DONE = 19,       /* SMB2_negotiate returned: rc, dialect */
	EV_SMB_SESSION_SETUP_DONE = 20,   /* SMB2_sess_setup returned: rc, user, domain, flags */
	EV_SMB_TREE_CONNECT_DONE = 21,    /* SMB2_tcon returned: rc, UNC, share flags, seal */
	EV_SMB_COMMAND_FAILED = 22,       /* smb3_cmd_err: raw NT status of a failed command */
	EV_SMB_TREE_CONNECT = 23,         /* smb3_tcon: a tree connect and its rc */
	EV_SMB_RECONNECT = 24,            /* smb3_reconnect: the client reconnects a session */
	EV_SMB_SESSION_EXPIRED = 25,      /* smb3_ses_expired */
	EV_SMB_KEY_EXPIRED = 26,          /* smb3_key_expired (6.12+) */
	EV_SMB_KERBEROS_AUTH = 27,        /* smb3_kerberos_auth (7.x) */
	EV_SMB_EIO = 28,                  /* smb3_eio (7.x): why a request became -EIO */
	EV_SMB_SPNEGO_UPCALL_DONE = 29,   /* cifs_get_spnego_key returned: Kerberos upcall rc */
	EV_SMB_SIGNATURE_BAD = 30,        /* smb2_verify_signature failed */
	/*
	 * cifs dropped its last reference to a TCP_Server_Info: the connection
	 * is gone (.server, .conn_id, .host, .remote; .reason 1 when the
	 * reconnect worker dropped it). Its address may come back for another.
	 */
	EV_SMB_SERVER_RELEASED = 31,
	/*
	 * The server turned the client away before negotiating: an RFC 1002
	 * negative session response. .reason is its code (0x80-0x8f) where the
	 * kernel read it (7.x, in its NetBIOS session retry), 0 where it did not.
	 */
	EV_SMB_SESSION_REFUSED = 32,
	/*
	 * Kerberos. A message to or from a KDC (a watched port, 88, at the far
	 * end), seen by cgroup_skb for every process of the host, UDP and TCP:
	 * .krb_type is its [APPLICATION n] tag (10 AS-REQ, 11 AS-REP, 12
	 * TGS-REQ, 13 TGS-REP, 30 KRB-ERROR); only a KRB-ERROR is copied (.krb,
	 * .krb_len). .flags has SMBW_F_INGRESS for what the KDC sent. .cookie
	 * joins the packets of one socket; .pid/.comm are the sender's, set on
	 * egress only (ingress runs in softirq).
	 */
	EV_KRB_MESSAGE = 33,
	/* a KDC socket got an error (inet_sk_error_report): .rc -errno, ICMP unreachable on UDP */
	EV_KRB_SOCK_ERROR = 34,
	/*
	 * The Kerberos upcall's processes: /sbin/request-key, which the kernel
	 * runs for a cifs.spnego key, and cifs.upcall, which it runs. .pid, .ppid
	 * (.reason: 0 for request-key, 1 for cifs.upcall), .rc the exit status
	 * as wait(2) reports it (EV_PROC_EXIT).
	 */
	EV_PROC_EXEC = 35,
	EV_PROC_EXIT = 36,
	/*
	 * A failed SESSION_SETUP whose response carried a KRB-ERROR inside the
	 * server's SPNEGO token (clock skew, ticket not yet valid, bad ticket):
	 * .krb/.krb_len, .nt_status of the response, .rc, server and session.
	 */
	EV_SMB_SESSION_KRB_ERROR = 37,
	/*
	 * What the client's NTLMSSP AUTHENTICATE said in a SESSION_SETUP leg:
	 * .user, .domain and .host (the workstation) as UTF-16LE (the wire's
	 * form, NUL-padded), SMBW_F_ANONYMOUS, .reason the NT response's length
	 * (never its bytes), and the answer: .rc, .nt_status, .session_flags
	 * (0x1 guest, 0x2 null session).
	 */
	EV_SMB_AUTH_SENT = 38,
	/*
	 * Written by the agent, not the kernel: the ring buffer was full and
	 * .conn_id records were lost between .session_id (the time of the
	 * previous check, CLOCK_MONOTONIC) and .ts_ns. In the stream, and so in
	 * recordings, so that a replay knows which evidence is missing.
	 */
	EV_EVENTS_LOST = 39,

	EV_TYPE_MAX
};

/* SMB2 commands (MS-SMB2 2.2.1) that matter for mounting. */
enum smbw_smb2_command {
	SMB2_CMD_NEGOTIATE = 0,
	SMB2_CMD_SESSION_SETUP = 1,
	SMB2_CMD_LOGOFF = 2,
	SMB2_CMD_TREE_CONNECT = 3,
};

/* smbw_event.flags */
#define SMBW_F_SEAL (1u << 0)          /* tree: client asked for encryption (seal) */
#define SMBW_F_SIGN (1u << 1)          /* server: signing is in use */
#define SMBW_F_IPC (1u << 2)           /* tree: the IPC$ share */
#define SMBW_F_NO_SOCK (1u << 3)       /* tcp: tuple came from the packet, no socket */
#define SMBW_F_SERVER_ENCRYPT (1u << 4) /* server/session: encryption is required */
/* negotiate: signing as each side wanted it (the server's from its security mode) */
#define SMBW_F_SIGN_WANTED (1u << 5)          /* the mount asked for signing */
#define SMBW_F_SERVER_SIGN_ENABLED (1u << 6)  /* the server offers signing */
#define SMBW_F_SERVER_SIGN_REQUIRED (1u << 7) /* the server requires signing */
#define SMBW_F_SECMODE_KNOWN (1u << 8)        /* the server's security mode was read */
#define SMBW_F_SIGN_DISABLED (1u << 9)        /* the client may not sign (SecurityFlags) */
/*
 * The client refused the server's signing mode (cifs_enable_signing:
 * -EOPNOTSUPP). The kernel side sets SIGN_DISABLED only where it decided such
 * a refusal (the server offers and requires signing, the mount did not ask);
 * a client that may not sign against a server that does not require it shows
 * as "allowed".
 */
#define SMBW_F_SIGN_REFUSED (1u << 10)
/* server: the SMB1 (CIFS) protocol family; its .dialect is an index, not a revision */
#define SMBW_F_SMB1 (1u << 11)
/* krb: the message came from the KDC (ingress); without it, the host sent it */
#define SMBW_F_INGRESS (1u << 12)
/* auth: the session setup was anonymous (no NT response, or the ANONYMOUS flag) */
#define SMBW_F_ANONYMOUS (1u << 13)
#define SMBW_F_NEGOTIATE_MASK                                                            \
	(SMBW_F_SIGN_WANTED | SMBW_F_SERVER_SIGN_ENABLED | SMBW_F_SERVER_SIGN_REQUIRED |  \
	 SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_DISABLED | SMBW_F_SIGN_REFUSED | SMBW_F_SMB1)

/*
 * The watched ports as a bitmap: the one value of the watched_ports map
 * (8 KiB, where an array of a byte per port took 512 KiB of the kernel's
 * memory: an array rounds each value up to 8 bytes). Port p is bit p % 64
 * of word p / 64.
 */
struct smbw_port_bits {
	__u64 w[65536 / 64];
};

static inline __u64 smbw_port_bit(__u16 port)
{
	return (__u64)1 << (port & 63);
}

struct smbw_addr {
	__u16 family; /* AF_INET, AF_INET6 or 0 when unknown */
	__u16 port;   /* host byte order */
	__u8 addr[16]; /* IPv4 in the first 4 bytes, network order */
};

struct smbw_event {
	/* header: identifies the record */
	__u16 abi;  /* SMBW_ABI_VERSION */
	__u16 type; /* enum smbw_event_type */
	__u32 pid;  /* tgid, 0 where no process context is meaningful */
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	char comm[SMBW_COMM_LEN];

	/* correlation keys: kernel addresses, never dereferenced by the agent */
	__u64 sock;   /* struct sock * of the connection */
	__u64 server; /* struct TCP_Server_Info * */
	__u64 conn_id;

	/* the connection, as seen from this host */
	struct smbw_addr local;
	struct smbw_addr remote;

	/* result */
	__s32 rc;        /* kernel return code, negative errno */
	__u32 nt_status; /* raw NT status from the SMB2 header */

	/* SMB */
	__u64 session_id;
	__u32 tree_id;
	__u16 command;  /* enum smbw_smb2_command */
	__u16 dialect;  /* 0x0202, 0x0210, 0x0300, 0x0302, 0x0311; 0 unknown */
	__u32 session_flags;
	__u32 share_flags;
	__u32 sectype; /* enum securityEnum of cifs.ko: 0 unspecified, ... */
	__u32 flags;   /* SMBW_F_* */

	/* TCP */
	__u8 old_state; /* TCP_* states as in the kernel */
	__u8 new_state;
	__u16 reason; /* tcp_send_reset reason (6.10+), 0 unknown */
	__u32 reserved;

	char host[SMBW_HOST_LEN];  /* server name as the client was asked to use */
	char user[SMBW_NAME_LEN];
	char domain[SMBW_NAME_LEN];
	char unc[SMBW_UNC_LEN];

	/* ABI 2: Kerberos (EV_KRB_*, EV_PROC_*, EV_SMB_SESSION_KRB_ERROR) */
	__u64 cookie;   /* socket cookie of a KDC socket: joins one socket's packets */
	__u32 ppid;     /* EV_PROC_*: the parent's tgid */
	__u8 ip_proto;  /* EV_KRB_*: IPPROTO_UDP (17) or IPPROTO_TCP (6) */
	__u8 krb_type;  /* EV_KRB_MESSAGE: the message's [APPLICATION n] tag */
	__u16 krb_len;  /* bytes of .krb that hold a KRB-ERROR; 0: nothing copied */
	__u8 krb[SMBW_KRB_LEN];
};

/*
 * Records are sized by kind (a reader zeroes what a record lacks): a TCP
 * event ends with its TCP fields, before the names; any other without
 * Kerberos bytes ends before .krb; ABI 1 records all ended at .unc's end.
 */
#define SMBW_EVENT_TCP_LEN (__builtin_offsetof(struct smbw_event, host))
#define SMBW_EVENT_V1_LEN (__builtin_offsetof(struct smbw_event, cookie))
#define SMBW_EVENT_BASE_LEN (__builtin_offsetof(struct smbw_event, krb))

static inline int smbw_event_is_tcp(__u16 type)
{
	return type >= EV_TCP_STATE_CHANGE && type <= EV_TCP_RESET_RECEIVED;
}

/*
 * The bytes of a record that carry information: the file writer stores no
 * more (a record without a KRB-ERROR has none of .krb), and readers zero
 * what a shorter record lacks.
 */
static inline unsigned int smbw_event_len(const struct smbw_event *e)
{
	unsigned int n = e->krb_len < SMBW_KRB_LEN ? e->krb_len : SMBW_KRB_LEN;

	if (smbw_event_is_tcp(e->type) && !n)
		return SMBW_EVENT_TCP_LEN;
	return SMBW_EVENT_BASE_LEN + n;
}

#endif /* SMBWATCH_EVENT_H */
