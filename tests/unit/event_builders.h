/* SPDX-License-Identifier: GPL-2.0 */
/* Hand-built events for the correlator tests: what the kernel would send. */
#ifndef SMBW_TEST_EVENT_BUILDERS_H
#define SMBW_TEST_EVENT_BUILDERS_H

#include <stdint.h>
#include <string.h>

#include "smbwatch_event.h"

#define MS 1000000ull
#define SEC 1000000000ull

static inline struct smbw_event ev_base(uint16_t type, uint64_t ts, uint32_t pid)
{
	struct smbw_event e;

	memset(&e, 0, sizeof(e));
	e.abi = SMBW_ABI_VERSION;
	e.type = type;
	e.ts_ns = ts;
	e.pid = pid;
	if (pid)
		strcpy(e.comm, "mount.cifs");
	return e;
}

static inline struct smbw_addr ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct smbw_addr x = { .family = 2, .port = port, .addr = { a, b, c, d } };

	return x;
}

static inline struct smbw_event ev_tcp(uint16_t type, uint64_t ts, uint64_t sock,
				       struct smbw_addr remote, uint8_t old_state, uint8_t state,
				       uint32_t pid)
{
	struct smbw_event e = ev_base(type, ts, pid);

	e.sock = sock;
	e.local = ipv4(10, 0, 0, 1, 40000);
	e.remote = remote;
	e.old_state = old_state;
	e.new_state = state;
	return e;
}

static inline struct smbw_event ev_server(uint64_t ts, uint32_t pid, uint64_t server,
					  uint64_t sock, const char *host, struct smbw_addr addr,
					  int rc)
{
	struct smbw_event e = ev_base(EV_SMB_SERVER_SOCKET, ts, pid);

	e.server = rc ? 0 : server;
	e.sock = rc ? 0 : sock;
	e.conn_id = rc ? 0 : 7;
	e.rc = rc;
	strcpy(e.host, host);
	e.remote = addr;
	strcpy(e.unc, "\\\\fs1\\data");
	strcpy(e.user, "alice");
	strcpy(e.domain, "CORP");
	return e;
}

static inline struct smbw_event ev_phase(uint16_t type, uint64_t ts, uint32_t pid,
					 uint64_t server, int rc)
{
	struct smbw_event e = ev_base(type, ts, pid);

	e.server = server;
	e.rc = rc;
	e.dialect = 0x0311;
	e.command = type == EV_SMB_NEGOTIATE_DONE ? 0 :
		    type == EV_SMB_SESSION_SETUP_DONE ? 1 : 3;
	if (type != EV_SMB_NEGOTIATE_DONE) {
		strcpy(e.user, "alice");
		e.sectype = 2;
		e.session_id = 0x1234;
	}
	return e;
}

static inline struct smbw_event ev_status(uint64_t ts, uint32_t pid, uint16_t cmd,
					  uint32_t status, int rc)
{
	struct smbw_event e = ev_base(EV_SMB_COMMAND_FAILED, ts, pid);

	e.command = cmd;
	e.nt_status = status;
	e.rc = rc;
	e.session_id = cmd ? 0x1234 : 0;
	return e;
}

static inline struct smbw_event ev_tree(uint64_t ts, uint32_t pid, uint64_t server,
					const char *unc, int rc)
{
	struct smbw_event e = ev_phase(EV_SMB_TREE_CONNECT_DONE, ts, pid, server, rc);

	strcpy(e.unc, unc);
	return e;
}

#endif
