// SPDX-License-Identifier: GPL-2.0
/* The correlator's tables: hash index and LRU slot pool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "table.h"

static void test_map_finds_what_was_put_and_not_what_was_deleted(void **state)
{
	struct u64map m;

	(void)state;
	assert_int_equal(u64map_init(&m, 1000), 0);
	/* kernel-address-like keys: 64-byte strides, many collisions in the low bits */
	for (uint32_t i = 0; i < 1000; i++)
		u64map_put(&m, 0xffff888000000000ull + i * 64, i);
	for (uint32_t i = 0; i < 1000; i += 2)
		u64map_del(&m, 0xffff888000000000ull + i * 64, i);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(u64map_get(&m, 0xffff888000000000ull + i * 64),
				 i % 2 ? i : SLOT_NONE);
	assert_int_equal(u64map_get(&m, 0), SLOT_NONE);
	u64map_free(&m);
}

static void test_map_delete_keeps_a_key_another_slot_owns(void **state)
{
	struct u64map m;

	(void)state;
	assert_int_equal(u64map_init(&m, 4), 0);
	u64map_put(&m, 42, 1);
	u64map_put(&m, 42, 2); /* slot 2 took the key over */
	u64map_del(&m, 42, 1); /* slot 1 goes away: not its key any more */
	assert_int_equal(u64map_get(&m, 42), 2);
	u64map_del(&m, 42, 2);
	assert_int_equal(u64map_get(&m, 42), SLOT_NONE);
	u64map_free(&m);
}

/* Random puts and deletes against a plain array: backward-shift deletion loses nothing. */
static void test_map_agrees_with_a_reference_under_churn(void **state)
{
	static uint32_t ref[512];
	struct u64map m;

	(void)state;
	srand(7);
	assert_int_equal(u64map_init(&m, 512), 0);
	for (int i = 0; i < 512; i++)
		ref[i] = SLOT_NONE;
	for (int round = 0; round < 200000; round++) {
		int k = rand() % 512;
		uint64_t key = 0x1000 + (uint64_t)k * 4096;

		if (rand() % 2) {
			u64map_put(&m, key, (uint32_t)round);
			ref[k] = (uint32_t)round;
		} else if (ref[k] != SLOT_NONE) {
			u64map_del(&m, key, ref[k]);
			ref[k] = SLOT_NONE;
		}
	}
	for (int k = 0; k < 512; k++)
		assert_int_equal(u64map_get(&m, 0x1000 + (uint64_t)k * 4096), ref[k]);
	u64map_free(&m);
}

static void test_lru_gives_the_least_recently_touched(void **state)
{
	struct lru l;
	uint32_t a, b, c;

	(void)state;
	assert_int_equal(lru_init(&l, 3), 0);
	a = lru_take(&l);
	b = lru_take(&l);
	c = lru_take(&l);
	assert_int_equal(lru_take(&l), SLOT_NONE);
	assert_int_equal(lru_oldest(&l), a);
	lru_touch(&l, a);
	assert_int_equal(lru_oldest(&l), b);
	lru_release(&l, b);
	assert_int_equal(lru_oldest(&l), c);
	assert_int_equal(lru_take(&l), b); /* the freed slot comes back */
	assert_int_equal(lru_oldest(&l), c);
	lru_release(&l, b);
	lru_release(&l, b); /* twice is harmless */
	assert_int_equal(l.n, 2);
	lru_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_finds_what_was_put_and_not_what_was_deleted),
		cmocka_unit_test(test_map_delete_keeps_a_key_another_slot_owns),
		cmocka_unit_test(test_map_agrees_with_a_reference_under_churn),
		cmocka_unit_test(test_lru_gives_the_least_recently_touched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
