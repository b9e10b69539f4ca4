#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_stress.sh - many connections at once, and things going away
# under them: no splat, no hang, no leak.
#
# The module counts its live sockets and SYN-queue requests
# (/sys/kernel/debug/edutcp/{sockets,requests}); every part ends with both
# back to what they were before the test, which is how a leaked reference
# or a request nobody frees shows up without a debug kernel.  scripts/vm
# fails the run on any splat; run.sh's final rmmod, which waits for every
# socket, catches what this misses.
#  (a) 2400 connect/accept/close cycles on loopback from 2 processes x 4
#      threads (helpers/stress), every one of them successful, and every
#      connection a client waited on accepted; the same program on
#      AF_INET/TCP, smaller, shows the test itself is sound;
#  (b) the same load while the listener is closed and opened again every
#      40 ms (shutdown()+close() or a bare close() with acceptors still
#      holding it): only ECONNREFUSED/ECONNRESET, and the run finishes;
#  (c) a network namespace full of live EDUTCP sockets in every state
#      (stress in both modes, a listener whose accept queue is full, clients
#      stuck in SYN_SENT) is deleted with "ip netns del", its processes
#      killed: the socket count drains back to the baseline;
#  (d) at the end, both counts are at the baseline and /proc/net/edutcp
#      has no row more than at the start (in a full run, only its header:
#      what earlier tests left in TIME_WAIT has ended by then);
#  (e) SYN-queue churn, with syncookies on and off: with 100 ms of netem
#      delay on lo, so that a burst of SYNs lands before any final ACK,
#      128 concurrent nonblocking connects hit a listener with backlog 4
#      that does not accept and already holds 3 connections.  Five SYNs
#      enter the SYN queue, two of their final ACKs fill the accept queue
#      and the other requests stay in the SYN queue, acked; closing the
#      listener frees them (requests back to the baseline).
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

STRESS=$HELPERS/stress
LO=127.0.0.1
# Every bound below is for the stock kernel under TCG; on the debug
# kernel the waits stretch by T_SLOW (lib.sh) and the loads shrink by it,
# so that the test still ends within run.sh's time limit.
SLOW=$T_SLOW
CYCLES=$((300 / (SLOW > 1 ? 4 : 1)))

# at_baseline: both live-object counts are back where they started, or
# below: sockets that earlier tests left in TIME_WAIT may end meanwhile.
at_baseline() {
	[ "$(count_of sockets)" -le "$BASE_SOCKS" ] &&
	[ "$(count_of requests)" -le "$BASE_REQS" ]
}

# drained SECS: waits for at_baseline, and says what is left if it is not.
drained() {
	wait_until $(($1 * SLOW)) at_baseline && return 0
	echo "sockets $(count_of sockets) (baseline $BASE_SOCKS)," \
	     "requests $(count_of requests) (baseline $BASE_REQS)"
	tail -n +2 /proc/net/edutcp | head -n 20
	return 1
}

# run_stress OUT ARGS...: helpers/stress in this namespace, its summary
# kept in OUT for the checks that follow and shown in the TAP output.
run_stress() {
	local out=$1 rc
	shift
	"$STRESS" -T $((5000 * SLOW)) -D $((120 * SLOW)) "$@" > "$out" 2>&1 &&
		rc=0 || rc=$?
	cat "$out"
	return "$rc"
}

# accepted_sane OUT TOTAL: every cycle that waited for the server's close
# was accepted, and no more connections than cycles.  (A cycle that closes
# at once may lose its connection before the accept: its RST, sent from
# another CPU, can overtake its own final ACK on loopback and free the
# request first, on TCP as on EDUTCP.)
accepted_sane() {
	local acc waited
	acc=$(sed -n 's/^stress: accepted \([0-9]*\),.*/\1/p' "$1")
	waited=$(sed -n 's/^stress: cycles .* ok (\([0-9]*\) saw the server close.*/\1/p' "$1")
	echo "accepted ${acc:-?} of $2 connections; $waited cycles saw the server close"
	[ -n "$acc" ] && [ -n "$waited" ] &&
	[ "$acc" -ge "$waited" ] && [ "$acc" -le "$2" ]
}

listeners_opened() { sed -n 's/^stress: accepted [0-9]*, listeners opened \([0-9]*\)$/\1/p' "$1"; }

# new_ns NAME: a namespace with lo up, cleaned up by net_lib.sh's trap
# (which deletes $NS_S and $NS_C and kills every bg process).
new_ns() {
	ip netns add "$1" && ip -n "$1" link set lo up
}

# listener NS OUT ARGS...: edu_listener in NS, in the background (its pid
# in LISTENER_PID); waits until it listens.  (net_lib.sh's start_listener
# has a fixed 10 s bound.)  Call it from the test's own shell.
listener() {
	local ns=$1 out=$2
	shift 2
	bg "$out" "$ns" "$HELPERS/edu_listener" -t $((60 * SLOW)) "$@"
	LISTENER_PID=$BG_LAST
	wait_line "$out" '^(listening|error)' $((10 * SLOW))
	has_line "$out" '^listening'
}

# Part (a): the plain load.
part_basic() {
	local n=$((2 * 4 * CYCLES))
	t_check "(a) $n connect/accept/close cycles, 2 processes x 4 threads: all succeed" \
		run_stress "$T_TMP/basic" -P 2 -t 4 -c "$CYCLES" -p 9100
	t_check "(a) ... and the server accepted them" \
		accepted_sane "$T_TMP/basic" "$n"
	t_check "(a) ... and nothing is left behind" drained 10
	t_check "(a) the same program passes on AF_INET/TCP (the oracle)" \
		run_stress "$T_TMP/inet" -f inet -P 2 -t 4 -c 40 -p 9100
}

# Part (b): the listener goes away under load, again and again.
part_churn() {
	local n
	t_check "(b) listener closed and reopened every 40 ms under load: only expected errors" \
		run_stress "$T_TMP/churn" -m churn -r 40 -P 2 -t 4 -c "$CYCLES" -p 9101
	n=$(listeners_opened "$T_TMP/churn")
	t_check "(b) ... the listener really churned (opened $n times)" \
		expect_ge "${n:-0}" 5
	t_check "(b) ... and nothing is left behind" drained 10
}

# Part (c): a namespace deleted while its sockets are busy.
ns_rows() { tail -n +2 "/proc/$1/net/edutcp" 2>/dev/null; }

ns_busy() {
	local pid=$1 st rows
	rows=$(ns_rows "$pid")
	for st in 0A 01 02; do
		echo "$rows" | awk -v st="$st" '$4 == st { n++ } END { exit !n }' ||
			{ echo "no row in state $st yet"; return 1; }
	done
	echo "$(echo "$rows" | grep -c .) rows; states:" \
	     "$(echo "$rows" | awk '{ print $4 }' | sort | uniq -c | tr -s ' \n' ' ')"
}

alive() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null || { echo "pid $p is gone"; return 1; }
	done
}

part_netns() {
	local ns=edustress_$$ pids=() t=$T_TMP/ns failed0 f p
	mkdir -p "$t"
	NS_S=$ns
	t_check "(c) a namespace with lo up" new_ns "$ns"
	# Both stress modes until killed, and a listener with backlog 1 that
	# never accepts, whose accept queue is full: of 6 clients, 2 get in and
	# the others stay in SYN_SENT with their retransmit timer running.
	# The load is niced and smaller than (a)'s: under TCG, 2 vCPUs busy
	# with it would starve this shell, whose every fork then takes seconds.
	bg "$t/basic" "$ns" nice -n 19 "$STRESS" -P 1 -t 3 -A 1 -c 0 \
		-D $((40 * SLOW)) -T $((2000 * SLOW)) -p 9200
	pids+=("$BG_LAST")
	bg "$t/churn" "$ns" nice -n 19 "$STRESS" -m churn -P 1 -t 3 -A 1 -c 0 \
		-D $((40 * SLOW)) -T $((2000 * SLOW)) -p 9201
	pids+=("$BG_LAST")
	listener "$ns" "$t/lis" -b 1 "$LO" 9202
	pids+=("$LISTENER_PID")
	bg "$t/conn" "$ns" "$HELPERS/edu_connect" -n 6 -w 500 -H $((60 * SLOW)) "$LO" 9202
	pids+=("$BG_LAST")
	t_check "(c) sockets in every state inside it (listening, established, SYN_SENT)" \
		wait_until $((10 * SLOW)) ns_busy "${pids[0]}"
	ns_busy "${pids[0]}" | sed 's/^/# /'
	echo "# live sockets: $(count_of sockets), requests: $(count_of requests)"

	t_check "(c) ip netns del while they run" ip netns del "$ns"
	NS_S=
	failed0=$t_failed
	t_check "(c) ... the processes live on (they hold the namespace)" \
		alive "${pids[@]}"
	if [ "$t_failed" != "$failed0" ]; then
		for f in "$t"/*; do
			sed "s|^|# ${f##*/}: |" "$f"
		done
	fi
	sleep 1
	kill -KILL "${pids[@]}" 2>/dev/null
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	t_check "(c) once they are killed, the socket count drains to the baseline" \
		drained 10
}

# Part (e): the SYN queue churns, then its listener goes away.
synq_rows() { tail -n +2 "/proc/$1/net/edutcp" | awk '$4 == "03"' | grep -c .; }

synq_held() {
	[ "$(count_of requests)" -gt "$BASE_REQS" ] &&
	[ "$(synq_rows "$1")" -ge 1 ]
}

synq_round() {
	local ns=$1 cookies=$2 port=$3 t=$T_TMP/synq$2 pids=() i
	mkdir -p "$t"
	nsx "$ns" sh -c "echo $cookies > /proc/sys/net/edutcp/syncookies"
	# Not inside t_check, a subshell: LISTENER_PID must reach this shell.
	listener "$ns" "$t/lis" -b 4 "$LO" "$port"
	pids+=("$LISTENER_PID")
	t_check "(e) syncookies=$cookies: listener with backlog 4, not accepting" \
		has_line "$t/lis" '^listening'
	# Three connections wait in the accept queue first: the burst's
	# requests then have room to enter the SYN queue, but only two of
	# their final ACKs find room in the accept queue (5 = backlog + 1).
	bg "$t/first" "$ns" "$HELPERS/edu_connect" -n 3 -w $((3000 * SLOW)) \
		-H $((60 * SLOW)) "$LO" "$port"
	pids+=("$BG_LAST")
	wait_line "$t/first" '^summary' $((5 * SLOW))
	# One process, so that the 128 SYNs leave together even where
	# starting a process in a namespace takes seconds (the debug kernel).
	bg "$t/burst" "$ns" "$HELPERS/edu_connect" -n 128 -w 1000 \
		-H $((60 * SLOW)) "$LO" "$port"
	pids+=("$BG_LAST")
	t_check "(e) syncookies=$cookies: 128 concurrent connects leave requests in the SYN queue" \
		wait_until $((5 * SLOW)) synq_held "$LISTENER_PID"
	tail -n +2 "/proc/$LISTENER_PID/net/edutcp" | awk '$4 == "0A"' | sed 's/^/# listener: /'
	echo "# requests: $(count_of requests) (baseline $BASE_REQS), SYN_RECV rows: $(synq_rows "$LISTENER_PID")"

	kill -TERM "$LISTENER_PID"
	wait "$LISTENER_PID" 2>/dev/null
	t_check "(e) syncookies=$cookies: the listener closes: requests back to the baseline" \
		wait_until $((3 * SLOW)) eval '[ "$(count_of requests)" = "$BASE_REQS" ]'
	kill -KILL "${pids[@]}" 2>/dev/null
	for i in "${pids[@]}"; do
		wait "$i" 2>/dev/null
	done
	t_check "(e) syncookies=$cookies: the clients killed: nothing left" drained 10
}

part_synq() {
	local ns=edusynq_$$
	NS_S=$ns
	t_check "(e) a namespace with 100 ms of netem delay on lo" \
		eval 'new_ns "$ns" &&
		      tc -n "$ns" qdisc add dev lo root netem delay 100ms'
	synq_round "$ns" 1 9300
	synq_round "$ns" 0 9301
	ip netns del "$ns"
	NS_S=
}

if [ ! -r "$DBG/sockets" ]; then
	t_skip "stress" "no $DBG (debugfs not mounted?)"
	t_done
fi
BASE_SOCKS=$(count_of sockets)
BASE_REQS=$(count_of requests)
BASE_ROWS=$(grep -c . /proc/net/edutcp)
echo "# baseline: sockets $BASE_SOCKS, requests $BASE_REQS, /proc rows $BASE_ROWS; slowness factor $SLOW"

# T_STRESS_PARTS="c e" runs some parts only, when debugging.
for part in ${T_STRESS_PARTS:-a b c e}; do
	start=$SECONDS
	case $part in
	a) part_basic ;;
	b) part_churn ;;
	c) part_netns ;;
	e) part_synq ;;
	esac
	echo "# part ($part) took $((SECONDS - start)) s"
done

t_check "(d) sockets and requests at the baseline ($BASE_SOCKS, $BASE_REQS)" drained 5
t_check "(d) /proc/net/edutcp has no more rows than at the start ($BASE_ROWS)" \
	expect_le "$(grep -c . /proc/net/edutcp)" "$BASE_ROWS"
echo "# stress test took ${SECONDS} s"
t_done
