# smbwatch-lib.sh: what the smbwatch scenarios share (sourced by tests/vm/scenarios/*.sh, in
# the guest, after scripts/vm/guest-lib.sh). Each scenario runs smbwatch (events + diagnoses as
# JSON lines, and a recording), makes one mount, stops smbwatch and asserts:
#   - the raw events that must be there (the evidence of the failure);
#   - the diagnosis: exactly one, with its cause id and key fields (none for a success);
#   - that the password used appears in no output at all.
# The outputs stay in /out/NAME/ (smbwatch.json, smbwatch.err, events.rec): the host copies them
# into tests/fixtures/ (scripts/vm/update-fixtures.sh), where the classifier's unit tests replay them.

SMBW_USER=smbtest
# Unique and greppable: if it shows up in any output, smbwatch leaked a password.
SMBW_PW='pw-Zq8rT4-never-logged'
SMBW_BIN=${SMBW_BIN:-$SMBW_REPO/smbwatch}

_watch_start() {
	local out=$SMBW_SCENARIO_OUT i t0
	t0=$(_smbw_now)
	"$SMBW_BIN" -e -f json -v -r "$out/events.rec" > "$out/smbwatch.json" 2> "$out/smbwatch.err" &
	echo $! > "$SMBW_STATE/smbwatch.pid"
	for i in $(seq 600); do
		if grep -q '^smbwatch: hooks cifs: [0-9]* attached' "$out/smbwatch.err"; then
			smbw_log "smbwatch attached after $(_smbw_since "$t0") s"
			return 0
		fi
		kill -0 "$(cat "$SMBW_STATE/smbwatch.pid")" 2>/dev/null || break
		sleep 0.1
	done
	smbw_reason "smbwatch did not attach to cifs.ko: $(grep -v '^smbwatch:   ' "$out/smbwatch.err" | tail -2 | tr '\n' ' ')"
	return 1
}

# Stop it after the settle time (2 s) so that pending conclusions are made live, not at exit.
_watch_stop() {
	local pid
	sleep 3
	pid=$(cat "$SMBW_STATE/smbwatch.pid" 2>/dev/null) || return 0
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$SMBW_STATE/smbwatch.pid"
}

# The service's scenarios: PID 1 is systemd and smbwatch is installed as `make install` puts it
# (0); else 77 (skip: a bare guest) or 1 (fail), with the reason said.
_service_install() {
	local log=$SMBW_SCENARIO_OUT/install.log
	[ "$(cat /proc/1/comm)" = systemd ] || { smbw_reason "not booted with systemd"; return 77; }
	(cd "$SMBW_REPO" && make -s install DESTDIR= PREFIX=/usr) > "$log" 2>&1 ||
		{ _fail "make install failed: $(tail -1 "$log")"; return 1; }
}

_json() { # jq over this scenario's smbwatch output
	jq -c "$@" "$SMBW_SCENARIO_OUT/smbwatch.json"
}

_count() {
	_json "select($1)" | wc -l
}

_fail() {
	smbw_reason "$*"
	return 1
}

_no_password_anywhere() {
	local f
	for f in "$SMBW_SCENARIO_OUT"/smbwatch.json "$SMBW_SCENARIO_OUT"/smbwatch.err \
		 "$SMBW_SCENARIO_OUT"/events.rec; do
		if grep -a -q -F -- "$SMBW_PW" "$f"; then
			_fail "the password appears in $(basename "$f")"
			return 1
		fi
	done
}

# _expect_event NAME JQ-CONDITION: at least one raw event matches.
_expect_event() {
	[ "$(_count ".record==\"event\" and .event==\"$1\" and ($2)")" -ge 1 ] ||
		_fail "no $1 event with $2"
}

# _expect_diagnosis CAUSE JQ-CONDITION: exactly one mount-failing diagnosis, this one.
_expect_diagnosis() {
	local all n
	all=$(_json 'select(.record=="diagnosis" and .ipc==false) | .cause' | tr -d '"' | xargs)
	n=$(_count ".record==\"diagnosis\" and .ipc==false")
	[ "$n" = 1 ] || { _fail "expected one diagnosis $1, got $n: ${all:-none}"; return 1; }
	[ "$(_count ".record==\"diagnosis\" and .ipc==false and .cause==\"$1\" and ($2)")" = 1 ] ||
		_fail "diagnosis is '$all', expected $1 with $2: $(_json 'select(.record=="diagnosis")' | head -1)"
}

_finish() { # pass reason: the diagnosis line
	_no_password_anywhere || return 1
	smbw_reason "$(_json -r 'select(.record=="diagnosis" and .ipc==false) | .message' | head -1)"
}

_samba() { # GLOBAL_EXTRA SHARE_EXTRA: smbd with [share] and the test user
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_samba_start "$1" "[share]
	path = @SMBDIR@/share
	read only = no
	$2" || { _fail "smbd did not start"; return 1; }
	smbw_add_user "$SMBW_USER" "$SMBW_PW" || { _fail "smbpasswd -a failed"; return 1; }
}

_mount() { # UNC [EXTRA_OPTS] [USER] [PASSWORD]
	smbw_mount "$1" "username=${3:-$SMBW_USER},password=${4:-$SMBW_PW}${2:+,$2}"
}


# Kerberos (40-kerberos.sh; the realm itself: the Kerberos section of scripts/vm/guest-lib.sh).
_samba_krb() { # GLOBAL_EXTRA SHARE_EXTRA: smbd with [share], accepting the realm's tickets
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	smbw_samba_krb_start "log level = 1 auth:3 kerberos:3
	$1" "[share]
	path = @SMBDIR@/share
	read only = no
	$2" || { _fail "smbd (dedicated keytab) did not start"; return 1; }
}

# _mount_krb UNC [EXTRA_OPTS]: a sec=krb5 mount; sets MOUNT_ERR (the N of "mount error(N)", 0
# when it mounted) and MOUNT_S (seconds).
_mount_krb() {
	local out
	out=$(smbw_mount "$1" "sec=krb5,username=$SMBW_USER${2:+,$2}")
	echo "$out"
	MOUNT_S=$(sed -n 's/^MOUNT rc=[0-9]* elapsed=//p' <<< "$out")
	MOUNT_ERR=$(sed -n 's/^mount error(\([0-9]*\)).*/\1/p' <<< "$out" | head -1)
	[ -n "$MOUNT_ERR" ] || MOUNT_ERR=$(sed -n 's/^MOUNT rc=\([0-9]*\) .*/\1/p' <<< "$out")
}

# _no_krb_secret_anywhere: no key of the realm (keytabs, stash, krbtgt), no session key or
# ticket of a credential cache, no master password in smbwatch's outputs, its recording or the
# journal: as raw bytes, as hex text, as text.
_no_krb_secret_anywhere() {
	local secrets f hexes texts line kind what val files
	secrets=$(smbw_krb_secrets) || { _fail "no realm to take the secrets from"; return 1; }
	hexes=$SMBW_STATE/secrets.hex
	texts=$SMBW_STATE/secrets.text
	sed -n 's/^hex:.*:\([0-9a-f]\{16,\}\)$/\1/p' "$secrets" > "$hexes"
	sed -n 's/^text:[^:]*:\(.\{8,\}\)$/\1/p' "$secrets" > "$texts"
	[ -s "$hexes" ] && [ -s "$texts" ] || { _fail "no Kerberos secrets found to look for"; return 1; }
	files="$SMBW_SCENARIO_OUT/smbwatch.json $SMBW_SCENARIO_OUT/smbwatch.err $SMBW_SCENARIO_OUT/events.rec"
	if [ -d /run/systemd/system ]; then
		journalctl --sync 2>/dev/null
		# this scenario's entries: the earlier ones were scanned by their own scenarios (the
		# whole boot's journal, hex-dumped, cost seconds late in a run under TCG)
		journalctl -b -o export --no-pager --since="@$((${SMBW_SCENARIO_EPOCH:-1} - 1))" \
			> "$SMBW_STATE/journal.export" 2>/dev/null &&
			files="$files $SMBW_STATE/journal.export"
	fi
	for f in $files; do
		[ -e "$f" ] || continue
		od -An -v -tx1 "$f" | tr -d ' \n' > "$SMBW_STATE/scan.hex"
		grep -q -F -f "$hexes" "$SMBW_STATE/scan.hex" || grep -a -q -i -F -f "$hexes" "$f" ||
			grep -a -q -F -f "$texts" "$f" || continue
		while IFS= read -r line; do # which one
			kind=${line%%:*}
			val=${line##*:}
			what=${line#*:}
			what=${what%:*}
			if [ "$kind" = hex ]; then
				grep -q -F -- "$val" "$SMBW_STATE/scan.hex" || grep -a -q -i -F -- "$val" "$f" || continue
			else
				grep -a -q -F -- "$val" "$f" || continue
			fi
			_fail "Kerberos secret ($what) appears in ${f##*/}"
			return 1
		done < "$secrets"
		_fail "a Kerberos secret appears in ${f##*/}"
		return 1
	done
	rm -f "$SMBW_STATE/journal.export" "$SMBW_STATE/scan.hex"
	smbw_log "no Kerberos secret in: $(for f in $files; do printf '%s ' "${f##*/}"; done)"
	smbw_log "  looked for: $(sed 's/^[a-z]*:\([^:]*\):.*/\1/' "$secrets" | paste -sd, | sed 's/,/, /g')"
}
