// SPDX-License-Identifier: GPL-2.0
/*
 * The KRB-ERROR decoder (libkrb5's krb5_rd_error and what we copy out of it)
 * on any bytes, as a KDC or an SMB server may send them: a decoded error's
 * names are NUL-terminated printable ASCII within their arrays.
 */
#include <string.h>

#include "fuzz_checks.h"
#include "krb_error.h"

static void check_text(const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	fuzz_assert(len < n);
	for (size_t i = 0; i < len; i++)
		fuzz_assert(s[i] >= 0x20 && s[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct krb_error_info ki;
	char nbuf[24];

	if (krb_error_decode(data, size, &ki))
		return 0;
	check_text(ki.server, sizeof(ki.server));
	check_text(ki.client, sizeof(ki.client));
	check_text(ki.realm, sizeof(ki.realm));
	check_text(ki.e_text, sizeof(ki.e_text));
	fuzz_assert(krb_error_name(ki.code, nbuf, sizeof(nbuf))[0]);
	return 0;
}
