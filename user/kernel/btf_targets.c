// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "btf_targets.h"

#define SLOTS 128 /* open addressing: a power of two, well above the hooks of an instance */

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* slot -> index into t + 1 (0: empty); names that occur twice share the first's slot */
static void index_targets(const struct btf_target *t, int n, int *slot)
{
	memset(slot, 0, SLOTS * sizeof(*slot));
	for (int i = 0; i < n && i < SLOTS / 2; i++) {
		uint32_t s = name_hash(t[i].name) & (SLOTS - 1);

		while (slot[s])
			s = (s + 1) & (SLOTS - 1);
		slot[s] = i + 1;
	}
}

/* Every target of this name and kind not found yet gets id. */
static int match(struct btf_target *t, const int *slot, const char *name, unsigned int kind,
		 int id)
{
	int found = 0;

	for (uint32_t s = name_hash(name) & (SLOTS - 1); slot[s]; s = (s + 1) & (SLOTS - 1)) {
		struct btf_target *c = &t[slot[s] - 1];

		if (c->id < 0 && c->kind == kind && !strcmp(c->name, name)) {
			c->id = id;
			found++;
		}
	}
	return found;
}

void btf_targets_find(const struct btf *btf, struct btf_target *t, int n)
{
	int slot[SLOTS], left = n;
	__u32 cnt = btf__type_cnt(btf);

	for (int i = 0; i < n; i++)
		t[i].id = -1;
	index_targets(t, n, slot);
	for (__u32 id = 1; id < cnt && left > 0; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);
		unsigned int kind = btf_kind(bt);
		const char *name;

		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF)
			continue;
		name = btf__name_by_offset(btf, bt->name_off);
		if (name && *name)
			left -= match(t, slot, name, kind, (int)id);
	}
}

int btf_target_nargs(const struct btf *btf, int id, bool tracepoint)
{
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	int n;

	while (t && (btf_is_typedef(t) || btf_is_ptr(t) || btf_is_func(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	n = btf_vlen(t);
	if (!tracepoint)
		return n;
	return n < 1 ? -1 : n - 1;
}

int btf_module_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = { 0 };
		__u32 len = sizeof(info);
		char name[64] = "";
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		info.name = (__u64)(uintptr_t)name;
		info.name_len = sizeof(name);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -ENOENT;
}
