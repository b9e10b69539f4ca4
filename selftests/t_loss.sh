#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_loss.sh - a connection whose peer goes silent, on TCP and
# EDUTCP.  With retries2=3 (TCP: net.ipv4.tcp_retries2=3) and a link that
# drops everything once the connection is up, the sender's data is
# retransmitted with a doubling timeout and the connection then fails
# with ETIMEDOUT: the waiting recv() returns that error, within seconds,
# and the counters say why (Timeouts, RetransSegs, AbortOnTimeout).
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

XFER=build/bin/eduxfer
PORT=7901

loss_body() {
	local fam=$1 t=$T_TMP/$1 to0 rs0 ab0 start secs
	mkdir -p "$t"
	topo_up "loss$fam"
	t_check "$fam: topology up, retries2=3 on the client" eval \
		'topo_ok && fam_sysctl "$NS_C" "$fam" retries2 3'
	# shellcheck disable=SC2046
	bg "$t/srv" "$NS_S" "$XFER" $(fam_opt "$fam") -l -d 60000 "$SRV" "$PORT"
	wait_line "$t/srv" '^listening' $((10 * T_SLOW))
	to0=$(counter "$NS_C" "$fam" Timeouts)
	rs0=$(counter "$NS_C" "$fam" RetransSegs)
	ab0=$(counter "$NS_C" "$fam" AbortOnTimeout)
	# The link dies once the connection is up and before the client
	# sends: netem then drops its data and every retransmission of it.
	# shellcheck disable=SC2046
	bg "$t/cli" "$NS_C" "$XFER" $(fam_opt "$fam") -w $((2000 * T_SLOW)) \
		-n 20000 "$SRV" "$PORT"
	wait_until $((5 * T_SLOW)) eval '[ "$(count_rows "$NS_C" "$fam" 01 - "$PORT")" -ge 1 ] ||
		[ "$(count_rows "$NS_C" "$fam" 04 - "$PORT")" -ge 1 ]'
	t_check "$fam: connected; now netem loss 100% on the client's side" \
		tc -n "$NS_C" qdisc add dev veth-c root netem loss 100%
	start=$SECONDS
	wait_line "$t/cli" '(FAIL|^ok)' $((60 * T_SLOW))
	secs=$((SECONDS - start))
	t_check "$fam: the client gives up with ETIMEDOUT" \
		eval 'cat "$t/cli"; has_line "$t/cli" "Connection timed out"'
	t_check "$fam: ... after seconds, not minutes (${secs}s)" \
		eval '[ "$secs" -ge 1 ] && [ "$secs" -le $((30 * T_SLOW)) ]'
	t_check "$fam: Timeouts grew by at least retries2 = 3" \
		delta_ge "$NS_C" "$fam" Timeouts "$to0" 3
	t_check "$fam: RetransSegs grew by at least 3" \
		delta_ge "$NS_C" "$fam" RetransSegs "$rs0" 3
	t_check "$fam: AbortOnTimeout grew by 1" \
		delta_is "$NS_C" "$fam" AbortOnTimeout "$ab0" 1
	topo_down
}

for fam in $FAMILIES; do
	loss_body "$fam"
done
t_done
