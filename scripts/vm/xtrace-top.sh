#!/bin/bash
# xtrace-top.sh: where a VM scenario's time went, from the trace that run-scenarios.sh writes
# with SMBW_XTRACE=1 (OUT/KVER/NAME/xtrace): the N (default 15) commands that took longest
# (the time until the next traced command, nested calls included in their callers' lines).
#
# usage: scripts/vm/xtrace-top.sh OUT/KVER/NAME/xtrace [N]
set -euo pipefail
f=${1:?usage: xtrace-top.sh XTRACE [N]}
n=${2:-15}
awk '/^\++ [0-9]+\.[0-9]+ / {
	t = $2 + 0
	if (have) printf "%8.2f  %s\n", t - last, cmd
	last = t; have = 1
	cmd = $0; sub(/^\++ [0-9.]+ /, "", cmd); cmd = substr(cmd, 1, 150)
}' "$f" | sort -rn | head -n "$n"
