#!/bin/bash
# docs/labs/backlog.sh - the backlog: two queues filling, somaxconn, listen() again, backlog_model
#
# 1. A listener with backlog 2 that never accepts; six clients at once,
#    each segment delayed 300 ms (netem on lo): the SYN queue fills, then
#    the accept queue, to backlog + 1 each; the rest wait in SYN_SENT.
#    EDUTCP's queues recorded by edustat -R and drawn by edustat --plot.
# 2. ss -lnt beside edustat -ln for that listener: Recv-Q and Send-Q.
# 3. somaxconn 3 in this namespace, listen(fd, 50): the row says 3.
# 4. listen() again on a live listener: its backlog changes.
# 5. backlog_model linux, bsd, sum (EDUTCP): for backlog 2, predict how
#    many connections each queues, then measure.
#
# It runs in a network namespace of its own, so nothing it changes
# (somaxconn, netem, the model) or leaves outlives it.
# Files: $LAB_OUT/queues.{csv,svg}.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need tc ss edu-run python3 edustat

ADDR=127.0.0.1
PORT=8100
BACKLOG=2
DELAY_MS=300
trap 'stop_all; rm -rf "$W"' EXIT
# No cookies: a SYN that finds the SYN queue full is dropped, as the
# queue's limit says, not answered with a cookie.
sysctl -qw net.ipv4.tcp_syncookies=0 net.edutcp.syncookies=0
# TIME_WAIT sockets of this namespace hold the module: let them go soon.
sysctl -qw net.edutcp.tw_timeout=1


# listener FAM PORT BACKLOG: edu_listener in the background, not accepting.
listener() {
	# shellcheck disable=SC2046
	"$HELPERS/edu_listener" $(fam_flag "$1") -b "$3" -t 120 "$ADDR" "$2" > "$W/lis" &
	PIDS+=("$!")
	wait_listen "$1" "$2"
}

# synq FAM PORT: the listener's half-open requests (state-03 rows).
synq() {
	local file=/proc/net/tcp p n=0
	local -a r
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$2"
	while read -r -a r; do
		[ "${r[3]}" = 03 ] && [ "${r[1]: -5}" = "$p" ] && n=$((n + 1))
	done < "$file"
	echo "$n"
}

step "1. Backlog $BACKLOG, no accept(), six clients at once (segments delayed ${DELAY_MS} ms)"
tc qdisc add dev lo root netem delay "${DELAY_MS}ms"
for fam in tcp edu; do
	listener "$fam" "$PORT" "$BACKLOG" || exit 1
	rec=
	if [ "$fam" = edu ]; then
		edustat -R "$LAB_OUT/queues.csv" -i 50 "$ADDR:$PORT" &
		rec=$!
	fi
	# shellcheck disable=SC2046
	"$HELPERS/edu_connect" $(fam_flag "$fam") -n 6 -w 1500 -H 60 "$ADDR" "$PORT" > "$W/cli" &
	cli=$!
	# Sample both queues until the client has its summary (1.5 s).
	maxs=0 maxa=0
	for _ in $(seq 400); do
		s=$(synq "$fam" "$PORT")
		a=$(acceptq "$fam" "$PORT")
		[ "$s" -gt "$maxs" ] && maxs=$s
		[ "${a:-0}" -gt "$maxa" ] && maxa=$a
		grep -q '^summary' "$W/cli" && break
		sleep 0.05
	done
	[ -n "$rec" ] && { kill "$rec"; wait "$rec" 2> /dev/null; }
	echo "($fam) $(grep '^summary' "$W/cli")"
	echo "($fam) most seen at once: SYN queue $maxs, accept queue $maxa"
	if [ "$fam" = tcp ]; then
		show ss -lnt "sport = :$PORT"
	else
		show edustat -ln
	fi
	listen_row "$fam" "$PORT"
	sendq=$(backlog "$fam" "$PORT")
	echo "RESULT $fam backlog=$BACKLOG max_synq=$maxs max_acceptq=$maxa" \
		"$(sed -n 's/^summary //p' "$W/cli") recvq=$(acceptq "$fam" "$PORT") sendq=$sendq"
	kill "$cli" 2> /dev/null
	wait "$cli" 2> /dev/null
	stop_all
done
tc qdisc del dev lo root
edustat --plot "$LAB_OUT/queues.csv" > "$LAB_OUT/queues.svg" &&
	echo "chart: $LAB_OUT/queues.svg"

step "2. somaxconn clamps the backlog"
show sysctl -w net.core.somaxconn=3
for fam in tcp edu; do
	listener "$fam" $((PORT + 1)) 50 || exit 1
	echo "($fam) $(cat "$W/lis")"
	echo "RESULT $fam asked=50 somaxconn=3 backlog=$(backlog "$fam" $((PORT + 1)))"
	stop_all
done
sysctl -qw net.core.somaxconn=4096

step "3. listen() again on a live listener"
cat > "$W/relisten.py" <<'EOP'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
for line in sys.stdin:
    s.listen(int(line))
    print("listen(fd, %d)" % int(line), flush=True)
EOP
for fam in tcp edu; do
	coproc RL { on "$fam" python3 -u "$W/relisten.py" $((PORT + 2)); }
	seen=()
	for n in 2 7 1; do
		echo "$n" >&"${RL[1]}"
		read -r line <&"${RL[0]}"
		b=$(backlog "$fam" $((PORT + 2)))
		echo "($fam) $line: backlog $b"
		seen+=("$b")
	done
	fd=${RL[1]}
	exec {fd}>&-
	wait "$RL_PID"
	echo "RESULT $fam relisten=$(IFS=,; echo "${seen[*]}")"
done

step "4. backlog_model: backlog $BACKLOG, six clients, no accept()"
echo "Prediction (docs/sysctl.md): linux queues B + 1 = 3 established,"
echo "bsd 3B/2 + 1 = 4 (requests and children together), sum B = 2."
for model in linux bsd sum; do
	for fam in tcp edu; do
		[ "$fam" = tcp ] && [ "$model" != linux ] && continue
		sysctl -qw net.edutcp.backlog_model=$model
		listener "$fam" $((PORT + 3)) "$BACKLOG" || exit 1
		# shellcheck disable=SC2046
		"$HELPERS/edu_connect" $(fam_flag "$fam") -n 6 -w 1500 "$ADDR" $((PORT + 3)) > "$W/cli"
		c=$(sed -n 's/^summary connected=\([0-9]*\).*/\1/p' "$W/cli")
		printf '(%s) %-6s connected %s of 6, accept queue %s, row acceptq_max %s\n' \
			"$fam" "$model" "$c" "$(acceptq "$fam" $((PORT + 3)))" "$(backlog "$fam" $((PORT + 3)))"
		echo "RESULT $fam model=$model connected=$c"
		stop_all
	done
done
sysctl -qw net.edutcp.backlog_model=linux
