#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_xmit_close.sh - what the transmit path and close() owe a
# connection, on TCP (the oracle) and EDUTCP, between two namespaces:
#  * NET_XMIT_CN: while the server's end of the veth is down, the client's
#    end has no carrier and its qdisc is noop_qdisc, which drops every
#    packet and returns NET_XMIT_CN.  The segment counts as sent
#    (tcp_transmit_skb()'s net_xmit_eval()): data written then arrives
#    once the link is back, resent by the retransmission timer, and the
#    RST of an abortive close counts in OutRsts.
#  * SO_LINGER {1, 30 s} on a connection whose peer's window is full: a
#    process that exits, by SIGKILL or by exit() without close(), does
#    not linger (inet_release()).
#  * SO_LINGER {1, 30 s} and a simultaneous close: netem delays every
#    packet 300 ms, so the two FINs cross (CLOSING, as t_states.sh shows);
#    each close() returns once its FIN is acknowledged.
#  * Unread data on the server with conntrack attached to every arriving
#    packet (tc's ct action, no commit: the entries are unconfirmed and
#    live only as long as the packets that hold them): no entry is left
#    (tcp_v4_rcv()'s nf_reset_ct()), and deleting the veth does not wait
#    for the data to be read.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

LINGER=$HELPERS/edu_linger

# ms_since START: milliseconds from START (an $EPOCHREALTIME) to now.
ms_since() {
	local now=$EPOCHREALTIME
	echo $(( (${now/./} - ${1/./}) / 1000 ))
}

# closed_within FILE MS: the helper's close() took less than MS ms.
closed_within() {
	local line ms=
	while IFS= read -r line; do
		[[ $line =~ ^closed\ ([0-9]+) ]] && ms=${BASH_REMATCH[1]}
	done < "$1"
	[ -n "$ms" ] || { echo "no close in $1:"; cat "$1"; return 1; }
	echo "close() took $ms ms"
	[ "$ms" -lt "$2" ]
}

# carrier_gone: the client's veth has seen its peer go down (linkwatch
# set its operstate, and with it replaced its qdisc by noop_qdisc).
carrier_gone() { nsx "$NS_C" ip link show veth-c | grep -q 'state DOWN'; }
carrier_back() { nsx "$NS_C" ip link show veth-c | grep -q 'state UP'; }

xmit_body() {
	local fam=$1 t=$T_TMP/$1 port=7601 rsts
	# shellcheck disable=SC2046
	bg "$t/srv.$port" "$NS_S" "$LINGER" $(fam_opt "$fam") -l -r 1000 -H "$SRV" $port
	wait_line "$t/srv.$port" '^listening' $((10 * T_SLOW)) || return 1
	# shellcheck disable=SC2046
	bg "$t/cli.$port" "$NS_C" "$LINGER" $(fam_opt "$fam") -g "$t/go1" -s 1000 \
		-L 0 -c "$t/go2" "$SRV" $port
	wait_line "$t/cli.$port" '^established' $((10 * T_SLOW)) || return 1

	t_check "$fam: the server's veth down: the client's has no carrier" eval \
		'ip -n "$NS_S" link set veth-s down && wait_until $((10 * T_SLOW)) carrier_gone'
	touch "$t/go1"
	t_check "$fam: write() of 1000 bytes returns under NET_XMIT_CN" \
		wait_line "$t/cli.$port" '^sent' $((10 * T_SLOW))
	t_check "$fam: the link is back" eval \
		'ip -n "$NS_S" link set veth-s up && wait_until $((10 * T_SLOW)) carrier_back'
	t_check "$fam: the 1000 bytes arrive, resent by the timer" \
		wait_line "$t/srv.$port" '^received 1000' $((15 * T_SLOW))

	t_check "$fam: down again" eval \
		'ip -n "$NS_S" link set veth-s down && wait_until $((10 * T_SLOW)) carrier_gone'
	rsts=$(counter "$NS_C" "$fam" OutRsts)
	touch "$t/go2"
	t_check "$fam: SO_LINGER {1, 0} close()" \
		wait_line "$t/cli.$port" '^closed' $((10 * T_SLOW))
	t_check "$fam: its RST, taken by the noop qdisc, counts in OutRsts" \
		delta_is "$NS_C" "$fam" OutRsts "$rsts" 1
	ip -n "$NS_S" link set veth-s up
	wait_until $((10 * T_SLOW)) carrier_back
}

# exit_body FAM PORT HOW: the client fills the window of a server that
# does not read, sets SO_LINGER {1, 30} and is killed (HOW "kill") or
# calls exit() (HOW "exit").
exit_body() {
	local fam=$1 port=$2 how=$3 t=$T_TMP/$1 cli t0
	local -a x=(-H)
	[ "$how" = kill ] || x=(-x "$t/go.$port")
	# shellcheck disable=SC2046
	bg "$t/srv.$port" "$NS_S" "$LINGER" $(fam_opt "$fam") -l -H "$SRV" "$port"
	wait_line "$t/srv.$port" '^listening' $((10 * T_SLOW)) || return 1
	# shellcheck disable=SC2046
	bg "$t/cli.$port" "$NS_C" "$LINGER" $(fam_opt "$fam") -F -L 30 "${x[@]}" "$SRV" "$port"
	cli=$BG_LAST
	t_check "$fam: $how: the client fills the peer's window, SO_LINGER {1, 30}" \
		wait_line "$t/cli.$port" '^(holding|filled)' $((20 * T_SLOW))
	t0=$EPOCHREALTIME
	if [ "$how" = kill ]; then
		kill -KILL "$cli"
	else
		touch "$t/go.$port"
	fi
	wait "$cli" 2>/dev/null
	t_check "$fam: $how: the process is gone in under 5 s, without lingering" \
		eval 'ms=$(ms_since $t0); echo "exit took $ms ms"; [ $ms -lt $((5000 * T_SLOW)) ]'
}

closing_body() {
	local fam=$1 t=$T_TMP/$1 port=7603
	t_check "$fam: netem delay 300ms both ways" eval \
		'tc -n "$NS_S" qdisc add dev veth-s root netem delay 300ms &&
		 tc -n "$NS_C" qdisc add dev veth-c root netem delay 300ms'
	# shellcheck disable=SC2046
	bg "$t/srv.$port" "$NS_S" "$LINGER" $(fam_opt "$fam") -l -L 30 -c "$t/go3" "$SRV" $port
	wait_line "$t/srv.$port" '^listening' $((10 * T_SLOW)) || return 1
	# shellcheck disable=SC2046
	bg "$t/cli.$port" "$NS_C" "$LINGER" $(fam_opt "$fam") -L 30 -c "$t/go3" "$SRV" $port
	wait_line "$t/cli.$port" '^established' $((10 * T_SLOW)) &&
		wait_line "$t/srv.$port" '^established' $((10 * T_SLOW)) || return 1
	touch "$t/go3"
	t_check "$fam: both close() at once with SO_LINGER {1, 30}" eval \
		'wait_line "$t/cli.$port" "^closed" $((40 * T_SLOW)) &&
		 wait_line "$t/srv.$port" "^closed" $((40 * T_SLOW))'
	t_check "$fam: the client's close() returns when its FIN is acknowledged" \
		closed_within "$t/cli.$port" $((5000 * T_SLOW))
	t_check "$fam: the server's close() returns when its FIN is acknowledged" \
		closed_within "$t/srv.$port" $((5000 * T_SLOW))
}

ct_count() { nsx "$NS_S" cat /proc/sys/net/netfilter/nf_conntrack_count; }

# unread_body FAM: 60000 bytes wait unread on the server, each segment
# having been given a conntrack entry on the way in.
unread_body() {
	local fam=$1 port=7604 t=$T_TMP/$1 rx=0
	local -a r
	# shellcheck disable=SC2046
	bg "$t/srv.$port" "$NS_S" "$LINGER" $(fam_opt "$fam") -l -H "$SRV" "$port"
	wait_line "$t/srv.$port" '^listening' $((10 * T_SLOW)) || return 1
	touch "$t/go.$port"
	# shellcheck disable=SC2046
	bg "$t/cli.$port" "$NS_C" "$LINGER" $(fam_opt "$fam") -g "$t/go.$port" \
		-s 60000 -H "$SRV" "$port"
	t_check "$fam: 60000 bytes sent" \
		wait_line "$t/cli.$port" '^holding' $((10 * T_SLOW))
	unread() {
		read -r -a r <<< "$(rows_where "$NS_S" "$fam" 01 "$port" -)"
		rx=$((16#${r[4]#*:}))
		[ "$rx" -eq 60000 ]
	}
	t_check "$fam: they wait unread on the server" eval \
		'wait_until $((10 * T_SLOW)) unread; echo "rx_queue $rx"; [ "$rx" -eq 60000 ]'
	t_check "$fam: the queued segments hold no conntrack entry" eval \
		'wait_until $((5 * T_SLOW)) eq_cmd 0 ct_count; echo "nf_conntrack_count $(ct_count)";
		 [ "$(ct_count)" = 0 ]'
}

# veth_del_body FAM: the veth goes, the unread data stays.
veth_del_body() {
	local fam=$1 t0
	dmesg -C
	t0=$EPOCHREALTIME
	t_check "$fam: the veth is deleted in under 5 s, data still unread" eval \
		'ip -n "$NS_S" link del veth-s; ms=$(ms_since $t0); echo "deletion took $ms ms";
		 [ $ms -lt $((5000 * T_SLOW)) ]'
	t_check "$fam: no device waits to become free" eval \
		'! dmesg | grep "waiting for .* to become free"'
}

CT=0
modprobe act_ct 2>/dev/null && CT=1
for fam in $FAMILIES; do
	mkdir -p "$T_TMP/$fam"
	topo_up "xc$fam"
	t_check "$fam: topology up" topo_ok
	if [ "$CT" = 1 ]; then
		t_check "$fam: tc ct on the server's ingress" eval \
			'tc -n "$NS_S" qdisc add dev veth-s clsact &&
			 tc -n "$NS_S" filter add dev veth-s ingress protocol ip matchall action ct'
	else
		t_skip "$fam: tc ct on the server's ingress" "no act_ct module"
	fi
	xmit_body "$fam"
	if [ "$CT" = 1 ]; then
		unread_body "$fam"
	fi
	exit_body "$fam" 7602 kill
	exit_body "$fam" 7606 exit
	closing_body "$fam"
	veth_del_body "$fam"
	topo_down
done
t_done
