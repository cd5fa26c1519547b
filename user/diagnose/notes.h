/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Notes: what a tracepoint said that a later event should complete. The raw
 * NT status of a failed command (smb3_cmd_err), a failed tree connect
 * (smb3_tcon), a failed connect (smb3_connect_err). The phase's fexit event
 * takes its note; a note nobody takes (those hooks are missing) is concluded
 * on its own once it has settled. Kept in a FIFO by time: the oldest note is
 * the next to settle, so settling looks at one note, not all.
 */
#ifndef SMBW_NOTES_H
#define SMBW_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smbwatch_event.h"

enum note_kind { NOTE_STATUS, NOTE_TREE, NOTE_CONNECT };

struct note {
	enum note_kind kind;
	uint32_t pid;
	char comm[SMBW_COMM_LEN];
	uint16_t command;
	uint32_t status;
	int32_t rc;
	uint64_t session_id;
	uint32_t tree_id;
	uint64_t ts;
	char text[SMBW_UNC_LEN]; /* UNC, or the host of a connect */
	struct smbw_addr addr;
	bool used;               /* false once taken: a hole until the FIFO moves past it */
};

struct notes {
	struct note *ring;
	size_t cap, head, n; /* n counts holes too */
};

/* What a note is matched on; 0 (or -1 for command) matches anything. */
struct note_key {
	enum note_kind kind;
	uint32_t pid;
	int command;
	uint64_t session_id;
};

int notes_init(struct notes *ns, size_t cap);
void notes_free(struct notes *ns);
/* No room even after closing the holes: conclude the oldest note first. */
bool notes_full(struct notes *ns);
/* Appends a note made from e; NULL when full. */
struct note *notes_add(struct notes *ns, enum note_kind kind, const struct smbw_event *e);
/*
 * Takes the newest note matching key into *out, and with it the older notes of
 * the same operation (retries). A note whose session id differs from a known
 * key session id belongs to another session. False if there is none.
 */
bool notes_take(struct notes *ns, const struct note_key *key, struct note *out);
/* The oldest note still pending, or NULL. */
struct note *notes_oldest(struct notes *ns);
/* Removes the oldest pending note (after notes_oldest). */
void notes_pop(struct notes *ns);

#endif
