#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_trace.sh - the edutcp:* tracepoints tell what happened.
#
# With every edutcp event enabled, a listener with backlog 0 (one
# connection may wait) takes two clients it does not accept.  The trace
# must show, in order: the listener entering LISTEN; the first client's
# SYN sent and received, its request added to the SYN queue, the SYN-ACK,
# the client ESTABLISHED, the final ACK, the request leaving the SYN queue
# and the child joining the accept queue; then the second client's SYN
# refused because the accept queue is full, and its SYN retransmitted.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

T=/sys/kernel/tracing
H=build/selftests/helpers
PORT=10700
tdir=$(mktemp -d)
lpid=

cleanup() {
	echo 0 > $T/events/edutcp/enable 2>/dev/null
	echo > $T/trace 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	rm -rf "$tdir"
}
trap cleanup EXIT

events_exist() {
	local e
	for e in edutcp_state edutcp_synq edutcp_acceptq edutcp_segment \
		 edutcp_retransmit; do
		[ -d "$T/events/edutcp/$e" ] || { echo "no event $e"; return 1; }
	done
}

# Run the scenario with tracing on; the trace is left in $tdir/trace.
run_scenario() {
	echo > $T/trace
	echo 1 > $T/events/edutcp/enable || return 1
	"$H/edu_listener" -b 0 -t 20 127.0.0.1 $PORT > "$tdir/l" &
	lpid=$!
	for _ in $(seq 50); do
		grep -q listening "$tdir/l" && break
		sleep 0.1
	done
	"$H/edu_connect" -n 1 -w 2000 127.0.0.1 $PORT > "$tdir/c1" || return 1
	# The second one's SYN is dropped; wait for its first retransmission.
	"$H/edu_connect" -n 1 -w 1500 127.0.0.1 $PORT > "$tdir/c2"
	echo 0 > $T/events/edutcp/enable
	cat $T/trace > "$tdir/trace"
	kill "$lpid"
	wait "$lpid" 2>/dev/null
	lpid=
	grep -q 'summary connected=1' "$tdir/c1" || { cat "$tdir/c1"; return 1; }
	grep -q 'summary connected=0 pending=1' "$tdir/c2" || { cat "$tdir/c2"; return 1; }
}

# The events, one per line, in the order given, must appear in that order.
in_order() {
	local pattern line=0 n
	for pattern in "$@"; do
		n=$(tail -n +$((line + 1)) "$tdir/trace" | grep -n -m 1 -E "$pattern" | cut -d: -f1)
		if [ -z "$n" ]; then
			echo "not found after line $line: $pattern"
			return 1
		fi
		line=$((line + n))
	done
}

port=$PORT
first_client() {
	local cport
	cport=$(sed -n 's/^conn 0 port \([0-9]*\):.*/\1/p' "$tdir/c1")
	in_order \
		"edutcp_state: .* 127.0.0.1:$port -> 0.0.0.0:0 CLOSE -> LISTEN" \
		"edutcp_state: .* 127.0.0.1:$cport -> 127.0.0.1:$port CLOSE -> SYN_SENT" \
		"edutcp_segment: send 127.0.0.1:$cport > 127.0.0.1:$port \[SYN\]" \
		"edutcp_segment: recv 127.0.0.1:$cport > 127.0.0.1:$port \[SYN\]" \
		"edutcp_synq: .* peer 127.0.0.1:$cport add len=1 backlog=0" \
		"edutcp_segment: send 127.0.0.1:$port > 127.0.0.1:$cport \[SYN\|ACK\]" \
		"edutcp_state: .* 127.0.0.1:$cport -> 127.0.0.1:$port SYN_SENT -> ESTABLISHED" \
		"edutcp_segment: send 127.0.0.1:$cport > 127.0.0.1:$port \[ACK\]" \
		"edutcp_state: .* 127.0.0.1:$port -> 127.0.0.1:$cport CLOSE -> ESTABLISHED" \
		"edutcp_synq: .* peer 127.0.0.1:$cport remove len=0 backlog=0" \
		"edutcp_acceptq: .* peer 127.0.0.1:$cport add len=1 backlog=0"
}

second_client() {
	local cport
	cport=$(sed -n 's/^conn 0 port \([0-9]*\):.*/\1/p' "$tdir/c2")
	in_order \
		"edutcp_segment: recv 127.0.0.1:$cport > 127.0.0.1:$port \[SYN\]" \
		"edutcp_acceptq: .* peer 127.0.0.1:$cport drop len=1 backlog=0" \
		"edutcp_retransmit: SYN 127.0.0.1:$cport > 127.0.0.1:$port retransmission 1" \
		"edutcp_acceptq: .* peer 127.0.0.1:$cport drop len=1 backlog=0"
}

no_request_for_second() {
	local cport
	cport=$(sed -n 's/^conn 0 port \([0-9]*\):.*/\1/p' "$tdir/c2")
	! grep -E "edutcp_synq: .* peer 127.0.0.1:$cport add" "$tdir/trace"
}

t_check "the five edutcp events exist" events_exist
t_check "the scenario runs: one connects, one waits" run_scenario
t_check "first client: LISTEN, SYN, SYN queue, SYN-ACK, ESTABLISHED, ACK, accept queue" first_client
t_check "second client: accept queue full, SYN dropped, SYN retransmitted" second_client
t_check "second client never entered the SYN queue" no_request_for_second
t_done
