#!/bin/bash
# The whole test suite, as README.md and .ci/run call it (make check):
#   0. the runner's self-test: a crash, a sanitizer abort or a short TAP plan is a FAIL
#   1. unit tests (cmocka), also built with ASan and UBSan; the libFuzzer targets, FUZZ_SECONDS
#      (10) each
#   2. live BPF tests on the running kernel (root)
#   3. VM end-to-end tests with real cifs.ko and Samba (scripts/vmtest.sh), the soak's short pass
#      (started first, in the background, beside parts 0-2; shown last):
#      every scenario on the first kernel (Debian 12's 6.1), the core set on the others
#      (SMBW_VM_MATRIX=tiered; make vmtest runs every scenario on every kernel)
# Prints one line per test and closes with "N passed, N failed".
# SMBW_SKIP_VM=1 leaves out part 3 for a quick local run (refused under CI).
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# The closing count of a results file; fails unless something passed and nothing failed.
verdict() {
	local results=$1 passed failed skipped
	passed=$(grep -c '^PASS' "$results")
	failed=$(grep -c '^FAIL' "$results")
	skipped=$(grep -c '^SKIP' "$results")
	if [ "$failed" -gt 0 ]; then
		echo "== failures:"
		grep '^FAIL' "$results"
	fi
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

# --verdict FILE: only the closing count (tests/runner_selftest.sh checks it).
if [ "${1:-}" = --verdict ]; then
	verdict "${2:?--verdict FILE}"
	exit
fi

SMBW_RESULTS=$(mktemp /tmp/smbw-results.XXXXXX)
export SMBW_RESULTS

# The VM tests take most of the time and keep about one core of two busy (the guest is mostly
# serial): they start first, in the background, and the host's tests run beside them; their
# output is shown when they end (lines of both would interleave). Their results go to the
# same SMBW_RESULTS (one short append per line).
VM_LOG=$(mktemp /tmp/smbw-vm-log.XXXXXX)
VM_PID=
if [ "${SMBW_SKIP_VM:-0}" = 1 ] && [ -z "${CI:-}" ]; then
	t_skip vmtest "SMBW_SKIP_VM=1"
else
	echo "== VM end-to-end tests: started in the background, their output at the end"
	SMBW_VM_MATRIX=${SMBW_VM_MATRIX:-tiered} scripts/vmtest.sh > "$VM_LOG" 2>&1 &
	VM_PID=$!
fi

echo "== the runner itself"
tests/runner_selftest.sh build/tests/selftest_crash

echo "== unit tests"
for t in build/tests/test_*; do
	[ -x "$t" ] && t_tap "${t##*/}" "$t"
done
if [ -d build-san/tests ]; then
	echo "== unit tests under ASan+UBSan"
	for t in build-san/tests/test_*; do
		[ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
			t_tap "san.${t##*/}" "$t"
	done
fi
echo "== fuzzing with libFuzzer, ${FUZZ_SECONDS:-10} s a target"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} tests/fuzz/run.sh
echo "== the faulty SMB server proxy (loopback)"
t_tap faulty-proxy build/tests/faulty-proxy --selftest
for t in tests/unit/*.sh; do
	[ -x "$t" ] && { echo "== $t"; "$t"; }
done

echo "== live BPF tests on $(uname -r)"
tests/live/tcp_live.sh ./smbwatch build/tests/fake-smb-server
tests/live/krb_live.sh ./smbwatch
tests/live/metrics_live.sh ./smbwatch

if [ -n "$VM_PID" ]; then
	echo "== VM end-to-end tests (waiting for them)"
	wait "$VM_PID"
	vm_rc=$?
	cat "$VM_LOG"
	if [ "$vm_rc" != 0 ] && [ "$(grep -c ' vm:' "$SMBW_RESULTS")" = 0 ]; then
		t_fail vmtest "scripts/vmtest.sh failed before any scenario ran (see above)"
	fi
fi
rm -f "$VM_LOG"

verdict "$SMBW_RESULTS"
rc=$?
rm -f "$SMBW_RESULTS"
exit $rc
