#!/bin/bash
# guest-lib.sh: helpers for the VM scenarios; sourced inside the guest only (tests/vm/scenarios).
#
#   smbw_modprobe_cifs                     load cifs.ko (and its dependencies)
#   smbw_samba_start GLOBAL_EXTRA SHARES   smbd on 127.0.0.1:445; "@SMBDIR@" in either string is
#                                          replaced by the instance dir, which has a share/ folder
#   smbw_samba_stop                        stop smbd and its children, wait until 445 is free
#   smbw_add_user NAME PASSWORD            Unix user (if missing) + Samba (tdbsam) user
#   smbw_disable_user NAME                 smbpasswd -d
#   smbw_mount UNC OPTS                    bounded mount -t cifs on $SMBW_MNT, prints
#                                          "MOUNT rc=N elapsed=S", unmounts on success, returns rc
#   smbw_fake_server MODE PORT             fake-smb-server silent|reset on 127.0.0.1:PORT
#   smbw_fake_server_stop [PORT]           stop one (or every) fake server
#   smbw_reason TEXT                       reason line for this scenario's result
#   smbw_cifs_quiesce [S]                  wait until cifs.ko has no user left (no connection)
#   smbw_cleanup                           unmount, stop fake servers and smbd, quiesce cifs.ko
#                                          (the runner calls it after every scenario)
# Samba instance n keeps everything (smb.conf, tdbsam, locks, logs, pid) in /tmp/smb-n, so no
# instance sees the state of the one before.  Bookkeeping for cleanup lives in $SMBW_STATE.
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

# Wait up to $3 seconds until TCP port $1 is (listening: $2=up) or (free: $2=down).
_smbw_wait_port() {
	local port=$1 want=$2 tries=$(($3 * 5)) state
	while [ "$tries" -gt 0 ]; do
		state=down
		[ -n "$(ss -Hltn "sport = :$port")" ] && state=up
		[ "$state" = "$want" ] && return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	return 1
}

# Copy a log next to the scenario's result, for post-mortems.
_smbw_keep() {
	[ -n "${SMBW_SCENARIO_OUT:-}" ] && [ -e "$1" ] && cp "$1" "$SMBW_SCENARIO_OUT/"
	return 0
}

smbw_modprobe_cifs() {
	modprobe cifs || return 1
	[ -d /sys/module/cifs ]
}

# The instance currently running, as recorded by smbw_samba_start.
_smbw_samba_load() {
	[ -s "$SMBW_STATE/samba" ] || return 1
	SMBW_SAMBA_DIR=$(cat "$SMBW_STATE/samba")
	SMBW_SAMBA_CONF=$SMBW_SAMBA_DIR/smb.conf
}

_smbw_samba_conf() {
	local dir=$1 global=$2 shares=$3
	cat <<-EOC
	[global]
	server role = standalone server
	interfaces = 127.0.0.1/8
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

smbw_samba_start() {
	local global=${1:-} shares=${2:-} n dir t0
	_smbw_samba_load && smbw_samba_stop
	n=$(($(cat "$SMBW_STATE/samba-count" 2>/dev/null || echo 0) + 1))
	echo "$n" > "$SMBW_STATE/samba-count"
	dir=/tmp/smb-$n
	mkdir -p "$dir"/{private,lock,state,cache,run,ncalrpc,share}
	chmod 777 "$dir/share"
	echo "hello from smbwatch" > "$dir/share/hello.txt"
	_smbw_samba_conf "$dir" "$global" "$shares" > "$dir/smb.conf"
	testparm -s "$dir/smb.conf" > "$dir/testparm.out" 2>&1 ||
		{ smbw_log "smb.conf rejected:"; cat "$dir/testparm.out"; return 1; }
	echo "$dir" > "$SMBW_STATE/samba"
	_smbw_samba_load
	t0=$(_smbw_now)
	smbd -D -s "$SMBW_SAMBA_CONF" || return 1
	if ! _smbw_wait_port 445 up 30; then
		smbw_log "smbd does not listen on 445 after 30 s"
		tail -n 20 "$dir/log.smbd" 2>/dev/null
		return 1
	fi
	smbw_log "smbd $n listening on 127.0.0.1:445 after $(_smbw_since "$t0") s"
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
smbw_samba_stop() {
	local sids sid
	_smbw_samba_load || return 0
	sids=$(_smbw_samba_sessions | awk '$1 > 1 && !seen[$1]++ { print $1 }')
	for sid in $sids; do
		pkill -KILL -s "$sid"
	done
	for _ in $(seq 50); do
		pgrep -s "$(echo "$sids" | tr '\n' , | sed 's/,$//')" > /dev/null || break
		sleep 0.1
	done
	_smbw_keep "$SMBW_SAMBA_DIR/log.smbd"
	rm -f "$SMBW_STATE/samba"
	if ! _smbw_wait_port 445 down 10; then
		smbw_log "port 445 still busy after stopping smbd"
		return 1
	fi
	smbw_log "smbd stopped"
}

smbw_add_user() {
	local name=${1:?name} pw=${2:?password}
	_smbw_samba_load || { smbw_log "smbw_add_user: start samba first"; return 1; }
	id "$name" > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$name" || return 1
	printf '%s\n%s\n' "$pw" "$pw" | smbpasswd -c "$SMBW_SAMBA_CONF" -s -a "$name" > /dev/null
}

smbw_disable_user() {
	local name=${1:?name}
	_smbw_samba_load || { smbw_log "smbw_disable_user: start samba first"; return 1; }
	smbpasswd -c "$SMBW_SAMBA_CONF" -d "$name" > /dev/null
}

smbw_mount() {
	local unc=${1:?unc} opts=${2:-} t0 rc
	mkdir -p "$SMBW_MNT"
	t0=$(_smbw_now)
	timeout -k 5 "$SMBW_MOUNT_TIMEOUT" mount -t cifs "$unc" "$SMBW_MNT" -o "$opts" 2>&1
	rc=$?
	echo "MOUNT rc=$rc elapsed=$(_smbw_since "$t0")"
	if [ "$rc" -eq 0 ]; then
		umount "$SMBW_MNT" || umount -l "$SMBW_MNT"
	fi
	return "$rc"
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

smbw_fake_server() {
	local mode=${1:?silent|reset} port=${2:-445} bin
	bin=$(_smbw_fake_server_bin) || return 1
	"$bin" "$mode" "$port" > "$SMBW_STATE/fake-$port.log" 2>&1 &
	echo $! > "$SMBW_STATE/fake-$port.pid"
	if ! _smbw_wait_port "$port" up 10; then
		smbw_log "fake-smb-server $mode does not listen on $port"
		cat "$SMBW_STATE/fake-$port.log"
		return 1
	fi
	smbw_log "fake-smb-server $mode on 127.0.0.1:$port"
}

smbw_fake_server_stop() {
	local f pid port
	for f in "$SMBW_STATE"/fake-${1:-*}.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		port=${f##*/fake-}
		port=${port%.pid}
		kill -TERM "$pid" 2>/dev/null
		_smbw_wait_port "$port" down 10 || kill -KILL "$pid" 2>/dev/null
		_smbw_keep "$SMBW_STATE/fake-$port.log"
		rm -f "$f"
	done
}

# Every cifsd thread (one per TCP connection) holds a reference on cifs.ko and drops it only
# when it exits, seconds after a failed negotiate.  Waiting for the count to reach zero means that
# no connection of one scenario lingers into the next (events, reconnects, rmmod cifs).
_smbw_cifs_refs() {
	local name refs rest
	while read -r name _ refs rest; do
		[ "$name" = cifs ] && { echo "$refs"; return; }
	done < /proc/modules
	echo 0
}

smbw_cifs_quiesce() {
	local tmo=${1:-60} t0 refs tries
	refs=$(_smbw_cifs_refs)
	[ "$refs" = 0 ] && return 0
	t0=$(_smbw_now)
	tries=$((tmo * 5))
	while [ "$refs" != 0 ] && [ "$tries" -gt 0 ]; do
		sleep 0.2
		tries=$((tries - 1))
		refs=$(_smbw_cifs_refs)
	done
	if [ "$refs" != 0 ]; then
		smbw_log "cifs.ko still has $refs references after ${tmo}s"
		return 1
	fi
	smbw_log "cifs.ko idle after $(_smbw_since "$t0") s"
}

smbw_cleanup() {
	# a scenario that timed out may leave its smbwatch running
	if [ -s "$SMBW_STATE/smbwatch.pid" ]; then
		kill -INT "$(cat "$SMBW_STATE/smbwatch.pid")" 2>/dev/null
		rm -f "$SMBW_STATE/smbwatch.pid"
	fi
	if mountpoint -q "$SMBW_MNT" 2>/dev/null; then
		umount "$SMBW_MNT" 2>/dev/null || umount -l "$SMBW_MNT"
	fi
	smbw_fake_server_stop '*' # all of them
	smbw_samba_stop
	smbw_cifs_quiesce 60
}
