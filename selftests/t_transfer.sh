#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_transfer.sh - bytes through TCP and EDUTCP, checksummed end
# to end by eduxfer (FNV-1a over every byte, and the count):
#  * 256 MiB through loopback on one connection;
#  * 16 concurrent connections, each with its own pattern, echoed back and
#    compared byte by byte;
#  * 64 MiB between two namespaces whose link loses 5%, duplicates 1%,
#    reorders 25% and delays 5 ms (tc netem, both directions): the stream
#    survives, and the retransmission counters show the work it took
#    (RetransSegs, and FastRetrans: duplicate ACKs at work);
#  * a receiver that sleeps before reading: the sender's tx_queue and the
#    receiver's rx_queue fill in /proc, and drain once it reads.
# On the debug kernel (lib.sh's T_SLOW) the volumes shrink by 8.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

XFER=build/bin/eduxfer
MIB=$((1024 * 1024))
SHRINK=1
[ "$T_SLOW" -gt 1 ] && SHRINK=8
LO_BYTES=$((256 * MIB / SHRINK))
NETEM_BYTES=$((64 * MIB / SHRINK))
NETEM="loss 5% duplicate 1% reorder 25% delay 5ms"

# xfer_fam FAM: eduxfer's family option, spelled as every edutcp tool
# spells it (fill_body's rows in /proc/net/tcp show that -f inet is TCP).
xfer_fam() { if [ "$1" = tcp ]; then echo -f inet; else echo -f edu; fi; }

# xfer_pair FAM NS TAG SERVER_ARGS -- CLIENT_ARGS: run a server and a
# client of eduxfer, both in NS; the client's verdict is the result.
xfer_pair() {
	local fam=$1 ns=$2 tag=$3 t=$T_TMP/$1 rc
	shift 3
	local -a sargs=() cargs=()
	while [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	shift
	cargs=("$@")
	# shellcheck disable=SC2046
	bg "$t/$tag.srv" "$ns" "$XFER" $(xfer_fam "$fam") -l "${sargs[@]}"
	wait_line "$t/$tag.srv" '^listening' $((10 * T_SLOW)) ||
		{ cat "$t/$tag.srv"; return 1; }
	# shellcheck disable=SC2046
	nsx "$ns" timeout $((300 * T_SLOW)) "$XFER" $(xfer_fam "$fam") \
		"${cargs[@]}" > "$t/$tag.cli" 2>&1
	rc=$?
	cat "$t/$tag.cli"
	[ "$rc" -eq 0 ] || cat "$t/$tag.srv"
	return "$rc"
}

# fill_body FAM: the receiver sleeps 4 s before reading; meanwhile its
# rx_queue and the sender's tx_queue hold bytes, then both drain.
fill_body() {
	local fam=$1 t=$T_TMP/$1 q_srv q_cli port=7303
	# shellcheck disable=SC2046
	bg "$t/fill.srv" "$NS_S" "$XFER" $(xfer_fam "$fam") -l -d $((4000 * T_SLOW)) "$SRV" "$port"
	wait_line "$t/fill.srv" '^listening' $((10 * T_SLOW))
	# shellcheck disable=SC2046
	bg "$t/fill.cli" "$NS_C" "$XFER" $(xfer_fam "$fam") -n $((2 * MIB)) "$SRV" "$port"
	wait_until $((3 * T_SLOW)) eval '[ "$(rows_where "$NS_S" "$fam" 01 "$port" - | wc -l)" -ge 1 ]'
	# Let the queues fill, then look at both ends at once.
	sleep 1
	q_srv=$(rows_where "$NS_S" "$fam" 01 "$port" -)
	q_cli=$(rows_where "$NS_C" "$fam" 01 - "$port")
	t_check "$fam: a sleeping receiver: its rx_queue holds bytes" \
		eval 'set -- $q_srv; echo "$1 $5"; [ $((16#${5#*:})) -gt 0 ]'
	t_check "$fam: ... and the sender's tx_queue too" \
		eval 'set -- $q_cli; echo "$1 $5"; [ $((16#${5%:*})) -gt 0 ]'
	t_check "$fam: ... then it reads, and every byte arrives" \
		wait_line "$t/fill.cli" '^ok conn 0' $((30 * T_SLOW))
	t_check "$fam: ... with both queues drained (no connection row left with bytes)" \
		eval '! rows_where "$NS_C" "$fam" 01 - "$port" | grep -v " 00000000:00000000 "'
}

transfer_body() {
	local fam=$1 t=$T_TMP/$1 rs0 fr0
	mkdir -p "$t"
	topo_up "xfer$fam"
	t_check "$fam: topology up" topo_ok

	t_check "$fam: $((LO_BYTES / MIB)) MiB through loopback, checksummed" \
		xfer_pair "$fam" "$NS_S" lo 127.0.0.1 7301 -- -n "$LO_BYTES" 127.0.0.1 7301
	t_check "$fam: 16 concurrent connections, each echoed and compared" \
		xfer_pair "$fam" "$NS_S" many -e -k 16 127.0.0.1 7302 -- \
		-e -j 16 -n $((2 * MIB / SHRINK)) 127.0.0.1 7302

	fill_body "$fam"

	t_check "$fam: netem on both ends: $NETEM" eval \
		'tc -n "$NS_S" qdisc add dev veth-s root netem $NETEM &&
		 tc -n "$NS_C" qdisc add dev veth-c root netem $NETEM'
	rs0=$(counter "$NS_C" "$fam" RetransSegs)
	fr0=$(counter "$NS_C" "$fam" FastRetrans)
	# shellcheck disable=SC2016
	t_check "$fam: $((NETEM_BYTES / MIB)) MiB between namespaces through netem, checksummed" \
		eval 'bg "$t/netem.srv" "$NS_S" "$XFER" $(xfer_fam "$fam") -l "$SRV" 7304 &&
		 wait_line "$t/netem.srv" "^listening" $((10 * T_SLOW)) &&
		 nsx "$NS_C" timeout $((600 * T_SLOW)) "$XFER" $(xfer_fam "$fam") \
			-n "$NETEM_BYTES" "$SRV" 7304'
	t_check "$fam: ... the sender retransmitted what netem dropped (RetransSegs grew)" \
		delta_ge "$NS_C" "$fam" RetransSegs "$rs0" 1
	t_check "$fam: ... some of it at once, on duplicate ACKs (FastRetrans grew)" \
		delta_ge "$NS_C" "$fam" FastRetrans "$fr0" 1
	topo_down
}

t_check "eduxfer -f with a family it does not know: a usage error (2)" eval \
	'"$XFER" -f unix 127.0.0.1 1 2> /dev/null; expect_eq $? 2'
for fam in $FAMILIES; do
	transfer_body "$fam"
done
t_done
