/* SPDX-License-Identifier: GPL-2.0 */
/* The two ways to run: live from the kernel, or from a recording. */
#ifndef SMBW_AGENT_H
#define SMBW_AGENT_H

#include "options.h"

/* Exit codes of the program. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* cannot run here: privileges, BTF, BPF, files */
	EXIT_USAGE = 2,
};

int agent_run_live(const struct options *opts);
int agent_run_replay(const struct options *opts);

#endif
