// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "event_format.h"
#include "output.h"

void output_init(struct output *o, enum output_format format, bool color, int verbose, FILE *f,
		 int64_t realtime_offset_ns)
{
	memset(o, 0, sizeof(*o));
	o->format = format;
	o->color = color;
	o->verbose = verbose;
	o->f = f;
	o->realtime_offset_ns = realtime_offset_ns;
	sb_init(&o->line);
}

/* One whole line per write, flushed: readers of a pipe see complete records at once. */
static void emit_line(struct output *o)
{
	sb_putc(&o->line, '\n');
	if (fwrite(o->line.buf, 1, o->line.len, o->f) != o->line.len || fflush(o->f))
		o->write_errors++;
	sb_reset(&o->line);
}

void output_event(struct output *o, const struct smbw_event *e)
{
	if (o->format == FORMAT_JSON || o->format == FORMAT_JOURNAL)
		event_format_json(&o->line, e, o->realtime_offset_ns);
	else
		event_format_text(&o->line, e, o->realtime_offset_ns);
	emit_line(o);
}

void output_free(struct output *o)
{
	sb_free(&o->line);
}
