#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_abort_on_overflow.sh - abort_on_overflow=1, on TCP and EDUTCP.
#
# The situation of t_overflow.sh's second part (a listener with backlog 1,
# one connection waiting, two clients whose SYNs both reach the SYN queue
# because netem delays what the client side sends), with abort_on_overflow
# set: the final ACK that meets the full accept queue is answered with an
# RST instead of being ignored (tcp_check_req(): listen_overflow falls
# through to embryonic_reset).  Checked on the kernel's TCP (the oracle)
# and on EDUTCP: tcpdump sees the RST, the client that believed itself
# ESTABLISHED gets ECONNRESET from recv(), the request is gone (no state-03
# row), the accept queue holds 2, and the counters say so: ListenOverflows
# +1, AbortOnOverflow +1 (TCP counts that reset as EmbryonicRsts), OutRsts.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PORT=8003
DELAY_MS=300

client() {
	local fam=$1 out=$2
	shift 2
	# shellcheck disable=SC2046
	bg "$out" "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") "$@" "$SRV" "$PORT"
}

abort_body() {
	local fam=$1 t=$T_TMP/$1 ovf0 abt0 rst0 n
	mkdir -p "$t"
	topo_up "abort$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: abort_on_overflow=1, syncookies=0" eval \
		'fam_sysctl "$NS_S" "$fam" abort_on_overflow 1 &&
		 fam_sysctl "$NS_S" "$fam" syncookies 0'
	start_listener "$fam" "$NS_S" "$t/listener" -b 1 "$SRV" "$PORT"
	t_check "$fam: listener with backlog 1" has_line "$t/listener" '^listening'

	client "$fam" "$t/c1" -w 1500 -H 120
	wait_line "$t/c1" '^(summary|error)' 10
	t_check "$fam: one connection waits in the accept queue" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT")" 1

	t_check "$fam: netem delay ${DELAY_MS}ms on the client's side" \
		nsx "$NS_C" tc qdisc add dev veth-c root netem delay "${DELAY_MS}ms"
	cap_start "$NS_S" veth-s "$t/cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	ovf0=$(counter "$NS_S" "$fam" ListenOverflows)
	abt0=$(counter "$NS_S" "$fam" AbortOnOverflow)
	rst0=$(counter "$NS_S" "$fam" OutRsts)
	# Both connect (SYN-ACK at 300 ms); the second final ACK reaches the
	# server at ~600 ms and is reset; recv() comes after 1.5 s more.
	client "$fam" "$t/c2" -n 2 -w 2000 -H 1.5 -R
	wait_line "$t/c2" '^(recv-summary|error)' 10
	t_check "$fam: both clients saw the SYN-ACK (connected)" \
		has_line "$t/c2" '^summary connected=2 pending=0 failed=0$'
	t_check "$fam: the overflowing one is reset: recv() gives ECONNRESET" \
		eval 'grep "^recv" "$t/c2"; has_line "$t/c2" "^recv-summary alive=1 eof=0 reset=1 other=0\$"'
	t_check "$fam: ListenOverflows grew by 1" delta_is "$NS_S" "$fam" ListenOverflows "$ovf0" 1
	t_check "$fam: AbortOnOverflow grew by 1" delta_is "$NS_S" "$fam" AbortOnOverflow "$abt0" 1
	t_check "$fam: OutRsts grew by 1" delta_is "$NS_S" "$fam" OutRsts "$rst0" 1
	t_check "$fam: the request is gone (no 03 row)" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" -)" 0
	t_check "$fam: the accept queue holds backlog+1 = 2" \
		expect_eq "$(listener_rxq "$NS_S" "$fam" "$PORT")" 2
	cap_stop
	n=$(cap_count "$t/cap" "$(seg_filter "$fam" "src host $SRV and $F_RST")")
	t_check "$fam: tcpdump saw one RST from the server" expect_eq "$n" 1
	topo_down
}

for fam in $FAMILIES; do
	abort_body "$fam"
done
t_done
