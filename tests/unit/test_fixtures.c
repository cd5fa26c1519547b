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

#include "correlator.h"
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

static void replay(const char *path, struct outcome *o)
{
	struct correlator *c = correlator_new(NULL, collect, o);
	struct rec_reader r;
	struct smbw_event e;
	char err[512];
	int rc;

	assert_non_null(c);
	if (rec_reader_open(&r, path, err, sizeof(err)))
		fail_msg("%s", err);
	while ((rc = rec_reader_next(&r, &e, err, sizeof(err))) == 1)
		correlator_feed(c, &e);
	if (rc < 0)
		fail_msg("%s", err);
	rec_reader_close(&r);
	correlator_finish(c);
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
			replay(path, &o);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_recording_replays_to_its_diagnosis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
