#!/bin/bash
# Benchmarks: figures, not pass/fail (make bench, as root). Prints:
#   1. the agent pipeline's throughput and memory on a synthetic recorded stream,
#      in-process and through the binary (smbwatch --replay ... -f json);
#   2. start-up time and resident memory of the live agent;
#   3. per-event cost of the BPF programs (kernel.bpf_stats_enabled), on SMB
#      traffic and on filtered non-SMB traffic, beside bpftrace doing the
#      comparable part (same tracepoints, same port filter, a printf per event);
#   4. the cost for non-SMB TCP traffic: connect loops (to a closed port, so each
#      one is a SYN, an RST and the state changes) with and without smbwatch.
# Traffic stays in a network namespace of its own, on loopback.
set -u
cd "$(dirname "$0")/.."
N=${BENCH_CONNECTS:-20000}
NS=smbw-bench-$$
WORK=$(mktemp -d /tmp/smbw-bench.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	sysctl -q kernel.bpf_stats_enabled=0 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "== 1. pipeline on a recorded stream"
build/tests/bench_pipeline 100000 "$WORK/stream.rec" > "$WORK/pipeline.out"
sed -n 1p "$WORK/pipeline.out"
# records are sized by kind: the count comes from the generator, not the file size
events=$(sed -n 's/^correlator+classifier: \([0-9]*\) events.*/\1/p' "$WORK/pipeline.out")
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/rss" ./smbwatch --replay "$WORK/stream.rec" -f json > /dev/null
end=$(date +%s.%N)
awk -v e="$events" -v s="$start" -v t="$end" -v rss="$(cat "$WORK/rss")" 'BEGIN {
	printf "smbwatch --replay: %d events in %.3f s: %.0f events/s, max RSS %d KiB\n",
	       e, t - s, e / (t - s), rss }'

[ "$(id -u)" = 0 ] || { echo "(the live parts need root)"; exit 0; }
ip netns add "$NS" && ip -n "$NS" link set lo up

connects() { # PORT COUNT: connect/close loop in the namespace, prints seconds
	ip netns exec "$NS" build/tests/connect_loop "$1" "$2"
}

echo "== 2. live agent: start-up and memory"
start=$(date +%s.%N)
./smbwatch -f json > /dev/null 2> "$WORK/agent.err" &
AGENT=$!
PIDS+=($AGENT)
until grep -q 'hooks cifs' "$WORK/agent.err"; do sleep 0.01; done
end=$(date +%s.%N)
awk -v s="$start" -v t="$end" 'BEGIN { printf "start-up to attached: %.0f ms\n", (t - s) * 1000 }'
grep -E 'VmRSS|VmHWM' /proc/$AGENT/status | tr -s ' \t' ' ' | tr '\n' ' '; echo

echo "== 3. BPF cost per event (bpf_stats)"
sysctl -q kernel.bpf_stats_enabled=1
prog_stats() { # name regex -> "runs avg_ns"
	bpftool prog show -j | jq -r --arg re "$1" '[.[] | select(.name // "" | test($re))] |
		"\(map(.run_cnt // 0) | add) \((map(.run_time_ns // 0) | add) / ((map(.run_cnt // 0) | add) + 0.000001) | floor)"'
}
connects 445 "$N" > /dev/null
read -r runs ns <<< "$(prog_stats '^tcp_')"
echo "smbwatch, SMB traffic ($N refused connects to 445): $runs program runs, $ns ns/run"
kill $AGENT; wait $AGENT 2>/dev/null
./smbwatch -f json > /dev/null 2> "$WORK/agent.err" &
AGENT=$!
PIDS+=($AGENT)
until grep -q 'hooks cifs' "$WORK/agent.err"; do sleep 0.01; done
connects 8080 "$N" > /dev/null
read -r runs ns <<< "$(prog_stats '^tcp_')"
echo "smbwatch, non-SMB traffic ($N refused connects to 8080, filtered in the kernel): $runs runs, $ns ns/run"
kill $AGENT; wait $AGENT 2>/dev/null
if command -v bpftrace > /dev/null; then
	cat > "$WORK/cmp.bt" <<'BT'
tracepoint:sock:inet_sock_set_state /args->protocol == 6 && (args->dport == 445 || args->sport == 445 || args->dport == 139 || args->dport == 88)/ {
	printf("%d %s %d %d\n", pid, comm, args->oldstate, args->newstate); }
tracepoint:tcp:tcp_receive_reset /args->dport == 445 || args->sport == 445/ { printf("rst %d\n", args->dport); }
BT
	# bpftrace 0.17 wants to raise RLIMIT_MEMLOCK; without CAP_SYS_RESOURCE it warns and goes on
	bpftrace "$WORK/cmp.bt" > /dev/null 2> "$WORK/bt.err" &
	BT=$!
	PIDS+=($BT)
	for _ in $(seq 100); do
		grep -q Attaching "$WORK/bt.err" && break
		kill -0 $BT 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 $BT 2>/dev/null; then
		echo "bpftrace could not run here: $(head -2 "$WORK/bt.err" | tr '\n' ' ')"
	else
	connects 445 "$N" > /dev/null
	read -r runs ns <<< "$(bpftool prog show -j | jq -r '[.[] | select(.type == "tracepoint")] |
		"\(map(.run_cnt // 0) | add) \((map(.run_time_ns // 0) | add) / ((map(.run_cnt // 0) | add) + 0.000001) | floor)"')"
	echo "bpftrace, the same tracepoints and filter, SMB traffic: $runs runs, $ns ns/run"
	kill -INT $BT; wait $BT 2>/dev/null
	fi
fi
sysctl -q kernel.bpf_stats_enabled=0

echo "== 4. non-SMB TCP connect/close, $N times (wall clock, best of 3)"
best() { # PORT COUNT
	for _ in 1 2 3; do connects "$1" "$2"; done | sort -n | head -1
}
base=$(best 8080 "$N")
./smbwatch -f json > /dev/null 2> "$WORK/agent.err" &
AGENT=$!
PIDS+=($AGENT)
until grep -q 'hooks cifs' "$WORK/agent.err"; do sleep 0.01; done
with=$(best 8080 "$N")
kill $AGENT; wait $AGENT 2>/dev/null
awk -v a="$base" -v b="$with" -v n="$N" 'BEGIN {
	printf "without smbwatch %.3f s, with %.3f s: %+.1f%% (%.1f us per connection)\n",
	       a, b, (b - a) * 100 / a, (b - a) * 1e6 / n }'
