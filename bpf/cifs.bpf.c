// SPDX-License-Identifier: GPL-2.0
/*
 * SMB client evidence from cifs.ko: the three phases of a mount (negotiate,
 * session setup, tree connect) with their return codes and raw NT status,
 * the names the client used, and the SMB socket that joins them to the TCP
 * evidence.
 *
 * Tracepoints are the stable first choice (tp_btf, raw_tp fallback: their
 * arguments are scalars and strings, so the raw form needs no module BTF);
 * fexit on the global functions adds what no tracepoint carries (dialect,
 * user, share flags, the socket, the signing modes, the connection's end, a
 * server that turns the client away). Where the kernel has no trampolines,
 * kprobe/kretprobe pairs call the same handlers. All reads go through CO-RE
 * against the module's BTF (headers/cifs_core.h). Passwords and keys are
 * never named.
 */
#include "common.bpf.h"
#include "cifs_core.h"

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/* NT statuses that matter after a mount too: the session went away. */
#define STATUS_NETWORK_SESSION_EXPIRED 0xC000035Cu
#define STATUS_USER_SESSION_DELETED 0xC0000203u

/* RFC 1002 session packet types (the first byte of every frame on 445 and 139) */
#define RFC1002_NEGATIVE_SESSION_RESPONSE 0x83
#define RFC1002_HEADER_LEN 4

#define SMB10_PROT_ID 0x0000 /* smb_version_values.protocol_id of SMB1 */

static __always_inline void read_sockaddr(struct smbw_addr *a,
					  const struct __kernel_sockaddr_storage *ss)
{
	struct sockaddr_in6 sa = {};

	/* sockaddr_in6 covers sockaddr_in: family, port, then the address */
	if (bpf_probe_read_kernel(&sa, sizeof(sa), ss))
		return;
	if (sa.sin6_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		a->family = AF_INET;
		a->port = bpf_ntohs(in->sin_port);
		__builtin_memcpy(a->addr, &in->sin_addr, 4);
	} else if (sa.sin6_family == AF_INET6) {
		a->family = AF_INET6;
		a->port = bpf_ntohs(sa.sin6_port);
		__builtin_memcpy(a->addr, &sa.sin6_addr, 16);
	}
}

static __always_inline void read_str(char *dst, int n, const char *src)
{
	if (src)
		bpf_probe_read_kernel_str(dst, n, src);
}

/* Identity of the SMB connection: what the classifier joins on. */
static __always_inline void fill_server(struct smbw_event *e, struct TCP_Server_Info *server)
{
	struct smb_version_values *vals;
	struct sock *sk;

	if (!server)
		return;
	e->server = (__u64)server;
	e->conn_id = BPF_CORE_READ(server, conn_id);
	e->dialect = BPF_CORE_READ(server, dialect);
	if (BPF_CORE_READ(server, sign))
		e->flags |= SMBW_F_SIGN;
	/* SMB1's dialect is an index into the client's list, not a revision: say which it is */
	vals = BPF_CORE_READ(server, vals);
	if (vals && BPF_CORE_READ(vals, protocol_id) == SMB10_PROT_ID)
		e->flags |= SMBW_F_SMB1;
	read_str(e->host, sizeof(e->host), BPF_CORE_READ(server, hostname));
	read_sockaddr(&e->remote, &server->dstaddr);
	sk = BPF_CORE_READ(server, ssocket, sk);
	e->sock = (__u64)sk;
}

static __always_inline void fill_session(struct smbw_event *e, struct cifs_ses *ses)
{
	if (!ses)
		return;
	e->session_id = BPF_CORE_READ(ses, Suid);
	e->sectype = BPF_CORE_READ(ses, sectype);
	e->session_flags = BPF_CORE_READ(ses, session_flags);
	read_str(e->user, sizeof(e->user), BPF_CORE_READ(ses, user_name));
	read_str(e->domain, sizeof(e->domain), BPF_CORE_READ(ses, domainName));
}

static __always_inline struct smbw_event *cifs_event(__u16 type)
{
	struct smbw_event *e = event_reserve(type);

	if (e)
		event_set_task(e);
	return e;
}

/*
 * ---- the phases, with what the tracepoints do not carry ----
 *
 * Each handler takes the function's arguments and its return value. It runs
 * from an fexit program (preferred: arguments and result in one place), or,
 * where the kernel has no BPF trampolines, from a kretprobe that gets the
 * arguments its kprobe twin stashed at entry.
 */

static __always_inline int on_get_tcp_session(struct smb3_fs_context *fsc,
					      struct TCP_Server_Info *ret)
{
	struct smbw_event *e = cifs_event(EV_SMB_SERVER_SOCKET);

	if (!e)
		return 0;
	if (IS_ERR_VALUE(ret) || !ret) {
		/* No server object: take the names from the mount request itself. */
		e->rc = ret ? (long)ret : -12;
		read_str(e->host, sizeof(e->host), BPF_CORE_READ(fsc, server_hostname));
		read_sockaddr(&e->remote, &fsc->dstaddr);
	} else {
		fill_server(e, ret);
	}
	read_str(e->unc, sizeof(e->unc), BPF_CORE_READ(fsc, UNC));
	read_str(e->user, sizeof(e->user), BPF_CORE_READ(fsc, username));
	read_str(e->domain, sizeof(e->domain), BPF_CORE_READ(fsc, domainname));
	event_submit(e);
	return 0;
}

/*
 * Signing at negotiate. Both SMB1 and SMB2 negotiate call cifs_enable_signing
 * (server, ses->sign) once the server's answer is parsed, and it alone decides
 * whether the two sides' signing modes fit: its exit leaves a note for this
 * thread, which the negotiate's own exit takes (the same thread, always: a
 * mount or the reconnect worker). No note means the server never answered,
 * or answered with an error before its security mode was read.
 */
struct neg_note {
	__u64 server;
	__u32 flags; /* SMBW_F_* of the negotiate */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH); /* a note nobody takes ages out */
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct neg_note);
} neg_notes SEC(".maps");

#define EOPNOTSUPP 95

static __always_inline int on_enable_signing(struct TCP_Server_Info *server, bool wanted,
					     int ret)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct neg_note n = { .server = (__u64)server };
	struct smb_version_values *vals;
	__u16 mode, enabled, required;

	vals = BPF_CORE_READ(server, vals);
	if (!vals)
		return 0;
	/* this protocol family's bits (SMB1 0x04/0x08, SMB2 0x01/0x02), as the kernel tests them */
	mode = BPF_CORE_READ(server, sec_mode);
	enabled = BPF_CORE_READ(vals, signing_enabled);
	required = BPF_CORE_READ(vals, signing_required);
	n.flags = SMBW_F_SECMODE_KNOWN;
	if (mode & enabled)
		n.flags |= SMBW_F_SERVER_SIGN_ENABLED;
	if (mode & required)
		n.flags |= SMBW_F_SERVER_SIGN_REQUIRED;
	if (wanted)
		n.flags |= SMBW_F_SIGN_WANTED;
	if (ret) {
		n.flags |= SMBW_F_SIGN_REFUSED;
		/*
		 * It refuses when the server requires signing and the client may
		 * not sign (SecurityFlags without MAY_SIGN), or when the client
		 * requires it (sign, or MUST_SIGN) and the server does not offer
		 * it. A server that offers and requires it, refused although the
		 * mount did not ask for signing, can only be the first.
		 */
		if (ret == -EOPNOTSUPP && !wanted && (mode & enabled) && (mode & required))
			n.flags |= SMBW_F_SIGN_DISABLED;
	}
	bpf_map_update_elem(&neg_notes, &tid, &n, BPF_ANY);
	return 0;
}

static __always_inline void take_neg_note(struct smbw_event *e, struct TCP_Server_Info *server)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct neg_note *n = bpf_map_lookup_elem(&neg_notes, &tid);

	if (!n)
		return;
	if (n->server == (__u64)server)
		e->flags |= n->flags;
	bpf_map_delete_elem(&neg_notes, &tid);
}

static __always_inline int on_negotiate(struct cifs_ses *ses, struct TCP_Server_Info *server,
					int ret)
{
	struct smbw_event *e = cifs_event(EV_SMB_NEGOTIATE_DONE);

	if (!e)
		return 0;
	e->rc = ret;
	e->command = SMB2_CMD_NEGOTIATE;
	fill_server(e, server);
	fill_session(e, ses);
	if (ses && BPF_CORE_READ(ses, sign))
		e->flags |= SMBW_F_SIGN_WANTED;
	take_neg_note(e, server);
	event_submit(e);
	return 0;
}

static __always_inline int on_session_setup(struct cifs_ses *ses,
					    struct TCP_Server_Info *server, int ret)
{
	struct smbw_event *e = cifs_event(EV_SMB_SESSION_SETUP_DONE);

	if (!e)
		return 0;
	e->rc = ret;
	e->command = SMB2_CMD_SESSION_SETUP;
	fill_server(e, server);
	fill_session(e, ses);
	if (e->session_flags & 0x0004) /* SMB2_SESSION_FLAG_ENCRYPT_DATA */
		e->flags |= SMBW_F_SERVER_ENCRYPT;
	event_submit(e);
	return 0;
}

static __always_inline void read_tcon(struct smbw_event *e, struct cifs_tcon *tcon)
{
	if (!tcon)
		return;
	e->tree_id = BPF_CORE_READ(tcon, tid);
	e->share_flags = BPF_CORE_READ(tcon, share_flags);
	if (BPF_CORE_READ_BITFIELD_PROBED(tcon, seal))
		e->flags |= SMBW_F_SEAL;
	if (BPF_CORE_READ_BITFIELD_PROBED(tcon, ipc))
		e->flags |= SMBW_F_IPC;
	if (e->share_flags & 0x8000) /* SMB2_SHAREFLAG_ENCRYPT_DATA */
		e->flags |= SMBW_F_SERVER_ENCRYPT;
}

static __always_inline int on_tree_connect(struct cifs_ses *ses, const char *tree,
					   struct cifs_tcon *tcon, int ret)
{
	struct smbw_event *e = cifs_event(EV_SMB_TREE_CONNECT_DONE);

	if (!e)
		return 0;
	e->rc = ret;
	e->command = SMB2_CMD_TREE_CONNECT;
	fill_session(e, ses);
	if (ses)
		fill_server(e, BPF_CORE_READ(ses, server));
	read_str(e->unc, sizeof(e->unc), tree);
	read_tcon(e, tcon);
	event_submit(e);
	return 0;
}

static __always_inline int on_spnego(struct cifs_ses *ses, struct TCP_Server_Info *server,
				     void *ret)
{
	struct smbw_event *e = cifs_event(EV_SMB_SPNEGO_UPCALL_DONE);

	if (!e)
		return 0;
	/* The key itself is a Kerberos ticket: only whether the upcall worked leaves here. */
	e->rc = IS_ERR_VALUE(ret) ? (long)ret : 0;
	fill_server(e, server);
	fill_session(e, ses);
	event_submit(e);
	return 0;
}

static __always_inline int on_verify_signature(struct TCP_Server_Info *server, int ret)
{
	struct smbw_event *e;

	if (ret == 0)
		return 0;
	e = cifs_event(EV_SMB_SIGNATURE_BAD);
	if (!e)
		return 0;
	e->rc = ret;
	fill_server(e, server);
	event_submit(e);
	return 0;
}

/*
 * The server's own Kerberos refusal: a SESSION_SETUP answered with a KRB-ERROR
 * in its SPNEGO token (smbd: clock skew KRB_AP_ERR_SKEW, ticket not yet valid
 * TKT_NYV, a ticket it cannot decrypt), with STATUS_MORE_PROCESSING_REQUIRED
 * and an -EIO that NTLMSSP's normal first leg shares. Only a failed leg is
 * looked at, and only the KRB-ERROR leaves: the krb5 mechanism's OID ends
 * 12 01 02 02, its token id 03 00 is KRB_ERROR (RFC 1964), then the message
 * (0x7e). An AP-REP (token id 02 00) is never copied.
 */
#define SMB2_HDR_LEN 64
#define SMB2_STATUS_OFF 8
#define SESS_RSP_SECBUF_OFF (SMB2_HDR_LEN + 4)
#define KRB_SCAN 64
#define KRB_MARK_LEN 7
/* 12 01 02 02 03 00 7e, the first byte lowest: the last 7 bytes read, as kept below */
#define KRB_MARK 0x007e000302020112ull

/*
 * Where the mark's last byte (0x7e) is in b, or -1: one byte in per step, one
 * comparison of the last seven.
 */
static __always_inline int krb_error_at(const __u8 *b)
{
	__u64 last = 0;

	for (int i = 0; i < KRB_SCAN - 1; i++) {
		last = (last >> 8) | ((__u64)b[i] << 56);
		if ((last >> 8) == KRB_MARK)
			return i;
	}
	return -1;
}

/*
 * The verifier knows each position krb_error_at can return as a constant, and
 * the copy's size depends on it: it would check what follows once per
 * position (63 times, most of the agent's start-up). Read back through a
 * helper, the position is one unknown byte, bounded below: checked once.
 */
static __always_inline int launder_pos(int at)
{
	__u8 in = (__u8)at, out;

	if (at < 0 || bpf_probe_read_kernel(&out, 1, &in) || out >= KRB_SCAN)
		return -1;
	return out;
}

static __always_inline int report_krb_error(struct SMB2_sess_data *sd, const __u8 *rsp,
					    __u32 rsplen, int ret)
{
	__u8 head[KRB_SCAN] = {};
	struct smbw_event *e;
	__u16 secbuf[2];
	__u32 n;
	int at;

	if (rsplen < SESS_RSP_SECBUF_OFF + 4 ||
	    bpf_probe_read_kernel(secbuf, sizeof(secbuf), rsp + SESS_RSP_SECBUF_OFF))
		return 0;
	/* the security buffer: offset from the SMB2 header, length; inside the response */
	if (secbuf[0] < SMB2_HDR_LEN || secbuf[1] < KRB_MARK_LEN ||
	    (__u32)secbuf[0] + secbuf[1] > rsplen)
		return 0;
	if (bpf_probe_read_kernel(head, sizeof(head), rsp + secbuf[0]))
		return 0;
	at = launder_pos(krb_error_at(head));
	if (at < 0 || at >= secbuf[1])
		return 0;
	e = event_reserve_krb(EV_SMB_SESSION_KRB_ERROR);
	if (!e)
		return 0;
	event_set_task(e);
	e->rc = ret;
	e->command = SMB2_CMD_SESSION_SETUP;
	bpf_probe_read_kernel(&e->nt_status, 4, rsp + SMB2_STATUS_OFF);
	fill_server(e, BPF_CORE_READ(sd, server));
	fill_session(e, BPF_CORE_READ(sd, ses));
	n = skb_krb_len(secbuf[1] - at);
	if (!bpf_probe_read_kernel(e->krb, n, rsp + secbuf[0] + at))
		e->krb_len = n;
	event_submit(e);
	return 0;
}

/*
 * What the client's NTLMSSP AUTHENTICATE message (MS-NLMP 2.2.1.3) said, the
 * request's security buffer (iov[1], still the client's blob at exit): the
 * domain, user and workstation names (UTF-16LE, copied as such), the flags,
 * and whether it was anonymous (no NT response). Never the LM or NT response
 * nor the session key: their offsets are read, not their bytes.
 */
#define NTLMSSP_AUTHENTICATE 3
#define NTLMSSP_HDR_LEN 64
#define NTLMSSP_NEGOTIATE_ANONYMOUS 0x00000800u
#define SMB2_SESSION_FLAGS_OFF (SMB2_HDR_LEN + 2)

struct ntlm_field {
	__u16 len, max;
	__u32 off;
};

#define NTLMSSP_SIGNATURE 0x005053534d4c544eull /* "NTLMSSP\0", little-endian */

struct ntlm_auth {
	__u64 sig;
	__u32 type;
	struct ntlm_field lm, nt, domain, user, workstation, session_key;
	__u32 flags;
};

static __always_inline void copy_ntlm_name(char *dst, const __u8 *blob, __u32 bloblen,
					   const struct ntlm_field *f)
{
	__u32 n = f->len;

	if (!n || f->off >= bloblen || n > bloblen - f->off)
		return;
	if (n > SMBW_NAME_LEN - 2) /* UTF-16: leave two NULs to end it */
		n = SMBW_NAME_LEN - 2;
	n &= SMBW_NAME_LEN - 1;
	if (n)
		bpf_probe_read_kernel(dst, n, blob + f->off);
}

static __always_inline int report_ntlm_sent(struct SMB2_sess_data *sd, const __u8 *rsp,
					    __u32 rsplen, int ret)
{
	const __u8 *blob = BPF_CORE_READ(sd, iov[1].iov_base);
	__u32 bloblen = BPF_CORE_READ(sd, iov[1].iov_len);
	struct ntlm_auth a;
	struct smbw_event *e;
	__u16 sflags = 0;

	if (!blob || bloblen < NTLMSSP_HDR_LEN || bpf_probe_read_kernel(&a, sizeof(a), blob))
		return 0;
	if (a.sig != NTLMSSP_SIGNATURE || a.type != NTLMSSP_AUTHENTICATE)
		return 0;
	e = cifs_event(EV_SMB_AUTH_SENT);
	if (!e)
		return 0;
	e->rc = ret;
	e->command = SMB2_CMD_SESSION_SETUP;
	fill_server(e, BPF_CORE_READ(sd, server));
	e->session_id = BPF_CORE_READ(sd, ses, Suid);
	e->sectype = BPF_CORE_READ(sd, ses, sectype);
	copy_ntlm_name(e->user, blob, bloblen, &a.user);
	copy_ntlm_name(e->domain, blob, bloblen, &a.domain);
	copy_ntlm_name(e->host, blob, bloblen, &a.workstation);
	e->reason = a.nt.len; /* 0: anonymous */
	if (!a.nt.len || (a.flags & NTLMSSP_NEGOTIATE_ANONYMOUS))
		e->flags |= SMBW_F_ANONYMOUS;
	if (rsp && rsplen >= SMB2_SESSION_FLAGS_OFF + 2) {
		bpf_probe_read_kernel(&e->nt_status, 4, rsp + SMB2_STATUS_OFF);
		bpf_probe_read_kernel(&sflags, 2, rsp + SMB2_SESSION_FLAGS_OFF);
		e->session_flags = sflags;
	}
	event_submit(e);
	return 0;
}

static __always_inline int on_sess_sendreceive(struct SMB2_sess_data *sd, int ret)
{
	const __u8 *rsp;
	__u32 rsplen;

	if (!sd)
		return 0;
	rsp = BPF_CORE_READ(sd, iov[0].iov_base);
	rsplen = rsp ? BPF_CORE_READ(sd, iov[0].iov_len) : 0;
	report_ntlm_sent(sd, rsp, rsplen, ret);
	if (ret && rsp)
		report_krb_error(sd, rsp, rsplen, ret);
	return 0;
}

/*
 * The end of a connection: cifs_put_tcp_session(server, from_reconnect) drops
 * one reference (--srv_count under cifs_tcp_ses_lock, the same on 6.1, 6.12
 * and 7.2) and tears the connection down when it was the last one. Read at
 * entry, before the count drops and before the hostname is freed. A
 * concurrent mount may take a reference between this read and the lock: then
 * the connection survives the event, and the next mount on it shows so.
 */
static __always_inline int on_put_tcp_session(struct TCP_Server_Info *server, int from_reconnect)
{
	struct smbw_event *e;

	if (!server || BPF_CORE_READ(server, srv_count) > 1)
		return 0;
	e = cifs_event(EV_SMB_SERVER_RELEASED);
	if (!e)
		return 0;
	fill_server(e, server);
	e->reason = from_reconnect ? 1 : 0;
	event_submit(e);
	return 0;
}

/*
 * A server that turns the client away before any SMB (smbd's "hosts deny")
 * answers with an RFC 1002 negative session response (type 0x83, then a code:
 * 0x80 not listening on called name, 0x81 not listening for calling name, 0x82
 * called name not present, 0x83 insufficient resources, 0x8f unspecified), and
 * closes.
 *
 * The receive thread reads every frame's 4-byte RFC 1002 header into
 * server->smallbuf with the global cifs_read_from_socket(): a header whose
 * type is 0x83 is the refusal. 6.1 and 6.12 never read the code that follows
 * (they reconnect, and the mount fails with -EHOSTDOWN): .reason stays 0.
 */
static __always_inline int on_read_from_socket(struct TCP_Server_Info *server, const char *buf,
					       unsigned int to_read, int ret)
{
	struct smbw_event *e;
	__u8 type = 0;

	if (to_read != RFC1002_HEADER_LEN || ret != RFC1002_HEADER_LEN || !server ||
	    buf != BPF_CORE_READ(server, smallbuf))
		return 0;
	if (bpf_probe_read_kernel(&type, 1, buf) || type != RFC1002_NEGATIVE_SESSION_RESPONSE)
		return 0;
	e = cifs_event(EV_SMB_SESSION_REFUSED);
	if (!e)
		return 0;
	fill_server(e, server);
	event_submit(e);
	return 0;
}

/*
 * 7.x retries such a refusal once with a NetBIOS session request, and
 * ip_rfc1001_connect() reads the answer with smb_recv_kvec(server, msg,
 * &recv): first the 4-byte header, then, for a negative response, the 1-byte
 * code (0x81 becomes -EACCES, 0x80/0x82 -ENOENT, 0x83 -EREMOTEIO, else -EIO).
 * Both are static functions (attached where BTF has them, optional): the
 * entry notes which buffer the read fills, the exit reads the code and checks
 * the header before it in the same packet.
 */
static __always_inline void stash_recv_kvec(struct TCP_Server_Info *server, struct msghdr *msg);
static __always_inline int on_recv_kvec(int ret);

/* fexit entry points */

SEC("fexit/cifs_get_tcp_session")
int BPF_PROG(cifs_get_tcp_session_exit, struct smb3_fs_context *fsc,
	     struct TCP_Server_Info *primary, struct TCP_Server_Info *ret)
{
	return on_get_tcp_session(fsc, ret);
}

/*
 * The dialect-independent wrappers, not SMB2_negotiate/SMB2_sess_setup: they
 * also cover SMB1 (vers=1.0), and a mount calls each exactly once.
 */
SEC("fexit/cifs_negotiate_protocol")
int BPF_PROG(cifs_negotiate_exit, unsigned int xid, struct cifs_ses *ses,
	     struct TCP_Server_Info *server, int ret)
{
	return on_negotiate(ses, server, ret);
}

SEC("fexit/cifs_setup_session")
int BPF_PROG(cifs_sess_setup_exit, unsigned int xid, struct cifs_ses *ses,
	     struct TCP_Server_Info *server, void *nls, int ret)
{
	return on_session_setup(ses, server, ret);
}

SEC("fexit/SMB2_tcon")
int BPF_PROG(cifs_tree_connect_exit, unsigned int xid, struct cifs_ses *ses, const char *tree,
	     struct cifs_tcon *tcon, void *nls, int ret)
{
	return on_tree_connect(ses, tree, tcon, ret);
}

SEC("fexit/cifs_get_spnego_key")
int BPF_PROG(cifs_spnego_exit, struct cifs_ses *ses, struct TCP_Server_Info *server, void *ret)
{
	return on_spnego(ses, server, ret);
}

SEC("fexit/SMB2_sess_sendreceive")
int BPF_PROG(cifs_sess_leg_exit, struct SMB2_sess_data *sd, int ret)
{
	return on_sess_sendreceive(sd, ret);
}

SEC("fexit/smb2_verify_signature")
int BPF_PROG(cifs_verify_signature_exit, void *rqst, struct TCP_Server_Info *server, int ret)
{
	return on_verify_signature(server, ret);
}

/* bool arguments: only the low byte of the register is defined */
SEC("fexit/cifs_enable_signing")
int BPF_PROG(cifs_enable_signing_exit, struct TCP_Server_Info *server, __u8 wanted, int ret)
{
	return on_enable_signing(server, wanted, ret);
}

SEC("fentry/cifs_put_tcp_session")
int BPF_PROG(cifs_put_tcp_session_entry, struct TCP_Server_Info *server, int from_reconnect)
{
	return on_put_tcp_session(server, from_reconnect);
}

SEC("fexit/cifs_read_from_socket")
int BPF_PROG(cifs_read_from_socket_exit, struct TCP_Server_Info *server, char *buf,
	     unsigned int to_read, int ret)
{
	return on_read_from_socket(server, buf, to_read, ret);
}

SEC("fentry/smb_recv_kvec")
int BPF_PROG(cifs_recv_kvec_entry, struct TCP_Server_Info *server, struct msghdr *msg)
{
	stash_recv_kvec(server, msg);
	return 0;
}

SEC("fexit/smb_recv_kvec")
int BPF_PROG(cifs_recv_kvec_exit, struct TCP_Server_Info *server, struct msghdr *msg,
	     void *recv, int ret)
{
	return on_recv_kvec(ret);
}

/*
 * kprobe/kretprobe fallback: the kprobe stashes the first five arguments, the
 * kretprobe takes them back and calls the same handler. These functions sleep
 * (network I/O), so the stash is keyed by thread, not CPU, and by hook:
 * hooked calls nest in one thread (cifs_setup_session -> cifs_get_spnego_key;
 * on a signed connection every response of a mount's thread passes
 * smb2_check_receive -> smb2_verify_signature; SMB2_negotiate ->
 * cifs_enable_signing), and an inner call must not take the outer call's
 * arguments. LRU: an entry whose kretprobe never ran (a missed return, a
 * detach in between) ages out instead of filling the map. One hook re-entered
 * in one thread would still share an entry; none of these recurses.
 */
enum stash_hook {
	STASH_GET_TCP_SESSION = 1,
	STASH_NEGOTIATE,
	STASH_SESS_SETUP,
	STASH_TREE_CONNECT,
	STASH_SPNEGO,
	STASH_VERIFY_SIGNATURE,
	STASH_ENABLE_SIGNING,
	STASH_READ_FROM_SOCKET,
	STASH_RECV_KVEC,
	STASH_SESS_SENDRECEIVE,
};

struct stash_key {
	__u64 tid;
	__u32 hook; /* enum stash_hook */
	__u32 pad;  /* always 0: the key is hashed as bytes */
};

struct call_args {
	__u64 arg[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct stash_key);
	__type(value, struct call_args);
} cifs_call_args SEC(".maps");

static __always_inline void stash_put(__u32 hook, const struct call_args *a)
{
	struct stash_key k = { .tid = bpf_get_current_pid_tgid(), .hook = hook };

	bpf_map_update_elem(&cifs_call_args, &k, a, BPF_ANY);
}

/* Copies and forgets this thread's stash for hook; false if there is none. */
static __always_inline bool stash_take(__u32 hook, struct call_args *out)
{
	struct stash_key k = { .tid = bpf_get_current_pid_tgid(), .hook = hook };
	struct call_args *a = bpf_map_lookup_elem(&cifs_call_args, &k);

	if (!a)
		return false;
	*out = *a;
	bpf_map_delete_elem(&cifs_call_args, &k);
	return true;
}

static __always_inline int stash_args(struct pt_regs *ctx, __u32 hook)
{
	struct call_args a = {
		.arg = { PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
			 PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx) },
	};

	stash_put(hook, &a);
	return 0;
}

/* A kprobe at entry and a kretprobe that calls CALL with the entry's arguments in a.arg[]. */
#define KPROBE_PAIR(name, func, hook, call)                                            \
	SEC("kprobe/" #func)                                                           \
	int BPF_KPROBE(name##_entry)                                                   \
	{                                                                              \
		return stash_args(ctx, hook);                                          \
	}                                                                              \
	SEC("kretprobe/" #func)                                                        \
	int BPF_KRETPROBE(name##_return, long ret)                                     \
	{                                                                              \
		struct call_args a;                                                    \
		if (!stash_take(hook, &a))                                             \
			return 0;                                                      \
		return call;                                                           \
	}

KPROBE_PAIR(cifs_get_tcp_session_kp, cifs_get_tcp_session, STASH_GET_TCP_SESSION,
	    on_get_tcp_session((void *)a.arg[0], (void *)ret))
KPROBE_PAIR(cifs_negotiate_kp, cifs_negotiate_protocol, STASH_NEGOTIATE,
	    on_negotiate((void *)a.arg[1], (void *)a.arg[2], (int)ret))
KPROBE_PAIR(cifs_sess_setup_kp, cifs_setup_session, STASH_SESS_SETUP,
	    on_session_setup((void *)a.arg[1], (void *)a.arg[2], (int)ret))
KPROBE_PAIR(cifs_tree_connect_kp, SMB2_tcon, STASH_TREE_CONNECT,
	    on_tree_connect((void *)a.arg[1], (void *)a.arg[2], (void *)a.arg[3], (int)ret))
KPROBE_PAIR(cifs_spnego_kp, cifs_get_spnego_key, STASH_SPNEGO,
	    on_spnego((void *)a.arg[0], (void *)a.arg[1], (void *)ret))
KPROBE_PAIR(cifs_verify_signature_kp, smb2_verify_signature, STASH_VERIFY_SIGNATURE,
	    on_verify_signature((void *)a.arg[1], (int)ret))
KPROBE_PAIR(cifs_enable_signing_kp, cifs_enable_signing, STASH_ENABLE_SIGNING,
	    on_enable_signing((void *)a.arg[0], (__u8)a.arg[1], (int)ret))
KPROBE_PAIR(cifs_read_from_socket_kp, cifs_read_from_socket, STASH_READ_FROM_SOCKET,
	    on_read_from_socket((void *)a.arg[0], (void *)a.arg[1], (unsigned int)a.arg[2],
				(int)ret))

KPROBE_PAIR(cifs_sess_leg_kp, SMB2_sess_sendreceive, STASH_SESS_SENDRECEIVE,
	    on_sess_sendreceive((void *)a.arg[0], (int)ret))

/* Entry only: what cifs_put_tcp_session does is decided by the count it finds. */
SEC("kprobe/cifs_put_tcp_session")
int BPF_KPROBE(cifs_put_tcp_session_kp_entry, struct TCP_Server_Info *server, int from_reconnect)
{
	return on_put_tcp_session(server, from_reconnect);
}

/* smb_recv_kvec: the entry stashes the buffer (not the arguments: msg advances as it reads). */
static __always_inline void stash_recv_kvec(struct TCP_Server_Info *server, struct msghdr *msg)
{
	struct call_args a = {};

	a.arg[0] = (__u64)server;
	a.arg[1] = (__u64)BPF_CORE_READ(msg, msg_iter.kvec);
	stash_put(STASH_RECV_KVEC, &a);
}

static __always_inline int on_recv_kvec(int ret)
{
	__u32 code_off = bpf_core_field_offset(struct rfc1002_session_packet,
					       trailer.neg_ses_resp_error_code);
	__u32 len_off = bpf_core_field_offset(struct rfc1002_session_packet, length);
	struct smbw_event *e;
	struct call_args a;
	const struct kvec *kv;
	__u8 *code_at, type = 0, code = 0;
	__u16 len = 0;

	if (!stash_take(STASH_RECV_KVEC, &a) || ret != 0)
		return 0;
	kv = (const struct kvec *)a.arg[1];
	if (!kv || BPF_CORE_READ(kv, iov_len) != 1)
		return 0; /* the code is the only 1-byte read */
	code_at = BPF_CORE_READ(kv, iov_base);
	if (!code_at || bpf_probe_read_kernel(&code, 1, code_at) ||
	    bpf_probe_read_kernel(&type, 1, code_at - code_off) ||
	    bpf_probe_read_kernel(&len, 2, code_at - code_off + len_off))
		return 0;
	if (type != RFC1002_NEGATIVE_SESSION_RESPONSE || bpf_ntohs(len) != 1)
		return 0;
	e = cifs_event(EV_SMB_SESSION_REFUSED);
	if (!e)
		return 0;
	fill_server(e, (struct TCP_Server_Info *)a.arg[0]);
	e->reason = code;
	event_submit(e);
	return 0;
}

SEC("kprobe/smb_recv_kvec")
int BPF_KPROBE(cifs_recv_kvec_kp_entry, struct TCP_Server_Info *server, struct msghdr *msg)
{
	stash_recv_kvec(server, msg);
	return 0;
}

SEC("kretprobe/smb_recv_kvec")
int BPF_KRETPROBE(cifs_recv_kvec_kp_return, long ret)
{
	return on_recv_kvec((int)ret);
}

/* ---- tracepoints: tp_btf, with raw_tp twins that share the handler (TP_TWINS) ---- */

static __always_inline int handle_cmd_err(__u32 tid, __u64 sesid, __u16 cmd, __u32 status, int rc)
{
	struct smbw_event *e;

	/*
	 * Mount phases, and session loss on any command but LOGOFF (the teardown
	 * of a failed mount); file-level errors are not ours.
	 */
	if (cmd == SMB2_CMD_LOGOFF)
		return 0;
	if (cmd > SMB2_CMD_TREE_CONNECT && status != STATUS_NETWORK_SESSION_EXPIRED &&
	    status != STATUS_USER_SESSION_DELETED)
		return 0;
	e = cifs_event(EV_SMB_COMMAND_FAILED);
	if (!e)
		return 0;
	e->tree_id = tid;
	e->session_id = sesid;
	e->command = cmd;
	e->nt_status = status;
	e->rc = rc;
	event_submit(e);
	return 0;
}

TP_TWINS(cifs_cmd_err, smb3_cmd_err, handle_cmd_err(tid, sesid, cmd, status, rc), __u32 tid,
	 __u64 sesid, __u16 cmd, __u64 mid, __u32 status, int rc)

static __always_inline int handle_tcon(__u32 tid, __u64 sesid, const char *unc, int rc)
{
	struct smbw_event *e = cifs_event(EV_SMB_TREE_CONNECT);

	if (!e)
		return 0;
	e->tree_id = tid;
	e->session_id = sesid;
	e->command = SMB2_CMD_TREE_CONNECT;
	e->rc = rc;
	read_str(e->unc, sizeof(e->unc), unc);
	event_submit(e);
	return 0;
}

TP_TWINS(cifs_tcon_tp, smb3_tcon, handle_tcon(tid, sesid, unc, rc), unsigned int xid, __u32 tid,
	 __u64 sesid, const char *unc, int rc)

static __always_inline int handle_connect(__u16 type, const char *host, __u64 conn_id,
					  const struct __kernel_sockaddr_storage *dst, int rc)
{
	struct smbw_event *e = cifs_event(type);

	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->rc = rc;
	read_str(e->host, sizeof(e->host), host);
	read_sockaddr(&e->remote, dst);
	event_submit(e);
	return 0;
}

TP_TWINS(cifs_connect_done, smb3_connect_done,
	 handle_connect(EV_SMB_CONNECT_DONE, host, conn_id, dst, 0), const char *host,
	 __u64 conn_id, const struct __kernel_sockaddr_storage *dst)
TP_TWINS(cifs_connect_err, smb3_connect_err,
	 handle_connect(EV_SMB_CONNECT_FAILED, host, conn_id, dst, rc), const char *host,
	 __u64 conn_id, const struct __kernel_sockaddr_storage *dst, int rc)

static __always_inline int handle_reconnect(__u64 conn_id, const char *host)
{
	struct smbw_event *e = cifs_event(EV_SMB_RECONNECT);

	if (!e)
		return 0;
	e->conn_id = conn_id;
	read_str(e->host, sizeof(e->host), host);
	event_submit(e);
	return 0;
}

TP_TWINS(cifs_reconnect, smb3_reconnect, handle_reconnect(conn_id, host), __u64 currmid,
	 __u64 conn_id, const char *host)

static __always_inline int handle_ses_expired(__u32 tid, __u64 sesid, __u16 cmd)
{
	struct smbw_event *e = cifs_event(EV_SMB_SESSION_EXPIRED);

	if (!e)
		return 0;
	e->tree_id = tid;
	e->session_id = sesid;
	e->command = cmd;
	event_submit(e);
	return 0;
}

TP_TWINS(cifs_ses_expired, smb3_ses_expired, handle_ses_expired(tid, sesid, cmd), __u32 tid,
	 __u64 sesid, __u16 cmd, __u64 mid)

/* 6.12+: smb3_key_expired(hostname, username, conn_id, addr, rc) */
SEC("tp_btf/smb3_key_expired")
int BPF_PROG(cifs_key_expired_btf, const char *host, const char *user, __u64 conn_id,
	     const struct __kernel_sockaddr_storage *dst, int rc)
{
	struct smbw_event *e = cifs_event(EV_SMB_KEY_EXPIRED);

	if (!e)
		return 0;
	e->conn_id = conn_id;
	e->rc = rc;
	read_str(e->host, sizeof(e->host), host);
	read_str(e->user, sizeof(e->user), user);
	read_sockaddr(&e->remote, dst);
	event_submit(e);
	return 0;
}

/* 7.x: smb3_kerberos_auth(server, ses, rc): the result of Kerberos session setup */
SEC("tp_btf/smb3_kerberos_auth")
int BPF_PROG(cifs_kerberos_auth_btf, struct TCP_Server_Info *server, struct cifs_ses *ses, int rc)
{
	struct smbw_event *e = cifs_event(EV_SMB_KERBEROS_AUTH);

	if (!e)
		return 0;
	e->rc = rc;
	fill_server(e, server);
	fill_session(e, ses);
	event_submit(e);
	return 0;
}

/*
 * 7.x: smb3_eio(trace, info, info2): why a request became -EIO. The trace
 * enum's numbering is the kernel's own; the raw value goes out in .reason.
 */
SEC("tp_btf/smb3_eio")
int BPF_PROG(cifs_eio_btf, int trace, unsigned long info, unsigned long info2)
{
	struct smbw_event *e = cifs_event(EV_SMB_EIO);

	if (!e)
		return 0;
	e->rc = -5; /* -EIO */
	e->reason = trace;
	event_submit(e);
	return 0;
}
