// SPDX-License-Identifier: GPL-2.0
/*
 * TCP evidence for SMB and Kerberos connections: state changes, retransmits
 * and resets in both directions, for sockets with a watched port on either
 * end. Everything else returns before the ring buffer is touched.
 *
 * Each hook has a tp_btf entry point (preferred) and a raw_tp one (fallback
 * where BTF-typed tracepoints cannot attach); both call the same handler,
 * which reads through BTF_READ: plain loads in the tp_btf twin, CO-RE probe
 * reads in the raw one. The port filter comes first and is one load of the
 * socket's port pair and two array lookups the verifier inlines.
 */
#include "common.bpf.h"

struct tuple {
	struct smbw_addr local;
	struct smbw_addr remote;
};

/* The ports first: most sockets are not ours, and this is all it takes to know. */
static __always_inline bool sock_watched(bool btf, const struct sock *sk, struct tuple *t)
{
	/* skc_portpair: skc_dport (network order) in the low half, skc_num above */
	__u32 pp = BTF_READ(btf, sk, __sk_common.skc_portpair);

	t->remote.port = bpf_ntohs((__u16)pp);
	t->local.port = pp >> 16;
	return ports_watched(t->remote.port, t->local.port);
}

/* The rest of the tuple, for a socket sock_watched() accepted. */
static __always_inline bool tuple_from_sock(bool btf, const struct sock *sk, struct tuple *t)
{
	__u16 family = BTF_READ(btf, sk, __sk_common.skc_family);

	t->local.family = family;
	t->remote.family = family;
	if (family == AF_INET) {
		__u32 saddr = BTF_READ(btf, sk, __sk_common.skc_rcv_saddr);
		__u32 daddr = BTF_READ(btf, sk, __sk_common.skc_daddr);

		__builtin_memcpy(t->local.addr, &saddr, 4);
		__builtin_memcpy(t->remote.addr, &daddr, 4);
		return true;
	}
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&t->local.addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&t->remote.addr, sk, __sk_common.skc_v6_daddr);
		return true;
	}
	return false;
}

/* Linux 6.2+: a pointer the verifier lets a program load from, faults caught (PROBE_MEM). */
extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

/*
 * The ports of a packet's TCP header. cast: by direct loads through
 * bpf_rdonly_cast, only where the kernel is new enough to have it (the 6.10+
 * tp_btf program; every SYN to a closed port runs it); else a probe read.
 */
static __always_inline bool skb_ports(bool cast, unsigned char *tcp, __u16 *src, __u16 *dst)
{
	__be16 ports[2];

	if (cast) {
		const struct tcphdr *th = bpf_rdonly_cast(tcp, bpf_core_type_id_kernel(struct tcphdr));

		*src = bpf_ntohs(th->source);
		*dst = bpf_ntohs(th->dest);
		return true;
	}
	if (bpf_probe_read_kernel(ports, sizeof(ports), tcp))
		return false;
	*src = bpf_ntohs(ports[0]);
	*dst = bpf_ntohs(ports[1]);
	return true;
}

/*
 * The tuple of the connection an incoming packet belongs to, seen from this
 * host: the packet's destination is local. Used when a reset is sent with no
 * socket (6.10+: reason NO_SOCKET, e.g. a SYN to a closed port).
 */
static __always_inline bool tuple_from_rx_skb(bool btf, bool cast, const struct sk_buff *skb,
					      struct tuple *t)
{
	unsigned char *head = BTF_READ(btf, skb, head);
	__u16 nh = BTF_READ(btf, skb, network_header);
	__u16 th = BTF_READ(btf, skb, transport_header);
	__u8 version;

	/* the ports first: a reset to an unwatched port needs nothing more */
	if (!skb_ports(cast, head + th, &t->remote.port, &t->local.port) ||
	    !ports_watched(t->remote.port, t->local.port))
		return false;
	if (bpf_probe_read_kernel(&version, 1, head + nh))
		return false;
	version >>= 4;
	if (version == 4) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return false;
		t->local.family = t->remote.family = AF_INET;
		__builtin_memcpy(t->local.addr, &ip.daddr, 4);
		__builtin_memcpy(t->remote.addr, &ip.saddr, 4);
		return true;
	}
	if (version == 6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return false;
		t->local.family = t->remote.family = AF_INET6;
		__builtin_memcpy(t->local.addr, &ip6.daddr, 16);
		__builtin_memcpy(t->remote.addr, &ip6.saddr, 16);
		return true;
	}
	return false;
}

static __always_inline struct smbw_event *tcp_event(__u16 type, const struct sock *sk,
						    const struct tuple *t)
{
	struct smbw_event *e = event_reserve_tcp(type);

	if (!e)
		return NULL;
	e->sock = (__u64)sk;
	e->local = t->local;
	e->remote = t->remote;
	return e;
}

static __always_inline int handle_state_change(bool btf, const struct sock *sk, int oldstate,
					       int newstate)
{
	struct smbw_event *e;
	struct tuple t = {};

	if (!sock_watched(btf, sk, &t) || BTF_READ(btf, sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (!tuple_from_sock(btf, sk, &t))
		return 0;
	e = tcp_event(EV_TCP_STATE_CHANGE, sk, &t);
	if (!e)
		return 0;
	e->old_state = oldstate;
	e->new_state = newstate;
	/* Only connect() runs in the owning process; other changes run in softirq. */
	if (newstate == TCP_SYN_SENT)
		event_set_task(e);
	event_submit_lazy(e);
	return 0;
}

static __always_inline int handle_sock_event(bool btf, __u16 type, const struct sock *sk)
{
	struct smbw_event *e;
	struct tuple t = {};

	if (!sock_watched(btf, sk, &t) || !tuple_from_sock(btf, sk, &t))
		return 0;
	e = tcp_event(type, sk, &t);
	if (!e)
		return 0;
	e->new_state = BTF_READ(btf, sk, __sk_common.skc_state);
	event_submit_lazy(e);
	return 0;
}

static __always_inline int handle_reset_sent(bool btf, bool cast, const struct sock *sk,
					     const struct sk_buff *skb, __u16 reason)
{
	struct smbw_event *e;
	struct tuple t = {};
	bool no_sock = !sk;

	if (sk) {
		if (!sock_watched(btf, sk, &t) || !tuple_from_sock(btf, sk, &t))
			return 0;
	} else if (!skb || !tuple_from_rx_skb(btf, cast, skb, &t)) {
		return 0;
	}
	e = tcp_event(EV_TCP_RESET_SENT, sk, &t);
	if (!e)
		return 0;
	if (sk)
		e->new_state = BTF_READ(btf, sk, __sk_common.skc_state);
	if (no_sock)
		e->flags |= SMBW_F_NO_SOCK;
	e->reason = reason;
	event_submit_lazy(e);
	return 0;
}

TP_TWINS(tcp_state, inet_sock_set_state, handle_state_change(btf, sk, oldstate, newstate),
	 const struct sock *sk, int oldstate, int newstate)
TP_TWINS(tcp_retransmit, tcp_retransmit_skb, handle_sock_event(btf, EV_TCP_RETRANSMIT, sk),
	 const struct sock *sk)
TP_TWINS(tcp_reset_received, tcp_receive_reset, handle_sock_event(btf, EV_TCP_RESET_RECEIVED, sk),
	 const struct sock *sk)
/* Before 6.10: tcp_send_reset(sk, skb). */
TP_TWINS(tcp_reset_sent, tcp_send_reset, handle_reset_sent(btf, false, sk, skb, 0),
	 const struct sock *sk,
	 const struct sk_buff *skb)
/* 6.10+: tcp_send_reset(sk, skb, reason), and sk may be NULL; the tp_btf twin casts. */
TP_TWINS(tcp_reset_sent_reason, tcp_send_reset, handle_reset_sent(btf, btf, sk, skb, reason),
	 const struct sock *sk, const struct sk_buff *skb, int reason)
