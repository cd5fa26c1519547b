/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The classifier: from what a failed operation showed (phase, raw NT status,
 * errno, dialect, flags, TCP evidence) to one cause of the catalogue. Pure:
 * no state, no I/O. The raw NT status decides where there is one, since
 * many statuses map to the same errno (-EIO, -EACCES).
 */
#ifndef SMBW_CLASSIFY_H
#define SMBW_CLASSIFY_H

#include "diagnosis.h"

enum cause_id classify(const struct diagnosis *d);
/* UNC ends in \IPC$ (any case): the IPC$ share a mount connects first. */
bool unc_is_ipc(const char *unc);

#endif
