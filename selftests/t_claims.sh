#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the checks are functions run by t_check
# selftests/t_claims.sh - docs/claims.md stays true.
#
# Runs docs/labs/claims.sh, the experiments whose output that page shows,
# and checks each claim's key numbers, on TCP (the oracle) and EDUTCP
# alike: the numbers the page states.  The whole output is kept in
# build/claims.out, from which the page's outputs can be pasted.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh

OUT=build/claims.out

# key N FAM: the key line of claim N on FAM, without "key N FAM ".
key() {
	local line
	while IFS= read -r line; do
		case $line in
		"key $1 $2 "*) echo "${line#"key $1 $2 "}"; return 0 ;;
		esac
	done < "$OUT"
	echo "(no key line for claim $1 on $2)"
	return 1
}

# claim N WANT...: on each family, claim N's key line holds every
# NAME=VALUE of WANT (a VALUE may be a bash pattern), so TCP and EDUTCP
# give the numbers the page states.
claim() {
	local n=$1 fam got w rc=0
	shift
	for fam in $FAMS; do
		got=" $(key "$n" "$fam") "
		for w in "$@"; do
			# shellcheck disable=SC2053  # $w may be a pattern
			[[ $got == *\ $w\ * ]] || { echo "$fam: no $w in:$got"; rc=1; }
		done
	done
	return "$rc"
}

# EDU_FAMILIES=edu (the debug run) checks EDUTCP only; the script runs
# both families anyway, TCP is cheap.
FAMS=${EDU_FAMILIES:-tcp edu}

t_check "docs/labs/claims.sh runs" eval 'timeout $((300 * T_SLOW)) docs/labs/claims.sh > "$OUT" 2>&1 || { tail -n 20 "$OUT"; false; }'
t_check "1: backlog 1 holds 1 child and 2 requests: 3, not 1 or 2" \
	claim 1 backlog=1 synq=2 acceptq=1
t_check "2: the SYN queue is the backlog + 1 (5 for 4); max_syn_backlog 8 stops it at 7 even with backlog 100" \
	claim 2 backlog4_synq=5 max8_backlog100_synq=7
t_check "3: somaxconn 4 clamps the backlog: backlog 2 holds 3, backlog 100 holds 5" \
	claim 3 backlog2_acceptq=3 backlog100_acceptq=5
t_check "4: a full queue drops the SYN: the client waits in SYN_SENT, no RST" \
	claim 4 connected=0 pending=1 failed=0 syn_sent=1 'overflows=[1-9]*' rsts=0
t_check "5: a listener's Send-Q is its backlog (7), Recv-Q its accept queue (2)" \
	claim 5 backlog=7 recvq=2 sendq=7
t_check "6: without accept() the connection is in the accept queue already" \
	claim 6 connected=1 accepted=0 synq=0 acceptq=1
t_check "7: EMFILE comes from ulimit -n; fs.nr_open only caps raising it" \
	claim 7 ulimit16=EMFILE above_nr_open=refused
t_check "8: forked workers blocked in accept() on one socket share its connections" \
	claim 8 served=6 'workers_used=[23]'
t_check "9: one listening socket and one socket per connection, same port" \
	claim 9 listen=1 estab=3 server_fds=4
t_check "10: forked workers share one socket without SO_REUSEPORT; a second bind needs it" \
	claim 10 reuseport=0 'workers_used=[23]' second_bind=EADDRINUSE pair=listening
t_done
