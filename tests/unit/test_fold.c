// SPDX-License-Identifier: GPL-2.0
/* Folding repeats after classification: counts add up, windows close on stream time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fold.h"

#define SEC 1000000000ull

struct sink {
	struct diagnosis d[32]; /* the first 32 */
	int n;
	uint32_t counted;       /* the counts of all of them */
};

static void collect(void *ctx, const struct diagnosis *d)
{
	struct sink *s = ctx;

	if (s->n < 32)
		s->d[s->n] = *d;
	s->n++;
	s->counted += d->count;
}

static struct diagnosis failure(uint64_t ts, enum cause_id cause, const char *unc)
{
	struct diagnosis d;

	memset(&d, 0, sizeof(d));
	d.ts_ns = ts;
	d.cause = cause;
	d.phase = cause == CAUSE_RECONNECT ? PHASE_ANY : PHASE_TREE_CONNECT;
	strcpy(d.server, "fs1");
	strcpy(d.unc, unc);
	strcpy(d.user, "alice");
	return d;
}

static uint32_t total(const struct sink *s)
{
	return s->counted;
}

/* A user who tries the same mount again sees each attempt; a loop of them is folded. */
static void test_mount_retries_are_reported_then_folded(void **state)
{
	struct sink s = { .n = 0 };
	struct fold f;

	(void)state;
	fold_init(&f, 60 * SEC, collect, &s);
	for (int i = 0; i < 8; i++) {
		struct diagnosis d = failure((uint64_t)(1 + i) * SEC, CAUSE_BAD_CREDENTIALS, "\\\\fs1\\a");

		d.phase = PHASE_SESSION_SETUP;
		fold_put(&f, &d);
	}
	assert_int_equal(s.n, FOLD_MOUNT_BURST); /* one by one, at once */
	fold_tick(&f, 60 * SEC);
	assert_int_equal(s.n, FOLD_MOUNT_BURST); /* the window is not over yet */
	fold_tick(&f, 61 * SEC);
	assert_int_equal(s.n, FOLD_MOUNT_BURST + 1);
	for (int i = 0; i < FOLD_MOUNT_BURST; i++)
		assert_false(s.d[i].repeat);
	assert_true(s.d[FOLD_MOUNT_BURST].repeat);
	assert_int_equal(s.d[FOLD_MOUNT_BURST].count, 8 - FOLD_MOUNT_BURST);
	assert_int_equal(total(&s), 8);
}

/* What the client does by itself (reconnects) is folded after the first. */
static void test_reconnect_repeats_make_one_summary(void **state)
{
	struct sink s = { .n = 0 };
	struct fold f;

	(void)state;
	fold_init(&f, 60 * SEC, collect, &s);
	for (int i = 0; i < 5; i++) {
		struct diagnosis d = failure((uint64_t)(1 + i) * SEC, CAUSE_RECONNECT, "");

		d.phase = PHASE_ANY;
		fold_put(&f, &d);
	}
	assert_int_equal(s.n, 1);
	fold_finish(&f);
	assert_int_equal(s.n, 2);
	assert_true(s.d[1].repeat);
	assert_int_equal(s.d[1].count, 4);
	assert_int_equal(total(&s), 5);
}

static void test_different_failures_are_not_folded(void **state)
{
	struct sink s = { .n = 0 };
	struct diagnosis a = failure(1 * SEC, CAUSE_BAD_CREDENTIALS, "\\\\fs1\\a");
	struct diagnosis b = failure(2 * SEC, CAUSE_BAD_NETWORK_NAME, "\\\\fs1\\a");
	struct diagnosis c = failure(3 * SEC, CAUSE_BAD_CREDENTIALS, "\\\\fs1\\b");
	struct fold f;

	(void)state;
	fold_init(&f, 60 * SEC, collect, &s);
	fold_put(&f, &a);
	fold_put(&f, &b);
	fold_put(&f, &c);
	fold_finish(&f);
	assert_int_equal(s.n, 3);
	assert_int_equal(total(&s), 3);
}

/* A replay has no ticks: the next diagnosis closes the windows that ended before it. */
static void test_a_later_diagnosis_closes_an_ended_window(void **state)
{
	struct sink s = { .n = 0 };
	struct diagnosis a = failure(1 * SEC, CAUSE_RECONNECT, "");
	struct diagnosis b = failure(2 * SEC, CAUSE_RECONNECT, "");
	struct diagnosis c = failure(100 * SEC, CAUSE_RECONNECT, "");
	struct fold f;

	(void)state;
	fold_init(&f, 60 * SEC, collect, &s);
	fold_put(&f, &a);
	fold_put(&f, &b);
	fold_put(&f, &c);
	assert_int_equal(s.n, 3); /* first, summary of 1, then c opens a new window */
	assert_true(s.d[1].repeat);
	assert_false(s.d[2].repeat);
	fold_finish(&f);
	assert_int_equal(total(&s), 3);
}

static void test_a_full_table_closes_the_oldest_window(void **state)
{
	struct sink s = { .n = 0 };
	struct fold f;
	char unc[32];

	(void)state;
	fold_init(&f, 60 * SEC, collect, &s);
	for (int i = 0; i <= FOLD_SLOTS; i++) {
		struct diagnosis d;

		snprintf(unc, sizeof(unc), "\\\\fs1\\s%d", i);
		d = failure(SEC + (uint64_t)i, CAUSE_BAD_NETWORK_NAME, unc);
		d.phase = PHASE_ANY; /* folded after the first */
		fold_put(&f, &d);
		if (i == 0)
			fold_put(&f, &d); /* one repeat in the oldest window */
	}
	assert_int_equal(s.n, FOLD_SLOTS + 2); /* the evicted window's summary went out */
	fold_finish(&f);
	assert_int_equal(total(&s), FOLD_SLOTS + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_retries_are_reported_then_folded),
		cmocka_unit_test(test_reconnect_repeats_make_one_summary),
		cmocka_unit_test(test_different_failures_are_not_folded),
		cmocka_unit_test(test_a_later_diagnosis_closes_an_ended_window),
		cmocka_unit_test(test_a_full_table_closes_the_oldest_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
