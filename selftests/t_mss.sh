#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_mss.sh - the MSS option of SYN and SYN-ACK, on TCP (the
# oracle) and EDUTCP, between two namespaces on a veth of MTU 1500.
#
# TCP's timestamps are off in both namespaces, so TCP takes no option
# bytes off its MSS and its segments after the handshake carry no option,
# as EDUTCP's never do; segmentation offload is off on the server's end,
# so each segment the capture shows is one on the wire.  A server
# (helpers/edu_mss) sends every connection it accepts some bytes and
# prints the connection's TCP_MAXSEG and tcpi_snd_mss.
#  1. A client as it is: its SYN and the SYN-ACK advertise 1500 - 40 =
#     1460; both ends send segments of 1460.
#  2. A client with TCP_MAXSEG 1000 set before connect(): its SYN
#     advertises 1000, the SYN-ACK still 1460; the server sends it no
#     segment over 1000 bytes, and TCP_MAXSEG and tcpi_snd_mss say 1000
#     on both ends.  TCP_INFO's tcpi_advmss says what the client
#     offered, tcpi_rcv_mss the largest segment it received (1460, 1000,
#     then 1300 in 4).
#  3. SYNs made by hand (helpers/raw_mss.py) with option lists good and
#     bad: no MSS option means 536 (RFC 9293 3.7.1); NOPs are skipped, an
#     option of another length is stepped over, a later MSS option
#     overrides an earlier one, an MSS of 10 gives tcp_min_snd_mss (48),
#     an MSS of 0 is ignored; EOL, a length below 2, an option running
#     past the header, and a kind without its length byte end the list.
#     The SYN-ACK advertises 1460 each time, and the server's segments
#     are the size the connection says.
#  4. syncookies=2 (a cookie for every SYN), a client with TCP_MAXSEG
#     1400: the cookie SYN-ACK advertises 1460, and the server's child
#     sends 1300, the largest entry of the cookies' MSS table not above
#     1400.
# Read back from the capture with tshark (EDUTCP decoded as TCP), on both:
# the MSS options above, the largest payloads, and a 20-byte header on
# every segment that is not a SYN.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh
. selftests/mss_lib.sh

PORT=7701
RAW=selftests/helpers/raw_mss.py
RAW_SRC=10.99.128.31
BYTES=2000

# The hand-made SYNs: "SPORT:OPTIONS (hex):MSS the connection must get".
RAW_CASES="
41001::536
41002:020403e8:1000
41003:0101020403e80000:1000
41004:0204000a:48
41005:02040000:536
41006:0200020403e80000:536
41007:0101020803e80000:536
41008:01010102:536
41009:00000000020403e8:536
41010:020303020403e800:1000
41011:020405b4020403e8:1000
41012:$(printf '01%.0s' $(seq 36))020403e8:1000
"

# fields lines "sport,dport,syn,ack,hdr_len,len,mss" of the capture.
# plain_headers FIELDS: every segment that is not a SYN (more than 50 of
# them) has a header of 20 bytes.
plain_headers() {
	awk -F, '$3 == 0 { n++; if ($5 != 20) k++ }
		END { print n + 0 " segments without SYN, " k + 0 " with options";
		      exit !(n > 50 && k == 0) }' "$1"
}

mss_body() {
	local fam=$1 t=$T_TMP/$1 cap p1 p2 p3 c sport opts want line f
	local -a raw_args=()
	mkdir -p "$t"
	cap=$t/cap
	f=$t/fields
	topo_up "mss$fam"
	t_check "$fam: topology up" topo_ok
	t_check "$fam: TCP timestamps off, no segmentation offload on veth-s" \
		eval "nsx $NS_S sysctl -qw net.ipv4.tcp_timestamps=0 &&
		      nsx $NS_C sysctl -qw net.ipv4.tcp_timestamps=0 &&
		      nsx $NS_S ethtool -K veth-s tso off gso off > /dev/null"
	cap_start "$NS_S" veth-s "$cap" "$(seg_filter "$fam")" >/dev/null 2>&1
	# shellcheck disable=SC2046
	bg "$t/srv" "$NS_S" "$MSSP" $(fam_opt "$fam") -l -s "$BYTES" \
		-t $((120 * T_SLOW)) "$SRV" "$PORT"
	wait_line "$t/srv" '^(listening|error)' $((10 * T_SLOW)) || DEAD=1
	t_check "$fam: a server that sends each connection $BYTES bytes" \
		has_line "$t/srv" '^listening'

	t_check "$fam: 1. a client as it is: connected" mss_client "$fam" "$t/c1" "$BYTES"
	p1=$(cport "$t/c1")
	t_check "$fam: ... the client's MSS is 1460" \
		expect_eq "$(rest "$t/c1" "connected port [0-9]*")" "mss 1460 snd_mss 1460"
	t_check "$fam: ... the server's too" \
		expect_eq "$(srv_rest "$t/srv" "accepted port $p1")" "mss 1460 snd_mss 1460"
	t_check "$fam: ... TCP_INFO: the client offered 1460, got 1460" \
		expect_eq "$(rest "$t/c1" "received [0-9]*")" "advmss 1460 rcv_mss 1460"
	t_check "$fam: 2. a client with TCP_MAXSEG 1000: connected" \
		mss_client "$fam" "$t/c2" "$BYTES" -m 1000
	p2=$(cport "$t/c2")
	t_check "$fam: ... the client's MSS is 1000" \
		expect_eq "$(rest "$t/c2" "connected port [0-9]*")" "mss 1000 snd_mss 1000"
	t_check "$fam: ... the server's too: it obeys the client's option" \
		expect_eq "$(srv_rest "$t/srv" "accepted port $p2")" "mss 1000 snd_mss 1000"
	t_check "$fam: ... TCP_INFO: the client offered 1000, got 1000" \
		expect_eq "$(rest "$t/c2" "received [0-9]*")" "advmss 1000 rcv_mss 1000"

	# 3: hand-made SYNs, every case at once.
	for c in $RAW_CASES; do
		raw_args+=("${c%:*}")
	done
	nsx "$NS_C" python3 "$RAW" veth-c "$MAC_S" "$RAW_SRC" \
		"$(fam_proto "$fam")" "$SRV" "$PORT" "$BYTES" \
		$((20 * T_SLOW)) "${raw_args[@]}" > "$t/raw" 2>&1
	sed 's/^/# raw: /' "$t/raw"
	for c in $RAW_CASES; do
		sport=${c%%:*}
		opts=${c#*:}
		opts=${opts%:*}
		want=${c##*:}
		line=$(sed -n "s/^port $sport //p" "$t/raw")
		t_check "$fam: 3. SYN with options '$opts': MSS $want" \
			expect_eq "$(srv_rest "$t/srv" "accepted port $sport")" "mss $want snd_mss $want"
		t_check "$fam: ... SYN-ACK with MSS 1460, segments of $want" \
			expect_eq "$line" "synack_mss 1460 maxlen $want bytes $BYTES"
	done

	# 4: a cookie for every SYN.
	t_check "$fam: 4. syncookies=2" fam_sysctl "$NS_S" "$fam" syncookies 2
	t_check "$fam: ... a client with TCP_MAXSEG 1400: connected" \
		mss_client "$fam" "$t/c3" "$BYTES" -m 1400
	p3=$(cport "$t/c3")
	t_check "$fam: ... the client's MSS is 1400" \
		expect_eq "$(rest "$t/c3" "connected port [0-9]*")" "mss 1400 snd_mss 1400"
	t_check "$fam: ... the server's is the cookie table's 1300" \
		expect_eq "$(srv_rest "$t/srv" "accepted port $p3")" "mss 1300 snd_mss 1300"
	t_check "$fam: ... TCP_INFO: the client offered 1400, got 1300" \
		expect_eq "$(rest "$t/c3" "received [0-9]*")" "advmss 1400 rcv_mss 1300"
	t_check "$fam: ... SyncookiesSent 1, SyncookiesRecv 1" \
		expect_eq "$(counter "$NS_S" "$fam" SyncookiesSent) $(counter "$NS_S" "$fam" SyncookiesRecv)" "1 1"
	cap_stop

	tshark_fam "$fam" "$cap" -T fields -E separator=, -e tcp.srcport \
		-e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack \
		-e tcp.hdr_len -e tcp.len -e tcp.options.mss_val > "$f"
	t_check "$fam: tshark: 1. SYN and SYN-ACK advertise 1460 and 1460" \
		expect_eq "$(syn_field "$f" "$p1" "$PORT" 7) $(syn_field "$f" "$PORT" "$p1" 7)" "1460 1460"
	t_check "$fam: tshark: ... the server's largest segment: 1460" \
		expect_eq "$(max_field "$f" "$PORT" "$p1" 6)" 1460
	t_check "$fam: tshark: 2. SYN and SYN-ACK advertise 1000 and 1460" \
		expect_eq "$(syn_field "$f" "$p2" "$PORT" 7) $(syn_field "$f" "$PORT" "$p2" 7)" "1000 1460"
	t_check "$fam: tshark: ... the server's largest segment: 1000" \
		expect_eq "$(max_field "$f" "$PORT" "$p2" 6)" 1000
	t_check "$fam: tshark: 4. SYN and cookie SYN-ACK advertise 1400 and 1460" \
		expect_eq "$(syn_field "$f" "$p3" "$PORT" 7) $(syn_field "$f" "$PORT" "$p3" 7)" "1400 1460"
	t_check "$fam: tshark: ... the server's largest segment: 1300" \
		expect_eq "$(max_field "$f" "$PORT" "$p3" 6)" 1300
	t_check "$fam: tshark: every segment but a SYN has a 20-byte header" \
		plain_headers "$f"
	topo_down
}

if ! command -v tshark > /dev/null || ! command -v ethtool > /dev/null; then
	t_skip "MSS option checks" "tshark or ethtool is not installed (scripts/deps installs them)"
	t_done
fi
for fam in $FAMILIES; do
	mss_body "$fam"
done
t_done
