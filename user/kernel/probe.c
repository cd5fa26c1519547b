// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "privileges.h"
#include "probe.h"

const char *sysfs_path(char *buf, size_t n, const char *rel)
{
	const char *root = getenv("SMBWATCH_SYSFS_ROOT");

	snprintf(buf, n, "%s/%s", root && *root ? root : "/sys", rel);
	return buf;
}

static bool sys_exists(const char *rel)
{
	char p[512];

	return access(sysfs_path(p, sizeof(p), rel), F_OK) == 0;
}

bool probe_vmlinux_btf(void)
{
	return sys_exists("kernel/btf/vmlinux");
}

bool probe_module_btf(const char *module)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "kernel/btf/%s", module);
	return sys_exists(rel);
}

/* A module is usable once its init has finished ("live"), not while it is "coming". */
bool probe_module_live(const char *module)
{
	char rel[128], p[512], state[16] = "";
	FILE *f;

	snprintf(rel, sizeof(rel), "module/%s/initstate", module);
	f = fopen(sysfs_path(p, sizeof(p), rel), "r");
	if (!f)
		return false;
	if (!fgets(state, sizeof(state), f))
		state[0] = '\0';
	fclose(f);
	return strncmp(state, "live", 4) == 0;
}

bool probe_tracepoint(const char *system, const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "kernel/tracing/events/%s/%s", system, name);
	if (sys_exists(rel))
		return true;
	snprintf(rel, sizeof(rel), "kernel/debug/tracing/events/%s/%s", system, name);
	return sys_exists(rel);
}

/* Whether tracefs is mounted at all: without it, probe_tracepoint() knows nothing. */
bool probe_tracefs(void)
{
	return sys_exists("kernel/tracing/events") || sys_exists("kernel/debug/tracing/events");
}

/* libbpf attaches kprobes through this PMU; it is absent without CONFIG_KPROBES. */
bool probe_kprobes(void)
{
	return sys_exists("bus/event_source/devices/kprobe/type");
}

int probe_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
}

int probe_privileges(char *why, size_t n)
{
	__u64 caps = 0;
	bool bpf, perfmon, admin;

	if (privileges_effective(&caps)) {
		snprintf(why, n, "cannot read the process capabilities");
		return -EPERM;
	}
	admin = caps & (1ull << CAP_SYS_ADMIN);
	bpf = caps & (1ull << CAP_BPF);
	perfmon = caps & (1ull << CAP_PERFMON);
	if (admin || (bpf && perfmon))
		return 0;
	snprintf(why, n, "%s",
		 geteuid() ? "not running as root" : "root without CAP_BPF and CAP_PERFMON");
	return -EPERM;
}

/* A cgroup2 mount of the hierarchy's root (mountinfo's root field "/"), or "". */
static void find_cgroup2_mount(char *dir, size_t n)
{
	char line[1024], root[512], mnt[512], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	dir[0] = '\0';
	if (!f)
		return;
	while (!dir[0] && fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mount-point options... - fstype source super */
		sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) == 2 && !strcmp(root, "/"))
			snprintf(dir, n, "%s", mnt);
	}
	fclose(f);
}

/*
 * Without a cgroup2 mount (a minimal init, a v1-only system): mount one where
 * nobody sees it, keep the directory open, and detach it at once. The fd
 * holds the hierarchy's root; nothing is left mounted.
 */
static int open_private_cgroup2(char *why, size_t n)
{
	char dir[] = "/tmp/smbwatch-cgroup2.XXXXXX";
	int fd, err;

	if (!mkdtemp(dir)) {
		snprintf(why, n, "no cgroup v2 mount, and no directory to mount one: %s",
			 strerror(errno));
		return -1;
	}
	if (mount("cgroup2", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		err = errno;
		rmdir(dir);
		snprintf(why, n, "no cgroup v2 on this kernel (%s)", strerror(err));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = errno;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	if (fd < 0)
		snprintf(why, n, "cannot open cgroup v2: %s", strerror(err));
	return fd;
}

int probe_cgroup2_root(char *why, size_t n)
{
	char dir[512];
	int fd;

	why[0] = '\0';
	find_cgroup2_mount(dir, sizeof(dir));
	if (!dir[0])
		return open_private_cgroup2(why, n);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(why, n, "cannot open %s: %s", dir, strerror(errno));
	return fd;
}
