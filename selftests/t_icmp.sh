#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_icmp.sh - ICMP errors, SYNs to a broadcast address and inbound
# IPsec policy, on TCP (the oracle) and EDUTCP:
#  * unreachable: the server namespace answers every SYN to a black-hole
#    address with an ICMP host or protocol unreachable (helpers/
#    icmp_responder.py; it does not own the address, so its kernel stays
#    silent).  connect() fails at once with the errno tcp_v4_err() gives a
#    SYN_SENT socket (EHOSTUNREACH, ENOPROTOOPT), not after syn_retries.
#  * fragmentation needed: client -- (MTU 1500) -- router -- (MTU 1280) --
#    sink.  The sink's route back advertises an MSS of 1460 (advmss), as
#    a host whose own link is not the narrow one would, so the client's
#    segments are sized for 1500; with DF set they cannot pass the
#    router, which says so with ICMP; 4 MiB still arrive intact.
#  * a SYN to the subnet's broadcast address in a frame to the server's own
#    MAC (helpers/raw_syn.py) gets no SYN-ACK and leaves no request, and to
#    a closed port no RST; ListenDrops counts it, as tcp_v4_conn_request().
#    A unicast SYN right after it is the control: it is answered.
#  * "ip xfrm policy ... dir in action block" in the server namespace: a
#    client's SYN never reaches the listener; without the policy it does.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PORT=7401
CLOSED=7402
PY=selftests/helpers
XFER=build/bin/eduxfer
BRD=10.99.1.255
# The third namespace of the MTU test, behind $NS_S as a router.
NS_B=
ROUTED=10.99.2.2
MAC_R=02:00:0a:63:02:01
MAC_B=02:00:0a:63:02:02

icmp_cleanup() {
	[ -z "$NS_B" ] || ip netns del "$NS_B" 2>/dev/null
	NS_B=
	net_cleanup
}
trap icmp_cleanup EXIT

# conn_field FILE N: of edu_connect's socket 0, field 1 (the errno name, or
# "connected") or 2 (milliseconds it took).
conn_field() { sed -n 's/^conn 0 port [0-9]*: \([A-Za-z]*\) \([0-9]*\) ms$/\'"$2"'/p' "$1"; }

# unreach_body FAM: the responder (started once) answers SYNs to port 1
# with host unreachable, to port 2 with protocol unreachable.
unreach_body() {
	local fam=$1 t=$T_TMP/$1 code want name ms
	for code in 1:EHOSTUNREACH 2:ENOPROTOOPT; do
		want=${code#*:}
		code=${code%:*}
		# shellcheck disable=SC2046
		nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") -B \
			-w $((5000 * T_SLOW)) "$HOLE" "$code" > "$t/conn$code" 2>&1
		name=$(conn_field "$t/conn$code" 1)
		ms=$(conn_field "$t/conn$code" 2)
		t_check "$fam: ICMP unreachable code $code: connect() fails with $want" \
			eval 'cat "$t/conn$code"; [ "$name" = "$want" ]'
		# An ICMP that comes while connect() still owns the socket is
		# only noted (tcp_v4_err()): the SYN sent again at 1 s meets
		# another one.  Either way it is over long before syn_retries.
		t_check "$fam: ... at once, or at the first SYN retransmission" \
			eval '[ "${ms:-99999}" -lt $((2500 * T_SLOW)) ] || { echo "took ${ms:-?} ms"; false; }'
		t_check "$fam: ... the responder quoted our SYN" \
			has_line "$T_TMP/resp" "^answered $(fam_proto "$fam") .* code $code\$"
	done
}

# The MTU test's far side: $NS_S forwards to $NS_B over a 1280-byte link.
mtu_topo() {
	ip netns add "$NS_B" &&
	ip link add veth-r netns "$NS_S" address "$MAC_R" mtu 1280 type veth \
		peer name veth-b netns "$NS_B" address "$MAC_B" mtu 1280 &&
	ip -n "$NS_S" -batch - <<-EOF &&
		addr add 10.99.2.1/24 dev veth-r
		link set veth-r up
		neigh replace $ROUTED lladdr $MAC_B dev veth-r nud permanent
	EOF
	ip -n "$NS_B" -batch - <<-EOF &&
		link set lo up
		addr add $ROUTED/24 dev veth-b
		link set veth-b up
		route add 10.99.1.0/24 via 10.99.2.1 advmss 1460
		neigh replace 10.99.2.1 lladdr $MAC_R dev veth-b nud permanent
	EOF
	ip -n "$NS_C" route add 10.99.2.0/24 via "$SRV" &&
	nsx "$NS_S" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
}

mtu_body() {
	local fam=$1 t=$T_TMP/$1 bytes=$((4 * 1024 * 1024 / T_SLOW))
	# shellcheck disable=SC2046
	bg "$t/xfer.srv" "$NS_B" "$XFER" $(fam_opt "$fam") -l "$ROUTED" "$PORT"
	t_check "$fam: sink listening behind the router" \
		wait_line "$t/xfer.srv" '^listening' $((10 * T_SLOW))
	# shellcheck disable=SC2046
	t_check "$fam: $((bytes / 1024)) KiB through the smaller MTU, checksummed" \
		nsx "$NS_C" timeout $((30 * T_SLOW)) "$XFER" $(fam_opt "$fam") \
		-n "$bytes" "$ROUTED" "$PORT"
}

# bcast_start FAM: a listener on 0.0.0.0:$PORT, and its ListenDrops.
bcast_start() {
	local fam=$1 t=$T_TMP/$1
	start_listener "$fam" "$NS_S" "$t/lst" 0.0.0.0 "$PORT"
	LD0[$fam]=$(counter "$NS_S" "$fam" ListenDrops)
	LPID[$fam]=$LISTENER_PID
}

# bcast_syns FAM: raw_syn.py's SYNs for FAM: to the broadcast address and
# to the server, each to the listener and to a closed port.
bcast_syns() {
	local p
	p=$(fam_proto "$1")
	echo "$p:$BRD:40001:$PORT $p:$SRV:40002:$PORT $p:$BRD:40003:$CLOSED $p:$SRV:40004:$CLOSED"
}

bcast_body() {
	local fam=$1 t=$T_TMP/$1 p
	p=$(fam_proto "$fam")
	t_check "$fam: listener on 0.0.0.0:$PORT" has_line "$t/lst" '^listening'
	t_check "$fam: control SYN to $SRV is answered with a SYN-ACK" \
		grep -q "^reply $p 40002 SYNACK" "$T_TMP/raw"
	t_check "$fam: control SYN to a closed port is answered with an RST" \
		grep -q "^reply $p 40004 RST" "$T_TMP/raw"
	t_check "$fam: SYN to $BRD: no answer" \
		eval '! grep -q "^reply $p 40001" "$T_TMP/raw"'
	t_check "$fam: ... and no request in the SYN queue" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" 40001)" 0
	t_check "$fam: ... but a listen drop (ListenDrops +1)" \
		delta_is "$NS_S" "$fam" ListenDrops "${LD0[$fam]}" 1
	t_check "$fam: SYN to $BRD, closed port: no RST" \
		eval '! grep -q "^reply $p 40003" "$T_TMP/raw"'
}

# xfrm_stat NAME: a counter of /proc/net/xfrm_stat in the server namespace.
xfrm_stat() {
	local n v
	netfile_var "$NS_S" xfrm_stat
	[ -r "$REPLY" ] || { echo -1; return; }
	while read -r n v; do
		[ "$n" != "$1" ] || { echo "$v"; return; }
	done < "$REPLY"
	echo -1
}

xfrm_body() {
	local fam=$1 t=$T_TMP/$1 blk0 po0 port=$PORT
	# The listener of bcast_body, on 0.0.0.0:$PORT.
	t_check "$fam: ip xfrm policy: block inbound protocol $(fam_proto "$fam")" \
		ip -n "$NS_S" xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 \
		proto "$(fam_proto "$fam")" dir in action block
	blk0=$(xfrm_stat XfrmInPolBlock)
	po0=$(counter "$NS_S" "$fam" PassiveOpens)
	# shellcheck disable=SC2046
	nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") -w $((2000 * T_SLOW)) \
		"$SRV" "$port" > "$t/xconn" 2>&1
	t_check "$fam: connect() stays in progress: no SYN-ACK" \
		eval 'cat "$t/xconn"; grep -q "^summary connected=0 pending=1" "$t/xconn"'
	t_check "$fam: ... the listener saw nothing: no request, no connection" \
		eval '[ "$(count_rows "$NS_S" "$fam" 03 "$port" -)" = 0 ] &&
		      delta_is "$NS_S" "$fam" PassiveOpens "$po0" 0'
	if [ "$blk0" = -1 ]; then
		t_skip "$fam: ... the policy blocked it (XfrmInPolBlock grew)" \
			"no /proc/net/xfrm_stat (a kernel without CONFIG_XFRM_STATISTICS)"
	else
		t_check "$fam: ... the policy blocked it (XfrmInPolBlock grew)" \
			eval 'n=$(xfrm_stat XfrmInPolBlock); echo "$blk0 -> $n"; [ "$n" -gt "$blk0" ]'
	fi
	ip -n "$NS_S" xfrm policy flush
	# shellcheck disable=SC2046
	nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") -w $((5000 * T_SLOW)) \
		"$SRV" "$port" > "$t/xconn2" 2>&1
	t_check "$fam: policy flushed: the same connect() succeeds" \
		eval 'cat "$t/xconn2"; grep -q "^summary connected=1" "$t/xconn2"'
	bg_kill "${LPID[$fam]}"
}

declare -A LD0 LPID
modprobe -q xfrm_user 2>/dev/null
for fam in $FAMILIES; do
	mkdir -p "$T_TMP/$fam"
done
# One topology for both families: their ports and counters are their own.
topo_up icmp
t_check "topology up" topo_ok
NS_B=edub_mtu_$$
t_check "a router and a 1280-byte link behind the server namespace" mtu_topo
# The subnet's broadcast address, a local broadcast route in any case.
ip -n "$NS_S" route replace broadcast "$BRD" dev veth-s table local src "$SRV"
protos=
syns=
for fam in $FAMILIES; do
	protos="$protos $(fam_proto "$fam")"
	syns="$syns $(bcast_syns "$fam")"
	bcast_start "$fam"
done
# shellcheck disable=SC2086
bg "$T_TMP/resp" "$NS_S" python3 "$PY/icmp_responder.py" veth-s "$HOLE" $protos
t_check "responder for ICMP unreachable up" \
	wait_line "$T_TMP/resp" '^ready' $((20 * T_SLOW))
# shellcheck disable=SC2086
nsx "$NS_C" python3 "$PY/raw_syn.py" veth-c "$MAC_S" "$CLI" $((10 * T_SLOW)) \
	$syns > "$T_TMP/raw" 2>&1
cat "$T_TMP/raw"
for fam in $FAMILIES; do
	unreach_body "$fam"
	bcast_body "$fam"
	xfrm_body "$fam"
	mtu_body "$fam"
done
t_done
