#!/bin/bash
# docs/labs/limits.sh - the limits a server meets: EMFILE, ENFILE, EADDRNOTAVAIL
#
# On TCP, then on EDUTCP, with edulimits (userspace/edulimits.c):
# 1. RLIMIT_NOFILE (ulimit -n) at the descriptors already open: accept()
#    fails with EMFILE while the connection waits in the accept queue;
#    raised again, accept() returns it.
# 2. fs.file-max at 0, accept() by a process that is not root: ENFILE;
#    fs.file-max restored, the same connection is accepted.
# 3. net.ipv4.ip_local_port_range shrunk to two ports: two clients connect
#    to the same listener, the third gets EADDRNOTAVAIL.
#
# It runs in a network namespace of its own (the port range is per
# namespace); fs.file-max is the whole system's, and edulimits restores
# it.  Files: $LAB_OUT/{tcp,edu}.{emfile,enfile,ports}.txt.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need edulimits

FILE_MAX=$(cat /proc/sys/fs/file-max)
trap 'echo "$FILE_MAX" > /proc/sys/fs/file-max; rm -rf "$W"' EXIT
rc=0

# run FAM WHAT ARGS...: edulimits on FAM, shown and kept in $LAB_OUT.
run() {
	local fam=$1 what=$2
	shift 2
	# shellcheck disable=SC2046  # fam_flag prints two words
	{ show edulimits $(fam_flag "$fam") "$@" "$what"; } > "$LAB_OUT/$fam.$what.txt" 2>&1 ||
		rc=1
	cat "$LAB_OUT/$fam.$what.txt"
}

RANGE=$(sysctl -n net.ipv4.ip_local_port_range)
port=8500
for fam in tcp edu; do
	step "$fam: 1. ulimit -n: EMFILE from accept(), the connection kept"
	run "$fam" emfile -p $((port + 1))

	step "$fam: 2. fs.file-max: ENFILE from accept() when not root"
	run "$fam" enfile -p $((port + 2))

	step "$fam: 3. ip_local_port_range of two ports: the third connect()"
	echo '$ sysctl -w net.ipv4.ip_local_port_range="40000 40001"'
	sysctl -w net.ipv4.ip_local_port_range="40000 40001"
	run "$fam" ports -n 2 -p $((port + 3))
	sysctl -qw net.ipv4.ip_local_port_range="$RANGE"
	port=$((port + 10))
done
exit "$rc"
