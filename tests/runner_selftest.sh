#!/bin/bash
# runner_selftest.sh CRASH_BINARY: the test runner must fail honestly. Feeds t_tap (tests/lib.sh)
# binaries that lie in each way a broken test can, each into a results file of its own, and
# checks that every one of them is counted as a FAIL; a well-behaved one must pass.
#   CRASH_BINARY  a cmocka binary that prints "ok" and then dies of SIGSEGV (tests/selftest/crash.c)
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
crash_bin=${1:?usage: runner_selftest.sh CRASH_BINARY}
dir=$(mktemp -d /tmp/smbw-selftest.XXXXXX)
trap 'rm -rf "$dir"' EXIT

fake() { # NAME BODY: a shell "test binary"
	printf '#!/bin/bash\n%s\n' "$2" > "$dir/$1"
	chmod +x "$dir/$1"
}
fake good 'echo 1..2; echo "ok 1 - a"; echo "ok 2 - b"'
fake short_plan 'echo 1..3; echo "ok 1 - a"; echo "ok 2 - b"'
fake no_plan 'echo "ok 1 - a"'
fake exit_nonzero 'echo 1..1; echo "ok 1 - a"; exit 3'
fake sanitizer_abort 'echo 1..1; echo "ok 1 - a"; echo "==1==ERROR: AddressSanitizer: heap-use-after-free" >&2; kill -ABRT $$'

# judge NAME EXPECT BINARY: run it through t_tap on a results file of its own.
judge() {
	local name=$1 expect=$2 bin=$3 got
	SMBW_RESULTS=$dir/$name.results t_tap "$name" "$bin" > "$dir/$name.out" 2>&1
	if grep -q '^FAIL' "$dir/$name.results"; then got=fail; else got=pass; fi
	if [ "$got" = "$expect" ]; then
		t_pass "runner_selftest.$name"
	else
		t_fail "runner_selftest.$name" "t_tap said $got, must say $expect: $(tr '\n' ' ' < "$dir/$name.out")"
	fi
}

judge good pass "$dir/good"
judge short_plan fail "$dir/short_plan"
judge no_plan fail "$dir/no_plan"
judge exit_nonzero fail "$dir/exit_nonzero"
judge sanitizer_abort fail "$dir/sanitizer_abort"
if [ -x "$crash_bin" ]; then
	judge crash_after_ok fail "$crash_bin"
else
	t_fail runner_selftest.crash_after_ok "$crash_bin is not built (make check builds it)"
fi

# And the whole runner's verdict: a results file with one FAIL makes run-all exit non-zero.
printf 'PASS a\nFAIL b: x\n' > "$dir/verdict.results"
if tests/run-all.sh --verdict "$dir/verdict.results" > /dev/null; then
	t_fail runner_selftest.verdict_fails "run-all.sh exited 0 on a FAIL"
else
	t_pass runner_selftest.verdict_fails
fi

# A t_check whose later conditions run outside it can never fail on them: none may be left.
cat > "$dir/compound.sh" <<'SH'
t_check fine "why && not code" [ "$(echo 'a && b' | wc -l)" = 1 ]
t_check broken "why" \
	[ -n "$x" ] && [ "$y" = 1 ]
SH
found=$(compound_t_checks "$dir/compound.sh")
if [ "$found" = "$dir/compound.sh:2: t_check broken \"why\"  	[ -n \"\$x\" ] && [ \"\$y\" = 1 ]" ]; then
	t_pass runner_selftest.compound_check_found
else
	t_fail runner_selftest.compound_check_found "the lint found: ${found:-nothing}"
fi
if found=$(compound_t_checks tests/live/*.sh); then
	t_pass runner_selftest.no_compound_t_check
else
	t_fail runner_selftest.no_compound_t_check "conditions outside t_check: $found"
fi
