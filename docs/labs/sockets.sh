#!/bin/bash
# docs/labs/sockets.sh - socket, bind, listen, accept: one listening socket, one socket per connection
#
# On TCP, then on EDUTCP:
# 1. A server (edu_listener -a: socket(), bind(), listen(), accept() of
#    every connection) on 127.0.0.1.
# 2. Two clients that connect without bind(): the kernel gives each an
#    ephemeral port from net.ipv4.ip_local_port_range.
# 3. The server's descriptors: socket:[INODE] links in /proc/PID/fd, and
#    /proc/PID/fdinfo for the listener.
# 4. The same inodes in /proc/net/tcp (/proc/net/edutcp): one LISTEN row,
#    and one ESTABLISHED row per accepted connection, all on the server's
#    port; the clients' rows on their own ports.
# 5. ss -tanp (TCP) and edustat -anp (EDUTCP): the same sockets with
#    their owning processes.
# Each family ends with a RESULT line that selftests/t_labs.sh checks.
#
# It runs in a network namespace of its own.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need ss edustat

ADDR=127.0.0.1
trap 'stop_all; rm -rf "$W"' EXIT
read -r LOW HIGH < /proc/sys/net/ipv4/ip_local_port_range

# rows FAM PORT: "st local remote inode" of every row with PORT at either
# end, ports in decimal.
rows() {
	local file=/proc/net/tcp p
	local -a r
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$2"
	tail -n +2 "$file" | while read -r -a r; do
		[ "${r[1]: -5}" = "$p" ] || [ "${r[2]: -5}" = "$p" ] || continue
		echo "${r[3]} $((16#${r[1]#*:})) $((16#${r[2]#*:})) ${r[9]}"
	done
}

# socket_fds PID: "fd inode" of each socket descriptor of PID.
socket_fds() {
	local l
	for l in /proc/"$1"/fd/*; do
		[[ $(readlink "$l") =~ ^socket:\[([0-9]+)\]$ ]] &&
			echo "${l##*/} ${BASH_REMATCH[1]}"
	done
}

port=8600
for fam in tcp edu; do
	step "$fam: 1. a server: socket(), bind($ADDR:$port), listen(), accept() each connection"
	echo "\$ edu_listener $(fam_flag "$fam") -a $ADDR $port &"
	# shellcheck disable=SC2046  # fam_flag prints two words
	"$HELPERS/edu_listener" $(fam_flag "$fam") -a "$ADDR" "$port" > "$W/lis.$fam" &
	srv=$!
	PIDS+=("$srv")
	wait_listen "$fam" "$port" || exit 1

	step "$fam: 2. two clients connect(), with no bind() before"
	for c in 1 2; do
		echo "\$ edu_hold $(fam_flag "$fam") $ADDR $port &"
		# shellcheck disable=SC2046
		"$HELPERS/edu_hold" $(fam_flag "$fam") "$ADDR" "$port" > "$W/c$c.$fam" &
		PIDS+=("$!")
	done
	until_true 20 eval '[ "$(grep -c "^accepted" "$W/lis.$fam")" = 2 ]' ||
		{ echo "lab: the server did not accept both"; exit 1; }
	cports=()
	for c in 1 2; do
		until_true 20 grep -q '^connected port' "$W/c$c.$fam"
		cports+=("$(sed -n 's/^connected port //p' "$W/c$c.$fam")")
		echo "client $c: $(cat "$W/c$c.$fam")"
	done

	step "$fam: 3. the server's descriptors (process $srv)"
	echo "\$ ls -l /proc/$srv/fd | grep socket"
	socket_fds "$srv" | while read -r fd ino; do
		echo "$fd -> socket:[$ino]"
	done
	lfd=$(socket_fds "$srv" | head -n 1 | cut -d' ' -f1)
	show cat "/proc/$srv/fdinfo/$lfd"

	step "$fam: 4. /proc/net/$([ "$fam" = tcp ] && echo tcp || echo edutcp): state, local port, remote port, inode"
	rows "$fam" "$port" | tee "$W/rows.$fam"

	step "$fam: 5. the same sockets with their processes"
	if [ "$fam" = tcp ]; then
		show ss -tanp "( sport = :$port or dport = :$port )"
	else
		show edustat -anp
	fi

	# The checks: every socket of the server is a row on its port, one
	# LISTEN and two ESTABLISHED; each client's row is on its own port,
	# taken from the ephemeral range.
	socket_fds "$srv" | cut -d' ' -f2 > "$W/inodes.$fam"
	mapfile -t inodes < "$W/inodes.$fam"
	match=0
	for ino in "${inodes[@]}"; do
		awk -v p="$port" -v i="$ino" '$2 == p && $4 == i { f = 1 } END { exit !f }' \
			"$W/rows.$fam" && match=$((match + 1))
	done
	listen=$(awk -v p="$port" '$1 == "0A" && $2 == p' "$W/rows.$fam" | wc -l)
	estab=$(awk -v p="$port" '$1 == "01" && $2 == p' "$W/rows.$fam" | wc -l)
	inrange=0
	for p in "${cports[@]}"; do
		[ "$p" -ge "$LOW" ] && [ "$p" -le "$HIGH" ] &&
			awk -v p="$p" -v s="$port" '$1 == "01" && $2 == p && $3 == s { f = 1 } END { exit !f }' \
				"$W/rows.$fam" && inrange=$((inrange + 1))
	done
	echo
	echo "RESULT $fam server_sockets=${#inodes[@]} rows_matched=$match listen_rows=$listen server_estab_rows=$estab client_ports_in_range=$inrange"
	stop_all
	port=$((port + 10))
done
