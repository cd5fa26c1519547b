// SPDX-License-Identifier: GPL-2.0
/* The classifier alone: one failure description in, one cause out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "classify.h"
#include "names.h"
#include "ntstatus.h"

static struct diagnosis failure(enum phase phase, uint32_t status, int rc)
{
	struct diagnosis d;

	memset(&d, 0, sizeof(d));
	d.phase = phase;
	d.nt_status = status;
	d.rc = rc;
	d.dialect = 0x0311;
	d.sectype = 2;
	strcpy(d.user, "alice");
	return d;
}

static void test_logon_failure_is_bad_credentials(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, NT_STATUS_LOGON_FAILURE, -EACCES);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_BAD_CREDENTIALS);
	d.nt_status = NT_STATUS_WRONG_PASSWORD;
	assert_int_equal(classify(&d), CAUSE_BAD_CREDENTIALS);
	d.nt_status = NT_STATUS_NO_SUCH_USER;
	assert_int_equal(classify(&d), CAUSE_BAD_CREDENTIALS);
}

/* No credentials sent, and refused: say "give credentials", not "wrong password". */
static void test_a_refused_guest_is_guest_refused(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, NT_STATUS_LOGON_FAILURE, -EACCES);

	(void)state;
	d.ev.sent.seen = true;
	d.ev.sent.anonymous = true;
	assert_int_equal(classify(&d), CAUSE_GUEST_REFUSED);
	d.nt_status = NT_STATUS_ACCESS_DENIED;
	assert_int_equal(classify(&d), CAUSE_GUEST_REFUSED);
	/* a named user who sent a response is a wrong password, whatever the mount said */
	d.nt_status = NT_STATUS_LOGON_FAILURE;
	d.ev.sent.anonymous = false;
	strcpy(d.ev.sent.user, "alice");
	assert_int_equal(classify(&d), CAUSE_BAD_CREDENTIALS);
	/* no blob seen: a mount with no user name */
	memset(&d.ev.sent, 0, sizeof(d.ev.sent));
	d.user[0] = '\0';
	assert_int_equal(classify(&d), CAUSE_GUEST_REFUSED);
	/* ...unless the fexit hooks were missing, which is why the name is missing */
	strcpy(d.ev.lacked, "fexit hooks");
	assert_int_equal(classify(&d), CAUSE_BAD_CREDENTIALS);
}

/* A tree connect refused on a session the server made a guest one (wrong user, map to guest). */
static void test_a_share_refused_to_a_guest_session_is_guest_refused(void **state)
{
	struct diagnosis d = failure(PHASE_TREE_CONNECT, NT_STATUS_ACCESS_DENIED, -EACCES);

	(void)state;
	d.ev.sent.seen = true;
	strcpy(d.ev.sent.user, "alice");
	assert_int_equal(classify(&d), CAUSE_SHARE_ACCESS_DENIED);
	d.session_flags = 0x0001; /* SMB2_SESSION_FLAG_IS_GUEST */
	assert_int_equal(classify(&d), CAUSE_GUEST_REFUSED);
	d.session_flags = 0x0002; /* IS_NULL */
	assert_int_equal(classify(&d), CAUSE_GUEST_REFUSED);
	/* a missing share is missing, guest or not */
	d.nt_status = NT_STATUS_BAD_NETWORK_NAME;
	assert_int_equal(classify(&d), CAUSE_BAD_NETWORK_NAME);
}

static void test_logon_failure_with_kerberos_is_kerberos_failure(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, NT_STATUS_LOGON_FAILURE, -EACCES);

	(void)state;
	d.sectype = 3;
	assert_int_equal(classify(&d), CAUSE_KERBEROS_FAILURE);
}

static void test_account_statuses_are_account_restricted(void **state)
{
	static const uint32_t statuses[] = {
		NT_STATUS_ACCOUNT_DISABLED, NT_STATUS_ACCOUNT_LOCKED_OUT,
		NT_STATUS_PASSWORD_EXPIRED, NT_STATUS_PASSWORD_MUST_CHANGE,
		NT_STATUS_ACCOUNT_EXPIRED, NT_STATUS_INVALID_LOGON_HOURS,
		NT_STATUS_INVALID_WORKSTATION, NT_STATUS_ACCOUNT_RESTRICTION,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct diagnosis d = failure(PHASE_SESSION_SETUP, statuses[i], -EACCES);

		assert_int_equal(classify(&d), CAUSE_ACCOUNT_RESTRICTED);
	}
}

static void test_classifies_on_status_not_errno(void **state)
{
	/* the same -EIO, two different statuses, two different causes */
	struct diagnosis a = failure(PHASE_TREE_CONNECT, NT_STATUS_BAD_NETWORK_NAME, -EIO);
	struct diagnosis b = failure(PHASE_TREE_CONNECT, NT_STATUS_ACCESS_DENIED, -EIO);

	(void)state;
	assert_int_equal(classify(&a), CAUSE_BAD_NETWORK_NAME);
	assert_int_equal(classify(&b), CAUSE_SHARE_ACCESS_DENIED);
}

static void test_enoent_without_status_is_bad_network_name(void **state)
{
	struct diagnosis d = failure(PHASE_TREE_CONNECT, 0, -ENOENT);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_BAD_NETWORK_NAME);
}

static void test_access_denied_at_session_depends_on_dialect(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, NT_STATUS_ACCESS_DENIED, -EACCES);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_SESSION_ACCESS_DENIED);
	d.dialect = 0x0210;
	assert_int_equal(classify(&d), CAUSE_SESSION_ENCRYPTION_REQUIRED);
}

static void test_share_encrypt_flag_or_old_dialect_is_share_encryption(void **state)
{
	struct diagnosis d = failure(PHASE_TREE_CONNECT, NT_STATUS_ACCESS_DENIED, -EACCES);

	(void)state;
	d.share_flags = 0x8000;
	assert_int_equal(classify(&d), CAUSE_SHARE_ENCRYPTION_REQUIRED);
	d.share_flags = 0;
	d.dialect = 0x0202;
	assert_int_equal(classify(&d), CAUSE_SHARE_ENCRYPTION_REQUIRED);
	d = failure(PHASE_TREE_CONNECT, 0, -EOPNOTSUPP);
	d.flags = SMBW_F_SEAL;
	assert_int_equal(classify(&d), CAUSE_SHARE_ENCRYPTION_REQUIRED);
}

static void test_negotiate_outcomes(void **state)
{
	struct diagnosis d = failure(PHASE_NEGOTIATE, NT_STATUS_NOT_SUPPORTED, -EOPNOTSUPP);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_DIALECT_MISMATCH);
	d = failure(PHASE_NEGOTIATE, 0, -EOPNOTSUPP);
	assert_int_equal(classify(&d), CAUSE_DIALECT_MISMATCH);
	d = failure(PHASE_NEGOTIATE, 0, -EHOSTDOWN);
	assert_int_equal(classify(&d), CAUSE_NEGOTIATE_NO_RESPONSE);
	d.ev.reset = RESET_BY_SERVER;
	assert_int_equal(classify(&d), CAUSE_NEGOTIATE_RESET);
	d = failure(PHASE_NEGOTIATE, 0, -EAGAIN);
	d.ev.signature_failures = 1;
	assert_int_equal(classify(&d), CAUSE_SIGNING_FAILURE);
}

/* vers=1.0,sign against a server without signing: -EOPNOTSUPP like a dialect refusal. */
static void test_signing_refused_at_negotiate_is_a_signing_failure(void **state)
{
	struct diagnosis d = failure(PHASE_NEGOTIATE, 0, -EOPNOTSUPP);

	(void)state;
	d.flags = SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_WANTED;
	assert_int_equal(classify(&d), CAUSE_SIGNING_FAILURE);
	d.flags = SMBW_F_SECMODE_KNOWN | SMBW_F_SERVER_SIGN_REQUIRED | SMBW_F_SERVER_SIGN_ENABLED |
		  SMBW_F_SIGN_DISABLED;
	assert_int_equal(classify(&d), CAUSE_SIGNING_FAILURE);
	/* both sign, or the mode is unknown: a dialect refusal after all */
	d.flags = SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_WANTED | SMBW_F_SERVER_SIGN_ENABLED;
	assert_int_equal(classify(&d), CAUSE_DIALECT_MISMATCH);
	d.flags = SMBW_F_SIGN_WANTED;
	assert_int_equal(classify(&d), CAUSE_DIALECT_MISMATCH);
	/* the kernel's own verdict (cifs_enable_signing returned -EOPNOTSUPP) */
	d.flags = SMBW_F_SECMODE_KNOWN | SMBW_F_SIGN_REFUSED | SMBW_F_SERVER_SIGN_ENABLED;
	assert_int_equal(classify(&d), CAUSE_SIGNING_FAILURE);
}

/* Turned away before any SMB reply (hosts deny): a reset on 6.1, -EACCES on 7.x. */
static void test_turned_away_before_negotiate_is_negotiate_reset(void **state)
{
	struct diagnosis d = failure(PHASE_NEGOTIATE, 0, -EACCES);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_NEGOTIATE_RESET);
	d = failure(PHASE_NEGOTIATE, 0, -EHOSTDOWN);
	d.ev.session_refused = true;
	d.ev.refusal_code = 0x81;
	assert_int_equal(classify(&d), CAUSE_NEGOTIATE_RESET);
	d = failure(PHASE_NEGOTIATE, 0, -ECONNRESET);
	d.ev.reset = RESET_BY_SERVER;
	assert_int_equal(classify(&d), CAUSE_NEGOTIATE_RESET);
}

static void test_connect_outcomes(void **state)
{
	struct diagnosis d = failure(PHASE_CONNECT, 0, -ECONNREFUSED);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_CONNECT_REFUSED);
	d = failure(PHASE_CONNECT, 0, -ETIMEDOUT);
	assert_int_equal(classify(&d), CAUSE_CONNECT_TIMEOUT);
	d = failure(PHASE_CONNECT, 0, -EINVAL);
	d.ev.syn_retransmits = 3;
	assert_int_equal(classify(&d), CAUSE_CONNECT_TIMEOUT);
	d = failure(PHASE_CONNECT, 0, -EINVAL);
	assert_int_equal(classify(&d), CAUSE_UNCLASSIFIED);
}

static void test_kerberos_upcall_failure(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, 0, -ENOKEY);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_KERBEROS_FAILURE);
	d = failure(PHASE_SESSION_SETUP, 0, -EIO);
	d.ev.spnego_seen = true;
	d.ev.spnego_rc = -EKEYREJECTED;
	assert_int_equal(classify(&d), CAUSE_KERBEROS_FAILURE);
}

static void test_unknown_status_is_unclassified(void **state)
{
	struct diagnosis d = failure(PHASE_SESSION_SETUP, 0xC0FFEE00, -EIO);

	(void)state;
	assert_int_equal(classify(&d), CAUSE_UNCLASSIFIED);
	assert_null(ntstatus_name(0xC0FFEE00));
	assert_string_equal(ntstatus_name(0xC000006D), "STATUS_LOGON_FAILURE");
}

static void test_every_design_status_has_a_name(void **state)
{
	static const uint32_t statuses[] = {
		NT_STATUS_MORE_PROCESSING_REQUIRED, NT_STATUS_NOT_SUPPORTED, NT_STATUS_ACCESS_DENIED,
		NT_STATUS_NO_SUCH_USER, NT_STATUS_WRONG_PASSWORD, NT_STATUS_LOGON_FAILURE,
		NT_STATUS_ACCOUNT_RESTRICTION, NT_STATUS_INVALID_LOGON_HOURS,
		NT_STATUS_INVALID_WORKSTATION, NT_STATUS_PASSWORD_EXPIRED, NT_STATUS_ACCOUNT_DISABLED,
		NT_STATUS_BAD_NETWORK_NAME, NT_STATUS_ACCOUNT_EXPIRED, NT_STATUS_USER_SESSION_DELETED,
		NT_STATUS_PASSWORD_MUST_CHANGE, NT_STATUS_ACCOUNT_LOCKED_OUT,
		NT_STATUS_NETWORK_SESSION_EXPIRED, NT_STATUS_INVALID_SIGNATURE,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		assert_non_null(ntstatus_name(statuses[i]));
}

static void test_ipc_unc(void **state)
{
	(void)state;
	assert_true(unc_is_ipc("\\\\srv\\IPC$"));
	assert_true(unc_is_ipc("\\\\10.0.0.1\\ipc$"));
	assert_false(unc_is_ipc("\\\\srv\\data"));
	assert_false(unc_is_ipc("IPC$"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logon_failure_is_bad_credentials),
		cmocka_unit_test(test_logon_failure_with_kerberos_is_kerberos_failure),
		cmocka_unit_test(test_account_statuses_are_account_restricted),
		cmocka_unit_test(test_classifies_on_status_not_errno),
		cmocka_unit_test(test_enoent_without_status_is_bad_network_name),
		cmocka_unit_test(test_access_denied_at_session_depends_on_dialect),
		cmocka_unit_test(test_share_encrypt_flag_or_old_dialect_is_share_encryption),
		cmocka_unit_test(test_negotiate_outcomes),
		cmocka_unit_test(test_signing_refused_at_negotiate_is_a_signing_failure),
		cmocka_unit_test(test_turned_away_before_negotiate_is_negotiate_reset),
		cmocka_unit_test(test_connect_outcomes),
		cmocka_unit_test(test_kerberos_upcall_failure),
		cmocka_unit_test(test_unknown_status_is_unclassified),
		cmocka_unit_test(test_every_design_status_has_a_name),
		cmocka_unit_test(test_ipc_unc),
		cmocka_unit_test(test_a_refused_guest_is_guest_refused),
		cmocka_unit_test(test_a_share_refused_to_a_guest_session_is_guest_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
