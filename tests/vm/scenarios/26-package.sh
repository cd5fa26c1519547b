# shellcheck shell=bash disable=SC2034 # scenario_*_timeout: read by run-scenarios.sh
# 26-package.sh: the Debian package (make deb, built on the host before the VMs boot) in the
# systemd guest: dpkg -i installs it and starts the service, a failed mount reaches the
# journal with its catalog text, apt-get remove stops it and leaves nothing attached, purge
# leaves none of its files or state behind.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

PKG_PW='pw-Pkg3-never-in-the-journal'
PKG_BAD_CREDS_ID=269a4b7ec4004c6db410d69cd9cc93f7

# BPF programs but systemd's own (sd_*).
_pkg_programs() {
	bpftool prog show -j 2>/dev/null | jq '[.[] | select(.name // "" | test("^sd_") | not)] | length'
}

scenario_package_lifecycle_timeout=240
scenario_package_lifecycle() {
	local out=$SMBW_SCENARIO_OUT deb base files left entry f
	[ "$(cat /proc/1/comm)" = systemd ] || { smbw_reason "not booted with systemd"; return 77; }
	deb=$(ls "$SMBW_REPO"/build/deb/smbwatch_*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || { _fail "no package in build/deb: make deb (make check builds it)"; return 1; }
	# what earlier scenarios installed with make install goes first: the package alone remains
	systemctl stop smbwatch 2>/dev/null
	(cd "$SMBW_REPO" && make -s uninstall DESTDIR= PREFIX=/usr) > "$out/uninstall.log" 2>&1
	systemctl daemon-reload
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	base=$(_pkg_programs)

	# a host image's policy-rc.d (exit 101: "start nothing") would keep dpkg from starting it
	if [ -e /usr/sbin/policy-rc.d ]; then
		mv /usr/sbin/policy-rc.d "$SMBW_STATE/policy-rc.d"
		# shellcheck disable=SC2064 # the path now
		trap "mv '$SMBW_STATE/policy-rc.d' /usr/sbin/policy-rc.d" EXIT
	fi
	dpkg -i "$deb" > "$out/dpkg-install.log" 2>&1 ||
		{ _fail "dpkg -i failed: $(tail -2 "$out/dpkg-install.log" | xargs)"; return 1; }
	dpkg -L smbwatch > "$out/files.txt"
	systemctl is-active -q smbwatch || { _fail "the package did not start smbwatch"; return 1; }
	systemctl is-enabled -q smbwatch || { _fail "the package did not enable smbwatch"; return 1; }

	smbw_samba_start "" "[share]
	path = @SMBDIR@/share" || { _fail "smbd did not start"; return 1; }
	smbw_add_user smbtest "$PKG_PW" || { _fail "smbpasswd failed"; return 1; }
	smbw_mount //127.0.0.1/share "username=smbtest,password=wrong-$PKG_PW" > /dev/null
	sleep 3
	journalctl --sync 2>/dev/null
	entry=$(journalctl -o json -u smbwatch MESSAGE_ID=$PKG_BAD_CREDS_ID --no-pager |
		jq -s 'map(select(.SMB_CAUSE=="bad-credentials" and .SMB_USER=="smbtest")) | length')
	[ "$entry" -ge 1 ] || { _fail "no bad-credentials entry from the packaged service"; return 1; }
	journalctl -x --no-pager -u smbwatch MESSAGE_ID=$PKG_BAD_CREDS_ID > "$out/journal-x.txt"
	grep -q 'What to do: Check the user, domain and password' "$out/journal-x.txt" ||
		{ _fail "journalctl -x shows no catalog text: the package's catalog was not indexed"; return 1; }
	journalctl -o json --no-pager | grep -a -q -F -- "$PKG_PW" &&
		{ _fail "the password appears in the journal"; return 1; }

	apt-get remove -y smbwatch > "$out/apt-remove.log" 2>&1 ||
		{ _fail "apt-get remove failed: $(tail -2 "$out/apt-remove.log" | xargs)"; return 1; }
	systemctl is-active -q smbwatch && { _fail "smbwatch still active after apt-get remove"; return 1; }
	[ ! -e /usr/sbin/smbwatch ] || { _fail "/usr/sbin/smbwatch left after remove"; return 1; }
	sleep 1
	left=$(($(_pkg_programs) - base))
	[ "$left" -le 0 ] || { _fail "$left BPF programs left after remove"; return 1; }

	apt-get purge -y smbwatch > "$out/apt-purge.log" 2>&1 ||
		{ _fail "apt-get purge failed: $(tail -2 "$out/apt-purge.log" | xargs)"; return 1; }
	dpkg-query -W -f='${Status}' smbwatch 2>/dev/null | grep -q 'install ok' &&
		{ _fail "dpkg still lists smbwatch after purge"; return 1; }
	files=
	while IFS= read -r f; do
		[ -d "$f" ] && continue # directories (and /lib, a link to one) are shared
		[ -e "$f" ] || [ -L "$f" ] || continue
		files="$files $f"
	done < "$out/files.txt"
	[ -z "$files" ] || { _fail "left after purge:$files"; return 1; }
	left=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
		/var/lib/systemd/deb-systemd-helper-masked -name '*smbwatch*' 2>/dev/null | xargs)
	[ -z "$left" ] || { _fail "systemd state left after purge: $left"; return 1; }
	systemctl cat smbwatch > /dev/null 2>&1 && { _fail "systemd still knows smbwatch.service"; return 1; }
	smbw_reason "$(basename "$deb"): installed, started and enabled, failure in the journal with its catalog text; removed (nothing attached), purged (nothing left)"
}
