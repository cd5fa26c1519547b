#!/bin/bash
# mkinitramfs.sh: busybox initramfs for one extracted kernel of the VM cache.
#
# usage: mkinitramfs.sh KVER   -> ${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}/initramfs/KVER.cpio.gz
# It only has to reach the host root: virtio_pci, virtiofs (+ fuse) and overlay, and only those
# that are modules (6.12+ cloud kernels build virtio_pci and virtiofs in).  .ko.xz/.zst/.gz are
# decompressed here so that busybox insmod never has to.  /init is initramfs-init.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}
MODULES="virtio_pci virtiofs overlay"

die() { echo "mkinitramfs: $*" >&2; exit 1; }

# Module files (with dependencies, in load order) that are not built in.
module_files() {
	local tree=$1 kver=$2 m
	for m in $MODULES; do
		modprobe -d "$tree" -S "$kver" --show-depends "$m" ||
			die "$kver has no module $m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

copy_module() {
	local ko=$1 dir=$2 name
	name=$(basename "$ko")
	name=${name%.ko*}.ko
	case $ko in
	*.ko.xz) xz -dc "$ko" > "$dir/$name" ;;
	*.ko.zst) zstd -qdc "$ko" > "$dir/$name" ;;
	*.ko.gz) gzip -dc "$ko" > "$dir/$name" ;;
	*) cp "$ko" "$dir/$name" ;;
	esac
	echo "$name"
}

main() {
	local kver=${1:?usage: mkinitramfs.sh KVER} tree w out ko
	tree=$CACHE/kernels/linux-image-$kver
	[ -d "$tree/lib/modules/$kver" ] || die "no kernel tree $tree (run fetch-kernel.sh)"
	out=$CACHE/initramfs/$kver.cpio.gz
	mkdir -p "$CACHE/initramfs"
	w=$(mktemp -d "$CACHE/initramfs/.build.XXXXXX")
	# shellcheck disable=SC2064 # expand $w now: it is local
	trap "rm -rf '$w'" EXIT
	mkdir -p "$w"/{bin,mods,proc,sys,dev,lower,rw,newroot}
	cp /bin/busybox "$w/bin/busybox"
	cp "$HERE/initramfs-init.sh" "$w/init"
	chmod 755 "$w/init"
	module_files "$tree" "$kver" > "$w/kos"
	while read -r ko; do
		copy_module "$ko" "$w/mods"
	done < "$w/kos" > "$w/mods/order"
	rm "$w/kos"
	(cd "$w" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
	mv "$out.tmp" "$out"
	echo "mkinitramfs: $out (insmod: $(tr '\n' ' ' < "$w/mods/order"))" >&2
}

main "$@"
