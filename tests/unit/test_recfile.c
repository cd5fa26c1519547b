// SPDX-License-Identifier: GPL-2.0
/*
 * Record files: a round trip keeps every byte; every kind of damage gives an
 * error that names the offset, and what came before it is still read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "recfile.h"

struct fixture {
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	strcpy(f->path, "/tmp/smbw-rec-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path); /* the writer refuses to overwrite */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	free(f);
	return 0;
}

static struct smbw_event event(int i)
{
	struct smbw_event e;

	memset(&e, 0, sizeof(e));
	e.abi = SMBW_ABI_VERSION;
	e.type = EV_TCP_RETRANSMIT;
	e.ts_ns = 1000 + (uint64_t)i;
	e.sock = 0xabc0 + (uint64_t)i;
	return e;
}

static void write_events(struct fixture *f, int n)
{
	struct rec_writer w;
	char err[256];

	assert_int_equal(rec_writer_open(&w, f->path, 12345, err, sizeof(err)), 0);
	for (int i = 0; i < n; i++) {
		struct smbw_event e = event(i);

		assert_int_equal(rec_writer_put(&w, &e), 0);
	}
	assert_int_equal(rec_writer_close(&w), 0);
}

/* Reads everything; returns records read, and the final status in *status. */
static int read_all(struct fixture *f, char *err, size_t n, int *status)
{
	struct rec_reader r;
	struct smbw_event e;
	int count = 0, rc;

	*status = rec_reader_open(&r, f->path, err, n);
	if (*status)
		return 0;
	while ((rc = rec_reader_next(&r, &e, err, n)) == 1) {
		struct smbw_event want = event(count);

		assert_memory_equal(&e, &want, sizeof(e));
		count++;
	}
	*status = rc;
	rec_reader_close(&r);
	return count;
}

static void patch(struct fixture *f, long off, const void *bytes, size_t n)
{
	FILE *fp = fopen(f->path, "r+b");

	fseek(fp, off, SEEK_SET);
	fwrite(bytes, 1, n, fp);
	fclose(fp);
}

/* The records' byte order is in the header; the other one is refused, no mark means little. */
static void test_byte_order_mark(void **state)
{
	static const unsigned char other[4] = { 1, 2, 3, 4 }, none[4] = { 0 };
	struct fixture *f = *state;
	unsigned char mark[4];
	char err[256];
	int status;
	FILE *fp;

	write_events(f, 2);
	fp = fopen(f->path, "rb");
	fseek(fp, 24, SEEK_SET);
	assert_int_equal(fread(mark, 1, 4, fp), 4);
	fclose(fp);
	assert_memory_equal(mark, "\x04\x03\x02\x01", 4); /* this host: little-endian */
	patch(f, 24, other, 4);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 0);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(err, "other byte order (recorded on a big-endian host)"));
	patch(f, 24, none, 4); /* a file from before the mark */
	assert_int_equal(read_all(f, err, sizeof(err), &status), 2);
	assert_int_equal(status, 0);
}

static void test_round_trip_keeps_every_record(void **state)
{
	struct fixture *f = *state;
	struct rec_reader r;
	char err[256];
	int status;

	write_events(f, 10);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 10);
	assert_int_equal(status, 0);
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof(err)), 0);
	assert_int_equal(r.realtime_offset_ns, 12345);
	rec_reader_close(&r);
}

static void test_existing_file_is_not_overwritten(void **state)
{
	struct fixture *f = *state;
	struct rec_writer w;
	char err[256];

	write_events(f, 1);
	assert_int_not_equal(rec_writer_open(&w, f->path, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "exists"));
}

static void test_truncated_record_names_its_offset(void **state)
{
	struct fixture *f = *state;
	long rec = 4 + (long)SMBW_EVENT_TCP_LEN;
	char err[256], want[64];
	int status;

	write_events(f, 3);
	assert_int_equal(truncate(f->path, RECFILE_HEADER_LEN + 2 * rec + 10), 0);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 2);
	assert_int_equal(status, -1);
	snprintf(want, sizeof(want), "truncated record at offset %ld ", RECFILE_HEADER_LEN + 2 * rec);
	assert_non_null(strstr(err, want));
}

static void test_truncated_length_field(void **state)
{
	struct fixture *f = *state;
	long rec = 4 + (long)SMBW_EVENT_TCP_LEN;
	char err[256];
	int status;

	write_events(f, 2);
	assert_int_equal(truncate(f->path, RECFILE_HEADER_LEN + rec + 2), 0);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 1);
	assert_int_equal(status, -1);
	assert_non_null(strstr(err, "truncated record length"));
}

static void test_absurd_lengths_are_corruption(void **state)
{
	struct fixture *f = *state;
	const uint32_t huge = 0x7fffffff, tiny = 3;
	char err[256];
	int status;

	write_events(f, 2);
	patch(f, RECFILE_HEADER_LEN, &huge, 4);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 0);
	assert_int_equal(status, -1);
	assert_non_null(strstr(err, "corrupt record at offset 32"));
	patch(f, RECFILE_HEADER_LEN, &tiny, 4);
	read_all(f, err, sizeof(err), &status);
	assert_int_equal(status, -1);
	assert_non_null(strstr(err, "length 3"));
}

static void test_wrong_magic(void **state)
{
	struct fixture *f = *state;
	char err[256];
	int status;

	write_events(f, 1);
	patch(f, 0, "GARBAGE", 7);
	read_all(f, err, sizeof(err), &status);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(err, "not a smbwatch recording"));
}

static void test_future_version_is_refused_clearly(void **state)
{
	struct fixture *f = *state;
	const uint16_t v = RECFILE_VERSION + 1, abi = SMBW_ABI_VERSION + 1;
	char err[256];
	int status;

	write_events(f, 1);
	patch(f, 8, &v, 2);
	read_all(f, err, sizeof(err), &status);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(err, "newer smbwatch"));
	patch(f, 8, &(uint16_t){ RECFILE_VERSION }, 2);
	patch(f, 10, &abi, 2);
	read_all(f, err, sizeof(err), &status);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(err, "newer smbwatch"));
}

static void test_short_header_and_empty_file(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->path, "wb");
	char err[256];
	int status;

	fclose(fp);
	read_all(f, err, sizeof(err), &status);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(err, "shorter than its 32-byte header"));
}

static void test_record_with_bad_abi_byte(void **state)
{
	struct fixture *f = *state;
	const uint16_t bad = 0;
	char err[256];
	int status;

	write_events(f, 3);
	patch(f, RECFILE_HEADER_LEN + 4 + (long)SMBW_EVENT_TCP_LEN + 4, &bad, 2);
	assert_int_equal(read_all(f, err, sizeof(err), &status), 1);
	assert_int_equal(status, -1);
	assert_non_null(strstr(err, "ABI 0"));
}

/*
 * A record longer than the struct (a newer ABI's, or damage) whose Kerberos
 * length is more than the struct's .krb holds: the reader copies only the
 * struct, so it must refuse the length rather than hand out a record whose
 * krb_len points past its end (found by tests/fuzz/fuzz_recfile).
 */
static void test_kerberos_length_beyond_the_struct_is_corruption(void **state)
{
	struct fixture *f = *state;
	static unsigned char rec[4 + RECFILE_MAX_RECORD];
	struct smbw_event e = event(0);
	uint32_t len = RECFILE_MAX_RECORD;
	uint16_t krb_len = SMBW_KRB_LEN + 88; /* within the record's bytes, beyond .krb */
	struct rec_reader r;
	char err[256];
	FILE *fp;

	assert_true(krb_len <= len - SMBW_EVENT_BASE_LEN);
	write_events(f, 1);
	e.type = EV_KRB_MESSAGE;
	e.krb_len = krb_len;
	memcpy(rec, &len, 4);
	memcpy(rec + 4, &e, sizeof(e));
	fp = fopen(f->path, "ab");
	fwrite(rec, 1, sizeof(rec), fp);
	fclose(fp);
	assert_int_equal(rec_reader_open(&r, f->path, err, sizeof(err)), 0);
	assert_int_equal(rec_reader_next(&r, &e, err, sizeof(err)), 1);
	assert_int_equal(rec_reader_next(&r, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Kerberos bytes"));
	rec_reader_close(&r);
}

static void test_missing_file(void **state)
{
	struct rec_reader r;
	char err[256];

	(void)state;
	assert_int_not_equal(rec_reader_open(&r, "/nonexistent/x.rec", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_keeps_every_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_file_is_not_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_record_names_its_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_length_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absurd_lengths_are_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_version_is_refused_clearly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_header_and_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_with_bad_abi_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kerberos_length_beyond_the_struct_is_corruption,
						setup, teardown),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test_setup_teardown(test_byte_order_mark, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
