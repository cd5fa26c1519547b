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
kill $AGENT; wait $AGENT 2>/dev/null

echo "== 3. BPF cost per program run (bpf_stats), smbwatch and bpftrace side by side"
sysctl -q kernel.bpf_stats_enabled=1
# bpftrace needs tracefs (a fresh machine may not have it mounted); smbwatch does not
if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null && MOUNTED_TRACEFS=1
fi
prog_stats() { # jq selector -> "runs avg_ns"
	bpftool prog show -j | jq -r "[.[] | select($1)] |
		\"\\(map(.run_cnt // 0) | add // 0) \\((map(.run_time_ns // 0) | add // 0) / ((map(.run_cnt // 0) | add // 0) + 0.000001) | floor)\""
}
# PORT -> "runs ns" of smbwatch's TCP programs over N refused connects to PORT
smbwatch_cost() {
	local agent runs ns
	./smbwatch -f json > /dev/null 2> "$WORK/agent.err" &
	agent=$!
	PIDS+=($agent)
	until grep -q 'hooks cifs' "$WORK/agent.err"; do sleep 0.01; done
	connects "$1" "$N" > /dev/null
	read -r runs ns <<< "$(prog_stats '.name // "" | test("^tcp_")')"
	# each program on its own: the mean hides which one costs (the reset sent without a
	# socket reads the packet's ports through a helper, the others by plain loads)
	bpftool prog show -j | jq -r '.[] | select(.name // "" | test("^(tcp_|kdc_)")) | select((.run_cnt // 0) > 0) |
		"\(.name)=\(.run_time_ns / .run_cnt | floor)ns/\(.run_cnt)"' | xargs > "$WORK/per-prog.$1"
	kill "$agent"; wait "$agent" 2>/dev/null
	echo "$runs $ns"
}
# The same four tracepoints and the same port filter in bpftrace, a printf per watched event.
pred() { # DPORT SPORT: either is 445, 139 or 88
	local p out=
	for p in 445 139 88; do out="$out${out:+ || }$1 == $p || $2 == $p"; done
	echo "$out"
}
# 6.10+: tcp_send_reset has no port fields, only the two sockaddrs (port at bytes 2-3)
rst_pred=$(pred 'args->dport' 'args->sport')
fmt=/sys/kernel/tracing/events/tcp/tcp_send_reset/format
[ -r "$fmt" ] && ! grep -q 'field:__u16 sport' "$fmt" &&
	rst_pred=$(pred '((args->daddr[2] << 8) | args->daddr[3])' '((args->saddr[2] << 8) | args->saddr[3])')
cat > "$WORK/cmp.bt" <<BT
tracepoint:sock:inet_sock_set_state /args->protocol == 6 && ($(pred 'args->dport' 'args->sport'))/ {
	printf("%d %s %d %d\\n", pid, comm, args->oldstate, args->newstate); }
tracepoint:tcp:tcp_retransmit_skb /$(pred 'args->dport' 'args->sport')/ { printf("rtx %d\\n", args->dport); }
tracepoint:tcp:tcp_receive_reset /$(pred 'args->dport' 'args->sport')/ { printf("rst %d\\n", args->dport); }
tracepoint:tcp:tcp_send_reset /$rst_pred/ { printf("rst-out\\n"); }
BT
bpftrace_cost() { # PORT -> "runs ns", or "" when bpftrace cannot run
	local bt
	command -v bpftrace > /dev/null || return 0
	# bpftrace 0.17 wants to raise RLIMIT_MEMLOCK; without CAP_SYS_RESOURCE it warns and goes on
	bpftrace "$WORK/cmp.bt" > /dev/null 2> "$WORK/bt.err" &
	bt=$!
	PIDS+=($bt)
	for _ in $(seq 300); do
		grep -q Attaching "$WORK/bt.err" && break
		kill -0 "$bt" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$bt" 2>/dev/null; then
		echo "bpftrace could not run here: $(head -2 "$WORK/bt.err" | tr '\n' ' ')" >&2
		return 0
	fi
	sleep 0.5 # attached: "Attaching" is said before the last probe is in
	connects "$1" "$N" > /dev/null
	prog_stats '.type == "tracepoint"'
	kill -INT "$bt"; wait "$bt" 2>/dev/null
}
sw_other=$(smbwatch_cost 8080)
sw_smb=$(smbwatch_cost 445)
bt_other=$(bpftrace_cost 8080)
bt_smb=$(bpftrace_cost 445)
sysctl -q kernel.bpf_stats_enabled=0
cell() { [ -n "$1" ] && awk -v r="${1% *}" -v t="${1#* }" 'BEGIN { printf "%6d ns (%d runs)", t, r }' || echo "n/a"; }
printf '%-44s %-22s %s\n' "ns per program run, $N refused connects" smbwatch bpftrace
printf '%-44s %-22s %s\n' "non-SMB traffic (port 8080, filtered out)" "$(cell "$sw_other")" "$(cell "$bt_other")"
printf '%-44s %-22s %s\n' "SMB traffic (port 445, every event kept)" "$(cell "$sw_smb")" "$(cell "$bt_smb")"
echo "smbwatch per program, port 8080: $(cat "$WORK/per-prog.8080")"
echo "smbwatch per program, port 445:  $(cat "$WORK/per-prog.445")"
[ -z "${MOUNTED_TRACEFS:-}" ] || umount /sys/kernel/tracing

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
