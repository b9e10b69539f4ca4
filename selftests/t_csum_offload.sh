#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_csum_offload.sh - who computes the checksum of a segment.
#
# TCP leaves the checksum to the device (CHECKSUM_PARTIAL: the pseudo-header
# sum in the header, the device adds the rest); EDUTCP does the same.  A
# transfer between two namespaces, the client's segments captured as they
# reach the server:
#  * through a veth that offers checksum offload, the client's SYN carries
#    only the pseudo-header sum: no one computed the rest, since veth hands
#    the packet on with CHECKSUM_PARTIAL and the receiver trusts it;
#  * with "ethtool -K veth-c tx off" on the client's end, every segment the
#    client sends (SYN, data, ACKs, FIN) has its complete, correct
#    checksum, as a real NIC without offload must put on the wire; the
#    server verifies them (no InCsumErrors) and the bytes arrive.
# helpers/csum_check.py judges the checksums, over the pseudo-header with
# the packet's own protocol number.  t_rst.sh checks that a segment with a
# wrong checksum is dropped and counted.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

XFER=build/bin/eduxfer
CHECK=selftests/helpers/csum_check.py
PORT=7611
BYTES=30000

# verdicts FAM FILE: csum_check.py's lines for the client's segments.
verdicts() {
	python3 "$CHECK" "$2" "$(fam_proto "$1")" "$CLI"
}

# xfer FAM TAG: BYTES from the client to the server, captured on veth-s.
xfer() {
	local fam=$1 t=$T_TMP/$1 rc
	# In this shell, not in t_check's subshell: cap_stop needs CAP_PID.
	# Whole packets (snaplen 0): the payload is summed too.
	cap_start "$NS_S" veth-s "$t/$2.pcap" "$(seg_filter "$fam" "src host $CLI")" 0 \
		> "$t/$2.capstart" 2>&1
	rc=$?
	t_check "$fam: $2: capture on veth-s" eval "cat $t/$2.capstart; exit $rc"
	# shellcheck disable=SC2046
	t_check "$fam: $2: $BYTES bytes from client to server, checksummed" \
		nsx "$NS_C" timeout $((60 * T_SLOW)) "$XFER" $(fam_opt "$fam") \
			-n "$BYTES" "$SRV" "$PORT"
	# Its FIN went before the sink answered: cap_stop waits for the
	# capture to settle.
	cap_stop
}

csum_body() {
	local fam=$1 t=$T_TMP/$1 v cs0
	mkdir -p "$t"
	topo_up "ck$fam"
	t_check "$fam: topology up" topo_ok
	# shellcheck disable=SC2046
	bg "$t/srv" "$NS_S" "$XFER" $(fam_opt "$fam") -l -k 2 "$SRV" "$PORT"
	t_check "$fam: server listening" \
		wait_line "$t/srv" '^listening' $((10 * T_SLOW))
	cs0=$(counter "$NS_S" "$fam" InCsumErrors)

	# --- offload on: the device's job, and no one does it on veth ---
	xfer "$fam" offload
	v=$(verdicts "$fam" "$t/offload.pcap")
	t_check "$fam: offload: the SYN carries the pseudo-header sum only" \
		expect_eq "$(echo "$v" | awk '$1 == "02" { print $3; exit }')" partial

	# --- offload off: the kernel computes it before the device -------
	t_check "$fam: ethtool -K veth-c tx off" \
		eval "nsx $NS_C ethtool -K veth-c tx off > /dev/null"
	t_check "$fam: ... tx-checksumming is off" eval \
		"nsx $NS_C ethtool -k veth-c | grep -q '^tx-checksumming: off'"
	xfer "$fam" sw
	v=$(verdicts "$fam" "$t/sw.pcap")
	t_check "$fam: sw: the SYN's checksum is right" \
		expect_eq "$(echo "$v" | awk '$1 == "02" { print $3; exit }')" good
	t_check "$fam: sw: a data segment, an ACK and a FIN captured" eval \
		"echo '$v' | awk '\$2 > 0 { d = 1 } \$1 == \"10\" && \$2 == 0 { a = 1 }
			\$1 ~ /^(11|19)\$/ { f = 1 } END { exit !(d && a && f) }'"
	t_check "$fam: sw: every segment's checksum is right" \
		expect_eq "$(echo "$v" | grep -v -c ' good$')" 0
	t_check "$fam: InCsumErrors on the server did not grow" \
		delta_is "$NS_S" "$fam" InCsumErrors "$cs0" 0
	topo_down
}

if ! command -v ethtool > /dev/null || ! command -v tcpdump > /dev/null; then
	t_skip "checksum offload checks" "ethtool or tcpdump is not installed (scripts/deps installs them)"
	t_done
fi
for fam in $FAMILIES; do
	csum_body "$fam"
done
t_done
