#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/two_machines.sh ROLE DIR - EDUTCP between two kernels.
#
# Run by scripts/vm-pair (`make check` runs it so): ROLE "server" on one VM,
# "client" on the other, their eth0 cards wired together; DIR is shared by
# both and carries their rendezvous files ("ROLE.NAME" says ROLE reached
# step NAME; every wait for the peer is bounded, and gives up at once when
# DIR/abort appears).  Not a t_*.sh: it needs a peer, so selftests/run.sh
# does not pick it up.  On the debug kernel (it has virtio_net built in),
# with the module scripts/check-debug builds:
#   eval "$(scripts/debug-kernel --print)"; export KDIR VM_KERNEL
#   VM_MEM=3072 VM_TIMEOUT=2400 VM_APPEND="acpi=noirq no_timer_check" \
#   scripts/vm-pair env EDU_KO=build/debug/af_edu.ko EDU_FAMILIES=edu \
#	selftests/two_machines.sh
#
# The server is 10.77.0.1/24, the client 10.77.0.2/24, MTU 1500.  For TCP
# (the oracle) and for EDUTCP, with the same body:
#  1. handshake: the client connects, the server accepts; each side's
#     /proc/net/{tcp,edutcp} shows the connection ESTABLISHED with the
#     right addresses and ports, and the client's TCP_INFO says the MSS was
#     taken from a 1500-byte MTU (pmtu 1500, advmss and snd_mss 1460; TCP's
#     timestamps are off, as EDUTCP sends none);
#  2. transfer: 64 MiB (8 on the debug kernel) from the client to the
#     server (eduxfer: the receiver sums what it read, FNV-1a 64, and
#     reports the sum and byte count; the sender compares them with its
#     own);
#  3. accept-queue overflow: a server listener with backlog 1 that never
#     accepts holds one connection; two more clients connect together
#     (300 ms of netem delay on the client lets both SYNs into the SYN
#     queue before either final ACK arrives); the second final ACK meets a
#     full accept queue, so the server keeps the request in SYN_RECV and
#     retransmits its SYN-ACK, while the client believes it is ESTABLISHED
#     and its tcpdump on eth0 sees that SYN-ACK again and again with the
#     same sequence number (the server's ISN).
cd "$(dirname "$0")/.." || exit 1
set -u
ROLE=${1:-}
DIR=${2:-}
case $ROLE in
server) ME=10.77.0.1 PEER=10.77.0.2 OTHER=client ;;
client) ME=10.77.0.2 PEER=10.77.0.1 OTHER=server ;;
*) echo "usage: selftests/two_machines.sh server|client DIR" >&2; exit 2 ;;
esac
[ -d "$DIR" ] || { echo "no directory $DIR" >&2; exit 2; }
. selftests/lib.sh
. selftests/net_lib.sh

DEV=eth0
SRV_ADDR=10.77.0.1
XFER_BYTES=$((64 << 20))
# The debug kernel (T_SLOW > 1) moves a few MiB a minute between two VMs:
# a smaller load there, as the other tests shrink theirs.
[ "$T_SLOW" = 1 ] || XFER_BYTES=$((8 << 20))
DELAY_MS=300
# Both VMs boot at once, but one may be up well before the other.
BOOT_WAIT=300

# No namespaces here: net_lib's readers look at this machine's own files.
PID_S=$$
PID_C=$$
nsx() { shift; "$@"; }
bg() {
	local out=$1
	shift 2
	"$@" > "$out" 2>&1 &
	BG_LAST=$!
	BG_PIDS+=("$BG_LAST")
}

# --- rendezvous ---------------------------------------------------------

mark() { echo "${2:-}" > "$DIR/$ROLE.$1"; }

peer_reached() { [ -e "$DIR/$OTHER.$1" ] || [ -e "$DIR/abort" ]; }

# await NAME SECS: wait for the peer's step NAME; fails on abort or timeout.
await() {
	wait_until "$2" peer_reached "$1"
	[ -e "$DIR/$OTHER.$1" ] && [ ! -e "$DIR/abort" ] && return 0
	echo "# $ROLE: gave up waiting for $OTHER.$1"
	return 1
}

# need NAME SECS: await as a check, SECS stretched by T_SLOW; the caller
# gives up on failure.
need() {
	t_check "$ROLE: the $OTHER reached step $1" await "$1" $(($2 * T_SLOW))
	[ -e "$DIR/$OTHER.$1" ] && [ ! -e "$DIR/abort" ]
}

peer_says() { cat "$DIR/$OTHER.$1" 2>/dev/null; }

# --- checks ---------------------------------------------------------------

# est_row FAM LADDR LPORT RADDR RPORT: exactly one ESTABLISHED row with
# those ends.
est_row() {
	local want_l want_r n=0
	local -a r
	want_l=$(hexaddr "$2"):$(hexport "$3")
	want_r=$(hexaddr "$4"):$(hexport "$5")
	while read -r -a r; do
		[ "${r[3]:-}" = 01 ] && [ "${r[1]}" = "$want_l" ] &&
			[ "${r[2]}" = "$want_r" ] && n=$((n + 1))
	done <<< "$(rows - "$1")"
	[ "$n" = 1 ] && return 0
	echo "want one ESTABLISHED row $want_l -> $want_r, have $n; rows:"
	rows - "$1"
	return 1
}

# mss_from_mtu FILE: edu_hold -i's line says the path MTU is eth0's 1500
# and both MSSs are 1500 - 40 = 1460.
mss_from_mtu() {
	local line
	line=$(grep -m 1 '^info ' "$1")
	echo "$line"
	[ "$line" = "info pmtu 1500 advmss 1460 snd_mss 1460" ]
}

summary_is() { has_line "$1" "^summary $2\$" || { cat "$1"; return 1; }; }

link_up() {
	ip addr add "$ME/24" dev "$DEV" || return 1
	ip link set "$DEV" up mtu 1500 || return 1
	ip -o link show "$DEV"
	ip -o link show "$DEV" | grep -q 'mtu 1500 '
}

# --- 1. handshake and accept ----------------------------------------------

handshake() {
	local fam=$1 port=$2 t=$T_TMP/$1 cport hold
	if [ "$ROLE" = server ]; then
		start_listener "$fam" - "$t/lis1" -a "$SRV_ADDR" "$port"
		t_check "$fam: server listens on $SRV_ADDR:$port" has_line "$t/lis1" '^listening'
		mark "lis1.$fam"
		need "conn1.$fam" 60 || return 1
		cport=$(peer_says "conn1.$fam")
		t_check "$fam: the server accepted the client's connection" \
			wait_line "$t/lis1" '^accepted 1$' 10
		t_check "$fam: server row ESTABLISHED $SRV_ADDR:$port <- $PEER:$cport" \
			est_row "$fam" "$SRV_ADDR" "$port" "$PEER" "$cport"
		mark "checked1.$fam"
		need "done1.$fam" 60
		bg_kill "$LISTENER_PID"
	else
		need "lis1.$fam" 60 || return 1
		# shellcheck disable=SC2046
		bg "$t/hold1" - "$HELPERS/edu_hold" $(fam_opt "$fam") -i -t 120 "$SRV_ADDR" "$port"
		hold=$BG_LAST
		wait_line "$t/hold1" '^(info|error)' 30
		t_check "$fam: the client connects to $SRV_ADDR:$port" \
			has_line "$t/hold1" '^connected port [0-9]+$'
		cport=$(sed -n 's/^connected port \([0-9]*\)$/\1/p' "$t/hold1")
		mark "conn1.$fam" "${cport:-0}"
		t_check "$fam: client row ESTABLISHED $ME:${cport:-0} -> $SRV_ADDR:$port" \
			est_row "$fam" "$ME" "${cport:-0}" "$SRV_ADDR" "$port"
		t_check "$fam: TCP_INFO: the MSS comes from eth0's MTU 1500" \
			mss_from_mtu "$t/hold1"
		need "checked1.$fam" 60
		mark "done1.$fam"
		bg_kill "$hold"
	fi
}

# --- 2. 64 MiB, summed on the receiver --------------------------------------

transfer() {
	local fam=$1 port=$2 t=$T_TMP/$1 pid xrc t0 ms
	if [ "$ROLE" = server ]; then
		# shellcheck disable=SC2046
		bg "$t/sink" - build/bin/eduxfer -l $(fam_opt "$fam") "$SRV_ADDR" "$port"
		pid=$BG_LAST
		wait_line "$t/sink" '^listening' 10
		t_check "$fam: eduxfer sink listening" has_line "$t/sink" '^listening'
		mark "xfer.$fam"
		need "xferdone.$fam" 300 || return 1
		wait_line "$t/sink" '^served' 10
		t_check "$fam: the sink read $XFER_BYTES bytes and summed them" \
			has_line "$t/sink" "^served $XFER_BYTES bytes\$"
		wait "$pid" && xrc=0 || xrc=$?
		t_check "$fam: the sink exited 0" eval 'cat "$t/sink"; [ "$xrc" = 0 ]'
	else
		need "xfer.$fam" 60 || return 1
		t0=$(date +%s%N)
		# shellcheck disable=SC2046
		timeout $((240 * T_SLOW)) build/bin/eduxfer $(fam_opt "$fam") \
			-n "$XFER_BYTES" "$SRV_ADDR" "$port" > "$t/xfer" 2>&1 && xrc=0 || xrc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		mark "xferdone.$fam"
		t_check "$fam: $((XFER_BYTES >> 20)) MiB sent; the receiver's sum and count match the sender's" \
			eval 'cat "$t/xfer"; [ "$xrc" = 0 ] && has_line "$t/xfer" "^ok conn 0: $XFER_BYTES bytes summed"'
		echo "# $fam: $((XFER_BYTES >> 20)) MiB in $ms ms"
	fi
}

# --- 3. accept-queue overflow, SYN-ACKs seen on the other machine ---------

# The request's retransmission count on the server, -1 when there is none.
req_retrnsmt() {
	local -a r
	read -r -a r <<< "$(rows_where - "$1" 03 "$2" -)"
	if [ -n "${r[6]:-}" ]; then
		echo $((16#${r[6]}))
	else
		echo -1
	fi
}

# synacks FILE FAM PORT: "COUNT SEQS", the SYN-ACKs from the server to PORT
# and how many distinct sequence numbers they carried.  tcpdump -x prints
# the IP packet in hex, 16 bytes a line: the second line holds the
# destination address, the two ports and the sequence number.
synacks() {
	tcpdump -r "$1" -nn -x "$(seg_filter "$2" "src host $SRV_ADDR and ip[22:2] = $3 and $F_SYNACK")" \
		2>/dev/null | awk '$1 == "0x0010:" { n++; seq[$6 $7] = 1 }
			END { printf "%d %d\n", n, length(seq) }'
}

overflow() {
	local fam=$1 port=$2 t=$T_TMP/$1 ovf0 rtx0 wport n seqs c1 c2
	local -a r
	if [ "$ROLE" = server ]; then
		t_check "$fam: syncookies=0" fam_sysctl - "$fam" syncookies 0
		start_listener "$fam" - "$t/lis3" -b 1 "$SRV_ADDR" "$port"
		t_check "$fam: listener with backlog 1 that does not accept" \
			has_line "$t/lis3" '^listening'
		ovf0=$(counter - "$fam" ListenOverflows)
		rtx0=$(counter - "$fam" SynAckRetrans)
		mark "lis3.$fam"
		need "conn3.$fam" 60 || return 1
		wait_until 5 eq_cmd 1 count_rows - "$fam" 03 "$port" -
		t_check "$fam: the accept queue is full at backlog+1 = 2" \
			expect_eq "$(listener_rxq - "$fam" "$port")" 2
		t_check "$fam: one request stays in SYN_RECV (03)" \
			expect_eq "$(count_rows - "$fam" 03 "$port" -)" 1
		t_check "$fam: its final ACK overflowed: ListenOverflows grew" \
			delta_ge - "$fam" ListenOverflows "$ovf0" 1
		# Two SYN-ACK timeouts: 1 s, then 2 s more.
		wait_until $((10 * T_SLOW)) eval '[ "$(req_retrnsmt "$fam" "$port")" -ge 2 ]'
		t_check "$fam: the server retransmitted its SYN-ACK (retrnsmt >= 2)" \
			expect_ge "$(req_retrnsmt "$fam" "$port")" 2
		t_check "$fam: SynAckRetrans grew" \
			delta_ge - "$fam" SynAckRetrans "$rtx0" 2
		read -r -a r <<< "$(rows_where - "$fam" 03 "$port" -)"
		wport=$((16#${r[2]#*:}))
		mark "rtx3.$fam" "$wport"
		need "checked3.$fam" 60
		bg_kill "$LISTENER_PID"
	else
		need "lis3.$fam" 60 || return 1
		# shellcheck disable=SC2046
		bg "$t/c1" - "$HELPERS/edu_connect" $(fam_opt "$fam") -w 3000 -H 120 "$SRV_ADDR" "$port"
		c1=$BG_LAST
		wait_line "$t/c1" '^(summary|error)' 10
		t_check "$fam: one client connects without accept()" \
			summary_is "$t/c1" "connected=1 pending=0 failed=0"
		cap_start - "$DEV" "$t/cap" "$(seg_filter "$fam" "src host $SRV_ADDR")" >/dev/null 2>&1
		t_check "$fam: netem delay ${DELAY_MS}ms on the client's eth0" \
			tc qdisc add dev "$DEV" root netem delay "${DELAY_MS}ms"
		# shellcheck disable=SC2046
		bg "$t/c2" - "$HELPERS/edu_connect" $(fam_opt "$fam") -n 2 -w 3000 -H 120 "$SRV_ADDR" "$port"
		c2=$BG_LAST
		wait_line "$t/c2" '^(summary|error)' 10
		t_check "$fam: two concurrent clients both see the handshake complete" \
			summary_is "$t/c2" "connected=2 pending=0 failed=0"
		mark "conn3.$fam"
		need "rtx3.$fam" 60
		wport=$(peer_says "rtx3.$fam")
		cap_stop
		tc qdisc del dev "$DEV" root 2>/dev/null
		t_check "$fam: the client port ${wport:-?} the server keeps in SYN_RECV is ESTABLISHED here" \
			est_row "$fam" "$ME" "${wport:-0}" "$SRV_ADDR" "$port"
		read -r n seqs <<< "$(synacks "$t/cap" "$fam" "${wport:-0}")"
		t_check "$fam: tcpdump on eth0 saw the server's SYN-ACK to it 3+ times" \
			expect_ge "${n:-0}" 3
		t_check "$fam: ... all with one sequence number, the server's ISN" \
			expect_eq "${seqs:-0}" 1
		mark "checked3.$fam"
		bg_kill "$c1"
		bg_kill "$c2"
	fi
}

# --- the run ----------------------------------------------------------------

edu_load
t_check "af_edu loaded on the $ROLE" module_loaded
# TCP's timestamp option would take 12 bytes of its MSS (advmss 1448);
# EDUTCP sends no timestamps.  Off, both families' MSS is the MTU's 1500 - 40.
t_check "TCP timestamps off, as EDUTCP's" sysctl -qw net.ipv4.tcp_timestamps=0
t_check "$DEV: $ME/24, MTU 1500" link_up
mark up
# Without the other machine nothing below can pass: say so once.
need up "$BOOT_WAIT" || t_done

base=7000
for fam in $FAMILIES; do
	mkdir -p "$T_TMP/$fam"
	handshake "$fam" $((base + 1))
	transfer "$fam" $((base + 2))
	overflow "$fam" $((base + 3))
	base=$((base + 100))
done
mark end
need end 120
t_done
