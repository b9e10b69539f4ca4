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
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

# Fewer requests and clients than the lab's 1000 and 200: the clients' SYN
# retransmissions (1, 2, 4, ... s) make a run long whatever the count, and
# 100 clients still overflow a backlog of 8.
REQS=300
CLIENTS=100
OUT=build/labs/real-servers/output.txt

for p in python3 nginx redis-server ab; do
	if ! command -v "$p" > /dev/null; then
		t_skip "real-servers lab" "$p is not installed (scripts/deps)"
		t_done
	fi
done

t_check "scripts/lab real-servers: status 0" eval \
	'LAB_REQUESTS=$REQS LAB_CLIENTS=$CLIENTS scripts/lab real-servers > /dev/null 2>&1 || { tail -n 30 "$OUT"; false; }'

# result FAM KEY: the value of KEY on the lab's RESULT lines for FAM.
result() {
	sed -n "s/^RESULT $1 .*\\b$2=\\([0-9]*\\).*/\\1/p" "$OUT" | head -n 1
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
t_done
