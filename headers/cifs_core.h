/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal CO-RE views of cifs.ko's types (they are module types: vmlinux.h
 * does not have them). libbpf relocates every access against the running
 * module's BTF, so only the fields named here matter, not their offsets.
 *
 * Deliberately absent: every password, key and session-key field. The BPF
 * side cannot read what it cannot name.
 *
 * Checked against the module BTF of Debian's 6.1, 6.12 and 7.2 kernels.
 */
#ifndef SMBW_CIFS_CORE_H
#define SMBW_CIFS_CORE_H

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#endif

/*
 * CO-RE matches enum fields only against enums of the same name: these stand
 * for cifs.ko's own (values are not needed, the fields are read as numbers).
 */
enum statusEnum { CifsNew___smbw = 0 };
enum securityEnum { Unspecified___smbw = 0 };

/*
 * The protocol family's constants (smb1_values, smb21_values, ...): the SMB1
 * and SMB2 security mode bits differ (SMB1 SECMODE_SIGN_ENABLED 0x04 and
 * SECMODE_SIGN_REQUIRED 0x08, SMB2 0x01 and 0x02), and these say which apply,
 * as cifs_enable_signing() uses them. protocol_id is SMB10_PROT_ID (0) for SMB1.
 */
struct smb_version_values {
	__u16 protocol_id;
	__u16 signing_enabled;
	__u16 signing_required;
};

struct TCP_Server_Info {
	__u64 conn_id;
	int srv_count; /* references, under cifs_tcp_ses_lock */
	struct smb_version_values *vals;
	enum statusEnum tcpStatus;
	char *hostname;
	struct socket *ssocket;
	struct __kernel_sockaddr_storage dstaddr;
	__u16 sec_mode; /* the server's SecurityMode from its NEGOTIATE response */
	bool sign;
	__u16 dialect; /* SMB1: the index of the dialect the server chose, 0xffff none */
	unsigned int capabilities;
	char *smallbuf; /* the receive thread reads each RFC 1002 header into it */
};

struct cifs_ses {
	struct TCP_Server_Info *server;
	__u64 Suid;
	char *user_name;
	char *domainName;
	enum securityEnum sectype;
	bool sign; /* the mount asked for signing (mount option sign) */
	__u16 session_flags;
};

/*
 * The UNC is taken from SMB2_tcon's own argument, not from tree_name (named
 * treeName before 6.0), so no flavour of this struct is needed.
 */
struct cifs_tcon {
	struct cifs_ses *ses;
	__u32 tid;
	bool ipc : 1;
	bool seal : 1;
	__u32 share_flags;
};

/* The mount request: names as the user typed them. */
struct smb3_fs_context {
	char *UNC;
	char *username;
	char *domainname;
	char *server_hostname;
	struct __kernel_sockaddr_storage dstaddr;
};

/*
 * An RFC 1002 (NetBIOS session service) packet as ip_rfc1001_connect() (7.x)
 * receives the answer to its session request into it: the type (0x83 is a
 * negative session response) and length first, the error code after.
 */
/*
 * smb2pdu.c's state of one SESSION_SETUP leg: after SMB2_sess_sendreceive()
 * iov[0] holds the server's response (SMB2 header, then the body with the
 * security buffer's offset and length), also when the call failed.
 */
struct SMB2_sess_data {
	struct cifs_ses *ses;
	struct TCP_Server_Info *server;
	struct kvec iov[2];
};

struct rfc1002_session_packet {
	__u8 type;
	__u16 length; /* big endian */
	union {
		__u8 neg_ses_resp_error_code;
	} trailer;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* SMBW_CIFS_CORE_H */
