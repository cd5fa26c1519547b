/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The systemd journal as an output: one structured entry per diagnosis,
 * with a MESSAGE_ID per cause (explained by dist/smbwatch.catalog through
 * journalctl -x), and the service notifications (READY, WATCHDOG).
 */
#ifndef SMBW_JOURNAL_H
#define SMBW_JOURNAL_H

#include <stdbool.h>

#include "diagnosis.h"
#include "smbwatch_event.h"

/* The MESSAGE_ID of smbwatch's start-up entry. */
#define SMBW_STARTUP_MESSAGE_ID "10c0c816d6fe44d3a501a2c15cbfea27"

/* stderr is connected to the journal (systemd set $JOURNAL_STREAM for it). */
bool journal_is_stderr(void);
int journal_diagnosis(const struct diagnosis *d, int64_t offset_ns);
int journal_event(const struct smbw_event *e, const char *text);
int journal_startup(const char *message);
void service_notify_ready(void);
void service_notify_status(const char *status);
/* Watchdog interval in ns if systemd asked for keep-alives, else 0. */
unsigned long long service_watchdog_ns(void);
void service_watchdog_ping(void);

#endif
