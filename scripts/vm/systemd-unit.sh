#!/bin/bash
# systemd-unit.sh start|stop: ExecStart and ExecStopPost of smbw-test.service in the systemd
# guest mode; the same contract as guest-init.sh: the script named by smbw_script= on the
# kernel command line runs with its smbw_args= (base64, NUL-separated), its output goes to
# /out/guest.log, its exit code to /out/rc (128+N when killed by signal N).
# systemd does not hand the kernel's key=value words to units: they are read back here.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

read -r -a words < /proc/cmdline
for w in "${words[@]}"; do
	case $w in
	smbw_script=* | smbw_args=* | smbw_timeout=* | smbw_ktree=* | smbw_cache=*)
		declare "${w%%=*}=${w#*=}" ;;
	esac
done
uptime_s() { cut -d' ' -f1 /proc/uptime; }

start() {
	local args=() rc t0
	[ -n "${smbw_args:-}" ] && mapfile -d '' -t args < <(base64 -d <<< "$smbw_args")
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	ip link set lo up
	t0=$(uptime_s)
	echo "$t0" > /out/userspace_up
	echo "guest-init: userspace up at ${t0}s (systemd), kernel $(uname -r), running $smbw_script" > /dev/console
	cd /tmp || return 1
	SMBW_VM_CACHE=${smbw_cache:-} SMBW_GUEST=1 \
		timeout -k 5 "${smbw_timeout:-900}" bash "${smbw_script:?}" "${args[@]}" \
		< /dev/null 2>&1 | tee /out/guest.log
	rc=${PIPESTATUS[0]}
	printf 'userspace_up=%s\nscript_end=%s\nrc=%s\n' "$t0" "$(uptime_s)" "$rc" > /out/timing
	return "$rc"
}

stop() {
	local rc=${EXIT_STATUS:-99} n
	# numeric when the script exited; a signal name (TERM, KILL) when it was killed
	if ! [[ $rc =~ ^[0-9]+$ ]]; then
		n=$(kill -l "$rc" 2>/dev/null) && rc=$((128 + n)) || rc=99
	fi
	journalctl -b -o short-monotonic --no-pager > /out/journal.txt 2>/dev/null
	echo "$rc" > /out/rc
	echo "guest-init: script rc=$rc at $(uptime_s)s" > /dev/console
	sync
}

case ${1:-} in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
