#!/bin/bash
# docs/labs/flood.sh - a SYN flood: the SYN queue full, a real client locked out, then let in by SYN cookies
#
# Two network namespaces joined by a veth pair: the lab's own ("server",
# 10.99.1.1) and "client" (10.99.1.2).  The server routes the spoofed
# sources, 10.99.128.0/17, to the client namespace, which owns none of
# them and does not forward: the SYN-ACKs sent to them vanish unanswered.
# A Python echo server listens with backlog 8 on each family in turn.
#
# 1. syncookies 0: edusynflood sends 100 SYNs from spoofed sources, then
#    a real client tries to connect() for 2.5 s.  The SYN queue fills to
#    backlog + 1 = 9 and stays full until its requests expire (synack_retries
#    2: 7 s); every other SYN, the client's included, is dropped and
#    counted.
# 2. syncookies 1, the same listener: 100 SYNs again, then the client.
#    The SYN queue fills again; every SYN after that gets a cookie SYN-ACK
#    and no state; the client connects through a cookie and its bytes come
#    back.
#
# EDUTCP's listener is recorded by edustat -R through both steps and
# charted by edustat --plot.  Traffic stays in the two namespaces; the
# client namespace (and with it the veth pair) is deleted on exit.
# Files: $LAB_OUT/queues.{csv,svg}.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need ip python3 edu-run edustat edusynflood

SRV=10.99.1.1
CLI=10.99.1.2
SPOOF=10.99.128.0/17
# Each flood its own half: the second must not meet the first one's requests.
SPOOF0=10.99.128.0/18
SPOOF1=10.99.192.0/18
PORT=8300
BACKLOG=8
NFLOOD=100
WAIT_S=2.5
NS_C=flood-client-$$
trap 'stop_all; ip netns del "$NS_C" 2> /dev/null; rm -rf "$W"' EXIT

# The topology: static neighbours, so no packet waits for ARP.
topology() {
	ip netns add "$NS_C" &&
	ip link add veth-s address 02:00:0a:63:01:01 type veth \
		peer name veth-c netns "$NS_C" address 02:00:0a:63:01:02 &&
	ip -batch - <<-EOF &&
		addr add $SRV/24 dev veth-s
		link set veth-s up
		route add $SPOOF via $CLI
		neigh replace $CLI lladdr 02:00:0a:63:01:02 dev veth-s nud permanent
	EOF
	ip -n "$NS_C" -batch - <<-EOF
		link set lo up
		addr add $CLI/24 dev veth-c
		link set veth-c up
		neigh replace $SRV lladdr 02:00:0a:63:01:01 dev veth-c nud permanent
	EOF
}
topology || { echo "lab: cannot build the namespaces"; exit 1; }
# EDUTCP's TIME_WAIT sockets hold the module: in both namespaces, let
# them go after 1 s (the client's may end in TIME_WAIT too).
sysctl -qw net.edutcp.tw_timeout=1
ip netns exec "$NS_C" sysctl -qw net.edutcp.tw_timeout=1

# The limits, in the server's namespace: backlog + 1 = 9 is the SYN
# queue's limit; max_syn_backlog 128 only refuses above 96.  Two SYN-ACK
# retransmissions (1 s, 2 s): a request nobody answers leaves after 7 s,
# not after a minute (synack_retries 5).
sysctl -qw net.ipv4.tcp_max_syn_backlog=128 net.edutcp.max_syn_backlog=128
sysctl -qw net.ipv4.tcp_synack_retries=2 net.edutcp.synack_retries=2

cat > "$W/server.py" <<'EOP'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(int(sys.argv[3]))
print("listening", flush=True)
while True:
    c, peer = s.accept()
    data = c.recv(100)
    c.sendall(data)
    print("accepted %s:%d, echoed %d bytes" % (peer[0], peer[1], len(data)), flush=True)
    c.close()
EOP
cat > "$W/client.py" <<'EOP'
# client.py ADDR PORT TIMEOUT [CMD...]: run CMD (the flood) first, then
# connect(), send a line and read it back.
import socket, subprocess, sys, time
if len(sys.argv) > 4:
    subprocess.run(sys.argv[4:], check=True)
s = socket.socket()
s.settimeout(float(sys.argv[3]))
t0 = time.monotonic()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except OSError as e:
    print("client: connect() gave up after %.1f s: %s" % (time.monotonic() - t0, e))
    print("client=timeout echoed=0")
    sys.exit(0)
took = time.monotonic() - t0
msg = b"hello through the flood\n"
s.sendall(msg)
got = b""
while len(got) < len(msg):
    b = s.recv(100)
    if not b:
        break
    got += b
print("client: connected after %.2f s, sent %d bytes, got back %r" % (took, len(msg), got))
print("client=%s echoed=%d" % ("ok" if got == msg else "short", len(got)))
EOP

proto() { if [ "$1" = tcp ]; then echo 6; else cat /sys/module/af_edu/parameters/ipproto 2> /dev/null || echo 253; fi; }
# The family's name for "dropped: the SYN queue was full, no cookies".
qfull() { if [ "$1" = tcp ]; then echo TCPReqQFullDrop; else echo SynQueueDrops; fi; }

# synq FAM: the listener's half-open requests (state-03 rows).
synq() {
	local file=/proc/net/tcp p n=0
	local -a r
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$PORT"
	while read -r -a r; do
		[ "${r[3]}" = 03 ] && [ "${r[1]: -5}" = "$p" ] && n=$((n + 1))
	done < "$file"
	echo "$n"
}

# attack FAM SRC OUT: in the client namespace, the flood from SRC and,
# right after it, the real client: client.py runs the flood, then
# connects (a program started in a namespace costs a second or more
# under TCG; this way the client's SYN follows the flood at once).
# While it runs, the SYN queue is sampled every 50 ms; MAXQ is the most
# seen at once, TFULL the time ($EPOCHREALTIME) it was first seen full.
attack() {
	local fam=$1 src=$2 out=$3 q pid over
	local -a cli=(python3 -u "$W/client.py" "$SRV" "$PORT" "$WAIT_S"
		edusynflood -P "$(proto "$fam")" -n "$NFLOOD" -s "$src" -u "$SRV:$PORT")
	[ "$fam" = edu ] && cli=(edu-run -q "${cli[@]}")
	ip netns exec "$NS_C" "${cli[@]}" > "$out" 2>&1 &
	pid=$!
	MAXQ=0 TFULL=
	for _ in $(seq 600); do
		# One more sample once the client is done: the flood and the
		# client may both fall between two samples, and the requests
		# stay for seconds.
		over=
		grep -q '^client=' "$out" && over=1
		q=$(synq "$fam")
		[ "$q" -gt "$MAXQ" ] && MAXQ=$q
		[ -z "$TFULL" ] && [ "$q" -gt "$BACKLOG" ] && TFULL=$EPOCHREALTIME
		[ -n "$over" ] && break
		sleep 0.05
	done
	wait "$pid"
	sed '/^client=/d' "$out"
}

# grew FAM NAME BEFORE: how much counter NAME grew since BEFORE.
grew() { echo $(($(counter "$1" "$2") - $3)); }
dropped_ge() { [ "$(grew "$1" ListenDrops "$2")" -ge "$3" ]; }
cookies_ge() { [ "$(grew "$1" SyncookiesSent "$2")" -ge "$3" ]; }

synq_is() { [ "$(synq "$1")" = "$2" ]; }

for fam in tcp edu; do
	step "$fam: backlog $BACKLOG, $NFLOOD SYNs from spoofed sources"
	# Not through on(): a function in the background is a subshell, and
	# stop_all would end the subshell, not the server.
	srv=(python3 -u "$W/server.py" "$SRV" "$PORT" "$BACKLOG")
	[ "$fam" = edu ] && srv=(edu-run -q "${srv[@]}")
	"${srv[@]}" > "$W/srv" 2>&1 &
	PIDS+=("$!")
	wait_listen "$fam" "$PORT" || exit 1
	rec=
	if [ "$fam" = edu ]; then
		edustat -R "$LAB_OUT/queues.csv" -i 50 "$SRV:$PORT" &
		rec=$!
	fi

	echo "-- 1. syncookies 0: the flood from $SPOOF0, then a real client waiting ${WAIT_S} s"
	sysctl -qw net.ipv4.tcp_syncookies=0 net.edutcp.syncookies=0
	d0=$(counter "$fam" ListenDrops)
	q0=$(counter "$fam" "$(qfull "$fam")")
	attack "$fam" "$SPOOF0" "$W/cli"
	client=$(sed -n 's/^client=\([a-z]*\).*/\1/p' "$W/cli")
	# The drops are counted as the SYNs are handled: wait for the
	# flood's (all but the queue's) and the client's first, at most 10 s.
	until_true 10 dropped_ge "$fam" "$d0" $((NFLOOD - BACKLOG))
	drops=$(grew "$fam" ListenDrops "$d0")
	qdrops=$(grew "$fam" "$(qfull "$fam")" "$q0")
	echo "($fam) SYN queue: $MAXQ requests at most (state-03 rows)"
	echo "($fam) ListenDrops +$drops, $(qfull "$fam") +$qdrops"
	if [ "$fam" = edu ]; then
		show edustat -ln
	else
		# Linux says so once per listener; EDUTCP logs nothing.
		dmesg | grep -m1 -o "Possible SYN flooding on port $PORT\..*" | sed 's/^/(tcp) kernel log: /'
	fi
	# Nothing answers the SYN-ACKs: the requests expire 1 + 2 + 4 s
	# after the flood.
	until_true 60 synq_is "$fam" 0
	if [ -n "$TFULL" ]; then
		ms=$(((${EPOCHREALTIME/./} - ${TFULL/./}) / 1000))
		printf '(%s) the SYN queue is empty again, %d.%d s after it was full\n' \
			"$fam" $((ms / 1000)) $((ms % 1000 / 100))
	fi
	echo "RESULT $fam cookies=0 backlog=$BACKLOG max_synq=$MAXQ drops=$drops qfull_drops=$qdrops client=$client"

	echo "-- 2. syncookies 1, the same listener: the flood from $SPOOF1, then the client"
	sysctl -qw net.ipv4.tcp_syncookies=1 net.edutcp.syncookies=1
	d0=$(counter "$fam" ListenDrops)
	c0=$(counter "$fam" SyncookiesSent)
	r0=$(counter "$fam" SyncookiesRecv)
	attack "$fam" "$SPOOF1" "$W/cli"
	client=$(sed -n 's/^client=\([a-z]*\).*/\1/p' "$W/cli")
	echoed=$(sed -n 's/^client=.* echoed=\([0-9]*\)/\1/p' "$W/cli")
	until_true 10 cookies_ge "$fam" "$c0" $((NFLOOD - BACKLOG))
	until_true 10 grep -q '^accepted' "$W/srv"
	cookies=$(grew "$fam" SyncookiesSent "$c0")
	recv=$(grew "$fam" SyncookiesRecv "$r0")
	drops=$(grew "$fam" ListenDrops "$d0")
	echo "($fam) SYN queue: $MAXQ requests at most"
	echo "($fam) SyncookiesSent +$cookies, SyncookiesRecv +$recv, ListenDrops +$drops"
	sed -n 's/^accepted/(server) accepted/p' "$W/srv"
	echo "RESULT $fam cookies=1 max_synq=$MAXQ cookies_sent=$cookies cookies_recv=$recv" \
		"drops=$drops client=$client echoed=${echoed:-0}"

	[ -n "$rec" ] && { kill "$rec"; wait "$rec" 2> /dev/null; }
	stop_all
done
# The server's last EDUTCP socket, in TIME_WAIT for 1 s, holds the
# module: let it go before the lab ends.
no_edu_rows() {
	local n=0
	while read -r _; do n=$((n + 1)); done < /proc/net/edutcp
	[ "$n" -le 1 ]
}
until_true 10 no_edu_rows
edustat --plot "$LAB_OUT/queues.csv" "$SRV:$PORT" > "$LAB_OUT/queues.svg" &&
	echo "chart: $LAB_OUT/queues.svg"
