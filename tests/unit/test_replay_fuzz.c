// SPDX-License-Identifier: GPL-2.0
/*
 * Replay of damaged recordings through the whole pipeline (reader,
 * correlator, classifier, output, the KRB-ERROR decoder): seeded random bit flips, truncations and
 * length fields. Nothing may crash or leak; run-all.sh also runs this under
 * ASan and UBSan. A clean file must replay to the expected diagnosis.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "event_builders.h"
#include "krb_builders.h"
#include "ntstatus.h"
#include "options.h"
#include "recfile.h"

#define ITERATIONS 1500

static char clean_path[] = "/tmp/smbw-fuzz-clean-XXXXXX";
static char work_path[] = "/tmp/smbw-fuzz-work-XXXXXX";
static unsigned char *clean;
static size_t clean_len;

static void put(struct rec_writer *w, struct smbw_event e)
{
	assert_int_equal(rec_writer_put(w, &e), 0);
}

/* A Kerberos mount to an alias without an SPN: the KDC's KRB-ERROR reaches the decoder. */
static void put_kerberos_mount(struct rec_writer *w)
{
	struct smbw_addr a = ipv4(10, 0, 0, 6, 445);
	struct smbw_event e;

	put(w, ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC, 0x30, a, 7, 2, 102));
	put(w, ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC + MS, 0x30, a, 2, 1, 0));
	e = ev_server(3 * SEC + 2 * MS, 102, 0x98, 0x30, "alias", a, 0);
	e.conn_id = 8;
	put(w, e);
	e = ev_phase(EV_SMB_NEGOTIATE_DONE, 3 * SEC + 3 * MS, 102, 0x98, 0);
	put(w, e);
	e = ev_base(EV_PROC_EXEC, 3 * SEC + 4 * MS, 700);
	e.reason = 1;
	strcpy(e.comm, "cifs.upcall");
	put(w, e);
	e = ev_base(EV_KRB_MESSAGE, 3 * SEC + 5 * MS, 0);
	e.krb_type = 12;
	e.ip_proto = 17;
	e.remote = ipv4(10, 0, 0, 7, 88);
	put(w, e);
	e.ts_ns += MS;
	e.krb_type = 30;
	e.flags = SMBW_F_INGRESS;
	e.krb_len = encode_error(e.krb, sizeof(e.krb), 7, "cifs/alias@EXAMPLE.TEST");
	put(w, e);
	e = ev_base(EV_SMB_SPNEGO_UPCALL_DONE, 3 * SEC + 8 * MS, 102);
	e.server = 0x98;
	e.conn_id = 8;
	e.rc = -ENOKEY;
	put(w, e);
	e = ev_phase(EV_SMB_SESSION_SETUP_DONE, 3 * SEC + 9 * MS, 102, 0x98, -ENOKEY);
	e.conn_id = 8;
	e.sectype = 3;
	put(w, e);
}

/* A bad-password mount and a refused connect, as the kernel would report them. */
static void write_clean(void)
{
	struct smbw_addr a = ipv4(10, 0, 0, 5, 445);
	struct rec_writer w;
	char err[256];
	FILE *f;
	int fd = mkstemp(clean_path);

	close(fd);
	unlink(clean_path);
	assert_int_equal(rec_writer_open(&w, clean_path, 0, err, sizeof(err)), 0);
	put(&w, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC, 0x10, a, 7, 2, 100));
	put(&w, ev_tcp(EV_TCP_STATE_CHANGE, 1 * SEC + MS, 0x10, a, 2, 1, 0));
	put(&w, ev_server(1 * SEC + 2 * MS, 100, 0x99, 0x10, "fs1", a, 0));
	put(&w, ev_phase(EV_SMB_NEGOTIATE_DONE, 1 * SEC + 3 * MS, 100, 0x99, 0));
	put(&w, ev_status(1 * SEC + 4 * MS, 100, 1, NT_STATUS_LOGON_FAILURE, -EACCES));
	put(&w, ev_phase(EV_SMB_SESSION_SETUP_DONE, 1 * SEC + 5 * MS, 100, 0x99, -EACCES));
	put(&w, ev_tcp(EV_TCP_STATE_CHANGE, 2 * SEC, 0x20, a, 7, 2, 101));
	put(&w, ev_tcp(EV_TCP_RESET_RECEIVED, 2 * SEC + MS, 0x20, a, 0, 2, 0));
	put(&w, ev_server(2 * SEC + 2 * MS, 101, 0, 0, "fs2", a, -ECONNREFUSED));
	put_kerberos_mount(&w);
	assert_int_equal(rec_writer_close(&w), 0);
	f = fopen(clean_path, "rb");
	fseek(f, 0, SEEK_END);
	clean_len = (size_t)ftell(f);
	rewind(f);
	clean = malloc(clean_len);
	assert_int_equal(fread(clean, 1, clean_len, f), clean_len);
	fclose(f);
}

static int replay(const char *path, const char *out_path)
{
	struct options o;
	char *argv[] = { "smbwatch", "--replay", (char *)path, "-f", "json", "-e", NULL };
	FILE *null = fopen("/dev/null", "w");
	int rc, saved, saved_err, fd, null_fd;

	assert_int_equal(options_parse(6, argv, &o, null, null), PARSE_OK);
	fclose(null);
	/*
	 * The agent writes to stdout and, expected here by the thousand, its
	 * errors to stderr: point both elsewhere for the run, then back.
	 */
	fflush(stdout);
	fflush(stderr);
	saved = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	null_fd = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && saved_err >= 0 && fd >= 0 && null_fd >= 0);
	dup2(fd, STDOUT_FILENO);
	dup2(null_fd, STDERR_FILENO);
	close(fd);
	close(null_fd);
	rc = agent_run_replay(&o);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved);
	close(saved_err);
	return rc;
}

static void test_clean_recording_replays_to_its_diagnoses(void **state)
{
	char out[] = "/tmp/smbw-fuzz-out-XXXXXX", line[4096];
	int fd = mkstemp(out), diagnoses = 0;
	bool bad_creds = false, refused = false, spn = false;
	FILE *f;

	(void)state;
	close(fd);
	assert_int_equal(replay(clean_path, out), EXIT_OK);
	f = fopen(out, "r");
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "\"record\":\"diagnosis\""))
			continue;
		diagnoses++;
		bad_creds |= strstr(line, "\"cause\":\"bad-credentials\"") != NULL;
		refused |= strstr(line, "\"cause\":\"connect-refused\"") != NULL;
		spn |= strstr(line, "\"cause\":\"kerberos-spn-unknown\"") != NULL &&
		       strstr(line, "\"principal\":\"cifs/alias@EXAMPLE.TEST\"") != NULL;
	}
	fclose(f);
	unlink(out);
	assert_int_equal(diagnoses, 3);
	assert_true(bad_creds && refused && spn);
}

static void mutate(unsigned char *buf, size_t *len, unsigned int *seed)
{
	switch (rand_r(seed) % 4) {
	case 0: /* flip bits */
		for (int i = 0, n = 1 + rand_r(seed) % 8; i < n; i++)
			buf[(size_t)rand_r(seed) % *len] ^= (unsigned char)(1u << (rand_r(seed) % 8));
		break;
	case 1: /* truncate */
		*len = (size_t)rand_r(seed) % *len;
		break;
	case 2: { /* a random length field */
		size_t rec = 4 + SMBW_EVENT_BASE_LEN; /* most records: no KRB-ERROR bytes */
		size_t k = (size_t)rand_r(seed) % ((*len - RECFILE_HEADER_LEN) / rec);
		uint32_t v = (uint32_t)rand_r(seed) * (rand_r(seed) % 2 ? 1u : 65537u);

		memcpy(buf + RECFILE_HEADER_LEN + k * rec, &v, 4);
		break;
	}
	default: /* random bytes over a record's type and fields */
		for (size_t i = 0, at = (size_t)rand_r(seed) % *len; i < 64 && at + i < *len; i++)
			buf[at + i] = (unsigned char)rand_r(seed);
		break;
	}
}

static void test_damaged_recordings_never_crash(void **state)
{
	unsigned char *buf = malloc(clean_len);
	unsigned int seed = 20261125;
	int ok = 0, refused = 0;

	(void)state;
	for (int i = 0; i < ITERATIONS; i++) {
		size_t len = clean_len;
		FILE *f;
		int rc;

		memcpy(buf, clean, clean_len);
		mutate(buf, &len, &seed);
		f = fopen(work_path, "wb");
		fwrite(buf, 1, len, f);
		fclose(f);
		rc = replay(work_path, "/dev/null");
		assert_true(rc == EXIT_OK || rc == EXIT_RUNTIME);
		rc == EXIT_OK ? ok++ : refused++;
	}
	free(buf);
	/* both outcomes happen: the mutations reach past the reader into the pipeline */
	assert_true(ok > 0 && refused > 0);
}

static int group_setup(void **state)
{
	int fd = mkstemp(work_path);


	(void)state;
	close(fd);
	write_clean();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(clean_path);
	unlink(work_path);
	free(clean);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_recording_replays_to_its_diagnoses),
		cmocka_unit_test(test_damaged_recordings_never_crash),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
