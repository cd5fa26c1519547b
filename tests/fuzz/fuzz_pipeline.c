// SPDX-License-Identifier: GPL-2.0
/*
 * The whole pipeline from records of any size and content: validation, the
 * kernel-address ids, the correlator (reorder ring, tables, notes, Kerberos
 * log, expiry), the classifier, folding, and the JSON and text writers
 * (events and diagnoses), with live ticks between records.
 *
 * Input: one mode byte (bit 0 text, 1 colour, 2 verbose, 3 --events, 4 map
 * kernel addresses), then frames: u16 little-endian length and that many
 * bytes for pipeline_feed; length 0 is a tick instead, its u32 after it the
 * milliseconds after the latest record's time or the previous tick (live
 * time only goes forward, on the events' own clock).
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_checks.h"
#include "output.h"
#include "pipeline.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct output out;
	struct pipeline p;
	uint64_t now = 0, ts;
	size_t i = 1;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	output_init(&out, mode & 1 ? FORMAT_TEXT : FORMAT_JSON, mode & 2, (mode >> 2) & 1, devnull,
		    0);
	fuzz_assert(pipeline_init(&p, &out, mode & 8, NULL) == 0);
	if (mode & 16)
		fuzz_assert(pipeline_map_kernel_addresses(&p) == 0);
	while (i + 2 <= size) {
		size_t len = data[i] | (size_t)data[i + 1] << 8;
		uint32_t ms;

		i += 2;
		if (!len) {
			if (i + 4 > size)
				break;
			memcpy(&ms, data + i, 4);
			i += 4;
			now += (uint64_t)ms * 1000000ull; /* wraps only past 584 years */
			pipeline_tick(&p, now);
			continue;
		}
		if (len > size - i)
			len = size - i;
		if (len >= 16) {
			memcpy(&ts, data + i + 8, 8); /* .ts_ns */
			now = ts > now ? ts : now;
		}
		fuzz_assert(pipeline_feed(&p, data + i, len) == 0); /* no recording: never -EIO */
		i += len;
	}
	pipeline_finish(&p);
	pipeline_free(&p);
	output_free(&out);
	return 0;
}
