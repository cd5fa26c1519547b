# shellcheck shell=bash disable=SC2034 # scenario_*_timeout: read by run-scenarios.sh
# 60-data-path.sh: what smbwatch costs a mounted share's reads and writes (make bench-vm:
# figures, never pass/fail on a number). A share with mandatory signing (every response
# passes smb2_verify_signature, which smbwatch hooks) is mounted with cache=none, so that
# every read goes to the server; dd writes and reads a file through it, without smbwatch and
# with it, alternated (A B A B ...) so that a drift of the emulator does not look like a cost.
# Beside the wall clock, bpf_stats gives the time smbwatch's cifs programs ran during the
# I/O itself: that over the wall clock is its share of the data path, a figure that TCG's
# noise does not blur.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

DP_MB=${SMBW_BENCH_MB:-64}
DP_ROUNDS=${SMBW_BENCH_ROUNDS:-3}
DP_MNT=/mnt/smbw-bench

# dd IF OF [CONV]: seconds taken
_dp_dd() {
	local t0
	t0=$(_smbw_now)
	dd if="$1" of="$2" bs=1M count="$DP_MB" ${3:+conv=$3} status=none || return 1
	_smbw_since "$t0"
}

# "runs ns" of the cifs programs (bpf_stats) now
_dp_prog_stats() {
	bpftool prog show -j | jq -r '[.[] | select(.name // "" | test("^cifs_"))] |
		"\(map(.run_cnt // 0) | add // 0) \(map(.run_time_ns // 0) | add // 0)"'
}

# one round: write then read the file; prints "write_s read_s"
_dp_round() {
	local w r
	rm -f "$DP_MNT/bench.bin"
	w=$(_dp_dd /dev/zero "$DP_MNT/bench.bin" fsync) || return 1
	r=$(_dp_dd "$DP_MNT/bench.bin" /dev/null) || return 1
	echo "$w $r"
}

scenario_bench_data_path_timeout=1200
scenario_bench_data_path() {
	local out=$SMBW_SCENARIO_OUT i f runs0 ns0 runs1 ns1 io_s=0 t0
	smbw_samba_start "server signing = mandatory" "[share]
	path = @SMBDIR@/share
	read only = no" || { _fail "smbd did not start"; return 1; }
	smbw_add_user "$SMBW_USER" "$SMBW_PW" || { _fail "smbpasswd failed"; return 1; }
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	mkdir -p "$DP_MNT"
	mount -t cifs //127.0.0.1/share "$DP_MNT" \
		-o "username=$SMBW_USER,password=$SMBW_PW,cache=none,uid=0,noperm" > "$out/mount.log" 2>&1 ||
		{ _fail "mount failed: $(cat "$out/mount.log")"; return 1; }
	cp /proc/fs/cifs/DebugData "$out/DebugData" 2>/dev/null # says the session is signed
	_dp_round > /dev/null || { umount "$DP_MNT"; _fail "dd through the share failed"; return 1; }
	sysctl -q -w kernel.bpf_stats_enabled=1
	for i in $(seq "$DP_ROUNDS"); do
		_dp_round >> "$out/without.txt" || break
		_watch_start || break
		read -r runs0 ns0 <<< "$(_dp_prog_stats)"
		t0=$(_smbw_now)
		_dp_round >> "$out/with.txt" || break
		io_s=$(awk -v a="$io_s" -v d="$(_smbw_since "$t0")" 'BEGIN { print a + d }')
		read -r runs1 ns1 <<< "$(_dp_prog_stats)"
		echo "$((runs1 - runs0)) $((ns1 - ns0))" >> "$out/progs.txt"
		_watch_stop
		# the next round's smbwatch records anew (it never overwrites a recording)
		for f in smbwatch.json smbwatch.err events.rec; do
			mv "$out/$f" "$out/round$i-$f"
		done
	done
	sysctl -q -w kernel.bpf_stats_enabled=0
	umount "$DP_MNT"
	[ "$(wc -l < "$out/with.txt" 2>/dev/null)" = "$DP_ROUNDS" ] &&
		[ "$(wc -l < "$out/without.txt")" = "$DP_ROUNDS" ] ||
		{ _fail "a round did not complete"; return 1; }
	awk -v mb="$DP_MB" -v io="$io_s" '
		FILENAME ~ /without/ { nw++; ww[nw] = $1; wr[nw] = $2 }
		FILENAME ~ /with.txt/ { mw++; sw[mw] = $1; sr[mw] = $2 }
		FILENAME ~ /progs/ { runs += $1; ns += $2 }
		function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
		END {
			a = med(ww, nw); b = med(sw, mw); c = med(wr, nw); d = med(sr, mw)
			printf "signed share, %d MiB, median of %d: write %.1f MiB/s without smbwatch, %.1f with (time %+.1f%%); read %.1f MiB/s without, %.1f with (time %+.1f%%); smbwatch cifs programs during the I/O: %d runs, %.0f ns each, %.3f%% of its time\n",
				mb, nw, mb / a, mb / b, (b - a) * 100 / a, mb / c, mb / d, (d - c) * 100 / c,
				runs, runs ? ns / runs : 0, ns / 1e9 * 100 / io
		}' "$out/without.txt" "$out/with.txt" "$out/progs.txt" > "$out/figures.txt"
	cat "$out/figures.txt"
	smbw_reason "$(cat "$out/figures.txt")"
}
