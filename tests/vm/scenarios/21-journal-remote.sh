# shellcheck shell=bash disable=SC2034 # scenario_*_timeout: read by run-scenarios.sh
# 21-journal-remote.sh: a diagnosis forwarded to a central journal, both ends on loopback in
# the systemd guest: systemd-journal-upload sends the local journal to systemd-journal-remote
# (Debian's systemd-journal-remote), and the entry arrives on the collector whole, with its
# MESSAGE_ID and every SMB_* field the local journal has.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

JR_PW='pw-Remote4-never-in-the-journal'
JR_BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7
JR_PORT=19599 # not 19532: the package's own socket unit may hold that one
JR_LIB=/lib/systemd

scenario_journal_remote_timeout=180
scenario_journal_remote() {
	local out=$SMBW_SCENARIO_OUT dir=$SMBW_STATE/remote local_fields remote_fields i n=0 rpid upid
	local user=remote$RANDOM # no such user: bad-credentials, and no other entry has this name
	_service_install || return
	[ -x $JR_LIB/systemd-journal-remote ] && [ -x $JR_LIB/systemd-journal-upload ] ||
		{ _fail "no systemd-journal-remote: scripts/setup.sh installs it"; return 1; }
	journalctl --update-catalog
	systemctl daemon-reload
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	systemctl restart smbwatch || { _fail "systemctl start smbwatch failed"; return 1; }

	mkdir -p "$dir"
	$JR_LIB/systemd-journal-remote --listen-http=127.0.0.1:$JR_PORT --split-mode=none \
		--output="$dir/remote.journal" > "$out/remote.log" 2>&1 &
	rpid=$!
	for i in $(seq 50); do
		ss -ltn 2>/dev/null | grep -q "127.0.0.1:$JR_PORT " && break
		sleep 0.1
	done
	$JR_LIB/systemd-journal-upload --url="http://127.0.0.1:$JR_PORT" \
		--save-state="$dir/upload.state" > "$out/upload.log" 2>&1 &
	upid=$!

	smbw_samba_start "" "[share]
	path = @SMBDIR@/share" || { _fail "smbd did not start"; return 1; }
	smbw_mount //127.0.0.1/share "username=$user,password=wrong-$JR_PW" > /dev/null
	for i in $(seq 60); do # the upload follows the journal: a few seconds
		sleep 0.5
		n=$(journalctl --file="$dir/remote.journal" -o json MESSAGE_ID=$JR_BAD_CREDS_ID \
			--no-pager 2>/dev/null | jq --arg u "$user" -s 'map(select(.SMB_CAUSE=="bad-credentials" and .SMB_USER==$u)) | length')
		[ "${n:-0}" -ge 1 ] && break
	done
	kill "$upid" "$rpid" 2>/dev/null
	wait "$upid" "$rpid" 2>/dev/null
	[ "${n:-0}" -ge 1 ] ||
		{ _fail "no bad-credentials entry on the collector after 30 s: $(tail -2 "$out/upload.log" | xargs)"; return 1; }

	# every SMB_* field and the MESSAGE_ID, as the local journal has them
	local_fields=$(journalctl -o json -u smbwatch MESSAGE_ID=$JR_BAD_CREDS_ID --no-pager |
		jq -c --arg u "$user" -s 'map(select(.SMB_USER==$u)) | last | with_entries(select(.key | test("^(SMB_|NT_STATUS|MESSAGE)"))) | to_entries | sort_by(.key) | from_entries')
	remote_fields=$(journalctl --file="$dir/remote.journal" -o json MESSAGE_ID=$JR_BAD_CREDS_ID --no-pager |
		jq -c --arg u "$user" -s 'map(select(.SMB_USER==$u)) | last | with_entries(select(.key | test("^(SMB_|NT_STATUS|MESSAGE)"))) | to_entries | sort_by(.key) | from_entries')
	echo "$local_fields" > "$out/local-fields.json"
	echo "$remote_fields" > "$out/remote-fields.json"
	[ "$(jq 'keys | map(select(startswith("SMB_"))) | length' <<< "$remote_fields")" -ge 20 ] ||
		{ _fail "the collector's entry has few SMB_ fields: $remote_fields"; return 1; }
	[ "$local_fields" = "$remote_fields" ] ||
		{ _fail "the collector's entry differs from the local one (local-fields.json, remote-fields.json)"; return 1; }
	journalctl --file="$dir/remote.journal" -o export --no-pager | grep -a -q -F -- "$JR_PW" &&
		{ _fail "the password appears on the collector"; return 1; }
	systemctl stop smbwatch
	smbw_reason "forwarded by systemd-journal-upload: $(jq 'keys | length' <<< "$remote_fields") fields, MESSAGE_ID and SMB_* equal on both ends"
}
