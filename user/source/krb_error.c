// SPDX-License-Identifier: GPL-2.0
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <krb5/krb5.h>

#include "krb_error.h"

/*
 * libkrb5 is opened at the first KRB-ERROR, not linked: it and the libraries
 * it pulls in (libk5crypto, libcom_err, libkrb5support, libkeyutils) would
 * otherwise be resident in every agent, although most hosts never see a
 * Kerberos failure. Only the prototypes come from <krb5/krb5.h>. The agent
 * is single-threaded: the state below needs no lock.
 */
#define KRB5_SONAME "libkrb5.so.3"

static struct {
	__typeof__(krb5_init_secure_context) *init_secure_context;
	__typeof__(krb5_free_context) *free_context;
	__typeof__(krb5_rd_error) *rd_error;
	__typeof__(krb5_free_error) *free_error;
	__typeof__(krb5_unparse_name) *unparse_name;
	__typeof__(krb5_free_unparsed_name) *free_unparsed_name;
} k5;

static const struct {
	const char *name;
	void **slot;
} k5_syms[] = {
	{ "krb5_init_secure_context", (void **)&k5.init_secure_context },
	{ "krb5_free_context", (void **)&k5.free_context },
	{ "krb5_rd_error", (void **)&k5.rd_error },
	{ "krb5_free_error", (void **)&k5.free_error },
	{ "krb5_unparse_name", (void **)&k5.unparse_name },
	{ "krb5_free_unparsed_name", (void **)&k5.free_unparsed_name },
};

static const char *soname = KRB5_SONAME;
static void *lib;
/* Said once: a host without libkrb5 would otherwise log it at every KRB-ERROR. */
static bool warned;

/*
 * One library context for the process: made at the first decode, with the
 * secure variant (no KRB5_CONFIG from the environment: a root service reads
 * /etc/krb5.conf or nothing). Decoding needs no configuration at all.
 */
static krb5_context ctx;
/* the library or its context could not be had: not tried again until released */
static bool ctx_failed;

static void warn_missing(const char *why)
{
	if (warned)
		return;
	warned = true;
	fprintf(stderr,
		"smbwatch: KRB-ERRORs are not decoded (%s): install libkrb5-3 to decode the KDC's error codes\n",
		why ? why : soname);
}

static int load_library(void)
{
	lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		goto fail;
	for (size_t i = 0; i < sizeof(k5_syms) / sizeof(k5_syms[0]); i++) {
		*k5_syms[i].slot = dlsym(lib, k5_syms[i].name);
		if (!*k5_syms[i].slot)
			goto fail;
	}
	return 0;
fail:
	warn_missing(dlerror());
	if (lib)
		dlclose(lib);
	lib = NULL;
	memset(&k5, 0, sizeof(k5));
	return -1;
}

static krb5_context context(void)
{
	if (ctx || ctx_failed)
		return ctx;
	if (load_library() || k5.init_secure_context(&ctx)) {
		ctx = NULL;
		ctx_failed = true;
	}
	return ctx;
}

void krb_error_release(void)
{
	if (ctx)
		k5.free_context(ctx);
	if (lib)
		dlclose(lib);
	ctx = NULL;
	lib = NULL;
	ctx_failed = false;
	memset(&k5, 0, sizeof(k5));
}

void krb_error_use_library(const char *name)
{
	krb_error_release();
	soname = name ? name : KRB5_SONAME;
	warned = false;
}

/* Printable ASCII only: the e-text is the sender's free text, and ends up in logs. */
static void copy_text(char *dst, size_t n, const char *src, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len && j + 1 < n; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (!ch)
			break;
		dst[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[j] = '\0';
}

static void copy_principal(char *dst, size_t n, krb5_const_principal p)
{
	char *name = NULL;

	dst[0] = '\0';
	if (!p || k5.unparse_name(ctx, p, &name))
		return;
	copy_text(dst, n, name, strlen(name));
	k5.free_unparsed_name(ctx, name);
}

int krb_error_decode(const uint8_t *buf, size_t len, struct krb_error_info *out)
{
	krb5_data in = { .magic = KV5M_DATA, .length = (unsigned int)len, .data = (char *)buf };
	krb5_error *err = NULL;

	memset(out, 0, sizeof(*out));
	/* the tag first: krb5_rd_error would say the same, after building a context */
	if (len < 2 || buf[0] != 0x7e || !context())
		return -1;
	if (k5.rd_error(ctx, &in, &err))
		return -1;
	out->code = (int32_t)err->error;
	out->stime = err->stime;
	out->ctime = err->ctime;
	copy_principal(out->server, sizeof(out->server), err->server);
	copy_principal(out->client, sizeof(out->client), err->client);
	if (err->server)
		copy_text(out->realm, sizeof(out->realm), err->server->realm.data,
			  err->server->realm.length);
	copy_text(out->e_text, sizeof(out->e_text), err->text.data, err->text.length);
	k5.free_error(ctx, err);
	return 0;
}

static const char *const names[] = {
	[0] = "KDC_ERR_NONE",
	[1] = "KDC_ERR_NAME_EXP",
	[2] = "KDC_ERR_SERVICE_EXP",
	[3] = "KDC_ERR_BAD_PVNO",
	[4] = "KDC_ERR_C_OLD_MAST_KVNO",
	[5] = "KDC_ERR_S_OLD_MAST_KVNO",
	[6] = "KDC_ERR_C_PRINCIPAL_UNKNOWN",
	[7] = "KDC_ERR_S_PRINCIPAL_UNKNOWN",
	[8] = "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
	[9] = "KDC_ERR_NULL_KEY",
	[10] = "KDC_ERR_CANNOT_POSTDATE",
	[11] = "KDC_ERR_NEVER_VALID",
	[12] = "KDC_ERR_POLICY",
	[13] = "KDC_ERR_BADOPTION",
	[14] = "KDC_ERR_ETYPE_NOSUPP",
	[15] = "KDC_ERR_SUMTYPE_NOSUPP",
	[16] = "KDC_ERR_PADATA_TYPE_NOSUPP",
	[17] = "KDC_ERR_TRTYPE_NOSUPP",
	[18] = "KDC_ERR_CLIENT_REVOKED",
	[19] = "KDC_ERR_SERVICE_REVOKED",
	[20] = "KDC_ERR_TGT_REVOKED",
	[21] = "KDC_ERR_CLIENT_NOTYET",
	[22] = "KDC_ERR_SERVICE_NOTYET",
	[23] = "KDC_ERR_KEY_EXPIRED",
	[24] = "KDC_ERR_PREAUTH_FAILED",
	[25] = "KDC_ERR_PREAUTH_REQUIRED",
	[26] = "KDC_ERR_SERVER_NOMATCH",
	[27] = "KDC_ERR_MUST_USE_USER2USER",
	[28] = "KDC_ERR_PATH_NOT_ACCEPTED",
	[29] = "KDC_ERR_SVC_UNAVAILABLE",
	[31] = "KRB_AP_ERR_BAD_INTEGRITY",
	[32] = "KRB_AP_ERR_TKT_EXPIRED",
	[33] = "KRB_AP_ERR_TKT_NYV",
	[34] = "KRB_AP_ERR_REPEAT",
	[35] = "KRB_AP_ERR_NOT_US",
	[36] = "KRB_AP_ERR_BADMATCH",
	[37] = "KRB_AP_ERR_SKEW",
	[38] = "KRB_AP_ERR_BADADDR",
	[39] = "KRB_AP_ERR_BADVERSION",
	[40] = "KRB_AP_ERR_MSG_TYPE",
	[41] = "KRB_AP_ERR_MODIFIED",
	[42] = "KRB_AP_ERR_BADORDER",
	[44] = "KRB_AP_ERR_BADKEYVER",
	[45] = "KRB_AP_ERR_NOKEY",
	[46] = "KRB_AP_ERR_MUT_FAIL",
	[47] = "KRB_AP_ERR_BADDIRECTION",
	[48] = "KRB_AP_ERR_METHOD",
	[49] = "KRB_AP_ERR_BADSEQ",
	[50] = "KRB_AP_ERR_INAPP_CKSUM",
	[51] = "KRB_AP_PATH_NOT_ACCEPTED",
	[52] = "KRB_ERR_RESPONSE_TOO_BIG",
	[60] = "KRB_ERR_GENERIC",
	[61] = "KRB_ERR_FIELD_TOOLONG",
	[62] = "KDC_ERR_CLIENT_NOT_TRUSTED",
	[63] = "KDC_ERR_KDC_NOT_TRUSTED",
	[64] = "KDC_ERR_INVALID_SIG",
	[65] = "KDC_ERR_KEY_TOO_WEAK",
	[66] = "KDC_ERR_CERTIFICATE_MISMATCH",
	[67] = "KRB_AP_ERR_NO_TGT",
	[68] = "KDC_ERR_WRONG_REALM",
	[69] = "KRB_AP_ERR_USER_TO_USER_REQUIRED",
	[70] = "KDC_ERR_CANT_VERIFY_CERTIFICATE",
	[71] = "KDC_ERR_INVALID_CERTIFICATE",
	[72] = "KDC_ERR_REVOKED_CERTIFICATE",
	[73] = "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
	[74] = "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
	[75] = "KDC_ERR_CLIENT_NAME_MISMATCH",
	[76] = "KDC_ERR_KDC_NAME_MISMATCH",
	[90] = "KDC_ERR_PREAUTH_EXPIRED",
	[91] = "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
	[93] = "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
};

const char *krb_error_name(int32_t code, char *buf, size_t n)
{
	if (code >= 0 && (size_t)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	snprintf(buf, n, "KRB_ERR_%d", code);
	return buf;
}

/*
 * A client learns the pre-authentication the KDC wants (25), that a UDP reply
 * would not fit (52, retried over TCP), and what FAST or further
 * pre-authentication is needed (91): each is followed by another request.
 */
bool krb_error_is_routine(int32_t code)
{
	return code == KDC_ERR_PREAUTH_REQUIRED || code == KRB_ERR_RESPONSE_TOO_BIG || code == 91;
}
