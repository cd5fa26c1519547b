// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "portset.h"

void portset_defaults(struct portset *ps)
{
	ps->n = 0;
	portset_add(ps, SMBW_PORT_SMB);
	portset_add(ps, SMBW_PORT_NETBIOS);
	portset_add(ps, SMBW_PORT_KERBEROS);
}

bool portset_contains(const struct portset *ps, uint16_t port)
{
	for (int i = 0; i < ps->n; i++)
		if (ps->ports[i] == port)
			return true;
	return false;
}

void portset_bits(const struct portset *ps, struct smbw_port_bits *bits)
{
	memset(bits, 0, sizeof(*bits));
	for (int i = 0; i < ps->n; i++)
		bits->w[ps->ports[i] / 64] |= smbw_port_bit(ps->ports[i]);
}

int portset_add(struct portset *ps, uint16_t port)
{
	if (portset_contains(ps, port))
		return 0;
	if (ps->n >= SMBW_MAX_PORTS)
		return -ENOSPC;
	ps->ports[ps->n++] = port;
	return 0;
}

int port_parse(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}
