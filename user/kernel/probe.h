/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this kernel offers, asked in one place: the loader asks, then decides
 * which programs to load. Paths are under SMBWATCH_SYSFS_ROOT (default /sys)
 * so that tests can present a kernel without BTF or without cifs.ko.
 */
#ifndef SMBW_PROBE_H
#define SMBW_PROBE_H

#include <stdbool.h>
#include <stddef.h>

const char *sysfs_path(char *buf, size_t n, const char *rel);
bool probe_vmlinux_btf(void);
/* cifs.ko (or another module) is loaded, live, and has BTF. */
bool probe_module_live(const char *module);
bool probe_module_btf(const char *module);
bool probe_tracepoint(const char *system, const char *name);
/* tracefs is mounted (probe_tracepoint can answer) */
bool probe_tracefs(void);
bool probe_kprobes(void);
/* 1: the BPF ring buffer works; 0: the kernel lacks it; <0: -errno, BPF is refused here. */
int probe_ringbuf(void);
/*
 * An fd of the cgroup v2 hierarchy's root, where cgroup_skb programs see
 * every process's packets (mounting a private, detached cgroup2 where none is
 * mounted); -1 with why filled when there is none.
 */
int probe_cgroup2_root(char *why, size_t n);
/* 0 when the process may load and attach tracing programs, else fills why. */
int probe_privileges(char *why, size_t n);

#endif
