# shellcheck shell=bash
# Test reporting shared by the shell test suites: one line per test on stdout,
# and the same line appended to $SMBW_RESULTS for tests/run-all.sh to count.
: "${SMBW_RESULTS:=/dev/null}"

t_pass() {
	echo "PASS $1"
	echo "PASS $1" >> "$SMBW_RESULTS"
}

t_fail() {
	echo "FAIL $1: $2"
	echo "FAIL $1: $2" >> "$SMBW_RESULTS"
}

# A skip is only for what truly cannot run here, and never in CI.
t_skip() {
	if [ -n "${CI:-}" ]; then
		t_fail "$1" "would be skipped in CI ($2)"
		return
	fi
	echo "SKIP $1: $2"
	echo "SKIP $1: $2" >> "$SMBW_RESULTS"
}

# t_check NAME WHY COMMAND...: pass if the command succeeds.
t_check() {
	local name=$1 why=$2
	shift 2
	if "$@"; then t_pass "$name"; else t_fail "$name" "$why"; fi
}
