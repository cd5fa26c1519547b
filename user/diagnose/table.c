// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "table.h"

static uint32_t slot_of(const struct u64map *m, uint64_t key)
{
	/* Fibonacci hashing: kernel addresses differ in their middle bits */
	return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & m->mask;
}

int u64map_init(struct u64map *m, size_t max_entries)
{
	size_t n = 16;

	while (n < 2 * max_entries) /* at most half full: short probes */
		n <<= 1;
	m->keys = calloc(n, sizeof(*m->keys));
	m->vals = calloc(n, sizeof(*m->vals));
	m->mask = (uint32_t)(n - 1);
	if (!m->keys || !m->vals) {
		u64map_free(m);
		return -ENOMEM;
	}
	return 0;
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
}

uint32_t u64map_get(const struct u64map *m, uint64_t key)
{
	uint32_t i;

	if (!key)
		return SLOT_NONE;
	for (i = slot_of(m, key); m->keys[i]; i = (i + 1) & m->mask)
		if (m->keys[i] == key)
			return m->vals[i];
	return SLOT_NONE;
}

void u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (!key)
		return;
	for (i = slot_of(m, key); m->keys[i] && m->keys[i] != key; i = (i + 1) & m->mask)
		;
	m->keys[i] = key;
	m->vals[i] = val;
}

void u64map_del(struct u64map *m, uint64_t key, uint32_t val)
{
	uint32_t i, j, home;

	if (!key)
		return;
	for (i = slot_of(m, key); m->keys[i] != key; i = (i + 1) & m->mask)
		if (!m->keys[i])
			return;
	if (m->vals[i] != val)
		return;
	/* shift back every entry of the run that would not be found past the hole */
	for (j = (i + 1) & m->mask; m->keys[j]; j = (j + 1) & m->mask) {
		home = slot_of(m, m->keys[j]);
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
}

int lru_init(struct lru *l, size_t cap)
{
	l->prev = calloc(cap, sizeof(*l->prev));
	l->next = calloc(cap, sizeof(*l->next));
	l->used = calloc(cap, sizeof(*l->used));
	if (!l->prev || !l->next || !l->used) {
		lru_free(l);
		return -ENOMEM;
	}
	l->cap = cap;
	l->n = 0;
	l->head = l->tail = SLOT_NONE;
	for (size_t i = 0; i < cap; i++) /* the free list runs through next[] */
		l->next[i] = i + 1 < cap ? (uint32_t)(i + 1) : SLOT_NONE;
	l->free_head = cap ? 0 : SLOT_NONE;
	return 0;
}

void lru_free(struct lru *l)
{
	free(l->prev);
	free(l->next);
	free(l->used);
	l->prev = l->next = NULL;
	l->used = NULL;
}

static void unlink_slot(struct lru *l, uint32_t i)
{
	if (l->prev[i] != SLOT_NONE)
		l->next[l->prev[i]] = l->next[i];
	else
		l->head = l->next[i];
	if (l->next[i] != SLOT_NONE)
		l->prev[l->next[i]] = l->prev[i];
	else
		l->tail = l->prev[i];
}

static void push_head(struct lru *l, uint32_t i)
{
	l->prev[i] = SLOT_NONE;
	l->next[i] = l->head;
	if (l->head != SLOT_NONE)
		l->prev[l->head] = i;
	l->head = i;
	if (l->tail == SLOT_NONE)
		l->tail = i;
}

uint32_t lru_take(struct lru *l)
{
	uint32_t i = l->free_head;

	if (i == SLOT_NONE)
		return SLOT_NONE;
	l->free_head = l->next[i];
	l->used[i] = true;
	l->n++;
	push_head(l, i);
	return i;
}

void lru_touch(struct lru *l, uint32_t i)
{
	if (l->head == i)
		return;
	unlink_slot(l, i);
	push_head(l, i);
}

void lru_release(struct lru *l, uint32_t i)
{
	if (!l->used[i])
		return;
	unlink_slot(l, i);
	l->used[i] = false;
	l->n--;
	l->next[i] = l->free_head;
	l->free_head = i;
}
