/* SPDX-License-Identifier: GPL-2.0 */
/* KRB-ERROR messages for the tests, encoded by libkrb5 as a KDC or a server would send them. */
#ifndef SMBW_TEST_KRB_BUILDERS_H
#define SMBW_TEST_KRB_BUILDERS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <krb5/krb5.h>

#define STIME 1796200000ll /* the sender's clock in the encoded errors */

static inline uint16_t encode_error(uint8_t *out, size_t n, int32_t code, const char *server)
{
	krb5_context ctx;
	krb5_error err;
	krb5_data enc;
	uint16_t len;

	if (krb5_init_context(&ctx))
		abort();
	memset(&err, 0, sizeof(err));
	err.magic = KV5M_ERROR;
	err.stime = STIME;
	err.error = (krb5_ui_4)code;
	err.text.data = (char *)"test e-text";
	err.text.length = 11;
	if (krb5_parse_name(ctx, server, &err.server) || krb5_mk_error(ctx, &err, &enc) ||
	    enc.length > n)
		abort();
	memcpy(out, enc.data, enc.length);
	len = (uint16_t)enc.length;
	krb5_free_data_contents(ctx, &enc);
	krb5_free_principal(ctx, err.server);
	krb5_free_context(ctx);
	return len;
}

#endif
