// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "pipeline.h"

/* Ring buffer records are exactly one struct; anything else is a mismatched build. */
static bool record_valid(struct pipeline *p, const void *data, size_t size,
			 struct smbw_event *e)
{
	if (size != sizeof(*e)) {
		p->malformed++;
		return false;
	}
	memcpy(e, data, sizeof(*e));
	if (e->abi != SMBW_ABI_VERSION) {
		p->malformed++;
		return false;
	}
	if (e->type == EV_NONE || e->type >= EV_TYPE_MAX) {
		p->unknown++;
		return false;
	}
	return true;
}

int pipeline_feed(struct pipeline *p, const void *data, size_t size)
{
	struct smbw_event e;

	if (!record_valid(p, data, size, &e))
		return 0;
	p->events++;
	if (p->rec && rec_writer_put(p->rec, &e)) {
		p->record_errors++;
		return -EIO;
	}
	if (p->show_events)
		output_event(p->out, &e);
	return 0;
}

void pipeline_tick(struct pipeline *p, uint64_t now_ns)
{
	(void)p;
	(void)now_ns;
}

void pipeline_finish(struct pipeline *p, uint64_t now_ns)
{
	pipeline_tick(p, now_ns);
}
