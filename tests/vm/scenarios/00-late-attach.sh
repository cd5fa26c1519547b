# 00-late-attach.sh: first of all, while no scenario has loaded cifs.ko yet: smbwatch starts
# before the module exists, says it waits, and attaches when modprobe loads it.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

# First: smbwatch starts before cifs.ko exists, waits, and attaches when it loads.
scenario_late_attach_core=1
scenario_late_attach() {
	local out=$SMBW_SCENARIO_OUT i
	smbw_samba_stop
	rmmod cifs 2>/dev/null
	[ -d /sys/module/cifs ] && { _fail "cannot unload cifs.ko for the test"; return 1; }
	"$SMBW_BIN" -e -f json -r "$out/events.rec" > "$out/smbwatch.json" 2> "$out/smbwatch.err" &
	echo $! > "$SMBW_STATE/smbwatch.pid"
	for i in $(seq 300); do
		grep -q 'hooks cifs: waiting for cifs.ko' "$out/smbwatch.err" && break
		sleep 0.1
	done
	grep -q 'hooks cifs: waiting for cifs.ko' "$out/smbwatch.err" ||
		{ _fail "smbwatch did not say it waits for cifs.ko"; return 1; }
	_samba "" "" || return 1
	for i in $(seq 600); do
		grep -q '^smbwatch: hooks cifs: [0-9]* attached' "$out/smbwatch.err" && break
		sleep 0.1
	done
	grep -q '^smbwatch: hooks cifs: [0-9]* attached' "$out/smbwatch.err" ||
		{ _fail "smbwatch did not attach after modprobe cifs"; return 1; }
	_mount //127.0.0.1/share "" "$SMBW_USER" wrong-password
	_watch_stop
	_expect_diagnosis bad-credentials '.nt_status=="0xc000006d"' || return 1
	_finish
}

