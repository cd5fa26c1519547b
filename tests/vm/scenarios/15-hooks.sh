# shellcheck shell=bash
# 15-hooks.sh: the kernel side's own evidence, hook by hook, on the preferred programs (fexit,
# tp_btf) and on the forced fallbacks (kprobe pairs, raw_tp), which must give the same events:
#   - every hook attaches (smbwatch -v lists them), either way;
#   - nested hooked calls in one thread keep their own kprobe stash (a signed mount: every
#     response of the mount's thread passes smb2_verify_signature under the phase's function);
#   - signing at negotiate: both sides' modes and the client's refusal, SMB1 and SMB2;
#   - the end of a connection (smb_server_released);
#   - a server that turns the client away before negotiating (smb_session_refused).
# Events first; where a scenario's mount fails, the one diagnosis is checked too where the
# cause is settled (bad credentials), else left to 15-edge-causes.sh.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

# _hooks_err: this scenario's smbwatch -v hook list
_hooks_err() { cat "$SMBW_SCENARIO_OUT/smbwatch.err"; }

# _attached TARGET VIA: smbwatch -v says the hook on TARGET is attached via VIA (a regex)
_attached() {
	grep -qE "^smbwatch:   $1 +attached via ($2)\$" "$SMBW_SCENARIO_OUT/smbwatch.err" ||
		_fail "$1 not attached via $2: $(grep -E "^smbwatch:   $1 " "$SMBW_SCENARIO_OUT/smbwatch.err" | tr -s ' ' | xargs)"
}

# _no_diagnosis: a good mount yields none
_no_diagnosis() {
	[ "$(_count '.record=="diagnosis"')" = 0 ] ||
		_fail "diagnoses for a good mount: $(_json 'select(.record=="diagnosis") | .cause' | xargs)"
}

# smb_recv_kvec (7.x) is where the kernel reads a refusal's code
_kernel_reads_refusal_code() { grep -qw smb_recv_kvec /proc/kallsyms; }

# Every hook attaches: the list, the counts, and what each new hook went through.
_all_attached() { # MODE: "" (preferred) or fallback
	local fn=fexit fe=fentry pair='fentry\+fexit' tp=tp_btf
	if [ "$1" = fallback ]; then
		fn=kprobe fe=kprobe pair=kprobe tp=raw_tp
	fi
	grep -qE '^smbwatch: hooks cifs: [0-9]+ attached, 0 failed, 0 missing$' "$SMBW_SCENARIO_OUT/smbwatch.err" ||
		{ _fail "cifs hooks: $(grep '^smbwatch: hooks cifs' "$SMBW_SCENARIO_OUT/smbwatch.err")"; return 1; }
	grep -qE '^smbwatch: hooks tcp: [0-9]+ attached, 0 failed, 0 missing$' "$SMBW_SCENARIO_OUT/smbwatch.err" ||
		{ _fail "tcp hooks: $(grep '^smbwatch: hooks tcp' "$SMBW_SCENARIO_OUT/smbwatch.err")"; return 1; }
	if grep -qE '^smbwatch:   .*(FAILED|absent$)' "$SMBW_SCENARIO_OUT/smbwatch.err"; then
		_fail "not attached: $(grep -E '^smbwatch:   .*(FAILED|absent$)' "$SMBW_SCENARIO_OUT/smbwatch.err" | tr -s ' ' | xargs)"
		return 1
	fi
	_attached cifs_negotiate_protocol "$fn" && _attached cifs_enable_signing "$fn" &&
		_attached cifs_setup_session "$fn" && _attached smb2_verify_signature "$fn" &&
		_attached cifs_read_from_socket "$fn" && _attached cifs_put_tcp_session "$fe" &&
		_attached smb3_cmd_err "$tp" && _attached inet_sock_set_state "$tp" || return 1
	if _kernel_reads_refusal_code; then
		_attached smb_recv_kvec "$pair" || return 1
	fi
}

# The verifier's work too, program by program (SMBWATCH_VERIFIER_STATS=1): a count, not a
# time. The session-setup program once took 54,000-63,000 instructions (the KRB-ERROR scan
# checked what follows once per possible position), most of the agent's start-up.
VERIFIED_MAX=20000
scenario_hooks_all_attached_core=1
scenario_hooks_all_attached() {
	local worst
	_samba "" "" && SMBWATCH_VERIFIER_STATS=1 _watch_start || return 1
	_watch_stop
	_all_attached "" || return 1
	worst=$(sed -nE 's/^smbwatch: verifier: ([a-z0-9_]+) +processed ([0-9]+) insns.*/\2 \1/p' \
		"$SMBW_SCENARIO_OUT/smbwatch.err" | sort -rn | head -1)
	[ -n "$worst" ] || { _fail "no verifier statistics in smbwatch.err"; return 1; }
	[ "${worst%% *}" -le "$VERIFIED_MAX" ] ||
		{ _fail "${worst#* } took ${worst%% *} verified instructions (at most $VERIFIED_MAX)"; return 1; }
	smbw_reason "$(grep '^smbwatch: hooks cifs' "$SMBW_SCENARIO_OUT/smbwatch.err" | sed 's/^smbwatch: //'); most verified: ${worst#* } ${worst%% *}"
}

scenario_hooks_all_attached_fallback() {
	_samba "" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_watch_stop
	_all_attached fallback || return 1
	smbw_reason "$(grep '^smbwatch: hooks cifs' "$SMBW_SCENARIO_OUT/smbwatch.err" | sed 's/^smbwatch: //')"
}

# A signed mount that works, on the kprobe fallback: each phase's kretprobe must find its own
# arguments although smb2_verify_signature's kprobe ran in between (in the same thread), and the
# connection's end must show once the share is unmounted.
scenario_hooks_signed_mount_fallback_core=1
scenario_hooks_signed_mount_fallback() {
	_samba "" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount //127.0.0.1/share sign || { _watch_stop; _fail "the signed mount failed"; return 1; }
	_watch_stop
	_attached cifs_setup_session kprobe && _attached smb2_verify_signature kprobe || return 1
	# the phases' own events first: these are what a shared stash lost
	_expect_event smb_negotiate_done '.rc==0' || return 1
	_expect_event smb_session_setup_done '.rc==0 and .user=="smbtest"' || return 1
	_expect_event smb_tree_connect_done '.rc==0 and (.unc|test("share$"))' || return 1
	_no_diagnosis || return 1
	_expect_event smb_negotiate_done '.rc==0 and .sign_wanted and .server_signing=="enabled" and .sign_refused==false' || return 1
	_expect_event smb_server_released '.host=="127.0.0.1" and .server_port==445 and .conn_id>0' || return 1
	_no_password_anywhere || return 1
	smbw_reason "no diagnosis; negotiate, session setup, tree connect and release seen via kprobes"
}

# The same with a wrong password against a server that requires signing: the session setup
# event is there (it was lost before the stash was keyed by hook), and the diagnosis is right.
scenario_hooks_signed_bad_password_fallback_core=1
scenario_hooks_signed_bad_password_fallback() {
	_samba "server signing = mandatory" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount //127.0.0.1/share "" "$SMBW_USER" "wrong-$SMBW_PW"
	_watch_stop
	_attached cifs_setup_session kprobe || return 1
	_expect_event smb_session_setup_done '.rc==-13 and .user=="smbtest"' || return 1
	_expect_diagnosis bad-credentials \
		'.phase=="session_setup" and .nt_status=="0xc000006d" and .user=="smbtest"' || return 1
	_expect_event smb_negotiate_done '.rc==0 and .server_signing=="required" and .sign_refused==false' || return 1
	_finish
}

# The connection's end after a good mount (fentry), on the same server as its negotiate.
scenario_hooks_server_released_core=1
scenario_hooks_server_released() {
	local srv
	_samba "" "" && _watch_start || return 1
	_mount //127.0.0.1/share || { _watch_stop; _fail "the good mount failed"; return 1; }
	_watch_stop
	srv=$(_json -r 'select(.event=="smb_negotiate_done" and .rc==0) | .server' | head -1)
	[ -n "$srv" ] || { _fail "no negotiate event"; return 1; }
	_expect_event smb_server_released ".server==\"$srv\" and .host==\"127.0.0.1\" and .server_addr==\"127.0.0.1\" and .from_reconnect==false" || return 1
	[ "$(_count '.event=="smb_server_released"')" = 1 ] ||
		{ _fail "expected one release, got $(_count '.event=="smb_server_released"')"; return 1; }
	# released after the share was mounted and unmounted, not before
	[ "$(_json -r 'select(.event=="smb_tree_connect_done" or .event=="smb_server_released") | .event' | tail -1)" = smb_server_released ] ||
		{ _fail "the release is not the last of the connection's events"; return 1; }
	_no_diagnosis || return 1
	_no_password_anywhere || return 1
	smbw_reason "released $srv after umount"
}

# SMB1 with signing required by the mount against a server that cannot sign: the client
# refuses at negotiate ("Server does not support signing!", -EOPNOTSUPP).
_smb1_sign_refused() {
	_expect_event smb_negotiate_done \
		'.rc==-95 and .smb1 and .sign_wanted and .client_signing=="wanted" and .server_signing=="disabled" and .sign_refused' || return 1
	_no_password_anywhere || return 1
	smbw_reason "$(_json -c 'select(.event=="smb_negotiate_done") | {rc, smb1, client_signing, server_signing, sign_refused}' | head -1)"
}

scenario_hooks_smb1_sign_refused_core=1
scenario_hooks_smb1_sign_refused() {
	_samba "server min protocol = NT1
	server signing = disabled" "" && _watch_start || return 1
	_mount //127.0.0.1/share vers=1.0,sign
	_watch_stop
	_smb1_sign_refused
}

scenario_hooks_smb1_sign_refused_fallback() {
	_samba "server min protocol = NT1
	server signing = disabled" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount //127.0.0.1/share vers=1.0,sign
	_watch_stop
	_attached cifs_enable_signing kprobe || return 1
	_smb1_sign_refused
}

# The server requires signing and the client may not sign (SecurityFlags without MAY_SIGN):
# "Server requires signing, but it's disabled in SecurityFlags!" (-EOPNOTSUPP).
scenario_hooks_client_signing_disabled_core=1
scenario_hooks_client_signing_disabled() {
	local f=/proc/fs/cifs/SecurityFlags old rc=0
	_samba "server signing = mandatory" "" || return 1
	[ -w "$f" ] || { smbw_reason "no $f"; return 77; }
	old=$(cat "$f")
	# put it back whatever happens: the scenarios after this one sign by default
	# shellcheck disable=SC2064 # the value now, not when the trap runs
	trap "echo '$old' > $f" EXIT
	printf '0x%x\n' $((old & ~1)) > "$f" || { _fail "cannot clear MAY_SIGN in $f"; return 1; }
	_watch_start || rc=1
	[ "$rc" = 0 ] && _mount //127.0.0.1/share
	_watch_stop
	echo "$old" > "$f"
	[ "$rc" = 0 ] || return 1
	_expect_event smb_negotiate_done \
		'.rc==-95 and .sign_wanted==false and .client_signing=="disabled" and .server_signing=="required" and .sign_refused' || return 1
	_no_password_anywhere || return 1
	smbw_reason "$(_json -c 'select(.event=="smb_negotiate_done") | {rc, client_signing, server_signing, sign_refused}' | head -1)"
}

# smbd turns the client away (hosts deny): a negative session response instead of an SMB
# answer. 6.1 and 6.12 read its header only (code 0, then a reconnect and -EHOSTDOWN); 7.x
# retries with a NetBIOS session request, reads the code (0x81) and fails with -EACCES.
_session_refused() {
	_expect_event smb_session_refused '.host=="127.0.0.1" and .server_port==445 and .comm=="cifsd"' || return 1
	if _kernel_reads_refusal_code; then
		_expect_event smb_session_refused '.refusal_code=="0x81" and .refusal=="not listening for calling name"' || return 1
		_expect_event smb_negotiate_done '.rc==-13' || return 1
	else
		[ "$(_count '.event=="smb_session_refused" and .refusal_code!=null')" = 0 ] ||
			{ _fail "a refusal code where the kernel reads none"; return 1; }
	fi
	_no_password_anywhere || return 1
	smbw_reason "$(_json -c 'select(.event=="smb_session_refused") | {comm, refusal_code}' | tr '\n' ' ')"
}

scenario_hooks_session_refused_core=1
scenario_hooks_session_refused() {
	_samba "hosts deny = 127.0.0.1" "" && _watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_session_refused
}

scenario_hooks_session_refused_fallback() {
	_samba "hosts deny = 127.0.0.1" "" || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount //127.0.0.1/share
	_watch_stop
	_attached cifs_read_from_socket kprobe || return 1
	_session_refused
}
