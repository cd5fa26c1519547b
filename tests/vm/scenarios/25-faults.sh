# shellcheck shell=bash disable=SC2034 # scenario_*_{core,timeout}: read by run-scenarios.sh
# 25-faults.sh: the module and the agent taken away under smbwatch's feet.
#   module_pinned      cifs.ko cannot be unloaded while smbwatch watches it, in either attach
#                      mode (fexit and tp_btf links, and the fallback's raw tracepoint links,
#                      hold a reference on the module); mounts are diagnosed all along; once
#                      smbwatch stops, nothing holds the module, it unloads and loads again,
#                      and a new smbwatch diagnoses on the new module
#   sigkill_restart    the service killed with SIGKILL in the middle of a storm of failing
#                      mounts: its links go with its file descriptors (nothing left attached),
#                      systemd restarts it, and every mount started after the new instance is
#                      READY gets exactly one diagnosis, from the new instance
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

# rmmod cifs while something may hold it: "in use" expected, unless WANT=gone.
_rmmod_cifs() {
	local out rc
	out=$(rmmod cifs 2>&1)
	rc=$?
	smbw_log "rmmod cifs: rc=$rc $out (refcnt $(cat /sys/module/cifs/refcnt 2>/dev/null || echo gone))"
	echo "$rc $out" >> "$SMBW_SCENARIO_OUT/rmmod.txt"
	return "$rc"
}

# One watched failing mount in mode MODE (fexit|fallback), its outputs kept under MODE-*;
# cifs.ko must refuse to unload while that smbwatch is attached.
_pinned_in_mode() {
	local mode=$1 out=$SMBW_SCENARIO_OUT f
	smbw_cifs_quiesce 30 # idle before: the references rmmod meets are smbwatch's
	if [ "$mode" = fallback ]; then
		SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	else
		_watch_start || return 1
	fi
	if _rmmod_cifs; then
		_watch_stop
		_fail "rmmod cifs succeeded while smbwatch ($mode) was attached: the hooks are gone unseen"
		return 1
	fi
	_mount //127.0.0.1/share "" "$SMBW_USER" "wrong-$SMBW_PW"
	_watch_stop
	_expect_diagnosis bad-credentials '.nt_status=="0xc000006d"' || return 1
	_no_password_anywhere || return 1
	for f in smbwatch.json smbwatch.err events.rec; do
		mv "$out/$f" "$out/$mode-$f"
	done
}

scenario_module_pinned_core=1
scenario_module_pinned_timeout=180
scenario_module_pinned() {
	local mode
	_samba "" "" || return 1
	for mode in fexit fallback; do
		_pinned_in_mode "$mode" || return 1
		smbw_cifs_quiesce 30
		_rmmod_cifs || { _fail "rmmod cifs failed after smbwatch ($mode) stopped: something still holds it"; return 1; }
		[ -d /sys/module/cifs ] && { _fail "cifs.ko still there after rmmod"; return 1; }
		smbw_modprobe_cifs || { _fail "modprobe cifs failed after the unload"; return 1; }
	done
	# the module that came back is watched as the first was
	_watch_start || return 1
	_mount //127.0.0.1/share "" "$SMBW_USER" "wrong-$SMBW_PW"
	_watch_stop
	_expect_diagnosis bad-credentials '.nt_status=="0xc000006d"' || return 1
	_no_password_anywhere || return 1
	smbw_reason "rmmod refused (in use) under fexit and under the fallback, a diagnosis each time; unloaded after stop, reloaded, diagnosed again"
}

# ---- SIGKILL under systemd ------------------------------------------------------------------

KILL_PW='pw-Kill5-never-in-the-journal'
BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7

_unit_pid() { systemctl show -p MainPID --value smbwatch; }

# Until the unit is active (READY=1) with a main PID other than $1, at most $2 s.
_wait_restarted() {
	local old=$1 i pid
	for i in $(seq $(($2 * 5))); do
		pid=$(_unit_pid)
		if [ "$pid" != 0 ] && [ "$pid" != "$old" ] && systemctl is-active -q smbwatch; then
			echo "$pid"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# BPF programs in the kernel but systemd's own (sd_*: the units' IP and device filters, which
# come and go with units): the agent's, and whatever the guest had before it.
_our_programs() {
	bpftool prog show -j 2>/dev/null | jq '[.[] | select(.name // "" | test("^sd_") | not)] | length'
}

# N failing mounts one after another; each start time (CLOCK_REALTIME, us) to $2.
_storm() {
	local n=$1 log=$2 i
	for i in $(seq "$n"); do
		date +%s%6N >> "$log"
		smbw_mount //127.0.0.1/share "username=smbtest,password=wrong-$KILL_PW" > /dev/null 2>&1
	done
}

# Failures (bad-credentials) the journal entries of process $1 stand for: past a burst of 5,
# identical failures fold into one repeat entry whose SMB_COUNT says how many.
_diagnoses_of() {
	journalctl --sync 2>/dev/null
	journalctl -o json -u smbwatch MESSAGE_ID=$BAD_CREDS_ID _PID="$1" --no-pager |
		jq -s '[.[] | select(.SMB_CAUSE=="bad-credentials") | .SMB_COUNT | tonumber] | add // 0'
}

scenario_sigkill_restart_timeout=240
scenario_sigkill_restart() {
	local out=$SMBW_SCENARIO_OUT old new stormpid left base before after refs i
	_service_install || return
	systemctl daemon-reload
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_samba_start "" "[share]
	path = @SMBDIR@/share" || { _fail "smbd did not start"; return 1; }
	smbw_add_user smbtest "$KILL_PW" || { _fail "smbpasswd failed"; return 1; }
	refs=$(cat /sys/module/cifs/refcnt)
	base=$(_our_programs)
	systemctl start smbwatch || { _fail "systemctl start smbwatch failed"; return 1; }
	old=$(_unit_pid)
	before=$(_our_programs)

	# the storm: it runs on while the agent is killed
	_storm 40 "$out/storm-1.txt" &
	stormpid=$!
	sleep 4
	systemctl kill -s KILL smbwatch
	for i in $(seq 25); do # links and programs go with the process's file descriptors
		left=$(($(_our_programs) - base))
		[ "$left" -le 0 ] && break
		sleep 0.2
	done
	kill "$stormpid" 2>/dev/null
	wait "$stormpid" 2>/dev/null
	[ "$left" -le 0 ] || { _fail "$left of $((before - base)) BPF programs left after SIGKILL"; return 1; }
	smbw_cifs_quiesce 30
	[ "$(cat /sys/module/cifs/refcnt)" = "$refs" ] ||
		{ _fail "cifs.ko refcnt $(cat /sys/module/cifs/refcnt) after SIGKILL, $refs before start"; return 1; }

	new=$(_wait_restarted "$old" 30) || { _fail "systemd did not restart smbwatch within 30 s"; return 1; }
	smbw_log "restarted: pid $old -> $new"
	_storm 12 "$out/storm-2.txt"
	sleep 3 # settle: the last diagnosis is written within 2 s
	[ "$(_our_programs)" = "$before" ] ||
		{ _fail "$(_our_programs) programs with the new instance, $before with the first"; return 1; }
	systemctl stop smbwatch # a clean stop writes the pending repeat entry
	after=$(_diagnoses_of "$new")
	journalctl -o json -u smbwatch --no-pager > "$out/journal-unit.json"
	if grep -a -q -F -- "$KILL_PW" "$out/journal-unit.json"; then
		_fail "the password appears in the journal"
		return 1
	fi
	[ "$after" = 12 ] ||
		{ _fail "12 mounts after the restart, $after diagnoses from the new instance"; return 1; }
	smbw_reason "SIGKILL during $(wc -l < "$out/storm-1.txt") mounts ($(_diagnoses_of "$old") written before it): nothing left attached, restarted, 12 of 12 later mounts diagnosed once"
}
