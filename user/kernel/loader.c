// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_targets.h"
#include "child_call.h"
#include "loader.h"
#include "privileges.h"
#include "probe.h"
#include "smbwatch.skel.h"

enum hook_kind { KIND_TP, KIND_FENTRY, KIND_FEXIT, KIND_CGROUP_SKB };

/*
 * One row per hook. A hook whose kernel signature changed has one row per
 * variant, told apart by its argument count (probed in BTF, never guessed
 * from the kernel version). raw_prog is the fallback for tracepoints that
 * BTF does not describe (e.g. a module built without BTF).
 */
struct hook {
	const char *group;
	enum hook_kind kind;
	const char *tp_system; /* tracepoints only */
	const char *target; /* cgroup_skb: "ingress" or "egress" (of the cgroup v2 root) */
	int nargs; /* 0: any */
	const char *btf_entry; /* fexit: its fentry half, when the exit needs what entry saw */
	const char *btf_prog;
	const char *raw_prog; /* tracepoints: raw_tp twin */
	/*
	 * Functions: the kprobe fallback. fexit: kprobe "<name>_entry" and
	 * kretprobe "<name>_return"; fentry: the kprobe "<name>_entry" only.
	 */
	const char *kp_prog;
	bool optional; /* only some kernels have it */
};

/* A tracepoint and its raw twin, as bpf/common.bpf.h's TP_TWINS names them: NAME_btf, NAME_raw. */
#define TP_TWINS(grp, sys, tp, n, name, opt)                                               \
	{                                                                                  \
		.group = grp, .kind = KIND_TP, .tp_system = sys, .target = tp, .nargs = n, \
		.btf_prog = name "_btf", .raw_prog = name "_raw", .optional = opt          \
	}
/* A tracepoint with BTF only (the newer cifs ones: a raw form would gain nothing). */
#define TP_BTF(tp, prog)                                                             \
	{                                                                            \
		.group = "cifs", .kind = KIND_TP, .tp_system = "cifs", .target = tp, \
		.btf_prog = prog, .optional = true                                   \
	}
#define FUNC(k, fn, entry, prog, kp, opt)                                                       \
	{                                                                                       \
		.group = "cifs", .kind = k, .target = fn, .btf_entry = entry, .btf_prog = prog, \
		.kp_prog = kp, .optional = opt                                                  \
	}
#define FEXIT(fn, prog, kp) FUNC(KIND_FEXIT, fn, NULL, prog, kp, false)
/* The KDC's packets, UDP and TCP, of every process of the host */
#define CGROUP_SKB(dir, prog)                                                            \
	{                                                                                \
		.group = "kdc", .kind = KIND_CGROUP_SKB, .target = dir, .btf_prog = prog \
	}

static const struct hook hooks[] = {
	TP_TWINS("tcp", "sock", "inet_sock_set_state", 0, "tcp_state", false),
	TP_TWINS("tcp", "tcp", "tcp_retransmit_skb", 0, "tcp_retransmit", false),
	TP_TWINS("tcp", "tcp", "tcp_receive_reset", 0, "tcp_reset_received", false),
	/* the reset reason argument arrived in 6.10 */
	TP_TWINS("tcp", "tcp", "tcp_send_reset", 2, "tcp_reset_sent", false),
	TP_TWINS("tcp", "tcp", "tcp_send_reset", 3, "tcp_reset_sent_reason", false),

	CGROUP_SKB("ingress", "kdc_ingress"),
	CGROUP_SKB("egress", "kdc_egress"),
	TP_TWINS("kdc", "sock", "inet_sk_error_report", 0, "kdc_sk_error", false),
	TP_TWINS("kdc", "sched", "sched_process_exec", 0, "upcall_exec", false),
	TP_TWINS("kdc", "sched", "sched_process_exit", 0, "upcall_exit", false),

	TP_TWINS("cifs", "cifs", "smb3_cmd_err", 0, "cifs_cmd_err", false),
	TP_TWINS("cifs", "cifs", "smb3_tcon", 0, "cifs_tcon_tp", false),
	TP_TWINS("cifs", "cifs", "smb3_connect_done", 0, "cifs_connect_done", false),
	TP_TWINS("cifs", "cifs", "smb3_connect_err", 0, "cifs_connect_err", false),
	TP_TWINS("cifs", "cifs", "smb3_reconnect", 0, "cifs_reconnect", false),
	TP_TWINS("cifs", "cifs", "smb3_ses_expired", 0, "cifs_ses_expired", false),
	TP_BTF("smb3_key_expired", "cifs_key_expired_btf"),
	TP_BTF("smb3_kerberos_auth", "cifs_kerberos_auth_btf"),
	TP_BTF("smb3_eio", "cifs_eio_btf"),
	FEXIT("cifs_get_tcp_session", "cifs_get_tcp_session_exit", "cifs_get_tcp_session_kp"),
	FEXIT("cifs_negotiate_protocol", "cifs_negotiate_exit", "cifs_negotiate_kp"),
	FEXIT("cifs_enable_signing", "cifs_enable_signing_exit", "cifs_enable_signing_kp"),
	FEXIT("cifs_setup_session", "cifs_sess_setup_exit", "cifs_sess_setup_kp"),
	FEXIT("SMB2_tcon", "cifs_tree_connect_exit", "cifs_tree_connect_kp"),
	FEXIT("cifs_get_spnego_key", "cifs_spnego_exit", "cifs_spnego_kp"),
	FEXIT("smb2_verify_signature", "cifs_verify_signature_exit", "cifs_verify_signature_kp"),
	FEXIT("cifs_read_from_socket", "cifs_read_from_socket_exit", "cifs_read_from_socket_kp"),
	/* the end of a connection: the count at entry says whether this call ends it */
	FUNC(KIND_FENTRY, "cifs_put_tcp_session", NULL, "cifs_put_tcp_session_entry",
	     "cifs_put_tcp_session_kp", true),
	/*
	 * each SESSION_SETUP leg: what the client's NTLMSSP blob said, the
	 * server's KRB-ERROR in a failed one (static: where BTF has it)
	 */
	FUNC(KIND_FEXIT, "SMB2_sess_sendreceive", NULL, "cifs_sess_leg_exit", "cifs_sess_leg_kp",
	     true),
	/* 7.x: the answer to a NetBIOS session request (a static function: where BTF has it) */
	FUNC(KIND_FEXIT, "smb_recv_kvec", "cifs_recv_kvec_entry", "cifs_recv_kvec_exit",
	     "cifs_recv_kvec_kp", true),
};

#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))

#define N_GROUPS 3

/* Where an instance's start-up time went (smbwatch -v says it: slow hosts, slow emulators). */
struct load_timing {
	uint64_t btf_ns;    /* reading and parsing the kernel's (and module's) BTF, ours */
	uint64_t load_ns;   /* open, relocate, verify: smbwatch__open and smbwatch__load, every try */
	uint64_t attach_ns; /* links */
	int tries;          /* loads (a hook that fails to load costs one more) */
};

struct instance {
	struct smbwatch *skel;
	struct load_timing timing;
	struct bpf_link *links[N_HOOKS];
	struct bpf_link *entry_links[N_HOOKS];
	struct bpf_program *chosen[N_HOOKS];
	struct bpf_program *entry[N_HOOKS]; /* the kprobe half of a kprobe/kretprobe pair */
	int btf_id[N_HOOKS]; /* the hook's target in the BTF it was chosen with; -1: none */
	int nargs[N_HOOKS]; /* its arguments (a tracepoint's context pointer not counted) */
	int btf_obj_fd; /* module targets: the kernel's BTF object of the module; else 0 */
	__u32 base_types; /* targets with an id at or above this are the module's */
	/* the agent's side: the links the loading process handed over */
	int link_fds[2 * N_HOOKS];
	int n_links;
};

/* The net instance's maps, which the cifs instance shares and the agent reads. */
enum { MAP_EVENTS, MAP_DROPS, MAP_ATTEMPTS, MAP_PORTS, N_MAPS };

struct loader {
	struct loader_config cfg;
	struct btf *vmlinux_btf;
	struct btf *cifs_btf;
	struct instance net;
	struct instance cifs;
	struct hook_result result[N_HOOKS];
	struct loader_group groups[N_GROUPS];
	int cgroup_fd; /* the cgroup v2 root, for the cgroup_skb hooks; -1 without one */
	char cgroup_why[96]; /* why there is none */
	int map_fds[N_MAPS]; /* handed over by the net instance's load; -1 before */
};

/*
 * What a loading process (child_call.h) hands back besides the descriptors:
 * the net instance's maps first (N_MAPS, in enum order), then its links.
 * The strings the results point to are static or the loader's own, which
 * the child shares with the agent (a fork, not an exec).
 */
struct handover {
	int err;
	char errmsg[256];
	struct hook_result result[N_HOOKS];
	struct loader_group groups[N_GROUPS];
	struct load_timing timing;
	int n_maps;
};

_Static_assert(N_MAPS + 2 * N_HOOKS <= CHILD_CALL_MAX_FDS, "a handover carries every link");

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's BTF, timed as the instance's. */
static struct btf *timed_vmlinux_btf(struct instance *in)
{
	uint64_t t0 = mono_ns();
	struct btf *b = btf__load_vmlinux_btf();

	in->timing.btf_ns += mono_ns() - t0;
	return b;
}

/* The group's hooks live in the cifs instance (loaded with cifs.ko) or the net one. */
static bool in_instance(const struct hook *h, bool cifs)
{
	return !strcmp(h->group, "cifs") == cifs;
}

static const char *kind_via(enum hook_kind k)
{
	static const char *const via[] = { "tp_btf", "fentry", "fexit", "cgroup_skb" };

	return via[k];
}

static struct loader_group *group_of(struct loader *l, const char *name)
{
	for (int i = 0; i < N_GROUPS; i++)
		if (!strcmp(l->groups[i].name, name))
			return &l->groups[i];
	return NULL;
}

static struct bpf_program *find_prog(struct smbwatch *skel, const char *name, const char *suffix)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s", name, suffix);
	return bpf_object__find_program_by_name(skel->obj, full);
}

/*
 * A tracepoint without BTF still works as a raw tracepoint, if the event
 * exists. Its btf_trace_ type says so (n >= 0) without tracefs, which a fresh
 * machine may not have mounted; without either, attaching tells.
 */
static bool choose_raw(const struct hook *h, int n)
{
	if (!h->raw_prog || (n < 0 && h->nargs == 3))
		return false;
	return n >= 0 || probe_tracepoint(h->tp_system, h->target) || !probe_tracefs();
}

static struct bpf_program *choose_cgroup_skb(struct loader *l, struct instance *in, size_t i)
{
	struct hook_result *r = &l->result[i];
	struct bpf_program *p;

	if (l->cgroup_fd < 0) {
		r->state = HOOK_ABSENT;
		r->why = l->cgroup_why;
		return NULL;
	}
	r->via = kind_via(KIND_CGROUP_SKB);
	p = find_prog(in->skel, hooks[i].btf_prog, "");
	if (!p) {
		r->state = HOOK_FAILED;
		r->err = -ENOENT;
	}
	return p;
}

/*
 * Which program(s) serve hook i on this kernel; records why none. A function
 * hook falls back to kprobes (a pair for fexit, the entry kprobe for fentry)
 * where its BTF program failed to load, or when asked.
 */
static struct bpf_program *choose_program(struct loader *l, struct instance *in, size_t i)
{
	const struct hook *h = &hooks[i];
	struct hook_result *r = &l->result[i];
	bool fallback = l->cfg.force_fallback || r->fallback;
	bool need_entry = false; /* a pair: the entry half must exist too */
	struct bpf_program *p;
	int n;

	if (h->kind == KIND_CGROUP_SKB)
		return choose_cgroup_skb(l, in, i);
	n = in->nargs[i];
	if (n >= 0 && h->nargs && n != h->nargs) {
		r->state = HOOK_NOT_THIS_KERNEL;
		return NULL;
	}
	if (h->kind == KIND_TP && (n < 0 || (fallback && h->raw_prog))) {
		if (!choose_raw(h, n)) {
			r->state = HOOK_ABSENT;
			return NULL;
		}
		r->via = "raw_tp";
		p = find_prog(in->skel, h->raw_prog, "");
	} else if (h->kind != KIND_TP && n < 0) {
		r->state = HOOK_ABSENT; /* static, inlined, or a module without BTF */
		return NULL;
	} else if (h->kind != KIND_TP && fallback && h->kp_prog) {
		if (!probe_kprobes()) {
			r->state = HOOK_FAILED;
			r->err = r->err ? r->err : -EOPNOTSUPP;
			return NULL;
		}
		r->via = "kprobe";
		if (h->kind == KIND_FENTRY) {
			p = find_prog(in->skel, h->kp_prog, "_entry");
		} else {
			need_entry = true;
			in->entry[i] = find_prog(in->skel, h->kp_prog, "_entry");
			p = find_prog(in->skel, h->kp_prog, "_return");
		}
	} else {
		r->via = h->btf_entry ? "fentry+fexit" : kind_via(h->kind);
		p = find_prog(in->skel, h->btf_prog, "");
		if (h->btf_entry) {
			need_entry = true;
			in->entry[i] = find_prog(in->skel, h->btf_entry, "");
		}
	}
	if (!p || (need_entry && !in->entry[i])) {
		/* the hook table and bpf/ disagree: a build error, said plainly */
		r->state = HOOK_FAILED;
		r->err = -ENOENT;
		return NULL;
	}
	return p;
}

/* Every BTF-attached hook of the instance: its target's id and arguments, in one pass. */
static void resolve_targets(struct instance *in, bool cifs, const struct btf *btf)
{
	struct btf_target t[N_HOOKS];
	char names[N_HOOKS][64];
	int idx[N_HOOKS], n = 0;

	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook *h = &hooks[i];

		in->btf_id[i] = in->nargs[i] = -1;
		if (!in_instance(h, cifs) || h->kind == KIND_CGROUP_SKB)
			continue;
		if (h->kind == KIND_TP)
			snprintf(names[n], sizeof(names[n]), "btf_trace_%s", h->target);
		else
			snprintf(names[n], sizeof(names[n]), "%s", h->target);
		t[n].name = names[n];
		t[n].kind = h->kind == KIND_TP ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC;
		idx[n++] = (int)i;
	}
	btf_targets_find(btf, t, n);
	for (int k = 0; k < n; k++) {
		in->btf_id[idx[k]] = t[k].id;
		in->nargs[idx[k]] = btf_target_nargs(btf, t[k].id, hooks[idx[k]].kind == KIND_TP);
	}
	in->base_types = btf__base_btf(btf) ? btf__type_cnt(btf__base_btf(btf)) : btf__type_cnt(btf);
}

static void select_group(struct loader *l, struct instance *in, bool cifs, const struct btf *btf)
{
	struct bpf_program *p;

	resolve_targets(in, cifs, btf);

	bpf_object__for_each_program(p, in->skel->obj) bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < N_HOOKS; i++) {
		in->chosen[i] = NULL;
		in->entry[i] = NULL;
		if (!in_instance(&hooks[i], cifs) || l->result[i].state == HOOK_FAILED)
			continue;
		if (!strcmp(hooks[i].group, "kdc") &&
		    !portset_contains(l->cfg.ports, SMBW_PORT_KERBEROS)) {
			l->result[i].state = HOOK_ABSENT;
			l->result[i].why = "port 88 is not watched (--ports)";
			continue;
		}
		in->chosen[i] = choose_program(l, in, i);
		if (in->chosen[i])
			bpf_program__set_autoload(in->chosen[i], true);
		if (in->chosen[i] && in->entry[i])
			bpf_program__set_autoload(in->entry[i], true);
	}
}

static struct bpf_link *attach_one(struct loader *l, const struct hook *h, struct bpf_program *p)
{
	if (h->kind == KIND_CGROUP_SKB)
		return bpf_program__attach_cgroup(p, l->cgroup_fd);
	return bpf_program__attach(p);
}

/*
 * What to do about a hook that failed, where it is known. Linux 6.1 lets only
 * CAP_NET_ADMIN attach cgroup programs (7.2 takes CAP_SYS_ADMIN too): an agent
 * given CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN alone gets EPERM there.
 */
static const char *failure_hint(const struct hook *h, const struct hook_result *r)
{
	__u64 caps;

	if (h->kind == KIND_CGROUP_SKB && r->err == -EPERM && !privileges_effective(&caps) &&
	    !(caps & (1ull << CAP_NET_ADMIN)))
		return ": this kernel attaches cgroup programs only with CAP_NET_ADMIN, grant it";
	return "";
}

static void attach_instance(struct loader *l, struct instance *in, bool cifs)
{
	for (size_t i = 0; i < N_HOOKS; i++) {
		struct loader_group *g = group_of(l, hooks[i].group);
		struct hook_result *r = &l->result[i];

		if (!in_instance(&hooks[i], cifs))
			continue;
		if (!in->chosen[i]) {
			if (r->state == HOOK_ABSENT && !hooks[i].optional)
				g->absent_required++;
			if (r->state == HOOK_FAILED)
				g->failed++;
			continue;
		}
		if (in->entry[i]) {
			in->entry_links[i] = bpf_program__attach(in->entry[i]);
			if (!in->entry_links[i]) {
				r->state = HOOK_FAILED;
				r->err = -errno;
				g->failed++;
				continue;
			}
		}
		in->links[i] = attach_one(l, &hooks[i], in->chosen[i]);
		if (!in->links[i]) {
			r->state = HOOK_FAILED;
			r->err = -errno;
			r->hint = failure_hint(&hooks[i], r); /* now: the privileges go later */
			g->failed++;
			continue;
		}
		r->state = HOOK_ATTACHED;
		g->attached++;
	}
	for (int k = 0; k < N_GROUPS; k++) {
		if ((strcmp(l->groups[k].name, "cifs") == 0) != cifs)
			continue;
		l->groups[k].loaded = true;
		l->groups[k].waiting = false;
	}
}

/*
 * libbpf's own fentry/fexit/tp_btf handlers look every target up by name in
 * vmlinux BTF and then in each module's, all types from the first, once per
 * program (btf_targets.h: seconds on a host with many modules). Ours take the
 * IDs select_group found in one pass: the instance being loaded is set here
 * around its load (the loader runs in one thread).
 */
static const struct instance *loading;

static int attach_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	(void)cookie;
	for (size_t i = 0; loading && i < N_HOOKS; i++) {
		if (prog != loading->chosen[i] && prog != loading->entry[i])
			continue;
		if (loading->btf_id[i] <= 0)
			break;
		opts->attach_btf_id = (__u32)loading->btf_id[i];
		opts->attach_btf_obj_fd =
			(__u32)loading->btf_id[i] >= loading->base_types ? loading->btf_obj_fd : 0;
		return 0;
	}
	fprintf(stderr, "smbwatch: no BTF target known for program %s\n", bpf_program__name(prog));
	return -ESRCH;
}

static int attach_traced(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	(void)cookie;
	*link = bpf_program__attach_trace(prog);
	return *link ? 0 : -errno;
}

/* Once per process, before the first open: the handlers are matched when a program is opened. */
static int register_attach_handlers(void)
{
	static const struct {
		const char *sec;
		enum bpf_attach_type type;
	} secs[] = {
		{ "fentry/", BPF_TRACE_FENTRY },
		{ "fexit/", BPF_TRACE_FEXIT },
		{ "tp_btf/", BPF_TRACE_RAW_TP },
	};
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = attach_prepare,
		    .prog_attach_fn = attach_traced);
	static int done;

	for (size_t i = 0; !done && i < sizeof(secs) / sizeof(secs[0]); i++)
		if (libbpf_register_prog_handler(secs[i].sec, BPF_PROG_TYPE_TRACING, secs[i].type,
						 &opts) < 0)
			return -errno;
	done = 1;
	return 0;
}

static void timed_attach(struct loader *l, struct instance *in, bool cifs)
{
	uint64_t t0 = mono_ns();

	attach_instance(l, in, cifs);
	in->timing.attach_ns += mono_ns() - t0;
}

static int reuse_maps(struct smbwatch *to, const int *map_fds)
{
	int err;

	err = bpf_map__reuse_fd(to->maps.events, map_fds[MAP_EVENTS]);
	if (!err)
		err = bpf_map__reuse_fd(to->maps.drops, map_fds[MAP_DROPS]);
	if (!err)
		err = bpf_map__reuse_fd(to->maps.attempts, map_fds[MAP_ATTEMPTS]);
	if (!err)
		err = bpf_map__reuse_fd(to->maps.watched_ports, map_fds[MAP_PORTS]);
	return err;
}

/*
 * libbpf loads an object whole: one program the verifier refuses fails all.
 * To lose only that hook, the loader listens to libbpf's log while loading,
 * notes the program it names as failed, and loads again without it.
 */
static libbpf_print_fn_t saved_print;
static char failed_prog[64];

static int load_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char line[256];
	const char *p;
	va_list copy;

	va_copy(copy, args);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	p = strstr(line, "prog '");
	if (p && strstr(line, "': failed to load")) {
		p += 6;
		snprintf(failed_prog, sizeof(failed_prog), "%.*s", (int)strcspn(p, "'"), p);
	}
	return saved_print ? saved_print(level, fmt, args) : 0;
}

static int hook_of_program(const struct instance *in, const char *name)
{
	for (size_t i = 0; i < N_HOOKS; i++)
		if ((in->chosen[i] && !strcmp(bpf_program__name(in->chosen[i]), name)) ||
		    (in->entry[i] && !strcmp(bpf_program__name(in->entry[i]), name)))
			return (int)i;
	return -1;
}

/*
 * The TCP and Kerberos hooks are chosen with the kernel's BTF alone; libbpf
 * then reads its own copy of it for the load. Ours is let go first, so that
 * the two (some 6 MiB each, parsed) are never held at once: that was the
 * agent's high-water mark. A retry reads it again.
 */
static const struct btf *net_btf(struct loader *l)
{
	if (!l->vmlinux_btf)
		l->vmlinux_btf = timed_vmlinux_btf(&l->net);
	return l->vmlinux_btf;
}

/*
 * SMBWATCH_VERIFIER_STATS=1: what the verifier went through, program by
 * program (stderr): its own statistics (log level 4: time, instructions,
 * states), one buffer per program.
 */
#define STATS_LOG_LEN 1024
#define STATS_LOGS (2 * N_HOOKS) /* a hook loads at most two programs */
static char (*stats_logs)[STATS_LOG_LEN];

static void want_verifier_stats(struct instance *in)
{
	struct bpf_program *p;
	int i = 0;

	if (!getenv("SMBWATCH_VERIFIER_STATS"))
		return;
	free(stats_logs);
	stats_logs = calloc(STATS_LOGS, STATS_LOG_LEN);
	if (!stats_logs)
		return;
	bpf_object__for_each_program(p, in->skel->obj) {
		if (i == STATS_LOGS || !bpf_program__autoload(p))
			continue;
		bpf_program__set_log_level(p, 4);
		bpf_program__set_log_buf(p, stats_logs[i++], STATS_LOG_LEN);
	}
}

static void print_verifier_stats(const struct instance *in)
{
	struct bpf_program *p;
	int i = 0;

	if (!stats_logs)
		return;
	bpf_object__for_each_program(p, in->skel->obj) {
		char *line, *save;

		if (i == STATS_LOGS || !bpf_program__autoload(p))
			continue;
		for (line = strtok_r(stats_logs[i++], "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "smbwatch: verifier: %-32s %s\n", bpf_program__name(p), line);
	}
	free(stats_logs);
	stats_logs = NULL;
}

/*
 * Opens, selects and loads an instance for a group, dropping the hooks that
 * fail to load one by one. reuse: the maps to share (N_MAPS descriptors), or NULL.
 */
static int load_instance(struct loader *l, struct instance *in, bool cifs, const struct btf *btf,
			 const int *reuse)
{
	int err = -EINVAL;

	for (size_t attempt = 0; attempt <= N_HOOKS; attempt++) {
		uint64_t t0;
		int bad;

		if (!cifs && !(btf = net_btf(l)))
			return errno ? -errno : -EINVAL;
		t0 = mono_ns();
		in->timing.tries++;
		in->skel = smbwatch__open();
		if (!in->skel)
			return -errno;
		if (!reuse)
			bpf_map__set_max_entries(in->skel->maps.events, l->cfg.ringbuf_kb * 1024u);
		select_group(l, in, cifs, btf);
		want_verifier_stats(in);
		if (!cifs) {
			btf__free(l->vmlinux_btf);
			l->vmlinux_btf = NULL;
			btf = NULL;
		}
		err = reuse ? reuse_maps(in->skel, reuse) : 0;
		if (err)
			break;
		failed_prog[0] = '\0';
		saved_print = libbpf_set_print(load_print);
		loading = in;
		err = smbwatch__load(in->skel);
		loading = NULL;
		libbpf_set_print(saved_print);
		in->timing.load_ns += mono_ns() - t0;
		if (!err) {
			print_verifier_stats(in);
			return 0;
		}
		bad = hook_of_program(in, failed_prog);
		if (bad < 0)
			break;
		l->result[bad].err = err;
		/* fexit refused (no trampolines here): its kprobe pair gets a try */
		if (hooks[bad].kp_prog && !l->result[bad].fallback && probe_kprobes())
			l->result[bad].fallback = true;
		else
			l->result[bad].state = HOOK_FAILED;
		smbwatch__destroy(in->skel);
		in->skel = NULL;
	}
	smbwatch__destroy(in->skel);
	in->skel = NULL;
	return err;
}

static int fill_ports(struct smbwatch *skel, const struct portset *ps)
{
	static struct smbw_port_bits bits; /* 8 KiB: not on the stack */
	__u32 zero = 0;

	portset_bits(ps, &bits);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.watched_ports), &zero, &bits, BPF_ANY))
		return -errno;
	return 0;
}

static int open_net(struct loader *l, char *errmsg, size_t n)
{
	struct instance *in = &l->net;
	int err;

	err = load_instance(l, in, false, l->vmlinux_btf, NULL);
	if (err) {
		snprintf(errmsg, n,
			 "cannot load the TCP hooks into the kernel: %s "
			 "(run with -vv for the verifier log)",
			 strerror(-err));
		return err;
	}
	err = fill_ports(in->skel, l->cfg.ports);
	if (err) {
		snprintf(errmsg, n, "cannot fill the port map: %s", strerror(-err));
		return err;
	}
	timed_attach(l, in, false);
	return 0;
}

/* In the loading process: the kernel's BTF, then the net instance, loaded and attached. */
static int load_net(struct loader *l, char *errmsg, size_t n)
{
	l->vmlinux_btf = timed_vmlinux_btf(&l->net);
	if (!l->vmlinux_btf) {
		snprintf(errmsg, n, "cannot read the kernel's BTF: %s", strerror(errno));
		return errno ? -errno : -EINVAL;
	}
	return open_net(l, errmsg, n);
}

/* In the loading process: cifs.ko's BTF, then the cifs instance on the net one's maps. */
static int load_cifs(struct loader *l, char *errmsg, size_t n)
{
	struct instance *in = &l->cifs;
	uint64_t t0;
	int err;

	l->vmlinux_btf = timed_vmlinux_btf(in);
	if (!l->vmlinux_btf) {
		err = errno ? errno : EINVAL;
		snprintf(errmsg, n, "cannot read the kernel's BTF for cifs.ko's hooks: %s",
			 strerror(err));
		return -err;
	}
	t0 = mono_ns();
	l->cifs_btf = btf__load_module_btf("cifs", l->vmlinux_btf);
	in->timing.btf_ns += mono_ns() - t0;
	if (!l->cifs_btf && probe_module_btf("cifs")) {
		err = errno ? errno : EINVAL;
		snprintf(errmsg, n, "cannot read cifs.ko's BTF: %s", strerror(err));
		return -err;
	}
	/* the module's targets are named to the kernel by its BTF object (held for the load) */
	in->btf_obj_fd = l->cifs_btf ? btf_module_fd("cifs") : 0;
	if (in->btf_obj_fd < 0) {
		err = in->btf_obj_fd;
		in->btf_obj_fd = 0;
		snprintf(errmsg, n, "cannot open cifs.ko's BTF in the kernel: %s", strerror(-err));
		return err;
	}
	/* Without module BTF only the raw tracepoints can work: vmlinux BTF selects them. */
	err = load_instance(l, in, true, l->cifs_btf ? l->cifs_btf : l->vmlinux_btf, l->map_fds);
	if (err) {
		snprintf(errmsg, n,
			 "cannot load the cifs.ko hooks: %s (run with -vv for the "
			 "verifier log)",
			 strerror(-err));
		return err;
	}
	timed_attach(l, in, true);
	return 0;
}

struct load_call {
	struct loader *l;
	bool cifs;
};

static void add_link_fds(const struct instance *in, struct child_result *out)
{
	for (size_t i = 0; i < N_HOOKS; i++) {
		if (in->entry_links[i])
			out->fds[out->nfds++] = bpf_link__fd(in->entry_links[i]);
		if (in->links[i])
			out->fds[out->nfds++] = bpf_link__fd(in->links[i]);
	}
}

/* The loading process's work: it exits after, and its links live on in the agent's fds. */
static void load_in_child(void *arg, struct child_result *out)
{
	const struct load_call *c = arg;
	struct loader *l = c->l;
	struct instance *in = c->cifs ? &l->cifs : &l->net;
	struct handover *h = out->data;

	h->err = c->cifs ? load_cifs(l, h->errmsg, sizeof(h->errmsg))
			 : load_net(l, h->errmsg, sizeof(h->errmsg));
	memcpy(h->result, l->result, sizeof(h->result));
	memcpy(h->groups, l->groups, sizeof(h->groups));
	h->timing = in->timing;
	h->n_maps = 0;
	if (h->err)
		return;
	if (!c->cifs) {
		out->fds[MAP_EVENTS] = bpf_map__fd(in->skel->maps.events);
		out->fds[MAP_DROPS] = bpf_map__fd(in->skel->maps.drops);
		out->fds[MAP_ATTEMPTS] = bpf_map__fd(in->skel->maps.attempts);
		out->fds[MAP_PORTS] = bpf_map__fd(in->skel->maps.watched_ports);
		out->nfds = h->n_maps = N_MAPS;
	}
	add_link_fds(in, out);
}

/* The agent's side: what the loading process found, and the descriptors it handed over. */
static int take_handover(struct loader *l, bool cifs, const struct handover *h,
			 struct child_result *res, char *errmsg, size_t n)
{
	struct instance *in = cifs ? &l->cifs : &l->net;
	int k = 0;

	memcpy(l->result, h->result, sizeof(l->result));
	memcpy(l->groups, h->groups, sizeof(l->groups));
	in->timing = h->timing;
	if (h->err) {
		snprintf(errmsg, n, "%s", h->errmsg);
		return h->err;
	}
	if (!cifs && (h->n_maps != N_MAPS || res->nfds < N_MAPS)) {
		snprintf(errmsg, n, "the loading process handed over %d maps, %d expected",
			 res->nfds, N_MAPS);
		return -EPROTO;
	}
	for (; !cifs && k < N_MAPS; k++)
		l->map_fds[k] = res->fds[k];
	for (; k < res->nfds; k++)
		in->link_fds[in->n_links++] = res->fds[k];
	return 0;
}

/* Loads an instance in a process of its own (child_call.h says why). */
static int load_elsewhere(struct loader *l, bool cifs, char *errmsg, size_t n)
{
	struct load_call c = { .l = l, .cifs = cifs };
	struct handover h = { 0 };
	struct child_result res = { .data = &h, .len = sizeof(h) };
	int err;

	err = child_call(load_in_child, &c, &res, errmsg, n);
	if (!err)
		err = take_handover(l, cifs, &h, &res, errmsg, n);
	if (err) /* take_handover keeps none on error; child_call's own close theirs */
		for (int i = 0; i < res.nfds; i++)
			close(res.fds[i]);
	return err;
}

struct loader *loader_open(const struct loader_config *cfg, char *errmsg, size_t n)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	if (!l) {
		snprintf(errmsg, n, "out of memory");
		return NULL;
	}
	l->cfg = *cfg;
	l->cgroup_fd = -1;
	for (int i = 0; i < N_MAPS; i++)
		l->map_fds[i] = -1;
	l->groups[0].name = "tcp";
	l->groups[1].name = "kdc";
	l->groups[2].name = "cifs";
	l->groups[2].waiting = true;
	/* the maps, and two instances' links: at most two a hook (a kprobe pair) in each */
	if (child_call_fd_room(N_MAPS + 2 * 2 * N_HOOKS, errmsg, n))
		goto fail;
	l->cgroup_fd = probe_cgroup2_root(l->cgroup_why, sizeof(l->cgroup_why));
	err = register_attach_handlers();
	if (err) {
		snprintf(errmsg, n, "cannot register the BPF program handlers with libbpf: %s",
			 strerror(-err));
		goto fail;
	}
	err = load_elsewhere(l, false, errmsg, n);
	/* the cgroup_skb links hold the cgroup now: the agent needs no descriptor of it */
	if (l->cgroup_fd >= 0)
		close(l->cgroup_fd);
	l->cgroup_fd = -1;
	if (err)
		goto fail;
	return l;
fail:
	loader_close(l);
	return NULL;
}

int loader_poll_cifs(struct loader *l, char *errmsg, size_t n)
{
	int err;

	if (l->groups[2].loaded || !probe_module_live("cifs"))
		return 0;
	err = load_elsewhere(l, true, errmsg, n);
	if (err) {
		l->groups[2].loaded = true; /* said once, not every second: no retry in a loop */
		l->groups[2].waiting = false;
		return err;
	}
	return 1;
}

int loader_ringbuf_fd(const struct loader *l)
{
	return l->map_fds[MAP_EVENTS];
}

/* The sum over CPUs of a per-CPU counter map of the net instance. */
static uint64_t percpu_sum(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t total = 0;
	__u32 zero = 0;
	__u64 *vals;

	if (ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(fd, &zero, vals))
		for (int i = 0; i < ncpu; i++)
			total += vals[i];
	free(vals);
	return total;
}

uint64_t loader_drops(const struct loader *l)
{
	return percpu_sum(l->map_fds[MAP_DROPS]);
}

uint64_t loader_attempts(const struct loader *l)
{
	return percpu_sum(l->map_fds[MAP_ATTEMPTS]);
}

const struct loader_group *loader_group(const struct loader *l, const char *name)
{
	return group_of((struct loader *)l, name);
}

static void describe_hooks(const struct loader *l, struct strbuf *sb, const char *group)
{
	static const char *const names[] = { "-", "attached", "absent", "other kernel", "FAILED" };

	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook_result *r = &l->result[i];

		if (strcmp(hooks[i].group, group) || r->state == HOOK_UNSEEN ||
		    r->state == HOOK_NOT_THIS_KERNEL)
			continue;
		sb_printf(sb, "smbwatch:   %-22s %s%s%s", hooks[i].target, names[r->state],
			  r->state == HOOK_ATTACHED ? " via " : "",
			  r->state == HOOK_ATTACHED ? r->via : "");
		if (r->state == HOOK_FAILED)
			sb_printf(sb, " (%s%s)", strerror(-r->err), r->hint ? r->hint : "");
		if (r->state == HOOK_ABSENT && r->why)
			sb_printf(sb, " (%s)", r->why);
		else if (r->state == HOOK_ABSENT && hooks[i].optional)
			sb_puts(sb, " (only newer kernels have it)");
		sb_putc(sb, '\n');
	}
}

static void describe_timing(struct strbuf *sb, const char *what, const struct load_timing *t)
{
	if (!t->tries)
		return;
	sb_printf(sb,
		  "smbwatch: start-up of the %s hooks: %.1f ms (their BTF read %.1f, opened, "
		  "relocated and verified %.1f in %d load%s, attached %.1f)\n",
		  what, (t->btf_ns + t->load_ns + t->attach_ns) / 1e6, t->btf_ns / 1e6,
		  t->load_ns / 1e6, t->tries, t->tries == 1 ? "" : "s", t->attach_ns / 1e6);
}

void loader_describe(const struct loader *l, struct strbuf *sb, bool verbose)
{
	for (int i = 0; i < N_GROUPS; i++) {
		const struct loader_group *g = &l->groups[i];

		if (g->waiting)
			sb_printf(sb, "smbwatch: hooks %s: waiting for cifs.ko to load\n", g->name);
		else if (!g->loaded)
			sb_printf(sb, "smbwatch: hooks %s: not loaded\n", g->name);
		else
			sb_printf(sb, "smbwatch: hooks %s: %d attached, %d failed, %d missing\n",
				  g->name, g->attached, g->failed, g->absent_required);
		if (verbose || g->failed || g->absent_required)
			describe_hooks(l, sb, g->name);
	}
	if (verbose) {
		describe_timing(sb, "tcp and kdc", &l->net.timing);
		describe_timing(sb, "cifs", &l->cifs.timing);
	}
}

static void instance_detach(struct instance *in)
{
	for (int i = 0; i < in->n_links; i++)
		close(in->link_fds[i]);
	in->n_links = 0;
}

void loader_detach(struct loader *l)
{
	instance_detach(&l->cifs);
	instance_detach(&l->net);
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	loader_detach(l);
	for (int i = 0; i < N_MAPS; i++)
		if (l->map_fds[i] >= 0)
			close(l->map_fds[i]);
	if (l->cgroup_fd >= 0)
		close(l->cgroup_fd);
	free(l);
}
