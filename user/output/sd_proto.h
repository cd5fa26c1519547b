/* SPDX-License-Identifier: GPL-2.0 */
/*
 * systemd's wire protocols, spoken without libsystemd (which would map liblzma,
 * libzstd, liblz4, libgcrypt and libcap into the agent for three datagrams): the
 * journal's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), sd_notify's
 * datagram to $NOTIFY_SOCKET, and the watchdog's $WATCHDOG_USEC/$WATCHDOG_PID.
 * Errors are -errno; the caller decides what to say about them.
 */
#ifndef SMBW_SD_PROTO_H
#define SMBW_SD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define SDP_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SDP_FIELD_NAME_MAX 64
/* The send buffer asked for (libsystemd's figure); a datagram may not exceed it. */
#define SDP_JOURNAL_SNDBUF (8 * 1024 * 1024)

/* One journal entry in the native protocol's serialization, built field by field. */
struct sdp_entry {
	struct strbuf buf;
	struct strbuf tmp; /* sdp_entry_addf's value, before it is serialized */
	int err; /* the first field's error (-EINVAL: bad name): the entry is then not sent */
};

void sdp_entry_init(struct sdp_entry *e);
void sdp_entry_free(struct sdp_entry *e);
/* NAME=value, or the binary-safe form when the value holds a newline; the bytes as given. */
void sdp_entry_addn(struct sdp_entry *e, const char *name, const char *value, size_t len);
/* A string without its trailing whitespace, as libsystemd's sd_journal_send() sent it. */
void sdp_entry_add(struct sdp_entry *e, const char *name, const char *value);
__attribute__((format(printf, 3, 4))) void sdp_entry_addf(struct sdp_entry *e, const char *name,
							  const char *fmt, ...);
/* What journald accepts from a client: [A-Z0-9_], 1 to 64 long, no leading digit or '_'. */
bool sdp_field_name_valid(const char *name);

/*
 * Sends the entry: 0 when sent, or when no journal listens at the socket (ENOENT: as
 * libsystemd, nothing to tell); -errno else, or the entry's first field error.
 */
int sdp_journal_send(const struct sdp_entry *e);
/* The socket entries go to (tests); NULL for /run/systemd/journal/socket. */
int sdp_set_journal_socket(const char *path);

/* One sd_notify state ("READY=1"): 1 when sent, 0 without $NOTIFY_SOCKET, else -errno. */
int sdp_notify(const char *state);
/*
 * The watchdog interval systemd asked this process for: 1 and *usec, 0 when none
 * was asked (or asked of another $WATCHDOG_PID), -EINVAL for a malformed variable.
 */
int sdp_watchdog_usec(uint64_t *usec);

#endif
