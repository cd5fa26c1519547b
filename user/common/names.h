/* SPDX-License-Identifier: GPL-2.0 */
/* The names of every number smbwatch shows (see names.c). */
#ifndef SMBW_NAMES_H
#define SMBW_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "diagnosis.h"

const char *event_type_name(uint16_t type);
const char *tcp_state_name(uint8_t state);
const char *smb2_command_name(uint16_t cmd);
/* "3.1.1"; "" for 0 (unknown), "unknown" for a number cifs does not use */
const char *dialect_name(uint16_t dialect);
const char *phase_name(enum phase p);
/* "EACCES", or "E123" for a number glibc does not name; "" for 0. */
const char *errno_name(int rc, char *buf, size_t n);
const char *sectype_name(uint32_t sectype);
/* An RFC 1002 negative session response code: "not listening for calling name" for 0x81;
 * "" for 0 (the kernel did not read it), "unknown" for a code RFC 1002 does not define. */
const char *nbss_refusal_name(uint8_t code);
const char *reset_side_name(enum reset_side r);
const char *priority_name(int prio);
/* Signing at negotiate, from SMBW_F_* flags: "wanted", "allowed", "disabled" for the client;
 * "required", "enabled", "disabled" for the server; "" when the negotiate did not show it. */
const char *client_signing_name(uint32_t flags);
const char *server_signing_name(uint32_t flags);
/* "STATUS_LOGON_FAILURE", or NULL when the code is not in the table */
const char *ntstatus_name(uint32_t status);
const char *krb_message_name(uint8_t tag);
const char *upcall_state_name(enum upcall_state u);
const char *kdc_failure_name(enum kdc_failure f);
const char *krb_source_name(enum krb_source s);
const char *ip_proto_name(uint8_t proto);

#endif
