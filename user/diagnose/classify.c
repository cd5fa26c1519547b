// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "krb_error.h"
#include "ntstatus.h"

#define SMB2_SESSION_FLAG_IS_GUEST 0x0001
#define SMB2_SESSION_FLAG_IS_NULL 0x0002
#define SMB2_SESSION_FLAG_ENCRYPT_DATA 0x0004
#define SMB2_SHAREFLAG_ENCRYPT_DATA 0x8000
#define SMB30_DIALECT 0x0300
#define SECTYPE_KERBEROS 3

bool unc_is_ipc(const char *unc)
{
	size_t n = strlen(unc);

	return n >= 5 && !strcasecmp(unc + n - 5, "\\IPC$");
}

static bool is_bad_credentials(uint32_t s)
{
	return s == NT_STATUS_LOGON_FAILURE || s == NT_STATUS_WRONG_PASSWORD ||
	       s == NT_STATUS_NO_SUCH_USER;
}

static bool is_account_restriction(uint32_t s)
{
	switch (s) {
	case NT_STATUS_ACCOUNT_DISABLED:
	case NT_STATUS_ACCOUNT_LOCKED_OUT:
	case NT_STATUS_PASSWORD_EXPIRED:
	case NT_STATUS_PASSWORD_MUST_CHANGE:
	case NT_STATUS_ACCOUNT_EXPIRED:
	case NT_STATUS_INVALID_LOGON_HOURS:
	case NT_STATUS_INVALID_WORKSTATION:
	case NT_STATUS_ACCOUNT_RESTRICTION:
	case NT_STATUS_LOGON_TYPE_NOT_GRANTED:
		return true;
	default:
		return false;
	}
}

static bool is_session_gone(uint32_t s)
{
	return s == NT_STATUS_NETWORK_SESSION_EXPIRED || s == NT_STATUS_USER_SESSION_DELETED;
}

static bool is_key_error(int rc)
{
	return rc == -ENOKEY || rc == -EKEYREJECTED || rc == -EKEYEXPIRED || rc == -EKEYREVOKED;
}

/* The client cannot encrypt: encryption needs SMB 3.0 or later. */
static bool client_cannot_encrypt(const struct diagnosis *d)
{
	return d->dialect && d->dialect < SMB30_DIALECT;
}

static enum cause_id classify_connect(const struct diagnosis *d)
{
	if (d->rc == -ECONNREFUSED || d->ev.reset == RESET_BY_SERVER)
		return CAUSE_CONNECT_REFUSED;
	if (d->rc == -ETIMEDOUT || d->rc == -EHOSTUNREACH || d->rc == -ENETUNREACH ||
	    d->rc == -EHOSTDOWN || (d->ev.syn_retransmits && !d->ev.syn_answered))
		return CAUSE_CONNECT_TIMEOUT;
	return CAUSE_UNCLASSIFIED;
}

/*
 * The client refused the server's negotiate answer over signing: it asked to
 * sign (the sign option) and the server does not offer it, or the server
 * requires it and the client may not. cifs says -EOPNOTSUPP for this exactly
 * as for a dialect it cannot use: only the security mode tells them apart.
 */
static bool signing_refused(const struct diagnosis *d)
{
	uint32_t f = d->flags;

	if (d->rc != -EOPNOTSUPP || !(f & SMBW_F_SECMODE_KNOWN))
		return false;
	if (f & SMBW_F_SIGN_REFUSED) /* cifs_enable_signing said no */
		return true;
	if ((f & SMBW_F_SIGN_WANTED) && !(f & SMBW_F_SERVER_SIGN_ENABLED))
		return true;
	return (f & SMBW_F_SERVER_SIGN_REQUIRED) && (f & SMBW_F_SIGN_DISABLED);
}

static enum cause_id classify_negotiate(const struct diagnosis *d)
{
	if (d->nt_status == NT_STATUS_NOT_SUPPORTED)
		return CAUSE_DIALECT_MISMATCH;
	if (d->ev.signature_failures || d->nt_status == NT_STATUS_INVALID_SIGNATURE ||
	    signing_refused(d))
		return CAUSE_SIGNING_FAILURE;
	/*
	 * Turned away before any SMB reply: a reset, or (7.x) an RFC 1002
	 * negative session response that cifs turns into -EACCES.
	 */
	if (d->ev.reset == RESET_BY_SERVER || d->ev.session_refused ||
	    (d->rc == -EACCES && !d->nt_status))
		return CAUSE_NEGOTIATE_RESET;
	/* no common dialect: the client refuses the server's answer (or SMB1 gets none) */
	if (d->rc == -EOPNOTSUPP || d->rc == -EPROTONOSUPPORT)
		return CAUSE_DIALECT_MISMATCH;
	if (!d->nt_status &&
	    (d->rc == -EHOSTDOWN || d->rc == -EAGAIN || d->rc == -ETIMEDOUT ||
	     d->rc == -ECONNABORTED || d->rc == -ECONNRESET || d->rc == -ENOTCONN || d->rc == -EIO))
		return CAUSE_NEGOTIATE_NO_RESPONSE;
	return CAUSE_UNCLASSIFIED;
}

#define CAUSE_NONE CAUSE_COUNT /* no verdict here: the next rules decide */

/* What a KRB-ERROR says by itself; the server's (in its SPNEGO answer) judges the ticket. */
static enum cause_id classify_krb_error(const struct krb_evidence *k)
{
	switch (k->error) {
	case KRB_AP_ERR_SKEW:
	case KRB_AP_ERR_TKT_NYV:
		return CAUSE_KERBEROS_CLOCK_SKEW;
	case KRB_AP_ERR_BAD_INTEGRITY:
	case KRB_AP_ERR_MODIFIED:
	case KRB_AP_ERR_BADKEYVER:
	case KRB_AP_ERR_NOKEY:
		return k->source == KRB_FROM_SERVER ? CAUSE_KERBEROS_SERVER_REJECTED :
						      CAUSE_KERBEROS_FAILURE;
	default:
		break;
	}
	if (k->source == KRB_FROM_SERVER)
		return CAUSE_KERBEROS_FAILURE;
	switch (k->error) {
	case KDC_ERR_S_PRINCIPAL_UNKNOWN:
		return CAUSE_KERBEROS_SPN_UNKNOWN;
	case KDC_ERR_CLIENT_REVOKED:
	case KDC_ERR_KEY_EXPIRED:
		return CAUSE_ACCOUNT_RESTRICTED;
	case KDC_ERR_PREAUTH_FAILED:
		return CAUSE_BAD_CREDENTIALS;
	case KDC_ERR_C_PRINCIPAL_UNKNOWN:
		/* the upcall's keytab attempts when it has no TGT: no TGS-REQ follows */
		return k->tgs_requests ? CAUSE_KERBEROS_FAILURE : CAUSE_KERBEROS_NO_TICKET;
	default:
		return CAUSE_NONE;
	}
}

/*
 * A Kerberos session setup, with the evidence of its upcall's window: the
 * KDC's or the server's error first, then what the upcall and the KDC did.
 */
static enum cause_id classify_kerberos(const struct diagnosis *d)
{
	const struct krb_evidence *k = &d->ev.krb;
	bool upcall_failed = (d->ev.spnego_seen && d->ev.spnego_rc < 0) || is_key_error(d->rc);
	enum cause_id c;

	if (k->error >= 0 && !krb_error_is_routine(k->error)) {
		c = classify_krb_error(k);
		if (c != CAUSE_NONE)
			return c;
	}
	if (upcall_failed) {
		if (k->upcall == UPCALL_NOT_RUN || k->upcall == UPCALL_NO_RULE)
			return CAUSE_KERBEROS_UPCALL_UNAVAILABLE;
		if (k->failure != KDC_ANSWERED)
			return CAUSE_KERBEROS_KDC_UNREACHABLE;
		if (k->upcall == UPCALL_RAN && !k->tgs_requests)
			return CAUSE_KERBEROS_NO_TICKET;
		return CAUSE_KERBEROS_FAILURE;
	}
	/* a ticket was issued and the server said "wrong password": it cannot read the ticket */
	if (is_bad_credentials(d->nt_status))
		return k->tickets_issued ? CAUSE_KERBEROS_SERVER_REJECTED : CAUSE_KERBEROS_FAILURE;
	return CAUSE_NONE;
}

/*
 * A session setup without credentials (an anonymous NTLMSSP blob; or, where
 * the blob was not seen, a mount with no user name) that the server refused;
 * or a tree connect refused on a session the server made a guest or null one
 * (map to guest = bad user: the credentials were wrong, and the share takes
 * no guest).
 */
static bool guest_refused(const struct diagnosis *d)
{
	uint32_t s = d->nt_status;
	bool guest;

	if (d->phase == PHASE_TREE_CONNECT &&
	    (s == NT_STATUS_ACCESS_DENIED || s == NT_STATUS_NETWORK_ACCESS_DENIED) &&
	    (d->session_flags & (SMB2_SESSION_FLAG_IS_GUEST | SMB2_SESSION_FLAG_IS_NULL)))
		return true;
	if (!is_bad_credentials(s) && s != NT_STATUS_ACCESS_DENIED &&
	    s != NT_STATUS_ACCOUNT_DISABLED)
		return false;
	if (d->ev.sent.seen)
		guest = d->ev.sent.anonymous || !d->ev.sent.user[0];
	else
		guest = !d->user[0] && d->sectype != SECTYPE_KERBEROS &&
			!strstr(d->ev.lacked, "fexit");
	return guest;
}

/*
 * The session signs its requests: the client signs (SMBW_F_SIGN), or the
 * negotiate says one side asked for it and the client may. Guest and null
 * sessions are never signed.
 */
static bool session_signed(const struct diagnosis *d)
{
	uint32_t f = d->flags;

	/* encrypted requests carry no signature */
	if (d->session_flags & (SMB2_SESSION_FLAG_IS_GUEST | SMB2_SESSION_FLAG_IS_NULL |
				SMB2_SESSION_FLAG_ENCRYPT_DATA) ||
	    (d->flags & SMBW_F_SEAL) || (d->ev.sent.seen && d->ev.sent.anonymous))
		return false;
	if (f & SMBW_F_SIGN)
		return true;
	return (f & SMBW_F_SECMODE_KNOWN) && !(f & SMBW_F_SIGN_DISABLED) &&
	       (f & (SMBW_F_SIGN_WANTED | SMBW_F_SERVER_SIGN_REQUIRED));
}

/*
 * A server that cannot verify the client's signatures answers every signed
 * request ACCESS_DENIED (MS-SMB2 3.3.5.2.4); after the session setup the first
 * of them are the tree connects, IPC$'s first. No server refuses IPC$ to a
 * user it has just authenticated, so a signed session refused IPC$ and then
 * the share is a signing failure, not the share's permissions. IPC$ refused
 * alone says nothing (some devices refuse it and serve their shares).
 */
static bool signed_requests_refused(const struct diagnosis *d)
{
	return !d->ipc && d->ev.ipc_denied && session_signed(d);
}

static enum cause_id classify_session(const struct diagnosis *d)
{
	uint32_t s = d->nt_status;
	enum cause_id c;

	if (is_account_restriction(s))
		return CAUSE_ACCOUNT_RESTRICTED;
	if (guest_refused(d))
		return CAUSE_GUEST_REFUSED;
	if (d->ev.krb.seen) {
		c = classify_kerberos(d);
		if (c != CAUSE_NONE)
			return c;
	}
	if ((d->ev.spnego_seen && d->ev.spnego_rc < 0) || is_key_error(d->rc) ||
	    s == NT_STATUS_TIME_DIFFERENCE_AT_DC || s == NT_STATUS_KDC_CERT_EXPIRED)
		return CAUSE_KERBEROS_FAILURE;
	if (is_bad_credentials(s))
		return d->sectype == SECTYPE_KERBEROS ? CAUSE_KERBEROS_FAILURE :
							CAUSE_BAD_CREDENTIALS;
	if (d->ev.signature_failures || s == NT_STATUS_INVALID_SIGNATURE)
		return CAUSE_SIGNING_FAILURE;
	if ((d->session_flags & SMB2_SESSION_FLAG_ENCRYPT_DATA) && client_cannot_encrypt(d))
		return CAUSE_SESSION_ENCRYPTION_REQUIRED;
	if (s == NT_STATUS_ACCESS_DENIED)
		return client_cannot_encrypt(d) ? CAUSE_SESSION_ENCRYPTION_REQUIRED :
						  CAUSE_SESSION_ACCESS_DENIED;
	if (is_session_gone(s))
		return CAUSE_SESSION_EXPIRED;
	if (d->sectype == SECTYPE_KERBEROS && !s && d->rc)
		return CAUSE_KERBEROS_FAILURE;
	return CAUSE_UNCLASSIFIED;
}

static enum cause_id classify_tree(const struct diagnosis *d)
{
	uint32_t s = d->nt_status;

	if (s == NT_STATUS_BAD_NETWORK_NAME || (!s && d->rc == -ENOENT))
		return CAUSE_BAD_NETWORK_NAME;
	if (s == NT_STATUS_ACCESS_DENIED || s == NT_STATUS_NETWORK_ACCESS_DENIED) {
		if ((d->share_flags & SMB2_SHAREFLAG_ENCRYPT_DATA) || client_cannot_encrypt(d))
			return CAUSE_SHARE_ENCRYPTION_REQUIRED;
		if (guest_refused(d))
			return CAUSE_GUEST_REFUSED;
		if (d->ev.signature_failures || signed_requests_refused(d))
			return CAUSE_SIGNING_FAILURE;
		return CAUSE_SHARE_ACCESS_DENIED;
	}
	/* seal asked for, refused by the client before anything was sent */
	if (!s && d->rc == -EOPNOTSUPP && (d->flags & SMBW_F_SEAL))
		return CAUSE_SHARE_ENCRYPTION_REQUIRED;
	if (is_session_gone(s))
		return CAUSE_SESSION_EXPIRED;
	return CAUSE_UNCLASSIFIED;
}

enum cause_id classify(const struct diagnosis *d)
{
	switch (d->phase) {
	case PHASE_CONNECT:
		return classify_connect(d);
	case PHASE_NEGOTIATE:
		return classify_negotiate(d);
	case PHASE_SESSION_SETUP:
		return classify_session(d);
	case PHASE_TREE_CONNECT:
		return classify_tree(d);
	default:
		return is_session_gone(d->nt_status) ? CAUSE_SESSION_EXPIRED : CAUSE_UNCLASSIFIED;
	}
}
