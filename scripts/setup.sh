#!/bin/bash
# Installs everything smbwatch needs to build, run and test, on Debian 12+ or
# Ubuntu 22.04+. Idempotent: what is installed already is left alone.
#
#   sudo scripts/setup.sh          install the packages
#   sudo scripts/setup.sh --run    install, build, then run smbwatch (Ctrl-C stops it)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=(make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config libkrb5-dev)
# bpftrace: make bench measures it beside smbwatch, same tracepoints and filter
TEST=(libcmocka-dev iproute2 iptables jq util-linux python3 prometheus-node-exporter dpkg-dev debhelper lintian bpftrace)
# VM tests: qemu boots Debian kernels with real cifs.ko; Samba and mount.cifs run inside.
VM=(qemu-system-x86 busybox-static samba cifs-utils smbclient kmod cpio xz-utils zstd bc procps krb5-kdc krb5-admin-server krb5-user keyutils systemd-journal-remote)

die() {
	echo "setup: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run it as root: sudo $0 $*"
command -v apt-get >/dev/null || die "this script knows apt-get only (Debian, Ubuntu); install the packages it lists by hand"

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

# bpftool is its own package on Debian; Ubuntu ships it in linux-tools.
bpftool_pkgs() {
	if apt-cache show bpftool >/dev/null 2>&1; then
		echo bpftool
	else
		echo linux-tools-common linux-tools-generic
	fi
}

# libFuzzer and the sanitizer runtimes for make fuzz: clang only recommends them, and
# Debian 12 calls the package libclang-rt-14-dev where Ubuntu 22.04 has libclang-common-14-dev.
fuzz_pkgs() {
	local p
	for p in libclang-rt-14-dev libclang-common-14-dev; do
		if apt-cache show "$p" >/dev/null 2>&1; then
			missing "$p"
			return
		fi
	done
}

install_packages() {
	local want
	# shellcheck disable=SC2207
	want=($(missing "${BUILD[@]}" "${TEST[@]}" "${VM[@]}"))
	command -v bpftool >/dev/null || want+=($(bpftool_pkgs))
	want+=($(fuzz_pkgs))
	if [ ${#want[@]} -eq 0 ]; then
		echo "setup: all packages are installed"
		return
	fi
	echo "setup: installing ${want[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}"
}

install_packages
# The suite's own services are started by the tests themselves (smbd runs only
# inside the test VMs): keep the host's Samba from listening on 445.
for unit in smbd nmbd samba-ad-dc prometheus-node-exporter; do
	systemctl disable --now "$unit" >/dev/null 2>&1 || true
done

if [ "${1:-}" = --run ]; then
	make -j"$(nproc)"
	exec ./smbwatch
fi
