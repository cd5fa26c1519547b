/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit PRF, the one the
 * kernel uses for %p. Without the 128-bit key, its output tells nothing of its
 * input.
 */
#ifndef SMBW_SIPHASH_H
#define SMBW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
