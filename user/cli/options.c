// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "version.h"

static const char usage_text[] =
"Usage: smbwatch [OPTION]...\n"
"Tell why SMB/CIFS mounts and reconnects fail, from the kernel's own view.\n"
"\n"
"smbwatch attaches eBPF programs to cifs.ko (negotiate, session setup, tree\n"
"connect) and to the TCP tracepoints of SMB and Kerberos connections, joins\n"
"what it sees per connection, and prints one diagnosis per failed operation:\n"
"the cause, the evidence and what to do. It needs root (CAP_BPF, CAP_PERFMON,\n"
"CAP_SYS_ADMIN for cifs.ko's BTF, and on Linux 6.1 CAP_NET_ADMIN for the\n"
"Kerberos hooks) and a kernel with BTF. If cifs.ko is not loaded yet, smbwatch\n"
"waits and attaches when it loads.\n"
"\n"
"Options:\n"
"  -f, --format=FORMAT    text, json (one object per line) or journal\n"
"                         (systemd journal with structured fields). Default:\n"
"                         journal under systemd, text on a terminal, else json\n"
"  -e, --events           also print the raw evidence stream (every event)\n"
"  -p, --port=PORT        also watch TCP port PORT (repeatable; 445, 139 and 88\n"
"                         are always watched)\n"
"  -d, --duration=SECS    stop after SECS seconds (default: run until stopped)\n"
"  -r, --record=FILE      write the raw event stream to FILE for later replay\n"
"      --replay=FILE      read events from FILE instead of the kernel (no root\n"
"                         needed); runs the same diagnosis pipeline\n"
"      --color=WHEN       colour text output: auto (default), always, never\n"
"      --ringbuf-kb=KB    BPF ring buffer size in KiB, a power of two >= 4\n"
"                         (default 1024)\n"
"      --metrics-file=PATH\n"
"                         write Prometheus metrics to PATH (node_exporter's\n"
"                         textfile collector: a *.prom file in its directory),\n"
"                         every 5 s and at exit, atomically\n"
"      --metrics-by-server\n"
"                         label the failure counts with the server too (one\n"
"                         series per server, at most ~120 servers)\n"
"  -v, --verbose          more detail in text output; twice: libbpf debug log\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 on success, 1 when smbwatch cannot run (not root, no BTF, BPF\n"
"not usable, unreadable replay file), 2 on a bad option.\n"
"\n"
"Examples:\n"
"  smbwatch                        diagnose failures until Ctrl-C\n"
"  smbwatch -e -f json | jq .      every event and diagnosis as JSON\n"
"  smbwatch -p 8445 -d 60          also watch port 8445, for one minute\n"
"  smbwatch -r /tmp/smb.rec        record the evidence for a bug report\n"
"  smbwatch --replay /tmp/smb.rec  diagnose a recording again, anywhere\n"
"\n"
"See smbwatch(8) and README.md for the causes it knows and the JSON schema.\n";

__attribute__((format(printf, 2, 3))) static void usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fputs("smbwatch: ", err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputs("\nTry 'smbwatch --help' for more information.\n", err);
}

static int parse_format(const char *s, enum output_format *f)
{
	if (!strcmp(s, "text"))
		*f = FORMAT_TEXT;
	else if (!strcmp(s, "json"))
		*f = FORMAT_JSON;
	else if (!strcmp(s, "journal"))
		*f = FORMAT_JOURNAL;
	else
		return -EINVAL;
	return 0;
}

static int parse_color(const char *s, enum color_mode *c)
{
	if (!strcmp(s, "auto"))
		*c = COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*c = COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*c = COLOR_NEVER;
	else
		return -EINVAL;
	return 0;
}

static int parse_duration(const char *s, double *secs)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e9)
		return -EINVAL;
	*secs = v;
	return 0;
}

static int parse_ringbuf_kb(const char *s, unsigned int *kb)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 4 || v > (1ul << 20) ||
	    (v & (v - 1)))
		return -EINVAL;
	*kb = (unsigned int)v;
	return 0;
}

enum { OPT_REPLAY = 256, OPT_COLOR, OPT_RINGBUF, OPT_METRICS, OPT_METRICS_BY_SERVER };

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "events", no_argument, NULL, 'e' },
	{ "port", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "record", required_argument, NULL, 'r' },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF },
	{ "metrics-file", required_argument, NULL, OPT_METRICS },
	{ "metrics-by-server", no_argument, NULL, OPT_METRICS_BY_SERVER },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	portset_defaults(&o->ports);
	o->ringbuf_kb = 1024;
}

/* One option; returns PARSE_OK or PARSE_USAGE/PARSE_EXIT. */
static enum parse_result apply_option(int c, const char *arg, struct options *o, FILE *out,
				      FILE *err)
{
	uint16_t port;

	switch (c) {
	case 'f':
		if (parse_format(arg, &o->format)) {
			usage_error(err, "invalid --format '%s': use text, json or journal", arg);
			return PARSE_USAGE;
		}
		break;
	case 'e':
		o->events = true;
		break;
	case 'p':
		if (port_parse(arg, &port)) {
			usage_error(err, "invalid --port '%s': give a TCP port from 1 to 65535", arg);
			return PARSE_USAGE;
		}
		if (portset_add(&o->ports, port)) {
			usage_error(err, "too many --port values (at most %d ports in all)",
				    SMBW_MAX_PORTS);
			return PARSE_USAGE;
		}
		break;
	case 'd':
		if (parse_duration(arg, &o->duration)) {
			usage_error(err, "invalid --duration '%s': give a positive number of seconds", arg);
			return PARSE_USAGE;
		}
		break;
	case 'r':
		o->record_path = arg;
		break;
	case OPT_REPLAY:
		o->replay_path = arg;
		break;
	case OPT_COLOR:
		if (parse_color(arg, &o->color)) {
			usage_error(err, "invalid --color '%s': use auto, always or never", arg);
			return PARSE_USAGE;
		}
		break;
	case OPT_RINGBUF:
		if (parse_ringbuf_kb(arg, &o->ringbuf_kb)) {
			usage_error(err, "invalid --ringbuf-kb '%s': give a power of two from 4 to 1048576", arg);
			return PARSE_USAGE;
		}
		break;
	case OPT_METRICS:
		if (!arg[0]) {
			usage_error(err, "%s", "--metrics-file needs a path, e.g. "
				    "/var/lib/prometheus/node-exporter/smbwatch.prom");
			return PARSE_USAGE;
		}
		o->metrics_path = arg;
		break;
	case OPT_METRICS_BY_SERVER:
		o->metrics_by_server = true;
		break;
	case 'v':
		o->verbose++;
		break;
	case 'V':
		fprintf(out, "smbwatch %s (event ABI %d)\n", SMBWATCH_VERSION, SMBW_ABI_VERSION);
		return PARSE_EXIT;
	case 'h':
		fputs(usage_text, out);
		return PARSE_EXIT;
	default:
		return PARSE_USAGE;
	}
	return PARSE_OK;
}

/* Combinations that make no sense are refused rather than half-honoured. */
static enum parse_result check_combination(const struct options *o, FILE *err)
{
	if (o->metrics_by_server && !o->metrics_path) {
		usage_error(err, "%s", "--metrics-by-server needs --metrics-file");
		return PARSE_USAGE;
	}
	if (o->replay_path && o->record_path) {
		usage_error(err, "%s", "--record and --replay cannot be combined: copy the file instead");
		return PARSE_USAGE;
	}
	return PARSE_OK;
}

enum parse_result options_parse(int argc, char **argv, struct options *o, FILE *out, FILE *err)
{
	enum parse_result r;
	int c;

	options_defaults(o);
	optind = 0; /* full reset: tests parse many argument vectors */
	opterr = 0; /* our own messages, on err */
	while ((c = getopt_long(argc, argv, ":f:ep:d:r:vVh", long_opts, NULL)) != -1) {
		if (c == '?') {
			if (optopt)
				usage_error(err, "unknown option '-%c'", optopt);
			else
				usage_error(err, "unknown option '%s'", argv[optind - 1]);
			return PARSE_USAGE;
		}
		if (c == ':') {
			usage_error(err, "option '%s' needs a value", argv[optind - 1]);
			return PARSE_USAGE;
		}
		r = apply_option(c, optarg, o, out, err);
		if (r != PARSE_OK)
			return r;
	}
	if (optind < argc) {
		usage_error(err, "unexpected argument '%s'", argv[optind]);
		return PARSE_USAGE;
	}
	return check_combination(o, err);
}

const char *format_name(enum output_format f)
{
	switch (f) {
	case FORMAT_TEXT:
		return "text";
	case FORMAT_JSON:
		return "json";
	case FORMAT_JOURNAL:
		return "journal";
	default:
		return "auto";
	}
}
