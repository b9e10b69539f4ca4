#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_orphans.sh - connections closed by their process but not yet
# finished (orphans) belong to the kernel; EDUTCP only, TCP's orphans are
# not visible this way.
#  * closed connections stay as rows in TIME_WAIT, owned by nobody;
#  * deleting their namespace ends them at once: the orphans do not hold
#    the namespace, and the module ends them when it goes (not 60 s later);
#  * max_orphans limits them: beyond it close() resets (AbortOnMemory)
#    and leaves nothing behind.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

CLOSER=$HELPERS/edu_closer
N=8

# close_pairs PORT N: N connections from the client namespace, each closed
# by the client first and then by the server, so the client side ends in
# TIME_WAIT.
close_pairs() {
	local port=$1 n=$2 i t=$T_TMP
	for i in $(seq "$n"); do
		bg "$t/srv.$port.$i" "$NS_S" "$CLOSER" -l -d 300 "$SRV" $((port + i))
		wait_line "$t/srv.$port.$i" '^listening' $((10 * T_SLOW)) || return 1
		nsx "$NS_C" "$CLOSER" "$SRV" $((port + i)) > /dev/null || return 1
	done
}

if [ ! -r "$DBG/sockets" ]; then
	t_skip "orphans" "no $DBG (debugfs not mounted?)"
	t_done
fi

topo_up orph
t_check "topology up" topo_ok
t_check "$N connections closed, the client first" close_pairs 7700 "$N"
wait_until $((5 * T_SLOW)) eq_cmd "$N" count_rows "$NS_C" edu 06 - -
t_check "the clients' ends wait in TIME_WAIT, $N rows" \
	expect_eq "$(count_rows "$NS_C" edu 06 - -)" "$N"
t_check "... owned by nobody (uid 0, inode 0)" eval \
	'! rows_where "$NS_C" edu 06 - - | awk "\$8 != 0 || \$10 != 0 { print; bad = 1 } END { exit !bad }"'
# Other tests' TIME_WAIT sockets may expire meanwhile: the count can only
# fall by more than ours, never by less.
before=$(count_of sockets)
topo_down
wait_until $((5 * T_SLOW)) eval '[ "$(count_of sockets)" -le $((before - N)) ]'
t_check "deleting the namespaces ends all $N at once (debugfs sockets fell by $N or more)" \
	expect_ge $((before - $(count_of sockets))) "$N"

topo_up orph2
t_check "topology up again" topo_ok
t_check "max_orphans=0 on the client side" fam_sysctl "$NS_C" edu max_orphans 0
mem0=$(counter "$NS_C" edu AbortOnMemory)
rst0=$(counter "$NS_C" edu OutRsts)
t_check "a connection closed by the client first" close_pairs 7800 1
t_check "... was reset instead of orphaned (AbortOnMemory +1)" \
	delta_is "$NS_C" edu AbortOnMemory "$mem0" 1
# One RST for the abort; the server's FIN, 300 ms later, meets a closed
# port and gets another.
t_check "... with an RST (OutRsts grew)" \
	delta_ge "$NS_C" edu OutRsts "$rst0" 1
t_check "... and left no row behind on the client side" \
	expect_eq "$(rows_where "$NS_C" edu 06 - - | grep -c .)" 0
topo_down
t_done
