/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: parsed into one struct that the rest of the agent reads. */
#ifndef SMBW_OPTIONS_H
#define SMBW_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "portset.h"

enum output_format {
	FORMAT_AUTO = 0, /* text on a terminal, JSON lines otherwise, journal under systemd */
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_JOURNAL,
};

enum color_mode {
	COLOR_AUTO = 0,
	COLOR_ALWAYS,
	COLOR_NEVER,
};

struct options {
	enum output_format format;
	enum color_mode color;
	bool events;      /* print the raw evidence stream too */
	int verbose;      /* -v: details; -vv: libbpf debug output */
	double duration;  /* seconds, 0 = until SIGINT/SIGTERM */
	struct portset ports;
	const char *record_path;
	const char *replay_path;
	unsigned int ringbuf_kb;
	const char *metrics_path;  /* --metrics-file: Prometheus textfile, rewritten every few s */
	bool metrics_by_server;    /* --metrics-by-server: a server label on the failure counts */
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_EXIT = 1,  /* --help or --version printed: exit 0 */
	PARSE_USAGE = 2, /* bad flag or value, message printed: exit 2 */
};

/* Fills opts; messages go to out (help, version) or err (errors). */
enum parse_result options_parse(int argc, char **argv, struct options *opts, FILE *out,
				FILE *err);
const char *format_name(enum output_format f);

#endif
