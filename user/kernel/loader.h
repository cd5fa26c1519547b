/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads and attaches the BPF side, hook group by hook group.
 *
 * One BPF object (one skeleton) is opened twice: the "net" instance carries
 * the TCP and KDC hooks (groups "tcp", "kdc") and owns the maps (ring buffer, drop counter, port set); the
 * "cifs" instance carries the cifs.ko hooks, reuses those maps, and is loaded
 * only once cifs.ko is live, because programs that attach to a module cannot
 * be loaded before it. Both instances therefore feed the one ring buffer.
 *
 * Each instance is loaded in a short-lived process of its own (child_call.h),
 * which hands the agent the maps' and links' descriptors and exits: the agent
 * never holds the kernel's BTF, libbpf's object or the verifier's buffers.
 */
#ifndef SMBW_LOADER_H
#define SMBW_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "portset.h"
#include "strbuf.h"

enum hook_state {
	HOOK_UNSEEN = 0,
	HOOK_ATTACHED,
	HOOK_ABSENT,    /* this kernel has no such function or tracepoint (fine if optional) */
	HOOK_NOT_THIS_KERNEL, /* a variant for another kernel's signature */
	HOOK_FAILED,    /* present but could not be loaded or attached */
};

struct hook_result {
	enum hook_state state;
	const char *via; /* "tp_btf", "raw_tp", "fentry", "fexit", "fentry+fexit", "kprobe" */
	int err;
	bool fallback; /* the preferred program failed to load: use the fallback */
	const char *why; /* HOOK_ABSENT: a reason other than the kernel's age */
	const char *hint; /* HOOK_FAILED: what to do about it, when known ("" or NULL: nothing) */
};

struct loader_group {
	const char *name;
	bool loaded;
	bool waiting; /* target module not loaded yet */
	int attached;
	int failed;
	int absent_required;
};

struct loader;

struct loader_config {
	const struct portset *ports;
	unsigned int ringbuf_kb;
	bool force_fallback; /* tests: use raw_tp even where tp_btf works */
};

/* Loads the net instance; NULL with errmsg filled on failure. */
struct loader *loader_open(const struct loader_config *cfg, char *errmsg, size_t n);
/*
 * Loads the cifs instance if cifs.ko is live and it is not loaded yet.
 * Returns 1 when it just attached, 0 when nothing changed, <0 on error.
 */
int loader_poll_cifs(struct loader *l, char *errmsg, size_t n);
int loader_ringbuf_fd(const struct loader *l);
uint64_t loader_drops(const struct loader *l);
/* Records the BPF programs tried to reserve, delivered or dropped. */
uint64_t loader_attempts(const struct loader *l);
const struct loader_group *loader_group(const struct loader *l, const char *name);
/* One line per group: what is attached, via what, what is missing and why. */
void loader_describe(const struct loader *l, struct strbuf *sb, bool verbose);
/* Detaches every program (nothing more is produced); the maps stay readable. */
void loader_detach(struct loader *l);
void loader_close(struct loader *l);

#endif
