/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host's Kerberos did lately, for the failures that need it: the
 * KDC's messages, errors of KDC sockets, the upcall's processes, the Kerberos
 * upcalls cifs made and the KRB-ERRORs SMB servers sent.
 *
 * The KDC's packets carry no process (they are seen in softirq, and the
 * request-key/cifs.upcall pair is forked by the kernel), so a failure takes
 * what happened in its upcall's window: after the previous upcall ended, up
 * to its own end. A server's KRB-ERROR carries its connection.
 */
#ifndef SMBW_KERBEROS_H
#define SMBW_KERBEROS_H

#include <stdint.h>

#include "diagnosis.h"
#include "krb_error.h"
#include "smbwatch_event.h"

#define KRB_FACTS 256  /* messages, socket errors, processes, upcalls */
#define KRB_ERRORS 32  /* decoded KRB-ERRORs (each a few hundred bytes) */
/* An upcall longer than this is not one: a silent KDC costs MIT ~15-25 s in all. */
#define KRB_WINDOW_NS (90ull * 1000000000ull)

enum krb_fact_kind {
	KF_REQUEST = 1,  /* AS-REQ, TGS-REQ */
	KF_REPLY,        /* AS-REP, TGS-REP */
	KF_KDC_ERROR,    /* a KRB-ERROR from a KDC */
	KF_SOCK_ERROR,
	KF_EXEC,
	KF_EXIT,
	KF_UPCALL_DONE,  /* cifs_get_spnego_key returned */
	KF_SERVER_ERROR, /* a KRB-ERROR inside a SESSION_SETUP answer */
};

struct krb_fact {
	uint64_t ts;
	uint64_t conn_id; /* KF_SERVER_ERROR, KF_UPCALL_DONE */
	struct smbw_addr kdc;
	int32_t rc;       /* socket error, exit status, upcall rc */
	uint32_t status;  /* KF_SERVER_ERROR: the response's NT status */
	uint32_t pid;     /* KF_EXEC, KF_EXIT */
	uint8_t kind;     /* enum krb_fact_kind */
	uint8_t msg;      /* [APPLICATION n] */
	uint8_t proto;
	uint8_t which;    /* process: 0 request-key, 1 cifs.upcall */
	int16_t err;      /* index into errors[], -1 none */
	uint16_t err_gen; /* errors[err] still holds this fact's error while gens match */
};

struct krb_log {
	struct krb_fact facts[KRB_FACTS];
	unsigned int next, count;
	struct krb_error_info errors[KRB_ERRORS];
	uint16_t error_gen[KRB_ERRORS];
	unsigned int next_error;
	uint64_t undecodable; /* KRB-ERRORs libkrb5 refused */
};

void krb_log_init(struct krb_log *l);
/* Takes the Kerberos events (EV_KRB_*, EV_PROC_*, EV_SMB_SESSION_KRB_ERROR, the upcall's end). */
void krb_log_feed(struct krb_log *l, const struct smbw_event *e);
/*
 * The evidence of a session setup on conn_id that failed at until_ts, whose
 * Kerberos upcall ended at upcall_ts (0: none seen): fills d->ev.krb.
 * watched: the hooks of ABI 2 fed this log (else the upcall state is unknown).
 */
void krb_log_evidence(const struct krb_log *l, uint64_t conn_id, uint64_t upcall_ts,
		      uint64_t until_ts, bool watched, struct krb_evidence *out);

#endif
