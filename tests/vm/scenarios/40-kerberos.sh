# 40-kerberos.sh: sec=krb5 mounts against a real MIT realm in the guest (krb5kdc on
# 127.0.0.1:88, UDP and TCP) and smbd accepting its tickets with a dedicated keytab (the
# Kerberos section of scripts/vm/guest-lib.sh).  Each scenario provokes one Kerberos failure for
# real, through the kernel's upcall (request-key -> cifs.upcall, reading /etc/krb5.conf and
# root's cache /tmp/krb5cc_0), and checks in two steps:
#   1. the provocation itself: the mount error and what the KDC logged (reason "provocation: ...")
#   2. smbwatch: exactly one diagnosis, its cause and its .evidence.kerberos (none for a
#      success), and that no password, no key and no ticket of the realm shows up in its outputs,
#      its recording (events.rec, kept as a fixture) or the journal.
# SMBW_KRB_PROVOKE_ONLY=1 (scripts/vmtest.sh SMBW_KRB_PROVOKE_ONLY=1 krb_...) stops after step 1
# and the secrets check: the test bed alone, with whatever smbwatch is built.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

SMBW_KRB_PROVOKE_ONLY=${SMBW_KRB_PROVOKE_ONLY:-0}
KRB_UNC=//$SMBW_KRB_HOST/share
KRB_ALIAS_UNC=//$SMBW_KRB_ALIAS/share

_krb_setup() { # [KDC_ARGS...]: the realm, its KDC, smbd with the keytab
	smbw_realm_start "$@" || { _fail "setup: the realm or its KDC did not start"; return 1; }
	_samba_krb "" ""
}

_krb_kinit() {
	smbw_kinit || { _fail "setup: kinit -k failed"; return 1; }
}

# _krb_mount_error N: the mount ended as the case means (mount error N; 0: mounted).
_krb_mount_error() {
	[ "$MOUNT_ERR" = "$1" ] ||
		{ _fail "provocation: mount error ${MOUNT_ERR:-?} after ${MOUNT_S:-?} s, expected $1"; return 1; }
	PROVOKED="mount error $MOUNT_ERR in ${MOUNT_S}s"
}

# _kdc_log REGEX [WHAT]: the KDC logged it (grep -E on its log).
_kdc_log() {
	grep -q -E -- "$1" "$(smbw_krb_dir)/kdc.log" ||
		{ _fail "provocation: the KDC did not log ${2:-$1}"; return 1; }
	[ -z "${2:-}" ] || PROVOKED="$PROVOKED; KDC: $2"
}

# _kdc_log_none REGEX WHAT: the KDC logged no such line.
_kdc_log_none() {
	! grep -q -E -- "$1" "$(smbw_krb_dir)/kdc.log" ||
		{ _fail "provocation: the KDC logged $2: $(grep -m1 -E -- "$1" "$(smbw_krb_dir)/kdc.log")"; return 1; }
}

# smbd's logs (auth and kerberos at level 3: what it made of the AP-REQ) next to the result.
_krb_keep_smbd_logs() {
	local f
	for f in "$SMBW_SAMBA_DIR"/log.*; do
		[ -e "$f" ] && [ "${f##*/}" != log.smbd ] && _smbw_keep "$f" "smbd-${f##*/}"
	done
	return 0
}

_krb_no_secrets() {
	_krb_keep_smbd_logs
	_no_password_anywhere && _no_krb_secret_anywhere
}

# _krb_expect CAUSE JQ-CONDITION: the one diagnosis, in session setup, with its evidence.
_krb_expect() {
	if [ "$SMBW_KRB_PROVOKE_ONLY" = 1 ]; then
		_krb_no_secrets || return 1
		smbw_reason "provoked ($1 expected, smbwatch not checked): $PROVOKED"
		return 0
	fi
	_expect_diagnosis "$1" ".phase==\"session_setup\" and ($2)" || return 1
	_krb_no_secrets || return 1
	smbw_reason "$PROVOKED; $(_json -r 'select(.record=="diagnosis" and .ipc==false) | .message' | head -1)"
}

# A ticket, a good keytab: mounted.  kinit runs while smbwatch watches: the KDC's
# PREAUTH_REQUIRED (25) before the TGT is a normal round trip, never a diagnosis.
scenario_krb_success_core=1
scenario_krb_success() {
	_krb_setup && _watch_start || return 1
	_krb_kinit || { _watch_stop; return 1; }
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 0 || return 1
	_kdc_log 'NEEDED_PREAUTH: smbtest@' || return 1
	_kdc_log "TGS_REQ .* ISSUE: .* for cifs/$SMBW_KRB_HOST@$SMBW_REALM" "TGS ISSUE cifs/$SMBW_KRB_HOST" || return 1
	if [ "$SMBW_KRB_PROVOKE_ONLY" != 1 ]; then
		_expect_event smb_session_setup_done '.rc==0' || return 1
		[ "$(_count '.record=="diagnosis"')" = 0 ] ||
			{ _fail "diagnoses for a good mount: $(_json 'select(.record=="diagnosis") | .cause' | xargs)"; return 1; }
		PROVOKED="$PROVOKED; $(_count '.record=="event" and .event=="krb_message"') krb_message events"
	fi
	_krb_no_secrets || return 1
	smbw_reason "no diagnosis: $PROVOKED"
}

# No TGT in root's cache: the upcall fails, no SESSION_SETUP is sent.
scenario_krb_no_ticket() {
	_krb_setup || return 1
	smbw_kdestroy
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log_none "TGS_REQ" "a TGS request" || return 1
	_krb_expect kerberos-no-ticket '.evidence.kerberos.upcall=="ran"'
}

# A CNAME-like alias of the server with no SPN of its own: the KDC has cifs/fs1 only.
scenario_krb_spn_alias_core=1
scenario_krb_spn_alias() {
	_krb_setup && _krb_kinit && _watch_start || return 1
	_mount_krb "$KRB_ALIAS_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log "TGS_REQ .* for cifs/$SMBW_KRB_ALIAS@$SMBW_REALM, Server not found in Kerberos database" \
		"TGS cifs/$SMBW_KRB_ALIAS: Server not found (7)" || return 1
	_krb_expect kerberos-spn-unknown \
		'.evidence.kerberos.kdc_error==7 and (.evidence.kerberos.principal|startswith("cifs/alias"))'
}

# The KDC is stopped after kinit: the TGS request meets a closed port (ICMP port unreachable for
# UDP, RST for TCP).
scenario_krb_kdc_down() {
	_krb_setup && _krb_kinit || return 1
	smbw_kdc_stop || { _fail "setup: krb5kdc did not stop"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_krb_expect kerberos-kdc-unreachable \
		'(.evidence.kerberos.kdc_failure|IN("unreachable","reset")) and .evidence.kerberos.kdc_addr=="127.0.0.1"'
}

# The KDC runs but its port is dropped on INPUT after kinit: MIT's libkrb5 waits (UDP, then TCP
# SYNs unanswered) ~18 s before KRB5_KDC_UNREACH.
scenario_krb_kdc_silent_timeout=150
scenario_krb_kdc_silent() {
	_krb_setup && _krb_kinit || return 1
	smbw_kdc_silence || { _fail "setup: cannot drop port $SMBW_KDC_PORT (iptables)"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log_none "TGS_REQ" "a TGS request" || return 1
	PROVOKED="$PROVOKED (UDP and TCP to port $SMBW_KDC_PORT dropped)"
	_krb_expect kerberos-kdc-unreachable \
		'.evidence.kerberos.kdc_failure=="silent" and .evidence.kerberos.kdc_addr=="127.0.0.1"'
}

# The KDC's clock an hour ahead of smbd's (krb5kdc -T 3600): the client syncs to the KDC
# (kdc_timesync) and gets its tickets; smbd refuses the AP-REQ (skew, or ticket not yet valid)
# with a KRB-ERROR inside its SPNEGO reply.
scenario_krb_clock_skew_core=1
scenario_krb_clock_skew() {
	_krb_setup -T 3600 && _krb_kinit && _watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 5 || return 1
	_kdc_log "TGS_REQ .* ISSUE: .* for cifs/$SMBW_KRB_HOST@$SMBW_REALM" "TGS ISSUE cifs/$SMBW_KRB_HOST at +3600 s" || return 1
	_krb_expect kerberos-clock-skew \
		'(.evidence.kerberos.kdc_error|IN(37,33)) and .evidence.kerberos.kdc_error_source=="server"'
}

# The KDC's clock jumps an hour ahead after kinit (krb5kdc restarted with -T 3600): the KDC
# refuses the TGS request's authenticator itself (KRB_AP_ERR_SKEW), no SESSION_SETUP is sent.
scenario_krb_clock_skew_kdc() {
	_krb_setup && _krb_kinit || return 1
	smbw_kdc_start -T 3600 || { _fail "setup: krb5kdc -T 3600 did not start"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log "TGS_REQ .*Clock skew too great" "TGS: Clock skew too great (37)" || return 1
	_krb_expect kerberos-clock-skew \
		'.evidence.kerberos.kdc_error==37 and .evidence.kerberos.kdc_error_source=="kdc"'
}

# cifs/fs1 gets a new key on the KDC after smbd's keytab was exported: the KDC issues tickets
# smbd cannot decrypt; SESSION_SETUP fails with LOGON_FAILURE.
scenario_krb_stale_keytab() {
	_krb_setup && _krb_kinit || return 1
	smbw_krb_rekey "cifs/$SMBW_KRB_HOST" || { _fail "setup: re-key failed"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 13 || return 1
	_kdc_log "TGS_REQ .* ISSUE: .* for cifs/$SMBW_KRB_HOST@$SMBW_REALM" "TGS ISSUE cifs/$SMBW_KRB_HOST (kvno 3, smbd has 2)" || return 1
	_krb_expect kerberos-server-rejected \
		'.evidence.kerberos.tickets_issued>=1 and .nt_status=="0xc000006d"'
}

# No cifs.spnego rule in /etc/request-key.d: request-key runs, finds no cifs.upcall to run.
scenario_krb_upcall_missing() {
	_krb_setup && _krb_kinit || return 1
	smbw_upcall_hide rule || { _fail "setup: cannot hide the cifs.spnego rule"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log_none "TGS_REQ" "a TGS request" || return 1
	_krb_expect kerberos-upcall-unavailable '.evidence.kerberos.upcall=="no-rule"'
}

# No /sbin/request-key at all (keyutils not installed): the kernel's upcall cannot even start;
# the kernel returns its exec error, -ENOENT: mount error 2, as for a missing share.
scenario_krb_request_key_missing() {
	_krb_setup && _krb_kinit || return 1
	smbw_upcall_hide request-key || { _fail "setup: cannot hide /sbin/request-key"; return 1; }
	_watch_start || return 1
	_mount_krb "$KRB_UNC"
	_watch_stop
	_krb_mount_error 2 || return 1
	_kdc_log_none "TGS_REQ" "a TGS request" || return 1
	_krb_expect kerberos-upcall-unavailable '.evidence.kerberos.upcall=="not-run"'
}

# The kprobe/raw_tp fallbacks (forced) on the alias case: the diagnosis must not change.
scenario_krb_fallback() {
	local err=$SMBW_SCENARIO_OUT/smbwatch.err
	_krb_setup && _krb_kinit || return 1
	SMBWATCH_FORCE_FALLBACK=1 _watch_start || return 1
	_mount_krb "$KRB_ALIAS_UNC"
	_watch_stop
	_krb_mount_error 126 || return 1
	_kdc_log "for cifs/$SMBW_KRB_ALIAS@$SMBW_REALM, Server not found in Kerberos database" \
		"TGS cifs/$SMBW_KRB_ALIAS: Server not found (7)" || return 1
	grep -q 'cifs_setup_session .*attached via kprobe' "$err" ||
		{ _fail "fallbacks not attached: $(grep -E 'cifs_setup_session' "$err" | tr -s ' ' | xargs)"; return 1; }
	_krb_expect kerberos-spn-unknown \
		'.evidence.kerberos.kdc_error==7 and (.evidence.kerberos.principal|startswith("cifs/alias"))'
}

# The test bed's own check: the secrets check finds a key, a ticket and the master password, as
# raw bytes, as hex text and as text, and stays quiet on clean outputs.
scenario_krb_leak_check() {
	local out=$SMBW_SCENARIO_OUT sec key tkt mp
	_krb_setup && _krb_kinit || return 1
	sec=$(smbw_krb_secrets) || { _fail "no secrets"; return 1; }
	key=$(sed -n "s/^hex:smbd.keytab cifs.*:\([0-9a-f]*\)\$/\1/p" "$sec" | head -1)
	tkt=$(sed -n "s/^hex:.* ticket:\([0-9a-f]*\)\$/\1/p" "$sec" | head -1)
	mp=$(sed -n "s/^text:master password://p" "$sec")
	[ ${#key} = 64 ] && [ ${#tkt} = 64 ] && [ -n "$mp" ] ||
		{ _fail "secrets incomplete: key ${#key} tkt ${#tkt} hex digits, master password ${#mp} chars"; return 1; }
	echo '{"record":"event"}' > "$out/smbwatch.json"
	echo 'smbwatch: started' > "$out/smbwatch.err"
	printf 'SMBWREC\0' > "$out/events.rec"
	_no_krb_secret_anywhere || { _fail "false alarm on clean outputs: $(cat "$out/reason")"; return 1; }
	{ printf 'SMBWREC\0\1\2'; xxd -r -p <<< "$key"; printf '\0'; } > "$out/events.rec"
	! _no_krb_secret_anywhere || { _fail "missed smbd's key as bytes in events.rec"; return 1; }
	printf 'SMBWREC\0' > "$out/events.rec"
	echo "{\"blob\":\"${tkt^^}\"}" > "$out/smbwatch.json"
	! _no_krb_secret_anywhere || { _fail "missed a ticket as hex text in smbwatch.json"; return 1; }
	echo '{"record":"event"}' > "$out/smbwatch.json"
	echo "smbwatch: x $mp y" > "$out/smbwatch.err"
	! _no_krb_secret_anywhere || { _fail "missed the master password in smbwatch.err"; return 1; }
	rm -f "$out/smbwatch.json" "$out/smbwatch.err" "$out/events.rec"
	smbw_reason "leaks found (key bytes, ticket hex, master password), clean outputs pass; $(wc -l < "$sec") secrets"
}

# What the agent's Kerberos hooks rest on (DESIGN.md 3b), checked on each kernel: the upcall
# (request-key exec'd by a kworker, then cifs.upcall) runs in the root cgroup with the kernel's
# minimal environment, reads /etc/krb5.conf and /tmp/krb5cc_0, and MIT's libkrb5 connects its
# UDP socket to the KDC before sending.  A wrapper rule runs cifs.upcall under strace.
scenario_krb_upcall_facts_core=1
scenario_krb_upcall_facts() {
	local out=$SMBW_SCENARIO_OUT w=$SMBW_STATE/upcall-wrap.sh info tr
	command -v strace > /dev/null || { smbw_reason "no strace"; return 77; }
	_krb_setup && _krb_kinit || return 1
	cat > "$w" <<-EOW
	#!/bin/bash
	{
		echo "cgroup: \$(cat /proc/self/cgroup)"
		echo "parent: \$(cat /proc/\$PPID/comm)"
		echo "uid: \$(id -u)"
		echo "env: \$(env | grep -v -E '^(SHLVL|_)=' | sort | paste -sd' ')"
	} > $out/upcall.info 2>&1
	exec strace -f -tt -e trace=%network,openat,exit_group -o $out/upcall.strace /usr/sbin/cifs.upcall "\$@"
	EOW
	chmod +x "$w"
	_smbw_save /etc/request-key.d/cifs.spnego.conf
	echo "create cifs.spnego * * $w %k" > /etc/request-key.d/cifs.spnego.conf
	_mount_krb "$KRB_UNC"
	_krb_mount_error 0 || return 1
	info=$out/upcall.info
	tr=$out/upcall.strace
	[ -s "$info" ] && [ -s "$tr" ] || { _fail "the wrapper did not run"; return 1; }
	grep -qx 'cgroup: 0::/' "$info" || { _fail "upcall not in the root cgroup: $(grep cgroup "$info")"; return 1; }
	grep -q '^parent: kworker' "$info" || { _fail "upcall's parent: $(grep parent "$info")"; return 1; }
	grep -q KRB5 "$info" && { _fail "KRB5 variables in the upcall's environment: $(grep env "$info")"; return 1; }
	grep -q 'openat(AT_FDCWD, "/etc/krb5.conf"' "$tr" || { _fail "cifs.upcall did not read /etc/krb5.conf"; return 1; }
	grep -q 'openat(AT_FDCWD, "/tmp/krb5cc_0"' "$tr" || { _fail "cifs.upcall did not read /tmp/krb5cc_0"; return 1; }
	grep -A1 'socket(AF_INET, SOCK_DGRAM' "$tr" | grep -q "connect([0-9]*, {sa_family=AF_INET, sin_port=htons($SMBW_KDC_PORT), sin_addr=inet_addr(\"$SMBW_KDC_ADDR\")}, 16) = 0" ||
		{ _fail "no connected UDP socket to the KDC"; return 1; }
	smbw_reason "upcall: $(grep -E '^(cgroup|parent|env)' "$info" | paste -sd';'); UDP to the KDC connected"
}

# The alias case again, diagnosed by the service (make install, systemctl start) rather than by
# smbwatch run by hand: the unit's own privileges must let every Kerberos hook attach (Linux 6.1
# attaches the cgroup_skb ones only with CAP_NET_ADMIN, which the unit lacked: the service saw
# no KDC answer there), and the KDC's answer, over UDP, must reach the journal entry.
scenario_krb_service() {
	local out=$SMBW_SCENARIO_OUT inv n
	_service_install || return
	_krb_setup && _krb_kinit || return 1
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	trap 'systemctl stop smbwatch' EXIT
	systemctl start smbwatch || { _fail "systemctl start smbwatch failed"; return 1; }
	inv=$(systemctl show -p InvocationID --value smbwatch)
	_mount_krb "$KRB_ALIAS_UNC"
	_krb_mount_error 126 || return 1
	_kdc_log "TGS_REQ .* for cifs/$SMBW_KRB_ALIAS@$SMBW_REALM, Server not found in Kerberos database" \
		"TGS cifs/$SMBW_KRB_ALIAS: Server not found (7)" || return 1
	sleep 3
	journalctl --sync 2>/dev/null
	journalctl -o json -u smbwatch _SYSTEMD_INVOCATION_ID="$inv" --no-pager > "$out/journal.json"
	jq -r -s 'map(select(.SMB_CAUSE != null)) | .[] | "\(.SMB_CAUSE) krb_error=\(.SMB_KRB_ERROR) \(.SMB_KRB_PRINCIPAL)"' \
		"$out/journal.json" > "$out/diagnoses.txt"
	n=$(jq -s --arg spn "cifs/$SMBW_KRB_ALIAS" 'map(select(.SMB_CAUSE=="kerberos-spn-unknown" and
		.SMB_KRB_ERROR=="7" and .SMB_KRB_TRANSPORT=="udp" and
		(.SMB_KRB_PRINCIPAL|startswith($spn)))) | length' "$out/journal.json")
	[ "$n" = 1 ] && [ "$(wc -l < "$out/diagnoses.txt")" = 1 ] ||
		{ _fail "service diagnoses: $(xargs < "$out/diagnoses.txt"); one kerberos-spn-unknown with KDC error 7 over udp expected"; return 1; }
	_krb_no_secrets || return 1
	smbw_reason "$PROVOKED; the service's journal: $(cat "$out/diagnoses.txt")"
}
