#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_labs.sh - the labs of docs/labs/ still show what their pages
# say: each lab runs as `make lab` runs it (scripts/lab), and the figures
# its page quotes are checked in its output, on TCP and on EDUTCP.
#
# real-servers: the backlogs http.server (5), nginx (511) and redis (511)
# pass to listen(); nginx with backlog=8 under ab -c 100: the accept queue
# never holds more than backlog + 1, ListenOverflows grows, and every
# request ends (complete = requests).
#
# backlog: backlog 2, six clients, no accept(): the SYN queue and then the
# accept queue hold 3 (backlog + 1), 3 clients connect and 3 wait; ss -lnt
# and edustat -ln say Recv-Q 3, Send-Q 2; somaxconn 3 clamps listen(fd,
# 50) to 3; listen() again sets 2, 7, 1; backlog_model linux/bsd/sum
# queue 3, 4 and 2 connections (bsd and sum on EDUTCP only).
#
# overflow: a final ACK meets a full accept queue (backlog 1): the client
# ESTABLISHED, the server SYN_RECV; tcpdump sees the SYN-ACK 3 times, 1 s
# then (at least) 2 s apart; after accept() the request completes; with
# abort_on_overflow=1 the client's first read gets ECONNRESET.
#
# sockets: a server that accepted two clients holds three sockets, the
# listener and one per connection, each a row on the server's port with
# the inode of its socket:[inode] link; the clients' ports are ephemeral.
#
# flow: 2 MiB to a reader that sleeps 6 s: both queues fill, the window
# closes (TCP: to 0; EDUTCP: below the sender's silly-window threshold),
# the sender probes, and every byte arrives.
#
# workers: 4 forked workers in a blocking accept() share 20 connections,
# one wake-up each; in epoll_wait() every worker wakes for every
# connection, with EPOLLEXCLUSIVE one; 4 SO_REUSEPORT listeners each get
# a share of 40 connections, and when one closes exactly its queued
# connections are reset.
#
# limits: accept() gets EMFILE at RLIMIT_NOFILE and ENFILE at fs.file-max
# (not root) while the connection waits, and gets it once the limit is
# lifted; with two ephemeral ports the third connect() gets EADDRNOTAVAIL.
#
# teardown: the client closes first: its row FIN_WAIT1, FIN_WAIT2,
# TIME_WAIT, the server's CLOSE_WAIT, LAST_ACK, then gone; a FIN each way
# and no RST; bind() to the client's port in TIME_WAIT gets EADDRINUSE,
# with and without SO_REUSEADDR; TCP's TIME_WAIT has about 60 s left,
# EDUTCP's leaves after tw_timeout (5 s) and bind() then succeeds; close()
# with 100 bytes unread sends an RST and no FIN, counted in
# (TCP)AbortOnClose, and the peer's read() gets ECONNRESET.
#
# flood: 100 spoofed SYNs against backlog 8 from another namespace.
# Without cookies the SYN queue holds 9 (backlog + 1), the flood's other
# 91 SYNs and the real client's are dropped (ListenDrops, and the same
# count in TCPReqQFullDrop / SynQueueDrops), the client's connect() times
# out; with cookies the queue fills to 9 again, the other 91 SYNs and the
# client's get cookies (SyncookiesSent 92), nothing is dropped, and the
# client connects through its cookie and gets its 24 bytes back.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

# Fewer requests and clients than the lab's 1000 and 200: the clients' SYN
# retransmissions (1, 2, 4, ... s) make a run long whatever the count, and
# 100 clients still overflow a backlog of 8.
REQS=300
CLIENTS=100
OUT=build/labs/real-servers/output.txt

for p in python3 nginx redis-server ab tcpdump tc; do
	if ! command -v "$p" > /dev/null; then
		t_skip "labs" "$p is not installed (scripts/deps)"
		t_done
	fi
done

t_check "scripts/lab real-servers: status 0" eval \
	'LAB_REQUESTS=$REQS LAB_CLIENTS=$CLIENTS scripts/lab real-servers > /dev/null 2>&1 || { tail -n 30 "$OUT"; false; }'

# result FAM KEY [FILE]: the value of KEY on the lab's RESULT lines for FAM.
result() {
	sed -n "s/^RESULT $1 .*\\b$2=\\([0-9,]*\\).*/\\1/p" "${3:-$OUT}" | head -n 1
}

# The table's row for PROGRAM: "tcp edutcp".
backlogs() { awk -v p="$1" '$1 == p && NF == 3 { print $2, $3 }' "$OUT"; }

t_check "http.server asks for a backlog of 5, on both" expect_eq "$(backlogs http.server)" "5 5"
t_check "nginx asks for 511, on both" expect_eq "$(backlogs nginx)" "511 511"
t_check "redis-server asks for 511, on both" expect_eq "$(backlogs redis-server)" "511 511"
t_check "edustat -R/--plot drew EDUTCP's queues: a well-formed SVG" \
	xmllint --noout build/labs/real-servers/edu-queues.svg
# samples FAM: how many times the lab's sampler read the accept queue.
samples() { sed -n "s/^RESULT $1 .*full_samples=[0-9]*\/\([0-9]*\).*/\1/p" "$OUT" | head -n 1; }

for fam in tcp edu; do
	# A sample catches the full queue only by luck, and a fast run has
	# only a few samples, all of which may find it empty (TCP once: 4
	# samples, all 0, with 91 overflows); each overflow is the kernel
	# saying it was full (backlog + 1 = 9).
	t_check "$fam: nginx backlog=8: the sampled accept queue never exceeds 9 (backlog + 1)" \
		eval 'grep "^RESULT $fam backlog=" "$OUT";
		      [ "$(samples "$fam")" -ge 1 ] && [ "$(result "$fam" max_acceptq)" -le 9 ]'
	t_check "$fam: ListenOverflows grew: the queue was full" \
		eval '[ "$(result "$fam" overflows)" -gt 0 ]'
	t_check "$fam: ab: all $REQS requests ended" \
		expect_eq "$(result "$fam" complete)" "$REQS"
done

# --- backlog ----------------------------------------------------------
B=build/labs/backlog/output.txt
t_check "scripts/lab backlog: status 0" eval \
	'scripts/lab backlog > /dev/null 2>&1 || { tail -n 30 "$B"; false; }'
t_check "edustat -R/--plot drew the queues: a well-formed SVG" \
	xmllint --noout build/labs/backlog/queues.svg
for fam in tcp edu; do
	t_check "$fam: backlog 2: the SYN queue held 3 (backlog + 1)" \
		expect_eq "$(result "$fam" max_synq "$B")" 3
	t_check "$fam: ... then the accept queue held 3" \
		expect_eq "$(result "$fam" max_acceptq "$B")" 3
	t_check "$fam: ... 3 clients connected, 3 still in SYN_SENT" \
		expect_eq "$(result "$fam" connected "$B") $(result "$fam" pending "$B")" "3 3"
	t_check "$fam: the listener's row: Recv-Q 3, Send-Q 2" \
		expect_eq "$(result "$fam" recvq "$B") $(result "$fam" sendq "$B")" "3 2"
	t_check "$fam: somaxconn 3 clamps listen(fd, 50) to 3" \
		expect_eq "$(sed -n "s/^RESULT $fam asked=50 somaxconn=3 backlog=//p" "$B")" 3
	t_check "$fam: listen() again sets the backlog: 2, 7, 1" \
		expect_eq "$(result "$fam" relisten "$B")" "2,7,1"
	t_check "$fam: backlog_model linux: 3 connections queued" \
		expect_eq "$(sed -n "s/^RESULT $fam model=linux connected=//p" "$B")" 3
done
t_check "edu: backlog_model bsd: 4 (3B/2 + 1)" \
	expect_eq "$(sed -n 's/^RESULT edu model=bsd connected=//p' "$B")" 4
t_check "edu: backlog_model sum: 2 (B)" \
	expect_eq "$(sed -n 's/^RESULT edu model=sum connected=//p' "$B")" 2

# --- overflow ---------------------------------------------------------
O=build/labs/overflow/output.txt
t_check "scripts/lab overflow: status 0" eval \
	'scripts/lab overflow > /dev/null 2>&1 || { tail -n 30 "$O"; false; }'
t_check "edutrace drew the overflowed connection: a well-formed SVG" \
	xmllint --noout build/labs/overflow/overflow.svg
t_check "... and its Mermaid text shows the overflow and the completion" eval \
	'grep -q "overflow: accept queue full" build/labs/overflow/overflow.mmd &&
	 grep -q "handshake done" build/labs/overflow/overflow.mmd'
for fam in tcp edu; do
	t_check "$fam: overflowed: client ESTABLISHED, server SYN_RECV" \
		expect_eq "$(result "$fam" client_state "$O") $(result "$fam" server_state "$O")" "01 03"
	t_check "$fam: tcpdump: the SYN-ACK sent at least 3 times" \
		eval '[ "$(result "$fam" synacks "$O")" -ge 3 ]'
	# The timer's steps, 1 s then 2 s; on a loaded machine a later one
	# may come late, never early.
	t_check "$fam: ... 1 s, then at least 2 s apart" \
		eval 'IFS=, read -r g1 g2 _ <<< "$(result "$fam" gaps "$O")" &&
		      [ "$g1" = 1 ] && [ "${g2:-0}" -ge 2 ]'
	t_check "$fam: after accept() the request completed" \
		expect_eq "$(result "$fam" completed "$O")" 1
	t_check "$fam: abort_on_overflow=1: one client reset on its first read, one alive" \
		expect_eq "$(result "$fam" reset "$O") $(result "$fam" alive "$O")" "1 1"
	t_check "$fam: ... and no request left behind" \
		expect_eq "$(result "$fam" requests_left "$O")" 0
done

# --- sockets ----------------------------------------------------------
S=build/labs/sockets/output.txt
t_check "scripts/lab sockets: status 0" eval \
	'scripts/lab sockets > /dev/null 2>&1 || { tail -n 30 "$S"; false; }'
for fam in tcp edu; do
	t_check "$fam: the server holds 3 sockets: the listener and one per connection" \
		expect_eq "$(result "$fam" server_sockets "$S")" 3
	t_check "$fam: ... each one's socket:[inode] is a row on the server's port" \
		expect_eq "$(result "$fam" rows_matched "$S")" 3
	t_check "$fam: ... one LISTEN row and two ESTABLISHED, all on that port" \
		expect_eq "$(result "$fam" listen_rows "$S") $(result "$fam" server_estab_rows "$S")" "1 2"
	t_check "$fam: both clients' ports come from ip_local_port_range" \
		expect_eq "$(result "$fam" client_ports_in_range "$S")" 2
done

# --- flow -------------------------------------------------------------
F=build/labs/flow/output.txt
t_check "scripts/lab flow: status 0" eval \
	'scripts/lab flow > /dev/null 2>&1 || { tail -n 30 "$F"; false; }'
t_check "flow: the chart of EDUTCP's queues is a well-formed SVG" \
	xmllint --noout build/labs/flow/queues.svg
for fam in tcp edu; do
	t_check "$fam: 2 MiB to a sleeping reader arrive, checksummed" \
		expect_eq "$(result "$fam" transfer_ok "$F")" 1
	t_check "$fam: ... the receiver's rx_queue and the sender's tx_queue filled" eval \
		'[ "$(result "$fam" rx_max "$F")" -gt 0 ] && [ "$(result "$fam" tx_max "$F")" -gt 0 ]'
	t_check "$fam: ... the sender sent zero-window probes" eval \
		'[ "$(result "$fam" probes "$F")" -ge 1 ]'
done
t_check "tcp: ... its receiver closed the window to 0" eval \
	'[ "$(result tcp zero_windows "$F")" -ge 1 ]'
t_check "edu: ... its receiver's window fell below half the largest (32767)" eval \
	'[ "$(result edu min_window "$F")" -lt 32767 ]'

# --- workers ----------------------------------------------------------
K=build/labs/workers/output.txt
t_check "scripts/lab workers: status 0" eval \
	'scripts/lab workers > /dev/null 2>&1 || { tail -n 30 "$K"; false; }'
for fam in tcp edu; do
	t_check "$fam: blocking accept() in 4 workers: all 20 served, each worker some" eval \
		'[ "$(result "$fam accept" served "$K")" = 20 ] &&
		 [ "$(result "$fam accept" served_min "$K")" -ge 1 ]'
	t_check "$fam: ... one wake-up per connection, no herd (under 40)" eval \
		'[ "$(result "$fam accept" wakeups "$K")" -lt 40 ]'
	t_check "$fam: epoll without EPOLLEXCLUSIVE: every worker wakes, 40 or more" eval \
		'[ "$(result "$fam epoll" served "$K")" = 20 ] &&
		 [ "$(result "$fam epoll" wakeups "$K")" -ge 40 ]'
	t_check "$fam: EPOLLEXCLUSIVE: the herd is gone (under 40)" eval \
		'[ "$(result "$fam epollex" served "$K")" = 20 ] &&
		 [ "$(result "$fam epollex" wakeups "$K")" -lt 40 ]'
	t_check "$fam: 4 reuseport listeners share the 40 connections, each some" eval \
		'[ "$(result "$fam reuseport" listeners "$K")" = 4 ] &&
		 [ "$(result "$fam reuseport" queued "$K")" = 40 ] &&
		 [ "$(result "$fam reuseport" acceptq_min "$K")" -ge 1 ]'
	t_check "$fam: ... one closes: exactly its queued connections are reset" \
		expect_eq "$(result "$fam reuseport" reset "$K")" "$(result "$fam reuseport" closed_held "$K")"
	t_check "$fam: ... the others' stay, and are accepted" eval \
		'a=$(result "$fam reuseport" alive "$K") &&
		 [ $((a + $(result "$fam reuseport" reset "$K"))) = 40 ] &&
		 [ "$(result "$fam reuseport" accepted "$K")" = "$a" ]'
done

# --- limits -----------------------------------------------------------
L=build/labs/limits
FILE_MAX=$(cat /proc/sys/fs/file-max)
t_check "scripts/lab limits: status 0" eval \
	'scripts/lab limits > /dev/null 2>&1 || { tail -n 30 "$L/output.txt"; false; }'
t_check "... and fs.file-max is back to $FILE_MAX" \
	expect_eq "$(cat /proc/sys/fs/file-max)" "$FILE_MAX"
for fam in tcp edu; do
	e=$L/$fam.emfile.txt n=$L/$fam.enfile.txt p=$L/$fam.ports.txt
	t_check "$fam: RLIMIT_NOFILE reached: accept() gets EMFILE" \
		grep -qx "accept: EMFILE" "$e"
	t_check "$fam: ... the connection still waits, then accept() returns it" eval \
		'grep -q "acceptq: 1 (the connection still waits)" "$e" &&
		 grep -qx "accept: ok" "$e" && grep -qx "acceptq: 0" "$e"'
	t_check "$fam: fs.file-max 0, uid 65534: accept() gets ENFILE" \
		grep -qx "child: uid 65534, accept: ENFILE" "$n"
	t_check "$fam: ... the connection still waits; root accepts it" eval \
		'grep -q "acceptq: 1 (the connection still waits)" "$n" &&
		 grep -q "accept as root: ok" "$n"'
	t_check "$fam: ip_local_port_range of 2: two connects take 40000 and 40001" \
		expect_eq "$(sed -n 's/^connect [12]: local port //p' "$p" | sort | tr '\n' ' ')" "40000 40001 "
	t_check "$fam: ... the third connect() gets EADDRNOTAVAIL" \
		grep -qx "connect 3: EADDRNOTAVAIL" "$p"
done

# --- teardown ---------------------------------------------------------
D=build/labs/teardown/output.txt
t_check "scripts/lab teardown: status 0" eval \
	'scripts/lab teardown > /dev/null 2>&1 || { tail -n 30 "$D"; false; }'
t_check "edutrace drew the closed connection: a well-formed SVG" \
	xmllint --noout build/labs/teardown/teardown.svg
t_check "... and its Mermaid text shows both ends' states" eval \
	'grep -q "ESTABLISHED → FIN_WAIT1" build/labs/teardown/teardown.mmd &&
	 grep -q "FIN_WAIT2 → TIME_WAIT" build/labs/teardown/teardown.mmd &&
	 grep -q "CLOSE_WAIT → LAST_ACK" build/labs/teardown/teardown.mmd &&
	 grep -q "TIME_WAIT → CLOSE" build/labs/teardown/teardown.mmd'

# word FAM KEY: the value of KEY on the teardown lab's RESULT lines for FAM.
word() {
	sed -n "s/^RESULT $1 .*\\b$2=\\([^ ]*\\).*/\\1/p" "$D" | head -n 1
}

for fam in tcp edu; do
	t_check "$fam: the closer's row: FIN_WAIT1, FIN_WAIT2, TIME_WAIT" \
		expect_eq "$(word "$fam" closer)" FIN_WAIT1,FIN_WAIT2,TIME_WAIT
	t_check "$fam: the other end's: CLOSE_WAIT, LAST_ACK, then gone" \
		expect_eq "$(word "$fam" peer)" CLOSE_WAIT,LAST_ACK,CLOSED
	t_check "$fam: tcpdump: a FIN each way, no RST" \
		eval '[ "$(word "$fam" fin_out)" -ge 1 ] && [ "$(word "$fam" fin_back)" -ge 1 ] &&
		      [ "$(word "$fam" rsts)" = 0 ]'
	t_check "$fam: TIME_WAIT holds the port: bind() gets EADDRINUSE, with SO_REUSEADDR too" \
		expect_eq "$(word "$fam" bind) $(word "$fam" bind_reuseaddr)" "EADDRINUSE EADDRINUSE"
	t_check "$fam: close() with 100 bytes unread: an RST, no FIN" \
		expect_eq "$(word "$fam" unread) $(word "$fam" rst_from_server) $(word "$fam" fin_from_server)" "100 1 0"
	t_check "$fam: ... counted in AbortOnClose, and the peer's read() gets ECONNRESET" \
		expect_eq "$(word "$fam" abort_on_close) $(word "$fam" read)" "1 ECONNRESET"
done
# The times are read when the script gets to them, late on a loaded
# machine: TCP's left of 60 s, EDUTCP's from when TIME_WAIT was seen.
t_check "tcp: TIME_WAIT has most of 60 s left (TCP_TIMEWAIT_LEN)" \
	eval '[ "$(word tcp tw_left)" -ge 40 ] && [ "$(word tcp tw_left)" -le 60 ]'
t_check "edu: TIME_WAIT leaves after tw_timeout (5 s), then bind() succeeds" \
	eval '[ "$(word edu tw_gone)" -ge 1 ] && [ "$(word edu tw_gone)" -le 8 ] &&
	      [ "$(word edu rebind)" = ok ]'

# --- flood ------------------------------------------------------------
FL=build/labs/flood/output.txt
t_check "scripts/lab flood: status 0" eval \
	'scripts/lab flood > /dev/null 2>&1 || { tail -n 30 "$FL"; false; }'
t_check "edustat -R/--plot drew the flooded listener: a well-formed SVG" \
	xmllint --noout build/labs/flood/queues.svg
# flood0 FAM KEY / flood1 FAM KEY: KEY of the cookies=0 / cookies=1 line.
flood0() { sed -n "s/^RESULT $1 cookies=0 .*\\b$2=\\([0-9a-z]*\\).*/\\1/p" "$FL"; }
flood1() { sed -n "s/^RESULT $1 cookies=1 .*\\b$2=\\([0-9a-z]*\\).*/\\1/p" "$FL"; }
for fam in tcp edu; do
	t_check "$fam: no cookies: the SYN queue held 9 (backlog 8 + 1)" \
		expect_eq "$(flood0 "$fam" max_synq)" 9
	t_check "$fam: ... ListenDrops grew by the flood's 91 and the client's SYNs" \
		eval '[ "$(flood0 "$fam" drops)" -ge 92 ]'
	t_check "$fam: ... each of them dropped because the SYN queue was full" \
		expect_eq "$(flood0 "$fam" qfull_drops)" "$(flood0 "$fam" drops)"
	t_check "$fam: ... the real client's connect() timed out" \
		expect_eq "$(flood0 "$fam" client)" timeout
	t_check "$fam: cookies: the SYN queue held 9 again" \
		expect_eq "$(flood1 "$fam" max_synq)" 9
	t_check "$fam: ... SyncookiesSent 92 (the flood's other 91 and the client's), no drop" \
		expect_eq "$(flood1 "$fam" cookies_sent) $(flood1 "$fam" drops)" "92 0"
	t_check "$fam: ... the client connected through its cookie (SyncookiesRecv 1)" \
		expect_eq "$(flood1 "$fam" cookies_recv) $(flood1 "$fam" client)" "1 ok"
	t_check "$fam: ... and its 24 bytes came back" \
		expect_eq "$(flood1 "$fam" echoed)" 24
done
t_done
