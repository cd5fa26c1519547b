#!/bin/bash
# run-scenarios.sh: run the VM scenarios, inside the guest (scripts/vmtest.sh boots it).
#
# usage: scripts/vm/run-vm.sh [-k KVER] tests/vm/run-scenarios.sh [-d DIR] [-c] [VAR=VALUE...] [NAME...]
#   NAME...  run only these scenarios (default: all);  -d  scenario folder (tests/vm/scenarios)
#   -c       only the core set: the scenarios whose file has a line "scenario_NAME_core=1"
#            (make check runs every scenario on its first kernel, the core set on the others:
#            scripts/vmtest.sh, SMBW_VM_MATRIX)
#   --preboot NAME  run scenario_NAME_preboot (scripts/vm/systemd-init.sh, before systemd
#            starts), output in OUT/preboot.log, exit status in OUT/preboot.rc
#   SMBW_XTRACE=1  (as VAR=VALUE) each scenario's commands, timed, in OUT/NAME/xtrace
#   VAR=VALUE  exported to every scenario (the guest gets no environment from the host: this is
#            how e.g. make soak says SMBW_SOAK_MOUNTS=300); scenario_NAME_timeout=S among them
#            overrides the file's timeout of NAME
#
# Discovery: the files DIR/*.sh, in C-locale name order (hence the NN- prefixes);
# in each file, every function defined at the start of a line as
#         scenario_NAME() {
# in the order of the file, but for scenario_NAME_preboot (a step of NAME, below).  NAME
# ([a-z0-9_]+) must be unique over all files.  A file may set
# a line "scenario_NAME_timeout=SECONDS" (a literal number, read as text; default
# $SMBW_SCENARIO_TIMEOUT, 240).  Files should only define functions and variables.
# A scenario whose file has a line "scenario_NAME_boot=1" needs a boot of its own: its
# scenario_NAME_preboot runs before systemd starts (to write fstab, enable units), and it runs
# only in a guest booted with smbw_preboot=NAME on the kernel command line.  Elsewhere it is
# left out of the run and listed in OUT/boot-scenarios.list, for scripts/vmtest.sh to boot for.
#
# Each scenario runs in a fresh bash that sources scripts/vm/guest-lib.sh and its file, then
# calls the function, bounded by its timeout.  Its return value: 0 pass, 77 skip, anything else
# fail (a timeout is a fail).  It may explain itself with smbw_reason "text".  Environment:
# SMBW_SCENARIO (NAME), SMBW_SCENARIO_OUT (/out/NAME, for its own artifacts), SMBW_REPO,
# SMBW_SCENARIO_EPOCH (when it started, in seconds since the epoch: journalctl --since=@...).
# After each scenario smbw_cleanup unmounts, stops smbd and fake servers and waits until cifs.ko
# has no user left (no lingering connection), whatever happened.
#
# Output in /out (OUTDIR of run-vm.sh):
#   scenarios.list      every NAME, in run order (written first: a crash leaves it behind)
#   NAME/result         line 1: pass|fail|skip, line 2: reason
#   NAME/log            the scenario's stdout and stderr;  NAME/elapsed  seconds (its cleanup's
#                       in NAME/cleanup-elapsed)
#   NAME/dmesg          kernel messages logged while it ran
#   summary             one line per scenario;  dmesg.txt  the whole kernel log
# Exit status: 0 when nothing failed, 1 otherwise.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
LIB=$REPO/scripts/vm/guest-lib.sh
OUT=${SMBW_OUT:-/out}
SCENARIOS=$REPO/tests/vm/scenarios
# For smbw_cleanup between scenarios; the scenarios source it again in their own shells.
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/vm/guest-lib.sh
source "$LIB"
DEFAULT_TIMEOUT=${SMBW_SCENARIO_TIMEOUT:-240}

# "FILE NAME" lines, in run order.
discover() {
	local f
	for f in "$SCENARIOS"/*.sh; do
		[ -e "$f" ] || continue
		# scenario_NAME_preboot is a step of scenario NAME (a boot of its own), not one itself
		sed -nE 's/^scenario_([a-z0-9_]+)[[:space:]]*\(\)[[:space:]]*\{?.*$/\1/p' "$f" |
			grep -v '_preboot$' | while read -r name; do echo "$f $name"; done
	done
}

# Keep the scenarios named on the command line (all when none).
select_scenarios() {
	local f name want
	while read -r f name; do
		if [ $# -eq 0 ]; then
			echo "$f $name"
			continue
		fi
		for want in "$@"; do
			[ "$want" = "$name" ] && echo "$f $name"
		done
	done
}

# Keep the core set (-c): "scenario_NAME_core=1" in the file, read as text.
select_core() {
	local f name
	while read -r f name; do
		grep -q "^scenario_${name}_core=1" "$f" && echo "$f $name"
	done
}

# scenario_NAME_timeout=S given on the command line, else as written in the file (read, not
# sourced: no process to start).
timeout_of() {
	local file=$1 name=$2 line re var=scenario_${2}_timeout
	if [[ ${!var:-} =~ ^[0-9]+$ ]]; then
		echo "${!var}"
		return
	fi
	re="^scenario_${name}_timeout=([0-9]+)"
	while IFS= read -r line; do
		[[ $line =~ $re ]] && { echo "${BASH_REMATCH[1]}"; return; }
	done < "$file"
	echo "$DEFAULT_TIMEOUT"
}

# A scenario that needs a boot of its own: "scenario_NAME_boot=1" in its file.
needs_own_boot() {
	grep -q "^scenario_${2}_boot=1" "$1"
}

# Split off the scenarios that need a boot of their own: this guest runs the one it was
# booted for (smbw_preboot=NAME), or none of them, listed in OUT/boot-scenarios.list.
select_boot() {
	local f name w booted_for=
	for w in $(< /proc/cmdline); do
		[[ $w == smbw_preboot=* ]] && booted_for=${w#smbw_preboot=}
	done
	: > "$OUT/boot-scenarios.list"
	while read -r f name; do
		[ -n "$f" ] || continue
		if ! needs_own_boot "$f" "$name"; then
			[ -z "$booted_for" ] && echo "$f $name"
		elif [ "$name" = "$booted_for" ]; then
			echo "$f $name"
		elif [ -z "$booted_for" ]; then
			echo "$name" >> "$OUT/boot-scenarios.list"
		fi
	done
}

# The file that defines scenario_NAME.
file_of() {
	discover | awk -v n="$1" '$2 == n { print $1; exit }'
}

# --preboot NAME: scenario_NAME_preboot, in a fresh bash as the scenarios run, bounded.
preboot() {
	local name=$1 file rc
	file=$(file_of "$name")
	if [ -z "$file" ]; then
		echo "run-scenarios: --preboot: no scenario $name" > "$OUT/preboot.log"
		echo 2 > "$OUT/preboot.rc"
		return 2
	fi
	# shellcheck disable=SC2016 # expanded by the inner bash
	SMBW_SCENARIO=$name timeout -k 5 120 bash -c 'source "$1" && source "$2" || exit 2
		declare -F "scenario_$3_preboot" > /dev/null || { echo "no scenario_$3_preboot"; exit 2; }
		"scenario_$3_preboot"' _ "$LIB" "$file" "$name" > "$OUT/preboot.log" 2>&1 < /dev/null
	rc=$?
	echo "$rc" > "$OUT/preboot.rc"
	return "$rc"
}

# A boot scenario whose preboot step failed fails with the step's last words.
preboot_failed() {
	local rc
	rc=$(cat "$OUT/preboot.rc" 2>/dev/null || echo none)
	[ "$rc" = 0 ] && return 1
	# the bash init (SMBW_VM_INIT=bash) has no preboot step: the scenario skips itself
	[ "$rc" = none ] && [ "$(cat /proc/1/comm)" != systemd ] && return 1
	echo "preboot step exited $rc: $(tail -1 "$OUT/preboot.log" 2>/dev/null)"
}

write_result() {
	local dir=$1 status=$2 reason=$3
	printf '%s\n%s\n' "$status" "$reason" > "$dir/result"
}

# Run one scenario; prints "STATUS ELAPSED REASON".
run_one() {
	local file=$1 name=$2 dir=$OUT/$2 tmo rc t0 el status reason klines
	rm -rf "$dir"
	mkdir -p "$dir"
	tmo=$(timeout_of "$file" "$name")
	if needs_own_boot "$file" "$name" && reason=$(preboot_failed); then
		write_result "$dir" fail "$reason"
		echo 0 > "$dir/elapsed"
		echo "fail 0 $reason"
		return
	fi
	klines=$(dmesg | wc -l)
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2016 # expanded by the inner bash
	SMBW_SCENARIO=$name SMBW_SCENARIO_OUT=$dir SMBW_SCENARIO_EPOCH=$(date +%s) \
		timeout -k 10 "$tmo" bash -c 'source "$1" && source "$2" || exit 2
			if [ "${SMBW_XTRACE:-0}" = 1 ]; then # where the time goes: NAME/xtrace
				exec {BASH_XTRACEFD}> "$SMBW_SCENARIO_OUT/xtrace"
				PS4="+ \${EPOCHREALTIME} " && set -x
			fi
			if ! declare -F "scenario_$3" > /dev/null; then
				smbw_reason "scenario_$3 is not a function"; exit 2
			fi
			"scenario_$3"' _ "$LIB" "$file" "$name" > "$dir/log" 2>&1 < /dev/null
	rc=$?
	el=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
	t0=$(cut -d' ' -f1 /proc/uptime)
	SMBW_SCENARIO_OUT=$dir smbw_cleanup >> "$dir/log" 2>&1
	awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f\n", b - a }' > "$dir/cleanup-elapsed"
	dmesg | tail -n +"$((klines + 1))" > "$dir/dmesg"
	reason=$(tail -n 1 "$dir/reason" 2>/dev/null)
	case $rc in
	0) status=pass; reason=${reason:-ok} ;;
	77) status=skip; reason=${reason:-skipped} ;;
	124|137) status=fail; reason="timeout after ${tmo}s${reason:+ ($reason)}" ;;
	*) status=fail; reason=${reason:-"returned $rc"} ;;
	esac
	write_result "$dir" "$status" "$reason"
	echo "$el" > "$dir/elapsed"
	echo "$status $el $reason"
}

main() {
	local list f name status el reason failed=0 core=0
	export LC_ALL=C # glob order of the scenario files
	while :; do
		case ${1:-} in
		-d) SCENARIOS=$(realpath "${2:?-d DIR}"); shift 2 ;;
		-c) core=1; shift ;;
		--preboot) preboot "${2:?--preboot NAME}"; return ;;
		*) break ;;
		esac
	done
	while [[ ${1:-} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
		export "${1?}"
		echo "run-scenarios: $1"
		shift
	done
	# SMBW_SCENARIOS_DIR=tests/vm/bench (relative to the checkout): another folder, e.g. the
	# VM benchmarks of make bench-vm
	[ -z "${SMBW_SCENARIOS_DIR:-}" ] || SCENARIOS=$REPO/$SMBW_SCENARIOS_DIR
	list=$(discover | select_scenarios "$@")
	[ "$core" = 0 ] || list=$(select_core <<< "$list")
	list=$(select_boot <<< "$list")
	if [ -z "$list" ] && [ -s "$OUT/boot-scenarios.list" ]; then
		echo "run-scenarios: only scenarios that need a boot of their own: $(xargs < "$OUT/boot-scenarios.list")"
		: > "$OUT/scenarios.list"
		: > "$OUT/summary"
		return 0
	fi
	if [ -z "$list" ]; then
		echo "run-scenarios: no scenario found${1:+ named $*}"
		return 1
	fi
	awk '{ print $2 }' <<< "$list" > "$OUT/scenarios.list"
	if [ -n "$(sort "$OUT/scenarios.list" | uniq -d)" ]; then
		echo "run-scenarios: duplicate names: $(sort "$OUT/scenarios.list" | uniq -d | xargs)"
		return 1
	fi
	: > "$OUT/summary"
	echo "run-scenarios: kernel $(uname -r), $(wc -l < "$OUT/scenarios.list") scenarios"
	while read -r f name; do
		read -r status el reason < <(run_one "$f" "$name")
		printf '%-28s %-4s %6ss  %s\n' "$name" "$status" "$el" "$reason" | tee -a "$OUT/summary"
		[ "$status" = fail ] && failed=1
	done <<< "$list"
	dmesg > "$OUT/dmesg.txt"
	return "$failed"
}

main "$@"
