/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks' attach targets in the kernel's BTF, found in one pass.
 *
 * libbpf 1.1 finds each fentry/fexit/tp_btf target with a linear search of
 * vmlinux BTF and then of every loaded module's BTF, each from type 1 (base
 * types included): on a host with many modules that is (1 + modules) x ~130k
 * types per program, and it was most of smbwatch's start-up (seconds under
 * an emulator). Here every target of an instance is found in a single pass,
 * and the loader hands libbpf the IDs (loader.c, attach_prepare).
 */
#ifndef SMBW_BTF_TARGETS_H
#define SMBW_BTF_TARGETS_H

#include <stdbool.h>

struct btf;

struct btf_target {
	const char *name; /* a function, or a tracepoint's "btf_trace_<name>" typedef */
	unsigned int kind; /* BTF_KIND_FUNC or BTF_KIND_TYPEDEF */
	int id; /* out: the first type of that name and kind, as btf__find_by_name_kind; -1 */
};

/* Fills every target's id with one pass over btf's types (base types first). */
void btf_targets_find(const struct btf *btf, struct btf_target *t, int n);
/*
 * Arguments of the function or tracepoint of type id (a tracepoint's leading
 * context pointer not counted); -1 when id is not one.
 */
int btf_target_nargs(const struct btf *btf, int id, bool tracepoint);
/* An fd of the kernel's own BTF object of module (for attach_btf_obj_fd), or -errno. */
int btf_module_fd(const char *module);

#endif
