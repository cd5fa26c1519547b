/* SPDX-License-Identifier: GPL-2.0 */
/*
 * No kernel address leaves the agent. Events carry the addresses of a
 * struct sock (.sock) and a TCP_Server_Info (.server) as correlation keys;
 * printed or recorded as they are, they would tell where the kernel's heap
 * lies (a KASLR bypass). Live records get, at the pipeline's entry, before
 * they are recorded, shown or correlated, a per-run opaque id in place of
 * each: SipHash-2-4 of the address under a key drawn from getrandom() when
 * the agent starts and never written anywhere.
 *
 *   - equality is kept: one address gives one id for the whole run, so the
 *     correlator joins on ids as it did on addresses (address reuse is told
 *     apart as before, by conn_id and the socket's state);
 *   - two addresses give two ids but with probability 2^-64 a pair;
 *   - 0 ("none") stays 0, and no address maps to 0;
 *   - without the key, an id says nothing of its address, and a new run (a
 *     new key) gives the same address another id.
 *
 * A replay leaves its records alone: a recording of this version holds ids
 * already (mapping them again would give ids that match no output of the
 * live run), one of an earlier version the addresses it always had.
 */
#ifndef SMBW_KADDR_H
#define SMBW_KADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "siphash.h"
#include "smbwatch_event.h"

struct kaddr_ids {
	uint8_t key[SIPHASH_KEY_LEN];
};

/* A fresh key from the kernel's random pool: 0, or -errno when none could be had. */
int kaddr_ids_init(struct kaddr_ids *k);
uint64_t kaddr_id(const struct kaddr_ids *k, uint64_t addr);
/* .sock and .server of a live record, in place. */
void kaddr_ids_apply(const struct kaddr_ids *k, struct smbw_event *e);

#endif
