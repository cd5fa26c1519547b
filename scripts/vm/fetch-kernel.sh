#!/bin/bash
# fetch-kernel.sh: download and extract (never install) one Debian kernel into the VM cache.
#
# usage: fetch-kernel.sh [bookworm|trixie|sid] [FLAVOUR]   newest ABI of that suite (default
#                                                          bookworm cloud-amd64)
#        fetch-kernel.sh KVER                              one exact kernel, e.g.
#                                                          6.12.117+deb13-cloud-amd64
# Prints the KVER on stdout (progress goes to stderr).
#
# Cache (${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}):
#   kernels/linux-image-KVER/  extracted packages + depmod; .origin names suite, flavour, version
#   dl/                        the downloaded .debs
#   apt/                       private apt config for trixie and sid: sources.list, lists/,
#                              cache/.  /etc/apt is never written; bookworm uses the system lists.
# An extracted kernel is reused without any network access; SMBW_VM_REFRESH=1 asks apt again
# for a newer ABI.
set -euo pipefail

CACHE=${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}
KDIR=$CACHE/kernels
DL=$CACHE/dl
APT2=$CACHE/apt
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_OPTS=()

log() { echo "fetch-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

# The mirror the host already uses: the only one this machine can reach.
mirror_uri() {
	local uri
	uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "no Debian mirror URI in /etc/apt/sources.list.d/*.sources"
	echo "$uri"
}

private_apt_init() {
	mkdir -p "$APT2/lists/partial" "$APT2/cache/archives/partial"
	if [ ! -s "$APT2/sources.list" ]; then
		local uri
		uri=$(mirror_uri)
		printf 'deb [signed-by=%s] %s %s main\n' \
			"$KEYRING" "$uri" trixie "$KEYRING" "$uri" sid > "$APT2/sources.list"
	fi
	APT_OPTS=(-o "Dir::Etc::SourceList=$APT2/sources.list"
		  -o Dir::Etc::SourceParts=/dev/null
		  -o "Dir::State::Lists=$APT2/lists"
		  -o "Dir::Cache=$APT2/cache")
}

# Fill the private lists once (or again on SMBW_VM_REFRESH=1).
private_apt_update() {
	if [ "${SMBW_VM_REFRESH:-0}" = 1 ] || ! ls "$APT2"/lists/*_Packages* >/dev/null 2>&1; then
		log "apt-get update (private config $APT2)"
		apt-get -q "${APT_OPTS[@]}" update >&2
	fi
}

# The system lists may be empty or stale on a fresh machine.
system_apt_update() {
	local flav=$1
	if [ "${SMBW_VM_REFRESH:-0}" = 1 ] || [ -z "$(apt-cache madison "linux-image-$flav")" ]; then
		log "apt-get update (system lists, for bookworm)"
		apt-get -q update >&2
	fi
}

use_suite() {
	local suite=$1 flav=$2
	case $suite in
	bookworm) APT_OPTS=(); system_apt_update "$flav" ;;
	trixie|sid) private_apt_init; private_apt_update ;;
	*) die "unknown suite '$suite' (bookworm, trixie or sid)" ;;
	esac
}

# Newest version of PKG in SUITE (also matches bookworm-security and bookworm-updates).
newest_version() {
	local pkg=$1 suite=$2
	apt-cache "${APT_OPTS[@]}" madison "$pkg" |
		awk -F'|' -v s="$suite" '$3 ~ " "s"[-/]" { gsub(/ /, "", $2); print $2 }' |
		sort -V | tail -1
}

# The ABI package the flavour's meta package depends on, e.g. linux-image-6.1.0-41-cloud-amd64.
abi_package() {
	local flav=$1 ver=$2
	apt-cache "${APT_OPTS[@]}" show "linux-image-$flav=$ver" |
		sed -n 's/^Depends: *//p' | head -1 | sed 's/[,|]/\n/g' |
		sed 's/ *(.*//; s/^ *//' | grep '^linux-image-' | head -1
}

# sid (7.x) splits the image: linux-image-KVER only depends on linux-{base,binary,modules}-KVER.
packages_for() {
	local img=$1 ver=$2 kver=$3
	if apt-cache "${APT_OPTS[@]}" show "$img=$ver" | grep '^Depends:' | head -1 |
		grep -q "linux-modules-$kver"; then
		echo "linux-base-$kver linux-binary-$kver linux-modules-$kver"
	else
		echo "$img"
	fi
}

deb_file() { echo "$DL/${1}_${2//:/%3a}_amd64.deb"; }

download() {
	local ver=$1 p
	shift
	mkdir -p "$DL"
	for p in "$@"; do
		[ -s "$(deb_file "$p" "$ver")" ] && continue
		log "download $p=$ver"
		(cd "$DL" && apt-get -q "${APT_OPTS[@]}" -o APT::Sandbox::User=root \
			download "$p=$ver" >&2)
	done
}

# Extract into a temporary tree and rename it, so an interrupted run leaves no half tree.
extract() {
	local kver=$1 ver=$2 origin=$3 p f
	shift 3
	local t=$KDIR/linux-image-$kver tmp=$KDIR/.tmp-$kver
	rm -rf "$tmp"
	mkdir -p "$tmp"
	for p in "$@"; do
		dpkg-deb -x "$(deb_file "$p" "$ver")" "$tmp"
		stat -c '%s %n' "$(deb_file "$p" "$ver")" >> "$tmp/.download-sizes"
	done
	# 6.12+ ship usr/lib/modules; kmod's depmod -b and modprobe -d want BASE/lib/modules.
	[ -e "$tmp/lib" ] || { [ -d "$tmp/usr/lib/modules" ] && ln -s usr/lib "$tmp/lib"; }
	# 7.x ships vmlinuz, config and System.map inside the module directory.
	mkdir -p "$tmp/boot"
	for f in vmlinuz config System.map; do
		[ -e "$tmp/boot/$f-$kver" ] || [ ! -e "$tmp/lib/modules/$kver/$f" ] ||
			ln -s "../lib/modules/$kver/$f" "$tmp/boot/$f-$kver"
	done
	[ -e "$tmp/boot/vmlinuz-$kver" ] || die "no vmlinuz in the packages of $kver"
	depmod -b "$tmp" "$kver"
	echo "$origin $ver" > "$tmp/.origin"
	rm -rf "$t"
	mv "$tmp" "$t"
}

# Newest extracted kernel that came from SUITE/FLAVOUR, if any.
cached_kver() {
	local suite=$1 flav=$2 o
	for o in "$KDIR"/linux-image-*/.origin; do
		[ -e "$o" ] || continue
		read -r s f _ < "$o"
		if [ "$s" != "$suite" ] || [ "$f" != "$flav" ]; then
			continue
		fi
		o=${o%/.origin}
		echo "${o##*/linux-image-}"
	done | sort -V | tail -1
}

fetch() {
	local kver=$1 img=$2 ver=$3 origin=$4 pkgs
	pkgs=$(packages_for "$img" "$ver" "$kver")
	# shellcheck disable=SC2086 # a word list of package names
	download "$ver" $pkgs
	# shellcheck disable=SC2086
	extract "$kver" "$ver" "$origin" $pkgs
	log "$kver: $(awk '{ s += $1 } END { printf "%.1f MB downloaded", s / 1e6 }' \
		"$KDIR/linux-image-$kver/.download-sizes")"
}

fetch_suite() {
	local suite=$1 flav=$2 kver ver img
	kver=$(cached_kver "$suite" "$flav")
	if [ -n "$kver" ] && [ "${SMBW_VM_REFRESH:-0}" != 1 ]; then
		echo "$kver"
		return
	fi
	use_suite "$suite" "$flav"
	ver=$(newest_version "linux-image-$flav" "$suite")
	[ -n "$ver" ] || die "no linux-image-$flav in $suite"
	img=$(abi_package "$flav" "$ver")
	[ -n "$img" ] || die "linux-image-$flav=$ver names no linux-image-KVER"
	kver=${img#linux-image-}
	kver=${kver%-unsigned}
	[ -e "$KDIR/linux-image-$kver/.origin" ] || fetch "$kver" "$img" "$ver" "$suite $flav"
	echo "$kver"
}

# Exact KVER: look for linux-image-KVER (or -unsigned) in bookworm, then trixie and sid.
fetch_kver() {
	local kver=$1 flav=${1#*-*-} suite img ver
	if [ -e "$KDIR/linux-image-$kver/.origin" ]; then
		echo "$kver"
		return
	fi
	case $kver in
	*+deb13-*) flav=${kver#*+deb13-} ;;
	*+deb1[4-9]-*) flav=${kver#*+deb1?-} ;;
	esac
	for suite in bookworm trixie sid; do
		use_suite "$suite" "$flav"
		for img in "linux-image-$kver" "linux-image-$kver-unsigned"; do
			ver=$(newest_version "$img" "$suite")
			[ -n "$ver" ] || continue
			fetch "$kver" "$img" "$ver" "$suite $flav"
			echo "$kver"
			return
		done
	done
	die "no package linux-image-$kver in bookworm, trixie or sid"
}

main() {
	local arg=${1:-bookworm}
	mkdir -p "$KDIR"
	case $arg in
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) fetch_kver "$arg" ;;
	*) fetch_suite "$arg" "${2:-cloud-amd64}" ;;
	esac
}

main "$@"
