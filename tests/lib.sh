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

# t_tap NAME BINARY [ARGS...]: run a cmocka (or any TAP) binary and count its results.
# Each "ok" line is a PASS and each "not ok" a FAIL; then the binary itself is judged:
#   - killed by a signal (a crash, a sanitizer abort) or exiting non-zero: FAIL NAME;
#   - no "1..N" plan, or fewer results than its plans announce: FAIL NAME (it stopped early).
# Returns 0 only when the binary passed as a whole.
t_tap() {
	local name=$1 out rc line plan=0 seen=0 why=""
	shift
	out=$(mktemp /tmp/smbw-tap.XXXXXX)
	CMOCKA_MESSAGE_OUTPUT=TAP "$@" > "$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		[0-9]*..[0-9]*) [[ $line =~ ^1\.\.([0-9]+)$ ]] && plan=$((plan + BASH_REMATCH[1])) ;;
		"ok "*) seen=$((seen + 1)); t_pass "$name.${line#ok * - }" ;;
		"not ok "*) seen=$((seen + 1)); t_fail "$name.${line#not ok * - }" "see output above" ;;
		"#"*) echo "$line" ;;
		esac
	done < "$out"
	if [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
	elif [ "$rc" != 0 ]; then
		why="exited $rc"
	elif [ "$plan" = 0 ]; then
		why="printed no TAP plan"
	fi
	[ "$seen" -lt "$plan" ] && why="${why:+$why, }$seen results of a plan of $plan"
	if [ -n "$why" ]; then
		# The lines that are not TAP (a sanitizer report, a backtrace) say why.
		grep -v -E '^(ok |not ok |1\.\.|# )' "$out" | tail -n 20
		t_fail "$name" "$why"
		rm -f "$out"
		return 1
	fi
	rm -f "$out"
	return 0
}

# compound_t_checks FILE...: the t_check calls whose command is a list ("t_check N W [ a ] && [ b ]"):
# the shell runs "[ b ]" after t_check, outside it, so that condition can never fail the test.
# Prints them as FILE:LINE: TEXT; returns 0 when there is none. The form that works:
#   ok=false; [ a ] && [ b ] && ok=true; t_check N W "$ok"
compound_t_checks() {
	awk '{
		if (cont == "") start = FNR
		line = cont $0
		if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1) " "; next }
		cont = ""
		if (line !~ /^[ \t]*t_check /) next
		s = line
		gsub(/\047[^\047]*\047/, "\"\"", s)               # single-quoted strings
		while (gsub(/\$\([^()]*\)/, "X", s)) ;             # command substitutions
		gsub(/"([^"\\]|\\.)*"/, "\"\"", s)                 # double-quoted strings
		if (s ~ /&&|\|\||;|\|/) { print FILENAME ":" start ": " line; bad = 1 }
	} END { exit bad }' "$@"
}
