#!/bin/bash
# systemd-root.sh: host side of the systemd guest mode (run-vm.sh -s). Builds, once per
# change of this script, the small tree that systemd-init.sh copies over the guest's
# overlay root with one cp: every fork+exec costs ~50 ms under TCG, so nothing is done
# file by file at boot.
#
#   scripts/vm/systemd-root.sh CACHE      -> CACHE/systemd-root (prints the path)
#
# What the tree holds: journald kept in memory and unthrottled; generators and units
# that make no sense in a throwaway guest masked; no udev or D-Bus is needed; the test
# unit smbw-test.service (runs the script named on the kernel command line and powers
# off) and smbw.target that boot stops at; /usr/lib/modules/KVER links to the cached
# kernel trees. Recipe: ../shared/vm-reference/systemd/.
set -euo pipefail
CACHE=${1:?cache dir}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$CACHE/systemd-root
STAMP=$ROOT/.built-from

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(sha1sum "$0" | cut -d' ' -f1)" ] &&
   [ "$(ls -d "$CACHE"/kernels/linux-image-* 2>/dev/null | wc -l)" = \
     "$(ls "$ROOT/usr/lib/modules" 2>/dev/null | wc -l)" ]; then
	echo "$ROOT"
	exit 0
fi
rm -rf "$ROOT"
mkdir -p "$ROOT"/etc/systemd/system/smbw-test.service.d "$ROOT"/etc/systemd/system-generators \
	"$ROOT"/etc/systemd/journald.conf.d "$ROOT"/usr/lib/modules
echo smbwatch-vm > "$ROOT/etc/hostname"
echo '# the root is the initramfs overlay; /out is mounted by the initramfs' > "$ROOT/etc/fstab"
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\n' > "$ROOT/etc/systemd/journald.conf.d/smbw.conf"
for t in "$CACHE"/kernels/linux-image-*/; do
	kver=${t%/}
	kver=${kver##*/linux-image-}
	ln -sfn "$CACHE/kernels/linux-image-$kver/lib/modules/$kver" "$ROOT/usr/lib/modules/$kver"
done
for g in systemd-gpt-auto-generator systemd-cryptsetup-generator systemd-veritysetup-generator \
	 systemd-integritysetup-generator systemd-getty-generator systemd-debug-generator \
	 systemd-run-generator systemd-system-update-generator systemd-hibernate-resume-generator \
	 systemd-bless-boot-generator systemd-rc-local-generator systemd-sysv-generator \
	 postgresql-generator; do
	ln -sf /dev/null "$ROOT/etc/systemd/system-generators/$g"
done
for u in getty@tty1.service serial-getty@ttyS0.service getty.target systemd-timesyncd.service \
	 systemd-pstore.service systemd-firstboot.service systemd-repart.service \
	 systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-binfmt.service \
	 proc-sys-fs-binfmt_misc.automount sys-kernel-config.mount sys-fs-fuse-connections.mount \
	 systemd-modules-load.service systemd-machine-id-commit.service systemd-random-seed.service \
	 systemd-remount-fs.service systemd-udevd.service systemd-udev-trigger.service \
	 systemd-udev-settle.service systemd-hwdb-update.service ldconfig.service \
	 systemd-sysusers.service systemd-update-done.service networking.service \
	 systemd-networkd.service systemd-resolved.service apt-daily.timer apt-daily-upgrade.timer \
	 man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer \
	 smbd.service nmbd.service samba-ad-dc.service postgresql.service cron.service ssh.service \
	 rsyslog.service remote-fs.target console-setup.service keyboard-setup.service; do
	ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
cat > "$ROOT/etc/systemd/system/smbw-test.service" <<UNIT
[Unit]
Description=smbwatch VM test script (smbw_script= on the kernel command line)
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service
After=systemd-journald.socket systemd-journald.service
RequiresMountsFor=/out
Conflicts=shutdown.target
Before=shutdown.target
SuccessAction=poweroff
FailureAction=poweroff
[Service]
Type=oneshot
ExecStart=$HERE/systemd-unit.sh start
ExecStopPost=$HERE/systemd-unit.sh stop
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=inherit
UNIT
cat > "$ROOT/etc/systemd/system/smbw.target" <<'UNIT'
[Unit]
Description=smbwatch VM test target
Requires=smbw-test.service
After=smbw-test.service
AllowIsolate=yes
UNIT
sha1sum "$0" | cut -d' ' -f1 > "$STAMP"
echo "$ROOT"
