#!/bin/bash
# docs/labs/real-servers.sh - real servers: the backlog they ask for, nginx overflowing
#
# 1. The backlog that Python's http.server, nginx and redis ask listen()
#    for, read from the listener's row: ss -lnt on TCP, /proc/net/edutcp
#    on EDUTCP (the programs run unmodified, under edu-run).
# 2. nginx with "listen ... backlog=8" under ab -c 200: the accept queue
#    sampled every 50 ms while ab runs, ListenOverflows before and after,
#    and what ab says of the clients' latency.
#
# It runs in a network namespace of its own, so nothing it leaves (TIME_WAIT
# sockets) outlives it.  Files: $LAB_OUT/{tcp,edu}-queue.csv, the samples.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need python3 nginx redis-server ab edu-run

PORT=8090
BACKLOG=8
CONC=${LAB_CLIENTS:-200}
REQS=${LAB_REQUESTS:-1000}
port_free() { ! listen_row tcp "$PORT" && ! listen_row edu "$PORT"; }
# stop_servers: stop_all, and nginx's worker leaves after its master: wait
# for the port to be free.
stop_servers() {
	stop_all
	until_true 20 port_free
}
trap 'stop_servers; rm -rf "$W"' EXIT
mkdir -p "$W/www" "$W/ngx"
echo hello > "$W/www/index.html"

# nginx.conf PORT [BACKLOG]: one worker serving $W/www.
nginx_conf() {
	local backlog=${2:+ backlog=$2}
	cat > "$W/ngx/nginx.conf" <<EOC
user root;
worker_processes 1;
daemon off;
error_log $W/ngx/error.log;
pid $W/ngx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $W/ngx/body;
	proxy_temp_path $W/ngx/proxy;
	fastcgi_temp_path $W/ngx/fastcgi;
	uwsgi_temp_path $W/ngx/uwsgi;
	scgi_temp_path $W/ngx/scgi;
	server { listen 127.0.0.1:$1$backlog; root $W/www; }
}
EOC
}

# start FAM CMD...: a server in the background, on FAM; its PID (the
# program's own: edu-run execs it) in PIDS.
start() {
	if [ "$1" = edu ]; then
		shift
		edu-run -q "$@" > "$W/server.log" 2>&1 &
	else
		shift
		"$@" > "$W/server.log" 2>&1 &
	fi
	PIDS+=("$!")
}

step "1. The backlog real servers ask for"
echo "Each server starts with its defaults; the listener's Send-Q (ss -lnt)"
echo "or acceptq_max (/proc/net/edutcp) is the backlog it passed to listen()."
printf '%-22s %8s %8s\n' program tcp edutcp
for prog in http.server nginx redis-server; do
	line=$(printf '%-22s' "$prog")
	for fam in tcp edu; do
		case $prog in
		http.server)
			start "$fam" python3 -m http.server --bind 127.0.0.1 \
				--directory "$W/www" "$PORT" ;;
		nginx)
			nginx_conf "$PORT"
			start "$fam" nginx -c "$W/ngx/nginx.conf" -p "$W/ngx" ;;
		redis-server)
			start "$fam" redis-server --port "$PORT" --bind 127.0.0.1 \
				--save '' --appendonly no --dir "$W" ;;
		esac
		wait_listen "$fam" "$PORT" || exit 1
		line+=$(printf ' %8s' "$(backlog "$fam" "$PORT")")
		stop_servers
	done
	echo "$line"
done

step "2. nginx with backlog=$BACKLOG, under ab -n $REQS -c $CONC"
nginx_conf "$PORT" "$BACKLOG"
for fam in tcp edu; do
	start "$fam" nginx -c "$W/ngx/nginx.conf" -p "$W/ngx"
	wait_listen "$fam" "$PORT" || exit 1
	csv=$LAB_OUT/$fam-queue.csv
	before=$(counter "$fam" ListenOverflows)
	# The sampler: the accept queue and the counter every 50 ms.
	(
		echo "ms,acceptq,backlog,listen_overflows"
		t0=${EPOCHREALTIME/./}
		while :; do
			q=$(acceptq "$fam" "$PORT")
			now=${EPOCHREALTIME/./}
			echo "$(((now - t0) / 1000)),$q,$BACKLOG,$(counter "$fam" ListenOverflows)"
			sleep 0.05
		done
	) > "$csv" &
	sampler=$!
	# EDUTCP's listener row also has the SYN queue and the drops:
	# edustat records them and draws the chart (docs/edustat.md).
	rec=
	if [ "$fam" = edu ]; then
		edustat -R "$LAB_OUT/edu-queues.csv" -i 50 "127.0.0.1:$PORT" &
		rec=$!
	fi
	cmd="ab -r -s 240 -n $REQS -c $CONC http://127.0.0.1:$PORT/"
	[ "$fam" = edu ] && cmd="edu-run $cmd"
	echo "($fam) \$ $cmd"
	# -r: a failed request does not stop ab; -s 240: nor do clients
	# that wait long in SYN retransmissions.
	on "$fam" ab -q -r -s 240 -n "$REQS" -c "$CONC" "http://127.0.0.1:$PORT/" > "$W/ab.$fam" 2>&1
	kill "$sampler" $rec
	wait "$sampler" $rec 2> /dev/null
	if [ -n "$rec" ]; then
		edustat --plot "$LAB_OUT/edu-queues.csv" > "$LAB_OUT/edu-queues.svg" &&
			echo "chart: $LAB_OUT/edu-queues.svg"
	fi
	after=$(counter "$fam" ListenOverflows)
	grep -q '^Complete requests' "$W/ab.$fam" || { cat "$W/ab.$fam"; exit 1; }
	grep -E '^(Complete|Failed) requests|^   \(Connect|^Requests per second|^ +(50|99|100)%' "$W/ab.$fam"
	awk -F, -v fam="$fam" -v b="$BACKLOG" -v d=$((after - before)) '
		NR > 1 && $2 != "" { n++; if ($2 > max) max = $2; if ($2 == b + 1) full++ }
		END { printf "RESULT %s backlog=%d max_acceptq=%d full_samples=%d/%d overflows=%d\n",
			fam, b, max, full, n, d }' "$csv"
	sed -n 's/^Complete requests: *\([0-9]*\)/RESULT '"$fam"' complete=\1/p' "$W/ab.$fam"
	sed -n 's/^Failed requests: *\([0-9]*\)/RESULT '"$fam"' failed=\1/p' "$W/ab.$fam"
	sed -n 's/^ *100% *\([0-9]*\).*/RESULT '"$fam"' longest_ms=\1/p' "$W/ab.$fam"
	stop_servers
done
echo
echo "Samples: $LAB_OUT/tcp-queue.csv, $LAB_OUT/edu-queue.csv (ms,acceptq,backlog,listen_overflows)"
