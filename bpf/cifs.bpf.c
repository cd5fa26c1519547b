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
 * user, share flags, the socket). All reads go through CO-RE against the
 * module's BTF (headers/cifs_core.h). Passwords and keys are never named.
 */
#include "common.bpf.h"
#include "cifs_core.h"

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/* NT statuses that matter after a mount too: the session went away. */
#define STATUS_NETWORK_SESSION_EXPIRED 0xC000035Cu
#define STATUS_USER_SESSION_DELETED 0xC0000203u

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
	struct sock *sk;

	if (!server)
		return;
	e->server = (__u64)server;
	e->conn_id = BPF_CORE_READ(server, conn_id);
	e->dialect = BPF_CORE_READ(server, dialect);
	if (BPF_CORE_READ(server, sign))
		e->flags |= SMBW_F_SIGN;
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
	bpf_ringbuf_submit(e, 0);
	return 0;
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
	return 0;
}

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

SEC("fexit/smb2_verify_signature")
int BPF_PROG(cifs_verify_signature_exit, void *rqst, struct TCP_Server_Info *server, int ret)
{
	return on_verify_signature(server, ret);
}

/*
 * kprobe/kretprobe fallback: the kprobe stashes the first five arguments, the
 * kretprobe takes them back and calls the same handler. These functions sleep
 * (network I/O), so the stash is keyed by thread, not CPU, and by hook:
 * hooked calls nest in one thread (cifs_setup_session -> cifs_get_spnego_key;
 * on a signed connection every response of a mount's thread passes
 * smb2_check_receive -> smb2_verify_signature), and an inner call must not
 * take the outer call's arguments. LRU: an entry whose kretprobe never ran (a
 * missed return, a detach in between) ages out instead of filling the map. One
 * hook re-entered in one thread would still share an entry; none of these
 * recurses.
 */
enum stash_hook {
	STASH_GET_TCP_SESSION = 1,
	STASH_NEGOTIATE,
	STASH_SESS_SETUP,
	STASH_TREE_CONNECT,
	STASH_SPNEGO,
	STASH_VERIFY_SIGNATURE,
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

/* ---- tracepoints: tp_btf, with raw_tp twins that share the handler (TP_TWINS) ---- */

static __always_inline int handle_cmd_err(__u32 tid, __u64 sesid, __u16 cmd, __u32 status, int rc)
{
	struct smbw_event *e;

	/* Mount phases, and session loss on any command; file-level errors are not ours. */
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
	return 0;
}
