/* SPDX-License-Identifier: GPL-2.0 */
/* Where events and diagnoses go: text or JSON lines on a stream, or the journal. */
#ifndef SMBW_OUTPUT_H
#define SMBW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diagnosis.h"
#include "metrics.h"
#include "options.h"
#include "smbwatch_event.h"
#include "strbuf.h"


struct output {
	enum output_format format; /* resolved: never FORMAT_AUTO */
	bool color;
	int verbose;
	FILE *f;
	int64_t realtime_offset_ns;
	struct strbuf line;
	uint64_t write_errors;
	int last_errno; /* of the last failed write */
	struct metrics *metrics; /* NULL unless --metrics-file: every diagnosis shown is counted */
};

void output_init(struct output *o, enum output_format format, bool color, int verbose, FILE *f,
		 int64_t realtime_offset_ns);
void output_event(struct output *o, const struct smbw_event *e);
void output_diagnosis(struct output *o, const struct diagnosis *d);
void output_free(struct output *o);
/* The JSON object of a diagnosis (README "JSON schema"), without newline. */
void diagnosis_to_json(struct strbuf *sb, const struct diagnosis *d, int64_t realtime_offset_ns);

#endif
