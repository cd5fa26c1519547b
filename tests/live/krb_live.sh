#!/bin/bash
# Live tests of the Kerberos hooks on the running kernel: a real MIT KDC
# (krb5kdc) and real clients (kinit, kvno) in a network namespace of our own,
# on loopback only. The cgroup_skb programs sit on the cgroup v2 root and see
# every process's packets, so the namespace changes nothing for them.
#
#   tests/live/krb_live.sh [SMBWATCH]
#
# What is checked: a KDC's KRB-ERROR over UDP and over TCP arrives whole and
# decodes (error code, principal, realm), the replies that carry tickets
# arrive as a message type only, a closed KDC port gives a socket error, the
# KDC's traffic keeps flowing (the programs never drop), and no key or
# password reaches the output or the recording.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

SMBWATCH=${1:-./smbwatch}
NS=smbw-krb-$$
WORK=$(mktemp -d /tmp/smbw-krb.XXXXXX)
REALM=LIVE.TEST
PASSWORD="Pw-$$-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"
WATCH_PID=
KDC_PID=

cleanup() {
	[ -n "$WATCH_PID" ] && kill -TERM "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
KEEP=${SMBW_KEEP:-}

if [ "$(id -u)" != 0 ]; then
	t_skip live_krb "not root: the live BPF tests need root"
	exit 0
fi
for tool in krb5kdc kdb5_util kadmin.local kinit kvno; do
	if ! command -v "$tool" >/dev/null; then
		t_fail live_krb "$tool is missing: run scripts/setup.sh (krb5-kdc, krb5-admin-server, krb5-user)"
		exit 1
	fi
done

ip netns add "$NS" && ip -n "$NS" link set lo up || {
	t_fail live_krb_netns "cannot create network namespace $NS"
	exit 1
}
in_ns() { ip netns exec "$NS" env KRB5_CONFIG="$WORK/krb5.conf" KRB5_KDC_PROFILE="$WORK/kdc.conf" \
	KRB5CCNAME="FILE:$WORK/ccache" "$@"; }

# krb5.conf for the clients: UDP first (MIT's default), or TCP only (udp_preference_limit = 1).
client_conf() { # KDC_HOST [TCP]
	{
		echo "[libdefaults]"
		echo " default_realm = $REALM"
		echo " dns_lookup_kdc = false"
		echo " kdc_timeout = 2000"
		echo " max_retries = 1"
		[ -n "${2:-}" ] && echo " udp_preference_limit = 1"
		echo "[realms]"
		echo " $REALM = {"
		echo "  kdc = $1"
		echo " }"
	} > "$WORK/krb5.conf"
}

realm_create() {
	cat > "$WORK/kdc.conf" <<-EOF
	[kdcdefaults]
	 kdc_ports = 88
	 kdc_tcp_ports = 88
	[realms]
	 $REALM = {
	  database_name = $WORK/principal
	  key_stash_file = $WORK/stash
	  acl_file = $WORK/kadm5.acl
	  disable_pac = true
	 }
	[logging]
	 kdc = FILE:$WORK/kdc.log
	EOF
	client_conf 127.0.0.1
	in_ns kdb5_util create -s -r "$REALM" -P "$(head -c 24 /dev/urandom | base64)" >/dev/null 2>&1 &&
		in_ns kadmin.local -r "$REALM" -q "addprinc -pw $PASSWORD alice" >/dev/null 2>&1 &&
		in_ns kadmin.local -r "$REALM" -q "addprinc -randkey cifs/fs1.live.test" >/dev/null 2>&1 &&
		in_ns kadmin.local -r "$REALM" -q "ktadd -k $WORK/fs1.keytab cifs/fs1.live.test" >/dev/null 2>&1
}

kdc_start() {
	in_ns sh -c "echo \$\$ > $WORK/kdc.pid; exec krb5kdc -n -r $REALM" > "$WORK/kdc.out" 2>&1 &
	# the pid read after the port is seen open: read before, it could still be missing while
	# the KDC was up by the check, and kdc_stop then stopped nothing (seen: one run in four)
	for _ in $(seq 50); do
		if in_ns ss -lnu 2>/dev/null | grep -q ':88 ' && in_ns ss -lnt | grep -q ':88 '; then
			KDC_PID=$(cat "$WORK/kdc.pid" 2>/dev/null)
			[ -n "$KDC_PID" ] && return 0
		fi
		sleep 0.1
	done
	return 1
}

kdc_stop() {
	[ -n "$KDC_PID" ] || { echo "kdc_stop: no KDC pid known" >&2; return 1; }
	kill "$KDC_PID" 2>/dev/null
	while [ -n "$KDC_PID" ] && kill -0 "$KDC_PID" 2>/dev/null; do sleep 0.05; done
	KDC_PID=
}

start_watch() { # NAME [ARGS...]
	local name=$1
	shift
	"$SMBWATCH" -e -f json -r "$WORK/$name.rec" "$@" > "$WORK/$name.json" 2> "$WORK/$name.err" &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -q '^smbwatch: hooks kdc:' "$WORK/$name.err" 2>/dev/null && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "smbwatch did not start:"; cat "$WORK/$name.err"
	return 1
}

stop_watch() {
	sleep 0.3
	kill -INT "$WATCH_PID"
	wait "$WATCH_PID"
	WATCH_RC=$?
	WATCH_PID=
}

count() { # NAME JQ-FILTER
	jq -c "select($2)" "$WORK/$1.json" | wc -l
}

# The password, the service key and the ticket cache: none may appear anywhere we wrote.
no_secrets() { # NAME
	local name=$1 key f
	key=$(in_ns klist -Kke "$WORK/fs1.keytab" 2>/dev/null | sed -n 's/.*(0x\([0-9a-f]*\)).*/\1/p' | head -1)
	for f in "$WORK/$name.json" "$WORK/$name.err" "$WORK/$name.rec"; do
		grep -aqF "$PASSWORD" "$f" && { echo "password found in $f"; return 1; }
		if [ -n "$key" ] && xxd -p "$f" | tr -d '\n' | grep -q "$key"; then
			echo "service key found in $f"
			return 1
		fi
	done
	return 0
}

test_kdc_errors_over_udp() {
	client_conf 127.0.0.1
	start_watch udp || { t_fail krb_udp "smbwatch did not start"; return; }
	in_ns kinit nobody@"$REALM" < /dev/null > /dev/null 2>&1
	in_ns kinit alice@"$REALM" <<< "$PASSWORD" > /dev/null 2>&1
	local got=$?
	in_ns kvno cifs/missing.live.test > /dev/null 2>&1
	in_ns kvno cifs/fs1.live.test > /dev/null 2>&1
	stop_watch
	t_check krb_udp_kinit_works "kinit alice failed (rc $got): the cgroup_skb programs must pass every packet" \
		[ "$got" = 0 ]
	t_check krb_udp_client_unknown "no decoded KDC_ERR_C_PRINCIPAL_UNKNOWN for nobody@$REALM" \
		[ "$(count udp '.message=="KRB-ERROR" and .transport=="udp" and .krb_error==6 and .client=="nobody@'$REALM'" and .realm=="'$REALM'"')" -ge 1 ]
	t_check krb_udp_spn_unknown "no KDC_ERR_S_PRINCIPAL_UNKNOWN naming cifs/missing" \
		[ "$(count udp '.krb_error==7 and .principal=="cifs/missing.live.test@'$REALM'"')" -ge 1 ]
	ok=false
	[ "$(count udp '.direction=="to_kdc" and .message=="AS-REQ"')" -ge 2 ] && \
		[ "$(count udp '.direction=="to_kdc" and .message=="TGS-REQ"')" -ge 2 ] && ok=true
	t_check krb_udp_requests_seen "no AS-REQ and TGS-REQ to the KDC" "$ok"
	ok=false
	[ "$(count udp '.message=="TGS-REP" and .direction=="from_kdc"')" -ge 1 ] && \
		[ "$(count udp '(.message=="TGS-REP" or .message=="AS-REP") and has("krb_error")')" = 0 ] && ok=true
	t_check krb_udp_ticket_replies_typed_only "no AS-REP/TGS-REP, or one with decoded bytes" "$ok"
	t_check krb_udp_no_secrets "$(no_secrets udp)" no_secrets udp
	t_check krb_udp_replays "the recording does not replay to the same KRB-ERRORs" \
		[ "$("$SMBWATCH" --replay "$WORK/udp.rec" -e -f json 2>/dev/null | jq -c 'select(.krb_error)' | wc -l)" = \
		  "$(count udp 'has("krb_error")')" ]
}

test_kdc_errors_over_tcp() {
	client_conf 127.0.0.1 tcp
	start_watch tcp || { t_fail krb_tcp "smbwatch did not start"; return; }
	in_ns kinit nobody@"$REALM" < /dev/null > /dev/null 2>&1
	stop_watch
	t_check krb_tcp_error_decoded "no KRB-ERROR over TCP (after the 4-byte length)" \
		[ "$(count tcp '.message=="KRB-ERROR" and .transport=="tcp" and .krb_error==6')" -ge 1 ]
	t_check krb_tcp_request_seen "no AS-REQ over TCP" \
		[ "$(count tcp '.message=="AS-REQ" and .transport=="tcp"')" -ge 1 ]
}

test_kdc_over_ipv6() {
	client_conf '[::1]'
	start_watch v6 || { t_fail krb_ipv6 "smbwatch did not start"; return; }
	in_ns kinit nobody@"$REALM" < /dev/null > /dev/null 2>&1
	stop_watch
	t_check krb_ipv6_error "no KRB-ERROR from [::1]" \
		[ "$(count v6 '.message=="KRB-ERROR" and .kdc_addr=="::1" and .krb_error==6')" -ge 1 ]
}

test_closed_kdc_port() {
	client_conf 127.0.0.1
	kdc_stop
	start_watch down || { t_fail krb_down "smbwatch did not start"; return; }
	in_ns kinit nobody@"$REALM" < /dev/null > /dev/null 2>&1
	stop_watch
	t_check krb_down_icmp "no ECONNREFUSED socket error on the UDP KDC socket (saw: $(jq -c 'select(.record=="event" and (.event|startswith("krb"))) | [.event, .transport, .rc, .kdc_port]' "$WORK/down.json" | head -4 | xargs))" \
		[ "$(count down '.event=="krb_sock_error" and .transport=="udp" and .rc==-111 and .kdc_port==88')" -ge 1 ]
	kdc_start
}

test_exec_and_exit_of_the_upcall_names() {
	# request-key and cifs.upcall are told apart by the name exec gives them
	start_watch proc || { t_fail krb_proc "smbwatch did not start"; return; }
	cp /bin/true "$WORK/cifs.upcall"
	cp /bin/false "$WORK/request-key"
	"$WORK/cifs.upcall"
	"$WORK/request-key"
	stop_watch
	t_check krb_proc_upcall_exec "no proc_exec for cifs.upcall" \
		[ "$(count proc '.event=="proc_exec" and .comm=="cifs.upcall"')" = 1 ]
	t_check krb_proc_request_key_exit "no proc_exit with status 256 for request-key" \
		[ "$(count proc '.event=="proc_exit" and .comm=="request-key" and .exit_status==256')" = 1 ]
	t_check krb_proc_others_filtered "other processes reached user space" \
		[ "$(count proc '(.event=="proc_exec" or .event=="proc_exit") and .comm!="cifs.upcall" and .comm!="request-key"')" = 0 ]
}

test_no_cgroup2_mount_still_attaches() {
	# a private, detached cgroup2 where none is mounted: smbwatch's own mount namespace
	local out
	out=$(unshare -m bash -c "umount -l /sys/fs/cgroup/unified 2>/dev/null; umount -l /sys/fs/cgroup 2>/dev/null; \
		grep -c cgroup2 /proc/self/mounts; $SMBWATCH -d 1 -f json 2>&1 >/dev/null")
	t_check krb_private_cgroup2 "cgroup_skb not attached without a cgroup2 mount: $out" \
		grep -q "hooks kdc: 5 attached, 0 failed" <<< "$out"
	t_check krb_private_cgroup2_gone "a cgroup2 mount was left behind" \
		[ "$(grep -c smbwatch-cgroup2 /proc/self/mounts)" = 0 ]
}

realm_create || { t_fail live_krb_realm "cannot create the test realm (kdb5_util/kadmin.local)"; exit 1; }
kdc_start || { t_fail live_krb_kdc "krb5kdc did not start: $(cat "$WORK/kdc.out")"; exit 1; }
test_kdc_errors_over_udp
test_kdc_errors_over_tcp
test_kdc_over_ipv6
test_closed_kdc_port
test_exec_and_exit_of_the_upcall_names
test_no_cgroup2_mount_still_attaches
kdc_stop
