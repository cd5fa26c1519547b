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

#define SMBW_ABI_VERSION 1

#define SMBW_COMM_LEN 16
#define SMBW_HOST_LEN 64
#define SMBW_NAME_LEN 64
#define SMBW_UNC_LEN 128

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
#define SMBW_F_NEGOTIATE_MASK                                                            \
	(SMBW_F_SIGN_WANTED | SMBW_F_SERVER_SIGN_ENABLED | SMBW_F_SERVER_SIGN_REQUIRED |  \
	 SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_DISABLED | SMBW_F_SIGN_REFUSED | SMBW_F_SMB1)

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
};

#endif /* SMBWATCH_EVENT_H */
