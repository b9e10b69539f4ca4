#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_hostile.sh - load, faults and bad input in one scenario, on
# TCP (the oracle) and EDUTCP, in one boot.
#
#  1. A spoofed SYN flood (edusynflood, from the client namespace; the
#     SYN-ACKs to the spoofed sources die there, see net_lib.sh) against a
#     listener with backlog $BACKLOG:
#     * syncookies=0: every SYN is accounted for.  Each spoofed source is
#       used once (-u), so each SYN reaches edu_conn_request() (TCP:
#       tcp_conn_request()) with no request of its own: it either makes a
#       request, which sends one first SYN-ACK (OutSegs - SynAckRetrans
#       counts them), or, the SYN queue being full, is dropped and counted
#       in SynQueueDrops (TCPReqQFullDrop) and ListenDrops.  The accept
#       queue never fills (the listener accepts) and the queue is far from
#       the last quarter of max_syn_backlog, so there is no other way out:
#       SynQueueDrops = ListenDrops = SYNs - requests, InSegs = SYNs.
#     * syncookies=1: while the flood runs, a real client (edu_dial, from
#       the client namespace's own address) dials 20 times with a
#       bounded wait each; EDUTCP must connect at least as often as TCP
#       did in the same run, and the flood is answered with cookies.
#  2. edu_fuzz: threads making random, hostile system calls on a shared
#     pool of AF_EDU sockets, with signals, in a namespace of its own; once
#     with a fixed seed, once with a random one (printed, to repeat a
#     failure: edu_fuzz -s SEED).  It must end in time with status 0 (its
#     errno table agrees with TCP), and when its namespace is gone no
#     EDUTCP socket or request is left.
#  3. The module unloads and loads again (the runner unloads it at the end,
#     and later tests need it).
#
# Sizes: EDU_HOSTILE_SCALE (default 1) multiplies the floods (100000 SYNs
# with cookies, 50000 without) and the fuzzing time (2 x 30 s), for "make
# bench"; on the debug kernel all three are divided by T_SLOW.  The
# script takes about 3 minutes on the stock kernel.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

SCALE=${EDU_HOSTILE_SCALE:-1}
PORT=8100
# Large enough for every dial to wait in the accept queue: even if the
# listening process gets no CPU during the flood, no dial is refused for
# a full accept queue.
BACKLOG=64
# The flood a real client competes with (cookies on), and the one whose
# every drop is accounted for (cookies off).
NFLOOD=$((100000 * SCALE / T_SLOW))
NFLOOD_NC=$((50000 * SCALE / T_SLOW))
NDIAL=20
# Long enough for one SYN retransmission (1 s): a SYN the flood's load
# drops (a full backlog of the veth) costs a dial one retransmission,
# not the dial itself, on either family.  The dials still end well
# within the flood: most take milliseconds.
DIAL_MS=$((2500 * T_SLOW))
SPOOF0=10.99.128.0/18
SPOOF1=10.99.192.0/18
FUZZ=$HELPERS/edu_fuzz
FUZZ_SECS=$((30 * SCALE / T_SLOW))
[ "$FUZZ_SECS" -ge 10 ] || FUZZ_SECS=10
FUZZ_SEED=1
NS_F=

# Real connections made by TCP's dialer: EDUTCP's bar.
TCP_DIAL_OK=

hostile_cleanup() {
	[ -z "$NS_F" ] || ip netns del "$NS_F" 2>/dev/null
	net_cleanup
}
trap hostile_cleanup EXIT

# sent_all FILE N: edusynflood's report says it sent N segments.
sent_all() {
	cat "$1"
	has_line "$1" "^sent $2 segments "
}

# flood FAM N SRC OUT: N SYNs from the client namespace, each from its own
# address and port in SRC; edusynflood's report in OUT.
flood() {
	nsx "$NS_C" "$FLOOD" -u -P "$(fam_proto "$1")" -n "$2" -s "$3" \
		"$SRV:$PORT" > "$4"
	sent_all "$4" "$2"
}

# --- 1. SYN flood --------------------------------------------------------

flood_nocookies() {
	local fam=$1 t=$2 in0 out0 rtx0 ld0 sqd0 req
	local -a d

	t_check "$fam: syncookies=0, synack_retries=1" eval \
		'fam_sysctl "$NS_S" "$fam" syncookies 0 &&
		 fam_sysctl "$NS_S" "$fam" synack_retries 1'
	in0=$(counter "$NS_S" "$fam" InSegs)
	out0=$(counter "$NS_S" "$fam" OutSegs)
	rtx0=$(counter "$NS_S" "$fam" SynAckRetrans)
	ld0=$(counter "$NS_S" "$fam" ListenDrops)
	sqd0=$(counter "$NS_S" "$fam" SynQueueDrops)
	t_check "$fam: edusynflood sent $NFLOOD_NC SYNs, each from its own source" \
		flood "$fam" "$NFLOOD_NC" "$SPOOF0" "$t/flood0"
	# Every request sends its SYN-ACK again after 1 s and expires at 3 s;
	# count once none is left, so every SYN-ACK is in OutSegs.
	wait_until $((5 + 5 * T_SLOW)) eq_cmd 0 count_rows "$NS_S" "$fam" 03 "$PORT" -
	t_check "$fam: the requests expired (no 03 rows left)" \
		expect_eq "$(count_rows "$NS_S" "$fam" 03 "$PORT" -)" 0
	d=($(($(counter "$NS_S" "$fam" InSegs) - in0))
	   $(($(counter "$NS_S" "$fam" OutSegs) - out0))
	   $(($(counter "$NS_S" "$fam" SynAckRetrans) - rtx0))
	   $(($(counter "$NS_S" "$fam" ListenDrops) - ld0))
	   $(($(counter "$NS_S" "$fam" SynQueueDrops) - sqd0)))
	req=$((d[1] - d[2]))
	echo "# $fam: t=${SECONDS}s InSegs +${d[0]} OutSegs +${d[1]} SynAckRetrans +${d[2]}" \
		"ListenDrops +${d[3]} SynQueueDrops +${d[4]}: $req requests"
	t_check "$fam: every SYN arrived (InSegs +$NFLOOD_NC)" expect_eq "${d[0]}" "$NFLOOD_NC"
	t_check "$fam: the queue was filled again and again (requests >= backlog+1 = $((BACKLOG + 1)))" \
		expect_ge "$req" $((BACKLOG + 1))
	t_check "$fam: SynQueueDrops = SYNs - requests" \
		expect_eq "${d[4]}" $((NFLOOD_NC - req))
	t_check "$fam: ListenDrops = SynQueueDrops (no other drop)" \
		expect_eq "${d[3]}" "${d[4]}"
}

flood_cookies() {
	local fam=$1 t=$2 cs0 ld0 sqd0 lo0 ok
	t_check "$fam: syncookies=1, synack_retries=5" eval \
		'fam_sysctl "$NS_S" "$fam" syncookies 1 &&
		 fam_sysctl "$NS_S" "$fam" synack_retries 5'
	cs0=$(counter "$NS_S" "$fam" SyncookiesSent)
	ld0=$(counter "$NS_S" "$fam" ListenDrops)
	sqd0=$(counter "$NS_S" "$fam" SynQueueDrops)
	lo0=$(counter "$NS_S" "$fam" ListenOverflows)
	bg "$t/flood1" "$NS_C" "$FLOOD" -u -P "$(fam_proto "$fam")" -n "$NFLOOD" \
		-s "$SPOOF1" "$SRV:$PORT"
	# shellcheck disable=SC2046
	nsx "$NS_C" "$HELPERS/edu_dial" $(fam_opt "$fam") -n "$NDIAL" \
		-w "$DIAL_MS" -p "$BG_LAST" "$SRV" "$PORT" > "$t/dial" 2>&1
	wait "$BG_LAST"
	echo "# $fam: t=${SECONDS}s SyncookiesSent +$(($(counter "$NS_S" "$fam" SyncookiesSent) - cs0))" \
		"ListenDrops +$(($(counter "$NS_S" "$fam" ListenDrops) - ld0))" \
		"ListenOverflows +$(($(counter "$NS_S" "$fam" ListenOverflows) - lo0))"
	t_check "$fam: edusynflood sent $NFLOOD SYNs" sent_all "$t/flood1" "$NFLOOD"
	t_check "$fam: a real client dialed $NDIAL times, all during the flood" \
		eval 'cat "$t/dial"; has_line "$t/dial" "^dial attempts=$NDIAL .* flood_alive=1\$"'
	ok=$(sed -n 's/^dial .* ok=\([0-9]*\) .*/\1/p' "$t/dial")
	if [ "$fam" = tcp ]; then
		TCP_DIAL_OK=$ok
		t_check "tcp: some of the client's connections were made (${ok:-none})" \
			expect_ge "${ok:--1}" 1
	else
		t_check "edu: at least as many connections made as on TCP (${TCP_DIAL_OK:-no TCP run})" \
			expect_ge "${ok:--1}" "${TCP_DIAL_OK:-1}"
	fi
	# Not every SYN: each request that ends (a real client's completes, a
	# spoofed one expires) lets a SYN make a request again.  With the
	# queue full of old requests they expire after two retransmissions,
	# 7 s (the young/old rule of edu_synack_max_retries(), as
	# reqsk_timer_handler()): the slower the host, the longer the flood
	# and the more requests.  On the debug kernel with two other VMs on
	# the host, 2130 of 20000 SYNs made one; 3/4 leaves room for a flood
	# of minutes, and cookies still answered the flood.
	t_check "$fam: the flood was answered with cookies (SyncookiesSent >= 3/4 of the SYNs)" \
		delta_ge "$NS_S" "$fam" SyncookiesSent "$cs0" $((NFLOOD * 3 / 4))
	t_check "$fam: nothing dropped (ListenDrops and SynQueueDrops unchanged)" \
		eval 'delta_is "$NS_S" "$fam" ListenDrops "$ld0" 0 &&
		      delta_is "$NS_S" "$fam" SynQueueDrops "$sqd0" 0'
}

# One topology for both families (each with its own counters and
# sysctls): setting one up costs seconds under TCG.
flood_body() {
	local fam=$1 t=$T_TMP/$1
	mkdir -p "$t"
	start_listener "$fam" "$NS_S" "$t/listener" -a -b "$BACKLOG" "$SRV" "$PORT"
	t_check "$fam: listener with backlog $BACKLOG (t=${SECONDS}s)" \
		has_line "$t/listener" '^listening'
	flood_nocookies "$fam" "$t"
	flood_cookies "$fam" "$t"
	bg_kill "$LISTENER_PID"
}

topo_up hostile
t_check "topology up" topo_ok
for fam in $FAMILIES; do
	flood_body "$fam"
	DEAD=
done
topo_down

# --- the listener-owned reset storm -----------------------------------------
# Clients connect and send at once while a thread keeps the listener owned
# (setsockopt() in a loop), so the final ACK and the first data wait in the
# listener's backlog together: not one client may be reset.  A kselftest
# of its own, both variants (TCP, the oracle, and EDUTCP) in one run.
t_check "storm: no client reset while a process owns the listener (t=${SECONDS}s)" \
	"$HELPERS/estab_storm"

# --- orphan and TIME_WAIT closes ---------------------------------------------
# Many connections in TIME_WAIT, then a close with data still unsent to a
# slow reader (every byte must arrive), an orphan facing a zero window
# (it must die), orphans counted per namespace: selftests/orphan_limits.sh,
# on both families with their orphan limits set alike.
t_check "closes: TIME_WAIT is no orphan, a zero-window orphan dies (t=${SECONDS}s)" \
	selftests/orphan_limits.sh

# --- 2. fuzzer -------------------------------------------------------------

fuzz_run() {
	local out=$1 rc
	shift
	nsx "$NS_F" "$FUZZ" -t "$FUZZ_SECS" "$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || { echo "edu_fuzz exited with status $rc"; return 1; }
	has_line "$out" '^oracle: 0 errno difference'
}

# owned_rows: the fuzzer namespace's EDUTCP rows that still belong to a
# socket (inode not 0): none may, once the fuzzer has exited.
owned_rows() {
	nsx "$NS_F" cat /proc/net/edutcp | awk 'NR > 1 && $10 != 0'
}

no_owned_rows() {
	local left
	left=$(owned_rows)
	[ -z "$left" ] && return 0
	echo "rows still owned:"
	echo "$left"
	return 1
}

if [ ! -r "$DBG/sockets" ]; then
	t_skip "fuzzer" "no $DBG (debugfs not mounted?)"
	t_done
fi

NS_F=edufz_$$
ip netns add "$NS_F" && ip -n "$NS_F" link set lo up
t_check "fuzzer namespace up (t=${SECONDS}s)" ip netns exec "$NS_F" true
seed2=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
t_check "edu_fuzz -s $FUZZ_SEED ($FUZZ_SECS s): exit 0, errnos as TCP's" \
	fuzz_run "$T_TMP/fuzz1" -s "$FUZZ_SEED" -p 7900
t_check "edu_fuzz -s $seed2 ($FUZZ_SECS s): exit 0, errnos as TCP's" \
	fuzz_run "$T_TMP/fuzz2" -s "$seed2" -p 8500
wait_until $((5 * T_SLOW)) no_owned_rows > /dev/null
t_check "the fuzzer's sockets are all closed (no row with an inode)" no_owned_rows
ip netns del "$NS_F"
NS_F=

# --- 3. nothing left, and the module comes and goes -------------------------

wait_edu_idle
t_check "no EDUTCP socket left (debugfs sockets 0, t=${SECONDS}s)" expect_eq "$(count_of sockets)" 0
t_check "no request left (debugfs requests 0)" expect_eq "$(count_of requests)" 0
if [ "$(count_of sockets)" != 0 ]; then
	# The module's exit waits for its last socket: rmmod would hang
	# here, and every later test would find no module.
	t_check "rmmod af_edu: not tried, sockets are left" false
	t_done
fi
t_check "rmmod af_edu" edu_unload
t_check "insmod again" edu_load
t_check "... and an AF_EDU socket can be made" "$HELPERS/edu_dial" -n 1 -w 100 127.0.0.1 9
t_done
