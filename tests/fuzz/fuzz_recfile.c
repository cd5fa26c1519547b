// SPDX-License-Identifier: GPL-2.0
/*
 * The record file reader on any bytes as a file (--replay reads what anyone
 * sends in a bug report): it either hands out records that keep its promises
 * or names the offset of the damage, and never reads or writes out of bounds.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_checks.h"
#include "recfile.h"

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/smbw-fuzz-rec-%d",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_reader r;
	struct smbw_event e;
	char err[512] = "";
	FILE *f = fopen(path, "wb");
	uint64_t offset;
	int n;

	fuzz_assert(f);
	fuzz_assert(fwrite(data, 1, size, f) == size);
	fclose(f);
	if (rec_reader_open(&r, path, err, sizeof(err))) {
		fuzz_assert(err[0]);
		return 0;
	}
	fuzz_assert(r.abi >= 1 && r.abi <= SMBW_ABI_VERSION);
	offset = r.offset;
	while ((n = rec_reader_next(&r, &e, err, sizeof(err))) == 1) {
		/* what it hands out is a record of a known ABI whose Kerberos bytes it holds */
		fuzz_assert(e.abi >= 1 && e.abi <= r.abi);
		fuzz_assert(e.krb_len <= sizeof(e.krb));
		fuzz_assert(smbw_event_len(&e) <= sizeof(e));
		fuzz_assert(r.offset > offset && r.offset <= size);
		offset = r.offset;
	}
	fuzz_assert(n == 0 || (n == -1 && err[0]));
	rec_reader_close(&r);
	return 0;
}
