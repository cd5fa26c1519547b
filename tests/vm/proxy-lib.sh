# shellcheck shell=bash
# proxy-lib.sh: tests/vm/faulty-proxy.c in the guest, in front of a real smbd (sourced by
# tests/vm/scenarios/50-faulty-server.sh, after scripts/vm/guest-lib.sh).
#
#   smbw_proxy_start LISTEN TARGET [OPTION...]   faulty-proxy on LISTEN:445 forwarding to
#                                                TARGET:445, altering the server's answers as
#                                                the OPTIONs say (see faulty-proxy.c); call it
#                                                from the scenario's own shell, not from $(...):
#                                                the proxy exits with the process that started it
#   smbw_proxy_stop                              stop it; its log goes next to the result
#                                                (faulty-proxy.log)
#   smbw_proxy_count WHAT                        how many changes of a kind this scenario's
#                                                proxy log shows (0 when it ran none):
#                                                corrupted (signatures), rewritten (statuses,
#                                                security modes), conns (connections)
# The runner's smbw_cleanup does not know the proxy: a scenario stops it itself, and if it
# dies first, the proxy goes with it.

# The binary: $SMBW_FAULTY_PROXY, make's build/tests/ (if not older than the source), or else
# built here, once per boot.
_smbw_proxy_bin() {
	local src=$SMBW_REPO/tests/vm/faulty-proxy.c bin
	for bin in "${SMBW_FAULTY_PROXY:-}" "$SMBW_REPO/build/tests/faulty-proxy"; do
		[ -n "$bin" ] && [ -x "$bin" ] && ! [ "$src" -nt "$bin" ] && { echo "$bin"; return 0; }
	done
	bin=$SMBW_STATE/faulty-proxy
	if ! [ -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		cc -O2 -Wall -Wextra -Werror -o "$bin" "$src" || return 1
	fi
	echo "$bin"
}

smbw_proxy_start() {
	local listen=${1:?listen address} target=${2:?target address} bin
	shift 2
	bin=$(_smbw_proxy_bin) || { smbw_log "faulty-proxy: cannot build it"; return 1; }
	smbw_lo_addr "$listen" || return 1
	rm -f "$SMBW_SCENARIO_OUT/faulty-proxy.log"
	"$bin" "$@" "$listen:445" "$target:445" > "$SMBW_STATE/proxy.log" 2>&1 &
	echo "$! $listen" > "$SMBW_STATE/proxy.pid"
	if ! _smbw_wait_port 445 up 10 "$listen"; then
		smbw_log "faulty-proxy does not listen on $listen:445"
		cat "$SMBW_STATE/proxy.log"
		return 1
	fi
	smbw_log "faulty-proxy $* on $listen:445 -> $target:445"
}

smbw_proxy_stop() {
	local pid listen
	read -r pid listen < "$SMBW_STATE/proxy.pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	_smbw_wait_port 445 down 10 "$listen" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$SMBW_STATE/proxy.pid"
	mv "$SMBW_STATE/proxy.log" "$SMBW_SCENARIO_OUT/faulty-proxy.log"
	smbw_log "faulty-proxy stopped: $(smbw_proxy_count conns) connections," \
		"$(smbw_proxy_count corrupted) signatures corrupted, $(smbw_proxy_count rewritten) rewritten"
}

smbw_proxy_count() {
	local re log=$SMBW_SCENARIO_OUT/faulty-proxy.log
	[ -e "$SMBW_STATE/proxy.pid" ] && log=$SMBW_STATE/proxy.log
	case ${1:?corrupted|rewritten|conns} in
	corrupted) re=': signature corrupted$' ;;
	rewritten) re=' -> 0x' ;;
	conns) re=': open$' ;;
	*) return 1 ;;
	esac
	[ -e "$log" ] || { echo 0; return 0; }
	grep -c -- "$re" "$log"
	return 0
}
