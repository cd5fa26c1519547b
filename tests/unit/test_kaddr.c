// SPDX-License-Identifier: GPL-2.0
/*
 * No kernel address leaves the agent: live records get per-run ids for .sock
 * and .server before anything records, shows or correlates them; equal
 * addresses stay equal, others differ, 0 stays 0, and a replay leaves a
 * recording's ids as they are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "event_builders.h"
#include "kaddr.h"
#include "ntstatus.h"
#include "output.h"
#include "pipeline.h"
#include "siphash.h"

#define SOCK_A 0xffff8880deadbe00ull
#define SOCK_B 0xffff8880deadbf40ull
#define SERVER 0xffff8881cafe0000ull

/* The reference vectors (SipHash paper, appendix A; vectors.h): key 00..0f, message 00..len-1. */
static void test_siphash_reference_vectors(void **state)
{
	uint8_t key[16], msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = msg[i] = (uint8_t)i;
	assert_int_equal(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(siphash24(key, msg, 1), 0x74f839c593dc67fdull);
	assert_int_equal(siphash24(key, msg, 8), 0x93f5f5799a932462ull);
	assert_int_equal(siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
}

static void test_ids_keep_equality_and_zero(void **state)
{
	struct kaddr_ids k, other;

	(void)state;
	assert_int_equal(kaddr_ids_init(&k), 0);
	assert_int_equal(kaddr_ids_init(&other), 0);
	assert_int_equal(kaddr_id(&k, 0), 0);
	assert_int_equal(kaddr_id(&k, SOCK_A), kaddr_id(&k, SOCK_A));
	assert_int_not_equal(kaddr_id(&k, SOCK_A), kaddr_id(&k, SOCK_B));
	assert_int_not_equal(kaddr_id(&k, SOCK_A), SOCK_A);
	assert_int_not_equal(kaddr_id(&k, SOCK_A), 0);
	/* another run, another key: the same address is another id */
	assert_int_not_equal(kaddr_id(&k, SOCK_A), kaddr_id(&other, SOCK_A));
	/* no two of many neighbouring addresses (a slab's objects) share an id */
	for (uint64_t a = 0; a < 4096; a++)
		for (uint64_t b = a + 1; b < a + 8 && b < 4096; b++)
			assert_int_not_equal(kaddr_id(&k, SOCK_A + a * 64),
					     kaddr_id(&k, SOCK_A + b * 64));
}

static void feed(struct pipeline *p, struct smbw_event e)
{
	assert_int_equal(pipeline_feed(p, &e, sizeof(e)), 0);
}

/* A bad-credentials mount on socket SOCK_A, then a retransmit on SOCK_B. */
static void feed_mount(struct pipeline *p)
{
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);

	feed(p, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC, SOCK_A, a, 7, 2, 100));
	feed(p, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + MS, SOCK_A, a, 2, 1, 0));
	feed(p, ev_server(1 * SEC + 2 * MS, 100, SERVER, SOCK_A, "fs1", a, 0));
	feed(p, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 3 * MS, 100, SERVER, 0));
	feed(p, ev_status(1 * SEC + 4 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	feed(p, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 5 * MS, 100, SERVER, -EACCES));
	feed(p, ev_tcp(EV_TCP_RETRANSMIT, 1 * SEC + 6 * MS, SOCK_B, a, 1, 1, 0));
}

/* The address in every form it could take: hex either case, decimal, raw little-endian. */
static void assert_no_address(const char *buf, size_t len, uint64_t addr)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRIx64, addr);
	assert_null(memmem(buf, len, s, strlen(s)));
	snprintf(s, sizeof(s), "%" PRIX64, addr);
	assert_null(memmem(buf, len, s, strlen(s)));
	snprintf(s, sizeof(s), "%" PRIu64, addr);
	assert_null(memmem(buf, len, s, strlen(s)));
	snprintf(s, sizeof(s), "%" PRIx64, (uint64_t)(addr & 0xffffffffu)); /* the low half alone */
	assert_null(memmem(buf, len, s, strlen(s)));
	assert_null(memmem(buf, len, &addr, sizeof(addr)));
}

struct run {
	char *out;
	size_t out_len;
	char path[40];
	char *rec;
	size_t rec_len;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* A live run (ids mapped) in format f, recording to a new file. */
static void live_run(struct run *r, enum output_format f)
{
	struct rec_writer w;
	struct output out;
	struct pipeline p;
	char err[256];
	FILE *mem = open_memstream(&r->out, &r->out_len);
	int fd;

	strcpy(r->path, "/tmp/smbw-kaddr-XXXXXX");
	fd = mkstemp(r->path);
	close(fd);
	unlink(r->path);
	output_init(&out, f, false, 1, mem, 0);
	assert_int_equal(pipeline_init(&p, &out, true, NULL), 0);
	assert_int_equal(pipeline_map_kernel_addresses(&p), 0);
	assert_int_equal(rec_writer_open(&w, r->path, 0, err, sizeof(err)), 0);
	p.rec = &w;
	feed_mount(&p);
	pipeline_finish(&p);
	assert_int_equal(rec_writer_close(&w), 0);
	pipeline_free(&p);
	output_free(&out);
	fclose(mem);
	r->rec = slurp(r->path, &r->rec_len);
}

static void run_free(struct run *r)
{
	unlink(r->path);
	free(r->out);
	free(r->rec);
}

/* The value of the n-th "key":"..." in a JSON text, into v. */
static bool json_nth(const char *buf, const char *key, int n, char *v, size_t vn)
{
	char pat[40];
	const char *p = buf;
	size_t len;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	for (int i = 0; i <= n; i++) {
		p = strstr(p, pat);
		if (!p)
			return false;
		p += strlen(pat);
	}
	len = strcspn(p, "\"");
	snprintf(v, vn, "%.*s", (int)len, p);
	return true;
}

static void test_live_addresses_never_reach_output_or_recording(void **state)
{
	struct run js, txt;

	(void)state;
	live_run(&js, FORMAT_JSON);
	live_run(&txt, FORMAT_TEXT);
	assert_non_null(strstr(js.out, "\"cause\":\"bad-credentials\"")); /* still joined */
	assert_non_null(strstr(txt.out, "bad-credentials"));
	assert_non_null(strstr(js.out, "\"sock\":\"0x"));
	for (int i = 0; i < 3; i++) {
		uint64_t addr = i == 0 ? SOCK_A : i == 1 ? SOCK_B : SERVER;

		assert_no_address(js.out, js.out_len, addr);
		assert_no_address(txt.out, txt.out_len, addr);
		assert_no_address(js.rec, js.rec_len, addr);
		assert_no_address(txt.rec, txt.rec_len, addr);
	}
	run_free(&js);
	run_free(&txt);
}

static void test_same_address_same_id_other_address_other_id(void **state)
{
	char a0[32], a1[32], b[32], s0[32], s1[32];
	struct run r;

	(void)state;
	live_run(&r, FORMAT_JSON);
	/* sock: SOCK_A twice (two state changes), then the server socket event, then SOCK_B */
	assert_true(json_nth(r.out, "sock", 0, a0, sizeof(a0)));
	assert_true(json_nth(r.out, "sock", 1, a1, sizeof(a1)));
	assert_true(json_nth(r.out, "sock", 3, b, sizeof(b)));
	assert_string_equal(a0, a1);
	assert_string_not_equal(a0, b);
	/* server: the server socket event and the negotiate */
	assert_true(json_nth(r.out, "server", 0, s0, sizeof(s0)));
	assert_true(json_nth(r.out, "server", 1, s1, sizeof(s1)));
	assert_string_equal(s0, s1);
	assert_string_not_equal(s0, a0);
	run_free(&r);
}

/* Replay maps nothing: a recording's ids come out as the live run showed them. */
static void test_replay_keeps_recorded_ids(void **state)
{
	char live_sock[32], replay_sock[32], live_srv[32], replay_srv[32], err[256];
	struct rec_reader rd;
	struct smbw_event e;
	struct output out;
	struct pipeline p;
	struct run r;
	char *buf = NULL;
	size_t len;
	FILE *mem;

	(void)state;
	live_run(&r, FORMAT_JSON);
	mem = open_memstream(&buf, &len);
	output_init(&out, FORMAT_JSON, false, 0, mem, 0);
	assert_int_equal(pipeline_init(&p, &out, true, NULL), 0);
	assert_int_equal(rec_reader_open(&rd, r.path, err, sizeof(err)), 0);
	while (rec_reader_next(&rd, &e, err, sizeof(err)) == 1)
		assert_int_equal(pipeline_feed(&p, &e, sizeof(e)), 0);
	rec_reader_close(&rd);
	pipeline_finish(&p);
	pipeline_free(&p);
	output_free(&out);
	fclose(mem);
	assert_true(json_nth(r.out, "sock", 3, live_sock, sizeof(live_sock)));
	assert_true(json_nth(buf, "sock", 3, replay_sock, sizeof(replay_sock)));
	assert_string_equal(live_sock, replay_sock);
	assert_true(json_nth(r.out, "server", 0, live_srv, sizeof(live_srv)));
	assert_true(json_nth(buf, "server", 0, replay_srv, sizeof(replay_srv)));
	assert_string_equal(live_srv, replay_srv);
	assert_non_null(strstr(buf, "\"cause\":\"bad-credentials\""));
	free(buf);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_reference_vectors),
		cmocka_unit_test(test_ids_keep_equality_and_zero),
		cmocka_unit_test(test_live_addresses_never_reach_output_or_recording),
		cmocka_unit_test(test_same_address_same_id_other_address_other_id),
		cmocka_unit_test(test_replay_keeps_recorded_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
