#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_overflow.sh - accept-queue overflow, on TCP and EDUTCP.
#
# A listener with backlog 1 that does not accept, in the server namespace;
# clients in the client namespace.  Checked on the kernel's TCP (the
# oracle) and on EDUTCP, with the same body:
#  * the accept queue takes backlog+1 = 2 connections (sk_acceptq_is_full()
#    is "len > backlog"); a third client's SYN is dropped (ListenOverflows,
#    ListenDrops) and it sits in SYN_SENT, retransmitting; once the server
#    accepts one, its next SYN gets in;
#  * a final ACK that meets a full accept queue: with 300 ms of netem delay
#    on the client's side, two clients' SYNs enter the SYN queue together
#    while one connection waits; the first final ACK fills the accept queue,
#    the second overflows.  That client believes it is ESTABLISHED (state
#    01) while the server keeps the request in its SYN queue (a state-03
#    row), retransmits the SYN-ACK (retrnsmt, SynAckRetrans, seen by
#    tcpdump, and flagged as retransmissions by tshark's TCP analysis)
#    and counts ListenOverflows; after one accept(), the
#    retransmitted SYN-ACK's ACK completes the connection into the queue.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PORT_A=8001
PORT_B=8002
DELAY_MS=300

# client FAM OUT PORT ARGS...: edu_connect to the server's PORT, from the
# client namespace, in the background, holding its sockets; waits for its
# summary line.
client() {
	local fam=$1 out=$2 port=$3
	shift 3
	# shellcheck disable=SC2046
	bg "$out" "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") "$@" "$SRV" "$port"
	wait_line "$out" '^(summary|error)' 10
}

# One client row in SYN_SENT towards PORT, its SYN retransmitted.
syn_sent_retrying() {
	local -a r
	rows_where "$NS_C" "$1" 02 - "$2"
	[ "$(count_rows "$NS_C" "$1" 02 - "$2")" = 1 ] || return 1
	read -r -a r <<< "$(rows_where "$NS_C" "$1" 02 - "$2")"
	[ "${r[6]}" != 00000000 ]
}

summary_is() { has_line "$1" "^summary $2\$" || { cat "$1"; return 1; }; }

# The overflowing client's row on each side: prints its port.
waiting_client() {
	local fam=$1 rport
	local -a r
	if [ "$(count_rows "$NS_S" "$fam" 03 "$PORT_B" -)" != 1 ]; then
		echo "server request rows:"
		rows_where "$NS_S" "$fam" 03 "$PORT_B" -
		return 1
	fi
	read -r -a r <<< "$(rows_where "$NS_S" "$fam" 03 "$PORT_B" -)"
	rport=$((16#${r[2]#*:}))
	if [ "$(count_rows "$NS_C" "$fam" 01 "$rport" "$PORT_B")" != 1 ]; then
		echo "client port $rport is not ESTABLISHED:"
		rows "$NS_C" "$fam"
		return 1
	fi
	echo "client port $rport: ESTABLISHED; server: SYN_RECV"
}

# The request's retransmission count, -1 when there is no request.
req_retrnsmt() {
	local -a r
	read -r -a r <<< "$(rows_where "$NS_S" "$1" 03 "$PORT_B" -)"
	if [ -n "${r[6]:-}" ]; then
		echo $((16#${r[6]}))
	else
		echo -1
	fi
}

# next_timer_s NS FAM ST LPORT RPORT: seconds until the timer of that row
# fires (its tm->when, rounded up), 0 when there is no such row.
next_timer_s() {
	local -a r
	read -r -a r <<< "$(rows_where "$@")"
	if [ -n "${r[5]:-}" ]; then
		echo $(((16#${r[5]#*:} + 99) / 100))
	else
		echo 0
	fi
}

# Part A: backlog+1 connections wait; a SYN to a full queue is dropped.
part_a() {
	local fam=$1 t=$T_TMP/$1 ovf0 drp0 ovf drp
	start_listener "$fam" "$NS_S" "$t/lis_a" -b 1 "$SRV" "$PORT_A"
	t_check "$fam: listener with backlog 1" has_line "$t/lis_a" '^listening'

	client "$fam" "$t/c1" "$PORT_A" -w 1500 -H 120
	client "$fam" "$t/c2" "$PORT_A" -w 1500 -H 120
	t_check "$fam: two clients connect without accept()" eval \
		'summary_is "$t/c1" "connected=1 pending=0 failed=0" &&
		 summary_is "$t/c2" "connected=1 pending=0 failed=0"'
	t_check "$fam: the accept queue holds backlog+1 = 2" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT_A")" 2

	ovf0=$(counter "$NS_S" "$fam" ListenOverflows)
	drp0=$(counter "$NS_S" "$fam" ListenDrops)
	client "$fam" "$t/c3" "$PORT_A" -w 1500 -H 120
	t_check "$fam: a third client does not connect within 1.5 s" \
		summary_is "$t/c3" "connected=0 pending=1 failed=0"
	t_check "$fam: ... it sits in SYN_SENT (02) having retransmitted its SYN" \
		syn_sent_retrying "$fam" "$PORT_A"
	ovf=$(($(counter "$NS_S" "$fam" ListenOverflows) - ovf0))
	drp=$(($(counter "$NS_S" "$fam" ListenDrops) - drp0))
	t_check "$fam: its SYNs were dropped: ListenOverflows grew" expect_ge "$ovf" 1
	t_check "$fam: ... and ListenDrops by as much" expect_eq "$drp" "$ovf"
	t_check "$fam: no SYN_RECV request was kept for it" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT_A" -)" 0

	kill -USR1 "$LISTENER_PID"
	t_check "$fam: the server accepts one" wait_line "$t/lis_a" '^accepted 1$' 3
	# The next retransmitted SYN finds room.  Its timer doubles each time
	# and the test is slow under TCG: wait for whenever the row says.
	t_check "$fam: the third client's next SYN gets in" \
		wait_line "$t/c3" '^conn 0 port [0-9]+: connected' \
		$(($(next_timer_s "$NS_C" "$fam" 02 - "$PORT_A") + 3))
	t_check "$fam: the accept queue holds 2 again" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT_A")" 2
}

# Part B: a final ACK meets a full accept queue.
part_b() {
	local fam=$1 t=$T_TMP/$1 ovf0 rtx0 wport n
	start_listener "$fam" "$NS_S" "$t/lis_b" -b 1 "$SRV" "$PORT_B"
	t_check "$fam: second listener with backlog 1" has_line "$t/lis_b" '^listening'
	client "$fam" "$t/b1" "$PORT_B" -w 1500 -H 120
	t_check "$fam: one connection waits in the accept queue" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT_B")" 1

	# Delay what the client sends, so both SYNs are in the SYN queue
	# before either final ACK arrives.
	t_check "$fam: netem delay ${DELAY_MS}ms on the client's side" \
		nsx "$NS_C" tc qdisc add dev veth-c root netem delay "${DELAY_MS}ms"
	cap_start "$NS_S" veth-s "$t/capb" "$(seg_filter "$fam")" >/dev/null 2>&1
	ovf0=$(counter "$NS_S" "$fam" ListenOverflows)
	rtx0=$(counter "$NS_S" "$fam" SynAckRetrans)
	client "$fam" "$t/b2" "$PORT_B" -n 2 -w 2000 -H 120
	t_check "$fam: two concurrent clients both see the handshake complete" \
		summary_is "$t/b2" "connected=2 pending=0 failed=0"
	wait_until $((3 * T_SLOW)) eq_cmd 1 count_rows "$NS_S" "$fam" 03 "$PORT_B" -
	waiting_client "$fam" > "$t/waiting" 2>&1
	wport=$(sed -n 's/^client port \([0-9]*\): ESTABLISHED.*/\1/p' "$t/waiting")
	t_check "$fam: one is ESTABLISHED on the client, SYN_RECV on the server" \
		eval 'cat "$t/waiting"; [ -n "$wport" ]'
	t_check "$fam: the accept queue is full at backlog+1 = 2" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT_B")" 2
	t_check "$fam: its final ACK overflowed: ListenOverflows grew" \
		delta_ge "$NS_S" "$fam" ListenOverflows "$ovf0" 1
	wait_until 4 eval '[ "$(req_retrnsmt "$fam")" -ge 1 ]'
	t_check "$fam: the server retransmits the SYN-ACK (retrnsmt >= 1)" \
		expect_ge "$(req_retrnsmt "$fam")" 1
	t_check "$fam: SynAckRetrans grew" \
		delta_ge "$NS_S" "$fam" SynAckRetrans "$rtx0" 1

	kill -USR1 "$LISTENER_PID"
	t_check "$fam: the server accepts one" wait_line "$t/lis_b" '^accepted 1$' 3
	# The next SYN-ACK is answered, and this time the ACK finds room.
	# Its timer doubles each time and the test is slow under TCG: wait
	# for whenever the row says it is due.
	wait_until $(($(next_timer_s "$NS_S" "$fam" 03 "$PORT_B" -) + 3)) \
		eq_cmd 0 count_rows "$NS_S" "$fam" 03 "$PORT_B" -
	t_check "$fam: the waiting request completed (no 03 row left)" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT_B" -)" 0
	t_check "$fam: ... into the accept queue (2 again)" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT_B")" 2
	t_check "$fam: ... as the server's ESTABLISHED socket for that client" \
		expect_eq "$(count_rows "$NS_S" "$fam" 01 "$PORT_B" "${wport:-0}")" 1
	cap_stop
	n=$(cap_count "$t/capb" "$(seg_filter "$fam" "src host $SRV and ip[22:2] = ${wport:-0} and $F_SYNACK")")
	t_check "$fam: tcpdump saw the SYN-ACK and its retransmissions to it" \
		expect_ge "$n" 2
	if command -v tshark >/dev/null; then
		t_check "$fam: tshark flags those SYN-ACKs as retransmissions" \
			expect_ge "$(tshark_rtx_synacks "$fam" "$t/capb" "${wport:-0}")" 1
	fi
}

# tshark_rtx_synacks FAM FILE PORT: SYN-ACKs to PORT that Wireshark's TCP
# analysis calls retransmissions (EDUTCP decoded as TCP).
tshark_rtx_synacks() {
	local -a decode=()
	[ "$1" = tcp ] || decode=(-d "ip.proto==$(fam_proto "$1"),tcp")
	tshark -r "$2" "${decode[@]}" 2>/dev/null -Y \
		"tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.dstport == $3 &&
		 tcp.analysis.retransmission" | grep -c .
}

overflow_body() {
	local fam=$1
	mkdir -p "$T_TMP/$fam"
	topo_up "ovf$fam"
	t_check "$fam: topology up" topo_ok
	# No cookies: every SYN here must take the SYN queue's ordinary path.
	t_check "$fam: syncookies=0" fam_sysctl "$NS_S" "$fam" syncookies 0
	part_a "$fam"
	part_b "$fam"
	topo_down
}

for fam in $FAMILIES; do
	overflow_body "$fam"
done
t_done
