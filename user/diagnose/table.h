/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The correlator's tables: a fixed pool of slots kept in least-recently-used
 * order (so that a full table evicts the entry idle longest, in O(1)), and
 * hash indexes from a 64-bit key (a kernel address, a conn_id, a pid) to a
 * slot. Key 0 means "none" and is never stored.
 */
#ifndef SMBW_TABLE_H
#define SMBW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLOT_NONE UINT32_MAX

/* Open addressing with linear probing and backward-shift deletion: no tombstones. */
struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	uint32_t mask;
};

int u64map_init(struct u64map *m, size_t max_entries);
void u64map_free(struct u64map *m);
/* The slot of key, or SLOT_NONE. */
uint32_t u64map_get(const struct u64map *m, uint64_t key);
void u64map_put(struct u64map *m, uint64_t key, uint32_t val);
/* Removes key only if it still maps to val (another slot may own it by now). */
void u64map_del(struct u64map *m, uint64_t key, uint32_t val);

/* Slots 0..cap-1, each free or on the LRU list (head: most recent, tail: least). */
struct lru {
	uint32_t *prev, *next;
	bool *used;
	uint32_t head, tail, free_head;
	size_t cap, n;
};

int lru_init(struct lru *l, size_t cap);
void lru_free(struct lru *l);
/* A free slot made most recent, or SLOT_NONE when all are in use. */
uint32_t lru_take(struct lru *l);
/* The least recently used slot in use (SLOT_NONE if none). */
static inline uint32_t lru_oldest(const struct lru *l)
{
	return l->tail;
}
void lru_touch(struct lru *l, uint32_t i);
void lru_release(struct lru *l, uint32_t i);

#endif
