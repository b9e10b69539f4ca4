#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_edustat.sh - edustat, the ss of EDUTCP, read against the
# kernel: /proc/net/edutcp, /proc/*/fd, /proc/net/edutcp_stats, and ss on
# the kernel's own TCP as the oracle of what the columns mean.
#
#  1. without the module: the message that says to load it, exit status 2;
#  2. a listener with backlog 3 and 4 clients it does not accept:
#     `edustat -ln` shows Recv-Q 4 (the accept queue, backlog + 1),
#     Send-Q 3 (the backlog), SynQ 0/3, Drops 0 - the numbers of its row;
#  3. `-an` shows the 4 children and the 4 clients, with the clients'
#     ports; the default view shows them too, but not the listener;
#  4. `-p` names edu_listener with its pid and the fd that links to the
#     listener's inode, and edu_connect for the clients;
#  5. `-s` prints every counter of /proc/net/edutcp_stats with its value;
#  6. `-w -c 2` to a file prints two frames with the bars, no escapes;
#     SIGINT ends an endless -w with status 0;
#  7. files: a newer format (an extra header column) is refused with exit
#     status 2, an unknown header too; a saved copy reads like the live
#     file; /proc/net/tcp's twelve columns are read; ports get names;
#  8. the oracle: the same listener and clients on TCP, where `ss -lnt`
#     shows the same Recv-Q/Send-Q as edustat for EDUTCP, also after a
#     fifth client's SYN is dropped (SYN-SENT, Send-Q 1 in both);
#  9. half-open requests (edusynflood, in a namespace): SYN-RECV rows in
#     `-a`, SynQ 2/3, the SYN bar, -f /proc/PID/net/edutcp and its _stats.
# Leaves the module loaded, as the runner expects.  edustat's output is
# parsed in bash, not awk or grep: each program run costs a lot under TCG.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

EDUSTAT=build/bin/edustat
PORT=9431		# the EDUTCP listener, on loopback in this namespace
TPORT=9432		# the same on TCP
QPORT=9433		# the listener of part 9, in a namespace
BACKLOG=3
NCLI=$((BACKLOG + 1))	# exactly fills the accept queue
T=$T_TMP
LO=127.0.0.1
NOMOD="edustat: /proc/net/edutcp not found: is the af_edu module loaded? (insmod af_edu.ko)"

# run_bg OUT CMD...: CMD here in the background (killed on exit); BG_LAST.
run_bg() {
	local out=$1
	shift
	"$@" > "$out" 2>&1 &
	BG_LAST=$!
	BG_PIDS+=("$BG_LAST")
}

# es OUT ARGS...: edustat ARGS, stdout to OUT, stderr to OUT.err, status
# in ES_RC and OUT.rc; bounded, and never a failure by itself.
es() {
	local out=$1
	shift
	ES_RC=0
	timeout 20 "$EDUSTAT" "$@" > "$out" 2> "$out.err" || ES_RC=$?
	echo "$ES_RC" > "$out.rc"
}

slurp() { [ -r "$1" ] && echo "$(< "$1")"; }

# show_out OUT: what edustat printed, as the diagnostics of a check.
show_out() {
	local l
	while IFS= read -r l; do
		echo "$l"
	done < "$1"
	[ -s "$1.err" ] && slurp "$1.err"
	return 0
}

# nmatch FILE ERE: how many lines of FILE match.
nmatch() {
	local n=0 l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && n=$((n + 1))
	done < "$1"
	echo "$n"
}

# cols FILE STATE COLUMN VALUE: the rows of edustat's table in FILE with
# that state and column (4 local, 5 peer) equal to VALUE, blanks squeezed.
cols() {
	local -a f
	while read -r -a f; do
		[ "${f[0]:-}" = "$2" ] && [ "${f[$3 - 1]:-}" = "$4" ] && echo "${f[*]}"
	done < "$1"
	return 0
}

count() {
	local n=0 l
	while read -r l; do
		[ -z "$l" ] || n=$((n + 1))
	done <<< "$(cols "$@")"
	echo "$n"
}

# field LINE N: the Nth word of LINE.
field() {
	local -a f
	read -r -a f <<< "$1"
	echo "${f[$2 - 1]:-}"
}

# lrow FILE PORT [ADDR]: the listener's Recv-Q Send-Q SynQ Drops.
lrow() {
	local -a f
	read -r -a f <<< "$(cols "$1" LISTEN 4 "${3:-$LO}:$2")"
	[ "${#f[@]}" -ge 7 ] && echo "${f[1]} ${f[2]} ${f[5]} ${f[6]}"
}

# The same four numbers from the listener's raw row of /proc/net/edutcp:
# rx_queue, acceptq_max, synq/synq_max, drops (the last five columns are
# synq synq_max acceptq acceptq_max drops).
raw_lrow() {
	local -a r
	local n want
	want="$(hexaddr $LO):$(hexport "$1")"
	while read -r -a r; do
		[ "${r[1]}" = "$want" ] && [ "${r[3]}" = 0A ] || continue
		n=${#r[@]}
		echo "$((16#${r[4]#*:})) ${r[n - 2]} ${r[n - 5]}/${r[n - 4]} ${r[n - 1]}"
		return 0
	done < "$2"
	echo "no listener row"
}

# heading FILE: the first line, blanks squeezed.
heading() {
	local -a h
	read -r -a h < "$1"
	echo "${h[*]}"
}

# --- 1. no module ----------------------------------------------------------

no_module() {
	local rc=0
	if module_loaded; then
		# A test before may have left TIME_WAIT sockets, which hold
		# the module until tw_timeout.
		wait_edu_idle || { echo "sockets left: $(count_of sockets)"; return 1; }
		wait_until 5 edu_unload 2>/dev/null ||
			{ echo "rmmod af_edu failed: something still holds it"; return 1; }
	fi
	es "$T/nomod" -ln
	edu_load || rc=1
	show_out "$T/nomod"
	expect_eq "$ES_RC" 2 || rc=1
	expect_eq "$(slurp "$T/nomod.err")" "$NOMOD" || rc=1
	expect_eq "$(slurp "$T/nomod")" "" || rc=1
	return $rc
}

t_check "no module: \"$NOMOD\", status 2" no_module
module_loaded || edu_load
t_check "the module is loaded again" module_loaded

# --- 2. a listener with a full accept queue ----------------------------------

run_bg "$T/listener" "$HELPERS/edu_listener" -b $BACKLOG -t $((150 * T_SLOW)) $LO $PORT
LPID=$BG_LAST
wait_line "$T/listener" '^(listening|error)' 10
t_check "edu_listener -b $BACKLOG on $LO:$PORT" has_line "$T/listener" '^listening'
run_bg "$T/clients" "$HELPERS/edu_connect" -n $NCLI -w 5000 -H $((150 * T_SLOW)) $LO $PORT
CPID=$BG_LAST
wait_line "$T/clients" '^summary' 10
t_check "$NCLI clients connect, none is accepted" eval \
	'slurp "$T/clients"; has_line "$T/clients" "^summary connected=$NCLI pending=0 failed=0\$"'
CLI_PORTS=
while read -r _ _ _ p what _; do
	[ "$what" = connected ] && CLI_PORTS="$CLI_PORTS ${p%:}"
done < "$T/clients"
CLI_PORTS=$(printf '%s\n' $CLI_PORTS | sort -n | xargs)

listener_shows() {
	es "$T/ln" -ln
	[ "$(lrow "$T/ln" "$PORT")" = "$1" ]
}
wait_until 5 listener_shows "$NCLI $BACKLOG 0/$BACKLOG 0"
cp /proc/net/edutcp "$T/raw"
es "$T/ln" -ln

t_check "-ln: the heading names the columns" expect_eq "$(heading "$T/ln")" \
	"State Recv-Q Send-Q Local Address:Port Peer Address:Port SynQ Drops"
t_check "-ln: LISTEN $LO:$PORT Recv-Q $NCLI, Send-Q $BACKLOG, SynQ 0/$BACKLOG, Drops 0" \
	eval 'show_out "$T/ln"; expect_eq "$(lrow "$T/ln" $PORT)" "$NCLI $BACKLOG 0/$BACKLOG 0"'
t_check "-ln: ... the numbers of its /proc/net/edutcp row (rx_queue, acceptq_max, synq/synq_max, drops)" \
	expect_eq "$(raw_lrow $PORT "$T/raw")" "$(lrow "$T/ln" $PORT)"
t_check "-ln: its peer is 0.0.0.0:*, and only listeners are shown" eval \
	'expect_eq "$(field "$(cols "$T/ln" LISTEN 4 $LO:$PORT)" 5)" "0.0.0.0:*" &&
	 expect_eq "$(nmatch "$T/ln" "^LISTEN ")" "$(($(nmatch "$T/ln" .) - 1))"'

# --- 3. connections ----------------------------------------------------------

# ports FILE COL OTHER: the ports in column OTHER of the ESTAB rows whose
# column COL is $LO:$PORT, sorted.
ports() {
	local l p out=
	while read -r l; do
		[ -n "$l" ] || continue
		p=$(field "$l" "$3")
		out="$out ${p##*:}"
	done <<< "$(cols "$1" ESTAB "$2" "$LO:$PORT")"
	printf '%s\n' $out | sort -n | xargs
}

es "$T/an" -an
es "$T/conn" -n
t_check "-an: the $NCLI children, ESTAB on $LO:$PORT, with the clients' ports" eval \
	'show_out "$T/an"; expect_eq "$(ports "$T/an" 4 5)" "$CLI_PORTS"'
t_check "-an: the $NCLI clients, ESTAB to $LO:$PORT" \
	expect_eq "$(ports "$T/an" 5 4)" "$CLI_PORTS"
t_check "-an: and the listener" expect_eq "$(count "$T/an" LISTEN 4 $LO:$PORT)" 1
t_check "default: the same $((2 * NCLI)) connections, no listener" eval \
	'show_out "$T/conn"
	 expect_eq "$(($(count "$T/conn" ESTAB 4 $LO:$PORT) + $(count "$T/conn" ESTAB 5 $LO:$PORT)))" $((2 * NCLI)) &&
	 expect_eq "$(nmatch "$T/conn" "^LISTEN")" 0 &&
	 expect_eq "$(heading "$T/conn")" "State Recv-Q Send-Q Local Address:Port Peer Address:Port"'
t_check "connections: Recv-Q 0 and Send-Q 0 (no data in flight)" expect_eq \
	"$(nmatch "$T/an" "^ESTAB +0 +0 ")" $((2 * NCLI))

# --- 4. owners ---------------------------------------------------------------

# The fd edustat names must be the one that links to the listener's inode.
owner_is_listener() {
	local proc fd ino="" link
	local -a r
	proc=$(field "$(cols "$T/lnp" LISTEN 4 $LO:$PORT)" 8)
	echo "Process: $proc"
	[[ $proc =~ ^users:\(\(\"edu_listener\",pid=$LPID,fd=([0-9]+)\)\)$ ]] ||
		{ echo "expected users:((\"edu_listener\",pid=$LPID,fd=N))"; return 1; }
	fd=${BASH_REMATCH[1]}
	while read -r -a r; do
		[ "${r[1]}" = "$(hexaddr $LO):$(hexport $PORT)" ] && [ "${r[3]}" = 0A ] && ino=${r[9]}
	done < /proc/net/edutcp
	link=$(readlink "/proc/$LPID/fd/$fd")
	expect_eq "$link" "socket:[${ino:-?}]"
}

clients_owned() {
	expect_eq "$(nmatch "$T/anp" "^ESTAB .* $LO:$PORT +- +- +users:\(\(\"edu_connect\",pid=$CPID,fd=[0-9]+\)\)\$")" $NCLI &&
	# Children waiting in the accept queue belong to no process yet.
	expect_eq "$(nmatch "$T/anp" "^ESTAB +0 +0 +$LO:$PORT .*users:")" 0
}

es "$T/lnp" -lnp
es "$T/anp" -anp
t_check "-p: the listener is edu_listener's (pid $LPID), through the fd that links to its inode" \
	owner_is_listener
t_check "-p: each client is edu_connect's (pid $CPID); the children nobody's" \
	eval 'show_out "$T/anp"; clients_owned'

# --- 5. counters -------------------------------------------------------------

# Every "Name value" of the stats file is a line of edustat -s; the file is
# read before and after, and read again if a counter moved meanwhile.
stats_match() {
	local i before after missing=0 name val
	local -a names vals
	local -A got
	for _ in 1 2 3; do
		before=$(< /proc/net/edutcp_stats)
		es "$T/s" -s
		after=$(< /proc/net/edutcp_stats)
		[ "$before" = "$after" ] && break
	done
	show_out "$T/s"
	expect_eq "$ES_RC" 0 || return 1
	{ read -r -a names; read -r -a vals; } <<< "$after"
	[ "${#names[@]}" -gt 17 ] || { echo "only ${#names[@]} names in the file"; return 1; }
	while read -r name val; do
		[[ $val =~ ^-?[0-9]+$ ]] && got[$name]=$val
	done < "$T/s"
	for ((i = 1; i < ${#names[@]}; i++)); do
		[ "${got[${names[i]}]:-}" = "${vals[i]}" ] ||
			{ echo "expected '${names[i]} ${vals[i]}'"; missing=1; }
	done
	expect_eq "${#got[@]}" $((${#names[@]} - 1)) && return $missing
}

summary_counts() {
	local rows
	rows=$(($(nmatch /proc/net/edutcp .) - 1))
	[ "$(nmatch "$T/s" "^EDUTCP: $rows \(estab [0-9]+, listen [1-9]")" = 1 ] ||
		{ echo "expected a summary of $rows rows"; return 1; }
}

t_check "-s: every counter of /proc/net/edutcp_stats, with its value" stats_match
t_check "-s: the summary counts the rows of /proc/net/edutcp" summary_counts

# --- 6. the live view ----------------------------------------------------------

BARS="^$LO:$PORT +backlog $BACKLOG +SYN \[\.{10}\] 0/$NCLI +ACC \[#{10}\] $NCLI/$NCLI full +drops 0\$"
es "$T/w" -w 100 -c 2 -n
t_check "-w 100 -c 2: status 0, two frames, one blank line between them" eval \
	'show_out "$T/w"; expect_eq "$ES_RC" 0 &&
	 expect_eq "$(nmatch "$T/w" "^edustat -w ")" 2 &&
	 expect_eq "$(nmatch "$T/w" "^\$")" 1'
t_check "-w: the listener's bars in both: SYN 0/$NCLI, ACC $NCLI/$NCLI full" \
	expect_eq "$(nmatch "$T/w" "$BARS")" 2
t_check "-w: the counters in both" expect_eq "$(nmatch "$T/w" \
	'^ListenOverflows [0-9]+.* ListenDrops [0-9]+.* SynQueueDrops [0-9]+.* SynAckRetrans [0-9]+')" 2
t_check "-w: not a terminal, so no escape sequences" \
	expect_eq "$(nmatch "$T/w" $'\e')" 0

# An endless -w, interrupted once it has drawn two frames.
sigint_ends_watch() {
	local pid rc=0
	"$EDUSTAT" -w 100 > "$T/wi" 2>&1 &
	pid=$!
	wait_until 10 eval '[ "$(nmatch "$T/wi" "^edustat -w ")" -ge 2 ]'
	kill -INT "$pid"
	if ! wait_until 5 eval '! kill -0 "$pid" 2>/dev/null'; then
		kill -KILL "$pid"
		wait "$pid"
		echo "edustat -w did not end on SIGINT"
		return 1
	fi
	wait "$pid" || rc=$?
	echo "status $rc after $(nmatch "$T/wi" "^edustat -w ") frames"
	expect_eq "$rc" 0
}
t_check "-w without -c: SIGINT ends it with status 0" sigint_ends_watch

# --- 7. other files ------------------------------------------------------------

# newer_file: the live copy with one more column, header and rows.
newer_file() {
	local l first=1
	while IFS= read -r l; do
		if [ -n "$first" ]; then
			echo "$l extra"
			first=
		else
			echo "$l 0"
		fi
	done < "$T/raw"
}
newer_file > "$T/newer"
es "$T/nf" -f "$T/newer"
t_check "a newer format (18 header columns) is refused, status 2" eval \
	'show_out "$T/nf"; expect_eq "$ES_RC" 2 &&
	 expect_eq "$(slurp "$T/nf.err")" "edustat: $T/newer has a newer format (18 columns); this edustat understands 17" &&
	 expect_eq "$(slurp "$T/nf")" ""'
{ read -r l; echo "${l/synq_max/synq_limit}"; } < "$T/raw" > "$T/odd"
es "$T/of" -f "$T/odd"
t_check "an unknown header is refused, status 2" eval \
	'show_out "$T/of"; expect_eq "$ES_RC" 2 && has_line "$T/of.err" "not a /proc/net/edutcp table"'
es "$T/saved" -ln -f "$T/raw"
t_check "-f: a saved copy reads as the live file did" \
	expect_eq "$(lrow "$T/saved" $PORT)" "$NCLI $BACKLOG 0/$BACKLOG 0"

# A listener on port 22 in a made-up file: its service name unless -n.
services_named() {
	local name
	name=$(getent services 22/tcp)
	name=${name%% *}
	{
		read -r l
		echo "$l"
		echo "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 0 5 0 5 0"
	} < "$T/raw" > "$T/p22"
	es "$T/r" -l -f "$T/p22"
	show_out "$T/r"
	expect_eq "$(count "$T/r" LISTEN 4 "$LO:${name:-22}")" 1 || return 1
	es "$T/n" -ln -f "$T/p22"
	show_out "$T/n"
	expect_eq "$(count "$T/n" LISTEN 4 "$LO:22")" 1
}
t_check "ports by service name (getservbyport), numbers with -n" services_named

# --- 8. the oracle: the kernel's TCP and ss ----------------------------------

run_bg "$T/tlistener" "$HELPERS/edu_listener" -4 -b $BACKLOG -t $((150 * T_SLOW)) $LO $TPORT
wait_line "$T/tlistener" '^(listening|error)' 10
run_bg "$T/tclients" "$HELPERS/edu_connect" -4 -n $NCLI -w 5000 -H $((150 * T_SLOW)) $LO $TPORT
wait_line "$T/tclients" '^summary' 10
t_check "tcp: listener with backlog $BACKLOG, $NCLI clients connected" eval \
	'slurp "$T/tclients"; has_line "$T/tclients" "^summary connected=$NCLI pending=0 failed=0\$"'

# Recv-Q Send-Q of the listener, by ss for TCP and by edustat for EDUTCP.
ss_lq() {
	local -a f
	read -r -a f <<< "$(ss -Hlnt "sport = :$TPORT")"
	echo "${f[1]:-} ${f[2]:-}"
}
es_lq() {
	es "$T/l" -ln
	lrow "$T/l" "$PORT" | { read -r r s _; echo "$r $s"; }
}
wait_until 5 eq_cmd "$NCLI $BACKLOG" ss_lq
SS_LQ=$(ss_lq)
t_check "ss -lnt: TCP's listener has Recv-Q $NCLI, Send-Q $BACKLOG" eval \
	'ss -lnt "sport = :$TPORT"; expect_eq "$SS_LQ" "$NCLI $BACKLOG"'
t_check "edustat -ln shows the same for EDUTCP's" expect_eq "$(es_lq)" "$SS_LQ"
es "$T/tcp" -ln -f /proc/net/tcp
t_check "edustat -f /proc/net/tcp: the TCP listener's accept queue (its backlog is not in that file)" eval \
	'show_out "$T/tcp"; expect_eq "$(lrow "$T/tcp" $TPORT)" "$NCLI - - -"'

# A fifth client on each: its SYN meets a full accept queue and is dropped.
run_bg "$T/c5" "$HELPERS/edu_connect" -n 1 -w 500 -H $((150 * T_SLOW)) $LO $PORT
run_bg "$T/tc5" "$HELPERS/edu_connect" -4 -n 1 -w 500 -H $((150 * T_SLOW)) $LO $TPORT
wait_line "$T/c5" '^summary' 10
wait_line "$T/tc5" '^summary' 10
# With one state asked for, ss leaves out the State column.
ss_synsent() {
	local -a f
	read -r -a f <<< "$(ss -Htn state syn-sent "dport = :$TPORT")"
	echo "${f[0]:-} ${f[1]:-}"
}
es_synsent() {
	local -a f
	es "$T/s5" -n
	read -r -a f <<< "$(cols "$T/s5" SYN-SENT 5 "$LO:$PORT")"
	echo "${f[1]:-} ${f[2]:-}"
}
t_check "tcp: the fifth client stays SYN-SENT: ss shows Recv-Q 0, Send-Q 1 (the SYN)" eval \
	'slurp "$T/tc5"; expect_eq "$(ss_synsent)" "0 1"'
t_check "edu: edustat shows its SYN-SENT row the same" eval \
	'slurp "$T/c5"; expect_eq "$(es_synsent)" "$(ss_synsent)"'
t_check "both listeners still show Recv-Q $NCLI, Send-Q $BACKLOG" eval \
	'expect_eq "$(ss_lq)" "$NCLI $BACKLOG" && expect_eq "$(es_lq)" "$(ss_lq)"'
t_check "edu: the listener's Drops counts the dropped SYN" \
	expect_ge "$(field "$(lrow "$T/l" $PORT)" 4)" 1

# --- 9. half-open requests, in a namespace -------------------------------------

topo_up edustat
t_check "topology up" topo_ok
netfile_var "$NS_S" edutcp
NSFILE=$REPLY
start_listener edu "$NS_S" "$T/qlistener" -b $BACKLOG "$SRV" $QPORT
t_check "namespace: listener with backlog $BACKLOG on $SRV:$QPORT" \
	has_line "$T/qlistener" '^listening'
t_check "namespace: edusynflood sent 2 SYNs from spoofed addresses" \
	nsx "$NS_C" "$FLOOD" -n 2 -s "$SPOOF_NET" "$SRV:$QPORT"
synrecv_rows() { es "$T/q" -an -f "$NSFILE"; count "$T/q" SYN-RECV 4 "$SRV:$QPORT"; }
wait_until 5 eq_cmd 2 synrecv_rows
t_check "-a: one SYN-RECV row per half-open request, from the spoofed addresses" eval \
	'show_out "$T/q"; expect_eq "$(count "$T/q" SYN-RECV 4 "$SRV:$QPORT")" 2 &&
	 expect_eq "$(nmatch "$T/q" "^SYN-RECV .* 10\.99\.(1[2-9][0-9]|2[0-5][0-9])\.[0-9]+:[0-9]+ ")" 2'
t_check "-l: Recv-Q 0, Send-Q $BACKLOG, SynQ 2/$BACKLOG" eval \
	'es "$T/ql" -ln -f "$NSFILE"; show_out "$T/ql";
	 expect_eq "$(lrow "$T/ql" $QPORT "$SRV")" "0 $BACKLOG 2/$BACKLOG 0"'
t_check "default: half-open requests are not connections" \
	eval 'es "$T/qc" -n -f "$NSFILE"; expect_eq "$(nmatch "$T/qc" SYN-RECV)" 0'
t_check "-w: the SYN bar half full, 2/$NCLI" eval \
	'es "$T/qw" -w -c 1 -n -f "$NSFILE"; show_out "$T/qw";
	 expect_eq "$(nmatch "$T/qw" "^$SRV:$QPORT +backlog $BACKLOG +SYN \[#{5}\.{5}\] 2/$NCLI +ACC \[\.{10}\] 0/$NCLI +drops 0\$")" 1'
t_check "-s -f: the namespace's own counters (PassiveOpens 0, InSegs 2)" eval \
	'es "$T/qs" -s -f "$NSFILE";
	 expect_eq "$(nmatch "$T/qs" "^(PassiveOpens +0|InSegs +2)\$")" 2'
t_check "this namespace does not see that listener" eval \
	'es "$T/l" -an; expect_eq "$(nmatch "$T/l" ":$QPORT ")" 0'

topo_down
t_check "af_edu is loaded at the end" module_loaded
t_done
