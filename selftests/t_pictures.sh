#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_pictures.sh - the pictures: edustat -R / --plot (the listen
# queues over time) and edutrace (a connection's life as a sequence
# diagram), checked against what the kernel did.  EDUTCP only: both read
# what only EDUTCP has (the queue columns of /proc/net/edutcp, the
# edutcp:* tracepoints).
#
#  1. edustat -R records a listener with backlog 3 that never accepts
#     while 6 clients connect one by one: the accept queue rises 0..4
#     (backlog + 1) and stays there, acceptq_max and synq_max are 3 in
#     every sample, the drops of the 5th and 6th clients' SYNs are
#     counted; SIGINT ends it with status 0; -c stops after that many
#     samples.  --plot draws it: xmllint accepts the SVG, one step line
#     per queue and the backlog, one drop mark per sample where the drop
#     count grew.
#  2. with the edutcp events on, a listener with backlog 1 and
#     abort_on_overflow=0: (a) client A's handshake and accept(); (b) B
#     fills the accept queue, then C and D connect together (300 ms of
#     netem delay on the client's side puts both in the SYN queue): one
#     final ACK meets a full accept queue, its request stays and its
#     SYN-ACK is retransmitted; (c) A closes, then the listener's process
#     ends.  edutrace's Mermaid text for A and for D is checked step by
#     step, in order; its arrows are the segments the trace shows sent;
#     the SVG is well-formed and has as many arrows and notes.
#  3. edutrace on the saved trace in selftests/data/ gives the diagrams
#     committed beside it (selftests/edutrace_golden.sh, host-runnable).
# PICTURES_KEEP=DIR keeps the recording, the trace and the pictures.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

EDUSTAT=build/bin/edustat
EDUTRACE=build/bin/edutrace
TR=/sys/kernel/tracing
QPORT=9461		# part 1
DPORT=9462		# part 2
BACKLOG=3
T=$T_TMP

trace_off() {
	echo 0 > $TR/events/edutcp/enable 2>/dev/null
	echo > $TR/trace 2>/dev/null
}
trap 'trace_off; net_cleanup' EXIT

# client OUT WAIT_MS: one edu_connect from the client namespace, holding
# its socket; waits for its summary.
client() {
	bg "$1" "$NS_C" "$HELPERS/edu_connect" -n "${3:-1}" -w "$2" -H $((120 * T_SLOW)) "$SRV" "${4:-$QPORT}"
	CLIENT_PID=$BG_LAST
	wait_line "$1" '^(summary|error)' $((10 * T_SLOW))
}

# --- 1. the queues over time ---------------------------------------------------

# csv_last FIELD: that field (1-based) of the recording's last line.
csv_last() {
	local -a f
	local l last=
	[ -r "$T/rec.csv" ] || return 0
	while IFS= read -r l; do
		last=$l
	done < "$T/rec.csv"
	IFS=, read -r -a f <<< "$last"
	echo "${f[$1 - 1]:-}"
}

# The recording, read once: how it went, or why it is wrong.
check_recording() {
	local head rows=0 t prev_t=-1 name sq sqm aq aqm dr
	local prev_aq=0 prev_dr=-1 seen=" " bad=
	DROP_SAMPLES=0
	{
		read -r head
		while IFS=, read -r t name sq sqm aq aqm dr; do
			rows=$((rows + 1))
			[ "$name" = "$SRV:$QPORT" ] || bad="$bad listener=$name"
			[ "$sqm" = $BACKLOG ] && [ "$aqm" = $BACKLOG ] ||
				bad="$bad t=$t:max=$sqm/$aqm"
			[ "$t" -gt "$prev_t" ] || bad="$bad t=$t-not-after-$prev_t"
			[ "$aq" -ge "$prev_aq" ] || bad="$bad t=$t:acceptq-fell-$prev_aq-$aq"
			[ "$prev_dr" -lt 0 ] || [ "$dr" -ge "$prev_dr" ] ||
				bad="$bad t=$t:drops-fell"
			[ "$prev_dr" -ge 0 ] && [ "$dr" -gt "$prev_dr" ] &&
				DROP_SAMPLES=$((DROP_SAMPLES + 1))
			[ "$rows" = 1 ] && FIRST_DROPS=$dr && FIRST_T=$t
			seen="$seen$aq "
			prev_t=$t prev_aq=$aq prev_dr=$dr
		done
	} < "$T/rec.csv"
	echo "$rows samples, accept queue lengths seen:$(printf '%s\n' $seen | sort -un | xargs)"
	expect_eq "$head" "time_ms,listener,synq,synq_max,acceptq,acceptq_max,drops" || return 1
	[ -z "$bad" ] || { echo "bad samples:$bad"; return 1; }
	expect_eq "$FIRST_T" 0 || return 1
	expect_eq "$(printf '%s\n' $seen | sort -un | xargs)" "0 1 2 3 4"
}

queues_over_time() {
	local i n
	start_listener edu "$NS_S" "$T/lis1" -b $BACKLOG -t $((150 * T_SLOW)) "$SRV" $QPORT
	t_check "listener with backlog $BACKLOG on $SRV:$QPORT" has_line "$T/lis1" '^listening'
	bg "$T/rec.out" "$NS_S" "$EDUSTAT" -R "$T/rec.csv" -i 50 "$QPORT"
	REC_PID=$BG_LAST
	t_check "edustat -R writes its header and a first sample" \
		wait_until $((10 * T_SLOW)) eval '[ "$(csv_last 3)" = 0 ]'
	for i in 1 2 3 4; do
		client "$T/cli$i" 3000
		wait_until $((5 * T_SLOW)) eval '[ "$(csv_last 5)" = $i ]'
	done
	t_check "4 clients connect one by one, none accepted" eval \
		'for i in 1 2 3 4; do has_line "$T/cli$i" "^summary connected=1 " || { cat "$T/cli$i"; exit 1; }; done'
	for i in 5 6; do
		client "$T/cli$i" 400
		wait_until $((5 * T_SLOW)) eval '[ "$(csv_last 7)" -ge $((i - 4)) ]'
	done
	t_check "clients 5 and 6 do not get in (their SYNs are dropped)" eval \
		'has_line "$T/cli5" "^summary connected=0 pending=1" && has_line "$T/cli6" "^summary connected=0 pending=1"'
	# A few more samples of the full queue, then SIGINT.
	n=$(($(csv_last 1) + 300))
	wait_until 5 eval '[ "$(csv_last 1)" -ge $n ]'
	kill -INT "$REC_PID"
	wait "$REC_PID"
	t_check "SIGINT ends edustat -R with status 0" expect_eq "$?" 0
	t_check "the recording: one listener, max columns $BACKLOG, accept queue 0,1,2,3,4, never falling" \
		check_recording
	check_recording > /dev/null 2>&1
	t_check "the accept queue ends at backlog+1 = 4" expect_eq "$(csv_last 5)" 4
	t_check "the dropped SYNs are counted: drops from 0 to at least 2" eval \
		'expect_eq "$FIRST_DROPS" 0 && expect_ge "$(csv_last 7)" 2'
	t_check "... and the listener's row agrees with the last sample" eval \
		'netfile_var "$NS_S" edutcp; "$EDUSTAT" -ln -f "$REPLY" | grep -E "^LISTEN +4 +3 +$SRV:$QPORT "'

	"$EDUSTAT" --plot "$T/rec.csv" > "$T/chart.svg" 2> "$T/plot.err"
	t_check "--plot exits 0" expect_eq "$?" 0
	t_check "--plot: xmllint accepts the SVG" xmllint --noout "$T/chart.svg"
	t_check "--plot: one step line for each queue and for the backlog" eval \
		'for c in synq acceptq backlog; do expect_eq "$(grep -c "<polyline class=\"$c\"" "$T/chart.svg")" 1 || exit 1; done'
	t_check "--plot: one drop mark per sample where drops grew ($DROP_SAMPLES)" eval \
		'expect_ge "$DROP_SAMPLES" 1 && expect_eq "$(grep -c "class=\"drop\"" "$T/chart.svg")" "$DROP_SAMPLES"'
	t_check "--plot: the legend counts them" \
		grep -q ">drops: $(($(csv_last 7) - FIRST_DROPS)) at $DROP_SAMPLES samples<" "$T/chart.svg"

	# Drops at 40 samples 10 ms apart, +10 each: the marks crowd, and
	# a label is drawn only where it clears the one before (a "+10" is
	# about 18 px wide), so no two overlap.
	awk 'BEGIN { print "time_ms,listener,synq,synq_max,acceptq,acceptq_max,drops"
		     for (i = 0; i <= 40; i++) printf "%d,10.0.0.1:80,9,8,9,8,%d\n", i * 10, i * 10 }' \
		> "$T/crowd.csv"
	"$EDUSTAT" --plot "$T/crowd.csv" > "$T/crowd.svg"
	t_check "--plot: 40 drop marks close together, their labels do not overlap" eval \
		'expect_eq "$(grep -c "class=\"drop\"" "$T/crowd.svg")" 40 &&
		 sed -n "s/^<text x=\"\([0-9.]*\)\".*>+10<.*/\1/p" "$T/crowd.svg" |
		 awk "NR > 1 && \$1 - prev < 20 { bad = 1 } { prev = \$1; n++ }
		      END { print n \" labels\"; exit bad || n < 2 }"'

	netfile_var "$NS_S" edutcp
	"$EDUSTAT" -R - -c 3 -i 20 -f "$REPLY" "$SRV:$QPORT" > "$T/c3.csv"
	t_check "-R - -c 3: the header and 3 samples on stdout" eval \
		'cat "$T/c3.csv"; expect_eq "$(grep -c "^[0-9]*,$SRV:$QPORT,0,3,4,3," "$T/c3.csv")" 3 &&
		 expect_eq "$(wc -l < "$T/c3.csv")" 4'
	"$EDUSTAT" --plot "$T/lis1" > "$T/bad.svg" 2> "$T/bad.err"
	BAD_RC=$?
	t_check "--plot of something else: status 2, nothing on stdout" eval \
		'cat "$T/bad.err"; expect_eq "$BAD_RC" 2 && expect_eq "$(wc -c < "$T/bad.svg")" 0'
}

# --- 2. a connection's life ------------------------------------------------------

# trace_has ERE: a line of the trace buffer matches.
trace_has() { grep -qE "$1" $TR/trace; }

# in_order FILE ERE...: lines matching each ERE, in that order (in bash:
# a program per pattern costs a lot under TCG).
in_order() {
	local file=$1 pattern i=0
	local -a l
	shift
	mapfile -t l < "$file"
	for pattern in "$@"; do
		while [ "$i" -lt "${#l[@]}" ] && ! [[ ${l[i]} =~ $pattern ]]; do
			i=$((i + 1))
		done
		if [ "$i" -ge "${#l[@]}" ]; then
			echo "not found in order: $pattern"
			printf '%s\n' "${l[@]}"
			return 1
		fi
		i=$((i + 1))
	done
}

port_of() { sed -n 's/^conn 0 port \([0-9]*\):.*/\1/p' "$1"; }

# mermaid_ok FILE: every line is one edutrace writes.
mermaid_ok() {
	local l n=0
	while IFS= read -r l; do
		n=$((n + 1))
		[ "$n" = 1 ] && { expect_eq "$l" sequenceDiagram || return 1; continue; }
		[[ $l =~ ^"    "(participant\ [A-Z]+[0-9]*\ as\ .+|Note\ over\ [A-Z]+[0-9]*(,[A-Z]+[0-9]*)?:\ [0-9]+\.[0-9]{3}\ ms\ .+|[A-Z]+[0-9]*(->>|-->>|-x|--x)[A-Z]+[0-9]*:\ [0-9]+\.[0-9]{3}\ ms\ .+)$ ]] ||
			{ echo "line $n: $l"; return 1; }
	done < "$1"
}

MS='[0-9]+\.[0-9]{3} ms'

connection_life() {
	local a b cd over sends arrows
	trace_off
	echo 1 > $TR/events/edutcp/enable || return 1
	fam_sysctl "$NS_S" edu abort_on_overflow 0
	start_listener edu "$NS_S" "$T/lis2" -b 1 -t $((150 * T_SLOW)) "$SRV" $DPORT
	t_check "trace: listener with backlog 1 on $SRV:$DPORT" has_line "$T/lis2" '^listening'
	L2_PID=$LISTENER_PID

	# (a) a handshake and accept().
	client "$T/a" 3000 1 $DPORT
	A_PID=$CLIENT_PID
	kill -USR1 "$L2_PID"
	t_check "(a) client A connects and is accepted" eval \
		'has_line "$T/a" "^summary connected=1 " && wait_line "$T/lis2" "^accepted 1\$" $((5 * T_SLOW))'
	# (b) B fills the accept queue; C and D's final ACKs arrive together.
	client "$T/b" 3000 1 $DPORT
	nsx "$NS_C" tc qdisc add dev veth-c root netem delay 300ms
	client "$T/cd" 4000 2 $DPORT
	t_check "(b) B, C, D all see their handshake complete" eval \
		'has_line "$T/b" "^summary connected=1 " && has_line "$T/cd" "^summary connected=2 "'
	t_check "(b) a SYN-ACK to C or D is retransmitted" \
		wait_until $((6 * T_SLOW)) trace_has "edutcp_retransmit: SYN-ACK $SRV:$DPORT > "
	# (c) A closes, then the listener's process ends; without the delay,
	# which would make A retransmit its FIN.
	nsx "$NS_C" tc qdisc del dev veth-c root
	a=$(port_of "$T/a")
	kill -USR1 "$A_PID"
	t_check "(c) A closes: the server's socket is in CLOSE_WAIT" wait_until $((5 * T_SLOW)) \
		trace_has "edutcp_state: .* $SRV:$DPORT -> $CLI:$a ESTABLISHED -> CLOSE_WAIT"
	kill "$L2_PID"
	t_check "(c) the listener's process ends: A goes to TIME_WAIT, the server's socket to CLOSE" \
		wait_until $((5 * T_SLOW)) eval \
		'trace_has "edutcp_state: .* $CLI:$a -> $SRV:$DPORT FIN_WAIT2 -> TIME_WAIT" &&
		 trace_has "edutcp_state: .* $SRV:$DPORT -> $CLI:$a LAST_ACK -> CLOSE"'
	echo 0 > $TR/events/edutcp/enable
	cat $TR/trace > "$T/trace"
	echo > $TR/trace

	over=$(sed -n "s/.*edutcp_acceptq: .* $SRV:$DPORT peer $CLI:\([0-9]*\) drop .*/\1/p" "$T/trace" | head -n 1)
	t_check "the trace has the final ACK that overflowed (client port ${over:-none})" \
		test -n "$over"

	"$EDUTRACE" -p "$a" "$T/trace" > "$T/a.mmd"
	t_check "edutrace -p A: Mermaid lines only" mermaid_ok "$T/a.mmd"
	t_check "edutrace -p A: handshake, SYN queue, accept queue, accept(), in order" \
		in_order "$T/a.mmd" \
		"^    participant C1 as client $CLI:$a\$" \
		"^    participant SQ as SYN queue\$" \
		"^    participant AQ as accept queue\$" \
		"^    participant APP as application\$" \
		"^    Note over C1: $MS CLOSE → SYN_SENT\$" \
		"^    C1->>SQ: $MS SYN\$" \
		"^    Note over SQ: $MS request added, len=1 backlog=1\$" \
		"^    SQ->>C1: $MS SYN-ACK\$" \
		"^    Note over C1: $MS SYN_SENT → ESTABLISHED\$" \
		"^    C1->>SQ: $MS ACK\$" \
		"^    Note over SQ: $MS server CLOSE → ESTABLISHED\$" \
		"^    SQ->>AQ: $MS handshake done: to the accept queue, len=1 backlog=1\$" \
		"^    AQ->>APP: $MS accept\(\), len=0 backlog=1\$"
	t_check "edutrace -p A: the teardown, in order" \
		in_order "$T/a.mmd" \
		"^    AQ->>APP: " \
		"^    Note over C1: $MS ESTABLISHED → FIN_WAIT1\$" \
		"^    C1->>APP: $MS FIN(-[A-Z]+)*\$" \
		"^    Note over APP: $MS server ESTABLISHED → CLOSE_WAIT\$" \
		"^    Note over APP: $MS server CLOSE_WAIT → LAST_ACK\$" \
		"^    APP->>C1: $MS FIN(-[A-Z]+)*\$" \
		"^    Note over C1: $MS FIN_WAIT2 → TIME_WAIT\$" \
		"^    C1->>APP: $MS ACK\$" \
		"^    Note over APP: $MS server LAST_ACK → CLOSE\$"
	sends=$(grep -cE "edutcp_segment: send ($CLI:$a > $SRV:$DPORT|$SRV:$DPORT > $CLI:$a) " "$T/trace")
	arrows=$(grep -cE -- "^    (C1-|[A-Z]+-{1,2}(>>|x)C1:)" "$T/a.mmd")
	t_check "edutrace -p A: one arrow per segment sent ($sends)" expect_eq "$arrows" "$sends"

	"$EDUTRACE" -p "${over:-1}" "$T/trace" > "$T/d.mmd"
	t_check "edutrace -p D: the overflow and the retransmitted SYN-ACK, in order" \
		in_order "$T/d.mmd" \
		"^    C1->>SQ: $MS SYN\$" \
		"^    Note over SQ: $MS request added, len=[12] backlog=1\$" \
		"^    SQ->>C1: $MS SYN-ACK\$" \
		"^    Note over C1: $MS SYN_SENT → ESTABLISHED\$" \
		"^    C1->>SQ: $MS ACK\$" \
		"^    Note over AQ: $MS overflow: accept queue full, dropped, len=2 backlog=1\$" \
		"^    Note over SQ: $MS request kept, acked: waits for room, len=[12] backlog=1\$" \
		"^    SQ-->>C1: $MS SYN-ACK \(retransmission 1\)\$"
	t_check "edutrace -p D: never in the accept queue" eval \
		'! grep -E "SQ->>AQ|AQ->>APP" "$T/d.mmd"'

	"$EDUTRACE" -p $DPORT "$T/trace" > "$T/all.mmd"
	t_check "edutrace -p $DPORT: the whole scenario, 4 clients and the listener's 3 lifelines" eval \
		'mermaid_ok "$T/all.mmd" && expect_eq "$(grep -c "^    participant C[1-4] as client $CLI:" "$T/all.mmd")" 4 &&
		 expect_eq "$(grep -c "^    participant" "$T/all.mmd")" 7 &&
		 grep -qE "^    Note over SQ,APP: $MS listener $SRV:$DPORT CLOSE → LISTEN\$" "$T/all.mmd"'
	"$EDUTRACE" -s -p $DPORT "$T/trace" > "$T/all.svg"
	t_check "edutrace -s: xmllint accepts the SVG" xmllint --noout "$T/all.svg"
	t_check "edutrace -s: as many arrows and notes as the Mermaid text" eval \
		'expect_eq "$(grep -c "<g class=\"message" "$T/all.svg")" "$(grep -cE "^    [A-Z]+[0-9]*-" "$T/all.mmd")" &&
		 expect_eq "$(grep -c "<g class=\"note" "$T/all.svg")" "$(grep -c "^    Note over" "$T/all.mmd")" &&
		 expect_ge "$(grep -c "<g class=\"message retransmission" "$T/all.svg")" 1'
	"$EDUTRACE" -s -p "$a" "$T/trace" > "$T/a.svg"
	"$EDUTRACE" -s -p "${over:-1}" "$T/trace" > "$T/d.svg"
}

if [[ " $FAMILIES " != *" edu "* ]]; then
	t_skip "edustat -R and edutrace" "EDUTCP only, and EDU_FAMILIES has no edu"
	t_done
fi

t_check "host-side: edutrace on the saved trace gives the committed diagrams" \
	selftests/edutrace_golden.sh
topo_up pictures
t_check "topology up" topo_ok
queues_over_time
connection_life
if [ -n "${PICTURES_KEEP:-}" ]; then
	mkdir -p "$PICTURES_KEEP"
	cp "$T"/rec.csv "$T"/trace "$T"/*.mmd "$T"/*.svg "$PICTURES_KEEP"/
fi
topo_down
t_done
