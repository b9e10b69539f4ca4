#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # exec of the FIFO hides the callers of the checks
# selftests/t_rfc5961.sh - blind resets and blind data injection (RFC 5961)
# cost what they cost against TCP, and so do floods of segments that ask
# for an answer.
#
# A victim (edu_craft.py victim, an echo server in the server namespace)
# and its peer (edu_craft.py peer, in the client namespace) hold a live
# connection; the peer also sniffs its side of the link and, knowing the
# victim's RCV.NXT and SND.NXT from what the victim sends it, injects
# hand-made segments with the peer's own address and port from a raw
# socket (IP protocol 6 for TCP, 253 for EDUTCP).  After each injection
# the test waits until the victim has taken every segment (InSegs) and the
# peer has seen on the wire every segment the victim sent meanwhile
# (OutSegs): no fixed pause decides what "no answer" means.  Each step has
# a connection of its own; counters are the victim namespace's, and
# invalid_ratelimit is 0 there (no per-connection limit) until step 5:
#  1. an RST 100 past RCV.NXT, inside the window: no reset, one challenge
#     ACK (ChallengeACK +1), the connection still ESTABLISHED and
#     echoing; then a SYN inside the window: one challenge ACK too
#     (SYNChallenge +1, ChallengeACK +1, and InErrs +1, as
#     tcp_rcv_established() counts it);
#  2. (last) an RST exactly at RCV.NXT: the victim's recv() fails with
#     ECONNRESET, EstabResets +1, no answer;
#  3. data at RCV.NXT whose ACK acknowledges bytes never sent: dropped
#     with its payload, unanswered (tcp_ack() < 0 in ESTABLISHED);
#  4. data at RCV.NXT whose ACK is 2^30 older than SND.UNA, far beyond
#     SND.UNA - MAX.SND.WND (RFC 5961 5.2): dropped with its payload, one
#     challenge ACK (ChallengeACK +1);
#  5. floods of N segments back to back, with invalid_ratelimit at its
#     default (500 ms): N bare ACKs beyond the window get at least one and
#     at most 2 + T/500 answers (T: ms from the first segment sent until
#     all were taken; ACKSkippedSeq counts the others), N RSTs inside the
#     window as few challenge ACKs (ChallengeACK + ACKSkippedChallenge =
#     N); with invalid_ratelimit 0 and challenge_ack_limit 2 (2 a second
#     on average in the namespace, at most 2 in any one), N RSTs get at
#     least one and at most 2 a second started.
# Steps 3 and 4 check the payload by what the victim reads: only the
# peer's own bytes, no injected word.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

LPORT=8600
CRAFT=selftests/helpers/edu_craft.py
N=100
NAMES="ChallengeACK SYNChallenge ACKSkippedSeq ACKSkippedChallenge EstabResets InErrs"

declare -A BASE

baseline() {
	local n
	for n in $NAMES; do
		BASE[$n]=$(counter "$NS_S" "$1" "$n")
	done
}

# deltas FAM "Name=D ...": the victim's counters moved by exactly D since
# the baseline, those not named not at all.
deltas() {
	local fam=$1 n d want rc=0
	local -A expect=()
	for want in $2; do
		expect[${want%=*}]=${want#*=}
	done
	for n in $NAMES; do
		d=$(($(counter "$NS_S" "$fam" "$n") - BASE[$n]))
		want=${expect[$n]:-0}
		if [ "$d" != "$((want))" ]; then
			echo "$n: delta $d, expected $want"
			rc=1
		fi
	done
	return "$rc"
}

# ask CMD...: one command to the peer; REPLY is its answer.  Runs in the
# test's own shell (the command numbers go on).
ask() {
	local line
	ASK_ID=$((ASK_ID + 1))
	echo "$ASK_ID $*" >&"$CMD_FD"
	REPLY="no answer to: $*"
	wait_line "$PEER_OUT" "^$ASK_ID " $((30 * T_SLOW)) || return 1
	while IFS= read -r line; do
		[ "${line%% *}" = "$ASK_ID" ] && REPLY=${line#* }
	done < "$PEER_OUT"
	return 0
}

# inject FAM N CMD...: the peer sends N segments, then waits until the
# victim has taken them all (InSegs +N) and the peer has seen on the wire
# every segment the victim sent since (OutSegs), the same count twice in
# a row.  REPLY is then the peer's count of them; SENT the victim's.
inject() {
	local fam=$1 n=$2 in0 out0
	shift 2
	in0=$(counter "$NS_S" "$fam" InSegs)
	out0=$(counter "$NS_S" "$fam" OutSegs)
	ask "$@"
	SETTLED=
	wait_until $((10 * T_SLOW)) settled "$fam" "$n" "$in0" "$out0"
}

settled() {
	local prev=$SETTLED
	[ $(($(counter "$NS_S" "$1" InSegs) - $3)) -ge "$2" ] || return 1
	SENT=$(($(counter "$NS_S" "$1" OutSegs) - $4))
	ask count || return 1
	SETTLED="$SENT $(fld replies)"
	[ "$SETTLED" = "$SENT $SENT" ] && [ "$SETTLED" = "$prev" ]
}

# wire_ok: what the victim sent (OutSegs) is what the peer saw.
wire_ok() {
	echo "victim sent $SENT; $REPLY"
	[ "$(fld replies)" = "$SENT" ]
}

# reply_has ERE: the last answer matches.
reply_has() {
	echo "$REPLY"
	[[ " $REPLY " =~ $1 ]]
}

# fld NAME: the number after NAME in the last answer.
fld() {
	local -a w
	local i
	read -r -a w <<< "$REPLY"
	for ((i = 0; i < ${#w[@]} - 1; i++)); do
		[ "${w[i]}" = "$1" ] && { echo "${w[i + 1]}"; return; }
	done
	echo -1
}

# victim_read K BYTES: all the victim read on its Kth connection, and no
# error so far.
victim_read() {
	local got='' line
	while IFS= read -r line; do
		[[ $line == "recv $1 "* ]] && got=$got${line#"recv $1 "}
	done < "$VICTIM_OUT"
	expect_eq "$got" "$2" || return 1
	! has_line "$VICTIM_OUT" "^error $1 " || { grep "^error $1 " "$VICTIM_OUT"; return 1; }
}

# estab FAM: the victim's end of the current connection is ESTABLISHED.
estab() {
	expect_eq "$(count_rows "$NS_S" "$1" 01 "$LPORT" "$PEER_PORT")" 1
}

# knob FAM NAME VALUE: a shell command that sets the family's knob.
knob() {
	if [ "$1" = tcp ]; then
		echo "echo $3 > /proc/sys/net/ipv4/tcp_$2"
	else
		echo "echo $3 > /proc/sys/net/edutcp/$2"
	fi
}

# at_most GOT MAX: a check, with a reason.
at_most() {
	[ "$1" -le "$2" ] 2>/dev/null && return 0
	echo "expected at most $2, got '$1'"
	return 1
}

# conn FAM K: the Kth connection, its first word echoed.
conn() {
	ask connect
	PEER_PORT=$(fld port)
	t_check "$1: connection $2" reply_has '^ connected port [0-9]+ $'
	wait_line "$VICTIM_OUT" "^accepted $2\$" $((10 * T_SLOW))
	ask talk "hello$2"
	t_check "$1: ... echoes hello$2" reply_has "^ echo hello$2 \$"
}

rfc5961_body() {
	local fam=$1 t=$T_TMP/$1 r ms
	mkdir -p "$t"
	topo_up "rfc$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: invalid_ratelimit=0 on the victim's side" \
		fam_sysctl "$NS_S" "$fam" invalid_ratelimit 0
	VICTIM_OUT=$t/victim
	PEER_OUT=$t/peer
	ASK_ID=0
	mkfifo "$t/cmd"
	exec {CMD_FD}<> "$t/cmd"
	# Both start at once: python3 takes seconds to start under TCG.
	bg "$VICTIM_OUT" "$NS_S" python3 "$CRAFT" victim "$fam" "$SRV" "$LPORT"
	bg "$PEER_OUT" "$NS_C" python3 "$CRAFT" peer "$fam" veth-c "$SRV" \
		"$LPORT" "$t/cmd"
	wait_line "$VICTIM_OUT" '^(listening|error)' $((20 * T_SLOW))
	t_check "$fam: the victim listens" has_line "$VICTIM_OUT" '^listening'
	wait_line "$PEER_OUT" '^(ready|error)' $((20 * T_SLOW))
	t_check "$fam: the peer is ready" has_line "$PEER_OUT" '^ready'

	# --- 1. an RST in the window, not at RCV.NXT; a SYN ---------------
	conn "$fam" 1
	baseline "$fam"
	inject "$fam" 1 rst 100
	t_check "$fam: 1. an RST at RCV.NXT + 100: one challenge ACK, nothing else" \
		reply_has ' replies 1 challenge 1 '
	t_check "$fam: ... seen on the wire as the victim sent it" wire_ok
	t_check "$fam: ... the connection is still ESTABLISHED" estab "$fam"
	ask talk after1
	t_check "$fam: ... and echoes after1" reply_has '^ echo after1 $'
	t_check "$fam: ... the victim read hello1after1, no error" victim_read 1 hello1after1
	t_check "$fam: ... ChallengeACK +1" deltas "$fam" "ChallengeACK=1"
	baseline "$fam"
	inject "$fam" 1 syn 100
	t_check "$fam: 1. a SYN at RCV.NXT + 100: one challenge ACK" \
		reply_has ' replies 1 challenge 1 '
	t_check "$fam: ... seen on the wire as the victim sent it" wire_ok
	t_check "$fam: ... the connection is still ESTABLISHED" estab "$fam"
	t_check "$fam: ... SYNChallenge +1, ChallengeACK +1, InErrs +1" \
		deltas "$fam" "SYNChallenge=1 ChallengeACK=1 InErrs=1"

	# --- 3. an ACK of bytes never sent ------------------------------------
	conn "$fam" 2
	baseline "$fam"
	inject "$fam" 1 data unsent EVIL
	t_check "$fam: 3. data with an ACK beyond SND.NXT: no answer" \
		reply_has ' replies 0 '
	t_check "$fam: ... seen on the wire as the victim sent it" wire_ok
	ask talk after3
	t_check "$fam: ... the connection echoes after3" reply_has '^ echo after3 $'
	t_check "$fam: ... the victim read hello2after3, not the payload" \
		victim_read 2 hello2after3
	t_check "$fam: ... still ESTABLISHED" estab "$fam"
	t_check "$fam: ... no counter moved" deltas "$fam" ""

	# --- 4. an ACK older than SND.UNA - MAX.SND.WND ---------------------
	conn "$fam" 3
	baseline "$fam"
	inject "$fam" 1 data old EVIL
	t_check "$fam: 4. data with an ACK 2^30 before SND.UNA: one challenge ACK" \
		reply_has ' replies 1 challenge 1 '
	t_check "$fam: ... seen on the wire as the victim sent it" wire_ok
	ask talk after4
	t_check "$fam: ... the connection echoes after4" reply_has '^ echo after4 $'
	t_check "$fam: ... the victim read hello3after4, not the payload" \
		victim_read 3 hello3after4
	t_check "$fam: ... still ESTABLISHED" estab "$fam"
	t_check "$fam: ... ChallengeACK +1" deltas "$fam" "ChallengeACK=1"

	# --- 5. floods ----------------------------------------------------------
	# The bounds: one answer per 500 ms, or two per second started, over
	# the S ms from the first segment sent to the last one taken.
	conn "$fam" 4
	t_check "$fam: 5. invalid_ratelimit=500 (the default)" \
		fam_sysctl "$NS_S" "$fam" invalid_ratelimit 500
	baseline "$fam"
	inject "$fam" "$N" burst oow "$N"
	r=$(fld replies)
	ms=$(fld since)
	t_check "$fam: 5. $N ACKs beyond the window: seen on the wire" wire_ok
	t_check "$fam: ... answered at least once" expect_ge "$r" 1
	t_check "$fam: ... at most 2 + $ms/500 times, and $N/5" \
		eval "at_most $r $((2 + ms / 500)) && at_most $r $((N / 5))"
	t_check "$fam: ... ACKSkippedSeq +$((N - r))" \
		deltas "$fam" "ACKSkippedSeq=$((N - r))"
	baseline "$fam"
	inject "$fam" "$N" burst rst "$N"
	r=$(fld replies)
	ms=$(fld since)
	t_check "$fam: 5. $N RSTs in the window: seen on the wire" wire_ok
	t_check "$fam: ... answered at most 2 + $ms/500 times, and $N/5" \
		eval "at_most $r $((2 + ms / 500)) && at_most $r $((N / 5))"
	t_check "$fam: ... ChallengeACK +$r, ACKSkippedChallenge +$((N - r))" \
		deltas "$fam" "ChallengeACK=$r ACKSkippedChallenge=$((N - r))"
	t_check "$fam: 5. invalid_ratelimit=0, challenge_ack_limit=2" \
		nsx "$NS_S" sh -c "$(knob "$fam" invalid_ratelimit 0) && $(knob "$fam" challenge_ack_limit 2)"
	baseline "$fam"
	inject "$fam" "$N" burst rst "$N"
	r=$(fld replies)
	ms=$(fld since)
	t_check "$fam: 5. $N RSTs in the window: seen on the wire" wire_ok
	t_check "$fam: ... answered at least once" expect_ge "$r" 1
	t_check "$fam: ... at most twice per second started ($ms ms)" \
		at_most "$r" $((2 * (ms / 1000 + 2)))
	t_check "$fam: ... ChallengeACK +$r" deltas "$fam" "ChallengeACK=$r"
	ask talk after5
	t_check "$fam: ... the connection echoes after5" reply_has '^ echo after5 $'
	t_check "$fam: ... still ESTABLISHED" estab "$fam"

	# --- 2. an RST at RCV.NXT -------------------------------------------
	conn "$fam" 5
	baseline "$fam"
	inject "$fam" 1 rst 0
	t_check "$fam: 2. an RST at RCV.NXT: no answer" reply_has ' replies 0 '
	t_check "$fam: ... seen on the wire as the victim sent it" wire_ok
	wait_line "$VICTIM_OUT" '^error 5 ' $((5 * T_SLOW))
	t_check "$fam: ... the victim's recv() fails with ECONNRESET" \
		has_line "$VICTIM_OUT" '^error 5 ECONNRESET$'
	t_check "$fam: ... its connection is gone" \
		expect_eq "$(count_rows "$NS_S" "$fam" 01 "$LPORT" "$PEER_PORT")" 0
	t_check "$fam: ... EstabResets +1" deltas "$fam" "EstabResets=1"

	ask quit
	exec {CMD_FD}>&-
	topo_down
}

for fam in $FAMILIES; do
	rfc5961_body "$fam"
done
t_done
