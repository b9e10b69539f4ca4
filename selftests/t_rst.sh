#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_rst.sh - resets, bad checksums and namespace isolation, on
# TCP and EDUTCP alike.
#
# Checked on the kernel's TCP (the oracle; edusynflood -P 6 for its
# hand-made segments) and on EDUTCP:
#  * a SYN to a port nobody listens on is answered with one RST: connect()
#    fails with ECONNREFUSED, tcpdump sees the RST, OutRsts +1 on the
#    server, AttemptFails +1 on the client; a stray ACK to that port gets
#    an RST too;
#  * a SYN with a wrong checksum to a listening port is dropped silently
#    and counted (InCsumErrors +5, InErrs +5 for 5 segments): no reply on
#    the wire, no request in the SYN queue; the same segments with a right
#    checksum each get a SYN-ACK (so edusynflood's checksum is right, too);
#  * a listener in one namespace is invisible from another: with the server
#    namespace listening on 127.0.0.1:PORT, a connect() to 127.0.0.1:PORT
#    from the client namespace is refused, and succeeds in the server's.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

CLOSED=8099
LPORT=8100
LOPORT=8200

# conn NS FAM ADDR PORT: one blocking connect; prints edu_connect's line.
conn() {
	# shellcheck disable=SC2046
	nsx "$1" "$HELPERS/edu_connect" $(fam_opt "$2") -B -w 5000 "$3" "$4" 2>&1 |
		grep -E '^(conn|error)'
}

refused() {
	local line
	line=$(conn "$@")
	echo "$line"
	echo "$line" | grep -q ': ECONNREFUSED '
}

# flood_fam FAM: edusynflood's family (-f): inet sends TCP, edu EDUTCP.
flood_fam() { if [ "$1" = tcp ]; then echo inet; else echo edu; fi; }

connected() {
	local line
	line=$(conn "$@")
	echo "$line"
	echo "$line" | grep -q ': connected '
}

rst_body() {
	local fam=$1 t=$T_TMP/$1 rst0 af0 cs0 ie0 n
	mkdir -p "$t"
	topo_up "rst$fam"
	t_check "$fam: topology up" topo_ok

	# One capture for the whole body: each part uses its own port.
	cap_start "$NS_S" veth-s "$t/cap" "$(seg_filter "$fam")" >/dev/null 2>&1

	# --- no listener: RST -------------------------------------------
	rst0=$(counter "$NS_S" "$fam" OutRsts)
	af0=$(counter "$NS_C" "$fam" AttemptFails)
	t_check "$fam: connect() to a port without listener: ECONNREFUSED" \
		refused "$NS_C" "$fam" "$SRV" "$CLOSED"
	t_check "$fam: OutRsts grew by 1 on the server" \
		delta_is "$NS_S" "$fam" OutRsts "$rst0" 1
	t_check "$fam: AttemptFails grew by 1 on the client" \
		delta_is "$NS_C" "$fam" AttemptFails "$af0" 1
	t_check "$fam: a stray ACK to that port is sent" \
		nsx "$NS_C" "$FLOOD" -f "$(flood_fam "$fam")" -F A -n 1 -s "$CLI" "$SRV:$CLOSED"

	# --- bad checksum: dropped, counted, unanswered -----------------
	start_listener "$fam" "$NS_S" "$t/listener" -b 8 "$SRV" "$LPORT"
	t_check "$fam: listener on $LPORT" has_line "$t/listener" '^listening'
	cs0=$(counter "$NS_S" "$fam" InCsumErrors)
	ie0=$(counter "$NS_S" "$fam" InErrs)
	t_check "$fam: 5 SYNs with a wrong checksum sent" \
		nsx "$NS_C" "$FLOOD" -f "$(flood_fam "$fam")" -c -n 5 -s "$CLI" "$SRV:$LPORT"
	wait_until $((3 * T_SLOW)) eq_cmd 5 eval 'echo $(($(counter "$NS_S" "$fam" InCsumErrors) - cs0))'
	t_check "$fam: InCsumErrors grew by 5" \
		delta_is "$NS_S" "$fam" InCsumErrors "$cs0" 5
	t_check "$fam: InErrs grew by 5" delta_is "$NS_S" "$fam" InErrs "$ie0" 5
	t_check "$fam: no request was queued" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$LPORT" -)" 0

	# The control: the same segments with their right checksum, from
	# other (spoofed) sources so that the capture tells them apart.
	t_check "$fam: 5 SYNs with a right checksum sent" \
		nsx "$NS_C" "$FLOOD" -f "$(flood_fam "$fam")" -n 5 -s "$SPOOF_NET" "$SRV:$LPORT"
	wait_until $((3 * T_SLOW)) eq_cmd 5 count_rows "$NS_S" "$fam" 03 "$LPORT" -
	t_check "$fam: ... all 5 are queued" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$LPORT" -)" 5

	# --- namespaces do not see each other's listeners ---------------
	start_listener "$fam" "$NS_S" "$t/lo_listener" -a -b 8 127.0.0.1 "$LOPORT"
	t_check "$fam: listener on 127.0.0.1:$LOPORT in the server namespace" \
		has_line "$t/lo_listener" '^listening'
	t_check "$fam: from the client namespace 127.0.0.1:$LOPORT refuses" \
		refused "$NS_C" "$fam" 127.0.0.1 "$LOPORT"
	t_check "$fam: from the server namespace it connects" \
		connected "$NS_S" "$fam" 127.0.0.1 "$LOPORT"
	t_check "$fam: ... and only that connection was accepted" eval \
		'wait_line "$t/lo_listener" "^accepted 1\$" 3 && ! has_line "$t/lo_listener" "^accepted 2"'

	cap_stop
	n=$(cap_count "$t/cap" "$(seg_filter "$fam" "src host $SRV and ip[20:2] = $CLOSED and $F_RST")")
	t_check "$fam: tcpdump: 2 RSTs from the closed port (for the SYN, the ACK)" \
		expect_eq "$n" 2
	n=$(cap_count "$t/cap" "$(seg_filter "$fam" "src host $SRV and dst host $CLI and ip[20:2] = $LPORT")")
	t_check "$fam: tcpdump: no answer to the bad checksums" expect_eq "$n" 0
	n=$(cap_peers "$t/cap" "$(seg_filter "$fam" "src host $SRV and dst net $SPOOF_NET and $F_SYNACK")")
	t_check "$fam: tcpdump: a SYN-ACK to each of the 5 good SYNs" expect_eq "$n" 5
	topo_down
}

for fam in $FAMILIES; do
	rst_body "$fam"
done
t_done
