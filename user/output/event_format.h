/* SPDX-License-Identifier: GPL-2.0 */
/* Raw evidence (one smbw_event) as a text line or a JSON object. */
#ifndef SMBW_EVENT_FORMAT_H
#define SMBW_EVENT_FORMAT_H

#include <stdint.h>

#include "smbwatch_event.h"
#include "names.h"
#include "strbuf.h"

/* "10.0.0.1:445", "[fe80::1]:445" or "-" when unknown. */
void format_addr(struct strbuf *sb, const struct smbw_addr *a);
void format_ip(struct strbuf *sb, const struct smbw_addr *a);

/*
 * realtime_offset_ns converts the event's monotonic timestamp to wall-clock
 * time (it is CLOCK_REALTIME - CLOCK_MONOTONIC when the stream was captured).
 */
void event_format_json(struct strbuf *sb, const struct smbw_event *e, int64_t realtime_offset_ns);
void event_format_text(struct strbuf *sb, const struct smbw_event *e, int64_t realtime_offset_ns);
void format_wallclock(struct strbuf *sb, uint64_t ts_ns, int64_t realtime_offset_ns, int iso);

#endif
