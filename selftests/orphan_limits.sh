#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the checks are functions run by t_check
# selftests/orphan_limits.sh (run by t_hostile.sh) - what limits an
# orphan (a connection its process has closed), the same on TCP and
# EDUTCP, with the orphan limits set alike (net.ipv4.tcp_max_orphans,
# net.edutcp.max_orphans):
#  * TIME_WAIT is no orphan: with max_orphans=16 and 64 connections in
#    TIME_WAIT, a writer that closes with data still unsent to a slow
#    reader is not reset (AbortOnMemory stays), and the reader gets every
#    byte, then the end of stream;
#  * an orphan facing a zero window (a reader that never reads) dies once
#    orphans are too many: the limit lowered to 0, its next probe ends it
#    with an RST (AbortOnMemory), as tcp_probe_timer() ->
#    tcp_out_of_resources() does;
#  * EDUTCP only (Linux counts orphans for the whole machine): orphans are
#    counted per namespace, so another namespace's orphans do not make a
#    close() abort here.
# TCP's tcp_max_orphans exists in the initial namespace only and counts
# every namespace's orphans: it is set there, and restored at exit.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

U=$HELPERS/edu_unsent
TCP_MAX=/proc/sys/net/ipv4/tcp_max_orphans
TCP_MAX0=$(cat "$TCP_MAX")
trap 'echo "$TCP_MAX0" > "$TCP_MAX"; net_cleanup' EXIT

# max_orphans FAM NS N: the orphan limit; TCP's is the machine's.
max_orphans() {
	if [ "$1" = tcp ]; then
		echo "$3" > "$TCP_MAX"
	else
		fam_sysctl "$2" edu max_orphans "$3"
	fi
}

# port_rows NS FAM PORT: rows of local port PORT, in any state.
port_rows() {
	local n=0 lp
	local -a r
	printf -v lp ':%04X' "$3"
	while read -r -a r; do
		[ "${r[1]: -5}" != "$lp" ] || n=$((n + 1))
	done <<< "$(rows "$1" "$2")"
	echo "$n"
}

# writer FAM TAG PORT BYTES: a writer in $NS_C that closes with data
# unsent; its local port in WPORT, its output in $T_TMP/FAM.TAG.w.
# Run in the test's shell, then check it with wrote_unsent.
writer() {
	local fam=$1 out=$T_TMP/$1.$2.w
	# shellcheck disable=SC2046
	nsx "$NS_C" "$U" $(fam_opt "$fam") -b "$4" -s 1048576 "$SRV" "$3" > "$out" 2>&1
	WPORT=$(sed -n 's/^connected port //p' "$out")
}

wrote_unsent() {
	local out=$T_TMP/$1.$2.w
	cat "$out"
	grep -Eq '^sent [0-9]+ unsent [1-9]' "$out" && grep -q '^closed' "$out"
}

# reader FAM TAG PORT ARGS...: the reader in $NS_S, its pid in READER;
# waits for it to listen.  Then check it with reading.
reader() {
	local fam=$1 out=$T_TMP/$1.$2.r port=$3
	shift 3
	# shellcheck disable=SC2046
	bg "$out" "$NS_S" "$U" $(fam_opt "$fam") -l "$@" "$SRV" "$port"
	READER=$BG_LAST
	wait_line "$out" '^(listening|error)' $((10 * T_SLOW))
}

reading() {
	local out=$T_TMP/$1.$2.r
	has_line "$out" '^listening' || { cat "$out"; return 1; }
}

# read_all FAM TAG BYTES: the reader's verdict: BYTES bytes, pattern intact,
# then the end of stream.
read_all() {
	local out=$T_TMP/$1.$2.r
	cat "$out"
	has_line "$out" "^eof $3 ok\$"
}

# show_rows FAM PORT: the rows of $NS_C with PORT at either end, timers
# included: what a failed check prints.
show_rows() {
	local p
	printf -v p ':%04X ' "$2"
	rows "$NS_C" "$1" | grep -F "$p"
}

# orphan_gone FAM PORT: no row has local port PORT; else the rows (a late
# probe shows as a long timer), and TCP's orphan count.
orphan_gone() {
	[ "$(port_rows "$NS_C" "$1" "$2")" -eq 0 ] && return 0
	show_rows "$1" "$2"
	grep '^TCP:' /proc/net/sockstat
	return 1
}

# probed FAM BEFORE: WinProbe of $NS_C grew since BEFORE.
probed() { [ $(($(counter "$NS_C" "$1" WinProbe) - $2)) -ge 1 ]; }

# --- TIME_WAIT does not count ------------------------------------------------

timewait_body() {
	local fam=$1 port=$2 mem0 out t0
	t_check "$fam: max_orphans=16" max_orphans "$fam" "$NS_C" 16
	mem0=$(counter "$NS_C" "$fam" AbortOnMemory)
	out=$T_TMP/$fam.tw
	# shellcheck disable=SC2046
	nsx "$NS_C" "$U" $(fam_opt "$fam") -T 64 127.0.0.1 "$port" > "$out" 2>&1
	t_check "$fam: 64 connections closed by the client first, each ending cleanly" \
		grep -q '^timewait 64 eof 64 reset 0' "$out"
	t_check "$fam: ... 64 TIME_WAIT rows" \
		expect_ge "$(count_rows "$NS_C" "$fam" 06 - "$port")" 64
	reader "$fam" slow $((port + 1)) -r 4096 -c 4096 -p 20
	t_check "$fam: a slow reader (SO_RCVBUF 4096, 4 KiB every 20 ms)" \
		reading "$fam" slow
	writer "$fam" slow $((port + 1)) 131072
	t_check "$fam: a writer sends 128 KiB and closes with data unsent" \
		wrote_unsent "$fam" slow
	t0=$SECONDS
	wait_line "$T_TMP/$fam.slow.r" '^(eof|error)' $((30 * T_SLOW))
	echo "# $fam: the reader's last line after $((SECONDS - t0)) s"
	t_check "$fam: the reader got every byte, in order, and the end of stream" \
		read_all "$fam" slow 131072
	t_check "$fam: no close() was refused for want of orphans (AbortOnMemory +0)" \
		delta_is "$NS_C" "$fam" AbortOnMemory "$mem0" 0
}

# --- a zero-window orphan dies ----------------------------------------------

# zero_window FAM TAG PORT: a reader that never reads, a writer that fills
# its window and closes; waits for the orphan to probe (WinProbe, which
# was probe0 before).
zero_window() {
	local fam=$1 tag=$2 port=$3
	probe0=$(counter "$NS_C" "$fam" WinProbe)
	reader "$fam" "$tag" "$port" -r 4096 -n
	t_check "$fam: $tag: a reader that never reads (SO_RCVBUF 4096)" \
		reading "$fam" "$tag"
	writer "$fam" "$tag" "$port" 65536
	t_check "$fam: $tag: a writer fills its window and closes (64 KiB)" \
		wrote_unsent "$fam" "$tag"
	wait_until $((10 * T_SLOW)) probed "$fam" "$probe0"
	t_check "$fam: $tag: the orphan probes the zero window (WinProbe grew)" \
		delta_ge "$NS_C" "$fam" WinProbe "$probe0" 1
	t_check "$fam: $tag: ... and has a row" \
		expect_eq "$(port_rows "$NS_C" "$fam" "$WPORT")" 1
}

pressure_body() {
	local fam=$1 port=$2 mem0 socks t0
	max_orphans "$fam" "$NS_C" 4096
	zero_window "$fam" pressure "$port"
	mem0=$(counter "$NS_C" "$fam" AbortOnMemory)
	socks=$(count_of sockets)
	t_check "$fam: max_orphans lowered to 0" max_orphans "$fam" "$NS_C" 0
	# Each probe doubles the wait for the next one (inet_csk_rto_backoff()),
	# up to TCP_RTO_MAX (120 s): on a busy machine, by the time the limit
	# is lowered, the next probe may be tens of seconds away.
	t0=$SECONDS
	wait_until $((120 * T_SLOW)) eq_cmd 0 port_rows "$NS_C" "$fam" "$WPORT"
	echo "# $fam: after $((SECONDS - t0)) s, WinProbe $(counter "$NS_C" "$fam" WinProbe) (was $probe0)"
	t_check "$fam: the orphan is gone at its next probe" \
		orphan_gone "$fam" "$WPORT"
	t_check "$fam: ... reset for want of orphans (AbortOnMemory +1)" \
		delta_is "$NS_C" "$fam" AbortOnMemory "$mem0" 1
	[ "$fam" = edu ] && t_check "$fam: ... and freed (debugfs sockets fell)" \
		expect_ge $((socks - $(count_of sockets))) 1
	max_orphans "$fam" "$NS_C" "$([ "$fam" = tcp ] && echo "$TCP_MAX0" || echo 4096)"
	bg_kill "$READER"
}

# --- EDUTCP: one namespace's orphans are its own -----------------------------

# fin_wait1_is N PORT TAG...: N EDUTCP rows of $NS_C in FIN_WAIT1 towards
# PORT; else every row towards PORT and what the writers TAG... said.
fin_wait1_is() {
	local n=$1 port=$2 tag
	shift 2
	[ "$(count_rows "$NS_C" edu 04 - "$port")" -eq "$n" ] && return 0
	show_rows edu "$port"
	for tag in "$@"; do
		sed "s/^/$tag: /" "$T_TMP/edu.$tag.w"
	done
	return 1
}

pernet_body() {
	local port=$1 i mem0 out=$T_TMP/pernet
	reader edu pernet "$port" -r 4096 -n
	t_check "edu: a reader that never reads" reading edu pernet
	for i in 1 2 3; do
		writer edu "pernet$i" "$port" 65536
	done
	wait_until $((10 * T_SLOW)) eq_cmd 3 count_rows "$NS_C" edu 04 - "$port"
	t_check "edu: 3 orphans in the client namespace (FIN_WAIT1, data unsent)" \
		fin_wait1_is 3 "$port" pernet1 pernet2 pernet3
	t_check "edu: max_orphans=2 in the server namespace" \
		fam_sysctl "$NS_S" edu max_orphans 2
	mem0=$(counter "$NS_S" edu AbortOnMemory)
	bg "$out.srv" "$NS_S" "$HELPERS/edu_closer" -l "$SRV" $((port + 1))
	wait_line "$out.srv" '^listening' $((10 * T_SLOW))
	nsx "$NS_C" "$HELPERS/edu_closer" -d 500 "$SRV" $((port + 1)) > "$out.cli"
	wait_line "$out.srv" '^closed' $((10 * T_SLOW))
	t_check "edu: the server closes first: an orphan there, not refused (AbortOnMemory +0)" \
		delta_is "$NS_S" edu AbortOnMemory "$mem0" 0
	t_check "edu: ... and the client namespace's orphans are still there" \
		expect_eq "$(count_rows "$NS_C" edu 04 - "$port")" 3
}

if [ ! -r "$DBG/sockets" ]; then
	t_skip "orphan limits" "no $DBG (debugfs not mounted?)"
	t_done
fi

topo_up olim
t_check "topology up" topo_ok
for fam in $FAMILIES; do
	base=7900
	[ "$fam" = edu ] && base=7950
	timewait_body "$fam" "$base"
	pressure_body "$fam" $((base + 10))
done
case " $FAMILIES " in
*" edu "*) pernet_body 7990 ;;
esac
topo_down
t_done
