# 30-soak.sh: the promise itself, at length: every failed mount gets exactly one diagnosis, every
# successful mount none, whatever ran before it.  One smbwatch runs through a seeded
# pseudo-random plan of SMBW_SOAK_MOUNTS mounts (default 40: make check's short pass; make soak
# runs 300) that mixes successes with every cause the guest can provoke, against servers side by
# side, each on its own loopback address:
#   normal (x2)  127.0.0.2, .3   success, wrong password, unknown user, disabled account, missing
#                                share, share with valid users = someoneelse, share with smb
#                                encrypt = required mounted vers=2.1
#   min3         127.0.0.4       server min protocol = SMB3, mounted vers=2.0
#   max2         127.0.0.5       server max protocol = SMB2_02, mounted vers=3.1.1
#   encrypt      127.0.0.6       server smb encrypt = required, mounted vers=2.1
#   none         127.0.0.7       nothing listens
#   silent       127.0.0.8       fake-smb-server silent (~20 s a mount: few of them)
#   reset        127.0.0.9       fake-smb-server reset
#   deny         127.0.0.10      smbd with hosts deny = its own (= the client's) address
#   nt1          127.0.0.11      server min protocol = NT1, server signing = disabled; vers=1.0,sign
#   drop         127.0.0.12      SYNs dropped (iptables INPUT), tcp_syn_retries=1, port=445
# Part of the plan runs one mount at a time, part four at a time (four concurrent mounts, each to
# a different address so that they share no cifs TCP connection, on different mount points).
# Successes are unmounted at once: the next mounts free and reuse TCP_Server_Info and sockets.
#
# Asserts: per cause, the diagnoses (ipc false; a folded repeat counts as its count) equal the
# failed mounts planned with that cause, and nothing else is diagnosed; every mount's exit code is
# what its kind implies; the recording replayed in the guest gives the same multiset of
# (cause, phase, server, share, nt_status, errno); the password appears in no output.
# Environment: SMBW_SOAK_MOUNTS (40), SMBW_SOAK_SEED (1); make soak passes them through
# run-scenarios.sh's VAR=VALUE words, with a longer scenario_soak_timeout.
# Artifacts in /out/soak/: plan.tsv, mounts.tsv, mounts.log (what each mount printed),
# smbwatch.json, events.rec, replay.json, diagnoses-{live,replay}.tsv, table.txt.
. "$SMBW_REPO/tests/vm/smbwatch-lib.sh"

scenario_soak_timeout=600

SOAK_DISABLED_USER=smbdis
SOAK_TMP=/tmp/soak
SOAK_MNT=/mnt/smbw-soak

# Servers and their addresses (several: concurrent mounts of the same kind go to different ones).
_soak_servers() {
	cat <<-EOT
	normal	127.0.0.2 127.0.0.3
	min3	127.0.0.4
	max2	127.0.0.5
	encrypt	127.0.0.6
	none	127.0.0.7
	silent	127.0.0.8
	reset	127.0.0.9
	deny	127.0.0.10
	nt1	127.0.0.11
	drop	127.0.0.12
	EOT
}

# kind, server, expected cause ("-": success, no diagnosis).
_soak_kinds() {
	cat <<-EOT
	success	normal	-
	wrong_password	normal	bad-credentials
	unknown_user	normal	bad-credentials
	account_disabled	normal	account-restricted
	missing_share	normal	bad-network-name
	share_denied	normal	share-access-denied
	share_encrypt_vs_vers21	normal	share-encryption-required
	min_smb3_vs_vers20	min3	dialect-mismatch
	max_smb2_vs_vers311	max2	dialect-mismatch
	encrypt_vs_vers21	encrypt	session-encryption-required
	refused	none	connect-refused
	negotiate_silent	silent	negotiate-no-response
	negotiate_reset	reset	negotiate-reset
	hosts_deny	deny	negotiate-reset
	smb1_sign	nt1	signing-failure
	connect_timeout	drop	connect-timeout
	EOT
}

_soak_addrs_of() { _soak_servers | awk -F'\t' -v s="$1" '$1 == s { print $2 }'; }

# The plan, deterministic for (mounts, seed): "idx kind addr group mode slot" lines.
# Every kind at least once (negotiate_silent: one per 100 mounts), a third successes, the rest
# drawn from the cheap failures; shuffled; then cut into segments of 4 to 12 mounts, alternately
# one at a time and four at a time.  In a segment of fours, each batch takes the next mounts that
# can go to an address not yet used in the batch; the others wait for the next batch.
_soak_plan() {
	local n=$1 seed=$2
	awk -F'\t' -v n="$n" -v seed="$seed" '
	FNR == NR { addrs[$1] = $2; next }
	{ kinds[++nk] = $1; server[$1] = $2 }
	function pick(k,    c, nc, i, j, t) {
		nc = split(addrs[server[k]], c, " ")
		for (i = nc; i > 1; i--) { j = 1 + int(rand() * i); t = c[i]; c[i] = c[j]; c[j] = t }
		for (i = 1; i <= nc; i++) if (!(c[i] in used)) return c[i]
		return ""
	}
	function out(k, a, mode, slot) { printf "%d\t%s\t%s\t%d\t%s\t%d\n", ++idx, k, a, g, mode, slot }
	END {
		srand(seed)
		nsil = int(n / 100); if (nsil < 1) nsil = 1
		nsucc = int(n / 3)
		for (i = 1; i <= nk; i++) {
			k = kinds[i]
			if (k == "negotiate_silent") for (j = 0; j < nsil; j++) list[++m] = k
			else if (k == "success") for (j = 0; j < nsucc; j++) list[++m] = k
			else { list[++m] = k; fill[++nf] = k }
		}
		while (m < n) list[++m] = fill[1 + int(rand() * nf)]
		for (i = m; i > 1; i--) { j = 1 + int(rand() * i); t = list[i]; list[i] = list[j]; list[j] = t }
		if (m > n) m = n
		mode = (rand() < 0.5) ? "seq" : "par"
		for (i = 1; i <= m; ) {
			e = i + 3 + int(rand() * 9); if (e > m) e = m
			if (mode == "seq") {
				for (; i <= e; i++) { g++; delete used; out(list[i], pick(list[i]), "seq", 0) }
			} else {
				np = 0
				for (; i <= e; i++) pend[++np] = list[i]
				while (np > 0) {
					g++; delete used; nb = 0; nq = 0
					for (j = 1; j <= np; j++) {
						a = nb < 4 ? pick(pend[j]) : ""
						if (a != "") { used[a] = 1; out(pend[j], a, "par", nb++) }
						else q[++nq] = pend[j]
					}
					np = nq
					for (j = 1; j <= nq; j++) pend[j] = q[j]
				}
			}
			mode = (mode == "seq") ? "par" : "seq"
		}
	}' <(_soak_servers) <(_soak_kinds)
}

SOAK_SHARES="[share]
	path = @SMBDIR@/share
	read only = no
[denied]
	path = @SMBDIR@/share
	valid users = someoneelse
[sealed]
	path = @SMBDIR@/share
	smb encrypt = required"

# _soak_smbd SERVER GLOBAL_EXTRA [USERS_FROM]: that server's smbd with the normal server's shares
# (and its users with USERS_FROM: those whose mounts get as far as a session), started in the
# background; its pid is appended to SOAK_JOBS.
_soak_smbd() {
	local a
	for a in $(_soak_addrs_of "$1"); do
		smbw_samba_start_at "$a" "$2" "$SOAK_SHARES" "${3:-}" > "$SOAK_TMP/setup-$a.log" 2>&1 &
		SOAK_JOBS+=("$!:$a")
	done
}

_soak_wait_jobs() {
	local j rc=0
	for j in "${SOAK_JOBS[@]}"; do
		wait "${j%%:*}" || { rc=1; _fail "smbd on ${j#*:} did not start: $(tail -3 "$SOAK_TMP/setup-${j#*:}.log" | xargs)"; }
		cat "$SOAK_TMP/setup-${j#*:}.log"
	done
	SOAK_JOBS=()
	return "$rc"
}

# Concurrently where it can (smbd and smbpasswd are slow under TCG): the servers whose mounts
# fail before any session start at once; the first normal server gets the users, and the
# servers that need them start with a copy of its tdbsam.
_soak_setup_servers() {
	local a first
	SOAK_JOBS=()
	_soak_smbd min3 "server min protocol = SMB3"
	_soak_smbd max2 "server max protocol = SMB2_02"
	_soak_smbd deny "hosts deny = $(_soak_addrs_of deny)"
	_soak_smbd nt1 "server min protocol = NT1
	server signing = disabled"
	first=$(_soak_addrs_of normal | cut -d' ' -f1)
	smbw_samba_start_at "$first" "" "$SOAK_SHARES" || { _fail "normal smbd on $first did not start"; return 1; }
	if ! { smbw_add_user_at "$first" "$SMBW_USER" "$SMBW_PW" &&
		smbw_add_user_at "$first" "$SOAK_DISABLED_USER" "$SMBW_PW" &&
		smbw_disable_user_at "$first" "$SOAK_DISABLED_USER"; }; then
		_fail "smbpasswd failed on $first"
		return 1
	fi
	for a in $(_soak_addrs_of normal | cut -d' ' -f2-); do
		smbw_samba_start_at "$a" "" "$SOAK_SHARES" "$first" > "$SOAK_TMP/setup-$a.log" 2>&1 &
		SOAK_JOBS+=("$!:$a")
	done
	_soak_smbd encrypt "server smb encrypt = required" "$first"
	a=$(_soak_addrs_of none)
	smbw_lo_addr "$a" || { _fail "cannot add $a to lo"; return 1; }
	a=$(_soak_addrs_of silent)
	smbw_fake_server silent 445 "$a" || { _fail "fake silent server on $a"; return 1; }
	a=$(_soak_addrs_of reset)
	smbw_fake_server reset 445 "$a" || { _fail "fake reset server on $a"; return 1; }
	a=$(_soak_addrs_of drop)
	smbw_blackhole "$a" 445 || { _fail "cannot drop TCP to $a:445 (iptables)"; return 1; }
	smbw_sysctl net.ipv4.tcp_syn_retries 1 || { _fail "cannot set tcp_syn_retries"; return 1; }
	_soak_wait_jobs
}

# _soak_mount IDX KIND ADDR MNT: one mount with mount.cifs itself (not mount -t cifs, which
# forks it), so that the pid written is the one that calls mount(2), the pid of its diagnosis.
# Writes $SOAK_TMP/IDX.res: "idx kind addr rc t0 t1 pid"; what it printed in IDX.out.
_soak_mount() {
	local idx=$1 kind=$2 a=$3 mnt=$4 unc user=$SMBW_USER pw=$SMBW_PW opts="" t0 t1 rc
	unc=//$a/share
	case $kind in
	wrong_password) pw=wrong-$SMBW_PW ;;
	unknown_user) user=nosuchuser ;;
	account_disabled) user=$SOAK_DISABLED_USER ;;
	missing_share) unc=//$a/nosuchshare ;;
	share_denied) unc=//$a/denied ;;
	share_encrypt_vs_vers21) unc=//$a/sealed opts=vers=2.1 ;;
	min_smb3_vs_vers20) opts=vers=2.0 ;;
	max_smb2_vs_vers311) opts=vers=3.1.1 ;;
	encrypt_vs_vers21) opts=vers=2.1 ;;
	smb1_sign) opts=vers=1.0,sign ;;
	connect_timeout) opts=port=445 ;;
	esac
	mkdir -p "$mnt"
	t0=$(_smbw_now)
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout -k 5 "$SMBW_MOUNT_TIMEOUT" bash -c 'echo $$ > "$1"; shift; exec mount.cifs "$@"' _ \
		"$SOAK_TMP/$idx.pid" "$unc" "$mnt" -o "username=$user,password=$pw${opts:+,$opts}" \
		> "$SOAK_TMP/$idx.out" 2>&1 < /dev/null
	rc=$?
	t1=$(_smbw_now)
	if [ "$rc" = 0 ]; then
		grep -q hello "$mnt/hello.txt" 2>/dev/null || echo "hello.txt not readable" >> "$SOAK_TMP/$idx.out"
		umount "$mnt" 2>> "$SOAK_TMP/$idx.out" || umount -l "$mnt"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$idx" "$kind" "$a" "$rc" "$t0" "$t1" \
		"$(cat "$SOAK_TMP/$idx.pid" 2>/dev/null || echo 0)" > "$SOAK_TMP/$idx.res"
	smbw_log "#$idx $kind $a${opts:+ $opts}: rc=$rc $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
}

# Run the plan: one group at a time; a group of the fours runs its mounts concurrently.
_soak_run_plan() {
	local plan=$1 idx kind a g mode slot cur="" pids=()
	while IFS=$'\t' read -r idx kind a g mode slot; do
		if [ "$g" != "$cur" ] && [ ${#pids[@]} -gt 0 ]; then
			wait "${pids[@]}"
			pids=()
		fi
		cur=$g
		if [ "$mode" = par ]; then
			_soak_mount "$idx" "$kind" "$a" "$SOAK_MNT/$slot" &
			pids+=($!)
		else
			_soak_mount "$idx" "$kind" "$a" "$SOAK_MNT/$slot"
		fi
	done < "$plan"
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
}

# Diagnoses that fail a mount: "cause phase server share nt_status errno count repeat pid".
_soak_diagnoses() {
	jq -r 'select(.record=="diagnosis" and .ipc==false) |
		[.cause, .phase, .server, .share, .nt_status, (.errno|tostring), (.count|tostring),
		 (.repeat|tostring), (.pid|tostring)] | @tsv' "$1"
}

# The multiset of (cause, phase, server, share, nt_status, errno), a folded repeat as its count.
_soak_multiset() {
	awk -F'\t' -v OFS='\t' '{ for (i = 0; i < $7; i++) print $1, $2, $3, $4, $5, $6 }' "$1" | sort
}

# Table per cause, then per kind (diagnoses attributed to mounts by pid; a folded repeat carries
# the pid of the last failure it stands for).  Last line: "VERDICT ok" or "VERDICT fail: ...".
_soak_report() {
	local mounts=$1 live=$2 replay=$3
	awk -F'\t' '
	FILENAME == ARGV[1] { cause_of[$1] = $3; next }
	FILENAME == ARGV[2] {
		kind_of[$7] = $2; nk[$2]++; rcs[$2] = rcs[$2] " " $4
		if (!($2 in korder)) korder[$2] = ++nko
		c = cause_of[$2]
		if (c == "-") { succ++; if ($4 != 0) succ_failed++; next }
		planned[c]++; seen[c] = 1; if ($4 != 0) failed[c]++
		next
	}
	FILENAME == ARGV[3] {
		livec[$1] += $7; seen[$1] = 1
		k = ($9 in kind_of) ? kind_of[$9] : "(no mount: pid " $9 ")"
		if (!(k in korder)) korder[k] = ++nko
		attr[k, $1] += $7; if ($8 == "true") folded[k, $1] += $7
		acause[k] = acause[k] SUBSEP $1
		next
	}
	{ repc[$1] += $7; seen[$1] = 1 }
	END {
		fmt = "%-28s | %7s | %13s | %14s | %19s | %s\n"
		printf fmt, "cause", "planned", "mounts failed", "diagnosed live", "diagnosed in replay", "verdict"
		printf fmt, "(success: none)", succ + 0, succ_failed + 0, "-", "-", succ_failed ? "FAIL" : "ok"
		if (succ_failed) bad = bad " " succ_failed " successes failed;"
		n = 0
		for (c in seen) names[++n] = c
		for (i = 2; i <= n; i++) for (j = i; j > 1 && names[j - 1] > names[j]; j--) {
			t = names[j]; names[j] = names[j - 1]; names[j - 1] = t
		}
		for (i = 1; i <= n; i++) {
			c = names[i]
			ok = planned[c] + 0 == failed[c] + 0 && failed[c] + 0 == livec[c] + 0 &&
			     livec[c] + 0 == repc[c] + 0
			printf fmt, c, planned[c] + 0, failed[c] + 0, livec[c] + 0, repc[c] + 0, ok ? "ok" : "FAIL"
			if (!ok) bad = bad sprintf(" %s: planned %d, failed %d, live %d, replay %d;", c,
				planned[c], failed[c], livec[c], repc[c])
		}
		printf "\n%-28s | %-28s | %7s | %-22s | %s\n", "kind", "expected", "planned",
			"exit codes (mounts)", "diagnosed live (by pid: mounts)"
		for (k in korder) ko[korder[k]] = k
		for (i = 1; i <= nko; i++) {
			k = ko[i]; s = ""
			split(rcs[k], r, " "); delete rc_n; rlist = ""
			for (j in r) rc_n[r[j]]++
			for (x in rc_n) rlist = rlist (rlist ? " " : "") x "(" rc_n[x] ")"
			split(acause[k], cs, SUBSEP); delete done
			for (j in cs) {
				c = cs[j]; if (c == "" || c in done) continue
				done[c] = 1
				s = s (s ? ", " : "") c "(" attr[k, c]
				s = s (folded[k, c] ? ", " folded[k, c] " folded)" : ")")
			}
			printf "%-28s | %-28s | %7s | %-22s | %s\n", k,
				(k in cause_of) ? (cause_of[k] == "-" ? "none" : cause_of[k]) : "-",
				nk[k] + 0, rlist ? rlist : "-", s ? s : "none"
		}
		print ""
		print bad ? "VERDICT fail:" bad : "VERDICT ok"
	}' <(_soak_kinds) "$mounts" "$live" "$replay"
}

scenario_soak() {
	local out=$SMBW_SCENARIO_OUT n=${SMBW_SOAK_MOUNTS:-40} seed=${SMBW_SOAK_SEED:-1}
	local t0 t_setup t_mounts f kind a rc bad verdict nseq npar nbatch idle
	t0=$(_smbw_now)
	rm -rf "$SOAK_TMP"
	mkdir -p "$SOAK_TMP" "$SOAK_MNT"
	_soak_plan "$n" "$seed" > "$out/plan.tsv"
	nseq=$(awk -F'\t' '$5 == "seq"' "$out/plan.tsv" | wc -l)
	npar=$(awk -F'\t' '$5 == "par"' "$out/plan.tsv" | wc -l)
	nbatch=$(awk -F'\t' '$5 == "par" { g[$4] = 1 } END { print length(g) }' "$out/plan.tsv")
	smbw_log "plan: $n mounts, seed $seed: $nseq one at a time, $npar in $nbatch concurrent batches"
	smbw_modprobe_cifs || { _fail "modprobe cifs failed"; return 1; }
	_soak_setup_servers || return 1
	t_setup=$(_smbw_since "$t0")
	_watch_start || return 1
	idle=$(smbw_cifs_refs) # smbwatch's own references on cifs.ko, no connection
	_soak_run_plan "$out/plan.tsv"
	t_mounts=$(_smbw_since "$t0")
	# every connection gone (cifsd threads exit seconds after a failed negotiate): nothing late
	smbw_cifs_quiesce 120 "$idle"
	_watch_stop

	sort -n "$SOAK_TMP"/*.res > "$out/mounts.tsv"
	while IFS=$'\t' read -r f kind a rc _; do
		echo "#$f $kind $a rc=$rc"
		sed 's/^/    /' "$SOAK_TMP/$f.out"
	done < "$out/mounts.tsv" > "$out/mounts.log"
	[ "$(wc -l < "$out/mounts.tsv")" = "$n" ] ||
		{ _fail "only $(wc -l < "$out/mounts.tsv") of $n mounts left a result"; return 1; }

	"$SMBW_BIN" --replay "$out/events.rec" -f json > "$out/replay.json" 2> "$out/replay.err" ||
		{ _fail "replay failed: $(tail -1 "$out/replay.err")"; return 1; }
	_soak_diagnoses "$out/smbwatch.json" > "$out/diagnoses-live.tsv"
	_soak_diagnoses "$out/replay.json" > "$out/diagnoses-replay.tsv"
	_soak_report "$out/mounts.tsv" "$out/diagnoses-live.tsv" "$out/diagnoses-replay.tsv" \
		> "$out/table.txt"
	cat "$out/table.txt"
	verdict=$(tail -1 "$out/table.txt")
	bad=""
	[ "$verdict" = "VERDICT ok" ] || bad="${verdict#VERDICT fail: }"
	# exit codes: 0 for a success, not 0 for a failure
	bad+=$(_soak_kinds | awk -F'\t' 'FNR == NR { c[$1] = $3; next }
		(c[$2] == "-") != ($4 == 0) { n[$2 " rc=" $4]++ }
		END { for (k in n) printf " %d mounts %s;", n[k], k }' - "$out/mounts.tsv")
	if ! diff <(_soak_multiset "$out/diagnoses-live.tsv") <(_soak_multiset "$out/diagnoses-replay.tsv") \
		> "$out/replay.diff"; then
		bad+=" replay differs from live ($(grep -c '^[<>]' "$out/replay.diff") lines, replay.diff);"
	fi
	for f in "$out/replay.json" "$out/mounts.log" "$out/plan.tsv"; do
		grep -a -q -F -- "$SMBW_PW" "$f" && bad+=" the password appears in $(basename "$f");"
	done
	_no_password_anywhere || return 1
	smbw_log "soak: $n mounts in $(awk -v a="$t_setup" -v b="$t_mounts" 'BEGIN { printf "%.0f", b - a }') s (setup $t_setup s), total $(_smbw_since "$t0") s"
	[ -z "$bad" ] || { _fail "soak ($n mounts, seed $seed):$bad"; return 1; }
	smbw_reason "$n mounts (seed $seed; $nseq alone, $npar in $nbatch batches): every failure diagnosed once, no more; replay identical; $(_smbw_since "$t0") s"
}
