#!/bin/bash
# Copies the recordings of the last VM run into tests/fixtures/, where the
# classifier's unit tests replay them (test_fixtures). Run after a green
# `make vmtest`; review the diff before committing.
#
#   scripts/vm/update-fixtures.sh [OUTDIR]     (default: the VM run's output dir)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-${SMBW_VM_OUT:-/var/tmp/smbwatch-vm/out}}
DEST=tests/fixtures
n=0
for kdir in "$OUT"/*/; do
	kver=$(basename "$kdir")
	for sdir in "$kdir"*/; do
		scen=$(basename "$sdir")
		[ -s "$sdir/events.rec" ] || continue
		[ "$(head -1 "$sdir/result" 2>/dev/null)" = pass ] || {
			echo "update-fixtures: skipping $kver/$scen: the scenario did not pass" >&2
			continue
		}
		mkdir -p "$DEST/$kver"
		cp "$sdir/events.rec" "$DEST/$kver/$scen.rec"
		cp "$sdir/smbwatch.json" "$DEST/$kver/$scen.json"
		n=$((n + 1))
	done
done
echo "update-fixtures: $n recordings in $DEST"
