# 10-smbwatch.sh: every failure smbwatch must diagnose, provoked for real against cifs.ko and
# Samba in the guest (see tests/vm/smbwatch-lib.sh for what each scenario asserts).
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

scenario_success_core=1
scenario_success() {
	_samba "" "" && _watch_start || return 1
	_mount //127.0.0.1/share || { _watch_stop; _fail "the good mount failed"; return 1; }
	_watch_stop
	_expect_event smb_tree_connect_done '.rc==0 and (.unc|test("share$"))' || return 1
	_expect_event smb_negotiate_done '.rc==0 and .dialect!=""' || return 1
	_expect_event smb_session_setup_done '.rc==0 and .user=="smbtest"' || return 1
	[ "$(_count '.record=="diagnosis"')" = 0 ] ||
		{ _fail "diagnoses for a good mount: $(_json 'select(.record=="diagnosis") | .cause' | xargs)"; return 1; }
	_no_password_anywhere || return 1
	smbw_reason "no diagnosis, $(_count '.record=="event"') events"
}

scenario_wrong_password_core=1
scenario_wrong_password() {
	_samba "" "" && _watch_start || return 1
	_mount //127.0.0.1/share "" "$SMBW_USER" "wrong-$SMBW_PW"
	_watch_stop
	_expect_event smb_command_failed '.command=="SESSION_SETUP" and .nt_status=="0xc000006d"' || return 1
	_expect_diagnosis bad-credentials \
		'.phase=="session_setup" and .nt_status=="0xc000006d" and .user=="smbtest" and .errno==13' || return 1
	_finish
}

scenario_unknown_user() {
	_samba "" "" && _watch_start || return 1
	_mount //127.0.0.1/share "" nosuchuser "$SMBW_PW"
	_watch_stop
	_expect_diagnosis bad-credentials '.user=="nosuchuser" and .phase=="session_setup"' || return 1
	_finish
}

scenario_account_disabled() {
	_samba "" "" || return 1
	smbw_disable_user "$SMBW_USER" || { _fail "smbpasswd -d failed"; return 1; }
	_watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_expect_diagnosis account-restricted '.nt_status=="0xc0000072" and .user=="smbtest"' || return 1
	_finish
}

scenario_missing_share_core=1
scenario_missing_share() {
	_samba "" "" && _watch_start || return 1
	_mount //127.0.0.1/nosuchshare
	_watch_stop
	_expect_event smb_command_failed '.command=="TREE_CONNECT" and .nt_status=="0xc00000cc"' || return 1
	_expect_diagnosis bad-network-name \
		'.phase=="tree_connect" and .nt_status=="0xc00000cc" and .share=="\\\\127.0.0.1\\nosuchshare"' || return 1
	_finish
}

scenario_share_denied() {
	_samba "" "valid users = someoneelse" && _watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_expect_diagnosis share-access-denied \
		'.nt_status=="0xc0000022" and (.share|test("share$")) and .user=="smbtest"' || return 1
	_finish
}

scenario_min_smb3_vs_vers20() {
	_samba "server min protocol = SMB3" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=2.0
	_watch_stop
	_expect_diagnosis dialect-mismatch '.phase=="negotiate"' || return 1
	_finish
}

scenario_min_smb3_vs_vers10() {
	_samba "server min protocol = SMB3" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=1.0
	_watch_stop
	_expect_diagnosis dialect-mismatch '.phase=="negotiate"' || return 1
	_finish
}

scenario_encrypt_vs_vers21() {
	_samba "server smb encrypt = required" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=2.1
	_watch_stop
	_expect_diagnosis "$(_json -r 'select(.record=="diagnosis" and .ipc==false) | .cause' |
		grep -m1 -E '^(session|share)-encryption-required$' || echo session-encryption-required)" \
		'.dialect=="2.1"' || return 1
	_finish
}

scenario_refused_core=1
scenario_refused() {
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	_watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_expect_event tcp_reset_received '.remote_port==445 and .remote_addr=="127.0.0.1"' || return 1
	_expect_diagnosis connect-refused '.phase=="connect" and .errno==111 and .server_addr=="127.0.0.1"' || return 1
	_finish
}

scenario_negotiate_silent_timeout=180
scenario_negotiate_silent() {
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_fake_server silent 445 || { _fail "fake server did not start"; return 1; }
	_watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_expect_event tcp_state_change '.state=="ESTABLISHED" and .remote_port==445' || return 1
	_expect_diagnosis negotiate-no-response \
		'.phase=="negotiate" and .evidence.syn_answered and .evidence.reset_by=="none" and .evidence.elapsed_ms>=5000' || return 1
	_finish
}

scenario_negotiate_reset_core=1
scenario_negotiate_reset() {
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_fake_server reset 445 || { _fail "fake server did not start"; return 1; }
	_watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_expect_event tcp_reset_received '.remote_port==445' || return 1
	_expect_diagnosis negotiate-reset '.phase=="negotiate" and .evidence.reset_by=="server"' || return 1
	_finish
}

scenario_share_encrypt_vs_vers21() {
	_samba "" "smb encrypt = required" && _watch_start || return 1
	_mount //127.0.0.1/share vers=2.1
	_watch_stop
	_expect_diagnosis share-encryption-required \
		'.phase=="tree_connect" and .nt_status=="0xc0000022" and .dialect=="2.1"' || return 1
	_finish
}

# A mounted share whose server goes away: the client reconnects, again and again.
scenario_server_gone_reconnects_timeout=120
scenario_server_gone_reconnects() {
	local i
	_samba "" "" && _watch_start || return 1
	mkdir -p "$SMBW_MNT"
	timeout 60 mount -t cifs //127.0.0.1/share "$SMBW_MNT" \
		-o "username=$SMBW_USER,password=$SMBW_PW,echo_interval=1" ||
		{ _watch_stop; _fail "the mount failed"; return 1; }
	smbw_samba_stop
	for i in $(seq 8); do
		timeout 5 stat "$SMBW_MNT/hello.txt" > /dev/null 2>&1
		sleep 1
	done
	umount -f "$SMBW_MNT" 2>/dev/null || umount -l "$SMBW_MNT"
	_watch_stop
	_expect_event smb_reconnect '.host=="127.0.0.1"' || return 1
	[ "$(_count '.record=="diagnosis" and .cause=="reconnect" and .repeat==false')" = 1 ] ||
		{ _fail "expected one reconnect diagnosis (repeats folded), got: $(_json 'select(.record=="diagnosis") | .cause' | xargs)"; return 1; }
	[ "$(_count '.record=="diagnosis" and .cause!="reconnect" and .ipc==false')" = 0 ] ||
		{ _fail "other diagnoses besides reconnect: $(_json 'select(.record=="diagnosis") | .cause' | xargs)"; return 1; }
	_no_password_anywhere || return 1
	smbw_reason "$(_json -r 'select(.record=="diagnosis") | .message' | tr '\n' ' ')"
}

# The fallbacks: raw tracepoints and kprobe/kretprobe pairs instead of tp_btf and fexit (as on
# kernels without BPF trampolines), forced; the diagnosis must not change.
scenario_kprobe_fallback() {
	local err=$SMBW_SCENARIO_OUT/smbwatch.err
	_samba "" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount //127.0.0.1/share "" "$SMBW_USER" "wrong-$SMBW_PW"
	_watch_stop
	grep -q 'cifs_setup_session .*attached via kprobe' "$err" &&
		grep -q 'smb3_cmd_err .*attached via raw_tp' "$err" ||
		{ _fail "fallbacks not attached: $(grep -E 'cifs_setup_session|smb3_cmd_err' "$err" | tr -s ' ' | xargs)"; return 1; }
	_expect_diagnosis bad-credentials \
		'.phase=="session_setup" and .nt_status=="0xc000006d" and .user=="smbtest" and .evidence.lacked==""' || return 1
	_finish
}
