#!/bin/bash
# fetch-kernels.sh: make sure the kernels of the test matrix are extracted in the VM cache.
#
# usage: fetch-kernels.sh
#   default: newest cloud-amd64 ABI of bookworm (6.1), trixie (6.12) and sid (7.x)
#   KERNELS="KVER|SUITE ..." pins the list, e.g. KERNELS="6.1.0-56-cloud-amd64 trixie"
# Prints one KVER per line on stdout.  Kernels already in the cache are reused without network
# (see fetch-kernel.sh; SMBW_VM_REFRESH=1 looks for newer ABIs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

main() {
	local k
	# shellcheck disable=SC2086 # KERNELS is a word list
	set -- ${KERNELS:-bookworm trixie sid}
	for k in "$@"; do
		"$HERE/fetch-kernel.sh" "$k" cloud-amd64
	done
}

main "$@"
