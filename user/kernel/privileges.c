// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privileges.h"

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

int privileges_effective(__u64 *caps)
{
	struct __user_cap_data_struct data[2];
	int err = caps_get(data);

	if (!err)
		*caps = (__u64)data[0].effective | ((__u64)data[1].effective << 32);
	return err;
}

static int caps_set(__u64 keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int err = caps_get(data);

	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		__u32 k = (__u32)(keep >> (32 * i));

		data[i].permitted &= k;
		data[i].effective &= k;
		data[i].inheritable = 0;
	}
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int privileges_drop(bool keep_late_attach)
{
	__u64 keep = 0;

	if (keep_late_attach)
		keep = (1ull << CAP_BPF) | (1ull << CAP_PERFMON) | (1ull << CAP_SYS_ADMIN);
	/* no exec is ever expected: make sure nothing could regain privileges through one */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return caps_set(keep);
}

void privileges_describe(char *buf, size_t n)
{
	static const struct {
		int cap;
		const char *name;
	} known[] = { { CAP_BPF, "cap_bpf" }, { CAP_PERFMON, "cap_perfmon" },
		      { CAP_SYS_ADMIN, "cap_sys_admin" }, { CAP_NET_ADMIN, "cap_net_admin" } };
	__u64 eff;
	size_t len = 0;
	int others = 0;

	buf[0] = '\0';
	if (privileges_effective(&eff)) {
		snprintf(buf, n, "unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!(eff & (1ull << known[i].cap)))
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", known[i].name);
		eff &= ~(1ull << known[i].cap);
		if (len >= n)
			return;
	}
	for (int c = 0; c < 64; c++)
		others += !!(eff & (1ull << c));
	if (others)
		snprintf(buf + len, n - len, "%s%d others", len ? "," : "", others);
	else if (!len)
		snprintf(buf, n, "none");
}
