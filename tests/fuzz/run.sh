#!/bin/bash
# Runs each libFuzzer target of build-fuzz/fuzz/ for FUZZ_SECONDS (default 60) on its corpus
# (build-fuzz/corpus/TARGET, grown run after run), its seeds (build-fuzz/fuzz/seeds/TARGET) and
# the inputs that once crashed it (tests/fuzz/regress/TARGET, run every time), then prints what
# it did: runs, exec/s, coverage (cov: edges, ft: features), corpus size.
# A crash, a leak, a sanitizer report or a broken invariant is a FAIL, its input kept in
# build-fuzz/crashes/ (replay it: build-fuzz/fuzz/TARGET FILE). One PASS or FAIL line per
# target, counted by tests/run-all.sh; exits non-zero on any FAIL.
#   tests/fuzz/run.sh [TARGET...]      (make fuzz, make fuzz-ci)
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT=build-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
	targets=(fuzz_recfile fuzz_pipeline fuzz_krb_error fuzz_utf16 fuzz_escape)
# A pipeline input holds up to 32 records of ~500 bytes; the others are short.
declare -A max_len=([fuzz_recfile]=20000 [fuzz_pipeline]=20000 [fuzz_krb_error]=1024
		    [fuzz_utf16]=300 [fuzz_escape]=512)
failed=0
mkdir -p "$OUT/corpus" "$OUT/crashes" "$OUT/logs"
for t in "${targets[@]}"; do
	bin=$OUT/fuzz/$t
	if [ ! -x "$bin" ]; then
		t_skip "fuzz.$t" "$bin not built (make fuzz-build; clang's libFuzzer: libclang-rt-14-dev)"
		failed=1
		continue
	fi
	mkdir -p "$OUT/corpus/$t"
	dirs=("$OUT/corpus/$t" "$OUT/fuzz/seeds/$t")
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	log=$OUT/logs/$t.log
	start=$(date +%s%N)
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$SECONDS_EACH" -max_len="${max_len[$t]:-4096}" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$t-" "${dirs[@]}" \
		> "$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	elapsed=$((ms / 1000)).$((ms % 1000 / 100))
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
	[ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<< "$done_line")
	ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<< "$done_line")
	corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<< "$done_line")
	runs=$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+)/\1/p' "$log")
	eps=$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]+([0-9]+)/\1/p' "$log")
	printf '# %-15s %5s s  %10s runs  %7s exec/s  cov: %-5s ft: %-6s corpus %s\n' "$t" \
		"$elapsed" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
	if [ "$rc" = 0 ] && [ -n "$runs" ]; then
		t_pass "fuzz.$t"
	else
		grep -E 'ERROR|invariant|SUMMARY|Test unit written|^    #[0-9]' "$log" | head -n 25
		t_fail "fuzz.$t" "libFuzzer exited $rc (log $log; input in $OUT/crashes/)"
		failed=1
	fi
done
exit $failed
