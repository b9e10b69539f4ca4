# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# selftests/net_lib.sh - what the namespace selftests (t_synq.sh,
# t_overflow.sh, ...) share, sourced after lib.sh: a two-namespace
# topology, the knobs and counters of either family by one name, parsing of
# /proc/net/tcp and /proc/net/edutcp rows, packet capture and bounded waits.
#
# Every test body takes a family, "tcp" (AF_INET, the kernel's TCP: the
# oracle) or "edu" (AF_EDU), and runs unchanged on both.
#
# Topology (topo_up), all inside this VM:
#
#   $NS_S  veth-s 10.99.1.1/24 <----> veth-c 10.99.1.2/24  $NS_C
#   "server"                                              "client"
#
# $NS_S routes 10.99.128.0/17, the flood's spoofed sources, to $NS_C, which
# owns none of those addresses and does not forward, so the SYN-ACKs to
# them vanish without an answer (not even ICMP: ip_error() is silent when
# forwarding is off).  $NS_C routes 10.99.200.0/24 to $NS_S, which drops
# it the same way: a SYN sent there is a SYN into a black hole.  Neighbours
# are static, so no packet waits for ARP.

SRV=10.99.1.1
CLI=10.99.1.2
SPOOF_NET=10.99.128.0/17
HOLE=10.99.200.1
HELPERS=build/selftests/helpers
# EDU_FAMILIES=tcp (or edu) runs one half only, when debugging.
FAMILIES=${EDU_FAMILIES:-tcp edu}
FLOOD=build/bin/edusynflood

NS_S=
NS_C=
BG_PIDS=()
T_TMP=$(mktemp -d /tmp/edu_net.XXXXXX)
CAP_PID=
CAP_FILE=
# Set when a family's setup failed: its waits then give up at once, so a
# missing kernel feature fails the test promptly instead of timing out.
DEAD=

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# --- background processes and cleanup ----------------------------------

# bg OUTFILE NS CMD...: run CMD in NS in the background; its pid is BG_LAST.
bg() {
	local out=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" > "$out" 2>&1 &
	BG_LAST=$!
	BG_PIDS+=("$BG_LAST")
}

bg_kill() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

topo_down() {
	local p
	for p in "${BG_PIDS[@]}"; do
		bg_kill "$p"
	done
	BG_PIDS=()
	CAP_PID=
	PID_S=
	PID_C=
	[ -z "$NS_S" ] || ip netns del "$NS_S" 2>/dev/null
	[ -z "$NS_C" ] || ip netns del "$NS_C" 2>/dev/null
	NS_S=
	NS_C=
	DEAD=
}

net_cleanup() {
	topo_down
	rm -rf "$T_TMP"
}
trap net_cleanup EXIT
trap 'exit 1' INT TERM

# topo_up TAG: a fresh pair of namespaces (so counters start at zero and
# sysctls at their defaults, and nothing needs restoring afterwards).  Run
# it in the test's own shell (not inside t_check, a subshell), then check
# topo_ok; a failure marks the family dead.
topo_up() {
	NS_S=edus_${1}_$$
	NS_C=educ_${1}_$$
	TOPO_OK=0
	if __topo_up > "$T_TMP/topo.err" 2>&1; then
		TOPO_OK=1
	else
		DEAD=1
	fi
	# A process living in each namespace lets /proc/PID/net/* be read
	# without "ip netns exec", which costs a lot under TCG.
	bg /dev/null "$NS_S" sleep 600
	PID_S=$BG_LAST
	bg /dev/null "$NS_C" sleep 600
	PID_C=$BG_LAST
}

# netfile_var NS NAME: REPLY=/proc/net/NAME as seen in namespace NS.
netfile_var() {
	local pid=$PID_C
	[ "$1" != "$NS_S" ] || pid=$PID_S
	REPLY=/proc/$pid/net/$2
}

topo_ok() {
	cat "$T_TMP/topo.err"
	[ "$TOPO_OK" = 1 ]
}

# Fixed MAC addresses let the neighbour entries be written in the same
# batch: every "ip" run costs a second or so under TCG.
MAC_S=02:00:0a:63:01:01
MAC_C=02:00:0a:63:01:02

__topo_up() {
	ip netns add "$NS_S" && ip netns add "$NS_C" &&
	ip link add veth-s netns "$NS_S" address "$MAC_S" type veth \
		peer name veth-c netns "$NS_C" address "$MAC_C" &&
	ip -n "$NS_S" -batch - <<-EOF &&
		link set lo up
		addr add $SRV/24 dev veth-s
		link set veth-s up
		route add $SPOOF_NET via $CLI
		neigh replace $CLI lladdr $MAC_C dev veth-s nud permanent
	EOF
	ip -n "$NS_C" -batch - <<-EOF
		link set lo up
		addr add $CLI/24 dev veth-c
		link set veth-c up
		route add ${HOLE%.*}.0/24 via $SRV
		neigh replace $SRV lladdr $MAC_S dev veth-c nud permanent
	EOF
}

# --- per-family names ------------------------------------------------------

fam_opt() { if [ "$1" = tcp ]; then echo -f inet; fi; }

fam_proto() {
	if [ "$1" = tcp ]; then
		echo 6
	else
		cat /sys/module/af_edu/parameters/ipproto 2>/dev/null || echo 253
	fi
}

# fam_sysctl NS FAM KNOB VALUE: the edutcp knob, or TCP's net.ipv4.tcp_KNOB.
fam_sysctl() {
	local ns=$1 fam=$2 knob=$3 val=$4 f
	if [ "$fam" = tcp ]; then
		f=/proc/sys/net/ipv4/tcp_$knob
	else
		f=/proc/sys/net/edutcp/$knob
	fi
	nsx "$ns" sh -c "echo $val > $f" || { echo "cannot set $f"; return 1; }
}

# The readers below are plain bash, no external program: they run in
# every polling loop, and each exec of a program costs tens of
# milliseconds under TCG (the binaries come over 9p).

# snmp_value FILE PREFIX NAME: a counter of the two-line /proc/net/snmp form.
snmp_value() {
	local -a names vals
	local i
	while read -r -a names; do
		[ "${names[0]}" = "$2:" ] || continue
		read -r -a vals || return 1
		for ((i = 1; i < ${#names[@]}; i++)); do
			if [ "${names[i]}" = "$3" ]; then
				echo "${vals[i]}"
				return 0
			fi
		done
		return 1
	done < "$1"
	return 1
}

# counter NS FAM NAME: EduTcp NAME, or what TCP calls the same event:
#   SynQueueDrops   TcpExt TCPReqQFullDrop  (tcp_syn_flood_action(), no cookies)
#   SynAckRetrans   TcpExt TCPSynRetrans    (tcp_rtx_synack())
#   AbortOnOverflow TcpExt EmbryonicRsts    (tcp_check_req(), listen_overflow
#                                            falling through to embryonic_reset)
#   AbortOn*, FastRetrans, Timeouts, OFOQueue, WinProbe, RcvQDrop, OFODrop,
#   MemoryPressures, ChallengeACK, SYNChallenge, ACKSkipped*: TcpExt TCP<name>
# and TcpExt for the listen/cookie counters, Tcp (/proc/net/snmp) otherwise.
# Prints -1 when the counter does not exist, so a check on it fails.
counter() {
	local ns=$1 fam=$2 name=$3 file prefix
	if [ "$fam" = edu ]; then
		file=edutcp_stats
		prefix=EduTcp
	else
		case $name in
		SynQueueDrops) name=TCPReqQFullDrop ;;
		SynAckRetrans) name=TCPSynRetrans ;;
		AbortOnOverflow) name=EmbryonicRsts ;;
		AbortOn*|FastRetrans|Timeouts|OFOQueue|WinProbe|RcvQDrop|OFODrop|\
		MemoryPressures|ChallengeACK|SYNChallenge|ACKSkipped*)
			name=TCP$name ;;
		esac
		case $name in
		Listen*|Syncookies*|TCP*|EmbryonicRsts)
			file=netstat
			prefix=TcpExt ;;
		*)
			file=snmp
			prefix=Tcp ;;
		esac
	fi
	netfile_var "$ns" "$file"
	snmp_value "$REPLY" "$prefix" "$name" 2>/dev/null || echo -1
}

# delta_is NS FAM NAME BEFORE WANT: counter NAME grew by WANT since BEFORE.
# delta_ge NS FAM NAME BEFORE MIN: ... by at least MIN.
delta_is() { expect_eq "$(($(counter "$1" "$2" "$3") - $4))" "$5"; }
delta_ge() { expect_ge "$(($(counter "$1" "$2" "$3") - $4))" "$5"; }

# --- /proc/net/{tcp,edutcp} rows -------------------------------------------

# The u32 of a network-order address printed in host order (x86: reversed),
# as tcp4_seq_show() prints it.
hexaddr() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	printf '%02X%02X%02X%02X' "$4" "$3" "$2" "$1"
}

hexport() { printf '%04X' "$1"; }

# rows NS FAM: the rows without the header; from the file $SNAP instead
# when set (a snapshot taken with "rows NS FAM > FILE"), so that several
# checks look at one moment.
rows() {
	local f=${SNAP:-} line
	if [ -z "$f" ]; then
		if [ "$2" = tcp ]; then
			netfile_var "$1" tcp
		else
			netfile_var "$1" edutcp
		fi
		f=$REPLY
	fi
	while IFS= read -r line; do
		case $line in
		*local_address*) ;;
		*) echo "$line" ;;
		esac
	done < "$f"
}

# rows_where NS FAM ST LPORT|- RPORT|-: rows in state ST (hex, e.g. 03)
# with that local and/or remote port.
rows_where() {
	local st=$3 lp=- rp=-
	local -a r
	[ "$4" = - ] || printf -v lp ':%04X' "$4"
	[ "$5" = - ] || printf -v rp ':%04X' "$5"
	while read -r -a r; do
		[ "${r[3]:-}" = "$st" ] || continue
		[ "$lp" = - ] || [ "${r[1]: -5}" = "$lp" ] || continue
		[ "$rp" = - ] || [ "${r[2]: -5}" = "$rp" ] || continue
		echo "${r[*]}"
	done <<< "$(rows "$1" "$2")"
}

count_rows() {
	local n=0 line
	while read -r line; do
		[ -z "$line" ] || n=$((n + 1))
	done <<< "$(rows_where "$@")"
	echo "$n"
}

# with_snap FILE CMD...: CMD reads its rows from the snapshot FILE.
with_snap() {
	local SNAP=$1
	shift
	"$@"
}

# listener_rxq NS FAM PORT: the listener's rx_queue, its accept-queue length.
listener_rxq() {
	local -a r
	read -r -a r <<< "$(rows_where "$1" "$2" 0A "$3" -)"
	if [ -n "${r[4]:-}" ]; then
		echo $((16#${r[4]#*:}))
	else
		echo -1
	fi
}

# edu_listener_cols PORT COL...: synq synq_max acceptq acceptq_max drops,
# the last five columns of the EDUTCP listener's row in the server
# namespace, space separated (-1 for each when there is no such row).
edu_listener_cols() {
	local port=$1 c out='' n
	local -a r
	shift
	read -r -a r <<< "$(rows_where "$NS_S" edu 0A "$port" -)"
	n=${#r[@]}
	for c in "$@"; do
		case $c in
		synq) c=5 ;; synq_max) c=4 ;; acceptq) c=3 ;; acceptq_max) c=2 ;; drops) c=1 ;;
		esac
		if [ "$n" -ge 15 ]; then
			out="$out ${r[n - c]}"
		else
			out="$out -1"
		fi
	done
	echo "${out# }"
}

# --- waiting, with a bound ---------------------------------------------------

# wait_until SECS CMD...: poll CMD every 0.1 s; fails after SECS, or at once
# when the family is dead.
wait_until() {
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	while :; do
		"$@" && return 0
		[ -z "$DEAD" ] || return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		nap
	done
}

# nap: 0.1 s without running sleep(1): read from a FIFO nobody writes.
# (No process substitution anywhere here: the VM has no /dev/fd.)
mkfifo "$T_TMP/nap"
exec {NAP_FD}<> "$T_TMP/nap"
nap() { read -r -t 0.1 -u "$NAP_FD" _ || true; }

# has_line FILE ERE: a line of FILE matches.
has_line() {
	local line
	[ -r "$1" ] || return 1
	while IFS= read -r line; do
		[[ $line =~ $2 ]] && return 0
	done < "$1"
	return 1
}

wait_line() { wait_until "$3" has_line "$1" "$2"; }

ge() { [ "$1" -ge "$2" ]; }

eq_cmd() {
	local want=$1
	shift
	[ "$("$@")" = "$want" ]
}

# expect_ge GOT MIN: a check, with a reason.
expect_ge() {
	[ "$1" -ge "$2" ] 2>/dev/null && return 0
	echo "expected at least $2, got '$1'"
	return 1
}

# expect_le GOT MAX: a check, with a reason.
expect_le() {
	[ "$1" -le "$2" ] 2>/dev/null && return 0
	echo "expected at most $2, got '$1'"
	return 1
}

# start_listener FAM NS OUT ARGS...: edu_listener in NS; waits for it to
# listen and marks the family dead when it cannot.
start_listener() {
	local fam=$1 ns=$2 out=$3
	shift 3
	# shellcheck disable=SC2046
	bg "$out" "$ns" "$HELPERS/edu_listener" $(fam_opt "$fam") "$@"
	LISTENER_PID=$BG_LAST
	wait_line "$out" '^(listening|error)' $((10 * T_SLOW))
	if ! has_line "$out" '^listening'; then
		DEAD=1
		return 1
	fi
}

# --- packet capture --------------------------------------------------------

# cap_start NS DEV FILE FILTER [SNAPLEN]: tcpdump into FILE until cap_stop,
# the first SNAPLEN bytes of each packet (default 128: the headers; 0: the
# whole packet).  -U writes every packet at once; -Z root because Debian's
# tcpdump otherwise drops to a user that cannot write our private
# temporary directory.
cap_start() {
	local ns=$1 dev=$2 file=$3 filter=$4 snap=${5:-128}
	bg "$file.log" "$ns" tcpdump -i "$dev" -nn -U -Z root -s "$snap" -w "$file" "$filter"
	CAP_PID=$BG_LAST
	CAP_FILE=$file
	wait_line "$file.log" 'listening on' 15 ||
		{ echo "tcpdump did not start:"; cat "$file.log"; return 1; }
}

cap_stop() {
	local file=$CAP_FILE size=-1 n=0
	[ -n "$CAP_PID" ] || return 0
	# Packets still in the capture ring when tcpdump is interrupted are
	# lost, and under TCG tcpdump lags a burst by a second or more: wait
	# until the file (written packet by packet, -U) stops growing.
	while [ "$n" -lt 30 ]; do
		sleep 0.3
		[ "$(stat -c %s "$file" 2>/dev/null)" = "$size" ] && break
		size=$(stat -c %s "$file" 2>/dev/null)
		n=$((n + 1))
	done
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
}

# cap_count FILE FILTER: how many captured packets match.
cap_count() {
	tcpdump -r "$1" -nn "$2" 2>/dev/null | grep -c .
}

# cap_peers FILE FILTER: how many distinct destinations (address and
# port) the matching packets went to: retransmissions count once.  tcpdump
# -x prints the IP packet in hex, 16 bytes a line: the second line starts
# with the destination address, then the two ports.
cap_peers() {
	tcpdump -r "$1" -nn -x "$2" 2>/dev/null |
		awk '$1 == "0x0010:" { print $2 $3 ":" $5 }' | sort -u | grep -c .
}

# tshark_fam FAM FILE ARGS...: tshark reading FILE, EDUTCP decoded as TCP.
tshark_fam() {
	local fam=$1 file=$2
	shift 2
	if [ "$fam" = tcp ]; then
		tshark -r "$file" "$@" 2>/dev/null
	else
		tshark -r "$file" -d "ip.proto==$(fam_proto edu),tcp" "$@" 2>/dev/null
	fi
}

# seg_filter FAM [EXPR]: the family's segments.  Nothing here sends IP
# options, so the transport header is at ip[20]: ports at ip[20:2] and
# ip[22:2], flags at ip[33].  The same offsets read TCP and EDUTCP alike
# (tcpdump's tcp[] and "port" know only protocol 6).
seg_filter() {
	echo "ip proto $(fam_proto "$1")${2:+ and ($2)}"
}

# syn_wscale FILE FILTER: the shift of the window-scale option of the first
# packet in the capture FILE that FILTER matches (a SYN or SYN-ACK), or ""
# if it has none.  tcpdump decodes the options of protocol 6 only, so
# they are read from the packet's bytes here, for EDUTCP as for TCP.
syn_wscale() {
	tcpdump -r "$1" -nn -x -c 1 "$2" 2>/dev/null |
		awk '$1 ~ /^0x/ { for (i = 2; i <= NF; i++) h = h $i }
		function b(o) { return index("0123456789abcdef", substr(h, 2 * o + 1, 1)) * 16 - 16 + \
				       index("0123456789abcdef", substr(h, 2 * o + 2, 1)) - 1 }
		END {
			ihl = (b(0) % 16) * 4
			end = ihl + int(b(ihl + 12) / 16) * 4
			for (o = ihl + 20; o < end; ) {
				k = b(o)
				if (k == 0)
					break
				if (k == 1) { o++; continue }
				if (k == 3 && b(o + 1) == 3) { print b(o + 2); exit }
				if (b(o + 1) < 2)
					break
				o += b(o + 1)
			}
		}'
}

F_SYN='(ip[33] & 0x12) = 0x02'
F_SYNACK='(ip[33] & 0x12) = 0x12'
F_RST='(ip[33] & 0x04) != 0'
