// SPDX-License-Identifier: GPL-2.0
/* The reorder ring: events out in timestamp order, across wrap-around. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "reorder.h"

static struct smbw_event at_ts(uint64_t ts, uint32_t tag)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_TCP_RETRANSMIT };

	e.ts_ns = ts;
	e.pid = tag;
	return e;
}

static void test_late_events_come_out_in_order(void **state)
{
	struct reorder r;
	uint64_t ts[] = { 10, 30, 20, 40, 5, 40, 35 };
	uint64_t want[] = { 5, 10, 20, 30, 35, 40, 40 };

	(void)state;
	assert_int_equal(reorder_init(&r, 8), 0);
	for (uint32_t i = 0; i < 7; i++) {
		struct smbw_event e = at_ts(ts[i], i);

		reorder_push(&r, &e);
	}
	assert_int_equal(r.reordered, 3);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(reorder_peek(&r)->ts_ns, want[i]);
		if (i == 5)
			assert_int_equal(reorder_peek(&r)->pid, 3); /* equal times keep arrival order */
		reorder_pop(&r);
	}
	assert_null(reorder_peek(&r));
	reorder_free(&r);
}

static void test_ring_wraps_around(void **state)
{
	struct reorder r;
	uint64_t last = 0;

	(void)state;
	srand(3);
	assert_int_equal(reorder_init(&r, 16), 0);
	for (int round = 0; round < 10000; round++) {
		/* jitter of up to 8 behind the newest, never behind what went out */
		struct smbw_event e = at_ts(last + 8 + (uint64_t)(round * 4 + rand() % 8), 0);

		if (reorder_full(&r)) {
			assert_true(reorder_peek(&r)->ts_ns >= last);
			last = reorder_peek(&r)->ts_ns;
			reorder_pop(&r);
		}
		reorder_push(&r, &e);
	}
	while (reorder_peek(&r)) {
		assert_true(reorder_peek(&r)->ts_ns >= last);
		last = reorder_peek(&r)->ts_ns;
		reorder_pop(&r);
	}
	reorder_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_events_come_out_in_order),
		cmocka_unit_test(test_ring_wraps_around),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
