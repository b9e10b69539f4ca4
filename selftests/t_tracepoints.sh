#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/t_tracepoints.sh - docs/tracepoints.md says what the running
# module's tracepoints are, and every recipe on it works.
#
#  1. each event's format file: its "print fmt" string is the one the page
#     quotes, and each of its own fields is in the page's table with its
#     type;
#  2. every recipe (a ```sh block after "<!-- recipe: NAME -->") is taken
#     from the page and run as written, in a namespace of its own
#     (tw_timeout 1 s, so nothing is left behind), against the page's
#     server (eduxfer -l on 127.0.0.1:5000); each recipe's workload is three
#     connections at once.  Its output must show what the events say of
#     them: for the tracefs, trace-cmd, perf and bpftrace recipes the three
#     clients' SYN_SENT -> ESTABLISHED, their SYNs and SYN-ACKs, the accept
#     queue's add with len and backlog=128 (eduxfer's listen() backlog);
#     perf stat counts exactly 6 SYN-queue and 6 accept-queue events.
# A recipe added to the page without a check here fails the test.
# The tracepoints are EDUTCP's own: there is no TCP half.
cd "$(dirname "$0")/.." || exit 1
set -u
. selftests/lib.sh
. selftests/net_lib.sh

PAGE=docs/tracepoints.md
T=/sys/kernel/tracing
NS=edutp_$$
# The recipes of the page, in its order; each has a check below.
RECIPES="server tracefs tracefs-filter trace-cmd perf-stat perf-record
bpftrace-flags bpftrace-acceptq bpftrace-states"
EVENTS="edutcp_state edutcp_synq edutcp_acceptq edutcp_segment edutcp_retransmit"
W=$T_TMP/work
mkdir -p "$W"
SPID=

tp_cleanup() {
	echo 0 > $T/events/edutcp/enable 2>/dev/null
	echo 0 > $T/events/edutcp/edutcp_segment/filter 2>/dev/null
	echo > $T/trace 2>/dev/null
	bg_kill "$SPID"
	ip netns del "$NS" 2>/dev/null
	net_cleanup
}
trap tp_cleanup EXIT

# recipe NAME: the commands of the page's recipe NAME.
recipe() {
	awk -v mark="<!-- recipe: $1 -->" '
		$0 == mark { want = 1; next }
		want == 1 && /^```sh$/ { want = 2; next }
		want == 1 { exit }
		want == 2 && /^```$/ { exit }
		want == 2 { print }' "$PAGE"
}

recipes_listed() {
	local found
	found=$(sed -n 's/^<!-- recipe: \(.*\) -->$/\1/p' "$PAGE" | tr '\n' ' ')
	expect_eq "${found% }" "$(echo $RECIPES)"
}

# --- 1. the reference part -------------------------------------------------

# In bash alone: a grep per field costs a lot under TCG.
formats_match() {
	local e f fmt bad=0 line type name page
	page=$(< "$PAGE")
	for e in $EVENTS; do
		f=$T/events/edutcp/$e/format
		[ -r "$f" ] || { echo "no $f"; bad=1; continue; }
		fmt=
		while IFS= read -r line; do
			case $line in
			"print fmt: "*)
				# The format string: up to the closing quote.
				fmt=${line#print fmt: \"}
				fmt="print fmt: \"${fmt%%\"*}\""
				continue ;;
			*field:*) ;;
			*) continue ;;
			esac
			# Its own fields (after the common_* ones): "field:TYPE NAME;".
			line=${line#*field:}
			line=${line%%;*}
			name=${line##* }
			type=${line% *}
			case $name in common_*) continue ;; esac
			# An array, "__u8 saddr[4]", is "__u8[4]" in the page.
			case $name in *\[*) type="${type}[${name#*[}"; name=${name%%[*} ;; esac
			if [[ $page != *"| \`$name\` | \`$type\` |"* ]]; then
				echo "$e: field $type $name not in the page's tables"
				bad=1
			fi
		done < "$f"
		if [[ $page != *$'\n'"$fmt"$'\n'* ]]; then
			echo "$e: the page does not quote $fmt"
			bad=1
		fi
	done
	return $bad
}

# --- 2. the recipes ----------------------------------------------------------

# in_ns CMD...: CMD in the namespace.  Not "ip netns exec", which mounts
# a sysfs of the namespace's own over /sys, and with it hides tracefs.
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }

ns_up() {
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
		in_ns sh -c 'echo 1 > /proc/sys/net/edutcp/tw_timeout'
}

# start_server: in the test's own shell (not in t_check's subshell), so
# that SPID stays known.
start_server() {
	local cmd
	cmd=$(recipe server)
	# The page starts it in the background ("&"): here it is ours to stop.
	cmd=${cmd%&}
	[ -n "$cmd" ] || return 0
	# nsenter, not in_ns: a function in the background would be a
	# subshell, and $! its pid; nsenter and bash exec, $! is the server.
	nsenter --net="/run/netns/$NS" bash -c "exec $cmd" \
		> "$T_TMP/server.out" 2>&1 &
	SPID=$!
}

server_listening() {
	[ -n "$SPID" ] || { echo "no server recipe"; return 1; }
	wait_line "$T_TMP/server.out" '^listening' $((10 * T_SLOW)) ||
		{ cat "$T_TMP/server.out"; return 1; }
}

# run_recipe NAME: the recipe, as a script, in the namespace; its output
# (stdout and stderr) is left in $T_TMP/NAME.out.  The bound is wide: under
# TCG perf record alone takes 30 s to start (perf stat a few), bpftrace
# 10 to 25 s.  The workload in it must have checked out: eduxfer prints
# "ok" for each of its three connections.
run_recipe() {
	local out=$T_TMP/$1.out n
	recipe "$1" > "$T_TMP/$1.sh"
	[ -s "$T_TMP/$1.sh" ] || { echo "no recipe $1"; return 1; }
	if ! (cd "$W" && in_ns timeout $((150 * T_SLOW)) \
		bash -e "$T_TMP/$1.sh") > "$out" 2>&1; then
		echo "recipe $1 failed:"
		tail -n 20 "$out"
		return 1
	fi
	n=$(grep -c '^ok ' "$out")
	[ "$n" = 3 ] && return 0
	echo "recipe $1: $n connections checked out, not 3"
	tail -n 20 "$out"
	return 1
}

# count_re NAME ERE: lines of NAME's output matching ERE.
count_re() { grep -cE "$2" "$T_TMP/$1.out"; }

# at_least NAME MIN ERE: so many lines of NAME's output match ERE.
at_least() {
	local n
	n=$(count_re "$1" "$3")
	[ "$n" -ge "$2" ] && return 0
	echo "$1: $n lines match '$3', expected at least $2"
	return 1
}

C='127\.0\.0\.1:[0-9]+'		# a client
S='127\.0\.0\.1:5000'		# the server
ESTAB="$C -> $S SYN_SENT -> ESTABLISHED"

check_tracefs() {
	at_least tracefs 3 "edutcp_state: .* $ESTAB\$" &&
	at_least tracefs 3 "edutcp_state: .* $S -> $C CLOSE -> ESTABLISHED\$" &&
	at_least tracefs 3 "edutcp_segment: send $C > $S \[SYN\] seq=[0-9]+ ack=0 " &&
	at_least tracefs 3 "edutcp_segment: send $S > $C \[SYN\|ACK\] " &&
	at_least tracefs 3 "edutcp_synq: listener=.* $S peer $C add len=[1-3] backlog=128\$" &&
	at_least tracefs 3 "edutcp_acceptq: listener=.* $S peer $C add len=[1-3] backlog=128\$" &&
	at_least tracefs 3 "edutcp_acceptq: listener=.* $S peer $C remove len=[0-2] backlog=128\$"
}

# Only segments, only with SYN: 3 SYNs and 3 SYN-ACKs, each sent and
# received; and the recipe put the filter back.
check_filter() {
	local other
	at_least tracefs-filter 6 "edutcp_segment: (send|recv) $C > $S \[SYN\] " &&
	at_least tracefs-filter 6 "edutcp_segment: (send|recv) $S > $C \[SYN\|ACK\] " || return 1
	other=$(grep -E 'edutcp_' "$T_TMP/tracefs-filter.out" | grep -vE 'edutcp_segment: .*\[SYN[]|]')
	[ -z "$other" ] || { echo "not filtered out:"; echo "$other" | head; return 1; }
	expect_eq "$(cat $T/events/edutcp/edutcp_segment/filter)" none
}

# Only the two events asked for.
check_trace_cmd() {
	at_least trace-cmd 3 "edutcp_state: .* $ESTAB\$" &&
	at_least trace-cmd 3 "edutcp_acceptq: .* $S peer $C add len=[1-3] backlog=128\$" &&
	expect_eq "$(count_re trace-cmd 'edutcp_(segment|synq|retransmit):')" 0
}

# perf stat's count of EVENT.
stat_of() { awk -v e="edutcp:$1" '$2 == e { print $1 }' "$T_TMP/perf-stat.out"; }

# Each connection: its request added and removed, its connection added
# and accepted; at least 8 state changes (5 of the client's, 3 of the
# server's before the client's last ACK); at least 6 segments, each sent
# and received (the handshake's 3, the data, the answer, the last ACK:
# the FINs may ride on data); and a count, whatever it is, for
# retransmissions.
check_perf_stat() {
	expect_eq "$(stat_of edutcp_synq)" 6 &&
	expect_eq "$(stat_of edutcp_acceptq)" 6 &&
	expect_ge "$(stat_of edutcp_state)" 24 &&
	expect_ge "$(stat_of edutcp_segment)" 36 &&
	expect_ge "$(stat_of edutcp_retransmit)" 0
}

check_perf_record() {
	at_least perf-record 3 "edutcp:edutcp_state: .* $ESTAB\$" &&
	at_least perf-record 3 "edutcp:edutcp_segment: send $C > $S \[SYN\] " &&
	at_least perf-record 3 "edutcp:edutcp_acceptq: .* $S peer $C add len=[1-3] backlog=128\$"
}

check_bpf_flags() {
	at_least bpftrace-flags 1 '^@sent\[2\]: 3$' &&
	at_least bpftrace-flags 1 '^@sent\[18\]: 3$' &&
	at_least bpftrace-flags 1 '^@sent\[16\]: [0-9]+$'
}

# Three adds in the histogram, and backlog 128 as max.
check_bpf_acceptq() {
	local sum
	sum=$(awk '/^\[[0-9]+, [0-9]+\)/ { s += $3 } END { print s + 0 }' \
		"$T_TMP/bpftrace-acceptq.out")
	expect_eq "$sum" 3 &&
	at_least bpftrace-acceptq 1 '^@max: 128$'
}

check_bpf_states() {
	at_least bpftrace-states 3 "^$ESTAB\$" &&
	at_least bpftrace-states 3 "^$S -> $C CLOSE -> ESTABLISHED\$" &&
	at_least bpftrace-states 3 "^$C -> $S (FIN_WAIT2|CLOSING) -> TIME_WAIT\$"
}

# The rows of /proc/net/edutcp in the namespace, header not counted.
ns_rows() { in_ns sh -c 'grep -c . /proc/net/edutcp'; }

ns_empty() {
	bg_kill "$SPID"
	SPID=
	wait_until $((10 * T_SLOW)) eq_cmd 1 ns_rows && return 0
	in_ns cat /proc/net/edutcp
	return 1
}

# try NAME CHECK: run recipe NAME, then its check (one TAP line each).
try() {
	t_check "recipe $1 runs, its workload checks out" run_recipe "$1" &&
		t_check "recipe $1 shows the events" "$2"
}

t_check "the page marks the recipes this test checks, in order" recipes_listed
t_check "each event's print fmt and fields are the page's" formats_match
t_check "a namespace, tw_timeout 1 s" ns_up
start_server
t_check "recipe server: eduxfer listens on 127.0.0.1:5000" server_listening

try tracefs check_tracefs
try tracefs-filter check_filter
try trace-cmd check_trace_cmd
try perf-stat check_perf_stat
try perf-record check_perf_record
try bpftrace-flags check_bpf_flags
try bpftrace-acceptq check_bpf_acceptq
try bpftrace-states check_bpf_states
t_check "the server stops, no EDUTCP socket is left in the namespace" ns_empty
t_done
