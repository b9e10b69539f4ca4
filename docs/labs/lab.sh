# shellcheck shell=bash
# docs/labs/lab.sh - what every lab script sources: run on TCP or EDUTCP,
# read a listener's queues and the counters of either family.
#
# A lab runs in the VM as root (make lab L=NAME, scripts/lab), in the
# repository, with the module loaded.  LAB_OUT is where it saves its
# files (build/labs/NAME).

export PATH="$PWD/build/bin:$PATH"
LAB_OUT=${LAB_OUT:-build/labs/$(basename "$0" .sh)}
HELPERS=$PWD/build/selftests/helpers
mkdir -p "$LAB_OUT"

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

# need PROGRAM...: say which Debian package is missing and stop.
need() {
	local p
	for p in "$@"; do
		command -v "$p" > /dev/null ||
			{ echo "lab: $p is missing (scripts/deps installs it)"; exit 2; }
	done
}

# on FAM CMD...: CMD as it is (tcp), or with its AF_INET stream sockets
# made AF_EDU by edu-run (edu).
on() {
	local fam=$1
	shift
	if [ "$fam" = edu ]; then
		edu-run -q "$@"
	else
		"$@"
	fi
}

# fam_flag FAM: the option every edutcp program takes for the family:
# "-f inet" (the kernel's TCP) or "-f edu".
fam_flag() { if [ "$1" = tcp ]; then echo -f inet; else echo -f edu; fi; }

# The readers below are plain bash: a sampler calls them many times a
# second, and every program started costs tens of milliseconds in the VM.

# listen_row FAM PORT: the fields of the listener's row on PORT in
# /proc/net/tcp or /proc/net/edutcp, in the array ROW (empty: none).
listen_row() {
	local file=/proc/net/tcp p
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$2"
	ROW=()
	while read -r -a ROW; do
		[ "${ROW[3]:-}" = 0A ] && [ "${ROW[1]: -5}" = "$p" ] && return 0
	done < "$file"
	ROW=()
	return 1
}

# acceptq FAM PORT: the listener's accept queue, its rx_queue (as TCP's
# listeners show it: tcp4_seq_show()); empty when nothing listens.
acceptq() {
	listen_row "$1" "$2" && echo $((16#${ROW[4]#*:}))
}

# backlog FAM PORT: the backlog the listener got from listen() (after
# somaxconn): Send-Q of `ss -lnt` for TCP, acceptq_max for EDUTCP.
backlog() {
	if [ "$1" = edu ]; then
		listen_row edu "$2" && echo "${ROW[13]}"
	else
		ss -Hlnt "sport = :$2" | awk '{ print $3; exit }'
	fi
}

# counter FAM NAME: a counter of the family's table by name (TCP: TcpExt
# in /proc/net/netstat; EDUTCP: /proc/net/edutcp_stats).
counter() {
	local file=/proc/net/netstat prefix=TcpExt: i
	local -a names vals
	[ "$1" = edu ] && { file=/proc/net/edutcp_stats; prefix=EduTcp:; }
	while read -r -a vals; do
		[ "${vals[0]}" = "$prefix" ] || continue
		if [ ${#names[@]} -eq 0 ]; then
			names=("${vals[@]}")
			continue
		fi
		for i in "${!names[@]}"; do
			[ "${names[i]}" = "$2" ] && { echo "${vals[i]}"; return 0; }
		done
		return 1
	done < "$file"
	return 1
}

# until_true SECS CMD...: poll CMD every 0.1 s for at most SECS.
until_true() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_listen FAM PORT: until a listener is on PORT (at most 20 s).
wait_listen() {
	until_true 20 listen_row "$1" "$2" && return 0
	echo "lab: nothing listens on port $2 ($1)"
	return 1
}

# The lab's scratch directory, and the programs it started in the
# background (PIDS+=("$!")), which stop_all ends.
W=$(mktemp -d)
PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2> /dev/null
		wait "$p" 2> /dev/null
	done
	PIDS=()
}
