#!/bin/bash
# The whole test suite, as README.md and .ci/run call it (make check):
#   1. unit tests (cmocka), also built with ASan and UBSan
#   2. live BPF tests on the running kernel (root)
#   3. VM end-to-end tests with real cifs.ko and Samba (scripts/vmtest.sh)
# Prints one line per test and closes with "N passed, N failed".
# SMBW_SKIP_VM=1 leaves out part 3 for a quick local run (refused under CI).
set -u
cd "$(dirname "$0")/.." || exit 1
SMBW_RESULTS=$(mktemp /tmp/smbw-results.XXXXXX)
export SMBW_RESULTS
. tests/lib.sh

run_cmocka() { # BINARY: TAP output -> PASS/FAIL lines
	local bin=$1 line name
	while IFS= read -r line; do
		case $line in
		"ok "*) name=${line#ok * - }; t_pass "${bin##*/}.$name" ;;
		"not ok "*) name=${line#not ok * - }; t_fail "${bin##*/}.$name" "see output above" ;;
		"#"*) echo "$line" ;;
		esac
	done < <(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1; echo "# exit $?")
}

echo "== unit tests"
for t in build/tests/test_*; do
	[ -x "$t" ] && run_cmocka "$t"
done
if [ -d build-san/tests ]; then
	echo "== unit tests under ASan+UBSan"
	for t in build-san/tests/test_*; do
		[ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 run_cmocka "$t"
	done
fi
for t in tests/unit/*.sh; do
	[ -x "$t" ] && { echo "== $t"; "$t"; }
done

echo "== live BPF tests on $(uname -r)"
tests/live/tcp_live.sh ./smbwatch build/tests/fake-smb-server

if [ "${SMBW_SKIP_VM:-0}" = 1 ] && [ -z "${CI:-}" ]; then
	t_skip vmtest "SMBW_SKIP_VM=1"
else
	echo "== VM end-to-end tests"
	before=$(grep -c ' vm:' "$SMBW_RESULTS")
	if ! scripts/vmtest.sh && [ "$(grep -c ' vm:' "$SMBW_RESULTS")" = "$before" ]; then
		t_fail vmtest "scripts/vmtest.sh failed before any scenario ran (see above)"
	fi
fi

passed=$(grep -c '^PASS' "$SMBW_RESULTS")
failed=$(grep -c '^FAIL' "$SMBW_RESULTS")
skipped=$(grep -c '^SKIP' "$SMBW_RESULTS")
if [ "$failed" -gt 0 ]; then
	echo "== failures:"
	grep '^FAIL' "$SMBW_RESULTS"
fi
rm -f "$SMBW_RESULTS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
