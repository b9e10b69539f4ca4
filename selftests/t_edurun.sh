#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_edurun.sh - unmodified programs over EDUTCP with edu-run.
#
# The same programs run twice, on TCP and then under edu-run (server and
# client alike), with the same expectations: Python's http.server serving
# a 4 MiB file and 20 small requests to curl; nginx (sendfile on, its own
# backlog) answering ab -n 1000 -c 10 with no failed request; redis-server
# answering redis-cli and redis-benchmark; socat piping a file each way; a
# Python server with two SO_REUSEPORT listeners.  Under edu-run every
# listener must be an EDUTCP row of /proc/net/edutcp (and no TCP row), so
# the programs really spoke EDUTCP.
cd "$(dirname "$0")/.." || exit 1
set -u
# A network namespace of its own, gone with the script and with it every
# connection the programs leave in TIME_WAIT: later tests that count the
# rows of /proc/net/edutcp meet none of them.
if [ -z "${EDURUN_NETNS:-}" ]; then
	EDURUN_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. selftests/lib.sh
. selftests/net_lib.sh

EDURUN="$PWD/build/bin/edu-run -q"
BASE=7950
# The debug kernel is slower: fewer requests, same checks.
AB_N=$((1000 / T_SLOW))
RB_N=$((500 / T_SLOW))
PIDS=()

need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || return 1
	done
}

# listeners FAM PORT: how many listening rows that family has on PORT.
listeners() {
	local file=/proc/net/tcp
	[ "$1" = edu ] && file=/proc/net/edutcp
	awk -v p=":$(printf '%04X' "$2")" \
		'$2 ~ p "$" && $4 == "0A" { n++ } END { print n + 0 }' "$file"
}

# run FAM CMD...: CMD as it is (tcp) or under edu-run (edu).
run() {
	local fam=$1
	shift
	if [ "$fam" = edu ]; then
		$EDURUN "$@"
	else
		"$@"
	fi
}

# start FAM LOG CMD...: a server in the background, remembered for stop
# (its own pid: edu-run execs the program).
start() {
	local fam=$1 log=$2
	shift 2
	if [ "$fam" = edu ]; then
		$EDURUN "$@" > "$log" 2>&1 &
	else
		"$@" > "$log" 2>&1 &
	fi
	PIDS+=("$!")
}

# no_servers: nginx (its workers leave after their master) and redis are
# all gone, and with them their sockets.
no_servers() { ! pgrep -x nginx > /dev/null && ! pgrep -x redis-server > /dev/null; }

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
	wait_until $((20 * T_SLOW)) no_servers
}
trap 'stop_all; net_cleanup' EXIT

# listening FAM PORT: exactly one listener of FAM on PORT, none of the other.
listening() {
	local other=edu
	[ "$1" = edu ] && other=tcp
	[ "$(listeners "$1" "$2")" -ge 1 ] && [ "$(listeners "$other" "$2")" -eq 0 ]
}

http_body() {
	local fam=$1 t=$2 port=$3 i ok=0
	start "$fam" "$t/http.log" python3 -m http.server --bind 127.0.0.1 \
		--directory "$t/www" "$port"
	t_check "$fam: http.server listens, on $fam only" \
		wait_until $((20 * T_SLOW)) listening "$fam" "$port"
	t_check "$fam: curl fetches a 4 MiB file intact" eval \
		'run "$fam" curl -sf -o "$t/big.got" "http://127.0.0.1:$port/big" &&
		 cmp "$t/www/big" "$t/big.got"'
	for i in $(seq 20); do
		run "$fam" curl -sf "http://127.0.0.1:$port/small.txt" |
			grep -qx small && ok=$((ok + 1))
	done
	t_check "$fam: 20 small requests, 20 answers" expect_eq "$ok" 20
	stop_all
}

nginx_body() {
	local fam=$1 t=$2 port=$3 d=$2/ngx
	mkdir -p "$d"
	cat > "$d/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
error_log $d/error.log;
pid $d/nginx.pid;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fastcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	sendfile on;
	server {
		listen 127.0.0.1:$port backlog=37;
		root $t/www;
	}
}
EOF
	start "$fam" "$d/out.log" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf"
	t_check "$fam: nginx listens, on $fam only" \
		wait_until $((20 * T_SLOW)) listening "$fam" "$port"
	if [ "$fam" = edu ]; then
		t_check "edu: the listener's row shows nginx's backlog, 37" eval \
			'awk -v p=":$(printf %04X "$port")" '\''$2 ~ p "$" && $4 == "0A" { print $(NF - 1) }'\'' /proc/net/edutcp | grep -qx 37'
	else
		t_check "tcp: ss shows nginx's backlog, 37" eval \
			'ss -Hlnt "sport = :$port" | awk '\''{ print $3 }'\'' | grep -qx 37'
	fi
	run "$fam" ab -q -n "$AB_N" -c 10 "http://127.0.0.1:$port/small.txt" \
		> "$t/ab.out" 2>&1
	t_check "$fam: ab: $AB_N complete requests, 0 failed" eval \
		'grep -Eq "^Complete requests: +$AB_N$" "$t/ab.out" &&
		 grep -Eq "^Failed requests: +0$" "$t/ab.out" || { cat "$t/ab.out"; false; }'
	stop_all
}

redis_body() {
	local fam=$1 t=$2 port=$3 d=$2/redis
	mkdir -p "$d"
	start "$fam" "$d/out.log" redis-server --port "$port" --bind 127.0.0.1 \
		--save '' --appendonly no --dir "$d" --protected-mode no
	t_check "$fam: redis-server listens, on $fam only" \
		wait_until $((20 * T_SLOW)) listening "$fam" "$port"
	t_check "$fam: redis-cli SET then GET" eval \
		'[ "$(run "$fam" redis-cli -p "$port" SET lesson backlog)" = OK ] &&
		 [ "$(run "$fam" redis-cli -p "$port" GET lesson)" = backlog ]'
	t_check "$fam: redis-benchmark completes SET and GET" eval \
		'run "$fam" redis-benchmark -p "$port" --csv -n "$RB_N" -c 10 -t set,get > "$t/rb.out" 2>&1;
		 grep -q "^\"SET\",\"[0-9.]*\"" "$t/rb.out" &&
		 grep -q "^\"GET\",\"[0-9.]*\"" "$t/rb.out" || { cat "$t/rb.out"; false; }'
	stop_all
}

socat_body() {
	local fam=$1 t=$2 port=$3
	head -c 1048576 /dev/urandom > "$t/src"
	start "$fam" "$t/s1.log" socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
		"CREATE:$t/got1"
	wait_until $((20 * T_SLOW)) listening "$fam" "$port"
	run "$fam" socat -u "OPEN:$t/src" "TCP:127.0.0.1:$port"
	wait "${PIDS[0]}"
	PIDS=()
	t_check "$fam: socat pipes a file from client to server" cmp "$t/src" "$t/got1"
	start "$fam" "$t/s2.log" socat -u "OPEN:$t/src" \
		"TCP-LISTEN:$((port + 1)),bind=127.0.0.1,reuseaddr"
	wait_until $((20 * T_SLOW)) listening "$fam" $((port + 1))
	run "$fam" socat -u "TCP:127.0.0.1:$((port + 1))" "CREATE:$t/got2"
	stop_all
	t_check "$fam: socat pipes a file from server to client" cmp "$t/src" "$t/got2"
}

# Two SO_REUSEPORT listeners, spelled TCP's way; each takes connections.
reuseport_body() {
	local fam=$1 t=$2 port=$3
	cat > "$t/rp.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
ls = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    s.setblocking(False)
    ls.append(s)
assert ls[0].family == socket.AF_INET
assert ls[0].getsockname() == ("127.0.0.1", port), ls[0].getsockname()
cs = []
for _ in range(24):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(("127.0.0.1", port))
    cs.append(c)
counts = [0, 0]
import time
end = time.time() + 20
while sum(counts) < len(cs) and time.time() < end:
    for i, s in enumerate(ls):
        try:
            a, peer = s.accept()
            assert peer[0] == "127.0.0.1"
            counts[i] += 1
            a.close()
        except BlockingIOError:
            pass
print("accepted", counts[0], counts[1])
sys.exit(0 if counts[0] and counts[1] and sum(counts) == len(cs) else 1)
EOF
	t_check "$fam: two SO_REUSEPORT listeners share 24 connections" \
		run "$fam" python3 "$t/rp.py" "$port"
}

edurun_body() {
	local fam=$1 t=$T_TMP/$1
	mkdir -p "$t/www"
	head -c 4194304 /dev/urandom > "$t/www/big"
	echo small > "$t/www/small.txt"
	http_body "$fam" "$t" $BASE
	nginx_body "$fam" "$t" $((BASE + 1))
	redis_body "$fam" "$t" $((BASE + 2))
	socat_body "$fam" "$t" $((BASE + 3))
	reuseport_body "$fam" "$t" $((BASE + 5))
}

if ! need python3 curl nginx ab redis-server redis-cli redis-benchmark socat; then
	t_skip "real programs" "not installed (scripts/deps installs them)"
	t_done
fi
for fam in $FAMILIES; do
	edurun_body "$fam"
done
t_check "no server process is left behind" no_servers
t_done
