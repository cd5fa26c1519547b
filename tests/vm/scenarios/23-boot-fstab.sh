# shellcheck shell=bash disable=SC2034 # scenario_*_{boot,core,timeout}: read by run-scenarios.sh
# 23-boot-fstab.sh: a real boot with a failing cifs line in /etc/fstab. Before systemd
# starts (the preboot step, run by scripts/vm/systemd-init.sh), smbwatch is installed and
# enabled as an admin leaves it (make install, systemctl enable: WantedBy=multi-user.target),
# an smbd unit and the fstab line are written, cifs.ko is not loaded, and the guest then boots
# to multi-user.target with remote-fs.target. Nothing is started by hand: the scenario only
# watches what boot did. It asserts that the fstab generator's mount failed, that it started
# after smbwatch said READY (cifs.ko loaded by the unit's ExecStartPre, not by the mount), and
# that the failure has exactly one diagnosis, bad-credentials, with no password in the journal.
# 22-boot-mount.sh checks the same ordering in one transaction, in the shared guest.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

BF_MNT=/mnt/smbw-fstab
BF_DIR=/var/lib/smbw-fstab
BF_CREDS=/etc/smbw-fstab.creds
BF_USER=fstabuser
BF_PW='pw-Fstab7-never-in-the-journal'
BF_BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7

_bf_mono() { systemctl show -p "$2" --value "$1"; }

# The smbd of this boot, a unit ordered before remote-fs-pre.target as a local file server
# would be; Type=notify as Debian's smbd.service: READY once it listens.
_bf_smbd_unit() {
	cat <<-UNIT
	[Unit]
	Description=smbd for the fstab boot test
	Before=remote-fs-pre.target
	Wants=remote-fs-pre.target
	[Service]
	Type=notify
	NotifyAccess=all
	ExecStart=/usr/sbin/smbd --foreground --no-process-group -s $BF_DIR/smb.conf
	[Install]
	WantedBy=multi-user.target
	UNIT
}

# Runs as PID 1's child before systemd: what an image build or an admin did before this boot.
scenario_boot_fstab_boot=1
scenario_boot_fstab_preboot() {
	(cd "$SMBW_REPO" && make -s install DESTDIR= PREFIX=/usr) || return 1
	systemctl enable smbwatch.service || return 1
	mkdir -p "$BF_DIR"/{private,lock,state,cache,run,ncalrpc,share}
	chmod 777 "$BF_DIR/share"
	_smbw_samba_conf "$BF_DIR" "" "[share]
	path = $BF_DIR/share
	read only = no" 127.0.0.1/8 > "$BF_DIR/smb.conf"
	id "$BF_USER" > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$BF_USER" || return 1
	printf '%s\n%s\n' "$BF_PW" "$BF_PW" | smbpasswd -c "$BF_DIR/smb.conf" -s -a "$BF_USER" > /dev/null ||
		return 1
	_bf_smbd_unit > /etc/systemd/system/smbw-fstab-smbd.service
	systemctl enable smbw-fstab-smbd.service || return 1
	printf 'username=%s\npassword=wrong-%s\n' "$BF_USER" "$BF_PW" > "$BF_CREDS"
	chmod 600 "$BF_CREDS"
	mkdir -p "$BF_MNT"
	# The plainest line there is: no _netdev, no nofail; cifs is a network file system to
	# systemd's fstab generator by its type alone.
	echo "//127.0.0.1/share $BF_MNT cifs credentials=$BF_CREDS 0 0" >> /etc/fstab
	# The shared guest masks remote-fs.target and boots to its test target alone: this boot
	# goes through multi-user.target, which wants remote-fs.target and smbwatch.service.
	rm -f /etc/systemd/system/remote-fs.target
	mkdir -p /etc/systemd/system/smbw.target.d
	printf '[Unit]\nWants=multi-user.target\n' > /etc/systemd/system/smbw.target.d/boot-fstab.conf
	[ ! -d /sys/module/cifs ] || { echo "cifs.ko is loaded before boot"; return 1; }
}

# Not in the core set: a boot of its own costs a minute or more under TCG per kernel, and the
# unit's privileges on each kernel are service_journal's (core); make vmtest boots all three.
scenario_boot_fstab_timeout=240
scenario_boot_fstab() {
	local out=$SMBW_SCENARIO_OUT unit state i ready started loaded n entries
	unit=$(systemd-escape -p --suffix=mount "$BF_MNT")
	[ "$(cat /proc/1/comm)" = systemd ] || { smbw_reason "not booted with systemd"; return 77; }
	# they hold cifs.ko and port 445: the runner's cleanup would wait for them
	trap 'systemctl stop smbwatch.service smbw-fstab-smbd.service' EXIT
	for i in $(seq 600); do
		state=$(_bf_mono "$unit" ActiveState)
		[ "$state" = active ] || [ "$state" = failed ] && break
		sleep 0.3
	done
	systemctl status --no-pager smbwatch.service smbw-fstab-smbd.service "$unit" > "$out/status.txt" 2>&1
	systemctl list-dependencies --no-pager --after "$unit" > "$out/mount-after.txt" 2>&1
	[ "$state" = failed ] || { _fail "boot's fstab mount $unit ended '$state', not failed"; return 1; }
	[ "$(systemctl is-enabled smbwatch.service)" = enabled ] ||
		{ _fail "smbwatch.service is not enabled"; return 1; }
	ready=$(_bf_mono smbwatch.service ActiveEnterTimestampMonotonic)
	started=$(_bf_mono "$unit" InactiveExitTimestampMonotonic)
	loaded=$(_bf_mono smbwatch.service ExecMainStartTimestampMonotonic)
	smbw_log "smbwatch started ${loaded} us, READY ${ready} us; $unit started ${started} us"
	[ "$ready" -gt 0 ] && [ "$started" -ge "$ready" ] ||
		{ _fail "boot started the mount ($started us) before smbwatch was ready ($ready us)"; return 1; }
	sleep 3
	journalctl --sync 2>/dev/null
	journalctl -o json -u smbwatch --no-pager > "$out/smbwatch.json" 2>/dev/null
	jq -e -s 'map(select(.MESSAGE|test("hooks kdc: [0-9]+ attached, 0 failed"))) | length == 1' \
		"$out/smbwatch.json" > /dev/null ||
		{ _fail "a Kerberos hook failed at boot: $(jq -r -s 'map(.MESSAGE)|join(" ")' "$out/smbwatch.json" | grep -o 'hooks kdc.*' | head -c 400)"; return 1; }
	entries=$(jq -s 'map(select(.SMB_CAUSE != null and .SMB_SHARE != "\\\\127.0.0.1\\IPC$"))' \
		"$out/smbwatch.json")
	n=$(jq 'length' <<< "$entries")
	jq -r '.[] | "\(.SMB_CAUSE) \(.SMB_USER // "-") \(.SMB_SHARE // "-")"' <<< "$entries" > "$out/diagnoses.txt"
	journalctl -o json --no-pager | grep -a -q -F -- "$BF_PW" &&
		{ _fail "the password appears in the journal"; return 1; }
	[ "$n" = 1 ] || { _fail "$n diagnoses of boot's one failed mount: $(xargs < "$out/diagnoses.txt")"; return 1; }
	jq -e --arg u "$BF_USER" --arg id "$BF_BAD_CREDS_ID" '.[0] | .SMB_CAUSE == "bad-credentials" and
		.SMB_USER == $u and .MESSAGE_ID == $id and .SMB_SHARE == "\\\\127.0.0.1\\share"' \
		<<< "$entries" > /dev/null ||
		{ _fail "boot's mount diagnosed as: $(cat "$out/diagnoses.txt"), bad-credentials of $BF_USER expected"; return 1; }
	smbw_reason "booted with the fstab line: mount started $(((started - ready) / 1000)) ms after smbwatch's READY ($(((ready - loaded) / 1000)) ms after its start), diagnosed once as bad-credentials"
}
