/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: once the hooks are attached, the agent keeps only what it
 * still needs. Reading the ring buffer and the drop counter through open file
 * descriptors needs no capability at all; loading the cifs.ko hooks later
 * needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (module BTF ids).
 */
#ifndef SMBW_PRIVILEGES_H
#define SMBW_PRIVILEGES_H

#include <linux/capability.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* The effective capability set, one bit per CAP_*. 0 or -errno. */
int privileges_effective(__u64 *caps);
/* Drops every capability, or all but the late-attach set. 0 or -errno. */
int privileges_drop(bool keep_late_attach);
/* "cap_bpf,cap_perfmon" or "none": what the process holds now (for the log). */
void privileges_describe(char *buf, size_t n);

#endif
