#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_edubench.sh - `make bench`'s program still measures, on TCP
# and EDUTCP alike.
#
# Not a benchmark: nothing is timed or compared.  `edubench smoke` runs one
# tiny round of each measurement (crr with 1 and 4 clients, rr, bulk of
# 1 MiB, hold of 64 connections with a read of the proc table) and exits 0
# only if every one completed and printed its figure; the check also wants
# the six RESULT lines, so a measurement that silently stopped reporting
# fails it.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

BENCH=build/bin/edubench

smoke() {
	local fam=$1 out n rc=0
	out=$("$BENCH" smoke -f "$fam" -p 7301 2>&1) || rc=$?
	echo "$out"
	n=$(echo "$out" | grep -c '^RESULT ')
	expect_eq "$n" 6 && expect_eq "exit $rc" "exit 0"
}

for fam in ${EDU_FAMILIES:-tcp edu}; do
	f=$fam
	[ "$fam" = tcp ] && f=inet
	t_check "$fam: edubench smoke: crr, crr_par, rr, bulk, memory, proc" smoke "$f"
done
t_done
