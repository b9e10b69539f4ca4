#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the checks are functions run by t_check
# selftests/t_counters.sh - the counters no other test pins down, each
# provoked on purpose, on TCP (the oracle) and EDUTCP alike, with an exact
# delta in the client's and in the server's namespace.
#
# Each step is one event whose segments are known, so every counter of
# both namespaces has an exact expected delta (0 for those it must not
# touch); the same step on TCP must give the same deltas in /proc/net/snmp
# (Tcp:) and /proc/net/netstat (TcpExt:):
#  1. a handshake, kept open: client ActiveOpens +1, OutSegs +2 (SYN,
#     ACK), InSegs +1 (SYN-ACK), CurrEstab +1; server PassiveOpens +1,
#     InSegs +2, OutSegs +1, CurrEstab +1;
#  2. that connection aborted by the client (SO_LINGER 0, then close():
#     an RST, from ESTABLISHED straight to CLOSE, whatever orderly
#     teardown does): client EstabResets +1, OutRsts +1, OutSegs +1,
#     CurrEstab -1 and AbortOnData +1 (Linux's name for a zero-linger
#     close, __tcp_close(); its AbortOnLinger is for TCP_LINGER2 < 0 in
#     FIN_WAIT2); server EstabResets +1, InSegs +1, CurrEstab -1;
#  3. a connect() to a port nobody listens on: client ActiveOpens +1,
#     AttemptFails +1, OutSegs +1, InSegs +1; server InSegs +1, OutSegs
#     +1, OutRsts +1;
#  4. with syn_retries=1, a connect() into a black hole: client
#     ActiveOpens +1, OutSegs +1, RetransSegs +1, AttemptFails +1,
#     Timeouts +2 (the SYN's timer fired twice: tcp_retransmit_timer()
#     counts each expiry, the last one too) and AbortOnTimeout +1
#     (tcp_write_err()).  A retransmitted SYN is RetransSegs only:
#     Linux's OutSegs leaves out segments that carry nothing new
#     (__tcp_transmit_skb() counts one only when it goes past snd_nxt or
#     occupies no sequence space);
#  5. a connect() given up in SYN_SENT: with 300 ms of netem delay on the
#     server's side, the client closes its socket before the SYN-ACK
#     arrives, answers that SYN-ACK with an RST, and the RST (in window:
#     it acknowledges the SYN-ACK) ends the server's request
#     (tcp_check_req(), "second check the RST bit"): client ActiveOpens
#     +1, OutSegs +2, InSegs +1, OutRsts +1 and no AttemptFails (Linux
#     closes a SYN_SENT socket without tcp_done()); server InSegs +2,
#     OutSegs +1, AttemptFails +1 (the request's attempt failed);
#  6. with syncookies=2, a SYN from a spoofed address (answered with a
#     cookie nobody returns) and then an ACK carrying a wrong cookie:
#     server InSegs +2, OutSegs +2, SyncookiesSent +1, SyncookiesFailed
#     +1, OutRsts +1 (the bad ACK is reset), SyncookiesRecv and
#     PassiveOpens 0; client InSegs +1 (that RST, which nothing answers);
#  7. close() with unread data: the client sends 1000 bytes the server
#     never reads (its row shows them as rx_queue, and 0 in the listener
#     columns), then the server's process exits: its connection is
#     reset (tcp_close(): "data was lost"): server AbortOnClose +1,
#     OutRsts +1, OutSegs +1, EstabResets +1, CurrEstab -1; client InSegs
#     +1, EstabResets +1, CurrEstab -1;
#  8. the same SYN twice, as from a client whose SYN-ACK was lost, to a
#     new listener: the second one finds its request and the SYN-ACK is
#     sent again (tcp_check_req() -> inet_rtx_syn_ack()): server InSegs
#     +2, OutSegs +2, RetransSegs +1, SynAckRetrans +1.  The request's own
#     SYN-ACK timer (1 s, 2 s...) may add its own: its count T, the row's
#     retrnsmt, is added to OutSegs, RetransSegs and SynAckRetrans, and
#     each expiry is one of Timeouts (tcp_syn_ack_timeout()), so Timeouts
#     +T.  Its request stays for a minute, resending: no step after it
#     counts the server's segments exactly;
#  9. data, where exact numbers depend on timing, so only "at least one":
#     a receiver that sleeps 3 s while 2 MiB come closes its window, and
#     the sender probes it (client WinProbe >= 1, tcp_send_probe0());
#     with netem sending every fifth segment of the client's ahead of the
#     four before it, segments arrive out of order and wait in the
#     server's out-of-order queue (server OFOQueue >= 1,
#     tcp_data_queue_ofo()).  Both transfers must arrive whole.
# docs/edutcp-stats.md maps every counter to the test that provokes it.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

LPORT=8300
XPORT=8301
CLOSED=8399
XFER=build/bin/eduxfer
# Every counter each step checks: those not expected to move must not.
NAMES="ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs
OutSegs RetransSegs OutRsts SynAckRetrans SyncookiesSent SyncookiesRecv
SyncookiesFailed AbortOnData AbortOnClose AbortOnMemory
AbortOnTimeout Timeouts"
# Step 8's SYN: one source, port and sequence number (edusynflood's -S
# seed fixes the number).
SPOOF1=10.99.128.9
SPOOF1_PORT=4000

declare -A BASE

side_ns() {
	if [ "$1" = server ]; then echo "$NS_S"; else echo "$NS_C"; fi
}

# baseline FAM: every counter of both namespaces, before a step.
baseline() {
	local n
	for n in $NAMES; do
		BASE[server.$n]=$(counter "$NS_S" "$1" "$n")
		BASE[client.$n]=$(counter "$NS_C" "$1" "$n")
	done
}

delta() {
	echo $(($(counter "$(side_ns "$2")" "$1" "$3") - BASE[$2.$3]))
}

# deltas FAM SIDE "Name=D ...": every counter of SIDE moved by exactly D
# since the baseline; the counters not named did not move.
deltas() {
	local fam=$1 side=$2 n d want rc=0
	local -A expect=()
	for want in $3; do
		expect[${want%=*}]=${want#*=}
	done
	for n in $NAMES; do
		d=$(delta "$fam" "$side" "$n")
		want=${expect[$n]:-0}
		if [ "$d" != "$((want))" ]; then
			echo "$side $n: delta $d, expected $want"
			rc=1
		fi
	done
	return "$rc"
}

# refused FAM PORT: a blocking connect() from the client is refused.
refused() {
	local out
	# shellcheck disable=SC2046
	out=$(nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$1") -B -w 5000 "$SRV" "$2" 2>&1)
	echo "$out" | grep -q ': ECONNREFUSED ' && return 0
	echo "$out"
	return 1
}

# timed_out FAM: a blocking connect() to $HOLE gives up (1 s + 2 s with
# syn_retries=1).
timed_out() {
	local out
	# shellcheck disable=SC2046
	out=$(nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$1") -B -w 10000 "$HOLE" 9 2>&1)
	echo "$out" | grep -q ': ETIMEDOUT ' && return 0
	echo "$out"
	return 1
}

# abandoned FAM OUT: a nonblocking connect() from the client, given up
# (the socket closed) while still in SYN_SENT.
abandoned() {
	# shellcheck disable=SC2046
	nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$1") -w 50 "$SRV" "$LPORT" > "$2" 2>&1
	grep -q 'pending=1' "$2" && return 0
	cat "$2"
	return 1
}

# count_rx NS FAM BYTES [tx]: how many ESTABLISHED rows on $LPORT (either
# end) have BYTES in rx_queue, or in tx_queue with "tx".
count_rx() {
	local n=0 want q
	local -a r
	printf -v want '%08X' "$3"
	while read -r -a r; do
		[ "${r[3]:-}" = 01 ] || continue
		[ "${r[1]: -5}" = ":$(hexport "$LPORT")" ] || [ "${r[2]: -5}" = ":$(hexport "$LPORT")" ] || continue
		if [ "${4:-}" = tx ]; then q=${r[4]%:*}; else q=${r[4]#*:}; fi
		[ "$q" = "$want" ] && n=$((n + 1))
	done <<< "$(rows "$1" "$2")"
	echo "$n"
}

# xfer FAM OUT SERVER_ARGS -- CLIENT_ARGS: one eduxfer transfer from the
# client to a sink in the server namespace, on $XPORT; its verdict.
xfer() {
	local fam=$1 out=$2 rc
	local -a sargs=()
	shift 2
	while [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2046
	bg "$out.srv" "$NS_S" "$XFER" $(fam_opt "$fam") -l "${sargs[@]}" "$SRV" "$XPORT"
	wait_line "$out.srv" '^listening' $((10 * T_SLOW)) || { cat "$out.srv"; return 1; }
	# shellcheck disable=SC2046
	nsx "$NS_C" timeout $((60 * T_SLOW)) "$XFER" $(fam_opt "$fam") "$@" "$SRV" "$XPORT" > "$out" 2>&1
	rc=$?
	cat "$out"
	bg_kill "$BG_LAST"
	return "$rc"
}

# unread_row FAM: the server's row of step 7's connection shows the 1000
# unread bytes as rx_queue and, on EDUTCP, 0 in the five queue columns,
# which belong to listeners (docs/proc-edutcp.md).
unread_row() {
	local line
	local -a r
	line=$(rows_where "$NS_S" "$1" 01 "$LPORT" - | grep ':000003E8 ')
	echo "$line"
	read -r -a r <<< "$line"
	[ -n "$line" ] || return 1
	[ "$1" = tcp ] || [ "${r[*]: -5}" = "0 0 0 0 0" ]
}

# timer_rtx FAM: how many times the SYN-ACK timer has resent step 8's
# SYN-ACK: the retrnsmt column of its request's row (num_timeout in both
# families; a SYN-ACK resent for a retransmitted SYN is not in it).
timer_rtx() {
	local -a r
	read -r -a r <<< "$(rows_where "$NS_S" "$1" 03 "$LPORT" "$SPOOF1_PORT")"
	echo $((16#${r[6]:-ffffffff}))
}

# syn_again FAM: step 8's deltas, plus what the request's SYN-ACK timer
# (1 s, then 2 s...) may have resent meanwhile: under TCG two program
# starts can take that long.  The row is read before and after the
# counters, and only a reading that the timer did not cross counts.
syn_again() {
	local fam=$1 n t0 t1 out=''
	for n in 1 2 3 4 5; do
		t0=$(timer_rtx "$fam")
		out=$(deltas "$fam" server "InSegs=2 OutSegs=$((2 + t0)) RetransSegs=$((1 + t0)) SynAckRetrans=$((1 + t0)) Timeouts=$t0") &&
			[ "$(timer_rtx "$fam")" = "$t0" ] && { echo "timer: $t0"; return 0; }
		t1=$(timer_rtx "$fam")
		[ "$t1" = "$t0" ] && [ "$n" -ge 3 ] && break
		nap
	done
	echo "$out"
	echo "timer: $t0 then $t1"
	return 1
}

# settled FAM SIDE NAME D: for wait_until.
settled() { [ "$(delta "$1" "$2" "$3")" = "$4" ]; }

counters_body() {
	local fam=$1 t=$T_TMP/$1 hold proto syn_rtx
	mkdir -p "$t"
	proto=$(fam_proto "$fam")
	topo_up "cnt$fam"
	t_check "$fam: topology up" topo_ok
	start_listener "$fam" "$NS_S" "$t/listener" -a -b 8 "$SRV" "$LPORT"
	t_check "$fam: listener on $LPORT" has_line "$t/listener" '^listening'

	# --- 1. a handshake -----------------------------------------------
	baseline "$fam"
	# shellcheck disable=SC2046
	bg "$t/hold" "$NS_C" "$HELPERS/edu_hold" $(fam_opt "$fam") "$SRV" "$LPORT"
	hold=$BG_LAST
	wait_line "$t/hold" '^(connected|error)' $((10 * T_SLOW))
	t_check "$fam: a client connected" has_line "$t/hold" '^connected'
	# The client is ESTABLISHED once the SYN-ACK is in; the server's child
	# once the final ACK is.
	wait_until $((5 * T_SLOW)) settled "$fam" server PassiveOpens 1
	wait_line "$t/listener" '^accepted 1$' $((5 * T_SLOW))
	t_check "$fam: handshake: client ActiveOpens +1, OutSegs +2, InSegs +1, CurrEstab +1" \
		deltas "$fam" client "ActiveOpens=1 OutSegs=2 InSegs=1 CurrEstab=1"
	t_check "$fam: handshake: server PassiveOpens +1, InSegs +2, OutSegs +1, CurrEstab +1" \
		deltas "$fam" server "PassiveOpens=1 InSegs=2 OutSegs=1 CurrEstab=1"

	# --- 2. the client aborts it ---------------------------------------
	baseline "$fam"
	kill -USR1 "$hold"
	wait_line "$t/hold" '^(aborted|error)' $((5 * T_SLOW))
	t_check "$fam: the client aborted the connection" has_line "$t/hold" '^aborted'
	wait_until $((5 * T_SLOW)) settled "$fam" server EstabResets 1
	t_check "$fam: abort: client EstabResets +1, OutRsts +1, OutSegs +1, CurrEstab -1, AbortOnData +1" \
		deltas "$fam" client "EstabResets=1 OutRsts=1 OutSegs=1 CurrEstab=-1 AbortOnData=1"
	t_check "$fam: abort: server EstabResets +1, InSegs +1, CurrEstab -1" \
		deltas "$fam" server "EstabResets=1 InSegs=1 CurrEstab=-1"

	# --- 3. connection refused -----------------------------------------
	baseline "$fam"
	t_check "$fam: connect() to $CLOSED: ECONNREFUSED" refused "$fam" "$CLOSED"
	t_check "$fam: refused: client ActiveOpens +1, AttemptFails +1, OutSegs +1, InSegs +1" \
		deltas "$fam" client "ActiveOpens=1 AttemptFails=1 OutSegs=1 InSegs=1"
	t_check "$fam: refused: server InSegs +1, OutSegs +1, OutRsts +1" \
		deltas "$fam" server "InSegs=1 OutSegs=1 OutRsts=1"

	# --- 4. a SYN retransmitted, then given up --------------------------
	fam_sysctl "$NS_C" "$fam" syn_retries 1
	baseline "$fam"
	t_check "$fam: connect() into a black hole: ETIMEDOUT after 1 retransmission" \
		timed_out "$fam"
	# TCP's stand-in for SynAckRetrans, TCPSynRetrans, counts resent SYNs
	# too (tcp_retransmit_skb()); EDUTCP's counts SYN-ACKs only.
	syn_rtx=0
	[ "$fam" = edu ] || syn_rtx=1
	t_check "$fam: timeout: client ActiveOpens +1, OutSegs +1, RetransSegs +1, AttemptFails +1, Timeouts +2, AbortOnTimeout +1" \
		deltas "$fam" client "ActiveOpens=1 OutSegs=1 RetransSegs=1 AttemptFails=1 SynAckRetrans=$syn_rtx Timeouts=2 AbortOnTimeout=1"

	# --- 5. a connect() abandoned in SYN_SENT --------------------------
	t_check "$fam: netem delay 300ms on the server's side" \
		nsx "$NS_S" tc qdisc add dev veth-s root netem delay 300ms
	baseline "$fam"
	# -w 50: the client gives up after 50 ms, long before the SYN-ACK.
	t_check "$fam: a connect() abandoned in SYN_SENT" abandoned "$fam" "$t/abandoned"
	wait_until $((5 * T_SLOW)) settled "$fam" server InSegs 2
	t_check "$fam: abandoned: client ActiveOpens +1, OutSegs +2, InSegs +1, OutRsts +1" \
		deltas "$fam" client "ActiveOpens=1 OutSegs=2 InSegs=1 OutRsts=1"
	t_check "$fam: abandoned: server InSegs +2, OutSegs +1, AttemptFails +1" \
		deltas "$fam" server "InSegs=2 OutSegs=1 AttemptFails=1"
	t_check "$fam: ... and the request is gone" expect_eq \
		"$(count_rows "$NS_S" "$fam" 03 "$LPORT" "$(sed -n 's/^conn 0 port \([0-9]*\):.*/\1/p' "$t/abandoned")")" 0
	nsx "$NS_S" tc qdisc del dev veth-s root

	# --- 6. a wrong syncookie ------------------------------------------
	# syncookies=2 answers every SYN with a cookie, so one SYN is enough
	# to make the listener accept cookies; the SYN comes from the spoofed
	# prefix, whose SYN-ACKs the client namespace drops unseen.
	fam_sysctl "$NS_S" "$fam" syncookies 2
	baseline "$fam"
	t_check "$fam: a SYN from a spoofed address sent" \
		nsx "$NS_C" "$FLOOD" -P "$proto" -n 1 -s "$SPOOF_NET" "$SRV:$LPORT"
	wait_until $((5 * T_SLOW)) settled "$fam" server SyncookiesSent 1
	# edusynflood's ACK acknowledges a random number: not the cookie.
	t_check "$fam: an ACK with a wrong cookie sent" \
		nsx "$NS_C" "$FLOOD" -P "$proto" -F A -n 1 -s "$CLI" "$SRV:$LPORT"
	wait_until $((5 * T_SLOW)) settled "$fam" server SyncookiesFailed 1
	t_check "$fam: cookies: server InSegs +2, OutSegs +2, SyncookiesSent +1, SyncookiesFailed +1, OutRsts +1" \
		deltas "$fam" server "InSegs=2 OutSegs=2 SyncookiesSent=1 SyncookiesFailed=1 OutRsts=1"
	wait_until $((5 * T_SLOW)) settled "$fam" client InSegs 1
	t_check "$fam: cookies: client InSegs +1 (the RST, unanswered)" \
		deltas "$fam" client "InSegs=1"

	# --- 7. close() with data unread ------------------------------------
	# shellcheck disable=SC2046
	bg "$t/hold2" "$NS_C" "$HELPERS/edu_hold" $(fam_opt "$fam") -s 1000 "$SRV" "$LPORT"
	wait_line "$t/hold2" '^(sent|error)' $((10 * T_SLOW))
	t_check "$fam: a client connected and sent 1000 bytes" has_line "$t/hold2" '^sent 1000'
	# Once the server holds the bytes and the client has their ACK,
	# nothing moves until the server's process goes.
	wait_until $((5 * T_SLOW)) eq_cmd 1 count_rx "$NS_S" "$fam" 1000
	wait_until $((5 * T_SLOW)) eq_cmd 1 count_rx "$NS_C" "$fam" 0 tx
	t_check "$fam: its row on the server: rx_queue 1000, no listener columns" \
		unread_row "$fam"
	baseline "$fam"
	bg_kill "$LISTENER_PID"
	wait_until $((5 * T_SLOW)) settled "$fam" client EstabResets 1
	t_check "$fam: unread: server AbortOnClose +1, OutRsts +1, OutSegs +1, EstabResets +1, CurrEstab -1" \
		deltas "$fam" server "AbortOnClose=1 OutRsts=1 OutSegs=1 EstabResets=1 CurrEstab=-1"
	t_check "$fam: unread: client InSegs +1, EstabResets +1, CurrEstab -1" \
		deltas "$fam" client "InSegs=1 EstabResets=1 CurrEstab=-1"

	# --- 8. a retransmitted SYN ----------------------------------------
	fam_sysctl "$NS_S" "$fam" syncookies 1
	start_listener "$fam" "$NS_S" "$t/listener2" -b 8 "$SRV" "$LPORT"
	t_check "$fam: a new listener on $LPORT" has_line "$t/listener2" '^listening'
	baseline "$fam"
	t_check "$fam: the same SYN sent twice" nsx "$NS_C" sh -c \
		"$FLOOD -P $proto -n 1 -S 7 -s $SPOOF1 -p $SPOOF1_PORT $SRV:$LPORT &&
		 $FLOOD -P $proto -n 1 -S 7 -s $SPOOF1 -p $SPOOF1_PORT $SRV:$LPORT"
	wait_until $((5 * T_SLOW)) settled "$fam" server InSegs 2
	t_check "$fam: SYN again: server InSegs +2, OutSegs +2, RetransSegs +1, SynAckRetrans +1 (+ the timer's)" \
		syn_again "$fam"

	# --- 9. a zero window, and segments out of order ------------------
	baseline "$fam"
	t_check "$fam: a receiver asleep for 3 s: 2 MiB still arrive" \
		xfer "$fam" "$t/win" -d 3000 -- -n 2097152
	t_check "$fam: ... the sender probed the zero window (WinProbe >= 1)" \
		expect_ge "$(delta "$fam" client WinProbe)" 1
	t_check "$fam: netem: every fifth segment of the client's goes first" \
		nsx "$NS_C" tc qdisc add dev veth-c root netem delay 20ms reorder 100% gap 5
	baseline "$fam"
	t_check "$fam: 256 KiB through the reordering arrive whole" \
		xfer "$fam" "$t/ofo" -- -n 262144
	t_check "$fam: ... some of them out of order (server OFOQueue >= 1)" \
		expect_ge "$(delta "$fam" server OFOQueue)" 1

	topo_down
}

for fam in $FAMILIES; do
	counters_body "$fam"
done
t_done
