#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_memory.sh - EDUTCP's memory is accounted and limited as TCP's:
# the same steps run on TCP (the oracle) and on EDUTCP.
#  1. /proc/net/protocols has the family's row, whose memory column is a
#     number of pages: it rises while data is queued and falls back when
#     every socket is closed (EDUTCP: debugfs edutcp/memory, the exact
#     count, back to 0; the steps below measure EDUTCP's memory by it);
#  2. with the family's mem (tcp_mem) set low, $CONNS connections whose
#     receivers never read, each written until its sender gets EAGAIN: the
#     memory charged stays under mem's max (plus the per-socket minimum
#     the kernel grants above it and the per-CPU reserve of the count),
#     every sender blocks, and MemAvailable falls by no more than that;
#  3. 1-byte writes to a receiver that never reads: the bytes queued reach
#     a good part of the send buffer (a write does not take a page) and
#     the memory charged stays within the two buffers;
#  4. in a memory cgroup (v2), the same process's connections, both ends
#     (a connection accepted from a listener is charged to the process
#     that accepts it): the cgroup's "sock" memory covers every byte
#     written and not read, and is back to 0 when they are closed.
#  5. through a link that loses 5% and reorders 25% of the data, segments
#     held out of order take receive buffer, but the window's right edge
#     (ack + window) in the receiver's ACKs never moves back, so the
#     duplicate ACKs of a hole are alike and fast retransmit works; the
#     transfer ends in bounded time and the memory is given back.
#  6. a receiver that does not read takes small segments (each costs far
#     more buffer than its bytes, so the window is held by the right edge
#     alone), then the sender's FIN: the ACK of the FIN, sent from
#     CLOSE_WAIT, keeps the edge too.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

FILL=$HELPERS/mem_fill
CONNS=$((100 / T_SLOW))
# mem (tcp_mem) for step 2, in pages: min pressure max.
LOW_MEM="128 256 512"
LOW_MAX=512
# Above max the kernel still gives each socket its minimum (tcp_wmem[0],
# tcp_rmem[0]: 4 KiB, two pages with the sk_buff) and one write's worth
# past a full send buffer (__sk_mem_raise_allocated()); the count in
# /proc/net/protocols lags the exact one by up to mem_pcpu_rsv pages a CPU.
NCPU=$(nproc)
read -r PCPU < /proc/sys/net/core/mem_pcpu_rsv 2>/dev/null || PCPU=256
SLACK=$((PCPU * NCPU))
PER_SOCK=3
PAGE=$(getconf PAGESIZE)

mem_file() {
	if [ "$1" = tcp ]; then
		echo /proc/sys/net/ipv4/tcp_mem
	else
		echo /proc/sys/net/edutcp/mem
	fi
}

# proto_mem FAM: the memory column of the family's /proc/net/protocols row
# (pages), or the row itself when that is not a number.
proto_mem() {
	local name=TCP
	[ "$1" = edu ] && name=EDUTCP
	awk -v p="$name" '$1 == p { print $4; found = 1 } END { if (!found) print "no-row" }' \
		/proc/net/protocols
}

# charged FAM: the pages the family has charged: EDUTCP's exact count
# (debugfs), TCP's /proc/net/protocols row.  The row leaves out what each
# CPU holds in reserve (mem_pcpu_rsv): on one CPU, a rise of less than
# that may not show in it at all.
charged() {
	if [ "$1" = edu ]; then count_of memory; else proto_mem "$1"; fi
}

is_num() {
	[[ $1 =~ ^[0-9]+$ ]] && return 0
	echo "not a number of pages: '$1'"
	return 1
}

mem_avail_kb() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }

# field FILE WORD: the number after WORD on the line that starts with it.
field() { awk -v w="$2" '$1 == w { print $2 }' "$1"; }
field2() { awk -v w="$2" '$1 == w { print $4 }' "$1"; }

num_le() { is_num "$1" && expect_le "$1" "$2"; }

# The family's memory back down once every socket is gone: the row no
# higher than the per-CPU reserve; EDUTCP's exact count 0.
released() {
	local fam=$1 m
	m=$(proto_mem "$fam")
	is_num "$m" > /dev/null && [ "$m" -le "$SLACK" ] || return 1
	[ "$fam" = tcp ] || [ "$(count_of memory)" = 0 ]
}

released_check() {
	local fam=$1
	wait_until $((20 * T_SLOW)) released "$fam" && return 0
	echo "protocols row $(proto_mem "$fam"), debugfs memory $(count_of memory)"
	return 1
}

# start_fill FAM OUT ARGS...: mem_fill in the background (not in a
# t_check: its pid must reach this shell); filled: wait until it is full.
start_fill() {
	local fam=$1 out=$2
	shift 2
	# shellcheck disable=SC2046  # fam_opt prints two words or none
	"$FILL" $(fam_opt "$fam") "$@" > "$out" 2>&1 &
	FILL_PID=$!
	BG_PIDS+=("$FILL_PID")
}

filled() {
	wait_line "$1" '^(full|error)' $((90 * T_SLOW)) && has_line "$1" '^full' && return 0
	cat "$1"
	return 1
}

stop_fill() {
	[ -n "$FILL_PID" ] || return 0
	kill "$FILL_PID" 2>/dev/null
	wait "$FILL_PID" 2>/dev/null
	FILL_PID=
}

# --- 5: a lossy link ------------------------------------------------------
XFER=build/bin/eduxfer
LOSSY="loss 5% reorder 25% delay 5ms"
LOSSY_BYTES=$((2 * 1024 * 1024 / T_SLOW))

# edge_shrinks FILE [FILTER [MIN]]: how many of the receiver's ACKs in the capture FILE
# (its own, taken before any qdisc could reorder them) put the window's
# right edge, ack + (window << scale), before the furthest one already
# offered (RFC 9293 3.8.6; tcp_select_window()).  The scale is the one
# the receiver's SYN-ACK offered (syn_wscale).
# tcpdump -x prints the IP packet, 16 bytes a line: the ACK field is the
# last four bytes of the second line, the window the second pair of the
# third.  FILTER narrows the ACKs to one side's (the capture holds
# both); fewer than MIN of them (default 100) is reported as a failure.
edge_shrinks() {
	local ws f=${2:+ and ($2)}
	ws=$(syn_wscale "$1" "$F_SYNACK$f")
	tcpdump -r "$1" -nn -x "(ip[33] & 0x16) = 0x10$f" 2>/dev/null |
		awk -v ws="${ws:-0}" -v min="${3:-100}" '
		function hex(s,  i, n) {
			n = 0
			for (i = 1; i <= length(s); i++)
				n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n
		}
		/^[0-9]/ { head = $0 }
		$1 == "0x0010:" { ack = hex($8 $9) }
		$1 == "0x0020:" {
			edge = (ack + hex($3) * 2 ^ ws) % 2 ^ 32
			n++
			if (n > 1 && (edge - max + 2 ^ 32) % 2 ^ 32 >= 2 ^ 31) {
				if (!back++)
					why = "ACK " n " (flags 0x" substr($2, 3, 2) \
						", " head ") puts the edge at " edge \
						", before " max
			} else {
				max = edge
			}
		}
		END {
			print back + 0
			if (n < min)
				print "only " n " ACKs captured"
			if (why)
				print why
		}'
}

lossy_body() {
	local fam=$1 t=$T_TMP/$1 shrinks
	topo_up "mem$fam"
	t_check "$fam: topology up, netem on the data's way: $LOSSY" eval \
		'topo_ok && tc -n "$NS_C" qdisc add dev veth-c root netem $LOSSY'
	cap_start "$NS_S" veth-s "$t.lossy.pcap" "$(seg_filter "$fam" "src host $SRV")"
	# shellcheck disable=SC2046  # fam_opt prints two words or none
	bg "$t.lossy.srv" "$NS_S" "$XFER" $(fam_opt "$fam") -l "$SRV" 7305
	wait_line "$t.lossy.srv" '^listening' $((10 * T_SLOW))
	# shellcheck disable=SC2046
	t_check "$fam: $((LOSSY_BYTES / 1024)) KiB through it, checksummed, within $((60 * T_SLOW)) s" \
		nsx "$NS_C" timeout $((60 * T_SLOW)) "$XFER" $(fam_opt "$fam") \
		-n "$LOSSY_BYTES" "$SRV" 7305
	cap_stop
	shrinks=$(edge_shrinks "$t.lossy.pcap")
	t_check "$fam: ... the receiver's window never moved its right edge back" \
		expect_eq "$shrinks" 0
	topo_down
	t_check "$fam: ... all closed: the memory is given back" released_check "$fam"
}

# --- 6: small segments, then a FIN -----------------------------------
SMALL_WRITES=30

fin_edge_body() {
	local fam=$1 t=$T_TMP/$1 port shrinks
	topo_up "fin$fam"
	cap_start "$NS_S" lo "$t.fin.pcap" "$(seg_filter "$fam")"
	# shellcheck disable=SC2046  # fam_opt prints two words or none
	bg "$t.fin" "$NS_S" "$FILL" $(fam_opt "$fam") -w 50 -c $((50 * SMALL_WRITES)) -r 32768
	FILL_PID=$BG_LAST
	t_check "$fam: $SMALL_WRITES writes of 50 bytes, then shutdown(SHUT_WR), to a receiver that does not read" \
		filled "$t.fin"
	cap_stop
	port=$(field "$t.fin" port)
	shrinks=$(edge_shrinks "$t.fin.pcap" "ip[20:2] = ${port:-0}" 10)
	t_check "$fam: ... the receiver's window never moved its right edge back, FIN's ACK included" \
		expect_eq "$shrinks" 0
	stop_fill
	topo_down
	t_check "$fam: ... all closed: the memory is given back" released_check "$fam"
}

# --- memory cgroup ------------------------------------------------------
CG_ROOT=/sys/fs/cgroup
CG=

# cg_setup: a child cgroup with the memory controller, or fail (skip).
cg_setup() {
	grep -q "^[^ ]* $CG_ROOT cgroup2 " /proc/mounts ||
		mount -t cgroup2 none "$CG_ROOT" 2>/dev/null || return 1
	grep -qw memory "$CG_ROOT/cgroup.controllers" || return 1
	echo +memory > "$CG_ROOT/cgroup.subtree_control" 2>/dev/null
	CG=$CG_ROOT/edu_mem.$$
	mkdir "$CG" && [ -e "$CG/memory.stat" ]
}

cg_sock_bytes() { awk '$1 == "sock" { print $2 }' "$CG/memory.stat"; }

cg_sock_zero() { [ "$(cg_sock_bytes)" = 0 ]; }

SAVED_TCP=$(cat /proc/sys/net/ipv4/tcp_mem)
SAVED_EDU=$(cat /proc/sys/net/edutcp/mem 2>/dev/null)
restore() {
	stop_fill
	echo "$SAVED_TCP" > /proc/sys/net/ipv4/tcp_mem
	[ -z "$SAVED_EDU" ] || echo "$SAVED_EDU" > /proc/sys/net/edutcp/mem
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null
	net_cleanup
}
trap restore EXIT
FILL_PID=

for fam in $FAMILIES; do
	t=$T_TMP/$fam
	mf=$(mem_file "$fam")

	# --- 1 and 2: many connections, memory limited ----------------------
	t_check "$fam: /proc/net/protocols row, memory a number" is_num "$(proto_mem "$fam")"
	t_check "$fam: mem set to '$LOW_MEM' pages" eval "echo '$LOW_MEM' > $mf"
	base=$(charged "$fam")
	avail0=$(mem_avail_kb)
	start_fill "$fam" "$t.many" -n "$CONNS" -w 65536 -s 65536 -r 65536
	t_check "$fam: $CONNS connections written until every sender blocks" \
		filled "$t.many"
	m=$(charged "$fam")
	avail1=$(mem_avail_kb)
	echo "# $fam: memory $base -> $m pages, MemAvailable $avail0 -> $avail1 kB; $(tr '\n' ' ' < "$t.many")"
	t_check "$fam: ... the memory charged rose" expect_ge "$m" $((base + 1))
	bound=$((LOW_MAX + 2 * CONNS * PER_SOCK + SLACK))
	t_check "$fam: ... and stays under max + minimums ($bound pages)" \
		num_le "$m" "$bound"
	t_check "$fam: ... every sender got EAGAIN" \
		expect_eq "$(field2 "$t.many" written)" "$CONNS"
	t_check "$fam: ... MemAvailable fell by less than twice that" \
		expect_le $((avail0 - avail1)) $((2 * bound * PAGE / 1024))
	stop_fill
	t_check "$fam: all closed: the memory is given back" released_check "$fam"

	# --- 3: 1-byte writes ----------------------------------------------
	t_check "$fam: mem back to its default" eval "echo '$([ "$fam" = tcp ] && echo "$SAVED_TCP" || echo "$SAVED_EDU")' > $mf"
	base=$(charged "$fam")
	start_fill "$fam" "$t.tiny" -n 1 -w 1 -s 8192 -r 8192
	t_check "$fam: 1-byte writes until the sender blocks" filled "$t.tiny"
	m=$(charged "$fam")
	echo "# $fam: memory $base -> $m pages; $(tr '\n' ' ' < "$t.tiny")"
	snd=$(field "$t.tiny" sndbuf)
	rcv=$(field2 "$t.tiny" sndbuf)
	t_check "$fam: ... a quarter of the send buffer ($snd) or more was written, not a page a byte" \
		expect_ge "$(field "$t.tiny" written)" $((snd / 4))
	t_check "$fam: ... the memory charged stays within the two buffers" \
		expect_le $((m - base)) $((2 * (snd + rcv) / PAGE + 2 + SLACK))
	stop_fill
	t_check "$fam: all closed: the memory is given back" released_check "$fam"

	lossy_body "$fam"
	fin_edge_body "$fam"

	# --- 4: the memory cgroup ------------------------------------------
	if [ -z "$CG" ] && ! cg_setup; then
		t_skip "$fam: sockets charged to the memory cgroup" "no cgroup2 memory controller"
		continue
	fi
	# shellcheck disable=SC2046  # fam_opt prints two words or none
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' cg "$CG" \
		"$FILL" $(fam_opt "$fam") -n 8 -w 65536 -s 65536 -r 65536 > "$t.cg" 2>&1 &
	FILL_PID=$!
	BG_PIDS+=("$FILL_PID")
	t_check "$fam: 8 connections filled from a memory cgroup" filled "$t.cg"
	w=$(field "$t.cg" written)
	echo "# $fam: cgroup sock $(cg_sock_bytes) bytes; $(tr '\n' ' ' < "$t.cg")"
	t_check "$fam: ... its sock memory covers the $w bytes written and unread" \
		expect_ge "$(cg_sock_bytes)" "$w"
	stop_fill
	t_check "$fam: ... and is 0 once they are closed" \
		wait_until $((20 * T_SLOW)) cg_sock_zero
done

t_done
