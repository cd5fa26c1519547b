// SPDX-License-Identifier: GPL-2.0
/*
 * Kerberos evidence: what this host's Kerberos clients (cifs.upcall above all)
 * sent to a KDC and what it answered, the errors their KDC sockets got, and
 * whether the kernel's Kerberos upcall ran at all.
 *
 * MIT Kerberos asks the KDC over UDP first, so the TCP tracepoints alone see
 * nothing of most exchanges. A cgroup_skb pair on the cgroup v2 root sees
 * every socket's packets, UDP and TCP, in both directions, including those of
 * the cifs.upcall the kernel forks (it runs in the root cgroup); the socket's
 * ports are in the program's context, so a packet that is not to or from a
 * KDC costs a few loads. The programs only watch: they always return 1.
 *
 * Only the message type of a KDC exchange leaves the kernel, and the whole of
 * a KRB-ERROR: AS-REP and TGS-REP carry tickets, AS-REQ and TGS-REQ carry
 * pre-authentication and the TGT, and none of their bytes is copied.
 */
#include "common.bpf.h"

#define IPPROTO_UDP 17
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define TCP_LEN_PREFIX 4 /* Kerberos over TCP: a 4-byte big-endian length first */

/* [APPLICATION n] tags of the messages a KDC exchange is made of (RFC 4120) */
#define KRB_TAG_AS_REQ 0x6a
#define KRB_TAG_TGS_REP 0x6d
#define KRB_TAG_ERROR 0x7e
#define KRB_APP_ERROR 30

/* The KDC's port: a constant the loader may change before load (--ports without 88: not attached). */
const volatile __u16 kdc_port = SMBW_PORT_KERBEROS;

struct pkt {
	__u32 l4; /* offset of the transport header from the network header */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	bool v6;
};

/* IP header: where the transport header starts, and which transport it is. */
static __always_inline bool parse_ip(struct __sk_buff *skb, struct pkt *p)
{
	__u8 b[10];

	if (bpf_skb_load_bytes(skb, 0, b, sizeof(b)))
		return false;
	if ((b[0] >> 4) == 4) {
		p->l4 = (b[0] & 0x0f) * 4;
		p->proto = b[9];
		return p->l4 >= 20;
	}
	if ((b[0] >> 4) == 6) {
		p->v6 = true;
		p->l4 = 40; /* extension headers: not on a KDC exchange */
		p->proto = b[6];
		return true;
	}
	return false;
}

static __always_inline void fill_addrs(struct __sk_buff *skb, struct smbw_event *e, bool ingress)
{
	struct smbw_addr *src = ingress ? &e->remote : &e->local;
	struct smbw_addr *dst = ingress ? &e->local : &e->remote;
	bool v6 = skb->protocol == bpf_htons(ETH_P_IPV6);

	src->family = dst->family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		bpf_skb_load_bytes(skb, 8, src->addr, 16);
		bpf_skb_load_bytes(skb, 24, dst->addr, 16);
	} else {
		bpf_skb_load_bytes(skb, 12, src->addr, 4);
		bpf_skb_load_bytes(skb, 16, dst->addr, 4);
	}
}

/*
 * The KDC's side of the socket: the remote port of a connected socket, from
 * the context (__sk_buff.remote_port is the network-order port in the upper
 * half on little-endian hosts). An unconnected UDP socket has none: its
 * datagram's own header says.
 */
static __always_inline bool to_or_from_kdc(struct __sk_buff *skb, bool ingress, struct pkt *p)
{
	__u16 rport = bpf_ntohs((__u16)(skb->remote_port >> 16));
	__be16 ports[2];

	if (rport && rport != kdc_port)
		return false;
	if (!parse_ip(skb, p))
		return false;
	if (rport)
		return p->proto == IPPROTO_UDP || p->proto == IPPROTO_TCP;
	if (p->proto != IPPROTO_UDP || bpf_skb_load_bytes(skb, p->l4, ports, sizeof(ports)))
		return false;
	return bpf_ntohs(ports[ingress ? 0 : 1]) == kdc_port;
}

/* Offset of the Kerberos message in the packet, or 0 when it carries none. */
static __always_inline __u32 message_offset(struct __sk_buff *skb, const struct pkt *p)
{
	__u8 doff;

	if (p->proto == IPPROTO_UDP)
		return p->l4 + 8;
	if (bpf_skb_load_bytes(skb, p->l4 + 12, &doff, 1))
		return 0;
	/* a segment that starts a message: the length prefix, then the tag */
	return p->l4 + (doff >> 4) * 4 + TCP_LEN_PREFIX;
}

static __always_inline void copy_krb_error(struct __sk_buff *skb, struct smbw_event *e, __u32 off)
{
	__u32 n;

	if (skb->len <= off)
		return;
	n = skb_krb_len(skb->len - off);
	if (!bpf_skb_load_bytes(skb, off, e->krb, n))
		e->krb_len = n;
}

static __always_inline void kdc_packet(struct __sk_buff *skb, bool ingress)
{
	struct smbw_event *e;
	struct pkt p = {};
	__u32 off;
	__u8 tag;

	if (!to_or_from_kdc(skb, ingress, &p))
		return;
	off = message_offset(skb, &p);
	if (!off || off >= skb->len || bpf_skb_load_bytes(skb, off, &tag, 1))
		return; /* a bare ACK, or the rest of a message that began in another segment */
	if ((tag < KRB_TAG_AS_REQ || tag > KRB_TAG_TGS_REP) && tag != KRB_TAG_ERROR)
		return;
	/* each record size on its own path: the verifier sees which one .krb fits in */
	if (tag == KRB_TAG_ERROR) {
		e = event_reserve_krb(EV_KRB_MESSAGE);
		if (!e)
			return;
		copy_krb_error(skb, e, off);
	} else {
		e = event_reserve(EV_KRB_MESSAGE);
		if (!e)
			return;
	}
	e->krb_type = tag & 0x1f;
	e->ip_proto = p.proto;
	e->cookie = bpf_get_socket_cookie(skb);
	if (ingress)
		e->flags |= SMBW_F_INGRESS;
	fill_addrs(skb, e, ingress);
	e->local.port = skb->local_port;
	e->remote.port = kdc_port;
	event_submit(e);
}

SEC("cgroup_skb/ingress")
int kdc_ingress(struct __sk_buff *skb)
{
	kdc_packet(skb, true);
	return 1;
}

SEC("cgroup_skb/egress")
int kdc_egress(struct __sk_buff *skb)
{
	kdc_packet(skb, false);
	return 1;
}

/*
 * A KDC socket's error: ICMP port or host unreachable on UDP (the KDC is
 * down or filtered with reject), a refused or reset TCP connection. The
 * socket's cookie joins it to the messages above (cgroup_skb generated it
 * when the request went out).
 */
static __always_inline int on_sk_error(bool btf, const struct sock *sk)
{
	struct smbw_event *e;
	__u16 family;

	/* every socket error of the host comes here: one plain load decides (tp_btf) */
	if (bpf_ntohs(BTF_READ(btf, sk, __sk_common.skc_dport)) != kdc_port)
		return 0;
	e = event_reserve(EV_KRB_SOCK_ERROR);
	if (!e)
		return 0;
	e->rc = -BPF_CORE_READ(sk, sk_err);
	e->ip_proto = BPF_CORE_READ(sk, sk_protocol);
	e->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->local.family = e->remote.family = family;
	e->local.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->remote.port = kdc_port;
	if (family == AF_INET) {
		BPF_CORE_READ_INTO(&e->local.addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&e->remote.addr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&e->local.addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->remote.addr, sk, __sk_common.skc_v6_daddr);
	}
	event_set_task(e);
	event_submit(e);
	return 0;
}

TP_TWINS(kdc_sk_error, inet_sk_error_report, on_sk_error(btf, sk), const struct sock *sk)

/*
 * The upcall's processes, by the name exec gave them: the kernel runs
 * /sbin/request-key for the cifs.spnego key, and its rule runs cifs.upcall.
 * Two words compared: every exec and exit on the host passes here.
 */
static __always_inline int upcall_process(const struct task_struct *p)
{
	char comm[16];
	__u64 w0, w1;

	if (bpf_probe_read_kernel(comm, sizeof(comm), p->comm))
		return -1;
	__builtin_memcpy(&w0, comm, 8);
	__builtin_memcpy(&w1, comm + 8, 8);
	/* "request-key\0" and "cifs.upcall\0": 11 characters and the NUL */
	if (w0 == 0x2d74736575716572ull && (w1 & 0xffffffffull) == 0x0079656bull)
		return 0;
	if (w0 == 0x6370752e73666963ull && (w1 & 0xffffffffull) == 0x006c6c61ull)
		return 1;
	return -1;
}

static __always_inline int on_proc(const struct task_struct *p, __u16 type)
{
	struct smbw_event *e;
	int which;

	which = upcall_process(p);
	if (which < 0)
		return 0;
	if (type == EV_PROC_EXIT && BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0; /* a thread: the process ends with its leader */
	e = event_reserve(type);
	if (!e)
		return 0;
	e->pid = BPF_CORE_READ(p, tgid);
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->reason = which;
	if (type == EV_PROC_EXIT)
		e->rc = BPF_CORE_READ(p, exit_code);
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), p->comm);
	event_submit(e);
	return 0;
}

TP_TWINS(upcall_exec, sched_process_exec, on_proc(p, EV_PROC_EXEC), struct task_struct *p)
TP_TWINS(upcall_exit, sched_process_exit, on_proc(p, EV_PROC_EXIT), struct task_struct *p)
