#!/bin/bash
# guest-init.sh: PID 1 of the test VM after switch_root (root = tmpfs overlay over the host /).
#
# Kernel command line (set by run-vm.sh; the kernel hands key=value words to init as env):
#   smbw_script=PATH   script to run with bash
#   smbw_args=B64      its arguments: base64 of the NUL-separated list (spaces survive the cmdline)
#   smbw_timeout=S     bound for the script, a little under run-vm.sh's own timeout
#   smbw_ktree=DIR     extracted kernel tree; /lib/modules/KVER is linked to it
#   smbw_cache=DIR     the VM cache, exported to the script as SMBW_VM_CACHE
# Writes the script's exit code to /out/rc, its output to /out/guest.log, and powers off.
# No set -e: PID 1 must reach the power-off whatever fails on the way.
set -uo pipefail

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

uptime_s() { cut -d' ' -f1 /proc/uptime; }

mount_fs() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	# bash's process substitution and many scripts want /dev/fd and friends.
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t tmpfs tmpfs /run
	mount -t tmpfs tmpfs /tmp
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t bpf bpf /sys/fs/bpf
}

# modprobe (host kmod, handles .ko.xz) looks in /lib/modules/$(uname -r).
link_modules() {
	local kver
	kver=$(uname -r)
	mkdir -p /lib/modules
	rm -rf "/lib/modules/$kver"
	ln -s "${smbw_ktree:?}/lib/modules/$kver" "/lib/modules/$kver"
}

run_script() {
	local args=()
	[ -n "${smbw_args:-}" ] && mapfile -d '' -t args < <(base64 -d <<< "$smbw_args")
	cd /tmp || return 1
	SMBW_VM_CACHE=${smbw_cache:-} SMBW_GUEST=1 \
		timeout -k 5 "${smbw_timeout:-900}" bash "${smbw_script:?}" "${args[@]}" \
		< /dev/null 2>&1 | tee /out/guest.log
	return "${PIPESTATUS[0]}"
}

power_off() {
	sync
	umount /out 2>/dev/null
	echo o > /proc/sysrq-trigger
	sleep 10
	echo b > /proc/sysrq-trigger
}

main() {
	local rc t0
	mount_fs
	ip link set lo up
	hostname smbwatch-vm
	link_modules
	t0=$(uptime_s)
	echo "guest-init: userspace up at ${t0}s, kernel $(uname -r), running $smbw_script"
	run_script
	rc=$?
	printf 'userspace_up=%s\nscript_end=%s\nrc=%s\n' "$t0" "$(uptime_s)" "$rc" > /out/timing
	# Last: run-vm.sh takes the presence of /out/rc as "the guest finished".
	echo "$rc" > /out/rc
	echo "guest-init: script rc=$rc at $(uptime_s)s"
	power_off
}

main "$@"
