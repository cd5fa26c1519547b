# 20-service.sh: smbwatch as the systemd service it is meant to be, in a guest booted with
# systemd as PID 1 (scripts/vmtest.sh boots that way unless SMBW_VM_INIT=bash). Installs with
# make install into the guest's overlay root, starts the unit, provokes a failed mount and
# checks the journal entry, its fields and its catalog text; then stops the unit and checks
# that nothing is left attached.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

SVC_PW='pw-Svc7-never-in-the-journal'
BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7
STARTUP_ID=10c0c816d6fe44d3a501a2c15cbfea27

_svc_fail() {
	smbw_reason "$*"
	journalctl -u smbwatch --no-pager -n 30 > "$SMBW_SCENARIO_OUT/journal-unit.txt" 2>&1
	return 1
}

_our_programs() {
	bpftool prog show -j 2>/dev/null | jq '[.[] | select(.name // "" | test("^(tcp_|cifs_)"))] | length'
}

scenario_service_journal_core=1
scenario_service_journal() {
	local out=$SMBW_SCENARIO_OUT entry refs
	_service_install || return
	journalctl --update-catalog || { _svc_fail "journalctl --update-catalog failed"; return 1; }
	systemctl daemon-reload
	smbw_modprobe_cifs || { _svc_fail "modprobe cifs failed"; return 1; }
	refs=$(cat /sys/module/cifs/refcnt)
	# Type=notify: start returns once smbwatch said READY=1, i.e. its hooks are attached
	systemctl start smbwatch || { _svc_fail "systemctl start smbwatch failed"; return 1; }
	systemctl is-active -q smbwatch || { _svc_fail "smbwatch is not active"; return 1; }
	journalctl -o json -u smbwatch MESSAGE_ID=$STARTUP_ID > "$out/startup.json"
	jq -e -s 'map(select(.MESSAGE|test("hooks cifs: [0-9]+ attached"))) | length == 1' \
		"$out/startup.json" > /dev/null ||
		{ _svc_fail "no start-up entry saying the cifs hooks are attached"; return 1; }
	# every Kerberos hook too, with the unit's own privileges (6.1 refused the cgroup_skb
	# ones without CAP_NET_ADMIN, and the service saw no KDC answer)
	jq -e -s 'map(select(.MESSAGE|test("hooks kdc: [0-9]+ attached, 0 failed"))) | length == 1' \
		"$out/startup.json" > /dev/null ||
		{ _svc_fail "a Kerberos hook failed under the unit: $(jq -r -s 'map(.MESSAGE)|join(" ")' "$out/startup.json" | grep -o 'hooks kdc.*' | head -c 400)"; return 1; }

	smbw_samba_start "" "[share]
	path = @SMBDIR@/share" || { _svc_fail "smbd did not start"; return 1; }
	smbw_add_user smbtest "$SVC_PW" || { _svc_fail "smbpasswd failed"; return 1; }
	smbw_mount //127.0.0.1/share "username=smbtest,password=wrong-$SVC_PW"
	sleep 3 # the diagnosis is written as soon as the session setup fails; let journald catch up
	journalctl --sync 2>/dev/null
	journalctl -o json -u smbwatch MESSAGE_ID=$BAD_CREDS_ID > "$out/diagnosis.json"
	entry=$(jq -c -s 'map(select(.SMB_CAUSE=="bad-credentials" and .SMB_PHASE=="session_setup"
		and .SMB_SERVER=="127.0.0.1" and .SMB_SERVER_ADDR=="127.0.0.1:445"
		and .SMB_SHARE=="\\\\127.0.0.1\\share" and .SMB_USER=="smbtest"
		and .NT_STATUS=="0xc000006d" and .NT_STATUS_NAME=="STATUS_LOGON_FAILURE"
		and .SMB_ERRNO=="13" and .PRIORITY=="3" and .SMB_COMM=="mount.cifs"
		and (.SMB_DIALECT|length) > 0 and (.SMB_ELAPSED_MS|length) > 0)) | length' "$out/diagnosis.json")
	[ "$entry" = 1 ] || { _svc_fail "expected one bad-credentials entry with its fields, got $entry: $(head -c 600 "$out/diagnosis.json")"; return 1; }
	journalctl -x --no-pager -u smbwatch MESSAGE_ID=$BAD_CREDS_ID > "$out/journal-x.txt"
	grep -q 'Subject: SMB session_setup failure bad-credentials: 127.0.0.1' "$out/journal-x.txt" &&
		grep -q 'What to do: Check the user, domain and password' "$out/journal-x.txt" ||
		{ _svc_fail "journalctl -x does not show the catalog text"; return 1; }
	journalctl -o json --no-pager > "$out/journal-all.json"
	if grep -a -q -F -- "$SVC_PW" "$out/journal-all.json"; then
		_svc_fail "the password appears in the journal"
		return 1
	fi
	systemd-analyze security smbwatch.service --no-pager > "$out/security.txt" 2>&1
	grep -o 'Overall exposure level.*' "$out/security.txt" > "$out/exposure.txt"

	systemctl stop smbwatch
	systemctl is-active -q smbwatch && { _svc_fail "smbwatch still active after stop"; return 1; }
	sleep 1
	[ "$(_our_programs)" = 0 ] || { _svc_fail "BPF programs left after stop: $(_our_programs)"; return 1; }
	# fexit and tp_btf links hold references on cifs.ko: all must be gone
	[ "$(cat /sys/module/cifs/refcnt)" = "$refs" ] ||
		{ _svc_fail "cifs.ko refcnt $(cat /sys/module/cifs/refcnt) after stop, $refs before start"; return 1; }
	smbw_reason "journal entry and catalog ok, nothing left attached; $(cat "$out/exposure.txt")"
}
