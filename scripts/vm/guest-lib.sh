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
#   smbw_cleanup                           unmount, stop fake servers, smbd and the KDC, undo
#                                          addresses, firewall rules, sysctls and /etc changes,
#                                          quiesce cifs.ko
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
#   smbw_blackhole ADDR PORT [PROTO]       iptables INPUT DROP of TCP (or PROTO: udp) to ADDR:PORT:
#                                          SYNs vanish (dropped on INPUT so that retransmits are
#                                          traced)
#   smbw_sysctl NAME VALUE                 sysctl -w, the old value restored by smbw_cleanup
# Kerberos (an MIT realm, a KDC, smbd with a keytab): see the section "Kerberos" at the end.
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

# modprobe only when it is not live already: a second a scenario under TCG, for nothing.
smbw_modprobe_cifs() {
	[ "$(cat /sys/module/cifs/initstate 2>/dev/null)" = live ] && return 0
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
	mkdir -p "$SMBW_STATE/samba.d"
	echo "$dir" > "$SMBW_STATE/samba.d/$addr"
	_smbw_samba_load "$addr"
	t0=$(_smbw_now)
	# testparm only when smbd fails: it costs a second under TCG, and smbd reads the same file
	if ! smbd -D -s "$SMBW_SAMBA_CONF" || ! _smbw_wait_port 445 up 30 "$addr"; then
		smbw_log "smbd does not listen on $addr:445 after 30 s"
		testparm -s "$dir/smb.conf" > "$dir/testparm.out" 2>&1 ||
			{ smbw_log "smb.conf rejected:"; cat "$dir/testparm.out"; }
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
	local addr=${1:?address} port=${2:?port} proto=${3:-tcp}
	smbw_lo_addr "$addr" || return 1
	_smbw_iptables -I INPUT -d "$addr/32" -p "$proto" --dport "$port" -j DROP || return 1
	echo "$addr $port $proto" >> "$SMBW_STATE/blackholes"
	smbw_log "${proto^^} to $addr:$port dropped on INPUT ($(cat "$SMBW_STATE/iptables"))"
}

_smbw_blackholes_clear() {
	local addr port proto
	[ -s "$SMBW_STATE/blackholes" ] || return 0
	while read -r addr port proto; do
		_smbw_iptables -D INPUT -d "$addr/32" -p "${proto:-tcp}" --dport "$port" -j DROP
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
	_smbw_krb_cleanup
	_smbw_blackholes_clear
	_smbw_sysctls_restore
	_smbw_lo_addrs_clear
	smbw_cifs_quiesce 60
}

# ---------------------------------------------------------------------------------------------
# Kerberos: an MIT realm in the guest, a KDC on 127.0.0.1:88, smbd accepting its tickets
# (tests/vm/scenarios/40-kerberos.sh).  The guest's root is a tmpfs overlay: /etc/krb5.conf,
# /etc/hosts and /etc/request-key.d are written in place (the kernel's upcall, cifs.upcall via
# /sbin/request-key, runs with a minimal environment and reads only those), their originals
# saved and put back by smbw_cleanup.
#
#   smbw_realm_start [KDC_ARGS...]   smbw_realm_create, then smbw_kdc_start KDC_ARGS
#   smbw_realm_create                a fresh realm $SMBW_REALM in /tmp/krb-N (kdb5_util create -s
#                                    with a random master password that is never printed; every
#                                    principal has a random key, none has a password): the user
#                                    $SMBW_KRB_USER (preauth required, key in USER.keytab) and
#                                    cifs/$SMBW_KRB_HOST (key in smbd.keytab); /etc/krb5.conf
#                                    (KDC 127.0.0.1:$SMBW_KDC_PORT), /etc/hosts: $SMBW_KRB_HOST and
#                                    $SMBW_KRB_ALIAS (a name with no SPN) -> 127.0.0.1
#   smbw_kdc_start [KDC_ARGS...]     krb5kdc -n (UDP and TCP on 127.0.0.1:$SMBW_KDC_PORT), e.g.
#                                    smbw_kdc_start -T 3600 (its clock an hour ahead)
#   smbw_kdc_stop                    stop it, wait until the port is closed
#   smbw_realm_stop                  the same (the realm's files stay until the next realm)
#   smbw_kinit [USER [CCACHE]]       a TGT for USER from its keytab (kinit -k -t) into CCACHE
#                                    (default root's, /tmp/krb5cc_0: the upcall for uid 0 reads
#                                    no KRB5CCNAME)
#   smbw_kdestroy [CCACHE]           remove it
#   smbw_krb_addprinc PRINC [KEYTAB] a principal with a random key (and its key in KEYTAB)
#   smbw_krb_rekey PRINC             a new random key for PRINC on the KDC (kvno + 1): keytabs
#                                    exported before are stale
#   smbw_samba_krb_start GLOBAL SHARES   smbw_samba_start with realm = $SMBW_REALM, kerberos
#                                    method = dedicated keytab, the realm's smbd.keytab
#   smbw_kdc_silence                 drop UDP and TCP to the KDC's port on INPUT (a silent KDC)
#   smbw_upcall_hide rule|request-key|cifs.upcall
#                                    remove /etc/request-key.d/cifs.spnego.conf, /sbin/request-key
#                                    or cifs.upcall (the guest's overlay copy; put back at cleanup)
#   smbw_krb_secrets                 prints the path of a file listing what must never show up
#                                    in any output: "text:WHAT:STRING" (the master password) and
#                                    "hex:WHAT:HEX" (every key of every keytab and of the stash,
#                                    and of every credential cache /tmp/krb5cc_*: session keys and
#                                    the last 32 bytes of each ticket, its ciphertext)
#   smbw_krb_dir                     prints the realm's directory (kdc.log, keytabs, ...)
# State: $SMBW_STATE/krb.dir (the realm's dir), kdc.pid, saved/ (originals of changed files).

SMBW_REALM=${SMBW_REALM:-SMBW.TEST}
SMBW_KRB_USER=${SMBW_KRB_USER:-smbtest}
SMBW_KRB_HOST=${SMBW_KRB_HOST:-fs1.smbw.test}
SMBW_KRB_ALIAS=${SMBW_KRB_ALIAS:-alias.smbw.test}
SMBW_KDC_ADDR=${SMBW_KDC_ADDR:-127.0.0.1}
SMBW_KDC_PORT=${SMBW_KDC_PORT:-88}
SMBW_KRB5_CONF=${SMBW_KRB5_CONF:-/etc/krb5.conf}

# _smbw_save PATH: keep the original of PATH (or the fact that there was none) once, for
# _smbw_restore_all.
_smbw_save() {
	local path=${1:?path} d=$SMBW_STATE/saved key
	key=${path//\//%}
	mkdir -p "$d"
	[ -e "$d/$key" ] || [ -e "$d/$key.absent" ] && return 0
	if [ -e "$path" ]; then
		cp -a "$path" "$d/$key"
	else
		: > "$d/$key.absent"
	fi
}

_smbw_restore_all() {
	local f name path
	for f in "$SMBW_STATE"/saved/*; do
		[ -e "$f" ] || continue
		name=${f##*/}
		case $name in
		*.absent) path=${name%.absent}; rm -f "${path//%//}" ;;
		*) path=${name//%//}; rm -f "$path"; cp -a "$f" "$path" ;;
		esac
		rm -f "$f"
	done
}

smbw_krb_dir() {
	cat "$SMBW_STATE/krb.dir" 2>/dev/null
}

_smbw_krb_next() {
	local n
	n=$(($(cat "$SMBW_STATE/krb-count" 2>/dev/null || echo 0) + 1))
	echo "$n" > "$SMBW_STATE/krb-count"
	echo "$n"
}

_smbw_kdc_conf() {
	local dir=$1
	cat <<-EOC
	[kdcdefaults]
	kdc_listen = $SMBW_KDC_ADDR:$SMBW_KDC_PORT
	kdc_tcp_listen = $SMBW_KDC_ADDR:$SMBW_KDC_PORT

	[realms]
	$SMBW_REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		supported_enctypes = aes256-cts-hmac-sha1-96:normal
		default_principal_flags = +preauth
		disable_pac = true
	}

	[logging]
	kdc = FILE:$dir/kdc.log
	admin_server = FILE:$dir/kadmin.log
	default = FILE:$dir/krb5.log
	EOC
}

# What cifs.upcall, kinit and smbd read.  No DNS at all; names as typed (no canonicalisation,
# no reverse lookup), so that an alias asks for its own SPN.
_smbw_krb5_conf() {
	cat <<-EOC
	[libdefaults]
	default_realm = $SMBW_REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	kdc_timesync = 1
	default_ccache_name = FILE:/tmp/krb5cc_%{uid}

	[realms]
	$SMBW_REALM = {
		kdc = $SMBW_KDC_ADDR:$SMBW_KDC_PORT
	}

	[domain_realm]
	.${SMBW_KRB_HOST#*.} = $SMBW_REALM
	${SMBW_KRB_HOST#*.} = $SMBW_REALM
	EOC
}

_smbw_kadmin() { # kadmin.local, commands on stdin; its chatter goes to the realm's kadmin.out
	local dir
	dir=$(smbw_krb_dir) || return 1
	KRB5_CONFIG=$SMBW_KRB5_CONF KRB5_KDC_PROFILE=$dir/kdc.conf \
		kadmin.local -r "$SMBW_REALM" >> "$dir/kadmin.out" 2>&1
}

smbw_krb_addprinc() {
	local princ=${1:?principal} keytab=${2:-}
	{
		echo "addprinc -randkey $princ"
		[ -z "$keytab" ] || echo "ktadd -k $keytab $princ"
	} | _smbw_kadmin || return 1
	grep -q "Principal \"$princ@$SMBW_REALM\" created" "$(smbw_krb_dir)/kadmin.out" ||
		{ smbw_log "kadmin.local did not create $princ"; tail -n 5 "$(smbw_krb_dir)/kadmin.out"; return 1; }
}

smbw_krb_rekey() {
	local princ=${1:?principal}
	echo "cpw -randkey $princ" | _smbw_kadmin || return 1
	grep -q "Key for \"$princ@$SMBW_REALM\" randomized" "$(smbw_krb_dir)/kadmin.out" ||
		{ smbw_log "kadmin.local did not re-key $princ"; tail -n 5 "$(smbw_krb_dir)/kadmin.out"; return 1; }
	smbw_log "new key for $princ on the KDC"
}

_smbw_krb_etc() {
	local h=${SMBW_KRB_HOST%%.*}
	_smbw_save "$SMBW_KRB5_CONF"
	_smbw_save /etc/hosts
	_smbw_krb5_conf > "$SMBW_KRB5_CONF" || return 1
	# The alias on a line of its own: its canonical name is itself.
	grep -q " $SMBW_KRB_HOST " /etc/hosts 2>/dev/null ||
		printf '127.0.0.1 %s %s\n127.0.0.1 %s\n' "$SMBW_KRB_HOST" "$h" "$SMBW_KRB_ALIAS" >> /etc/hosts
}

smbw_realm_create() {
	local n dir mp t0
	t0=$(_smbw_now)
	[ -s "$SMBW_STATE/kdc.pid" ] && smbw_kdc_stop
	n=$(_smbw_krb_next)
	dir=/tmp/krb-$n
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 700 "$dir"
	echo "$dir" > "$SMBW_STATE/krb.dir"
	_smbw_kdc_conf "$dir" > "$dir/kdc.conf"
	: > "$dir/kadm5.acl"
	_smbw_krb_etc || { smbw_log "cannot write $SMBW_KRB5_CONF or /etc/hosts"; return 1; }
	# The master password: random, on stdin only (never on a command line), kept in the realm's
	# dir for smbw_krb_secrets.
	mp=$(head -c 18 /dev/urandom | base64)
	(umask 077; echo "$mp" > "$dir/master.pw")
	printf '%s\n%s\n' "$mp" "$mp" |
		KRB5_CONFIG=$SMBW_KRB5_CONF KRB5_KDC_PROFILE=$dir/kdc.conf \
		kdb5_util create -s -r "$SMBW_REALM" > "$dir/kdb5_util.out" 2>&1 ||
		{ smbw_log "kdb5_util create failed:"; cat "$dir/kdb5_util.out"; return 1; }
	id "$SMBW_KRB_USER" > /dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$SMBW_KRB_USER" || return 1
	{
		echo "addprinc -randkey $SMBW_KRB_USER"
		echo "ktadd -k $dir/$SMBW_KRB_USER.keytab $SMBW_KRB_USER"
		echo "addprinc -randkey cifs/$SMBW_KRB_HOST"
		echo "ktadd -k $dir/smbd.keytab cifs/$SMBW_KRB_HOST"
	} | _smbw_kadmin || return 1
	[ -s "$dir/$SMBW_KRB_USER.keytab" ] && [ -s "$dir/smbd.keytab" ] ||
		{ smbw_log "kadmin.local made no keytabs:"; tail -n 10 "$dir/kadmin.out"; return 1; }
	smbw_log "realm $SMBW_REALM in $dir after $(_smbw_since "$t0") s"
}

# UDP and TCP listening: both sockets are set up before "commencing operation".
_smbw_kdc_listening() {
	[ -n "$(ss -Hltn "src $SMBW_KDC_ADDR:$SMBW_KDC_PORT")" ] &&
		[ -n "$(ss -Hlun "src $SMBW_KDC_ADDR:$SMBW_KDC_PORT")" ]
}

smbw_kdc_start() {
	local dir t0 tries=150
	dir=$(smbw_krb_dir) || { smbw_log "smbw_kdc_start: no realm (smbw_realm_create)"; return 1; }
	[ -s "$SMBW_STATE/kdc.pid" ] && smbw_kdc_stop
	t0=$(_smbw_now)
	echo "--- krb5kdc -n $*" >> "$dir/kdc.log"
	KRB5_CONFIG=$SMBW_KRB5_CONF KRB5_KDC_PROFILE=$dir/kdc.conf \
		krb5kdc -n -r "$SMBW_REALM" -P "$dir/kdc.pid" "$@" >> "$dir/kdc.out" 2>&1 < /dev/null &
	echo $! > "$SMBW_STATE/kdc.pid"
	until _smbw_kdc_listening; do
		tries=$((tries - 1))
		if [ "$tries" = 0 ] || ! kill -0 "$(cat "$SMBW_STATE/kdc.pid")" 2>/dev/null; then
			smbw_log "krb5kdc does not listen on $SMBW_KDC_ADDR:$SMBW_KDC_PORT"
			tail -n 5 "$dir/kdc.out" "$dir/kdc.log"
			return 1
		fi
		sleep 0.2
	done
	smbw_log "krb5kdc $* listening on $SMBW_KDC_ADDR:$SMBW_KDC_PORT (UDP, TCP) after $(_smbw_since "$t0") s"
}

smbw_kdc_stop() {
	local pid tries=50
	pid=$(cat "$SMBW_STATE/kdc.pid" 2>/dev/null) || return 0
	rm -f "$SMBW_STATE/kdc.pid"
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	while _smbw_kdc_port_open && [ "$tries" -gt -50 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	_smbw_kdc_port_open && { smbw_log "port $SMBW_KDC_PORT still open after stopping krb5kdc"; return 1; }
	smbw_log "krb5kdc stopped"
}

_smbw_kdc_port_open() {
	[ -n "$(ss -Hltn "src $SMBW_KDC_ADDR:$SMBW_KDC_PORT")$(ss -Hlun "src $SMBW_KDC_ADDR:$SMBW_KDC_PORT")" ]
}

smbw_realm_start() {
	smbw_realm_create && smbw_kdc_start "$@"
}

smbw_realm_stop() {
	smbw_kdc_stop
}

smbw_kinit() {
	local user=${1:-$SMBW_KRB_USER} cc=${2:-FILE:/tmp/krb5cc_0} dir
	dir=$(smbw_krb_dir) || return 1
	KRB5_CONFIG=$SMBW_KRB5_CONF KRB5CCNAME=$cc \
		kinit -k -t "$dir/$user.keytab" "$user@$SMBW_REALM" > "$dir/kinit.out" 2>&1 ||
		{ smbw_log "kinit -k $user failed: $(cat "$dir/kinit.out")"; return 1; }
	smbw_log "TGT for $user@$SMBW_REALM in $cc"
}

smbw_kdestroy() {
	local cc=${1:-FILE:/tmp/krb5cc_0}
	KRB5_CONFIG=$SMBW_KRB5_CONF KRB5CCNAME=$cc kdestroy -q 2>/dev/null
	rm -f "${cc#FILE:}"
}

smbw_samba_krb_start() {
	local dir
	dir=$(smbw_krb_dir) || { smbw_log "smbw_samba_krb_start: no realm"; return 1; }
	smbw_samba_start "realm = $SMBW_REALM
	kerberos method = dedicated keytab
	dedicated keytab file = FILE:$dir/smbd.keytab
	${1:-}" "${2:-}"
}

smbw_kdc_silence() {
	smbw_blackhole "$SMBW_KDC_ADDR" "$SMBW_KDC_PORT" udp &&
		smbw_blackhole "$SMBW_KDC_ADDR" "$SMBW_KDC_PORT" tcp
}

smbw_upcall_hide() {
	local path
	case ${1:?rule|request-key|cifs.upcall} in
	rule) path=/etc/request-key.d/cifs.spnego.conf ;;
	request-key) path=$(readlink -f /sbin/request-key) ;;
	cifs.upcall) path=$(readlink -f /usr/sbin/cifs.upcall) ;;
	*) smbw_log "smbw_upcall_hide: rule, request-key or cifs.upcall"; return 1 ;;
	esac
	[ -e "$path" ] || { smbw_log "smbw_upcall_hide: no $path to hide"; return 1; }
	_smbw_save "$path" && rm -f "$path" || return 1
	smbw_log "$path hidden"
}

# Session keys and the tail of each ticket of a FILE ccache (format 4), as "hex:" lines.
_smbw_ccache_secrets() {
	perl -e '
		use strict; use warnings;
		local $/; my $d = <STDIN>; my $p = 0;
		sub take { my $n = shift; die "short\n" if $p + $n > length $d; my $s = substr($d, $p, $n); $p += $n; $s }
		sub u16 { unpack "n", take(2) }
		sub u32 { unpack "N", take(4) }
		sub data { take(u32()) }
		sub princ { u32(); my $n = u32(); my $r = data(); data() for 1 .. $n; $r }
		eval {
			die "not a version 4 ccache\n" unless u16() == 0x0504;
			take(u16());
			princ();
			while ($p < length $d) {
				princ();
				my $realm = princ();
				u16();
				my $key = data();
				take(16 + 1 + 4);
				for (1 .. 2) { my $n = u32(); for (1 .. $n) { u16(); data() } }
				my $tkt = data();
				data();
				next if $realm eq "X-CACHECONF:";
				print "hex:$ARGV[0] session key:", unpack("H*", $key), "\n" if length $key >= 16;
				print "hex:$ARGV[0] ticket:", unpack("H*", substr($tkt, -32)), "\n" if length $tkt >= 64;
			}
		};
		print STDERR "ccache $ARGV[0]: $@" if $@;
	' "$1" < "$1"
}

smbw_krb_secrets() {
	local dir f out
	dir=$(smbw_krb_dir) || return 1
	out=$dir/secrets
	{
		echo "text:master password:$(cat "$dir/master.pw")"
		echo "ktadd -norandkey -k $dir/krbtgt.keytab krbtgt/$SMBW_REALM" | _smbw_kadmin
		for f in "$dir"/*.keytab "$dir/stash"; do
			[ -s "$f" ] || continue
			klist -Kke "$f" 2>/dev/null |
				sed -n "s|^ *[0-9]* \([^ ]*\) .*(0x\([0-9a-f]*\))\$|hex:${f##*/} \1:\2|p"
		done
		for f in /tmp/krb5cc_*; do
			[ -f "$f" ] && _smbw_ccache_secrets "$f"
		done
	} > "$out"
	echo "$out"
}

_smbw_krb_cleanup() {
	local dir cc
	dir=$(smbw_krb_dir)
	smbw_kdc_stop
	if [ -n "$dir" ]; then
		_smbw_keep "$dir/kdc.log" kdc.log
		_smbw_keep "$dir/kdc.out" kdc.out
	fi
	for cc in /tmp/krb5cc_*; do
		[ -e "$cc" ] && rm -f "$cc"
	done
	[ -z "$dir" ] || rm -f "$SMBW_STATE/krb.dir"
	[ -d "$SMBW_STATE/saved" ] && _smbw_restore_all
	return 0
}
