// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "portset.h"

static void test_defaults_are_smb_netbios_kerberos(void **state)
{
	struct portset ps;

	(void)state;
	portset_defaults(&ps);
	assert_int_equal(ps.n, 3);
	assert_int_equal(ps.ports[0], 445);
	assert_int_equal(ps.ports[1], 139);
	assert_int_equal(ps.ports[2], 88);
	assert_false(portset_contains(&ps, 80));
}

static void test_duplicates_are_kept_once(void **state)
{
	struct portset ps;

	(void)state;
	portset_defaults(&ps);
	assert_int_equal(portset_add(&ps, 445), 0);
	assert_int_equal(portset_add(&ps, 8445), 0);
	assert_int_equal(portset_add(&ps, 8445), 0);
	assert_int_equal(ps.n, 4);
	assert_true(portset_contains(&ps, 8445));
}

static void test_full_set_says_enospc(void **state)
{
	struct portset ps = { .n = 0 };

	(void)state;
	for (int i = 0; i < SMBW_MAX_PORTS; i++)
		assert_int_equal(portset_add(&ps, (uint16_t)(1 + i)), 0);
	assert_int_equal(portset_add(&ps, 9999), -ENOSPC);
	assert_int_equal(ps.n, SMBW_MAX_PORTS);
}

static void test_port_parse_accepts_only_1_to_65535(void **state)
{
	uint16_t p = 0;

	(void)state;
	assert_int_equal(port_parse("445", &p), 0);
	assert_int_equal(p, 445);
	assert_int_equal(port_parse("65535", &p), 0);
	assert_int_equal(port_parse("1", &p), 0);
	assert_int_equal(port_parse("0", &p), -EINVAL);
	assert_int_equal(port_parse("65536", &p), -EINVAL);
	assert_int_equal(port_parse("", &p), -EINVAL);
	assert_int_equal(port_parse(" 445", &p), -EINVAL);
	assert_int_equal(port_parse("445 ", &p), -EINVAL);
	assert_int_equal(port_parse("+445", &p), -EINVAL);
	assert_int_equal(port_parse("0x1bd", &p), -EINVAL);
	assert_int_equal(port_parse("99999999999999999999", &p), -EINVAL);
	assert_int_equal(port_parse(NULL, &p), -EINVAL);
}

/* The kernel's bitmap holds exactly the set: every port of it, no other (0 and 65535 too). */
static void test_bits_hold_exactly_the_set(void **state)
{
	static struct smbw_port_bits bits;
	struct portset ps = { .n = 0 };
	int set = 0;

	(void)state;
	assert_int_equal(portset_add(&ps, 445), 0);
	assert_int_equal(portset_add(&ps, 1), 0);
	assert_int_equal(portset_add(&ps, 64), 0);
	assert_int_equal(portset_add(&ps, 65535), 0);
	memset(&bits, 0xff, sizeof(bits));
	portset_bits(&ps, &bits);
	for (unsigned int p = 0; p < 65536; p++) {
		bool on = bits.w[p >> 6] & smbw_port_bit((uint16_t)p);

		assert_int_equal(on, portset_contains(&ps, (uint16_t)p));
		set += on;
	}
	assert_int_equal(set, 4);
	assert_int_equal(bits.w[445 / 64], 1ull << (445 % 64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits_hold_exactly_the_set),
		cmocka_unit_test(test_defaults_are_smb_netbios_kerberos),
		cmocka_unit_test(test_duplicates_are_kept_once),
		cmocka_unit_test(test_full_set_says_enospc),
		cmocka_unit_test(test_port_parse_accepts_only_1_to_65535),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
