#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_synq.sh - a SYN flood against a listener, on TCP and EDUTCP.
#
# edusynflood, in the client namespace, sends 100 SYNs from spoofed
# addresses (routed back into the client namespace, where they die) to a
# listener with backlog 8 in the server namespace.  Checked, on the
# kernel's TCP (the oracle; the SYNs are sent with protocol 6) and EDUTCP:
#  * syncookies=0: the SYN queue keeps backlog+1 = 9 half-open requests
#    (6.1's inet_csk_reqsk_queue_is_full() is "qlen > backlog"), shown as
#    state-03 rows with their SYN-ACK timer; the other 91 SYNs are dropped
#    and counted (ListenDrops, SynQueueDrops); with synack_retries=2 each
#    request sends its SYN-ACK 3 times (27 on the wire, SynAckRetrans 18)
#    and expires after 1 + 2 + 4 s; meanwhile a real client's SYN is
#    dropped as well, and once the queue is empty it is served again;
#  * syncookies=1: the same flood costs no state beyond the 9 requests:
#    91 cookie SYN-ACKs (SyncookiesSent), no drops, and a real client
#    connects at once through a cookie (SyncookiesRecv) and is accepted.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PORT=8000
BACKLOG=8
NFLOOD=100
QUEUED=$((BACKLOG + 1))
DROPPED=$((NFLOOD - QUEUED))
# One capture per family; each flood spoofs its own half of $SPOOF_NET so
# the two can be told apart in it.
SPOOF0=10.99.128.0/18
SPOOF1=10.99.192.0/18
RETRIES=2

# Every half-open request row: the listener's address and port locally, a
# spoofed peer remotely, timer 1 (the SYN-ACK timer) due within the current
# timeout: 1 s << retrnsmt, in clock ticks (USER_HZ 100, some slack).
req_rows_sane() {
	local fam=$1 bad
	bad=$(rows_where "$NS_S" "$fam" 03 "$PORT" - | while read -r _ la ra _ _ tw rt _; do
		[ "$la" = "$(hexaddr "$SRV"):$(hexport "$PORT")" ] &&
		[ "${ra:4:4}" = 630A ] && [ $((16#${ra:2:2})) -ge 128 ] &&
		[ "${tw%:*}" = 01 ] &&
		[ $((16#${tw#*:})) -le $(((100 << 16#$rt) + 10)) ] ||
		echo "$la $ra $tw $rt"
	done)
	[ -z "$bad" ] && return 0
	echo "unexpected request rows (local remote tr:when retrnsmt):"
	echo "$bad"
	return 1
}

# flood FAM SRC CLIENT_WAIT CLIENT_OUT: the flood, then at once a real
# client that waits CLIENT_WAIT ms for its connection.  One process chain
# in the client namespace: the requests expire 7 s after the flood, and on
# the debug kernel starting a program in a namespace takes seconds.  The
# client's verdict is in CLIENT_OUT, for the checks.
flood() {
	local fam=$1 src=$2 cwait=$3 cout=$4
	# shellcheck disable=SC2046
	nsx "$NS_C" sh -c '"$1" -P "$2" -n "$3" -s "$4" "$5" && shift 5 &&
		{ "$@" > "'"$cout"'" || true; }' sh \
		"$FLOOD" "$(fam_proto "$fam")" "$NFLOOD" "$src" "$SRV:$PORT" \
		"$HELPERS/edu_connect" $(fam_opt "$fam") -w "$cwait" "$SRV" "$PORT"
}

synacks_to() {
	seg_filter "$1" "src host $SRV and dst net $2 and $F_SYNACK"
}

synq_body() {
	local fam=$1 t=$T_TMP/$1 drops0 sqd0 retr0 cs0 cr0
	local d_drops d_sqd col_drops still
	mkdir -p "$t"

	topo_up "synq$fam"
	t_check "$fam: topology up" topo_ok
	# synack_retries=2, not 1: the queue must stay full while the checks
	# below look at it, and they are slow under TCG.
	t_check "$fam: syncookies=0, synack_retries=$RETRIES" eval \
		'fam_sysctl "$NS_S" "$fam" syncookies 0 &&
		 fam_sysctl "$NS_S" "$fam" synack_retries $RETRIES'
	start_listener "$fam" "$NS_S" "$t/listener" -a -b "$BACKLOG" "$SRV" "$PORT"
	t_check "$fam: listener with backlog $BACKLOG" has_line "$t/listener" '^listening'

	# --- without cookies: the queue fills, the rest is dropped ---------
	cap_start "$NS_S" veth-s "$t/cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	drops0=$(counter "$NS_S" "$fam" ListenDrops)
	sqd0=$(counter "$NS_S" "$fam" SynQueueDrops)
	retr0=$(counter "$NS_S" "$fam" SynAckRetrans)
	# A real client's SYN, right after the flood, is refused the same way;
	# it gives up before retransmitting, so that makes exactly one more
	# drop.  Take every measurement while the queue is surely full (it is
	# for 7 s), check afterwards.
	t_check "$fam: edusynflood sent $NFLOOD SYNs" flood "$fam" "$SPOOF0" 500 "$t/blocked"
	rows "$NS_S" "$fam" > "$t/snap"
	wait_until $((3 * T_SLOW)) eq_cmd $((DROPPED + 1)) eval \
		'echo $(($(counter "$NS_S" "$fam" ListenDrops) - drops0))'
	d_drops=$(($(counter "$NS_S" "$fam" ListenDrops) - drops0))
	d_sqd=$(($(counter "$NS_S" "$fam" SynQueueDrops) - sqd0))
	[ "$fam" = tcp ] || col_drops=$(edu_listener_cols "$PORT" drops)

	t_check "$fam: the SYN queue holds backlog+1 = $QUEUED requests (state-03 rows), after the client too" \
		expect_eq "$(with_snap "$t/snap" count_rows "$NS_S" "$fam" 03 "$PORT" -)" "$QUEUED"
	t_check "$fam: request rows: listener address, spoofed peer, SYN-ACK timer" \
		with_snap "$t/snap" req_rows_sane "$fam"
	if [ "$fam" = edu ]; then
		t_check "edu: listener row: synq $QUEUED, synq_max $BACKLOG, acceptq 0, acceptq_max $BACKLOG" \
			expect_eq "$(with_snap "$t/snap" edu_listener_cols "$PORT" synq synq_max acceptq acceptq_max)" \
			"$QUEUED $BACKLOG 0 $BACKLOG"
	fi
	t_check "$fam: a real client's SYN is dropped too (no cookies, queue full)" \
		eval 'cat "$t/blocked"; has_line "$t/blocked" "^summary connected=0 pending=1 failed=0\$"'
	t_check "$fam: ListenDrops grew by sent - queued = $DROPPED, + 1 for the client" \
		expect_eq "$d_drops" $((DROPPED + 1))
	t_check "$fam: SynQueueDrops grew by $DROPPED + 1" expect_eq "$d_sqd" $((DROPPED + 1))
	if [ "$fam" = edu ]; then
		t_check "edu: listener row: drops $DROPPED + 1" expect_eq "$col_drops" $((DROPPED + 1))
	fi

	# SYN-ACKs at 0, 1 and 3 s, expiry at 7 s.
	wait_until $((7 + 5 * T_SLOW)) eq_cmd 0 count_rows "$NS_S" "$fam" 03 "$PORT" -
	t_check "$fam: the requests expire after synack_retries=$RETRIES (no 03 rows left)" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" -)" 0
	t_check "$fam: SynAckRetrans grew by $QUEUED x $RETRIES" \
		delta_is "$NS_S" "$fam" SynAckRetrans "$retr0" $((QUEUED * RETRIES))
	# shellcheck disable=SC2046
	t_check "$fam: with the queue drained a real client is served again" \
		nsx "$NS_C" "$HELPERS/edu_connect" $(fam_opt "$fam") -w 3000 "$SRV" "$PORT"
	t_check "$fam: ... and accepted" wait_line "$t/listener" '^accepted 1$' $((3 * T_SLOW))

	# --- with cookies: no state, no drops, real clients get through ----
	# synack_retries back to 5, so the 9 requests keep the queue full
	# while the real client comes.
	t_check "$fam: syncookies=1, synack_retries=5" eval \
		'fam_sysctl "$NS_S" "$fam" syncookies 1 &&
		 fam_sysctl "$NS_S" "$fam" synack_retries 5'
	drops0=$(counter "$NS_S" "$fam" ListenDrops)
	cs0=$(counter "$NS_S" "$fam" SyncookiesSent)
	cr0=$(counter "$NS_S" "$fam" SyncookiesRecv)
	t_check "$fam: edusynflood sent $NFLOOD SYNs again, then a real client" \
		flood "$fam" "$SPOOF1" 900 "$t/cookie"
	still=$(count_rows "$NS_S" "$fam" 03 "$PORT" -)
	wait_until $((5 * T_SLOW)) eq_cmd $((DROPPED + 1)) eval \
		'echo $(($(counter "$NS_S" "$fam" SyncookiesSent) - cs0))'
	t_check "$fam: the SYN queue held $QUEUED requests" expect_eq "$still" "$QUEUED"
	t_check "$fam: the real client connected at once, through a cookie" \
		eval 'cat "$t/cookie"; has_line "$t/cookie" "^summary connected=1 pending=0 failed=0\$"'
	t_check "$fam: SyncookiesSent grew by $DROPPED, + 1 with the client's" \
		delta_is "$NS_S" "$fam" SyncookiesSent "$cs0" $((DROPPED + 1))
	t_check "$fam: nothing dropped (ListenDrops unchanged)" \
		delta_is "$NS_S" "$fam" ListenDrops "$drops0" 0
	t_check "$fam: ... and is accepted" wait_line "$t/listener" '^accepted 2$' $((3 * T_SLOW))
	t_check "$fam: SyncookiesRecv grew by 1" delta_is "$NS_S" "$fam" SyncookiesRecv "$cr0" 1
	cap_stop
	t_check "$fam: tcpdump: without cookies, $QUEUED requests x $((RETRIES + 1)) SYN-ACKs" \
		expect_eq "$(cap_count "$t/cap" "$(synacks_to "$fam" "$SPOOF0")")" $((QUEUED * (RETRIES + 1)))
	t_check "$fam: tcpdump: with cookies, a SYN-ACK to each of the $NFLOOD spoofed peers" \
		expect_eq "$(cap_peers "$t/cap" "$(synacks_to "$fam" "$SPOOF1")")" "$NFLOOD"
	topo_down
}

for fam in $FAMILIES; do
	synq_body "$fam"
done
t_done
