#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_connect_timeout.sh - connect() to a black hole, TCP and EDUTCP.
#
# The client namespace routes 10.99.200.0/24 to the server namespace,
# which neither owns nor forwards it and drops it without an ICMP error, so
# every SYN is lost and nothing comes back (a blackhole route or an ARP
# failure would instead fail connect() early, with an error of their own).
# With syn_retries=2, Linux 6.1 sends the SYN at 0 s and again at 1 s and
# 3 s, and gives up at 7 s (tcp_write_timeout(): (2^(2+1) - 1) x 1 s)
# with ETIMEDOUT.  Checked on the kernel's TCP (the oracle) and EDUTCP:
# the errno, the time, exactly 3 SYNs on the wire (for EDUTCP, 2 of them
# retransmissions to tshark's TCP dissector), and ActiveOpens +1,
# AttemptFails +1, RetransSegs +2 in the client namespace.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PORT=9

timeout_body() {
	local fam=$1 t=$T_TMP/$1 ao0 af0 rs0 line ms n rtx
	mkdir -p "$t"
	topo_up "cto$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: syn_retries=2" fam_sysctl "$NS_C" "$fam" syn_retries 2
	cap_start "$NS_C" veth-c "$t/cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	ao0=$(counter "$NS_C" "$fam" ActiveOpens)
	af0=$(counter "$NS_C" "$fam" AttemptFails)
	rs0=$(counter "$NS_C" "$fam" RetransSegs)
	# shellcheck disable=SC2046
	nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") -B -w 15000 \
		"$HOLE" "$PORT" > "$t/conn" 2>&1
	line=$(grep '^conn 0' "$t/conn")
	ms=$(echo "$line" | sed -n 's/.* \([0-9]*\) ms$/\1/p')
	t_check "$fam: connect() fails with ETIMEDOUT" \
		eval 'echo "$line"; echo "$line" | grep -q ": ETIMEDOUT "'
	t_check "$fam: ... after 1 + 2 + 4 = 7 s" \
		eval '[ "${ms:-0}" -ge 6500 ] && [ "${ms:-0}" -le 9500 ] || { echo "took ${ms:-?} ms"; false; }'
	cap_stop
	n=$(cap_count "$t/cap" "$(seg_filter "$fam" "dst host $HOLE and $F_SYN")")
	t_check "$fam: tcpdump saw exactly 3 SYNs (the first + 2 retransmissions)" \
		expect_eq "$n" 3
	# DESIGN.md 3.2: Wireshark's TCP dissector reads EDUTCP, sequence
	# analysis included.  tshark takes many seconds under TCG, and on TCP
	# it would prove nothing: EDUTCP only.
	if [ "$fam" = edu ]; then
		# (Not worth its time when there are not 3 SYNs to look at.)
		rtx=-1
		[ "$n" != 3 ] ||
		rtx=$(tshark -r "$t/cap" -d "ip.proto==$(fam_proto edu),tcp" \
			-Y tcp.analysis.retransmission -T fields -e tcp.flags.str \
			2>/dev/null | grep -c S)
		t_check "edu: tshark, reading it as TCP, marks 2 SYNs as retransmissions" \
			expect_eq "$rtx" 2
	fi
	t_check "$fam: ActiveOpens grew by 1" delta_is "$NS_C" "$fam" ActiveOpens "$ao0" 1
	t_check "$fam: AttemptFails grew by 1" delta_is "$NS_C" "$fam" AttemptFails "$af0" 1
	t_check "$fam: RetransSegs grew by 2" delta_is "$NS_C" "$fam" RetransSegs "$rs0" 2
	t_check "$fam: no socket left behind in the client namespace" \
		expect_eq "$(count_rows "$NS_C" "$fam" 02 - "$PORT")" 0
	topo_down
}

for fam in $FAMILIES; do
	timeout_body "$fam"
done
t_done
