#!/bin/bash
# docs/labs/workers.sh - many workers on one port: a prefork server, then SO_REUSEPORT listeners
#
# On TCP, then on EDUTCP:
# 1. eduprefork: 4 children accept() on one inherited listener, 20
#    connections one after another.  Blocking accept(): each connection
#    wakes one worker, in turn.  epoll: every worker wakes for every
#    connection (the thundering herd).  EPOLLEXCLUSIVE: one again.
# 2. edureuseport: 4 listeners on one port with SO_REUSEPORT, 40 clients:
#    each listener has its own accept queue and its share, by the hash of
#    the 4-tuple.  One listener closes: the connections in its queue are
#    reset, the others' wait on.
# Each part ends with RESULT lines that selftests/t_labs.sh checks.
#
# It runs in a network namespace of its own.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need eduprefork edureuseport

trap 'rm -rf "$W"' EXIT
WORKERS=4
CONNS=20
rc=0

# prefork FAM MODE PORT: one run of eduprefork, shown, and its RESULT.
prefork() {
	local fam=$1 m=$2
	# shellcheck disable=SC2046  # fam_flag prints two words
	show eduprefork $(fam_flag "$fam") -w "$WORKERS" -n "$CONNS" -m "$m" -p "$3" > "$W/p" 2>&1 || rc=1
	cat "$W/p"
	# The fewest and most connections a worker served, the fewest and
	# most wake-ups a worker had, and the wake-ups in all.
	awk -v fam="$fam" -v m="$m" '
		$1 == "worker" {
			s = $4; w = $6
			if (n++ == 0) { smin = smax = s; wmin = wmax = w }
			if (s < smin) smin = s; if (s > smax) smax = s
			if (w < wmin) wmin = w; if (w > wmax) wmax = w
		}
		$1 == "total" { served = $3; woken = $5 }
		END {
			printf "RESULT %s %s served=%d served_min=%d served_max=%d wakeups=%d wakeups_min=%d wakeups_max=%d\n",
				fam, m, served, smin, smax, woken, wmin, wmax
		}' "$W/p"
}

port=8700
for fam in tcp edu; do
	step "$fam: 1a. $WORKERS workers in a blocking accept(), $CONNS connections"
	prefork "$fam" accept $port
	step "$fam: 1b. the same workers in epoll_wait(), then accept()"
	prefork "$fam" epoll $((port + 1))
	step "$fam: 1c. epoll_wait() with EPOLLEXCLUSIVE"
	prefork "$fam" epollex $((port + 2))

	step "$fam: 2. four SO_REUSEPORT listeners on one port, 40 clients; then one closes"
	# shellcheck disable=SC2046
	show edureuseport $(fam_flag "$fam") -l 4 -n 40 -p $((port + 3)) > "$W/r" 2>&1 || rc=1
	cat "$W/r"
	awk -v fam="$fam" '
		$1 == "listener" && $5 == "acceptq" {
			q = $6; if (n++ == 0) { qmin = qmax = q }
			if (q < qmin) qmin = q; if (q > qmax) qmax = q
			if ($2 == "0:") q0 = q
		}
		$1 == "queued" { sum = $4 }
		$1 == "clients" { reset = $3; alive = $5 }
		$1 == "accepted" { acc = $2 }
		END {
			printf "RESULT %s reuseport listeners=%d queued=%d acceptq_min=%d acceptq_max=%d closed_held=%d reset=%d alive=%d accepted=%d\n",
				fam, n, sum, qmin, qmax, q0, reset, alive, acc
		}' "$W/r"
	port=$((port + 10))
done
exit "$rc"
