#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/module.sh - the module's life: load, unload, parameters, refusal
# to unload while in use, per-namespace files.  Leaves the module unloaded.
cd "$(dirname "$0")/.." || exit 1
. selftests/lib.sh

HOLD=build/selftests/helpers/hold_socket

module_gone_clean() {
	! module_loaded || { echo "af_edu still loaded"; return 1; }
	[ ! -e /proc/net/edutcp ] || { echo "/proc/net/edutcp still there"; return 1; }
	[ ! -e /proc/sys/net/edutcp ] || { echo "sysctls still there"; return 1; }
	! grep -q '^EDUTCP ' /proc/net/protocols || { echo "EDUTCP still in /proc/net/protocols"; return 1; }
}

# shellcheck disable=SC2120 # the family is passed where a test loads with family=
module_present() {
	module_loaded || { echo "af_edu not in /proc/modules"; return 1; }
	grep -q '^EDUTCP ' /proc/net/protocols || { echo "EDUTCP not in /proc/net/protocols"; return 1; }
	head -n 1 /proc/net/edutcp | grep -q '^  sl  local_address rem_address   st ' ||
		{ echo "bad /proc/net/edutcp header"; return 1; }
	expect_eq "$(cat /sys/module/af_edu/parameters/family)" "${1:-19}"
}

load_unload_cycle() {
	edu_load || return 1
	module_present || return 1
	edu_unload || return 1
	module_gone_clean
}

# Loading with a parameter that cannot work must fail with the errno named,
# say which parameter in one dmesg line, and leave the kernel as it was.
refused_load() {
	local param=$1 errmsg=$2 out
	dmesg -C
	if out=$(edu_load "$param" 2>&1); then
		echo "insmod $param succeeded"
		edu_unload
		return 1
	fi
	echo "$out"
	echo "$out" | grep -q "$errmsg" || { echo "expected '$errmsg'"; return 1; }
	dmesg | grep -q "af_edu: .*${param%%=*}=" || { echo "no dmesg line naming ${param%%=*}="; return 1; }
	module_gone_clean
}

in_new_netns() {
	ip netns add edutest || return 1
	local hdr sys
	hdr=$(ip netns exec edutest head -n 1 /proc/net/edutcp)
	sys=$(ip netns exec edutest cat /proc/sys/net/edutcp/synack_retries)
	ip netns del edutest
	echo "$hdr" | grep -q 'synq synq_max acceptq acceptq_max drops' ||
		{ echo "header in netns: '$hdr'"; return 1; }
	expect_eq "$sys" 5
}

# A namespace made before the module is loaded gets its files too.
netns_before_load() {
	ip netns add edupre || return 1
	edu_load || { ip netns del edupre; return 1; }
	local ok=0
	ip netns exec edupre test -r /proc/net/edutcp || ok=1
	ip netns del edupre
	edu_unload || return 1
	[ "$ok" -eq 0 ] || echo "no /proc/net/edutcp in a namespace older than the module"
	return $ok
}

unload_refused_while_open() {
	local pid rc=0 ready i
	edu_load || return 1
	ready=$(mktemp)
	"$HOLD" > "$ready" &
	pid=$!
	for i in $(seq 50); do
		grep -q ready "$ready" && break
		sleep 0.1
	done
	grep -q ready "$ready" || { echo "the socket holder did not start"; rc=1; }
	rm -f "$ready"
	if rmmod af_edu 2>/dev/null; then
		echo "rmmod succeeded with an AF_EDU socket open"
		rc=1
	fi
	module_loaded || { echo "module gone while a socket is open"; rc=1; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	edu_unload || { echo "rmmod failed after the socket was closed"; rc=1; }
	module_gone_clean || rc=1
	return $rc
}

# with_module PARAM CMD...: load with PARAM, run CMD, unload whatever CMD said.
with_module() {
	local param=$1 rc=0
	shift
	# shellcheck disable=SC2086
	edu_load $param || return 1
	"$@" || rc=1
	edu_unload || rc=1
	return $rc
}

if module_loaded; then
	edu_unload
fi
t_check "load and unload (1)" load_unload_cycle
t_check "load and unload (2)" load_unload_cycle
t_check "family=2 (AF_INET's) fails with EEXIST" refused_load family=2 "File exists"
t_check "ipproto=6 (TCP's) fails with EEXIST" refused_load ipproto=6 "File exists"
t_check "family=99 (beyond AF_MAX) fails with EINVAL" refused_load family=99 "Invalid parameters"
t_check "family=13 is honoured" with_module "family=13" module_present 13
t_check "a new network namespace has its own files" with_module "" in_new_netns
t_check "a namespace older than the module gets its files" netns_before_load
t_check "rmmod refused while an AF_EDU socket is open" unload_refused_while_open
t_check "module unloaded, nothing left behind" module_gone_clean
t_done
