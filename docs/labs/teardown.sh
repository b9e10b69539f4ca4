#!/bin/bash
# docs/labs/teardown.sh - closing a connection: the states of both ends, TIME_WAIT holding the port, close() with unread data
#
# 1. A connection on lo, every segment delayed 400 ms (netem), so that
#    each state of an orderly close lasts long enough to be read from
#    /proc/net/tcp (/proc/net/edutcp) by a bounded poll.  The client
#    closes first: its row goes FIN_WAIT1, FIN_WAIT2, the server's
#    CLOSE_WAIT; the server closes: its row LAST_ACK, then gone; the
#    client's TIME_WAIT.  TIME_WAIT holds the client's port: bind() to it
#    fails, with and without SO_REUSEADDR.  EDUTCP's TIME_WAIT lasts
#    net.edutcp.tw_timeout (5 s here), after which bind() succeeds; TCP's
#    is 60 s, fixed: the lab shows it is there and how long it has left,
#    and does not wait.  tcpdump shows the segments with their times;
#    EDUTCP's run is traced and drawn by edutrace.
# 2. close() with 100 bytes received and unread: an RST instead of a FIN,
#    and the peer's blocked read() gets ECONNRESET.
#
# It runs in a network namespace of its own, so nothing it changes or
# leaves outlives it.  Files: $LAB_OUT/{tcp,edu}.pcap,
# $LAB_OUT/{tcp,edu}-rst.pcap, $LAB_OUT/edu.trace, $LAB_OUT/teardown.{svg,mmd}.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need tc tcpdump edutrace

ADDR=127.0.0.1
PORT=8300
DELAY_MS=400
TW_SECS=5
TR=/sys/kernel/tracing
trap 'stop_all; [ -e $TR/events/edutcp/enable ] && echo 0 > $TR/events/edutcp/enable; rm -rf "$W"' EXIT
sysctl -qw net.edutcp.tw_timeout=$TW_SECS
[ -d $TR/events ] || mount -t tracefs tracefs $TR

proto() { if [ "$1" = tcp ]; then echo tcp; else echo "ip proto $(cat /sys/module/af_edu/parameters/ipproto 2> /dev/null || echo 253)"; fi; }
has() { grep -Eq "$2" "$1"; }
# fail WHAT: say what did not happen, and stop.
fail() { echo "lab: $*"; exit 1; }

declare -A NAME=([01]=ESTABLISHED [04]=FIN_WAIT1 [05]=FIN_WAIT2 [06]=TIME_WAIT
	[07]=CLOSE [08]=CLOSE_WAIT [09]=LAST_ACK [0A]=LISTEN)

# row FAM LPORT RPORT: the row from local port LPORT to remote port RPORT,
# in the array R (st, local, remote, tx:rx, tr:tm->when); empty: none.
row() {
	local file=/proc/net/tcp l r
	local -a f
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v l ':%04X' "$2"
	printf -v r ':%04X' "$3"
	R=()
	while read -r -a f; do
		[ "${f[1]: -5}" = "$l" ] && [ "${f[2]: -5}" = "$r" ] &&
			{ R=("${f[3]}" "${f[1]}" "${f[2]}" "${f[4]}" "${f[5]}"); return 0; }
	done < "$file"
	return 1
}
in_state() { row "$1" "$2" "$3" && [ "${R[0]}" = "$4" ]; }
no_row() { ! row "$@"; }

# client_port FAM SPORT: the remote port of the server's ESTABLISHED row
# on SPORT.
client_port() {
	local file=/proc/net/tcp p
	local -a f
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$2"
	while read -r -a f; do
		[ "${f[3]}" = 01 ] && [ "${f[1]: -5}" = "$p" ] &&
			{ echo $((16#${f[2]##*:})); return 0; }
	done < "$file"
	return 1
}

# since T0: seconds from T0 ($EPOCHREALTIME) to now, as +S.SS.
# (Plain bash: every program started costs tens of milliseconds in the VM.)
since() {
	local a=${1/./} b=${EPOCHREALTIME/./} d
	d=$(((10#$b - 10#$a) / 10000))
	printf '+%d.%02d' $((d / 100)) $((d % 100))
}

# see FAM WHO LPORT RPORT ST: wait (at most 10 s) for the row to be in
# state ST, print it with the time since T0, and add ST to SEEN[WHO].
see() {
	if until_true 10 in_state "$1" "$3" "$4" "$5"; then
		printf '(%s) %s s %-6s %-11s %s %s %s %s %s\n' "$1" "$(since "$T0")" \
			"$2" "${NAME[$5]}" "${R[1]}" "${R[2]}" "${R[0]}" "${R[3]}" "${R[4]}"
		SEEN[$2]+="${SEEN[$2]:+,}${NAME[$5]}"
	else
		echo "($1) $2: no ${NAME[$5]} row within 10 s"
	fi
}

# segs FAM PCAP [FILTER]: the segments in PCAP, decoded from their bytes
# (tcpdump does not decode EDUTCP's protocol 253): time since the first,
# ports, flags as tcpdump writes them, payload length.
segs() {
	local f
	f="$(proto "$1")${3:+ and $3}"
	tcpdump -r "$2" -n -tt -x "$f" 2> /dev/null | awk '
	function hx(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	function flush(   ihl, th, fl, s, len) {
		if (!n)
			return
		ihl = hx(substr(b[0], 2, 1)) * 4
		th = ihl
		fl = hx(b[th + 13])
		s = ""
		if (and_(fl, 1)) s = s "F"
		if (and_(fl, 2)) s = s "S"
		if (and_(fl, 4)) s = s "R"
		if (and_(fl, 8)) s = s "P"
		if (and_(fl, 16)) s = s "."
		len = hx(b[2] b[3]) - ihl - int(hx(b[th + 12]) / 16) * 4
		if (t0 == "")
			t0 = t
		printf "  +%5.2f s  %d > %d  Flags [%s], length %d\n", t - t0,
			hx(b[th] b[th + 1]), hx(b[th + 2] b[th + 3]), s, len
		n = 0
	}
	function and_(x, m) { return int(x / m) % 2 }
	/^[0-9]/ { flush(); t = $1; next }
	/^[ \t]+0x/ {
		for (i = 2; i <= NF; i++) {
			b[n++] = substr($i, 1, 2)
			if (length($i) == 4)
				b[n++] = substr($i, 3, 2)
		}
	}
	END { flush() }'
}

# capture FAM PCAP: tcpdump on lo into PCAP, in the background (pid: cap),
# once it says it is capturing.
capture() {
	tcpdump -U --immediate-mode -n -i lo -w "$2" "$(proto "$1")" 2> "$W/tcpdump" &
	cap=$!
	PIDS+=("$cap")
	until_true 5 has "$W/tcpdump" 'listening on'
}

# try_bind PROGRAM...: a listener on a port for a moment: "ok" when it
# listened, else the errno its bind() got.
try_bind() {
	local p e
	"$@" > "$W/bind" 2> /dev/null &
	p=$!
	until_true 5 has "$W/bind" '^(listening|error)'
	kill "$p" 2> /dev/null
	wait "$p" 2> /dev/null
	if has "$W/bind" '^listening'; then
		echo ok
		return
	fi
	e=$(sed -n 's/^error [a-z]*: //p' "$W/bind")
	# edu_closer prints strerror()'s text, edu_listener the name.
	[ "$e" = "Address already in use" ] && e=EADDRINUSE
	echo "${e:-none}"
}

step "1. An orderly close (every segment delayed ${DELAY_MS} ms), and the TIME_WAIT that holds the closer's port"
for fam in tcp edu; do
	declare -A SEEN=()
	rm -f "$W/cclose" "$W/sclose"
	tc qdisc add dev lo root netem delay "${DELAY_MS}ms"
	capture "$fam" "$LAB_OUT/$fam.pcap"
	if [ "$fam" = edu ]; then
		echo > $TR/trace
		echo 1 > $TR/events/edutcp/enable
	fi
	# shellcheck disable=SC2046
	"$HELPERS/edu_linger" $(fam_flag "$fam") -l -c "$W/sclose" "$ADDR" "$PORT" > "$W/srv" &
	PIDS+=("$!")
	until_true 10 has "$W/srv" '^listening' || fail "($fam) the server did not listen"
	# shellcheck disable=SC2046
	"$HELPERS/edu_linger" $(fam_flag "$fam") -c "$W/cclose" "$ADDR" "$PORT" > "$W/cli" &
	PIDS+=("$!")
	{ until_true 10 has "$W/cli" '^established' && until_true 10 has "$W/srv" '^established'; } ||
		fail "($fam) no connection"
	until_true 5 client_port "$fam" "$PORT" > /dev/null || fail "($fam) no server row"
	cport=$(client_port "$fam" "$PORT")
	echo "($fam) connected: the client's port $cport, the server's $PORT (the rows: local remote st tx_queue:rx_queue tr:tm->when)"
	T0=$EPOCHREALTIME
	echo "($fam) +0.00 s the client calls close()"
	touch "$W/cclose"
	see "$fam" closer "$cport" "$PORT" 04
	see "$fam" peer "$PORT" "$cport" 08
	see "$fam" closer "$cport" "$PORT" 05
	echo "($fam) $(since "$T0") s the server calls close()"
	touch "$W/sclose"
	see "$fam" peer "$PORT" "$cport" 09
	see "$fam" closer "$cport" "$PORT" 06
	t_tw=$EPOCHREALTIME
	until_true 10 no_row "$fam" "$PORT" "$cport" &&
		echo "($fam) $(since "$T0") s server gone: its row left (CLOSED)" &&
		SEEN[peer]+=,CLOSED
	tc qdisc del dev lo root

	# TIME_WAIT: its row, and bind() to the closer's port.
	row "$fam" "$cport" "$PORT"
	left=$(printf '%d' "0x${R[4]#*:}")
	printf -v left '%d.%02d' $((left / 100)) $((left % 100))
	echo "($fam) TIME_WAIT row: ${R[1]} ${R[2]} ${R[0]} ${R[3]} ${R[4]}: timer 3, $left s left"
	# shellcheck disable=SC2046
	b1=$(try_bind "$HELPERS/edu_closer" $(fam_flag "$fam") -l "$ADDR" "$cport")
	echo "($fam) bind() to $ADDR:$cport: $b1"
	# shellcheck disable=SC2046
	b2=$(try_bind "$HELPERS/edu_listener" $(fam_flag "$fam") "$ADDR" "$cport")
	echo "($fam) bind() to $ADDR:$cport after SO_REUSEADDR: $b2"
	if [ "$fam" = tcp ]; then
		echo "(tcp) TCP's TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN, no sysctl): not waited for here"
		echo "RESULT tcp bind=$b1 bind_reuseaddr=$b2 tw_left=${left%.*}"
	else
		until_true $((TW_SECS + 10)) no_row edu "$cport" "$PORT"
		gone=$(since "$t_tw")
		gone=${gone#+}
		echo "(edu) the TIME_WAIT row left after $gone s (net.edutcp.tw_timeout = $(sysctl -n net.edutcp.tw_timeout))"
		# The trace ends here: a listener on the client's port would
		# make edutrace take that end for the server.
		echo 0 > $TR/events/edutcp/enable
		cat $TR/trace > "$LAB_OUT/edu.trace"
		b3=$(try_bind "$HELPERS/edu_closer" -l "$ADDR" "$cport")
		echo "(edu) bind() to $ADDR:$cport again: $b3"
		echo "RESULT edu bind=$b1 bind_reuseaddr=$b2 tw_left=${left%.*} tw_gone=${gone%.*} rebind=$b3"
		edutrace -s -T "an orderly close and TIME_WAIT" -p "$cport" "$LAB_OUT/edu.trace" > "$LAB_OUT/teardown.svg" &&
			edutrace -m -p "$cport" "$LAB_OUT/edu.trace" > "$LAB_OUT/teardown.mmd" &&
			echo "diagram: $LAB_OUT/teardown.svg, $LAB_OUT/teardown.mmd"
	fi
	kill "$cap"
	wait "$cap" 2> /dev/null
	echo "($fam) the connection's segments (tcpdump -r $fam.pcap -x, the flags read from the bytes):"
	segs "$fam" "$LAB_OUT/$fam.pcap" | tee "$W/segs"
	# A FIN each way (a loaded machine may retransmit one), no RST.
	echo "RESULT $fam closer=${SEEN[closer]:-} peer=${SEEN[peer]:-}" \
		"fin_out=$(grep -c "$cport > $PORT  Flags \[F" "$W/segs")" \
		"fin_back=$(grep -c "$PORT > $cport  Flags \[F" "$W/segs")" \
		"rsts=$(grep -c 'Flags \[[A-Z]*R' "$W/segs")"
	stop_all
done

step "2. close() with unread data: RST instead of FIN"
P2=$((PORT + 1))
for fam in tcp edu; do
	rm -f "$W/aclose"
	touch "$W/bsend"
	capture "$fam" "$LAB_OUT/$fam-rst.pcap"
	rst0=$(counter "$fam" "$( [ "$fam" = tcp ] && echo TCPAbortOnClose || echo AbortOnClose)")
	# The server never reads; the client sends 100 bytes, then reads.
	# shellcheck disable=SC2046
	"$HELPERS/edu_linger" $(fam_flag "$fam") -l -c "$W/aclose" "$ADDR" "$P2" > "$W/a" &
	PIDS+=("$!")
	until_true 10 has "$W/a" '^listening' || fail "($fam) the server did not listen"
	# shellcheck disable=SC2046
	"$HELPERS/edu_linger" $(fam_flag "$fam") -g "$W/bsend" -s 100 -R "$ADDR" "$P2" > "$W/b" &
	PIDS+=("$!")
	until_true 10 has "$W/b" '^sent' || fail "($fam) the client did not send"
	until_true 5 client_port "$fam" "$P2" > /dev/null || fail "($fam) no server row"
	bport=$(client_port "$fam" "$P2")
	rxq() { row "$fam" "$P2" "$bport" && [ $((16#${R[3]#*:})) -eq 100 ]; }
	until_true 10 rxq
	unread=$((16#${R[3]#*:}))
	echo "($fam) the server's row: ${R[1]} ${R[2]} ${R[0]} ${R[3]}: rx_queue $((16#${R[3]#*:})) bytes unread"
	echo "($fam) the client blocks in read(); the server calls close()"
	touch "$W/aclose"
	until_true 10 has "$W/b" '^read' || fail "($fam) the client's read() did not return"
	echo "($fam) server: $(grep '^closed' "$W/a")   client: $(grep '^read' "$W/b")"
	until_true 5 no_row "$fam" "$bport" "$P2"
	echo "($fam) rows left: $(row "$fam" "$P2" "$bport" && echo "${R[*]}" || echo none) (server)," \
		"$(row "$fam" "$bport" "$P2" && echo "${R[*]}" || echo none) (client)"
	rsts=$(($(counter "$fam" "$( [ "$fam" = tcp ] && echo TCPAbortOnClose || echo AbortOnClose)") - rst0))
	echo "($fam) $( [ "$fam" = tcp ] && echo TcpExt: TCPAbortOnClose || echo EduTcp: AbortOnClose) +$rsts"
	kill "$cap"
	wait "$cap" 2> /dev/null
	echo "($fam) the connection's segments:"
	segs "$fam" "$LAB_OUT/$fam-rst.pcap" | tee "$W/segs"
	echo "RESULT $fam unread=$unread read=$(sed -n 's/^read //p' "$W/b")" \
		"rst_from_server=$(grep -c "$P2 > $bport  Flags \[[A-Z]*R" "$W/segs")" \
		"fin_from_server=$(grep -c "$P2 > $bport  Flags \[F" "$W/segs") abort_on_close=$rsts"
	stop_all
done
