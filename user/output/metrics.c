// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "names.h"
#include "utf8.h"

void metrics_init(struct metrics *m, bool by_server, int64_t realtime_offset_ns)
{
	memset(m, 0, sizeof(*m));
	m->by_server = by_server;
	m->realtime_offset_ns = realtime_offset_ns;
}

#define PHASE_COUNT (PHASE_ANY + 1)
/* rows kept for server="other": one per cause and phase, so that no failure goes uncounted */
#define RESERVED_ROWS (CAUSE_COUNT * PHASE_COUNT)
_Static_assert(METRICS_MAX_ROWS > RESERVED_ROWS, "metrics rows too few for the causes");

static struct metrics_row *find_row(struct metrics *m, const struct diagnosis *d,
				    const char *server)
{
	for (int i = 0; i < m->nrows; i++) {
		struct metrics_row *r = &m->rows[i];

		if (r->cause == d->cause && r->phase == d->phase &&
		    !strncmp(r->server, server, sizeof(r->server) - 1))
			return r;
	}
	return NULL;
}

static struct metrics_row *row_for(struct metrics *m, const struct diagnosis *d)
{
	const char *server = !m->by_server ? "" : d->server[0] ? d->server : "unknown";
	struct metrics_row *r = find_row(m, d, server);

	if (r)
		return r;
	if (m->nrows >= METRICS_MAX_ROWS - RESERVED_ROWS && strcmp(server, "other")) {
		server = "other"; /* bounded: the servers past the limit share these series */
		r = find_row(m, d, server);
		if (r)
			return r;
	}
	r = &m->rows[m->nrows++];
	r->cause = d->cause;
	r->phase = d->phase;
	snprintf(r->server, sizeof(r->server), "%s", server);
	return r;
}

void metrics_count(struct metrics *m, const struct diagnosis *d)
{
	uint64_t n = d->count ? d->count : 1;

	if (d->ipc) {
		m->ipc_failures += n;
		return;
	}
	row_for(m, d)->failures += n;
	m->last_failure_ns = (uint64_t)((int64_t)d->ts_ns + m->realtime_offset_ns);
}

/*
 * A label value: the exposition format escapes backslash, double quote and
 * newline; it must be UTF-8, so a byte that is not becomes U+FFFD, and other
 * control characters are dropped.
 */
static void label_value(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s), i = 0, len, bad;
	uint32_t cp;

	while (i < n) {
		len = utf8_next((const unsigned char *)s + i, n - i, &cp, &bad);
		if (!len) {
			sb_puts(sb, "\xef\xbf\xbd");
			i += bad;
			continue;
		}
		if (cp == '\\')
			sb_puts(sb, "\\\\");
		else if (cp == '"')
			sb_puts(sb, "\\\"");
		else if (cp == '\n')
			sb_puts(sb, "\\n");
		else if (!utf8_is_control(cp))
			sb_printf(sb, "%.*s", (int)len, s + i);
		i += len;
	}
}

static void head(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void failure_rows(struct strbuf *sb, const struct metrics *m)
{
	head(sb, "smbwatch_failures_total", "counter",
	     "SMB mount failures diagnosed, by cause and phase (repeats counted).");
	for (int i = 0; i < m->nrows; i++) {
		const struct metrics_row *r = &m->rows[i];

		sb_printf(sb, "smbwatch_failures_total{cause=\"%s\",phase=\"%s\"",
			  cause_info(r->cause)->id, phase_name(r->phase));
		if (m->by_server) {
			sb_puts(sb, ",server=\"");
			label_value(sb, r->server);
			sb_putc(sb, '"');
		}
		sb_printf(sb, "} %llu\n", (unsigned long long)r->failures);
	}
	head(sb, "smbwatch_ipc_failures_total", "counter",
	     "IPC$ tree connects that failed (they fail no mount).");
	sb_printf(sb, "smbwatch_ipc_failures_total %llu\n", (unsigned long long)m->ipc_failures);
	head(sb, "smbwatch_last_failure_timestamp_seconds", "gauge",
	     "When the last mount failure was diagnosed (Unix time; 0: none yet).");
	sb_printf(sb, "smbwatch_last_failure_timestamp_seconds %.3f\n",
		  m->last_failure_ns / 1e9);
}

static void agent_rows(struct strbuf *sb, const struct metrics_agent *a)
{
	static const char *const kinds[] = { "attached", "failed", "missing" };

	head(sb, "smbwatch_events_total", "counter", "Events received from the kernel.");
	sb_printf(sb, "smbwatch_events_total %llu\n", (unsigned long long)a->events);
	head(sb, "smbwatch_events_dropped_total", "counter",
	     "Events lost because the ring buffer was full (raise --ringbuf-kb).");
	sb_printf(sb, "smbwatch_events_dropped_total %llu\n", (unsigned long long)a->dropped);
	head(sb, "smbwatch_records_skipped_total", "counter",
	     "Records skipped: malformed, or of a type this version does not know.");
	sb_printf(sb, "smbwatch_records_skipped_total{reason=\"malformed\"} %llu\n",
		  (unsigned long long)a->malformed);
	sb_printf(sb, "smbwatch_records_skipped_total{reason=\"unknown\"} %llu\n",
		  (unsigned long long)a->unknown);
	head(sb, "smbwatch_hooks", "gauge",
	     "Hooks per group: attached, failed, or missing on this kernel.");
	for (int i = 0; i < a->ngroups; i++) {
		const int v[] = { a->groups[i].attached, a->groups[i].failed, a->groups[i].missing };

		for (int k = 0; k < 3; k++)
			sb_printf(sb, "smbwatch_hooks{group=\"%s\",state=\"%s\"} %d\n",
				  a->groups[i].name, kinds[k], v[k]);
	}
	head(sb, "smbwatch_hooks_waiting", "gauge",
	     "1 while a group waits for its module (cifs.ko not loaded yet).");
	for (int i = 0; i < a->ngroups; i++)
		sb_printf(sb, "smbwatch_hooks_waiting{group=\"%s\"} %d\n", a->groups[i].name,
			  a->groups[i].waiting);
	head(sb, "smbwatch_info", "gauge", "The agent's version and the kernel it runs on.");
	sb_puts(sb, "smbwatch_info{version=\"");
	label_value(sb, a->version ? a->version : "");
	sb_puts(sb, "\",kernel=\"");
	label_value(sb, a->kernel ? a->kernel : "");
	sb_puts(sb, "\"} 1\n");
}

void metrics_format(struct strbuf *sb, const struct metrics *m, const struct metrics_agent *a)
{
	failure_rows(sb, m);
	if (a)
		agent_rows(sb, a);
}

/*
 * A temporary file of its own (mkstemp: never a planted name or link) in the
 * target's directory, readable by the collector whatever the umask, then
 * rename(2): a reader sees the old file or the new one, never half of one.
 */
int metrics_write_file(const char *path, const char *text, char *err, size_t n)
{
	char tmp[4096];
	size_t len = strlen(text);
	ssize_t w;
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		snprintf(err, n, "--metrics-file: path too long");
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, n,
			 "cannot write the metrics file %s: %s: give a path in a directory that "
			 "exists and that smbwatch may write (under systemd: RuntimeDirectory=)",
			 path, strerror(e));
		return -e;
	}
	w = write(fd, text, len);
	e = w < 0 ? errno : (size_t)w != len ? EIO : 0;
	if (!e && fchmod(fd, 0644))
		e = errno;
	if (close(fd) && !e)
		e = errno;
	if (!e && rename(tmp, path))
		e = errno;
	if (e) {
		unlink(tmp);
		snprintf(err, n, "cannot write the metrics file %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
