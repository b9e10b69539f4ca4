#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the checks are functions run by t_check
# selftests/t_proc_big.sh - /proc/net/edutcp with 10 000 sockets, read
# 1000 bytes at a time while another process opens and closes sockets.
#
# helpers/proc_big, alone in a fresh network namespace (so every row is
# its own), opens 10 000 listeners, each on its own port (listeners have
# rows; merely bound sockets do not), and checks that:
#  * every read, from open() to end of file in read(fd, buf, 1000) steps,
#    while a child process opens and closes 50 listeners at a time
#    throughout, has every row whole and numbered in order, each of the
#    10 000 inodes exactly once, no inode twice;
#  * reading costs time linear in the rows: the best of 5 reads of 10 000
#    rows takes less than 8 times the best of 5 reads of 2 500 rows (4
#    times is linear; seq_file's doubling of its buffer and TCG's noise
#    get the rest);
#  * a reader in a second namespace sees only that namespace's 3 rows, and
#    its reads take no longer with the 10 000 sockets next door than
#    without them: median read time at most MAX_OTHER_RATIO times the
#    median before (1 when each namespace walks only its own tables; ~10
#    and more when every read walks every namespace's sockets);
#  * connections keep completing while a process reads the big table in a
#    loop: at least half as many per second as beside a process that only
#    spins (a reader that keeps softirqs off for a whole pass stalls them
#    to almost nothing).  The spinning process is the baseline, not an
#    idle machine, because under TCG a second busy virtual CPU costs the
#    first one a share of the host by itself; the rate alone is printed.
# The debug kernel (T_SLOW) opens fewer sockets, with the same checks.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

N=$((10000 / T_SLOW))
MAX_RATIO=8
MAX_OTHER_RATIO=3
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

run_helper() {
	unshare -n build/selftests/helpers/proc_big -n "$N" > "$OUT" 2>&1
	local rc=$?
	sed -n '/^\(error\|timed\|churn\|other\|connect\|result\)/p' "$OUT"
	# A helper that died says so, with its last words.
	[ "$rc" -eq 0 ] || { echo "proc_big exited with status $rc:"; tail -n 5 "$OUT"; }
	return "$rc"
}

# Every "read I:" line says 0 missing, 0 duplicated, 0 bad.
snapshots() {
	local n
	n=$(grep -c '^read [0-9]*: [0-9]* rows, 0 missing, 0 duplicated, 0 bad$' "$OUT")
	grep '^read \|^# read' "$OUT"
	[ "$n" -ge 1 ] && [ "$n" = "$(grep -c '^read ' "$OUT")" ] && grep -q '^result ok$' "$OUT"
}

raced() {
	local c
	c=$(sed -n 's/^churn: \([0-9]*\) cycles.*/\1/p' "$OUT")
	[ "${c:-0}" -gt 0 ] || { echo "the child closed no socket during the reads"; return 1; }
}

timed_rows() {
	local got
	got=$(sed -n 's/^timed \([0-9]*\) rows.*/\1/p' "$OUT" | tr '\n' ' ')
	expect_eq "$got" "$((N / 4)) $N "
}

linear() {
	local small big
	small=$(sed -n 's/^timed [0-9]* rows: best \([0-9.]*\) ms.*/\1/p' "$OUT" | sed -n 1p)
	big=$(sed -n 's/^timed [0-9]* rows: best \([0-9.]*\) ms.*/\1/p' "$OUT" | sed -n 2p)
	if [ -z "$small" ] || [ -z "$big" ]; then
		echo "no timings"
		return 1
	fi
	awk -v s="$small" -v b="$big" -v m="$MAX_RATIO" 'BEGIN {
		r = s > 0 ? b / s : 0
		printf "%d rows: %.1f ms, %d rows: %.1f ms, ratio %.2f (limit %d)\n", '"$((N / 4))"', s, '"$N"', b, r, m
		exit !(s > 0 && r < m)
	}'
}

# Both "other" lines: exactly the second namespace's rows, every read.
other_rows() {
	grep '^other ' "$OUT"
	[ "$(grep -c '^other [0-9]*: 3 rows, median [0-9.]* ms, ok$' "$OUT")" = 2 ]
}

other_cost() {
	local before after
	before=$(sed -n 's/^other 0: .* median \([0-9.]*\) ms.*/\1/p' "$OUT")
	after=$(sed -n "s/^other $N: .* median \\([0-9.]*\\) ms.*/\\1/p" "$OUT")
	if [ -z "$before" ] || [ -z "$after" ]; then
		echo "no timings"
		return 1
	fi
	awk -v b="$before" -v a="$after" -v m="$MAX_OTHER_RATIO" 'BEGIN {
		r = b > 0 ? a / b : 0
		printf "next door empty: %.3f ms, %d sockets next door: %.3f ms, ratio %.2f (limit %d)\n", b, '"$N"', a, r, m
		exit !(b > 0 && r <= m)
	}'
}

conn_rate() {
	local alone hog busy reads line
	line=$(sed -n 's/^connect: \([0-9]*\)\/s alone, \([0-9]*\)\/s beside a busy process, \([0-9]*\)\/s with a reader (\([0-9]*\) reads)$/\1 \2 \3 \4/p' "$OUT")
	read -r alone hog busy reads <<< "$line"
	if [ -z "${alone:-}" ]; then
		echo "no connection rates"
		return 1
	fi
	echo "connections/s: $alone alone, $hog beside a busy process, $busy while a reader read the table ($reads more passes)"
	[ "$hog" -gt 0 ] && [ $((busy * 2)) -ge "$hog" ]
}

t_check "module loaded" module_loaded
t_check "$N listeners in a namespace of their own, the table read in 1000-byte pieces" run_helper
t_check "both timed reads saw every row ($((N / 4)), then $N)" timed_rows
t_check "each read during the churn: every socket exactly once, rows whole and in order" snapshots
t_check "... while another process opened and closed sockets" raced
t_check "reading $N rows costs less than $MAX_RATIO times reading $((N / 4))" linear
t_check "a reader in another namespace sees only its own rows" other_rows
t_check "... and reads as fast with $N sockets next door as with none" other_cost
t_check "connections complete at half their rate or more while a reader loops over the table" conn_rate
t_done
