#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_ack_ahead.sh - the handshake's final ACK is judged by the
# window, not by an exact sequence number, on TCP (the oracle) and EDUTCP.
#
# A client whose first data was lost answers a retransmitted SYN-ACK with a
# bare ACK at its SND.NXT, past ISN + 1 by what it sent.  tcp_check_req()
# takes any ACK whose SEQ is in the request's receive window
# (tcp_in_window()) as the end of the handshake and makes the connection;
# the data comes later as a retransmission.  Seen under load (nginx, ab -c
# 200, backlog 8): when such an ACK is ignored, the connection waits for the
# next retransmission, and the request may expire in the meantime.
#
# The handshakes are made by hand (helpers/raw_handshake.py) from addresses
# the client namespace routes but does not own, against a listener that
# does not accept:
#   1. the final ACK 1 MiB ahead, outside any window: no connection, the
#      request stays (SYN_RECV row);
#   2. an exact final ACK: the control; segments are handled in order, so
#      once this connection is queued, the first ACK was handled too;
#   3. the final ACK 10 bytes ahead: a connection in the accept queue.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh
trap net_cleanup EXIT

PORT=8600
RAW=selftests/helpers/raw_handshake.py

# hand FAM SRC SPORT AHEAD OUT: one handshake by hand, from SRC:SPORT.
hand() {
	nsx "$NS_C" python3 "$RAW" veth-c "$MAC_S" "$2" "$(fam_proto "$1")" \
		"$SRV" "$3" "$PORT" "$4" > "$5" 2>&1
	cat "$5"
	has_line "$5" '^acked '
}

rxq_is() { [ "$(listener_rxq "$NS_S" "$1" "$PORT")" = "$2" ]; }

for fam in $FAMILIES; do
	t=$T_TMP/$fam
	mkdir -p "$t"
	topo_up "$fam"
	t_check "$fam: topology up" topo_ok
	start_listener "$fam" "$NS_S" "$t/lis" -b 4 "$SRV" "$PORT"
	t_check "$fam: a listener with backlog 4 that does not accept" \
		has_line "$t/lis" '^listening'

	t_check "$fam: handshake 1, final ACK 1 MiB ahead" \
		hand "$fam" 10.99.128.11 40001 1048576 "$t/h1"
	t_check "$fam: handshake 2, exact final ACK" \
		hand "$fam" 10.99.128.12 40002 0 "$t/h2"
	t_check "$fam: ... connection 2 is in the accept queue" \
		wait_until $((5 * T_SLOW)) rxq_is "$fam" 1
	t_check "$fam: ... connection 1 is not; its request waits (SYN_RECV)" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" 40001)" 1

	t_check "$fam: handshake 3, final ACK 10 bytes ahead" \
		hand "$fam" 10.99.128.13 40003 10 "$t/h3"
	t_check "$fam: ... makes connection 3: the accept queue holds 2" \
		wait_until $((5 * T_SLOW)) rxq_is "$fam" 2
	t_check "$fam: ... and its request is gone" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" 40003)" 0
	bg_kill "$LISTENER_PID"
	topo_down
done
t_done
