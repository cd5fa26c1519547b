/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A KRB-ERROR message (RFC 4120 5.9.1), as a KDC or a server sent it, decoded
 * by MIT's libkrb5 (krb5_rd_error): never by a parser of our own, because
 * the bytes come from the network. libkrb5.so.3 is opened (dlopen) at the
 * first decode, never at start-up; without it every decode fails, said once
 * on stderr, and the diagnoses go without the KDC's error code.
 *
 * What is kept is what names the failure: the error code, the principal the
 * client asked for (a missing SPN says which), the realm, the e-text, the
 * sender's clock (for skew), and the client's name where the message has it.
 * e-data (pre-authentication hints) is not kept.
 */
#ifndef SMBW_KRB_ERROR_H
#define SMBW_KRB_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KRB_PRINCIPAL_LEN 128
#define KRB_REALM_LEN 64
#define KRB_TEXT_LEN 96

/* RFC 4120 7.5.9 error codes that smbwatch tells apart */
#define KDC_ERR_C_PRINCIPAL_UNKNOWN 6
#define KDC_ERR_S_PRINCIPAL_UNKNOWN 7
#define KDC_ERR_CLIENT_REVOKED 18
#define KDC_ERR_KEY_EXPIRED 23
#define KDC_ERR_PREAUTH_FAILED 24
#define KDC_ERR_PREAUTH_REQUIRED 25
#define KRB_AP_ERR_BAD_INTEGRITY 31
#define KRB_AP_ERR_TKT_EXPIRED 32
#define KRB_AP_ERR_TKT_NYV 33
#define KRB_AP_ERR_SKEW 37
#define KRB_AP_ERR_MODIFIED 41
#define KRB_AP_ERR_BADKEYVER 44
#define KRB_AP_ERR_NOKEY 45
#define KRB_ERR_RESPONSE_TOO_BIG 52
#define KDC_ERR_WRONG_REALM 68

struct krb_error_info {
	int32_t code;
	int64_t stime;   /* the sender's clock, seconds since the epoch */
	int64_t ctime;   /* the client's, as echoed; 0 when absent */
	char server[KRB_PRINCIPAL_LEN]; /* the principal asked for, with its realm */
	char client[KRB_PRINCIPAL_LEN]; /* "" when absent */
	char realm[KRB_REALM_LEN];      /* the server principal's realm */
	char e_text[KRB_TEXT_LEN];
};

/*
 * 0 and *out filled, or -1: not a KRB-ERROR (truncated, malformed, another
 * message), or libkrb5 could not be loaded.
 */
int krb_error_decode(const uint8_t *buf, size_t len, struct krb_error_info *out);
/* "KDC_ERR_S_PRINCIPAL_UNKNOWN" and the like, RFC 4120's names; "KRB_ERR_<n>" otherwise */
const char *krb_error_name(int32_t code, char *buf, size_t n);
/* Part of a KDC exchange's normal round trips, never a failure on its own. */
bool krb_error_is_routine(int32_t code);
/*
 * Releases the library context and closes libkrb5 (tests and exit; decoding
 * opens it again when needed).
 */
void krb_error_release(void);
/* Tests: the soname to open from now on (NULL: libkrb5.so.3); releases the current one. */
void krb_error_use_library(const char *name);

#endif
