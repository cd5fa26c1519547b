#!/bin/bash
# Live tests of the TCP hooks on the running kernel: real connections in a
# network namespace of our own (loopback only: no address leaves this host).
#
#   tests/live/tcp_live.sh [SMBWATCH] [FAKE_SERVER]
#
# Each test starts smbwatch in the root namespace (the tracepoints are
# global), makes traffic in the namespace, stops smbwatch and inspects its
# JSON lines with jq.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SMBWATCH=${1:-./smbwatch}
FAKE=${2:-build/tests/fake-smb-server}
NS=smbw-live-$$
WORK=$(mktemp -d /tmp/smbw-live.XXXXXX)
WATCH_PID=
SERVER_PID=

cleanup() {
	[ -n "$WATCH_PID" ] && kill -TERM "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	# whatever still runs in the namespace goes with it
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ]; then
	t_skip live_tcp "not root: the live BPF tests need root"
	exit 0
fi

ip netns add "$NS" && ip -n "$NS" link set lo up || {
	t_fail live_netns "cannot create network namespace $NS"
	exit 1
}

# start_watch NAME [ARGS...]: smbwatch in the background, ready when it says so.
start_watch() {
	local name=$1
	shift
	"$SMBWATCH" -e -f json "$@" > "$WORK/$name.json" 2> "$WORK/$name.err" &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -q '^smbwatch: hooks tcp:' "$WORK/$name.err" 2>/dev/null && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "smbwatch did not start:"; cat "$WORK/$name.err"
	return 1
}

# stop_watch [SIGNAL]: stop it and keep its exit code in WATCH_RC.
stop_watch() {
	sleep 0.3 # let the last events reach the ring buffer
	kill -"${1:-INT}" "$WATCH_PID"
	wait "$WATCH_PID"
	WATCH_RC=$?
	WATCH_PID=
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# A connect() to a port nothing listens on: the kernel answers the SYN with RST.
refused_connect() {
	in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

count() { # count NAME JQ-FILTER
	jq -c "select($2)" "$WORK/$1.json" | wc -l
}

test_reset_on_closed_445() {
	start_watch reset || { t_fail reset_closed_445 "smbwatch did not start"; return; }
	refused_connect 445
	stop_watch INT
	local rx tx
	rx=$(count reset '.event=="tcp_reset_received" and .remote_addr=="127.0.0.1" and
		.remote_port==445 and .local_addr=="127.0.0.1" and .state=="SYN_SENT"')
	tx=$(count reset '.event=="tcp_reset_sent" and .local_port==445 and .remote_port!=445')
	t_check reset_closed_445_received "no tcp_reset_received for 127.0.0.1:445 (got: $(cat "$WORK/reset.json"))" \
		[ "$rx" -ge 1 ]
	t_check reset_closed_445_sent "no tcp_reset_sent from port 445" [ "$tx" -ge 1 ]
	t_check reset_exit_code_zero "smbwatch exit code $WATCH_RC after SIGINT" [ "$WATCH_RC" = 0 ]
	t_check reset_stop_line "no drop count at stop" \
		grep -q '^smbwatch: stopped: [0-9]* events, 0 dropped$' "$WORK/reset.err"
	t_check reset_cifs_waiting "cifs.ko absence not reported" \
		grep -q '^smbwatch: hooks cifs: waiting for cifs.ko to load$' "$WORK/reset.err"
}

test_ipv6_reset_on_closed_445() {
	start_watch reset6 || { t_fail reset_ipv6 "smbwatch did not start"; return; }
	in_ns bash -c 'exec 3<>/dev/tcp/::1/445' 2>/dev/null
	stop_watch INT
	t_check reset_ipv6_received "no tcp_reset_received for [::1]:445 (got: $(head -c 400 "$WORK/reset6.json"))" \
		[ "$(count reset6 '.event=="tcp_reset_received" and .remote_addr=="::1" and .remote_port==445 and .local_addr=="::1"')" -ge 1 ]
}

test_unwatched_port_is_filtered_in_kernel() {
	start_watch other || { t_fail unwatched_port "smbwatch did not start"; return; }
	refused_connect 8445
	refused_connect 445 # a marker: the watch saw traffic, just not 8445
	stop_watch TERM
	t_check unwatched_port_8445_silent "events for port 8445 without --port" \
		[ "$(count other '.remote_port==8445 or .local_port==8445')" = 0 ]
	t_check unwatched_marker_seen "the 445 marker was not seen" \
		[ "$(count other '.remote_port==445')" -ge 1 ]
	t_check sigterm_exit_code_zero "exit code $WATCH_RC after SIGTERM" [ "$WATCH_RC" = 0 ]
}

test_port_flag_makes_it_visible() {
	start_watch port --port 8445 || { t_fail port_flag "smbwatch did not start"; return; }
	refused_connect 8445
	stop_watch INT
	t_check port_flag_8445_visible "--port 8445 shows no reset for 8445" \
		[ "$(count port '.event=="tcp_reset_received" and .remote_port==8445')" -ge 1 ]
}

test_retransmits_on_blackholed_connection() {
	# ip netns exec execs the server: $! is the server itself (a function would fork)
	ip netns exec "$NS" "$FAKE" silent 445 > "$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/445' 2>/dev/null && break
		sleep 0.1
	done
	start_watch rexmit || { t_fail retransmit "smbwatch did not start"; return; }
	# Established, then every segment reaching the server is dropped (on input, so that
	# the client's transmissions succeed): the client retransmits.
	in_ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/445 || exit 1
		iptables -A INPUT -p tcp --dport 445 -j DROP
		echo hello >&3
		sleep 2' 2>/dev/null
	stop_watch INT
	kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
	in_ns iptables -F INPUT
	local est rex sock
	est=$(jq -r 'select(.event=="tcp_state_change" and .state=="ESTABLISHED" and
		.remote_port==445) | .sock' "$WORK/rexmit.json" | head -1)
	rex=$(count rexmit '.event=="tcp_retransmit" and .remote_port==445 and
		.state=="ESTABLISHED"')
	sock=$(jq -r 'select(.event=="tcp_retransmit") | .sock' "$WORK/rexmit.json" | sort -u)
	t_check retransmit_events "no tcp_retransmit for the blackholed connection" [ "$rex" -ge 2 ]
	ok=false
	[ -n "$est" ] && [ "$sock" = "$est" ] && ok=true
	t_check retransmit_same_socket "retransmits ($sock) not on the established socket ($est)" "$ok"
}

test_raw_tracepoint_fallback() {
	SMBWATCH_FORCE_FALLBACK=1 start_watch raw -v || { t_fail raw_fallback "smbwatch did not start"; return; }
	refused_connect 445
	stop_watch INT
	t_check raw_fallback_attached "fallback did not attach via raw_tp" \
		grep -q 'tcp_receive_reset .*attached via raw_tp' "$WORK/raw.err"
	t_check raw_fallback_reset_seen "raw_tp fallback saw no reset" \
		[ "$(count raw '.event=="tcp_reset_received" and .remote_port==445')" -ge 1 ]
}

test_full_ring_buffer_counts_drops() {
	start_watch drops --ringbuf-kb 4 -v -r "$WORK/drops.rec" || { t_fail drops "smbwatch did not start"; return; }
	kill -STOP "$WATCH_PID" # a consumer that cannot keep up
	for _ in $(seq 40); do refused_connect 445; done
	kill -CONT "$WATCH_PID"
	sleep 1.5 # the periodic drop report runs once a second
	refused_connect 445 # after the storm: seen again
	sleep 0.3
	stop_watch INT
	local dropped attempted received lost
	dropped=$(sed -n 's/^smbwatch: stopped: [0-9]* events, \([0-9]*\) dropped$/\1/p' "$WORK/drops.err")
	read -r attempted received lost <<< "$(sed -n 's/^smbwatch: records: \([0-9]*\) attempted in the kernel = \([0-9]*\) received + \([0-9]*\) dropped$/\1 \2 \3/p' "$WORK/drops.err")"
	t_check drops_counted "no drops counted with a 4 KiB ring buffer and a stopped reader" \
		[ "${dropped:-0}" -gt 0 ]
	t_check drops_reported_live "drops not reported while running" \
		grep -q 'events lost: the ring buffer was full' "$WORK/drops.err"
	# the stopped reader found the ring full: its first read took (nearly) all 4 KiB of it
	t_check ring_peak_seen "no ring fill level, or not 3-4 KiB of 4: $(grep 'ring buffer:' "$WORK/drops.err")" \
		grep -q -E '^smbwatch: ring buffer: at most [34] KiB waiting at a read, of 4 KiB$' "$WORK/drops.err"
	ok=false
	[ -n "$attempted" ] && [ "$attempted" = $((received + lost)) ] && [ "$lost" = "$dropped" ] && ok=true
	t_check drops_add_up "kernel attempts != received + dropped: $(grep records: "$WORK/drops.err")" "$ok"
	ok=false
	[ "$(count drops '.event=="events_lost"')" -ge 1 ] && \
		[ "$("$SMBWATCH" --replay "$WORK/drops.rec" -e -f json 2>/dev/null | jq -c 'select(.event=="events_lost")' | wc -l)" -ge 1 ] && ok=true
	t_check drops_in_stream "no events_lost record in the stream (JSON and recording)" "$ok"
	t_check drops_seen_after_storm "no reset seen after the storm" \
		[ "$(jq -c 'select(.event=="tcp_reset_received" and .remote_port==445)' "$WORK/drops.json" | tail -1 | wc -l)" = 1 ]
}

our_programs() {
	bpftool prog show -j 2>/dev/null |
		jq '[.[] | select(.name // "" | test("^(tcp_|cifs_)"))] | length'
}

test_nothing_left_attached() {
	start_watch attached || { t_fail nothing_left "smbwatch did not start"; return; }
	local during
	during=$(our_programs)
	stop_watch INT
	sleep 0.5 # programs are freed after their last link
	t_check programs_loaded_while_running "no smbwatch programs while running" [ "$during" -ge 4 ]
	t_check nothing_left_after_stop "programs left after stop: $(our_programs)" [ "$(our_programs)" = 0 ]
}

# The load happens in a process of its own that hands the agent its links and exits: the agent
# holds one bpf_link descriptor per attached program and no loading process is left behind.
test_loader_process_hands_over() {
	start_watch handover || { t_fail handover "smbwatch did not start"; return; }
	local links attached children ok
	links=$(find /proc/"$WATCH_PID"/fd -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l)
	attached=$(awk '/^smbwatch: hooks [a-z]*: [0-9]* attached/ { n += $4 } END { print n + 0 }' \
		"$WORK/handover.err")
	children=$(pgrep -P "$WATCH_PID" | wc -l)
	refused_connect 445
	stop_watch INT
	ok=false
	[ "${attached:-0}" -ge 4 ] && [ "$links" = "$attached" ] && ok=true
	t_check handover_links_held "$links bpf_link descriptors for ${attached:-?} attached hooks" "$ok"
	t_check handover_no_loader_left "$children child processes of the agent after start" \
		[ "$children" = 0 ]
	t_check handover_events_flow "no reset seen through the handed-over links" \
		[ "$(count handover '.event=="tcp_reset_received" and .remote_port==445')" -ge 1 ]
}

# An open files limit too low for the handover: refused up front in one line, not half loaded.
test_open_files_limit() {
	local out rc
	out=$(bash -c 'ulimit -n 40; exec "$0" -d 1' "$SMBWATCH" 2>&1)
	rc=$?
	t_check fd_limit_exit_1 "exit code $rc with ulimit -n 40" [ "$rc" = 1 ]
	ok=false
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *"open files limit is 40"*"ulimit -n"* ]] && ok=true
	t_check fd_limit_one_line "message: $out" "$ok"
}

test_not_root_is_refused() {
	local out rc
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$SMBWATCH" -d 1 2>&1)
	rc=$?
	t_check not_root_exit_1 "exit code $rc for an unprivileged user" [ "$rc" = 1 ]
	ok=false
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *"run it as root"* ]] && ok=true
	t_check not_root_one_line "message: $out" "$ok"
}

test_no_btf_is_refused() {
	local out rc empty
	empty=$(mktemp -d)
	out=$(SMBWATCH_SYSFS_ROOT=$empty "$SMBWATCH" -d 1 2>&1)
	rc=$?
	rmdir "$empty"
	t_check no_btf_exit_1 "exit code $rc without BTF" [ "$rc" = 1 ]
	ok=false
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *"has no BTF"* ]] && ok=true
	t_check no_btf_message "message: $out" "$ok"
}

test_reset_on_closed_445
test_ipv6_reset_on_closed_445
test_unwatched_port_is_filtered_in_kernel
test_port_flag_makes_it_visible
test_retransmits_on_blackholed_connection
test_raw_tracepoint_fallback
test_full_ring_buffer_counts_drops
test_nothing_left_attached
test_loader_process_hands_over
test_open_files_limit
test_not_root_is_refused
test_no_btf_is_refused
