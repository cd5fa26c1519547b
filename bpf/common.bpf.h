/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every smbwatch BPF program shares: the one ring buffer, the drop
 * counter and the set of watched ports (all defined in maps.bpf.c, declared
 * extern here so that the linked object has one of each), and the helpers
 * that reserve and fill a record.
 */
#ifndef SMBWATCH_COMMON_BPF_H
#define SMBWATCH_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "smbwatch_event.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

#ifndef SMBW_MAPS_DEFINE
#define SMBW_MAP_DECL extern
#else
#define SMBW_MAP_DECL
#endif

SMBW_MAP_DECL struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* the agent may resize it before load */
} events SEC(".maps");

/* Records that could not be reserved: the agent sums and reports them. */
SMBW_MAP_DECL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Ports (host order) whose connections are of interest, as one bitmap
 * (struct smbw_port_bits): the check on every TCP event is one array lookup
 * the verifier inlines and two bit tests.
 */
SMBW_MAP_DECL struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct smbw_port_bits);
} watched_ports SEC(".maps");

static __always_inline bool port_bit(const struct smbw_port_bits *bits, __u16 port)
{
	__u32 word = port >> 6;

	/* the compiler knows the bound from the type; the verifier must be told it */
	barrier_var(word);
	word &= 65536 / 64 - 1;
	return bits->w[word] & smbw_port_bit(port);
}

/* Either end of a connection on a watched port. */
static __always_inline bool ports_watched(__u16 a, __u16 b)
{
	__u32 zero = 0;
	const struct smbw_port_bits *bits = bpf_map_lookup_elem(&watched_ports, &zero);

	return bits && (port_bit(bits, a) || port_bit(bits, b));
}

/*
 * Records the programs tried to reserve: delivered + dropped = attempted, which
 * the agent checks at exit (a loss it did not count would show there).
 */
SMBW_MAP_DECL struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} attempts SEC(".maps");

static __always_inline void count_in(void *map)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(map, &zero);

	if (n)
		*n += 1;
}

static __always_inline void count_drop(void)
{
	count_in(&drops);
}

/*
 * Reserve a zeroed record of len bytes. Zeroing matters: ring buffer memory
 * is reused, and a stale byte in a recorded file would make replays differ
 * between runs.
 */
static __always_inline struct smbw_event *reserve_len(__u16 type, const __u32 len)
{
	struct smbw_event *e;

	count_in(&attempts);
	e = bpf_ringbuf_reserve(&events, len, 0);
	if (!e) {
		count_drop();
		return NULL;
	}
	__builtin_memset(e, 0, len);
	e->abi = SMBW_ABI_VERSION;
	e->type = type;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/* A TCP record: up to its TCP fields (the agent reads the names and the rest as zero). */
static __always_inline struct smbw_event *event_reserve_tcp(__u16 type)
{
	return reserve_len(type, SMBW_EVENT_TCP_LEN);
}

/*
 * Submitting: TCP records without a wakeup, unless the ring is a quarter full;
 * every other record (cifs, Kerberos: a few per mount) with a forced one.
 * A wakeup is an irq_work, a self-IPI: the dearest part of a watched TCP event
 * by far (about 2.4 us of 2.6 in a VM). The forced wakeup matters: the kernel
 * skips the wakeup of a record when older ones are still unread, taking it
 * that the reader was woken for those, which a lazy TCP record never did. The
 * reader takes the ring in order, so the TCP records before a cifs record are
 * read with it, and the agent reads the ring anyway every POLL_MS (200 ms).
 */
static __always_inline void event_submit_lazy(struct smbw_event *e)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);

	bpf_ringbuf_submit(e, avail >= size / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void event_submit(struct smbw_event *e)
{
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/* Most records: everything but the KRB-ERROR bytes (the agent reads the rest as zero). */
static __always_inline struct smbw_event *event_reserve(__u16 type)
{
	return reserve_len(type, SMBW_EVENT_BASE_LEN);
}

/* A record that carries a KRB-ERROR in .krb. */
static __always_inline struct smbw_event *event_reserve_krb(__u16 type)
{
	return reserve_len(type, sizeof(struct smbw_event));
}

/*
 * The bytes of a KRB-ERROR to copy, of avail (>= 1): at most SMBW_KRB_LEN, in
 * a form whose bounds the verifier sees whatever registers clang picks.
 */
static __always_inline __u32 skb_krb_len(__u32 avail)
{
	if (avail > SMBW_KRB_LEN)
		avail = SMBW_KRB_LEN;
	return ((avail - 1) & (SMBW_KRB_LEN - 1)) + 1;
}

/*
 * A tracepoint's two entry points, generated from one line: NAME_btf
 * (SEC "tp_btf/TP", preferred) and NAME_raw (SEC "raw_tp/TP", the fallback
 * where BTF-typed tracepoints cannot attach), both returning CALL. The
 * arguments follow CALL, as BPF_PROG takes them. CALL sees a constant `btf`:
 * true in the tp_btf twin, whose arguments are typed pointers that plain
 * loads may read (BTF_READ), false in the raw one, which must go through
 * CO-RE probe reads. The loader's hook table names the pair by NAME
 * (user/kernel/loader.c, TP_TWINS).
 */
#define TP_TWINS(name, tp, call, args...)                       \
	SEC("tp_btf/" #tp)                                      \
	int BPF_PROG(name##_btf, args)                          \
	{                                                       \
		const bool btf __attribute__((unused)) = true;  \
		return call;                                    \
	}                                                       \
	SEC("raw_tp/" #tp)                                      \
	int BPF_PROG(name##_raw, args)                          \
	{                                                       \
		const bool btf __attribute__((unused)) = false; \
		return call;                                    \
	}

/*
 * One field of a typed kernel pointer: a plain load where the program type
 * allows it (tp_btf, fentry: one instruction), a CO-RE probe read elsewhere.
 * btf is a constant, so each twin keeps only its own form.
 */
#define BTF_READ(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))

/* For events raised in a process's own context (connect, mount). */
static __always_inline void event_set_task(struct smbw_event *e)
{
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

#endif /* SMBWATCH_COMMON_BPF_H */
