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
for fam in tcp edu; do
	# A sample catches the full queue only by luck; each overflow is
	# the kernel saying it was full (backlog + 1 = 9).
	t_check "$fam: nginx backlog=8: the sampled accept queue never exceeds 9 (backlog + 1)" \
		eval '[ "$(result "$fam" max_acceptq)" -ge 1 ] && [ "$(result "$fam" max_acceptq)" -le 9 ]'
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
# --- flood ------------------------------------------------------------
F=build/labs/flood/output.txt
t_check "scripts/lab flood: status 0" eval \
	'scripts/lab flood > /dev/null 2>&1 || { tail -n 30 "$F"; false; }'
t_check "edustat -R/--plot drew the flooded listener: a well-formed SVG" \
	xmllint --noout build/labs/flood/queues.svg
# flood0 FAM KEY / flood1 FAM KEY: KEY of the cookies=0 / cookies=1 line.
flood0() { sed -n "s/^RESULT $1 cookies=0 .*\\b$2=\\([0-9a-z]*\\).*/\\1/p" "$F"; }
flood1() { sed -n "s/^RESULT $1 cookies=1 .*\\b$2=\\([0-9a-z]*\\).*/\\1/p" "$F"; }
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
