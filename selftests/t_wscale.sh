#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_wscale.sh - the window-scale option (RFC 7323) of SYN and
# SYN-ACK, on TCP (the oracle) and EDUTCP, between two namespaces on a
# veth.  TCP's timestamps are off in both namespaces: a syncookie can then
# keep no window scale on either family (TCP keeps it in a timestamp).
# A server (helpers/edu_mss -w) sends every connection it accepts some
# bytes and prints, as the client does, the connection's TCP_INFO: whether
# windows are scaled, and the two shifts.
#  1. As it is: both SYNs offer the shift TCP computes from the largest
#     buffer the socket could have (tcp_select_initial_window(): the log2
#     of max(net.ipv4.tcp_rmem[2], net.core.rmem_max), less 15), and both
#     ends use them.
#  2. The server's namespace with tcp_rmem[2] = 32 MiB: its SYN-ACK
#     offers 10 (2^25 / 2^15); the client's window stays as it was.  This
#     server sends 4 MiB (less on a slow kernel) to each connection, and
#     every client below reads it all.
#  3. A client with SO_RCVBUF 1 MiB reads 4 MiB.  Its SYN offers only the
#     shift its buffer needs (the buffer is net.core.rmem_max, doubled:
#     a shift of 2 with the default 208 KiB); its ACKs, decoded by tshark
#     with that shift, offer windows above 65535 bytes.
#  4. The client's namespace with net.ipv4.tcp_window_scaling=0: its SYN
#     offers no shift, the SYN-ACK answers with none, no window is scaled
#     and, with the same 1 MiB buffer, none of its ACKs offers more than
#     65535 bytes.
#  5. A SYN made by hand (helpers/raw_mss.py) offering a shift of 15: it
#     is taken as 14 (RFC 7323 2.3), and the transfer to it completes.
#  6. syncookies=2: the SYN offers a shift, the cookie's SYN-ACK none;
#     neither end scales.
# The options are read back from the capture with tshark (EDUTCP decoded
# as TCP), on both families.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh
. selftests/mss_lib.sh

PORT=7711
RAW=selftests/helpers/raw_mss.py
RAW_SRC=10.99.128.32
RAW_PORT=41101
BYTES=2000
BIG=$((4 * 1024 * 1024 / T_SLOW))
RCVBUF=1048576

# server FAM OUT BYTES: an edu_mss -w server sending BYTES to each client,
# its pid SRV_PID.  Run in the test's shell, not inside t_check.
server() {
	# shellcheck disable=SC2046
	bg "$2" "$NS_S" "$MSSP" $(fam_opt "$1") -l -w -s "$3" \
		-t $((300 * T_SLOW)) "$SRV" "$PORT"
	SRV_PID=$BG_LAST
	wait_line "$2" '^(listening|error)' $((10 * T_SLOW)) || DEAD=1
}

# shift_for NS [RCVBUF]: the shift a socket of namespace NS offers: log2
# of max(tcp_rmem[2], rmem_max), less 15, in [0, 14]; with SO_RCVBUF set
# to RCVBUF, of the most its window can be: half the buffer, which the
# socket core makes twice RCVBUF capped at rmem_max.
shift_for() {
	local rmem max l=0
	rmem=$(nsx "$1" cat /proc/sys/net/ipv4/tcp_rmem)
	max=$(cat /proc/sys/net/core/rmem_max)
	rmem=${rmem##*[[:space:]]}
	if [ -n "${2:-}" ]; then
		[ "$2" -lt "$max" ] && max=$2
	elif [ "$rmem" -gt "$max" ]; then
		max=$rmem
	fi
	while [ $((max >> (l + 1))) -gt 0 ]; do l=$((l + 1)); done
	l=$((l - 15))
	[ "$l" -lt 0 ] && l=0
	[ "$l" -gt 14 ] && l=14
	echo "$l"
}

# fields lines "sport,dport,syn,shift,window_value,window" of the
# capture; window is tshark's, the field scaled by the shift of the peer's
# SYN.

wscale_body() {
	local fam=$1 t=$T_TMP/$1 cap f e eb big p1 p2 p3 p4 p6 line
	mkdir -p "$t"
	cap=$t/cap
	f=$t/fields
	topo_up "ws$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: TCP timestamps off in both namespaces" \
		eval "nsx $NS_S sysctl -qw net.ipv4.tcp_timestamps=0 &&
		      nsx $NS_C sysctl -qw net.ipv4.tcp_timestamps=0"
	e=$(shift_for "$NS_C")
	eb=$(shift_for "$NS_C" "$RCVBUF")
	cap_start "$NS_S" veth-s "$cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	server "$fam" "$t/srv" "$BYTES"
	t_check "$fam: a server that sends each connection $BYTES bytes" \
		has_line "$t/srv" '^listening'

	t_check "$fam: 1. a client as it is: connected" \
		mss_client "$fam" "$t/c1" "$BYTES" -w
	p1=$(cport "$t/c1")
	t_check "$fam: ... the client scales by $e both ways" \
		expect_eq "$(rest "$t/c1" window)" "wscale 1 snd_wscale $e rcv_wscale $e"
	t_check "$fam: ... the server too" \
		expect_eq "$(srv_rest "$t/srv" "window port $p1")" "wscale 1 snd_wscale $e rcv_wscale $e"

	# 2: the server's namespace allows 32 MiB buffers; a new listener.
	bg_kill "$SRV_PID"
	nsx "$NS_S" sysctl -qw net.ipv4.tcp_rmem="4096 131072 33554432"
	server "$fam" "$t/srv2" "$BIG"
	t_check "$fam: 2. tcp_rmem[2] = 32 MiB on the server: a new server" \
		has_line "$t/srv2" '^listening'
	t_check "$fam: ... a client as it is: connected" \
		mss_client "$fam" "$t/c2" "$BIG" -w
	p2=$(cport "$t/c2")
	t_check "$fam: ... the server's SYN-ACK offers 10, the client's SYN $e" \
		expect_eq "$(rest "$t/c2" window)" "wscale 1 snd_wscale 10 rcv_wscale $e"
	t_check "$fam: ... the server sees the same from its end" \
		expect_eq "$(srv_rest "$t/srv2" "window port $p2")" "wscale 1 snd_wscale $e rcv_wscale 10"

	# 3: a receiver whose buffer holds more than 64 KiB.
	t_check "$fam: 3. a client with SO_RCVBUF 1 MiB reads $BIG bytes" \
		mss_client "$fam" "$t/c3" "$BIG" -w -r "$RCVBUF"
	p3=$(cport "$t/c3")
	t_check "$fam: ... its SYN offers $eb, what its buffer needs" \
		expect_eq "$(rest "$t/c3" window)" "wscale 1 snd_wscale 10 rcv_wscale $eb"

	# 4: no window scaling on the client's side.
	nsx "$NS_C" sysctl -qw net.ipv4.tcp_window_scaling=0
	t_check "$fam: 4. tcp_window_scaling=0 on the client, 1 MiB buffer" \
		mss_client "$fam" "$t/c4" "$BIG" -w -r "$RCVBUF"
	p4=$(cport "$t/c4")
	t_check "$fam: ... neither end scales" \
		expect_eq "$(rest "$t/c4" window) / $(srv_rest "$t/srv2" "window port $p4")" \
		"wscale 0 snd_wscale 0 rcv_wscale 0 / wscale 0 snd_wscale 0 rcv_wscale 0"
	nsx "$NS_C" sysctl -qw net.ipv4.tcp_window_scaling=1

	# 5: a shift above 14, by hand.
	nsx "$NS_C" python3 "$RAW" veth-c "$MAC_S" "$RAW_SRC" \
		"$(fam_proto "$fam")" "$SRV" "$PORT" "$BYTES" \
		$((20 * T_SLOW)) "$RAW_PORT:020405b40103030f" > "$t/raw" 2>&1
	sed 's/^/# raw: /' "$t/raw"
	line=$(sed -n "s/^port $RAW_PORT //p" "$t/raw")
	t_check "$fam: 5. a SYN offering a shift of 15: it is taken as 14" \
		expect_eq "$(srv_rest "$t/srv2" "window port $RAW_PORT")" "wscale 1 snd_wscale 14 rcv_wscale 10"
	t_check "$fam: ... and the server's bytes reach it (at least $BYTES)" \
		expect_ge "${line##* bytes }" "$BYTES"

	# 6: a cookie for every SYN.
	t_check "$fam: 6. syncookies=2" fam_sysctl "$NS_S" "$fam" syncookies 2
	t_check "$fam: ... a client as it is: connected" \
		mss_client "$fam" "$t/c6" "$BIG" -w
	p6=$(cport "$t/c6")
	t_check "$fam: ... neither end scales" \
		expect_eq "$(rest "$t/c6" window) / $(srv_rest "$t/srv2" "window port $p6")" \
		"wscale 0 snd_wscale 0 rcv_wscale 0 / wscale 0 snd_wscale 0 rcv_wscale 0"
	cap_stop

	tshark_fam "$fam" "$cap" -T fields -E separator=, -e tcp.srcport \
		-e tcp.dstport -e tcp.flags.syn -e tcp.options.wscale.shift \
		-e tcp.window_size_value -e tcp.window_size > "$f"
	t_check "$fam: tshark: 1. SYN and SYN-ACK offer $e and $e" \
		expect_eq "$(syn_field "$f" "$p1" "$PORT" 4) $(syn_field "$f" "$PORT" "$p1" 4)" "$e $e"
	t_check "$fam: tshark: 2. SYN and SYN-ACK offer $e and 10" \
		expect_eq "$(syn_field "$f" "$p2" "$PORT" 4) $(syn_field "$f" "$PORT" "$p2" 4)" "$e 10"
	t_check "$fam: tshark: 3. SYN and SYN-ACK offer $eb and 10" \
		expect_eq "$(syn_field "$f" "$p3" "$PORT" 4) $(syn_field "$f" "$PORT" "$p3" 4)" "$eb 10"
	big=$(max_field "$f" "$p3" "$PORT" 6)
	t_check "$fam: tshark: ... the reader's ACKs offer more than 65535 bytes ($big)" \
		expect_ge "$big" 65536
	t_check "$fam: tshark: 4. SYN and SYN-ACK offer no shift" \
		expect_eq "$(syn_field "$f" "$p4" "$PORT" 4) $(syn_field "$f" "$PORT" "$p4" 4)" "none none"
	big=$(max_field "$f" "$p4" "$PORT" 6)
	t_check "$fam: tshark: ... the reader's ACKs offer at most 65535 bytes ($big)" \
		expect_le "$big" 65535
	t_check "$fam: tshark: 5. the SYN-ACK to the SYN made by hand offers 10" \
		expect_eq "$(syn_field "$f" "$PORT" "$RAW_PORT" 4)" 10
	t_check "$fam: tshark: 6. SYN offers $e, the cookie's SYN-ACK none" \
		expect_eq "$(syn_field "$f" "$p6" "$PORT" 4) $(syn_field "$f" "$PORT" "$p6" 4)" "$e none"
	topo_down
}

if ! command -v tshark > /dev/null; then
	t_skip "window-scale checks" "tshark is not installed (scripts/deps installs it)"
	t_done
fi
for fam in $FAMILIES; do
	wscale_body "$fam"
done
t_done
