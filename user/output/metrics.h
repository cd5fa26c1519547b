/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus metrics in the node_exporter textfile collector's format: the
 * failures diagnosed, by cause and phase (and by server only when asked: a
 * label per server is a series per server), what the agent received and lost,
 * its hooks. Written whole to a file, atomically (metrics_write_file).
 */
#ifndef SMBW_METRICS_H
#define SMBW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "diagnosis.h"
#include "strbuf.h"

#define METRICS_MAX_ROWS 256 /* cause x phase x server series; past it: server="other" */
#define METRICS_SERVER_LEN 64

struct metrics_row {
	enum cause_id cause;
	enum phase phase;
	char server[METRICS_SERVER_LEN];
	uint64_t failures;
};

struct metrics {
	bool by_server;
	int64_t realtime_offset_ns;
	struct metrics_row rows[METRICS_MAX_ROWS];
	int nrows;
	uint64_t ipc_failures;  /* IPC$ tree connects: they fail no mount */
	uint64_t last_failure_ns; /* CLOCK_REALTIME of the last mount failure; 0: none */
};

/* What the agent says about itself at each write. */
struct metrics_agent {
	const char *version, *kernel;
	uint64_t events, dropped, malformed, unknown;
	struct {
		const char *name;
		int attached, failed, missing;
		bool waiting;
	} groups[4];
	int ngroups;
};

void metrics_init(struct metrics *m, bool by_server, int64_t realtime_offset_ns);
/* A diagnosis as the output shows it (after folding: .count failures). */
void metrics_count(struct metrics *m, const struct diagnosis *d);
void metrics_format(struct strbuf *sb, const struct metrics *m, const struct metrics_agent *a);
/* text to path, by a temporary file in its directory and rename(2): 0 or -errno, err says what. */
int metrics_write_file(const char *path, const char *text, char *err, size_t n);

#endif
