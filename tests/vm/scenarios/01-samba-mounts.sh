# 01-samba-mounts.sh: the test bed's own proof: real smbd and mount.cifs in the guest give the
# outcomes the smbwatch scenarios rely on, and both fake servers make a mount fail.

# shellcheck disable=SC2034 # scenario_*_timeout is read by run-scenarios.sh
SMBW_TEST_USER=smbtest
SMBW_TEST_PW='Secr3t-pw'

# smbd with one share that only the test user may use.
_samba_with_user() {
	smbw_modprobe_cifs || { smbw_reason "modprobe cifs failed"; return 1; }
	smbw_samba_start "" "[share]
	path = @SMBDIR@/share
	read only = no
	valid users = $SMBW_TEST_USER" || { smbw_reason "smbd did not start"; return 1; }
	smbw_add_user "$SMBW_TEST_USER" "$SMBW_TEST_PW" ||
		{ smbw_reason "smbpasswd -a failed"; return 1; }
}

# A mount against a fake server: it must fail, and on its own (not through our timeout).
_mount_fails_by_itself() {
	local out rc
	out=$(smbw_mount //127.0.0.1/share "username=$SMBW_TEST_USER,password=x")
	rc=$?
	echo "$out"
	case $rc in
	0) smbw_reason "mount succeeded against a fake server"; return 1 ;;
	124|137) smbw_reason "mount still hanging after ${SMBW_MOUNT_TIMEOUT}s"; return 1 ;;
	esac
	smbw_reason "mount failed: rc=$rc, $(grep -o 'mount error([0-9]*)' <<< "$out" | head -1)" \
		"after $(sed -n 's/^MOUNT rc=[0-9]* elapsed=//p' <<< "$out")s"
}

scenario_mount_ok() {
	local out rc
	_samba_with_user || return 1
	out=$(smbw_mount //127.0.0.1/share "username=$SMBW_TEST_USER,password=$SMBW_TEST_PW")
	rc=$?
	echo "$out"
	[ "$rc" -eq 0 ] || { smbw_reason "good mount failed: rc=$rc"; return 1; }
	smbw_reason "mounted and unmounted $(sed -n 's/^MOUNT rc=0 elapsed=//p' <<< "$out")s"
}

scenario_mount_bad_password() {
	local out rc
	_samba_with_user || return 1
	out=$(smbw_mount //127.0.0.1/share "username=$SMBW_TEST_USER,password=wrong")
	rc=$?
	echo "$out"
	if [ "$rc" -ne 32 ] || ! grep -q 'mount error(13)' <<< "$out"; then
		smbw_reason "expected rc=32 with mount error(13), got rc=$rc"
		return 1
	fi
	smbw_reason "rc=32, mount error(13)"
}

scenario_mount_silent_server_timeout=150
scenario_mount_silent_server() {
	smbw_modprobe_cifs || { smbw_reason "modprobe cifs failed"; return 1; }
	smbw_fake_server silent 445 || { smbw_reason "fake server did not start"; return 1; }
	_mount_fails_by_itself
}

scenario_mount_reset_server() {
	smbw_modprobe_cifs || { smbw_reason "modprobe cifs failed"; return 1; }
	smbw_fake_server reset 445 || { smbw_reason "fake server did not start"; return 1; }
	_mount_fails_by_itself
}
