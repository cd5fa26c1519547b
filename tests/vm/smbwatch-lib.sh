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
	local out=$SMBW_SCENARIO_OUT i
	"$SMBW_BIN" -e -f json -v -r "$out/events.rec" > "$out/smbwatch.json" 2> "$out/smbwatch.err" &
	echo $! > "$SMBW_STATE/smbwatch.pid"
	for i in $(seq 600); do
		grep -q '^smbwatch: hooks cifs: [0-9]* attached' "$out/smbwatch.err" && return 0
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
	[ "$(_count ".record==\"diagnosis\" and .cause==\"$1\" and ($2)")" = 1 ] ||
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

