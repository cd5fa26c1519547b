#!/bin/bash
# systemd-init.sh: PID 1 after switch_root in the systemd guest mode (run-vm.sh -s): lays
# the prebuilt tree of systemd-root.sh over the overlay root, then becomes systemd, which
# starts smbw-test.service (systemd-unit.sh) and powers off when it ends. Only two external
# commands before exec: each costs ~50 ms under TCG.
# smbw_preboot=NAME on the kernel command line (the kernel hands it to init as a variable):
# the scenario NAME needs a boot of its own, and its preboot step (fstab, units enabled) runs
# here, before systemd reads any of it (tests/vm/run-scenarios.sh --preboot).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp -a "${smbw_cache:?}/systemd-root/." /
# The host may be a container: systemd would take the guest for one and skip real work.
rm -f /.dockerenv
# A fresh, non-empty machine id: no first-boot presets, and not the host's journal.
printf '%08x%08x%08x%08x\n' $SRANDOM $SRANDOM $SRANDOM $SRANDOM > /etc/machine-id
if [ -n "${smbw_preboot:-}" ]; then
	echo "guest-init: preboot step of $smbw_preboot" > /dev/console
	bash "${smbw_script%/*}/run-scenarios.sh" --preboot "$smbw_preboot" ||
		echo "guest-init: preboot step of $smbw_preboot exited $?" > /dev/console
fi
exec /lib/systemd/systemd --unit=smbw.target
