# 15-edge-causes.sh: failures that went undiagnosed or misdiagnosed in long runs, each provoked
# alone (the soak, 30-soak.sh, mixes them with everything else): a dialect the server's maximum
# does not reach, SMB1 signing against a server that cannot sign, a server that turns the client
# away before negotiate (hosts deny), and a server whose SYNs vanish (connect timeout).
# Same assertions as 10-smbwatch.sh: the evidence, exactly one diagnosis with its key fields, no
# password anywhere.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

# vers=3.1.1 against a server that stops at SMB 2.0.2: no dialect in common.
scenario_max_smb2_vs_vers311() {
	_samba "server max protocol = SMB2_02" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=3.1.1
	_watch_stop
	_expect_diagnosis dialect-mismatch \
		'.phase=="negotiate" and .server_addr=="127.0.0.1" and .user=="smbtest"' || return 1
	_finish
}

# SMB1 with signing required by the client (sign), and a server that has it disabled.
scenario_smb1_sign_vs_signing_disabled() {
	_samba "server min protocol = NT1
	server signing = disabled" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=1.0,sign
	_watch_stop
	_expect_diagnosis signing-failure \
		'.server_addr=="127.0.0.1" and (.phase=="negotiate" or .phase=="session_setup")' || return 1
	_finish
}

# smbd that refuses the client's address (hosts deny): it accepts the TCP connection and drops
# it before any SMB reply, as security software on a server does.  The server has an address of
# its own, so that the client's source address is that one too (and not 127.0.0.1, which smbd
# lets in unless the allow list says otherwise).
scenario_hosts_deny() {
	local addr=127.0.0.2
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_samba_start_at "$addr" "hosts deny = $addr" "[share]
	path = @SMBDIR@/share" || { _fail "smbd did not start on $addr"; return 1; }
	smbw_add_user_at "$addr" "$SMBW_USER" "$SMBW_PW" || { _fail "smbpasswd -a failed"; return 1; }
	_watch_start || return 1
	_mount "//$addr/share"
	_watch_stop
	_expect_event tcp_state_change ".state==\"ESTABLISHED\" and .remote_addr==\"$addr\" and .remote_port==445" || return 1
	_expect_diagnosis negotiate-reset ".phase==\"negotiate\" and .server_addr==\"$addr\"" || return 1
	_finish
}

# SYNs to the server vanish (dropped on the client's INPUT, so that retransmits are traced);
# two SYNs (tcp_syn_retries=1) and port=445 (no fallback to 139) make it fail in ~3 s.
scenario_connect_timeout() {
	local addr=127.0.0.2
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_blackhole "$addr" 445 || { _fail "cannot drop TCP to $addr:445 (iptables)"; return 1; }
	smbw_sysctl net.ipv4.tcp_syn_retries 1 || { _fail "cannot set tcp_syn_retries"; return 1; }
	_watch_start || return 1
	_mount "//$addr/share" port=445
	_watch_stop
	_expect_event tcp_retransmit ".remote_addr==\"$addr\" and .remote_port==445" || return 1
	_expect_diagnosis connect-timeout \
		".phase==\"connect\" and .server_addr==\"$addr\" and .server_port==445 and (.evidence.syn_answered|not)" || return 1
	_finish
}
