#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_states.sh - the states both ends of a connection walk through
# when it closes, on TCP and EDUTCP, read from the kernel's tracepoints:
# sock:inet_sock_set_state for TCP (the oracle), edutcp:edutcp_state for
# EDUTCP.  Between two namespaces whose link delays every packet 300 ms:
#  * active and passive close: the client closes at once, the server 2 s
#    later:   client ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT
#             server ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE
#  * simultaneous close: both close at the same moment, so the two FINs
#    cross on the wire:  both ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT
# and /proc shows the TIME_WAIT rows that remain (state 06, timer 3).
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

T=/sys/kernel/tracing
CLOSER=$HELPERS/edu_closer
DELAY_MS=300

trace_on() {
	echo > $T/trace
	if [ "$1" = tcp ]; then
		echo 1 > $T/events/sock/inet_sock_set_state/enable
	else
		echo 1 > $T/events/edutcp/edutcp_state/enable
	fi
}

trace_off() {
	echo 0 > $T/events/sock/inet_sock_set_state/enable 2>/dev/null
	echo 0 > $T/events/edutcp/edutcp_state/enable 2>/dev/null
}

# states FILE FAM SIDE PORT: the states one end went through from
# ESTABLISHED on, as "ESTABLISHED B C": SIDE "server" is the end whose
# local port is PORT, "client" the end whose remote port is PORT.  TCP's
# names lose their TCP_ prefix.  TCP hands a connection that enters
# TIME_WAIT to a mini-socket (tcp_time_wait()): its trace then shows the
# full socket going from FIN_WAIT2 or CLOSING to CLOSE, which is written
# here as the TIME_WAIT it is (the /proc checks see the mini-socket's row).
states() {
	local file=$1 fam=$2 side=$3 port=$4 line old new lp rp seq=
	while IFS= read -r line; do
		if [ "$fam" = tcp ]; then
			[[ $line =~ protocol=IPPROTO_TCP\ sport=([0-9]+)\ dport=([0-9]+).*oldstate=TCP_([A-Z0-9_]+)\ newstate=TCP_([A-Z0-9_]+) ]] || continue
		else
			[[ $line =~ edutcp_state:.*:([0-9]+)\ -\>\ [0-9.]+:([0-9]+)\ ([A-Z0-9_]+)\ -\>\ ([A-Z0-9_]+) ]] || continue
		fi
		lp=${BASH_REMATCH[1]} rp=${BASH_REMATCH[2]}
		old=${BASH_REMATCH[3]} new=${BASH_REMATCH[4]}
		if [ "$side" = server ]; then
			[ "$lp" = "$port" ] || continue
		else
			[ "$rp" = "$port" ] || continue
		fi
		# The listener shares the server's port: not this connection.
		[ "$old" = LISTEN ] || [ "$new" = LISTEN ] && continue
		if [ -z "$seq" ]; then
			[ "$new" = ESTABLISHED ] && seq=$new
			continue
		fi
		if [ "$fam" = tcp ] && [ "$new" = CLOSE ] &&
		   { [ "$old" = FIN_WAIT2 ] || [ "$old" = CLOSING ]; }; then
			new=TIME_WAIT
		fi
		seq="$seq $new"
	done < "$file"
	echo "$seq"
}

# run_close FAM PORT SERVER_DELAY CLIENT_DELAY: one connection, each end
# closing that many ms after it is established; the trace in $t/trace.PORT.
run_close() {
	local fam=$1 port=$2 sd=$3 cd=$4 t=$T_TMP/$1
	trace_on "$fam"
	# shellcheck disable=SC2046
	bg "$t/srv.$port" "$NS_S" "$CLOSER" $(fam_opt "$fam") -l -d "$sd" "$SRV" "$port"
	wait_line "$t/srv.$port" '^listening' $((10 * T_SLOW)) || return 1
	# shellcheck disable=SC2046
	bg "$t/cli.$port" "$NS_C" "$CLOSER" $(fam_opt "$fam") -d "$cd" "$SRV" "$port"
	# Both closed; then the FINs and ACKs need a few one-way delays.
	wait_line "$t/srv.$port" '^closed' $((10 * T_SLOW)) &&
		wait_line "$t/cli.$port" '^closed' $((10 * T_SLOW)) || return 1
	sleep $((2 * T_SLOW))
	trace_off
	cat $T/trace > "$t/trace.$port"
}

expect_states() {
	local got
	got=$(states "$1" "$2" "$3" "$4")
	expect_eq "$got" "$5"
}

states_body() {
	local fam=$1 t=$T_TMP/$1 tw
	mkdir -p "$t"
	topo_up "st$fam"
	t_check "$fam: topology up, netem delay ${DELAY_MS}ms both ways" eval \
		'topo_ok && tc -n "$NS_S" qdisc add dev veth-s root netem delay ${DELAY_MS}ms &&
		 tc -n "$NS_C" qdisc add dev veth-c root netem delay ${DELAY_MS}ms'

	t_check "$fam: the client closes, the server 2 s later" \
		run_close "$fam" 7501 2000 0
	t_check "$fam: active close: ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT" \
		expect_states "$t/trace.7501" "$fam" client 7501 \
		"ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT"
	t_check "$fam: passive close: ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE" \
		expect_states "$t/trace.7501" "$fam" server 7501 \
		"ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
	tw=$(rows_where "$NS_C" "$fam" 06 - 7501)
	t_check "$fam: the active closer's TIME_WAIT row: timer 3, uid 0, inode 0" \
		eval 'echo "$tw"; set -- $tw; [ "${6%%:*}" = 03 ] && [ "$8" = 0 ] && [ "${10}" = 0 ]'

	# The server's accept() returns one one-way delay after the client's
	# connect(): closing 300 ms sooner makes both close at once.
	t_check "$fam: both ends close at the same moment" \
		run_close "$fam" 7502 $((1000 - DELAY_MS)) 1000
	t_check "$fam: simultaneous close, client: ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT" \
		expect_states "$t/trace.7502" "$fam" client 7502 \
		"ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT"
	t_check "$fam: simultaneous close, server: ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT" \
		expect_states "$t/trace.7502" "$fam" server 7502 \
		"ESTABLISHED FIN_WAIT1 CLOSING TIME_WAIT"
	t_check "$fam: both ends are in TIME_WAIT in /proc" eval \
		'[ "$(count_rows "$NS_S" "$fam" 06 7502 -)" = 1 ] &&
		 [ "$(count_rows "$NS_C" "$fam" 06 - 7502)" = 1 ]'
	topo_down
}

trap 'trace_off; net_cleanup' EXIT
if [ ! -d $T/events/sock/inet_sock_set_state ] || [ ! -d $T/events/edutcp ]; then
	t_skip "teardown states" "no tracepoints under $T"
	t_done
fi
for fam in $FAMILIES; do
	states_body "$fam"
done
t_done
