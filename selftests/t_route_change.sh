#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_route_change.sh - a connection follows a change of route.
#
# A connection keeps the route of its first segment (sk_dst_cache, as
# TCP's ip_queue_xmit() does) and must look it up again when the routes
# change.  The client and the server namespaces are joined twice: by
# veth-c/veth-s (10.99.1.0/24) and by a second pair veth-c2/veth-s2
# (10.99.2.0/24).  While a ping-pong runs on a connection to 10.99.1.1
# (first over veth-c), the client adds a host route to 10.99.1.1 through
# the second pair.  The connection's next segments must leave through
# veth-c2, and the ping-pong must go on to its end.  TCP, the oracle, does
# the same.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

BENCH=build/bin/edubench
PORT=7631
SRV2=10.99.2.1
CLI2=10.99.2.2
MAC_S2=02:00:0a:63:02:01
MAC_C2=02:00:0a:63:02:02

second_link() {
	ip link add veth-s2 netns "$NS_S" address "$MAC_S2" type veth \
		peer name veth-c2 netns "$NS_C" address "$MAC_C2" &&
	ip -n "$NS_S" -batch - <<-EOF &&
		addr add $SRV2/24 dev veth-s2
		link set veth-s2 up
		neigh replace $CLI2 lladdr $MAC_C2 dev veth-s2 nud permanent
	EOF
	ip -n "$NS_C" -batch - <<-EOF
		addr add $CLI2/24 dev veth-c2
		link set veth-c2 up
		neigh replace $SRV2 lladdr $MAC_S2 dev veth-c2 nud permanent
	EOF
}

# client_segments FILE: the client's segments in a capture.
client_segments() { cap_count "$1" "$(seg_filter "$fam" "src host $CLI")"; }

body() {
	local fam=$1 t=$T_TMP/$1 rr
	mkdir -p "$t"
	topo_up "rc$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: a second veth pair" second_link
	cap_start "$NS_C" veth-c2 "$t/c2.pcap" "$(seg_filter "$fam")" > "$t/cap" 2>&1
	t_check "$fam: capture on veth-c2" eval "cat $t/cap; [ -n '$CAP_PID' ]"

	# A ping-pong long enough to outlast the waits below.
	# shellcheck disable=SC2046
	bg "$t/rr" "$NS_C" "$BENCH" rr $(fam_opt "$fam") -t $((8 * T_SLOW)) \
		-S "$NS_S" -C "$NS_C" -a "$SRV" -p "$PORT"
	rr=$BG_LAST
	t_check "$fam: the connection is established" wait_until $((15 * T_SLOW)) \
		eval '[ "$(count_rows "$NS_C" "$fam" 01 - $PORT)" = 1 ]'
	t_check "$fam: before the change, nothing crosses veth-c2" \
		expect_eq "$(client_segments "$t/c2.pcap")" 0

	t_check "$fam: route 10.99.1.1 via veth-c2" \
		nsx "$NS_C" ip route add "$SRV/32" via "$SRV2" dev veth-c2
	t_check "$fam: the connection's segments now cross veth-c2" \
		wait_until $((10 * T_SLOW)) eval \
		'[ "$(client_segments "$t/c2.pcap")" -ge 10 ]'
	wait "$rr"
	t_check "$fam: the ping-pong ran to its end" eval \
		"[ \$(awk '\$1 == \"RESULT\" { print \$3 }' $t/rr) -gt 0 ] || cat $t/rr"
	cap_stop
	topo_down
}

if ! command -v tcpdump > /dev/null; then
	t_skip "route change checks" "tcpdump is not installed (scripts/deps installs it)"
	t_done
fi
for fam in $FAMILIES; do
	body "$fam"
done
t_done
