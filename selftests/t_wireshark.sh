#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_wireshark.sh - Wireshark's TCP dissector reads EDUTCP.
#
# A handshake, a 100 000-byte transfer and the close, captured with
# tcpdump between two namespaces and read back with tshark: for TCP as it
# is, for EDUTCP with "-d ip.proto==253,tcp", so Wireshark's own TCP
# analysis judges our segments.  Checked on both alike:
#  * the first three segments are SYN, SYN/ACK, ACK with relative
#    sequence/acknowledgment numbers 0/0, 0/1, 1/1;
#  * the client's FIN takes relative sequence 100 001 (on a segment of
#    its own or, for TCP, on the last data segment) and the server
#    acknowledges it with 100 002: every byte counted once;
#  * on this clean link tshark finds no gap in the sequence numbers and
#    no acknowledgment of bytes it never saw;
#  * no segment is malformed (no _ws.malformed expert info).
# t_overflow.sh checks, the same way, that the SYN-ACK retransmissions of
# an accept-queue overflow are flagged as retransmissions.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

XFER=build/bin/eduxfer
PORT=7601
BYTES=100000

# count FAM FILE FILTER: how many segments match a display filter.
count() {
	tshark_fam "$1" "$2" -Y "$3" | grep -c .
}

wireshark_body() {
	local fam=$1 t=$T_TMP/$1 cap
	mkdir -p "$t"
	cap=$t/cap
	topo_up "ws$fam"
	t_check "$fam: topology up" topo_ok
	cap_start "$NS_S" veth-s "$cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	# shellcheck disable=SC2046
	bg "$t/srv" "$NS_S" "$XFER" $(fam_opt "$fam") -l "$SRV" "$PORT"
	wait_line "$t/srv" '^listening' $((10 * T_SLOW))
	# shellcheck disable=SC2046
	t_check "$fam: $BYTES bytes from client to server, checksummed" \
		nsx "$NS_C" "$XFER" $(fam_opt "$fam") -n "$BYTES" "$SRV" "$PORT"
	# The server closes last; its FIN and the last ACK need a moment.
	sleep 1
	cap_stop

	t_check "$fam: tshark: SYN, SYN/ACK, ACK with relative seq/ack 0/0, 0/1, 1/1" \
		expect_eq "$(tshark_fam "$fam" "$cap" -c 3 -T fields \
			-e tcp.flags.syn -e tcp.flags.ack -e tcp.seq -e tcp.ack |
			tr '\t\n' ', ')" "1,0,0,0 1,1,0,1 0,1,1,1 "
	# TCP may carry its FIN on the last data segment, EDUTCP sends it on
	# its own: either way the FIN's segment ends at BYTES + 2 (nxtseq).
	t_check "$fam: tshark: the client's FIN takes relative seq $((BYTES + 1))" \
		expect_eq "$(tshark_fam "$fam" "$cap" -T fields -e tcp.nxtseq \
			-Y "tcp.flags.fin == 1 && tcp.dstport == $PORT" | head -n 1)" $((BYTES + 2))
	t_check "$fam: tshark: ... acknowledged by the server with $((BYTES + 2))" \
		expect_ge "$(count "$fam" "$cap" "tcp.srcport == $PORT && tcp.ack == $((BYTES + 2))")" 1
	# Numbering that does not add up shows as a gap Wireshark never saw
	# filled (lost_segment) or an ACK for bytes never sent; both capture
	# and link are lossless here.  (A retransmission is not checked: on a
	# loaded host an RTO can expire before the ACK is processed.)
	t_check "$fam: tshark: no gap in the sequence, no ACK of unseen bytes" \
		expect_eq "$(count "$fam" "$cap" 'tcp.analysis.lost_segment ||
			tcp.analysis.ack_lost_segment')" 0
	t_check "$fam: tshark: no malformed segment" \
		expect_eq "$(count "$fam" "$cap" '_ws.malformed')" 0
	t_check "$fam: tshark: every segment was decoded as TCP" \
		expect_eq "$(count "$fam" "$cap" '!tcp')" 0
	topo_down
}

if ! command -v tshark >/dev/null; then
	t_skip "tshark checks" "tshark is not installed (scripts/deps installs it)"
	t_done
fi
for fam in $FAMILIES; do
	wireshark_body "$fam"
done
t_done
