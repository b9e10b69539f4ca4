#!/bin/bash
# docs/labs/overflow.sh - accept-queue overflow: the final ACK ignored, the SYN-ACK again, abort_on_overflow
#
# 1. A listener with backlog 1 holding one connection it does not accept;
#    two more clients at once, every segment delayed 300 ms (netem on lo)
#    so both are in the SYN queue before either final ACK arrives.  The
#    first ACK fills the accept queue (backlog + 1 = 2); the second
#    overflows: that client's row says ESTABLISHED, the server's SYN_RECV,
#    and the server retransmits the SYN-ACK (tcpdump, with the times).
#    After one accept() the next retransmission completes it.
#    EDUTCP's run is traced and drawn by edutrace.
# 2. The same with abort_on_overflow=1: the overflowing final ACK is
#    answered with a RST, and the client's first read says ECONNRESET.
#
# It runs in a network namespace of its own, so nothing it changes or
# leaves outlives it.  Files: $LAB_OUT/{tcp,edu}.pcap, $LAB_OUT/edu.trace,
# $LAB_OUT/overflow.{svg,mmd}.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need tc tcpdump edutrace

ADDR=127.0.0.1
PORT=8200
DELAY_MS=300
TR=/sys/kernel/tracing
trap 'stop_all; [ -e $TR/events/edutcp/enable ] && echo 0 > $TR/events/edutcp/enable; rm -rf "$W"' EXIT
sysctl -qw net.ipv4.tcp_syncookies=0 net.edutcp.syncookies=0
sysctl -qw net.edutcp.tw_timeout=1
[ -d $TR/events ] || mount -t tracefs tracefs $TR

proto() { if [ "$1" = tcp ]; then echo tcp; else echo "ip proto $(cat /sys/module/af_edu/parameters/ipproto 2> /dev/null || echo 253)"; fi; }

# rows FAM ST LPORT RPORT: the rows in state ST (hex) from local port
# LPORT to remote port RPORT (- for any), as "local remote retrnsmt".
rows() {
	local file=/proc/net/tcp l r
	local -a f
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v l ':%04X' "$3"
	[ "$4" = - ] && r=- || printf -v r ':%04X' "$4"
	while read -r -a f; do
		[ "${f[3]}" = "$2" ] && [ "${f[1]: -5}" = "$l" ] &&
			{ [ "$r" = - ] || [ "${f[2]: -5}" = "$r" ]; } &&
			echo "${f[1]} ${f[2]} $((16#${f[6]}))"
	done < "$file"
}

has() { grep -Eq "$2" "$1"; }
no_rows() { [ -z "$(rows "$@")" ]; }
retx_ge() { local -a x; read -r -a x <<< "$(rows "$1" 03 "$2" -)"; [ "${x[2]:-0}" -ge "$3" ]; }

# listener FAM PORT: backlog 1, not accepting.
listener() {
	# shellcheck disable=SC2046
	"$HELPERS/edu_listener" $(fam_flag "$1") -b 1 -t 120 "$ADDR" "$2" > "$W/lis" &
	LIS=$!
	PIDS+=("$LIS")
	wait_listen "$1" "$2"
}

# fill FAM PORT: one connection waits in the accept queue; then netem.
fill() {
	# shellcheck disable=SC2046
	"$HELPERS/edu_connect" $(fam_flag "$1") -H 120 "$ADDR" "$2" > "$W/c1" &
	PIDS+=("$!")
	until_true 10 has "$W/c1" '^summary' || exit 1
	echo "($1) one client connected, not accepted: accept queue $(acceptq "$1" "$2")"
	tc qdisc add dev lo root netem delay "${DELAY_MS}ms"
}

step "1. The final ACK meets a full accept queue (backlog 1)"
for fam in tcp edu; do
	listener "$fam" "$PORT" || exit 1
	fill "$fam" "$PORT"
	tcpdump -U --immediate-mode -n -i lo -w "$LAB_OUT/$fam.pcap" "$(proto "$fam")" 2> /dev/null &
	cap=$!
	until_true 5 test -s "$LAB_OUT/$fam.pcap"
	if [ "$fam" = edu ]; then
		echo > $TR/trace
		echo 1 > $TR/events/edutcp/enable
	fi
	ovf0=$(counter "$fam" ListenOverflows)
	# shellcheck disable=SC2046
	"$HELPERS/edu_connect" $(fam_flag "$fam") -n 2 -w 2000 -H 120 "$ADDR" "$PORT" > "$W/c2" &
	PIDS+=("$!")
	until_true 10 has "$W/c2" '^summary' || exit 1
	echo "($fam) two clients at once: $(grep '^summary' "$W/c2")"
	until_true 5 retx_ge "$fam" "$PORT" 1
	read -r lo re rt <<< "$(rows "$fam" 03 "$PORT" -)"
	wport=$((16#${re##*:}))
	cstate=$(rows "$fam" 01 "$wport" "$PORT")
	echo "($fam) client port $wport: its row ESTABLISHED (01): ${cstate:-none}"
	echo "($fam) server's row for it: SYN_RECV (03): $lo $re retrnsmt $rt"
	echo "($fam) accept queue $(acceptq "$fam" "$PORT"), ListenOverflows +$(($(counter "$fam" ListenOverflows) - ovf0))"
	# Let the SYN-ACK go twice more (at 1 s and 3 s), then accept one.
	until_true 10 retx_ge "$fam" "$PORT" 2
	kill -USR1 "$LIS"
	until_true 3 has "$W/lis" '^accepted 1$'
	echo "($fam) accept(): accept queue $(acceptq "$fam" "$PORT")"
	# The client's ACK to the next SYN-ACK finds room (the ACK to the
	# last one may already have: it was 600 ms on its way).
	until_true 15 no_rows "$fam" 03 "$PORT" -
	done_row=$(rows "$fam" 01 "$PORT" "$wport")
	echo "($fam) the request completed: no SYN_RECV row left; the server's row ESTABLISHED (01): ${done_row:-none}; accept queue $(acceptq "$fam" "$PORT")"
	if [ "$fam" = edu ]; then
		echo 0 > $TR/events/edutcp/enable
		cat $TR/trace > "$LAB_OUT/edu.trace"
		edutrace -s -T "accept-queue overflow" -p "$wport" "$LAB_OUT/edu.trace" > "$LAB_OUT/overflow.svg" &&
			edutrace -m -p "$wport" "$LAB_OUT/edu.trace" > "$LAB_OUT/overflow.mmd" &&
			echo "diagram: $LAB_OUT/overflow.svg, $LAB_OUT/overflow.mmd"
	fi
	kill "$cap"
	wait "$cap" 2> /dev/null
	# The SYN-ACKs to the overflowed client, with their times.
	echo "($fam) \$ tcpdump -r $fam.pcap -n -tt '$(proto "$fam") and SYN-ACK to port $wport'"
	tcpdump -r "$LAB_OUT/$fam.pcap" -n -tt \
		"$(proto "$fam") and ip[22:2] = $wport and (ip[33] & 0x12) = 0x12" 2> /dev/null |
		awk '{ t = $1; if (NR == 1) t0 = t; $1 = ""
			printf "  +%5.2f s %s%s\n", t - t0, (NR > 1 ? "(again) " : ""), $0
			if (NR > 1) gaps = gaps (NR > 2 ? "," : "") sprintf("%.0f", t - prev); prev = t }
			END { printf "RESULT '"$fam"' synacks=%d gaps=%s\n", NR, gaps }' | tee "$W/sa"
	echo "RESULT $fam client_state=${cstate:+01} server_state=${rt:+03} acceptq_full=2" \
		"completed=$( [ -n "$done_row" ] && echo 1 || echo 0)"
	tc qdisc del dev lo root
	stop_all
done

step "2. abort_on_overflow=1: the overflowing client is reset"
show sysctl -w net.ipv4.tcp_abort_on_overflow=1 net.edutcp.abort_on_overflow=1
for fam in tcp edu; do
	listener "$fam" $((PORT + 1)) || exit 1
	fill "$fam" $((PORT + 1))
	ovf0=$(counter "$fam" ListenOverflows)
	# -H 2: wait for the RST (delayed too), then -R: one read on each.
	# shellcheck disable=SC2046
	"$HELPERS/edu_connect" $(fam_flag "$fam") -n 2 -w 2000 -H 2 -R "$ADDR" $((PORT + 1)) > "$W/c2"
	grep -E '^(summary|recv)' "$W/c2" | sed "s/^/($fam) /"
	echo "RESULT $fam abort: $(sed -n 's/^recv-summary //p' "$W/c2")" \
		"overflows=$(($(counter "$fam" ListenOverflows) - ovf0)) requests_left=$(rows "$fam" 03 $((PORT + 1)) - | grep -c .)"
	tc qdisc del dev lo root
	stop_all
done
