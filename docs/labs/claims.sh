#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs/labs/claims.sh [CLAIM...] - the experiments of docs/claims.md.
#
# Run it in the VM, from the repository:
#	scripts/vm docs/labs/claims.sh		every claim, 1 to 10
#	scripts/vm docs/labs/claims.sh 3 4	only those
# It loads af_edu.ko if it is not loaded (and unloads it at the end), and
# works in a network namespace of its own (unshare -n), so nothing it sets
# outlives it.  Each claim runs on the kernel's TCP ("tcp") and on EDUTCP
# ("edu") with the same commands, and prints
#	## claim N tcp|edu
#	$ a command
#	its output
#	key N tcp|edu NAME=VALUE...
# The outputs in docs/claims.md are pasted from such a run; the "key"
# lines are what selftests/t_claims.sh checks, so that the page stays true.
#
# The namespace: lo, and a veth pair to a second namespace, "claims-far"
# (10.99.127.1 here, 10.99.127.2 there), which 10.99.128.0/17 is routed
# to.  edusynflood, run there, sends SYNs from addresses in that prefix
# to listeners on 10.99.127.1; their SYN-ACKs go back to claims-far,
# which owns none of those addresses and drops them, so the requests stay
# in the SYN queue.  Syncookies are off (both families), so that every
# SYN meets the plain queue rules.

if [ "${1:-}" != --in-netns ]; then
	cd "$(dirname "$0")/../.." || exit 1
	loaded=1
	if ! grep -q '^af_edu ' /proc/modules; then
		insmod "${EDU_KO:-af_edu.ko}" || exit 1
		loaded=0
	fi
	unshare -n bash docs/labs/claims.sh --in-netns "$@"
	rc=$?
	if [ "$loaded" = 0 ]; then
		for _ in $(seq 50); do
			rmmod af_edu 2>/dev/null && break
			sleep 0.2
		done
	fi
	exit "$rc"
fi
shift
export LC_ALL=C
H=build/selftests/helpers
B=build/bin
ADDR=10.99.127.1
PIDS=()
T=$(mktemp -d /tmp/claims.XXXXXX)

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
}
trap 'stop_all; rm -rf "$T"' EXIT

FAR=claims-far-$$
ip link set lo up
ip netns add $FAR || exit 1
trap 'stop_all; ip netns del $FAR; rm -rf "$T"' EXIT
ip link add cl0 type veth peer name cl1 netns $FAR
ip addr add $ADDR/24 dev cl0
ip link set cl0 up
ip route add 10.99.128.0/17 via 10.99.127.2
ip -n $FAR addr add 10.99.127.2/24 dev cl1
ip -n $FAR link set cl1 up
echo 0 > /proc/sys/net/ipv4/tcp_syncookies
echo 0 > /proc/sys/net/edutcp/syncookies
# TIME_WAIT for 1 s, not 60, so that the module can be unloaded soon after.
echo 1 > /proc/sys/net/edutcp/tw_timeout

# --- helpers ----------------------------------------------------------------

fam_opt() { if [ "$1" = tcp ]; then echo -f inet; fi; }
proto() { if [ "$1" = tcp ]; then echo 6; else cat /sys/module/af_edu/parameters/ipproto 2>/dev/null || echo 253; fi; }
table() { if [ "$1" = tcp ]; then echo /proc/net/tcp; else echo /proc/net/edutcp; fi; }

# run CMD...: print it as typed, then run it.
run() {
	echo "\$ $*"
	"$@" 2>&1
}

# bgrun OUT CMD...: in the background, ended by stop_all.
bgrun() {
	local out=$1
	shift
	"$@" > "$out" 2>&1 &
	PIDS+=("$!")
}

# wait_line FILE ERE SECS
wait_line() {
	local end=$((SECONDS + $3))
	until grep -Eq "$2" "$1" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# listener FAM OUT ARGS...: edu_listener, waits until it listens.
listener() {
	local fam=$1 out=$2
	shift 2
	# shellcheck disable=SC2046
	bgrun "$out" $H/edu_listener $(fam_opt "$fam") "$@"
	LPID=${PIDS[-1]}
	echo "\$ edu_listener $(fam_opt "$fam" | sed 's/$/ /')$* &"
	wait_line "$out" '^(listening|error)' 10
	cat "$out"
}

# clients FAM OUT ARGS...: edu_connect, held open; waits for its summary.
clients() {
	local fam=$1 out=$2
	shift 2
	# shellcheck disable=SC2046
	bgrun "$out" $H/edu_connect $(fam_opt "$fam") "$@"
	echo "\$ edu_connect $(fam_opt "$fam" | sed 's/$/ /')$* &"
	wait_line "$out" '^(summary|error)' 15
	cat "$out"
}

# count FAM ST PORT: rows of the family's table in state ST (hex) whose
# local port is PORT.
count() {
	awk -v st="$2" -v p=":$(printf '%04X' "$3")" \
		'$4 == st && $2 ~ p "$" { n++ } END { print n + 0 }' "$(table "$1")"
}

# queues FAM PORT: what ss (TCP) or edustat (EDUTCP) says of the
# listener and its half-open requests; sets SYNQ (SYN-RECV rows) and
# ACCEPTQ (the listener's Recv-Q) from what it printed.
queues() {
	if [ "$1" = tcp ]; then
		run ss -tln "sport = :$2" > "$T/ql"
		run ss -tn state syn-recv "sport = :$2" > "$T/qs"
	else
		echo "\$ edustat -ln; edustat -an | grep SYN-RECV" > "$T/ql"
		$B/edustat -ln | grep -E "^State|:$2 " >> "$T/ql"
		$B/edustat -an | grep -E "^SYN-RECV.*:$2 " > "$T/qs"
	fi
	cat "$T/ql" "$T/qs"
	# The request rows: TCP's have no state column (ss prints none
	# with a state filter), EDUTCP's start with SYN-RECV.
	SYNQ=$(grep -c ":$2 " "$T/qs")
	ACCEPTQ=$(awk '$1 == "LISTEN" { print $2; exit }' "$T/ql")
}

# count_peer FAM ST PORT: rows in state ST whose remote port is PORT.
count_peer() {
	awk -v st="$2" -v p=":$(printf '%04X' "$3")" \
		'$4 == st && $3 ~ p "$" { n++ } END { print n + 0 }' "$(table "$1")"
}

# snmp FILE PREFIX NAME: a counter of the two-line /proc/net/snmp form.
snmp() {
	awk -v p="$2:" -v n="$3" '$1 == p && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == p && h { for (i in c) if (c[i] == n) print $i; exit }' "$1"
}

# counter FAM NAME: EduTcp NAME, or TCP's (TcpExt, else Tcp).
counter() {
	local v
	if [ "$1" = edu ]; then
		snmp /proc/net/edutcp_stats EduTcp "$2"
		return
	fi
	v=$(snmp /proc/net/netstat TcpExt "$2")
	[ -n "$v" ] || v=$(snmp /proc/net/snmp Tcp "$2")
	echo "$v"
}

# listen_cols FAM PORT: "Recv-Q Send-Q" of the listener, as ss -ltn
# (TCP) or edustat -ln (EDUTCP) prints them.
listen_cols() {
	if [ "$1" = tcp ]; then
		ss -tlnH "sport = :$2" | awk '{ print $2, $3; exit }'
	else
		$B/edustat -ln | awk -v p=":$2" '$4 ~ p "$" { print $2, $3; exit }'
	fi
}

# flood FAM PORT N NET: N SYNs from unique addresses NET.1, NET.2...;
# returns when each has made a request or been dropped (ListenDrops).
flood() {
	local d0 end
	d0=$(counter "$1" ListenDrops)
	echo "\$ (in far) edusynflood -P $(proto "$1") -n $3 -u -s $4.1-$4.250 $ADDR:$2"
	nsenter --net=/run/netns/"$FAR" $B/edusynflood -P "$(proto "$1")" -n "$3" -u -s "$4.1-$4.250" "$ADDR:$2" 2>&1
	end=$((SECONDS + 10))
	until [ $(($(count "$1" 03 "$2") + $(counter "$1" ListenDrops) - d0)) -ge "$3" ]; do
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
}

# --- the claims --------------------------------------------------------------

# 1: "the backlog caps incomplete + complete connections together"
claim1() {
	local fam=$1 p=9101
	listener "$fam" "$T/l1$fam" -b 1 $ADDR $p
	clients "$fam" "$T/c1$fam" -w 3000 -H 60 $ADDR $p
	flood "$fam" $p 10 10.99.130
	queues "$fam" $p
	echo "key 1 $fam backlog=1 synq=$SYNQ acceptq=$ACCEPTQ"
	stop_all
}

# 2: "tcp_max_syn_backlog is the SYN queue's length"
claim2() {
	local fam=$1 p=9201 knob old
	knob=/proc/sys/net/ipv4/tcp_max_syn_backlog
	[ "$fam" = tcp ] || knob=/proc/sys/net/edutcp/max_syn_backlog
	run cat $knob
	old=$(cat $knob)
	listener "$fam" "$T/l2$fam" -b 4 $ADDR $p
	flood "$fam" $p 20 10.99.131
	queues "$fam" $p
	local a=$SYNQ
	stop_all
	echo "\$ echo 8 > $knob"
	echo 8 > $knob
	listener "$fam" "$T/l2b$fam" -b 100 $ADDR $((p + 1))
	flood "$fam" $((p + 1)) 20 10.99.132
	queues "$fam" $((p + 1))
	echo "key 2 $fam backlog4_synq=$a max8_backlog100_synq=$SYNQ"
	stop_all
	echo "$old" > $knob
}

# 3: "somaxconn is the accept queue's length"
claim3() {
	local fam=$1 p=9301 a old
	old=$(cat /proc/sys/net/core/somaxconn)
	run sysctl -w net.core.somaxconn=4
	listener "$fam" "$T/l3$fam" -b 2 $ADDR $p
	clients "$fam" "$T/c3$fam" -n 6 -w 800 -H 60 $ADDR $p | grep -v '^conn'
	queues "$fam" $p
	a=$ACCEPTQ
	listener "$fam" "$T/l3b$fam" -b 100 $ADDR $((p + 1))
	clients "$fam" "$T/c3b$fam" -n 6 -w 800 -H 60 $ADDR $((p + 1)) | grep -v '^conn'
	queues "$fam" $((p + 1))
	echo "key 3 $fam backlog2_acceptq=$a backlog100_acceptq=$ACCEPTQ"
	stop_all
	sysctl -qw net.core.somaxconn="$old"
}

# quiet FAM: no socket of FAM here still sends on its own (SYN_SENT,
# SYN_RECV, FIN_WAIT1, CLOSING, LAST_ACK).  An earlier claim's orphan
# retransmitting its FIN to a listener that is gone is answered with a
# RST, which would count in the next claim's OutRsts.
quiet() {
	awk '$4 ~ /^(02|03|04|09|0B)$/ { n++ } END { exit n > 0 }' "$(table "$1")"
}

# 4: "when the queue is full new connections are refused / get RST"
claim4() {
	local fam=$1 p=9401 o0 r0 o r end=$((SECONDS + 20))
	until quiet "$fam" || [ "$SECONDS" -ge "$end" ]; do
		sleep 0.1
	done
	listener "$fam" "$T/l4$fam" -b 0 $ADDR $p
	clients "$fam" "$T/c4$fam" -w 2000 -H 60 $ADDR $p
	o0=$(counter "$fam" ListenOverflows)
	r0=$(counter "$fam" OutRsts)
	# shellcheck disable=SC2046
	run $H/edu_connect $(fam_opt "$fam") -w 1200 -H 60 $ADDR $p > "$T/c4b$fam" &
	PIDS+=("$!")
	wait_line "$T/c4b$fam" '^summary' 15
	cat "$T/c4b$fam"
	if [ "$fam" = tcp ]; then
		run ss -tn state syn-sent "dport = :$p"
	else
		echo "\$ edustat -n | grep SYN-SENT"
		$B/edustat -n | grep -E "^State|SYN-SENT"
	fi
	o=$(($(counter "$fam" ListenOverflows) - o0))
	r=$(($(counter "$fam" OutRsts) - r0))
	echo "ListenOverflows +$o, OutRsts +$r"
	echo "key 4 $fam $(grep -o 'connected=[0-9]* pending=[0-9]* failed=[0-9]*' "$T/c4b$fam") syn_sent=$(count_peer "$fam" 02 $p) overflows=$o rsts=$r"
	stop_all
}

# 5: "Send-Q of a listener is not relevant"
claim5() {
	local fam=$1 p=9501 q
	listener "$fam" "$T/l5$fam" -b 7 $ADDR $p
	clients "$fam" "$T/c5$fam" -n 2 -w 1500 -H 60 $ADDR $p
	if [ "$fam" = tcp ]; then
		run ss -tln "sport = :$p"
	else
		echo "\$ edustat -ln"
		$B/edustat -ln | grep -E "^State|:$p "
	fi
	read -r -a q <<< "$(listen_cols "$fam" $p)"
	echo "key 5 $fam backlog=7 recvq=${q[0]:-} sendq=${q[1]:-}"
	stop_all
}

# 6: "a new connection moves from the SYN queue to the accept queue after
# accept()"
claim6() {
	local fam=$1 p=9601
	listener "$fam" "$T/l6$fam" -b 4 $ADDR $p
	clients "$fam" "$T/c6$fam" -w 1500 -H 60 $ADDR $p
	queues "$fam" $p
	echo "(edu_listener's output so far:)"
	cat "$T/l6$fam"
	echo "key 6 $fam connected=$(grep -c ': connected' "$T/c6$fam") accepted=$(grep -c '^accepted' "$T/l6$fam") synq=$SYNQ acceptq=$ACCEPTQ"
	stop_all
}

# 7: "fs.nr_open gives EMFILE"
claim7() {
	local fam=$1 p=9701 nr
	run sysctl fs.nr_open
	nr=$(cat /proc/sys/fs/nr_open)
	echo "\$ (ulimit -n 16; edu_connect $(fam_opt "$fam" | sed 's/$/ /')-n 20 -w 1500 $ADDR $p)"
	# shellcheck disable=SC2046
	(ulimit -n 16; $H/edu_connect $(fam_opt "$fam") -n 20 -w 1500 $ADDR $p) > "$T/c7$fam" 2>&1
	grep -v '^conn' "$T/c7$fam"
	echo "\$ ulimit -n $((nr + 1))"
	(ulimit -n $((nr + 1))) 2>&1 | sed 's/^.*ulimit: //'
	echo "key 7 $fam nr_open=$nr ulimit16=$(grep -o 'E[A-Z]*' "$T/c7$fam" | head -n 1) above_nr_open=$( (ulimit -n $((nr + 1))) 2>/dev/null && echo ok || echo refused)"
}

# 8: "the kernel load-balances accept() among forked children"
# 10: "SO_REUSEPORT is needed to run several workers on one port"
# (one program shows both: docs/labs/workers.py)
workers() {
	local fam=$1 p=$2
	echo "\$ $([ "$fam" = edu ] && echo 'edu-run ')python3 docs/labs/workers.py $p 3 6"
	if [ "$fam" = edu ]; then
		$B/edu-run -q python3 docs/labs/workers.py $p 3 6
	else
		python3 docs/labs/workers.py $p 3 6
	fi > "$T/w$fam$p" 2>&1
	cat "$T/w$fam$p"
}

claim8() {
	local fam=$1
	workers "$fam" 9801
	echo "key 8 $fam served=$(awk '/^served/ { print NF - 1 }' "$T/w${fam}9801") workers_used=$(awk '/^workers used/ { print $3 }' "$T/w${fam}9801")"
}

# 9: "all connections use the same local port, so the server has one socket"
claim9() {
	local fam=$1 p=9901
	listener "$fam" "$T/l9$fam" -a -b 8 $ADDR $p
	clients "$fam" "$T/c9$fam" -n 3 -w 1500 -H 60 $ADDR $p
	wait_line "$T/l9$fam" '^accepted 3' 5
	if [ "$fam" = tcp ]; then
		run ss -tan "sport = :$p"
	else
		echo "\$ edustat -an | grep :$p"
		$B/edustat -an | grep -E "^State|$ADDR:$p "
	fi
	echo "\$ find /proc/$LPID/fd -lname 'socket:*' | wc -l"
	find /proc/"$LPID"/fd -lname 'socket:*' | wc -l
	echo "key 9 $fam listen=$(count "$fam" 0A $p) estab=$(count "$fam" 01 $p) server_fds=$(find /proc/"$LPID"/fd -lname 'socket:*' | wc -l)"
	stop_all
}

claim10() {
	local fam=$1
	if [ -e "$T/w${fam}9801" ]; then
		echo "(the run of claim 8)"
		cat "$T/w${fam}9801"
	else
		workers "$fam" 9801
	fi
	echo "key 10 $fam $(sed -n 's/^listener: SO_REUSEPORT=/reuseport=/p' "$T/w${fam}9801") workers_used=$(awk '/^workers used/ { print $3 }' "$T/w${fam}9801") second_bind=$(sed -n 's/^second bind: //p' "$T/w${fam}9801") pair=$(sed -n 's/^reuseport pair: //p' "$T/w${fam}9801")"
}

# ---------------------------------------------------------------------------

[ $# -gt 0 ] || set -- 1 2 3 4 5 6 7 8 9 10
for n in "$@"; do
	for fam in tcp edu; do
		echo "## claim $n $fam"
		"claim$n" "$fam"
		echo
	done
done
