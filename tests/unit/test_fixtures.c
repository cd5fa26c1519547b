// SPDX-License-Identifier: GPL-2.0
/*
 * The classifier against reality: every recording made in the VM scenarios
 * (tests/fixtures/KERNEL/SCENARIO.rec, real cifs.ko and Samba) replays to the
 * diagnosis tests/fixtures/expected.tsv names, on every kernel recorded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "causes.h"
#include "correlator.h"
#include "fold.h"
#include "pipeline.h"
#include "recfile.h"

#define FIXTURES "tests/fixtures"

struct expectation {
	char scenario[64];
	char cause[64];
	char status[16];
};

struct outcome {
	int mount_failures; /* non-IPC$ diagnoses */
	char cause[64];
	uint32_t status;
};

static void collect(void *ctx, const struct diagnosis *d)
{
	struct outcome *o = ctx;

	if (d->ipc || d->repeat)
		return;
	o->mount_failures++;
	snprintf(o->cause, sizeof(o->cause), "%s", cause_info(d->cause)->id);
	o->status = d->nt_status;
}

static int load_expectations(struct expectation *ex, int max)
{
	FILE *f = fopen(FIXTURES "/expected.tsv", "r");
	char line[256];
	int n = 0;

	assert_non_null(f);
	while (n < max && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%63s %63s %15s", ex[n].scenario, ex[n].cause,
					ex[n].status), 3);
		n++;
	}
	fclose(f);
	return n;
}

static void to_fold(void *ctx, const struct diagnosis *d)
{
	fold_put(ctx, d);
}

/*
 * The agent's stages: correlate and classify, then fold repeats (as
 * pipeline.c does), each diagnosis to fn. ticks: as the live agent does, tick
 * halfway between the newest event so far and the next one (the clock moves
 * on while nothing arrives).
 */
static void replay_into(const char *path, bool ticks, diagnosis_fn fn, void *ctx)
{
	struct fold fold;
	struct correlator *c = correlator_new(NULL, to_fold, &fold);
	struct rec_reader r;
	struct smbw_event e;
	uint64_t newest = 0;
	char err[512];
	int rc;

	assert_non_null(c);
	fold_init(&fold, PIPELINE_FOLD_NS, fn, ctx);
	if (rec_reader_open(&r, path, err, sizeof(err)))
		fail_msg("%s", err);
	while ((rc = rec_reader_next(&r, &e, err, sizeof(err))) == 1) {
		if (ticks && newest && e.ts_ns > newest) {
			correlator_tick(c, newest + (e.ts_ns - newest) / 2);
			fold_tick(&fold, correlator_now(c));
		}
		if (e.ts_ns > newest)
			newest = e.ts_ns;
		correlator_feed(c, &e);
	}
	if (rc < 0)
		fail_msg("%s", err);
	rec_reader_close(&r);
	correlator_finish(c);
	fold_finish(&fold);
	correlator_free(c);
}

static void test_every_recording_replays_to_its_diagnosis(void **state)
{
	struct expectation ex[64];
	int n = load_expectations(ex, 64), checked = 0, failures = 0, found[64] = { 0 };
	DIR *d = opendir(FIXTURES);
	struct dirent *k;

	(void)state;
	assert_non_null(d);
	while ((k = readdir(d))) {
		if (k->d_name[0] == '.' || k->d_type != DT_DIR)
			continue;
		for (int i = 0; i < n; i++) {
			char path[512];
			struct outcome o = { 0 };
			FILE *f;

			snprintf(path, sizeof(path), FIXTURES "/%s/%s.rec", k->d_name, ex[i].scenario);
			f = fopen(path, "r");
			if (!f)
				continue;
			fclose(f);
			replay_into(path, false, collect, &o);
			checked++;
			found[i]++;
			if (!strcmp(ex[i].cause, "none") ? o.mount_failures != 0 :
			    (o.mount_failures != 1 || strcmp(o.cause, ex[i].cause) ||
			     (strcmp(ex[i].status, "-") && strtoul(ex[i].status, NULL, 16) != o.status))) {
				print_error("%s: expected %s %s, got %d diagnoses, last %s 0x%08x\n",
					    path, ex[i].cause, ex[i].status, o.mount_failures,
					    o.cause, o.status);
				failures++;
			}
		}
	}
	closedir(d);
	print_message("%d recordings replayed\n", checked);
	for (int i = 0; i < n; i++) {
		if (!found[i]) {
			print_error("no recording of %s: run the VM tests and "
				    "scripts/vm/update-fixtures.sh\n", ex[i].scenario);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* ---- live and replay agree: ticks between events change no diagnosis ---- */

struct lines {
	char line[64][160];
	int n;
};

static void note_line(void *ctx, const struct diagnosis *d)
{
	struct lines *l = ctx;

	if (l->n < 64)
		snprintf(l->line[l->n++], sizeof(l->line[0]), "%s %d %llu %u %d 0x%x %d %s",
			 cause_info(d->cause)->id, d->phase, (unsigned long long)d->ts_ns, d->count,
			 d->repeat, d->nt_status, d->rc, d->unc);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void replay_lines(const char *path, bool ticks, struct lines *out)
{
	replay_into(path, ticks, note_line, out);
	qsort(out->line, (size_t)out->n, sizeof(out->line[0]), cmp_line);
}

static void test_live_ticks_give_the_replays_diagnoses(void **state)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *k, *f;
	int checked = 0;

	(void)state;
	assert_non_null(d);
	while ((k = readdir(d))) {
		char dir[300];
		DIR *kd;

		if (k->d_name[0] == '.' || k->d_type != DT_DIR)
			continue;
		snprintf(dir, sizeof(dir), FIXTURES "/%s", k->d_name);
		kd = opendir(dir);
		assert_non_null(kd);
		while ((f = readdir(kd))) {
			static struct lines plain, live;
			char path[600];
			size_t n = strlen(f->d_name);

			if (n < 5 || strcmp(f->d_name + n - 4, ".rec"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
			memset(&plain, 0, sizeof(plain));
			memset(&live, 0, sizeof(live));
			replay_lines(path, false, &plain);
			replay_lines(path, true, &live);
			assert_int_equal(plain.n, live.n);
			for (int i = 0; i < plain.n; i++)
				if (strcmp(plain.line[i], live.line[i]))
					fail_msg("%s: replay '%s', live '%s'", path, plain.line[i],
						 live.line[i]);
			checked++;
		}
		closedir(kd);
	}
	closedir(d);
	print_message("%d recordings agree live and in replay\n", checked);
	assert_true(checked > 0);
}

/* ---- the soak's recordings: per cause, the diagnoses equal the failed mounts ---- */

struct tally {
	uint32_t count[CAUSE_COUNT];
};

static void tally_diagnosis(void *ctx, const struct diagnosis *d)
{
	struct tally *t = ctx;

	if (!d->ipc)
		t->count[d->cause] += d->count;
}

/* KERNEL/soak.expected: "cause<TAB>failed mounts" for every cause the soak planned. */
static int check_soak(const char *dir)
{
	char path[600], line[128], cause[64];
	struct tally want = { { 0 } }, got = { { 0 } };
	unsigned int n;
	int bad = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/soak.expected", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int id;

		assert_int_equal(sscanf(line, "%63s %u", cause, &n), 2);
		for (id = 0; id < CAUSE_COUNT && strcmp(cause_info(id)->id, cause); id++)
			;
		assert_true(id < CAUSE_COUNT);
		want.count[id] = n;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/soak.rec", dir);
	replay_into(path, false, tally_diagnosis, &got);
	for (int id = 0; id < CAUSE_COUNT; id++) {
		if (want.count[id] != got.count[id]) {
			print_error("%s: %s: %u failed mounts, %u diagnosed\n", path,
				    cause_info(id)->id, want.count[id], got.count[id]);
			bad++;
		}
	}
	return bad;
}

static void test_soak_recordings_diagnose_every_failed_mount_once(void **state)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *k;
	int checked = 0, bad = 0;

	(void)state;
	assert_non_null(d);
	while ((k = readdir(d))) {
		char dir[300];
		int r;

		if (k->d_name[0] == '.' || k->d_type != DT_DIR)
			continue;
		snprintf(dir, sizeof(dir), FIXTURES "/%s", k->d_name);
		r = check_soak(dir);
		if (r < 0)
			continue;
		bad += r;
		checked++;
	}
	closedir(d);
	print_message("%d soak recordings replayed\n", checked);
	assert_true(checked > 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_recording_replays_to_its_diagnosis),
		cmocka_unit_test(test_live_ticks_give_the_replays_diagnoses),
		cmocka_unit_test(test_soak_recordings_diagnose_every_failed_mount_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
