#!/bin/bash
# guest-lib.sh: helpers for the VM scenarios; sourced inside the guest only (tests/vm/scenarios).
#
#   smbw_modprobe_cifs                     load cifs.ko (and its dependencies)
#   smbw_samba_start GLOBAL_EXTRA SHARES   smbd on 127.0.0.1:445; "@SMBDIR@" in either string is
#                                          replaced by the instance dir, which has a share/ folder
#   smbw_samba_stop                        stop that smbd and its children, wait until 445 is free
#   smbw_add_user NAME PASSWORD            Unix user (if missing) + Samba (tdbsam) user
#   smbw_disable_user NAME                 smbpasswd -d
#   smbw_mount UNC OPTS                    bounded mount -t cifs on $SMBW_MNT, prints
#                                          "MOUNT rc=N elapsed=S", unmounts on success, returns rc
#   smbw_mount_on MNT UNC OPTS             the same on mount point MNT (concurrent mounts)
#   smbw_fake_server MODE PORT [ADDR]      fake-smb-server silent|reset on ADDR:PORT (127.0.0.1)
#   smbw_fake_server_stop [PORT]           stop the fake servers on PORT (or every one)
#   smbw_reason TEXT                       reason line for this scenario's result
#   smbw_cifs_quiesce [S [BASE]]           wait until cifs.ko has no user left (no connection), or
#                                          no more than BASE (a running smbwatch holds some)
#   smbw_cifs_refs                         cifs.ko's reference count now
#   smbw_cleanup                           unmount, stop fake servers and smbd, undo addresses,
#                                          firewall rules and sysctls, quiesce cifs.ko
#                                          (the runner calls it after every scenario)
# Servers side by side, each on its own loopback address (127.0.0.2, .3, ...):
#   smbw_lo_addr ADDR                      add ADDR/32 to lo (smbd binds only to an address that
#                                          an interface has; 127.0.0.0/8 routes there anyway)
#   smbw_samba_start_at ADDR GLOBAL SHARES [USERS_FROM]
#                                          smbd bound to ADDR:445 only (interfaces = ADDR/32,
#                                          bind interfaces only), an instance dir of its own;
#                                          USERS_FROM: the address of an instance whose users
#                                          (tdbsam, secrets) it starts with (smbpasswd is slow
#                                          under TCG).  Instances may start concurrently.
#   smbw_samba_stop_at ADDR                stop that one;  smbw_samba_stop_all: every instance
#   smbw_add_user_at ADDR NAME PASSWORD    smbw_add_user, in that instance's tdbsam
#   smbw_disable_user_at ADDR NAME         smbw_disable_user, there
#   smbw_blackhole ADDR PORT               iptables INPUT DROP of TCP to ADDR:PORT: SYNs vanish
#                                          (dropped on INPUT so that retransmits are traced)
#   smbw_sysctl NAME VALUE                 sysctl -w, the old value restored by smbw_cleanup
# Samba instance n keeps everything (smb.conf, tdbsam, locks, logs, pid) in /tmp/smb-n, so no
# instance sees the state of the one before.  Bookkeeping for cleanup lives in $SMBW_STATE
# (samba.d/ADDR: the instance dir of the smbd on ADDR).
# No set -e here: this is sourced into the scenario shells, which test return codes themselves.

# Without forking where it can: every process costs ~30 ms under TCG, and this is sourced for
# every scenario.
SMBW_REPO=${BASH_SOURCE[0]%/scripts/vm/guest-lib.sh}
[ "${SMBW_REPO#/}" != "$SMBW_REPO" ] || SMBW_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SMBW_STATE=/tmp/smbw
SMBW_MNT=${SMBW_MNT:-/mnt/smbw}
SMBW_MOUNT_TIMEOUT=${SMBW_MOUNT_TIMEOUT:-90}
SMBW_SAMBA_DIR=
SMBW_SAMBA_CONF=
[ -d "$SMBW_STATE" ] || mkdir -p "$SMBW_STATE"

smbw_log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*"; }

smbw_reason() {
	[ -n "${SMBW_SCENARIO_OUT:-}" ] && echo "$*" > "$SMBW_SCENARIO_OUT/reason"
	smbw_log "reason: $*"
}

# Seconds between two /proc/uptime readings, 2 decimals.
_smbw_now() { cut -d' ' -f1 /proc/uptime; }
_smbw_since() { awk -v a="$1" -v b="$(_smbw_now)" 'BEGIN { printf "%.2f", b - a }'; }

# Wait up to $3 seconds until TCP port $1 is (listening: $2=up) or (free: $2=down); with $4,
# on that local address only (else on any).
_smbw_wait_port() {
	local port=$1 want=$2 tries=$(($3 * 5)) addr=${4:-} state filter
	filter="sport = :$port"
	[ -n "$addr" ] && filter="src $addr:$port"
	while [ "$tries" -gt 0 ]; do
		state=down
		[ -n "$(ss -Hltn "$filter")" ] && state=up
		[ "$state" = "$want" ] && return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	return 1
}

# Copy a log next to the scenario's result, for post-mortems (as $2 when given).
_smbw_keep() {
	[ -n "${SMBW_SCENARIO_OUT:-}" ] && [ -e "$1" ] && cp "$1" "$SMBW_SCENARIO_OUT/${2:-}"
	return 0
}

smbw_modprobe_cifs() {
	modprobe cifs || return 1
	[ -d /sys/module/cifs ]
}

smbw_lo_addr() {
	local addr=${1:?address}
	[ "$addr" = 127.0.0.1 ] && return 0
	(
		flock 9
		if ! ip -4 -o addr show dev lo | grep -q " $addr/32 "; then
			ip addr add "$addr/32" dev lo || exit 1
			echo "$addr" >> "$SMBW_STATE/lo-addrs"
		fi
	) 9> "$SMBW_STATE/lo-addrs.lock"
}

# The instance running on address $1 (default 127.0.0.1), as recorded by _smbw_samba_spawn.
_smbw_samba_load() {
	local f=$SMBW_STATE/samba.d/${1:-127.0.0.1}
	[ -s "$f" ] || return 1
	SMBW_SAMBA_DIR=$(cat "$f")
	SMBW_SAMBA_CONF=$SMBW_SAMBA_DIR/smb.conf
}

_smbw_samba_conf() {
	local dir=$1 global=$2 shares=$3 ifaces=$4
	cat <<-EOC
	[global]
	server role = standalone server
	interfaces = $ifaces
	bind interfaces only = yes
	smb ports = 445
	disable netbios = yes
	passdb backend = tdbsam:$dir/private/passdb.tdb
	private dir = $dir/private
	lock directory = $dir/lock
	state directory = $dir/state
	cache directory = $dir/cache
	pid directory = $dir/run
	ncalrpc dir = $dir/ncalrpc
	log file = $dir/log.%m
	log level = 1
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	${global//@SMBDIR@/$dir}

	${shares//@SMBDIR@/$dir}
	EOC
}

# The next instance number (instances may start concurrently).
_smbw_samba_next() {
	(
		flock 9
		n=$(($(cat "$SMBW_STATE/samba-count" 2>/dev/null || echo 0) + 1))
		echo "$n" > "$SMBW_STATE/samba-count"
		echo "$n"
	) 9> "$SMBW_STATE/samba-count.lock"
}

# _smbw_samba_spawn ADDR IFACES GLOBAL SHARES [USERS_FROM]: a fresh instance on ADDR:445.
_smbw_samba_spawn() {
	local addr=$1 ifaces=$2 global=$3 shares=$4 from=${5:-} n dir t0 fromdir=""
	if [ -n "$from" ]; then
		fromdir=$(cat "$SMBW_STATE/samba.d/$from" 2>/dev/null) ||
			{ smbw_log "no smbd on $from to take users from"; return 1; }
	fi
	_smbw_samba_load "$addr" && smbw_samba_stop_at "$addr"
	n=$(_smbw_samba_next)
	dir=/tmp/smb-$n
	mkdir -p "$dir"/{private,lock,state,cache,run,ncalrpc,share}
	[ -z "$fromdir" ] || cp -p "$fromdir"/private/*.tdb "$dir/private/" || return 1
	chmod 777 "$dir/share"
	echo "hello from smbwatch" > "$dir/share/hello.txt"
	_smbw_samba_conf "$dir" "$global" "$shares" "$ifaces" > "$dir/smb.conf"
	testparm -s "$dir/smb.conf" > "$dir/testparm.out" 2>&1 ||
		{ smbw_log "smb.conf rejected:"; cat "$dir/testparm.out"; return 1; }
	mkdir -p "$SMBW_STATE/samba.d"
	echo "$dir" > "$SMBW_STATE/samba.d/$addr"
	_smbw_samba_load "$addr"
	t0=$(_smbw_now)
	smbd -D -s "$SMBW_SAMBA_CONF" || return 1
	if ! _smbw_wait_port 445 up 30 "$addr"; then
		smbw_log "smbd does not listen on $addr:445 after 30 s"
		tail -n 20 "$dir/log.smbd" 2>/dev/null
		return 1
	fi
	smbw_log "smbd $n listening on $addr:445 after $(_smbw_since "$t0") s"
}

smbw_samba_start() {
	_smbw_samba_spawn 127.0.0.1 127.0.0.1/8 "${1:-}" "${2:-}"
}

smbw_samba_start_at() {
	local addr=${1:?address}
	smbw_lo_addr "$addr" || return 1
	_smbw_samba_spawn "$addr" "$addr/32" "${2:-}" "${3:-}" "${4:-}"
}

# smbd -D calls setsid: the daemon and its per-client children share its session.  The
# samba-dcerpcd it starts on demand (with rpcd_* workers) makes a session of its own; it is found
# by this instance's unique --configfile.  Killing whole sessions leaves no child behind.
_smbw_samba_sessions() {
	local pid
	cat "$SMBW_SAMBA_DIR/run/smbd.pid" 2>/dev/null
	for pid in $(pgrep -f -- "--configfile=$SMBW_SAMBA_CONF( |$)"); do
		ps -o sid= -p "$pid"
	done
}

# SIGKILL at once: an orderly smbd shutdown costs over a second under TCG, and nothing of an
# instance is ever used again.
smbw_samba_stop_at() {
	local addr=${1:?address} sids sid keep
	_smbw_samba_load "$addr" || return 0
	sids=$(_smbw_samba_sessions | awk '$1 > 1 && !seen[$1]++ { print $1 }')
	for sid in $sids; do
		pkill -KILL -s "$sid"
	done
	for _ in $(seq 50); do
		pgrep -s "$(echo "$sids" | tr '\n' , | sed 's/,$//')" > /dev/null || break
		sleep 0.1
	done
	keep=log.smbd
	[ "$addr" = 127.0.0.1 ] || keep=log.smbd-$addr
	_smbw_keep "$SMBW_SAMBA_DIR/log.smbd" "$keep"
	rm -f "$SMBW_STATE/samba.d/$addr"
	if ! _smbw_wait_port 445 down 10 "$addr"; then
		smbw_log "port $addr:445 still busy after stopping smbd"
		return 1
	fi
	smbw_log "smbd on $addr stopped"
}

smbw_samba_stop() {
	smbw_samba_stop_at 127.0.0.1
}

# All at once: each stop waits for its processes and its port.
smbw_samba_stop_all() {
	local f pids=() rc=0 p
	for f in "$SMBW_STATE"/samba.d/*; do
		[ -e "$f" ] || continue
		smbw_samba_stop_at "${f##*/}" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	return "$rc"
}

smbw_add_user_at() {
	local addr=${1:?address} name=${2:?name} pw=${3:?password}
	_smbw_samba_load "$addr" || { smbw_log "smbw_add_user: start samba on $addr first"; return 1; }
	id "$name" > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$name" || return 1
	printf '%s\n%s\n' "$pw" "$pw" | smbpasswd -c "$SMBW_SAMBA_CONF" -s -a "$name" > /dev/null
}

smbw_add_user() {
	smbw_add_user_at 127.0.0.1 "$@"
}

smbw_disable_user_at() {
	local addr=${1:?address} name=${2:?name}
	_smbw_samba_load "$addr" || { smbw_log "smbw_disable_user: start samba on $addr first"; return 1; }
	smbpasswd -c "$SMBW_SAMBA_CONF" -d "$name" > /dev/null
}

smbw_disable_user() {
	smbw_disable_user_at 127.0.0.1 "$@"
}

smbw_mount_on() {
	local mnt=${1:?mount point} unc=${2:?unc} opts=${3:-} t0 rc
	mkdir -p "$mnt"
	t0=$(_smbw_now)
	timeout -k 5 "$SMBW_MOUNT_TIMEOUT" mount -t cifs "$unc" "$mnt" -o "$opts" 2>&1
	rc=$?
	echo "MOUNT rc=$rc elapsed=$(_smbw_since "$t0")"
	if [ "$rc" -eq 0 ]; then
		umount "$mnt" || umount -l "$mnt"
	fi
	return "$rc"
}

smbw_mount() {
	smbw_mount_on "$SMBW_MNT" "$@"
}

# The binary: $SMBW_FAKE_SERVER, make's build/tests/, the one vmtest.sh builds into the cache
# (any of them if not older than the source), or else built here.
_smbw_fake_server_bin() {
	local src=$SMBW_REPO/tests/vm/fake-smb-server.c bin
	for bin in "${SMBW_FAKE_SERVER:-}" "$SMBW_REPO/build/tests/fake-smb-server" \
		"${SMBW_VM_CACHE:-/var/tmp/smbwatch-vm}/bin/fake-smb-server"; do
		[ -x "$bin" ] && ! [ "$src" -nt "$bin" ] && { echo "$bin"; return 0; }
	done
	bin=$SMBW_STATE/fake-smb-server
	[ -x "$bin" ] || cc -O2 -Wall -Wextra -Werror -o "$bin" "$src" || return 1
	echo "$bin"
}

# Bookkeeping: fake-PORT.pid for 127.0.0.1 (as before), fake-PORT@ADDR.pid for the others.
smbw_fake_server() {
	local mode=${1:?silent|reset} port=${2:-445} addr=${3:-127.0.0.1} bin tag
	bin=$(_smbw_fake_server_bin) || return 1
	tag=$port
	if [ "$addr" != 127.0.0.1 ]; then
		smbw_lo_addr "$addr" || return 1
		tag=$port@$addr
	fi
	"$bin" "$mode" "$port" "$addr" > "$SMBW_STATE/fake-$tag.log" 2>&1 &
	echo $! > "$SMBW_STATE/fake-$tag.pid"
	if ! _smbw_wait_port "$port" up 10 "$addr"; then
		smbw_log "fake-smb-server $mode does not listen on $addr:$port"
		cat "$SMBW_STATE/fake-$tag.log"
		return 1
	fi
	smbw_log "fake-smb-server $mode on $addr:$port"
}

smbw_fake_server_stop() {
	local f pid tag port addr
	for f in "$SMBW_STATE"/fake-${1:-*}.pid "$SMBW_STATE"/fake-${1:-*}@*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		tag=${f##*/fake-}
		tag=${tag%.pid}
		port=${tag%@*}
		addr=127.0.0.1
		[ "$tag" = "$port" ] || addr=${tag#*@}
		kill -TERM "$pid" 2>/dev/null
		_smbw_wait_port "$port" down 10 "$addr" || kill -KILL "$pid" 2>/dev/null
		_smbw_keep "$SMBW_STATE/fake-$tag.log"
		rm -f "$f"
	done
}

# iptables is iptables-nft on Debian; iptables-legacy where nf_tables is not to be had.
_smbw_iptables() {
	local bin
	bin=$(cat "$SMBW_STATE/iptables" 2>/dev/null)
	if [ -z "$bin" ]; then
		for bin in iptables iptables-legacy ""; do
			[ -n "$bin" ] && "$bin" -w -L INPUT -n > /dev/null 2>&1 && break
		done
		[ -n "$bin" ] || { smbw_log "neither iptables nor iptables-legacy works here"; return 1; }
		echo "$bin" > "$SMBW_STATE/iptables"
	fi
	"$bin" -w "$@"
}

smbw_blackhole() {
	local addr=${1:?address} port=${2:?port}
	smbw_lo_addr "$addr" || return 1
	_smbw_iptables -I INPUT -d "$addr/32" -p tcp --dport "$port" -j DROP || return 1
	echo "$addr $port" >> "$SMBW_STATE/blackholes"
	smbw_log "TCP to $addr:$port dropped on INPUT ($(cat "$SMBW_STATE/iptables"))"
}

_smbw_blackholes_clear() {
	local addr port
	[ -s "$SMBW_STATE/blackholes" ] || return 0
	while read -r addr port; do
		_smbw_iptables -D INPUT -d "$addr/32" -p tcp --dport "$port" -j DROP
	done < "$SMBW_STATE/blackholes"
	rm -f "$SMBW_STATE/blackholes"
}

smbw_sysctl() {
	local name=${1:?name} value=${2:?value} old
	mkdir -p "$SMBW_STATE/sysctl.d"
	if [ ! -e "$SMBW_STATE/sysctl.d/$name" ]; then
		old=$(sysctl -n "$name") || return 1
		echo "$old" > "$SMBW_STATE/sysctl.d/$name"
	fi
	sysctl -q -w "$name=$value"
}

_smbw_sysctls_restore() {
	local f
	for f in "$SMBW_STATE"/sysctl.d/*; do
		[ -e "$f" ] || continue
		sysctl -q -w "${f##*/}=$(cat "$f")"
		rm -f "$f"
	done
}

_smbw_lo_addrs_clear() {
	local addr
	[ -s "$SMBW_STATE/lo-addrs" ] || return 0
	while read -r addr; do
		ip addr del "$addr/32" dev lo 2>/dev/null
	done < "$SMBW_STATE/lo-addrs"
	rm -f "$SMBW_STATE/lo-addrs"
}

# Every cifsd thread (one per TCP connection) holds a reference on cifs.ko and drops it only
# when it exits, seconds after a failed negotiate.  Waiting for the count to reach zero means that
# no connection of one scenario lingers into the next (events, reconnects, rmmod cifs).
smbw_cifs_refs() {
	local name refs rest
	while read -r name _ refs rest; do
		[ "$name" = cifs ] && { echo "$refs"; return; }
	done < /proc/modules
	echo 0
}

smbw_cifs_quiesce() {
	local tmo=${1:-60} base=${2:-0} t0 refs tries
	refs=$(smbw_cifs_refs)
	[ "$refs" -le "$base" ] && return 0
	t0=$(_smbw_now)
	tries=$((tmo * 5))
	while [ "$refs" -gt "$base" ] && [ "$tries" -gt 0 ]; do
		sleep 0.2
		tries=$((tries - 1))
		refs=$(smbw_cifs_refs)
	done
	if [ "$refs" -gt "$base" ]; then
		smbw_log "cifs.ko still has $refs references after ${tmo}s (idle: $base)"
		return 1
	fi
	smbw_log "cifs.ko idle after $(_smbw_since "$t0") s"
}

# Every cifs mount point, deepest first.
_smbw_cifs_mounts() {
	local _dev mnt fstype _rest
	while read -r _dev mnt fstype _rest; do
		[ "$fstype" = cifs ] && echo "$mnt"
	done < /proc/mounts | sort -r
}

smbw_cleanup() {
	local mnt
	# a scenario that timed out may leave its smbwatch running
	if [ -s "$SMBW_STATE/smbwatch.pid" ]; then
		kill -INT "$(cat "$SMBW_STATE/smbwatch.pid")" 2>/dev/null
		rm -f "$SMBW_STATE/smbwatch.pid"
	fi
	for mnt in $(_smbw_cifs_mounts); do
		umount "$mnt" 2>/dev/null || umount -l "$mnt"
	done
	smbw_fake_server_stop '*' # all of them
	smbw_samba_stop_all
	_smbw_blackholes_clear
	_smbw_sysctls_restore
	_smbw_lo_addrs_clear
	smbw_cifs_quiesce 60
}
