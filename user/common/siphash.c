// SPDX-License-Identifier: GPL-2.0
/* After the reference implementation (CC0), for any length, little-endian. */
#include <endian.h>
#include <string.h>

#include "siphash.h"

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

#define SIPROUND                                                                         \
	do {                                                                             \
		v0 += v1;                                                                \
		v1 = rotl(v1, 13);                                                       \
		v1 ^= v0;                                                                \
		v0 = rotl(v0, 32);                                                       \
		v2 += v3;                                                                \
		v3 = rotl(v3, 16);                                                       \
		v3 ^= v2;                                                                \
		v0 += v3;                                                                \
		v3 = rotl(v3, 21);                                                       \
		v3 ^= v0;                                                                \
		v2 += v1;                                                                \
		v1 = rotl(v1, 17);                                                       \
		v1 ^= v2;                                                                \
		v2 = rotl(v2, 32);                                                       \
	} while (0)

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint8_t last[8] = { 0 };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	if (len > i)
		memcpy(last, in + i, len - i);
	b |= le64(last);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
