#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/edutrace_golden.sh - edutrace on a saved trace gives the
# diagrams saved beside it.  Needs no module and no VM: run it on the
# host after `make userspace` (t_pictures.sh runs it in the VM too).
#
# selftests/data/edutrace.trace is the ftrace text of a real run of
# t_pictures.sh's part 2: listener 10.99.1.1:9462 with backlog 1; client
# A (port 57918) handshakes, is accepted and closes; B (52147) fills the
# accept queue; C (44591) and D (56755) connect together, C's final ACK
# takes the last place and D's overflows, twice, its SYN-ACK
# retransmitted; the listener's process ends, B and C are reset.  Each
# expected diagram was read step by step against that trace; see
# docs/edutrace.md.
cd "$(dirname "$0")/.." || exit 1
set -u
D=selftests/data
E=build/bin/edutrace
fail=0

# same ARGS... EXPECTED: edutrace ARGS on the trace prints EXPECTED.
same() {
	local want=${*: -1} out
	out=$(mktemp)
	"$E" "${@:1:$#-1}" "$D/edutrace.trace" > "$out" 2>&1
	if ! cmp -s "$out" "$D/$want"; then
		echo "edutrace ${*:1:$#-1}: not $D/$want:"
		diff -u "$D/$want" "$out" | head -n 40
		fail=1
	fi
	rm -f "$out"
}

same -p 9462 edutrace-all.mmd		# the listener: the whole scenario
same -p 57918 edutrace-a.mmd		# A: handshake, accept(), teardown
same -p 56755 edutrace-d.mmd		# D: overflow, SYN-ACK retransmitted
same -s -p 56755 edutrace-d.svg
# Another listener's event ahead of the scenario (on a slow kernel, the
# expiry of an earlier test's request): A's diagram must not change, its
# lifelines still SQ, AQ, APP.
other=$(mktemp)
{
	echo '           <...>-270     [001] ..s1.    80.000000: edutcp_synq: listener=(____ptrval____) 10.99.1.1:9461 peer 10.99.1.2:40000 expire len=0 backlog=3'
	cat "$D/edutrace.trace"
} > "$other"
if ! "$E" -p 57918 "$other" | cmp -s - "$D/edutrace-a.mmd"; then
	echo "edutrace -p 57918: another listener in the trace changes A's diagram:"
	"$E" -p 57918 "$other" | diff -u "$D/edutrace-a.mmd" - | head -n 20
	fail=1
fi
rm -f "$other"

exit "$fail"
