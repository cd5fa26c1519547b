# shellcheck shell=bash disable=SC2034 # scenario_*_timeout: read by run-scenarios.sh
# 50-faulty-server.sh: servers that sign wrongly, refuse a session that smbd would grant, refuse
# guests, or disagree with the client about signing.  A real smbd answers; where it cannot
# misbehave by configuration alone, tests/vm/faulty-proxy.c stands in front of it (smbd on
# 127.0.0.2, the proxy on 127.0.0.1 where the client mounts) and alters its answers.
# Each scenario: smbwatch recording (events.rec, next to the result: a fixture to be), one
# mount, exactly one diagnosis with its cause, evidence and hint, no password anywhere.
# observed.txt in the result dir says what the mount returned, what smbwatch concluded, what
# the kernel's events and log showed and what the proxy changed (faulty-proxy.log).
#
# What cifs does with signatures that do not verify (6.1, 6.12, 7.2): smb2_check_receive logs
# "SMB signature verification returned error = -13" and goes on with the answer (it returns
# the status's errno, not the signature's), and smb2_verify_signature does not look at
# NEGOTIATE and SESSION_SETUP answers at all.  A server that signs wrongly therefore fails no
# mount: the share mounts, every signed answer after the session setup is a bad signature.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"
. "$SMBW_REPO/tests/vm/proxy-lib.sh"

FAULTY_SERVER=127.0.0.2	# smbd
FAULTY_PROXY=127.0.0.1	# the proxy, where the client mounts

# _faulty GLOBAL_EXTRA PROXY_OPTION...: smbd with [share] and the test user on FAULTY_SERVER,
# the proxy with those options in front of it.
_faulty() {
	local global=$1
	shift
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_samba_start_at "$FAULTY_SERVER" "$global" "[share]
	path = @SMBDIR@/share
	read only = no" || { _fail "smbd did not start on $FAULTY_SERVER"; return 1; }
	smbw_add_user_at "$FAULTY_SERVER" "$SMBW_USER" "$SMBW_PW" ||
		{ _fail "smbpasswd -a failed"; return 1; }
	smbw_proxy_start "$FAULTY_PROXY" "$FAULTY_SERVER" "$@" ||
		{ _fail "faulty-proxy did not start"; return 1; }
}

_dmesg_mark() { dmesg | wc -l > "$SMBW_STATE/dmesg.mark"; }

# _mount_seen UNC OPTS: smbw_mount with exactly these options; its output in mount.out.
_mount_seen() {
	local out
	_dmesg_mark
	out=$(smbw_mount "$1" "$2")
	echo "$out" | tee "$SMBW_SCENARIO_OUT/mount.out"
}

# _mount_direct UNC OPTS: the same with mount(2) alone (mount -i): mount.cifs fills in a user
# of its own ($USER, else root) for an empty user=, the kernel takes an empty username= for
# anonymous (nullauth).  (user= would not even reach the kernel: mount(8) keeps it; -w: no
# second try read-only after EACCES.)
_mount_direct() {
	local out t0 rc
	_dmesg_mark
	mkdir -p "$SMBW_MNT"
	t0=$(_smbw_now)
	out=$(timeout -k 5 "$SMBW_MOUNT_TIMEOUT" mount -i -w -t cifs "$1" "$SMBW_MNT" -o "$2" 2>&1)
	rc=$?
	printf '%s\nMOUNT rc=%s elapsed=%s\n' "$out" "$rc" "$(_smbw_since "$t0")" |
		tee "$SMBW_SCENARIO_OUT/mount.out"
	[ "$rc" = 0 ] && { umount "$SMBW_MNT" || umount -l "$SMBW_MNT"; }
	return 0
}

_creds() { echo "username=$SMBW_USER,password=$SMBW_PW${1:+,$1}"; }

# What happened, for the report and for whoever turns the recording into a fixture.
_observed() {
	{
		echo "mount: $(grep -v '^Refer to' "$SMBW_SCENARIO_OUT/mount.out" | xargs)"
		echo "diagnoses (cause phase nt_status errno signature_failures client_signing server_signing ipc count repeat share):"
		_json -r 'select(.record=="diagnosis") | [.cause, .phase, .nt_status, .errno,
			(.evidence.signature_failures // 0), (.evidence.client_signing // "-"),
			(.evidence.server_signing // "-"), .ipc, .count, .repeat, .share] | @tsv'
		_json -r 'select(.record=="diagnosis" and .ipc==false and (.repeat|not)) |
			"first diagnosis: \(.message)\n  evidence: \(.evidence | tojson)\n  hint: \(.hint)"'
		echo "smb_signature_bad events: $(_count '.record=="event" and .event=="smb_signature_bad"')"
		echo "phase events:"
		_json -r 'select(.record=="event" and (.event | test("^smb_(negotiate|session_setup|tree_connect)_done$|^smb_command_failed$|^smb_signature_bad$|^smb_auth_sent$")))
			| "  \(.event) rc=\(.rc) nt=\(.nt_status // "-") cmd=\(.command // "-")" +
			  " dialect=\(.dialect // "-") client_signing=\(.client_signing // "-")" +
			  " server_signing=\(.server_signing // "-") sign_refused=\(.sign_refused // "-")" +
			  " user=\(.user // .sent_user // "-") anonymous=\(.anonymous // "-")"' | head -40
		if [ -e "$SMBW_SCENARIO_OUT/faulty-proxy.log" ]; then
			echo "proxy: $(smbw_proxy_count conns) connections, $(smbw_proxy_count corrupted) signatures corrupted, $(smbw_proxy_count rewritten) rewritten"
		fi
		local dir
		for dir in "$SMBW_STATE"/samba.d/*; do
			[ -e "$dir" ] || continue
			grep -h -i -A1 'signature' "$(cat "$dir")"/log.* 2>/dev/null | tail -n 4 |
				sed "s|^|smbd ${dir##*/}: |"
		done
		echo "dmesg (from the mount on):"
		dmesg | tail -n +"$(($(cat "$SMBW_STATE/dmesg.mark" 2>/dev/null || echo 0) + 1))" |
			grep -v 'No dialect specified' | head -n 16
	} > "$SMBW_SCENARIO_OUT/observed.txt" 2>&1
	cat "$SMBW_SCENARIO_OUT/observed.txt"
}

# _hint_has REGEX: the mount's diagnosis says what to do, in these words.
_hint_has() {
	[ "$(_count ".record==\"diagnosis\" and .ipc==false and (.hint | test(\"$1\"; \"i\"))")" -ge 1 ] ||
		_fail "the hint does not match /$1/: $(_json -r 'select(.record=="diagnosis") | .hint' | head -1)"
}

# _conclude CAUSE JQ-CONDITION [HINT-REGEX]: no password anywhere (checked first, whatever the
# diagnosis), exactly one diagnosis, this one, its hint in these words.
_conclude() {
	_no_password_anywhere || return 1
	_expect_diagnosis "$1" "$2" || return 1
	[ -z "${3:-}" ] || _hint_has "$3" || return 1
	_finish
}

# SecurityFlags without MAY_SIGN (0x1) until the scenario ends: the client may not sign.
_client_no_signing() {
	local f=/proc/fs/cifs/SecurityFlags old
	[ -w "$f" ] || { smbw_reason "no $f"; return 77; }
	old=$(cat "$f")
	# shellcheck disable=SC2064 # the value now, not when the trap runs
	trap "echo '$old' > $f" EXIT
	printf '0x%x\n' $((old & ~1)) > "$f" || { _fail "cannot clear MAY_SIGN in $f"; return 1; }
	smbw_log "SecurityFlags $old -> $(cat "$f")"
}

# --- signatures that do not verify ---------------------------------------------------------
#
# The mount stands (see the top): smbwatch reports the mounted share's bad signatures, once,
# and folds the repeats into summaries (.repeat).  Asserted: one first diagnosis, signing-failure
# with the smb2_verify_signature failures counted; repeats only of it.
_expect_signature_diagnosis() {
	local all n
	all=$(_json -r 'select(.record=="diagnosis" and .ipc==false) |
		.cause + (if .repeat then "(repeat)" else "" end)' | xargs)
	n=$(_count '.record=="diagnosis" and .ipc==false and (.repeat | not)')
	[ "$n" = 1 ] || { _fail "expected one diagnosis signing-failure (repeats aside), got $n: ${all:-none}"; return 1; }
	[ "$(_count '.record=="diagnosis" and .ipc==false and .cause!="signing-failure"')" = 0 ] ||
		{ _fail "a cause other than signing-failure: $all"; return 1; }
	[ "$(_count ".record==\"diagnosis\" and .ipc==false and (.repeat | not) and .evidence.signature_failures >= 1 and ($1)")" = 1 ] ||
		_fail "signing-failure, but not with signature_failures >= 1 and $1: $(_json 'select(.record=="diagnosis" and (.repeat | not))' | head -1)"
}

_conclude_signatures() { # JQ-CONDITION
	_no_password_anywhere || return 1
	_expect_event smb_signature_bad '.rc==-13' || return 1
	_expect_signature_diagnosis "$1" || return 1
	_hint_has 'signing' || return 1
	_finish
}

# Every signed answer of the server with a wrong signature, the final SESSION_SETUP's included,
# the client asking to sign (sign).  Meant to fail at session setup: cifs does not check that
# one, so the first bad signature it sees is the IPC$ TREE_CONNECT's, and the mount stands.
scenario_faulty_sign_corrupt_all_timeout=120
scenario_faulty_sign_corrupt_all() {
	_faulty "" --corrupt-signatures && _watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.1.1,sign)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude_signatures ".server_addr==\"$FAULTY_PROXY\" and .evidence.client_signing==\"wanted\""
}

# Only the TREE_CONNECT answers signed wrongly (IPC$ and the share): the tree connect phase.
# Both bad signatures come before the mount stands, none after.
scenario_faulty_sign_corrupt_tcon_timeout=120
scenario_faulty_sign_corrupt_tcon_core=1
scenario_faulty_sign_corrupt_tcon() {
	_faulty "" --corrupt-signatures --command tree_connect && _watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.1.1,sign)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude_signatures ".server_addr==\"$FAULTY_PROXY\" and .evidence.client_signing==\"wanted\""
}

# The server requires signing (server signing = mandatory), the client has no sign option;
# every signed answer after the session is up is signed wrongly.
scenario_faulty_mandatory_corrupt_timeout=120
scenario_faulty_mandatory_corrupt() {
	_faulty "server signing = mandatory" --corrupt-signatures --after-session &&
		_watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.1.1)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude_signatures ".server_addr==\"$FAULTY_PROXY\" and .evidence.server_signing==\"required\""
}

# A server that cannot verify the client's signatures: the proxy corrupts the signature of every
# signed request.  smbd answers those with ACCESS_DENIED (MS-SMB2 3.3.5.2.4; its log: "Bad SMB2
# signature"); with SMB 3.1.1 the first signed requests are the tree connects (IPC$, then the
# share): the mount fails at tree connect, for a signing failure, for real.
scenario_faulty_sign_request_rejected_timeout=120
scenario_faulty_sign_request_rejected() {
	_faulty "" --corrupt-request-signatures && _watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.1.1,sign)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude signing-failure \
		'.phase=="tree_connect" and .nt_status=="0xc0000022" and .evidence.client_signing=="wanted"' 'signing'
}

# --- a session the server refuses ----------------------------------------------------------
#
# SMB 3.1.1, the final SESSION_SETUP answered ACCESS_DENIED: what a Windows server with
# SmbServerNameHardeningLevel says to a client that names it by a name it does not own.
scenario_faulty_session_denied_311_timeout=120
scenario_faulty_session_denied_311_core=1
scenario_faulty_session_denied_311() {
	_faulty "" --session-status 0xC0000022 && _watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.1.1)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude session-access-denied \
		'.phase=="session_setup" and .nt_status=="0xc0000022" and .dialect=="3.1.1"' 'name hardening|SmbServerNameHardeningLevel'
}

# --- guests refused ------------------------------------------------------------------------
#
# The cause: guest-refused, a guest or anonymous session the server refused; give credentials.
# smbd that lets no guest in (map to guest = never) and no anonymous user near IPC$ (restrict
# anonymous = 2) accepts the anonymous session setup itself and refuses its tree connects
# (ACCESS_DENIED, IPC$ and the share): the refusal comes at tree connect.
_samba_no_guests() {
	_samba "map to guest = never
	restrict anonymous = 2${1:+
	$1}" ""
}

_conclude_guest_refused() {
	_no_password_anywhere || return 1
	_expect_event smb_auth_sent '.anonymous==true and .sent_user==""' || return 1
	_expect_diagnosis guest-refused '.server_addr=="127.0.0.1"' || return 1
	_hint_has 'credentials|username' || return 1
	_finish
}

# mount.cifs guest: no user, no password prompt; NTLMSSP anonymous.
scenario_faulty_guest_refused_timeout=120
scenario_faulty_guest_refused() {
	_samba_no_guests && _watch_start || return 1
	_mount_seen //127.0.0.1/share guest
	_watch_stop
	_observed
	_conclude_guest_refused
}

# An empty user and password, straight to the kernel (nullauth).
scenario_faulty_anonymous_refused_timeout=120
scenario_faulty_anonymous_refused() {
	_samba_no_guests && _watch_start || return 1
	_mount_direct //127.0.0.1/share "username=,password="
	_watch_stop
	_observed
	_conclude_guest_refused
}

# A server that turns the anonymous session itself away: smbd with server smb encrypt =
# required refuses guest and anonymous sessions at session setup ("reject guest session as
# encryption is required": ACCESS_DENIED), whatever the client could encrypt.
scenario_faulty_guest_refused_session_timeout=120
scenario_faulty_guest_refused_session() {
	_samba_no_guests "server smb encrypt = required" && _watch_start || return 1
	_mount_seen //127.0.0.1/share guest,vers=3.1.1
	_watch_stop
	_observed
	_conclude_guest_refused
}

# --- client and server disagree about signing ----------------------------------------------
#
# (SMB1 with sign against a server with signing disabled: 15-edge-causes.sh.)

# SMB3: the server requires signing, the client may not sign (SecurityFlags without MAY_SIGN):
# "Server requires signing, but it's disabled in SecurityFlags!" at negotiate (-EOPNOTSUPP).
scenario_faulty_mandatory_vs_client_nosign_timeout=120
scenario_faulty_mandatory_vs_client_nosign() {
	local rc
	_samba "server signing = mandatory" "" || return 1
	_client_no_signing
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	_watch_start || return 1
	_mount_seen //127.0.0.1/share "$(_creds vers=3.1.1)"
	_watch_stop
	_observed
	_conclude signing-failure \
		'.phase=="negotiate" and .evidence.client_signing=="disabled" and .evidence.server_signing=="required"' 'signing'
}

# The same over SMB1 (NT1).
scenario_faulty_smb1_mandatory_vs_client_nosign_timeout=120
scenario_faulty_smb1_mandatory_vs_client_nosign() {
	local rc
	_samba "server min protocol = NT1
	server signing = mandatory" "" || return 1
	_client_no_signing
	rc=$?
	[ "$rc" = 0 ] || return "$rc"
	_watch_start || return 1
	_mount_seen //127.0.0.1/share "$(_creds vers=1.0)"
	_watch_stop
	_observed
	_conclude signing-failure \
		'(.phase=="negotiate" or .phase=="session_setup") and .evidence.client_signing=="disabled" and .evidence.server_signing=="required"' 'signing'
}

# SMB3: the client asks to sign (sign) and smbd has server signing = disabled.  That setting is
# SMB1's: an SMB2 server always offers signing (MS-SMB2 2.2.4: SIGNING_ENABLED is set), so this
# mounts, signed, and there is nothing to diagnose.
scenario_faulty_sign_vs_signing_disabled_smb3_timeout=120
scenario_faulty_sign_vs_signing_disabled_smb3() {
	_samba "server signing = disabled" "" && _watch_start || return 1
	_mount_seen //127.0.0.1/share "$(_creds vers=3.1.1,sign)"
	_watch_stop
	_observed
	grep -q '^MOUNT rc=0 ' "$SMBW_SCENARIO_OUT/mount.out" ||
		{ _fail "the signed mount failed: $(grep -h '^mount error' "$SMBW_SCENARIO_OUT/mount.out")"; return 1; }
	[ "$(_count '.record=="diagnosis"')" = 0 ] ||
		{ _fail "a diagnosis for a mount that worked: $(_json -r 'select(.record=="diagnosis") | .cause' | xargs)"; return 1; }
	_expect_event smb_negotiate_done '.rc==0 and .server_signing=="enabled"' || return 1
	_no_password_anywhere || return 1
	smbw_reason "mounted signed: SMB2 signing is always enabled on the server"
}

# SMB3 against a server that does not offer signing at all (the proxy clears SecurityMode of the
# NEGOTIATE answer, as a device that cannot sign would send it), the client asking to sign:
# "Server does not support signing!" at negotiate (-EOPNOTSUPP).  vers=3.0: 3.1.1 would also
# see the altered negotiate in its preauth hash.
scenario_faulty_sign_vs_server_nosign_timeout=120
scenario_faulty_sign_vs_server_nosign() {
	_faulty "" --negotiate-secmode 0 && _watch_start || return 1
	_mount_seen "//$FAULTY_PROXY/share" "$(_creds vers=3.0,sign)"
	_watch_stop
	smbw_proxy_stop
	_observed
	_conclude signing-failure \
		'.phase=="negotiate" and .evidence.client_signing=="wanted" and .evidence.server_signing=="disabled"' 'signing'
}
