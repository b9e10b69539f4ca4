# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# selftests/lib.sh - TAP output for the shell selftests, sourced by each.
#
#   t_check "description" command [args...]   one test: passes when it exits 0
#   t_skip "description" "reason"
#   t_done                                     prints the plan, exits
# Everything a check prints goes to stdout as TAP diagnostics ("# ...").

t_n=0
t_failed=0
EDU_KO=${EDU_KO:-af_edu.ko}

# T_SLOW: how much slower than the stock kernel under TCG this kernel is.
# Timing bounds in the tests are written for the stock kernel; the debug
# kernel (KASAN, lockdep, kmemleak: scripts/check-debug), recognised by
# its kmemleak file, is several times slower, and tests stretch their
# waits (and shrink their loads) by this factor.
T_SLOW=${T_SLOW:-1}
[ -e /sys/kernel/debug/kmemleak ] && T_SLOW=${T_SLOW_DEBUG:-5}

# The module's counts of live objects (sockets, requests), in debugfs.
DBG=/sys/kernel/debug/edutcp
# count_of NAME: the number in $DBG/NAME, or -1 when it cannot be read.
count_of() { cat "$DBG/$1" 2>/dev/null || echo -1; }

echo "TAP version 13"

t_check() {
	local desc=$1 out rc
	shift
	t_n=$((t_n + 1))
	out=$("$@" 2>&1) && rc=0 || rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	# EDU_TIMES=1: the script's clock at each check, to see where a
	# slow script spends its time.
	[ -z "${EDU_TIMES:-}" ] || echo "# t=${SECONDS}s"
	if [ "$rc" -eq 0 ]; then
		echo "ok $t_n $desc"
	else
		echo "not ok $t_n $desc"
		t_failed=$((t_failed + 1))
	fi
}

t_skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n $1 # SKIP $2"
}

t_done() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
	exit $?
}

# Small predicates the checks are built from; each says why it failed.
expect_eq() {
	[ "$1" = "$2" ] && return 0
	echo "expected '$2', got '$1'"
	return 1
}

module_loaded() { grep -q '^af_edu ' /proc/modules; }

edu_load() { insmod "$EDU_KO" "$@"; }

edu_unload() { rmmod af_edu; }

# no_edu_sockets: debugfs counts no socket and no request. Every socket,
# a TIME_WAIT one included, holds a reference on the module, so rmmod
# fails with EBUSY until the last one is gone.
no_edu_sockets() {
	[ "$(count_of sockets)" = 0 ] && [ "$(count_of requests)" = 0 ]
}

# wait_edu_idle: wait for earlier tests' sockets to go; TIME_WAIT lasts
# tw_timeout (60 s) in the initial namespace.
wait_edu_idle() { wait_until $((70 * T_SLOW)) no_edu_sockets; }
