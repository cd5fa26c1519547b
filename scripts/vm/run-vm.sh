#!/bin/bash
# run-vm.sh: boot one cached Debian kernel under qemu and run a script inside it.
#
# usage: run-vm.sh [-k KVER] [-t TIMEOUT_S] [-o OUTDIR] [-a tcg|kvm] [-m MB] [-x KARGS] [-s] [-v]
#                  SCRIPT [ARGS...]
#   -k  kernel from ${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}/kernels (default: the newest there)
#   -t  bound for the whole VM, boot included (default 900 s)
#   -b  bound for the boot alone: no "userspace up" on the console after that long and qemu is
#       stopped (default $SMBW_VM_BOOT_TIMEOUT, else 240 s; a boot takes 10-20 s under TCG, and
#       one that hangs in the emulator would otherwise hold the whole -t bound)
#   -o  directory mounted writable on /out in the guest
#       (default ${SMBW_VM_OUT:-/var/tmp/smbwatch-vm/out}/KVER)
#   -a  tcg (default; -accel tcg,thread=multi -cpu max) or kvm
#   -m  guest memory in MB (default 2048)
#   -x  extra kernel command line words (e.g. -x loglevel=7)
#   -s  boot with systemd as PID 1 (journald, units, systemctl); the script then runs as a
#       oneshot unit (systemd-root.sh, systemd-init.sh, systemd-unit.sh). Default: a bash PID 1
#   -v  stream the serial console (always saved in OUTDIR/console.log)
# Exit status: the guest script's.  99 when the guest wrote no rc (kernel panic, timeout, boot
# failure): a one-line reason and the console's last 30 lines go to stderr.
#
# The guest sees the host / read-only under a tmpfs overlay (writes vanish at power-off), over
# virtiofs: the C virtiofsd of qemu 7.2 has no read-only mode, so it exports a read-only bind
# mount of / made for this run.  Every socket, mount point and temp file lives in a per-run work
# dir under the cache, removed on exit with qemu and virtiofsd: runs do not share anything, but
# run one VM at a time on a 2-core machine.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}
VIRTIOFSD=/usr/lib/qemu/virtiofsd

KVER='' OUT='' XARGS='' TMO=900 BOOT_TMO=${SMBW_VM_BOOT_TIMEOUT:-240} BOOT_HUNG=0 ACCEL=tcg MEM=2048 VERBOSE=0 INIT=guest-init.sh
WORK='' RO='' TAILPID='' QPID=''
VFS_PIDS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run-vm: $*" >&2; exit 98; }

newest_kernel() {
	local d
	for d in "$CACHE"/kernels/linux-image-*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		echo "${d##*/linux-image-}"
	done | sort -V | tail -1
}

parse_args() {
	local o
	while getopts k:t:b:o:a:m:x:svh o; do
		case $o in
		k) KVER=$OPTARG ;;
		t) TMO=$OPTARG ;;
		b) BOOT_TMO=$OPTARG ;;
		o) OUT=$OPTARG ;;
		a) ACCEL=$OPTARG ;;
		m) MEM=$OPTARG ;;
		x) XARGS=$OPTARG ;;
		s) INIT=systemd-init.sh ;;
		v) VERBOSE=1 ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -ge 1 ] || usage
	SCRIPT=$(realpath -e "$1") || die "no script $1"
	case $SCRIPT in
	/tmp/*|/run/*|/dev/*|/proc/*|/sys/*)
		die "the guest mounts its own /tmp, /run, /dev: put $SCRIPT elsewhere (/var/tmp)" ;;
	esac
	# They travel as plain words on the kernel command line.
	case "$SCRIPT $HERE $CACHE" in
	*[[:space:]]*[[:space:]]*[[:space:]]*) die "no white space in $SCRIPT, $HERE or $CACHE" ;;
	esac
	shift
	ARGS=("$@")
	[ -n "$KVER" ] || KVER=$(newest_kernel)
	[ -n "$KVER" ] || die "no kernel in $CACHE/kernels: run scripts/vm/fetch-kernels.sh"
	KTREE=$CACHE/kernels/linux-image-$KVER
	[ -e "$KTREE/boot/vmlinuz-$KVER" ] || die "no kernel $KTREE: run scripts/vm/fetch-kernel.sh"
	OUT=${OUT:-${SMBW_VM_OUT:-$CACHE/out}/$KVER}
	case $ACCEL in tcg|kvm) ;; *) usage ;; esac
}

# Kill what this run started and remove its work dir.  rm -rf is never used on the work dir: the
# read-only bind of / lives in it and must be unmounted first, or it would be walked into.
# shellcheck disable=SC2317 # trap handler
cleanup() {
	local p
	trap - EXIT INT TERM
	set +e # best effort: a process that already exited is fine
	[ -n "$WORK" ] && [ -s "$WORK/qemu.pid" ] && kill "$(cat "$WORK/qemu.pid")" 2>/dev/null
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	for p in "${VFS_PIDS[@]}" $TAILPID; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "$WORK" ] || return 0
	if [ -n "$RO" ] && mountpoint -q "$RO"; then
		umount "$RO" || umount -l "$RO"
	fi
	[ -n "$RO" ] && rmdir "$RO" 2>/dev/null
	rm -f "$WORK"/*.sock "$WORK"/qemu.pid "$WORK"/qemu.log "$WORK"/virtiofsd-*.log
	rmdir "$WORK" 2>/dev/null || echo "run-vm: left $WORK" >&2
}

# shellcheck disable=SC2317 # trap handler
on_signal() { echo "run-vm: interrupted" >&2; exit 130; }

make_workdir() {
	mkdir -p "$CACHE/run"
	WORK=$(mktemp -d "$CACHE/run/vm.XXXXXX")
	RO=$WORK/root
	mkdir "$RO"
	# Private, so that other mounts on the host (other runs) do not show up in it.
	mount --bind / "$RO"
	mount --make-private "$RO"
	mount -o remount,bind,ro "$RO"
}

start_virtiofsd() {
	local tag=$1 src=$2 cache=$3
	"$VIRTIOFSD" --socket-path="$WORK/$tag.sock" -o source="$src" -o cache="$cache" \
		-o sandbox=chroot -o log_level=err > "$WORK/virtiofsd-$tag.log" 2>&1 &
	VFS_PIDS+=($!)
}

wait_sockets() {
	for _ in $(seq 100); do
		[ -S "$WORK/hostroot.sock" ] && [ -S "$WORK/out.sock" ] && return 0
		sleep 0.05
	done
	die "virtiofsd did not start: $(cat "$WORK"/virtiofsd-*.log)"
}

# Up to date with mkinitramfs.sh and initramfs-init.sh, or rebuilt.
ensure_initramfs() {
	INITRD=$CACHE/initramfs/$KVER.cpio.gz
	if [ ! -s "$INITRD" ] || [ "$HERE/initramfs-init.sh" -nt "$INITRD" ] ||
		[ "$HERE/mkinitramfs.sh" -nt "$INITRD" ]; then
		"$HERE/mkinitramfs.sh" "$KVER"
	fi
}

kernel_cmdline() {
	local args=""
	[ ${#ARGS[@]} -eq 0 ] || args=$(printf '%s\0' "${ARGS[@]}" | base64 -w0)
	local inner=$((TMO > 60 ? TMO - 30 : TMO))
	# shellcheck disable=SC2086 # XARGS is a word list
	printf '%s ' console=ttyS0 panic=-1 oops=panic mitigations=off tsc=reliable \
		no_timer_check loglevel=4 \
		"smbw_init=$HERE/$INIT" "smbw_script=$SCRIPT" "smbw_args=$args" \
		"smbw_timeout=$inner" "smbw_ktree=$KTREE" "smbw_cache=$CACHE" $XARGS
}

start_qemu() {
	local acc
	# shellcheck disable=SC2054 # commas belong to qemu's option syntax
	case $ACCEL in
	kvm) acc=(-accel kvm -cpu host,-arch-capabilities) ;; # qemu 7.2 asserts on that MSR otherwise
	*) acc=(-accel tcg,thread=multi -cpu max) ;;
	esac
	timeout -k 5 "$TMO" qemu-system-x86_64 -name smbwatch-vm -machine q35 "${acc[@]}" \
		-smp 2 -m "$MEM" \
		-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on" -numa node,memdev=mem \
		-chardev "socket,id=vfs0,path=$WORK/hostroot.sock" \
		-device vhost-user-fs-pci,chardev=vfs0,tag=hostroot \
		-chardev "socket,id=vfs1,path=$WORK/out.sock" \
		-device vhost-user-fs-pci,chardev=vfs1,tag=out \
		-display none -vga none -monitor none -nic none -no-reboot \
		-serial "file:$OUT/console.log" -pidfile "$WORK/qemu.pid" \
		-kernel "$KTREE/boot/vmlinuz-$KVER" -initrd "$INITRD" \
		-append "$(kernel_cmdline)" < /dev/null > "$WORK/qemu.log" 2>&1 &
	QPID=$!
	if [ "$VERBOSE" = 1 ]; then
		tail -n +1 -F --pid="$QPID" "$OUT/console.log" 2>/dev/null &
		TAILPID=$!
	fi
}

# Until the guest's userspace says it is up, or BOOT_TMO: then stop qemu (through timeout(1),
# which passes the signal on), and say so (BOOT_HUNG).
boot_watchdog() {
	local i
	for ((i = 0; i < BOOT_TMO * 5; i++)); do
		grep -q '^guest-init: userspace up' "$OUT/console.log" 2>/dev/null && return 0
		kill -0 "$QPID" 2>/dev/null || return 0
		sleep 0.2
	done
	BOOT_HUNG=1
	kill "$QPID" 2>/dev/null
	[ -s "$WORK/qemu.pid" ] && kill "$(cat "$WORK/qemu.pid")" 2>/dev/null
	return 0
}

# Why the guest left no rc, in one line.
no_rc_reason() {
	local qrc=$1 log=$OUT/console.log
	if [ "$BOOT_HUNG" = 1 ]; then
		echo "boot failure: no userspace after ${BOOT_TMO}s, qemu stopped (last console line: $(tail -n 1 "$log" 2>/dev/null | tr -d '\r'))"
	elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "timeout: no result after ${TMO}s"
	elif grep -q 'Kernel panic' "$log" 2>/dev/null; then
		echo "kernel panic: $(grep -m1 'Kernel panic' "$log" | tr -d '\r')"
	elif grep -q '^initramfs: ' "$log" 2>/dev/null; then
		echo "boot failure: $(grep '^initramfs: ' "$log" | tail -1 | tr -d '\r')"
	elif ! grep -q '^guest-init: userspace up' "$log" 2>/dev/null; then
		echo "boot failure: guest userspace never started (qemu rc=$qrc: $(tail -1 "$WORK/qemu.log"))"
	else
		echo "guest script left no rc (qemu rc=$qrc)"
	fi
}

main() {
	local qrc=0 t0 reason
	parse_args "$@"
	mkdir -p "$OUT"
	rm -f "$OUT/rc" "$OUT/console.log" "$OUT/timing"
	ensure_initramfs
	[ "$INIT" = guest-init.sh ] || "$HERE/systemd-root.sh" "$CACHE" > /dev/null
	trap cleanup EXIT
	trap on_signal INT TERM
	make_workdir
	start_virtiofsd hostroot "$RO" always
	start_virtiofsd out "$OUT" none
	wait_sockets
	t0=$(date +%s.%N)
	start_qemu
	boot_watchdog
	wait "$QPID" || qrc=$?
	QPID=
	[ -z "$TAILPID" ] || wait "$TAILPID" 2>/dev/null || true
	printf 'kernel=%s accel=%s qemu_rc=%s wall=%.1f guest_rc=%s\n' "$KVER" "$ACCEL" "$qrc" \
		"$(echo "$(date +%s.%N) - $t0" | bc)" "$(cat "$OUT/rc" 2>/dev/null || echo none)" \
		> "$OUT/run-vm.summary"
	if [ -s "$OUT/rc" ]; then
		exit "$(cat "$OUT/rc")"
	fi
	reason=$(no_rc_reason "$qrc")
	echo "run-vm: $KVER: $reason" >&2
	tail -n 30 "$OUT/console.log" 2>/dev/null | tr -d '\r' >&2
	exit 99
}

main "$@"
