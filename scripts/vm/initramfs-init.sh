#!/bin/busybox sh
# shellcheck shell=dash disable=SC2154 # smbw_* come from the kernel command line
# /init of the initramfs (busybox sh): load the few modules mkinitramfs.sh packed, mount the host
# root (virtiofs tag "hostroot", exported read-only by run-vm.sh) under a tmpfs overlay so that
# the guest can write anywhere, mount the OUTDIR share (tag "out") on /out, and switch_root to
# guest-init.sh ($smbw_init, from the kernel command line).

rescue() {
	echo "initramfs: $*" > /dev/console
	# Nothing else can be done: power off so run-vm.sh reports the failure at once.
	echo o > /proc/sysrq-trigger
	sleep 10
}

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
	insmod "/mods/$m" || echo "initramfs: insmod $m failed"
done < /mods/order
mount -t virtiofs -o ro hostroot /lower || rescue "virtiofs mount of hostroot failed"
mount -t tmpfs -o size=75% rw /rw || rescue "tmpfs failed"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	rescue "overlay mount failed"
mkdir -p /newroot/out
mount -t virtiofs out /newroot/out || rescue "virtiofs mount of out failed"
[ -x "/newroot$smbw_init" ] || rescue "no guest init $smbw_init in the host root"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$smbw_init"
