// SPDX-License-Identifier: GPL-2.0
/* smbwatch: tell why SMB/CIFS mounts fail, from the kernel's own view. */
#include <stdio.h>

#include "agent.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct options opts;

	switch (options_parse(argc, argv, &opts, stdout, stderr)) {
	case PARSE_EXIT:
		return EXIT_OK;
	case PARSE_USAGE:
		return EXIT_USAGE;
	default:
		break;
	}
	if (opts.replay_path)
		return agent_run_replay(&opts);
	return agent_run_live(&opts);
}
