// SPDX-License-Identifier: GPL-2.0
/*
 * Seed corpora for the fuzz targets, from the VM recordings in tests/fixtures
 * and from messages libkrb5 encodes: usage gen_seeds OUTDIR FIXTURE.rec...
 * Writes OUTDIR/<target>/<name> for every target of tests/fuzz/.
 *
 *   fuzz_recfile    windows of WINDOW records as record files
 *   fuzz_pipeline   the same windows as frames, sized as the ring buffer
 *                   sizes them, with ticks between some, in every mode; and a
 *                   Kerberos mount whose KDC answers with a KRB-ERROR
 *   fuzz_krb_error  KRB-ERRORs from krb5_mk_error, and any in the fixtures
 *   fuzz_utf16      NTLMSSP names (UTF-16LE) from the fixtures, and samples
 *   fuzz_escape     every distinct name in the fixtures, and hostile ones
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event_builders.h"
#include "krb_builders.h"
#include "recfile.h"

#define WINDOW 32
#define MAX_WINDOWS 48 /* a fixture: the soak recordings have thousands of records */
#define MAX_EVENTS 200000

static const char *outdir;
static int seeds;

static void write_seed(const char *target, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_seeds: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	seeds++;
}

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_le(struct buf *b, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)(v >> (8 * i));

		put(b, &c, 1);
	}
}

/* What the ring buffer hands the agent for this record (pipeline.c's record_valid). */
static size_t ring_size(const struct smbw_event *e)
{
	return e->krb_len ? sizeof(*e) : smbw_event_len(e);
}

static void pipeline_seed(const char *name, const struct smbw_event *ev, size_t n, uint8_t mode)
{
	struct buf b = { 0 };

	put(&b, &mode, 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = ring_size(&ev[i]);

		put_le(&b, len, 2);
		put(&b, &ev[i], len);
		if (mode & 1 && i % 8 == 7) { /* a live tick, 200 ms on */
			put_le(&b, 0, 2);
			put_le(&b, 200, 4);
		}
	}
	write_seed("fuzz_pipeline", name, b.p, b.len);
	free(b.p);
}

static void recfile_seed(const char *name, const struct smbw_event *ev, size_t n)
{
	struct buf b = { 0 };
	unsigned char hdr[RECFILE_HEADER_LEN] = { 0 };

	memcpy(hdr, RECFILE_MAGIC, sizeof(RECFILE_MAGIC));
	hdr[8] = RECFILE_VERSION;
	hdr[10] = SMBW_ABI_VERSION;
	hdr[12] = RECFILE_HEADER_LEN;
	put(&b, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		put_le(&b, smbw_event_len(&ev[i]), 4);
		put(&b, &ev[i], smbw_event_len(&ev[i]));
	}
	write_seed("fuzz_recfile", name, b.p, b.len);
	free(b.p);
}

/* Names seen once each: a small table is enough for the fixtures' few names. */
static char names[512][SMBW_UNC_LEN];
static int n_names;

static void name_seed(const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	char nm[32];

	if (!len || n_names == 512)
		return;
	for (int i = 0; i < n_names; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return;
	memcpy(names[n_names], s, len);
	snprintf(nm, sizeof(nm), "name-%d", n_names++);
	write_seed("fuzz_escape", nm, s, len);
}

static void event_seeds(const char *base, const struct smbw_event *e, size_t idx)
{
	char nm[300];

	if (e->krb_len && e->krb_len <= sizeof(e->krb)) {
		snprintf(nm, sizeof(nm), "%s-krb-%zu", base, idx);
		write_seed("fuzz_krb_error", nm, e->krb, e->krb_len);
	}
	if (e->type == EV_SMB_AUTH_SENT) {
		unsigned char b[1 + SMBW_NAME_LEN];

		b[0] = SMBW_NAME_LEN;
		memcpy(b + 1, e->user, SMBW_NAME_LEN);
		snprintf(nm, sizeof(nm), "%s-user16-%zu", base, idx);
		write_seed("fuzz_utf16", nm, b, sizeof(b));
		return;
	}
	name_seed(e->host, sizeof(e->host));
	name_seed(e->user, sizeof(e->user));
	name_seed(e->domain, sizeof(e->domain));
	name_seed(e->unc, sizeof(e->unc));
	name_seed(e->comm, sizeof(e->comm));
}

static void fixture(const char *path, int index)
{
	static struct smbw_event ev[MAX_EVENTS];
	char err[512], base[300], nm[340];
	struct rec_reader r;
	size_t n = 0;
	const char *slash;
	int rc;

	if (rec_reader_open(&r, path, err, sizeof(err))) {
		fprintf(stderr, "gen_seeds: %s\n", err);
		exit(1);
	}
	while (n < MAX_EVENTS && (rc = rec_reader_next(&r, &ev[n], err, sizeof(err))) == 1)
		n++;
	rec_reader_close(&r);
	slash = strrchr(path, '/');
	snprintf(base, sizeof(base), "%02d-%s", index, slash ? slash + 1 : path);
	for (size_t i = 0; i < n; i++)
		event_seeds(base, &ev[i], i);
	for (size_t w = 0; w * WINDOW < n && w < MAX_WINDOWS; w++) {
		size_t at = w * WINDOW, len = n - at < WINDOW ? n - at : WINDOW;

		snprintf(nm, sizeof(nm), "%s-%zu", base, w);
		recfile_seed(nm, ev + at, len);
		/* every mode in turn: text or JSON, colour, verbose, events, ids */
		pipeline_seed(nm, ev + at, len, (uint8_t)((index * 7 + w) & 0x1f));
	}
}

/* The Kerberos mount of tests/unit/test_replay_fuzz.c: the KDC says there is no such SPN. */
static void kerberos_mount(void)
{
	struct smbw_addr a = ipv4(10, 0, 0, 6, 445);
	struct smbw_event ev[16];
	size_t n = 0;

	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC, 0x30, a, 7, 2, 102);
	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, 3 * SEC + MS, 0x30, a, 2, 1, 0);
	ev[n] = ev_server(3 * SEC + 2 * MS, 102, 0x98, 0x30, "alias", a, 0);
	ev[n++].conn_id = 8;
	ev[n++] = ev_phase(EV_SMB_NEGOTIATE_DONE, 3 * SEC + 3 * MS, 102, 0x98, 0);
	ev[n] = ev_base(EV_PROC_EXEC, 3 * SEC + 4 * MS, 700);
	ev[n].reason = 1;
	strcpy(ev[n++].comm, "cifs.upcall");
	ev[n] = ev_base(EV_KRB_MESSAGE, 3 * SEC + 5 * MS, 0);
	ev[n].krb_type = 12;
	ev[n].ip_proto = 17;
	ev[n].remote = ipv4(10, 0, 0, 7, 88);
	ev[n + 1] = ev[n];
	n++;
	ev[n].ts_ns += MS;
	ev[n].krb_type = 30;
	ev[n].flags = SMBW_F_INGRESS;
	ev[n].krb_len = encode_error(ev[n].krb, sizeof(ev[n].krb), 7, "cifs/alias@EXAMPLE.TEST");
	n++;
	ev[n] = ev_base(EV_SMB_SPNEGO_UPCALL_DONE, 3 * SEC + 8 * MS, 102);
	ev[n].server = 0x98;
	ev[n].conn_id = 8;
	ev[n++].rc = -ENOKEY;
	ev[n] = ev_phase(EV_SMB_SESSION_SETUP_DONE, 3 * SEC + 9 * MS, 102, 0x98, -ENOKEY);
	ev[n].conn_id = 8;
	ev[n++].sectype = 3;
	pipeline_seed("kerberos-mount-json", ev, n, 0x08);
	pipeline_seed("kerberos-mount-text", ev, n, 0x1d);
	recfile_seed("kerberos-mount", ev, n);
}

static void krb_seeds(void)
{
	static const struct {
		int32_t code;
		const char *server;
	} errs[] = {
		{ 7, "cifs/alias@EXAMPLE.TEST" },
		{ 37, "cifs/fs1.example.test@EXAMPLE.TEST" },
		{ 25, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST" },
		{ 6, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST" },
		{ 24, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST" },
		{ 41, "cifs/fs1@EXAMPLE.TEST" },
		{ 33, "cifs/fs1@EXAMPLE.TEST" },
		{ 68, "krbtgt/OTHER@EXAMPLE.TEST" },
		{ 52, "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST" },
		{ 18, "a/b/c/d@R" },
	};
	uint8_t buf[SMBW_KRB_LEN];
	char nm[32];

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		uint16_t len = encode_error(buf, sizeof(buf), errs[i].code, errs[i].server);

		snprintf(nm, sizeof(nm), "mk_error-%d-%zu", errs[i].code, i);
		write_seed("fuzz_krb_error", nm, buf, len);
	}
}

static void utf16_seeds(void)
{
	static const uint8_t samples[][12] = {
		{ 64, 'a', 0, 'l', 0, 'i', 0, 'c', 0, 'e', 0 },
		{ 8, 'a', 0, 0x3d, 0xd8, 0x00, 0xde, 'b', 0 },     /* a U+1F600 b */
		{ 64, 0x00, 0xd8, 'x', 0, 0x00, 0xdc, 0x9b, 0x00 }, /* lone halves, C1 CSI */
		{ 3, 0xe9, 0x00, 0xac, 0x20, 0x2e, 0x20 },          /* é € RLO, in 3 bytes */
		{ 255, 'q', 0, 'r' },                               /* an odd length */
	};
	char nm[32];

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(nm, sizeof(nm), "sample-%zu", i);
		write_seed("fuzz_utf16", nm, samples[i], sizeof(samples[i]));
	}
}

static void escape_seeds(void)
{
	static const char *const hostile[] = {
		"two\nlines", "x=y user=root", "q\"uote\\", "\x1b[31mred\x1b[0m", "\x9b" "31m",
		"\xc2\x9b" "31m", "\xff\xfe\xe9t\xe9", "\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf",
		"\xed\xa0\x80\xed\xbf\xbf", "\xf4\x90\x80\x80\xf5", "cut \xe2\x82",
		"\xe2\x80\xae" "cod.exe", "\xe2\x80\xa8", "caf\xc3\xa9 \xf0\x9f\x98\x80",
	};
	char nm[32];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		snprintf(nm, sizeof(nm), "hostile-%zu", i);
		write_seed("fuzz_escape", nm, hostile[i], strlen(hostile[i]));
	}
}

int main(int argc, char **argv)
{
	static const char *const targets[] = { "fuzz_recfile", "fuzz_pipeline", "fuzz_krb_error",
						"fuzz_utf16", "fuzz_escape" };
	char path[512];

	if (argc < 2) {
		fprintf(stderr, "usage: gen_seeds OUTDIR FIXTURE.rec...\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", outdir, targets[i]);
		mkdir(path, 0755);
	}
	for (int i = 2; i < argc; i++)
		fixture(argv[i], i - 2);
	kerberos_mount();
	krb_seeds();
	utf16_seeds();
	escape_seeds();
	printf("gen_seeds: %d seeds from %d recordings in %s\n", seeds, argc - 2, outdir);
	return 0;
}
