#!/bin/bash
# The Prometheus metrics read back through the real node_exporter (Debian's
# prometheus-node-exporter, its textfile collector), which serves them on
# loopback in a network namespace of our own.
#
#   tests/live/metrics_live.sh [SMBWATCH]
#
# What is checked: a VM soak recording replayed with --metrics-file gives, as
# node_exporter serves it, the failures the soak planned for every cause (its
# soak.expected), no textfile scrape error, and a server label only with
# --metrics-by-server; a live agent writes the file with its hooks attached
# and rewrites it while it runs; a path that cannot be written is refused at
# start, exit 1, with a one-line error.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SMBWATCH=${1:-./smbwatch}
NS=smbw-metrics-$$
WORK=$(mktemp -d /tmp/smbw-metrics.XXXXXX)
FIXTURE_DIR=tests/fixtures/6.12.117+deb13-cloud-amd64
EXPORTER=/usr/bin/prometheus-node-exporter
PORT=9100

cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${SMBW_KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ]; then
	t_skip live_metrics "not root: the namespace needs root"
	exit 0
fi
if [ ! -x "$EXPORTER" ]; then
	t_skip live_metrics "no $EXPORTER: scripts/setup.sh installs prometheus-node-exporter"
	exit 0
fi

ip netns add "$NS" && ip -n "$NS" link set lo up || { t_fail live_metrics "cannot make a namespace"; exit 0; }
mkdir -p "$WORK/textfile"
ip netns exec "$NS" "$EXPORTER" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$WORK/textfile" --web.listen-address="127.0.0.1:$PORT" \
	> "$WORK/exporter.log" 2>&1 &
disown # killed in cleanup, with the namespace

# What node_exporter serves, in the namespace.
scrape() {
	ip netns exec "$NS" python3 -c '
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())' "$PORT"
}

for _ in $(seq 50); do
	scrape > /dev/null 2>&1 && break
	sleep 0.1
done
scrape > /dev/null 2>&1 || { t_fail live_metrics "node_exporter did not serve: $(tail -2 "$WORK/exporter.log")"; exit 0; }

# The sum of smbwatch_failures_total for one cause, as served.
served() {
	awk -v c="cause=\"$2\"" '$1 ~ /^smbwatch_failures_total\{/ && index($1, c) { s += $2 } END { print s + 0 }' "$1"
}

"$SMBWATCH" --replay "$FIXTURE_DIR/soak.rec" -f json --metrics-file "$WORK/textfile/smbwatch.prom" \
	> /dev/null 2> "$WORK/replay.err"
scrape > "$WORK/scrape1.txt"
bad=
while IFS=$'\t' read -r cause n; do
	got=$(served "$WORK/scrape1.txt" "$cause")
	[ "$got" = "$n" ] || bad="$bad $cause:$got/$n"
done < "$FIXTURE_DIR/soak.expected"
t_check metrics_served_per_cause "node_exporter served other counts:$bad" [ -z "$bad" ]
t_check metrics_no_scrape_error "node_textfile_scrape_error is not 0: $(grep textfile_scrape "$WORK/scrape1.txt")" \
	grep -qx 'node_textfile_scrape_error 0' "$WORK/scrape1.txt"
t_check metrics_no_server_label "a server label without --metrics-by-server" \
	bash -c "! grep -q 'smbwatch_failures_total{.*server=' '$WORK/scrape1.txt'"

"$SMBWATCH" --replay "$FIXTURE_DIR/soak.rec" -f json --metrics-file "$WORK/textfile/smbwatch.prom" \
	--metrics-by-server > /dev/null 2>&1
scrape > "$WORK/scrape2.txt"
t_check metrics_server_label "no server label with --metrics-by-server" \
	grep -q 'smbwatch_failures_total{cause="connect-refused",phase="connect",server="127.0.0.7"} 1' "$WORK/scrape2.txt"

# Live: the agent's own figures, rewritten while it runs.
rm -f "$WORK/textfile/smbwatch.prom"
"$SMBWATCH" -f json -d 7 --metrics-file "$WORK/textfile/smbwatch.prom" > /dev/null 2> "$WORK/live.err" &
live=$!
for _ in $(seq 100); do
	[ -s "$WORK/textfile/smbwatch.prom" ] && break
	sleep 0.1
done
first=$(stat -c %.9Y "$WORK/textfile/smbwatch.prom" 2>/dev/null)
scrape > "$WORK/scrape3.txt"
t_check metrics_live_hooks "the live file does not show the tcp hooks attached" \
	grep -q 'smbwatch_hooks{group="tcp",state="attached"} [1-9]' "$WORK/scrape3.txt"
# node_exporter serves labels in name order
t_check metrics_live_info "no smbwatch_info with this kernel" \
	grep -q "^smbwatch_info{kernel=\"$(uname -r)\",version=\"[^\"]*\"} 1$" "$WORK/scrape3.txt"
sleep 5.5
again=$(stat -c %.9Y "$WORK/textfile/smbwatch.prom" 2>/dev/null)
wait "$live"
rc=$?
rewritten() { [ -n "$first" ] && [ -n "$again" ] && [ "$first" != "$again" ]; }
t_check metrics_live_rewritten "the file was not rewritten within 5.5 s" rewritten
t_check metrics_live_exit "the live agent exited $rc: $(tail -1 "$WORK/live.err")" [ "$rc" = 0 ]
t_check metrics_no_temporary_left "a temporary file is left: $(ls "$WORK/textfile")" \
	[ "$(ls "$WORK/textfile")" = smbwatch.prom ]

"$SMBWATCH" -f json -d 1 --metrics-file /nonexistent-dir/smbwatch.prom > /dev/null 2> "$WORK/bad.err"
rc=$?
refused() { [ "$rc" = 1 ] && [ "$(grep -c 'cannot write the metrics file' "$WORK/bad.err")" = 1 ]; }
t_check metrics_bad_path_refused "exit $rc, stderr: $(head -2 "$WORK/bad.err")" refused
