// SPDX-License-Identifier: GPL-2.0
/* The one definition of the maps that common.bpf.h declares extern. */
#define SMBW_MAPS_DEFINE
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";
