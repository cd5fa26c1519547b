/* SPDX-License-Identifier: GPL-2.0 */
/* The set of TCP ports whose connections the kernel side reports. */
#ifndef SMBW_PORTSET_H
#define SMBW_PORTSET_H

#include <stdbool.h>
#include <stdint.h>

#include "smbwatch_event.h"

struct portset {
	uint16_t ports[SMBW_MAX_PORTS];
	int n;
};

/* 445 (SMB), 139 (NetBIOS session) and 88 (Kerberos). */
void portset_defaults(struct portset *ps);
bool portset_contains(const struct portset *ps, uint16_t port);
/* 0 on success (a duplicate is not an error), -ENOSPC when full. */
int portset_add(struct portset *ps, uint16_t port);
/* The set as the kernel side's bitmap (the watched_ports map's value). */
void portset_bits(const struct portset *ps, struct smbw_port_bits *bits);
/* Parses a decimal port 1..65535 with nothing after it: 0 or -EINVAL. */
int port_parse(const char *s, uint16_t *port);

#endif
