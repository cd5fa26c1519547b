# shellcheck shell=bash disable=SC2034 # scenario_*_timeout: read by run-scenarios.sh
# 22-boot-mount.sh: a cifs mount from /etc/fstab started in one go with the service, as boot
# starts them, cifs.ko not loaded: the unit's ordering (smbwatch: ExecStartPre modprobe cifs,
# READY once attached, Before=remote-fs-pre.target; the fstab mount: _netdev, After=
# remote-fs-pre.target) makes the mount wait for smbwatch, and its failure is diagnosed.
# What boot does with multi-user.target and remote-fs.target, done with a target of the
# test's own that wants the same two units (the guest boots to its test target, and its
# remote-fs.target is masked), remote-fs-pre.target stopped first as it is before boot gets
# there.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

BOOT_PW='pw-Boot6-never-in-the-journal'
BOOT_MNT=/mnt/smbw-boot
BOOT_BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7

_boot_undo() {
	sed -i '\|smbw-boot|d' /etc/fstab
	rm -f /etc/systemd/system/smbw-boot.target /run/smbw-boot.creds
	systemctl daemon-reload
	systemctl stop smbwatch 2>/dev/null
}

_mono() { systemctl show -p "$2" --value "$1"; }

# not in the core set: boot_fstab (23-boot-fstab.sh) proves the same in a real boot
scenario_boot_mount_timeout=180
scenario_boot_mount() {
	local out=$SMBW_SCENARIO_OUT unit entry i state ready started
	local user=boot$RANDOM # its own name: no other scenario's diagnosis is taken for this one
	_service_install || return
	systemctl stop smbwatch 2>/dev/null
	smbw_samba_start "" "[share]
	path = @SMBDIR@/share" || { _fail "smbd did not start"; return 1; }
	smbw_add_user smbtest "$BOOT_PW" || { _fail "smbpasswd failed"; return 1; }
	smbw_cifs_quiesce 30
	rmmod cifs 2>/dev/null
	[ -d /sys/module/cifs ] && { _fail "cannot unload cifs.ko for the test"; return 1; }

	trap _boot_undo EXIT
	mkdir -p "$BOOT_MNT"
	printf 'username=%s\npassword=wrong-%s\n' "$user" "$BOOT_PW" > /run/smbw-boot.creds
	chmod 600 /run/smbw-boot.creds
	echo "//127.0.0.1/share $BOOT_MNT cifs credentials=/run/smbw-boot.creds,_netdev,nofail,x-systemd.mount-timeout=60 0 0 # smbw-boot" >> /etc/fstab
	unit=$(systemd-escape -p --suffix=mount "$BOOT_MNT")
	printf '[Unit]\nDescription=boot, as far as smbwatch and the fstab cifs mount go\nWants=smbwatch.service %s\n' \
		"$unit" > /etc/systemd/system/smbw-boot.target
	systemctl daemon-reload
	# the network mount's default dependencies (not written in the generated file)
	systemctl show -p After "$unit" > "$out/mount-after.txt" 2>&1
	grep -q 'remote-fs-pre.target' "$out/mount-after.txt" ||
		{ _fail "the fstab generator's $unit is not ordered after remote-fs-pre.target: $(cat "$out/mount-after.txt")"; return 1; }

	# as at boot, remote-fs-pre.target not reached yet (an earlier start of smbwatch in this
	# guest reached it): else the mount has nothing to wait for
	systemctl stop remote-fs-pre.target
	systemctl is-active -q remote-fs-pre.target && { _fail "remote-fs-pre.target still active"; return 1; }
	systemctl start smbw-boot.target
	for i in $(seq 300); do
		state=$(_mono "$unit" ActiveState)
		[ "$state" = active ] || [ "$state" = failed ] && break
		sleep 0.2
	done
	[ "$state" = failed ] || { _fail "the fstab mount ended $state, not failed"; return 1; }
	ready=$(_mono smbwatch.service ActiveEnterTimestampMonotonic)
	started=$(_mono "$unit" InactiveExitTimestampMonotonic)
	smbw_log "smbwatch READY at ${ready} us, $unit started at ${started} us"
	[ "$ready" -gt 0 ] && [ "$started" -ge "$ready" ] ||
		{ _fail "the mount started ($started us) before smbwatch was ready ($ready us)"; return 1; }
	sleep 3
	journalctl --sync 2>/dev/null
	entry=$(journalctl -o json -u smbwatch MESSAGE_ID=$BOOT_BAD_CREDS_ID --since=-2min --no-pager |
		jq --arg u "$user" -s 'map(select(.SMB_CAUSE=="bad-credentials" and .SMB_USER==$u and
			.SMB_SHARE=="\\\\127.0.0.1\\share")) | length')
	journalctl -o json --no-pager | grep -a -q -F -- "$BOOT_PW" &&
		{ _fail "the password appears in the journal"; return 1; }
	[ "$entry" = 1 ] ||
		{ _fail "$entry bad-credentials diagnoses of the fstab mount, 1 expected"; return 1; }
	smbw_reason "fstab mount started $(((started - ready) / 1000)) ms after smbwatch was READY (cifs.ko loaded by its unit), diagnosed once"
}
