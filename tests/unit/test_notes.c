// SPDX-License-Identifier: GPL-2.0
/* Tracepoint notes: FIFO by time, taken by process, command and session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "notes.h"

static struct smbw_event status_event(uint64_t ts, uint32_t pid, uint16_t cmd, uint64_t ses,
				      uint32_t status)
{
	struct smbw_event e = { .abi = SMBW_ABI_VERSION, .type = EV_SMB_COMMAND_FAILED };

	e.ts_ns = ts;
	e.pid = pid;
	e.command = cmd;
	e.session_id = ses;
	e.nt_status = status;
	return e;
}

static void add(struct notes *ns, struct smbw_event e)
{
	assert_non_null(notes_add(ns, NOTE_STATUS, &e));
}

static void test_a_known_session_id_takes_its_own_status(void **state)
{
	struct note_key k = { .kind = NOTE_STATUS, .pid = 9, .command = 1, .session_id = 0x22 };
	struct notes ns;
	struct note n;

	(void)state;
	assert_int_equal(notes_init(&ns, 8), 0);
	add(&ns, status_event(1, 9, 1, 0x11, 0xc000006d));
	add(&ns, status_event(2, 9, 1, 0x22, 0xc0000072));
	add(&ns, status_event(3, 9, 1, 0x11, 0xc000006d));
	assert_true(notes_take(&ns, &k, &n));
	assert_int_equal(n.status, 0xc0000072);
	/* the other session's notes are still pending, the oldest first */
	assert_int_equal(notes_oldest(&ns)->ts, 1);
	k.session_id = 0; /* unknown: any session of that process */
	assert_true(notes_take(&ns, &k, &n));
	assert_int_equal(n.ts, 3); /* the newest, and the retry before it with it */
	assert_null(notes_oldest(&ns));
	notes_free(&ns);
}

static void test_other_processes_and_commands_do_not_match(void **state)
{
	struct note_key k = { .kind = NOTE_STATUS, .pid = 9, .command = 3 };
	struct notes ns;
	struct note n;

	(void)state;
	assert_int_equal(notes_init(&ns, 8), 0);
	add(&ns, status_event(1, 8, 3, 0, 0xc00000cc));
	add(&ns, status_event(2, 9, 1, 0, 0xc000006d));
	assert_false(notes_take(&ns, &k, &n));
	k.kind = NOTE_TREE;
	k.pid = 8;
	assert_false(notes_take(&ns, &k, &n));
	notes_free(&ns);
}

/* Taken notes leave holes; a full ring closes them before it says it is full. */
static void test_full_ring_closes_holes_first(void **state)
{
	struct note_key k = { .kind = NOTE_STATUS, .command = -1 };
	struct notes ns;
	struct note n;

	(void)state;
	assert_int_equal(notes_init(&ns, 4), 0);
	add(&ns, status_event(1, 1, 0, 0, 1)); /* stays pending */
	for (uint32_t i = 2; i <= 4; i++)
		add(&ns, status_event(i, i, 0, 0, i));
	k.pid = 3;
	assert_true(notes_take(&ns, &k, &n)); /* a hole in the middle */
	assert_false(notes_full(&ns));
	add(&ns, status_event(5, 5, 0, 0, 5));
	assert_true(notes_full(&ns));
	assert_null(notes_add(&ns, NOTE_STATUS, &(struct smbw_event){ .ts_ns = 6 }));
	assert_int_equal(notes_oldest(&ns)->ts, 1);
	notes_pop(&ns);
	assert_int_equal(notes_oldest(&ns)->ts, 2);
	notes_free(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_known_session_id_takes_its_own_status),
		cmocka_unit_test(test_other_processes_and_commands_do_not_match),
		cmocka_unit_test(test_full_ring_closes_holes_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
