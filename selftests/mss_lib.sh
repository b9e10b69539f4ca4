# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# selftests/mss_lib.sh - what t_mss.sh and t_wscale.sh share: a client of
# helpers/edu_mss in the client namespace, readers of the lines edu_mss
# prints, and readers of the comma-separated lines tshark prints of a
# capture ("sport,dport,syn,..."). Sourced after lib.sh and net_lib.sh;
# SRV and PORT say where the test's server listens.

MSSP=$HELPERS/edu_mss

# mss_client FAM OUT BYTES ARGS...: an edu_mss client in the client
# namespace that reads BYTES; it passes if they all came.
mss_client() {
	local fam=$1 out=$2 bytes=$3
	shift 3
	# shellcheck disable=SC2046  # fam_opt prints two words or none
	nsx "$NS_C" timeout $((60 * T_SLOW)) "$MSSP" $(fam_opt "$fam") "$@" \
		-s "$bytes" "$SRV" "$PORT" > "$out" 2>&1
	cat "$out"
	has_line "$out" "^received $bytes "
}

# cport OUT: the client's port, from its "connected port P ..." line.
cport() { sed -n 's/^connected port \([0-9]*\) .*/\1/p' "$1"; }

# rest OUT HEAD: what follows HEAD (a sed pattern) on the line of OUT
# that starts with it.
rest() { sed -n "s/^$2 //p" "$1"; }

# srv_rest SRVOUT HEAD: the same of a server's output, once it printed it.
srv_rest() {
	wait_line "$1" "^$2 " $((10 * T_SLOW))
	rest "$1" "$2"
}

# syn_field FIELDS SPORT DPORT COL: column COL of the first SYN or SYN-ACK
# (column 3 is tcp.flags.syn) from SPORT to DPORT; "none" if it is empty.
syn_field() {
	awk -F, -v s="$2" -v d="$3" -v c="$4" '$1 == s && $2 == d && $3 == 1 {
		print ($c == "" ? "none" : $c); exit }' "$1"
}

# max_field FIELDS SPORT DPORT COL: the largest column COL from SPORT to DPORT.
max_field() {
	awk -F, -v s="$2" -v d="$3" -v c="$4" \
		'$1 == s && $2 == d && $c > m { m = $c } END { print m + 0 }' "$1"
}
