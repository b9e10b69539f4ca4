#!/bin/bash
# docs/labs/flow.sh - flow control: the queues fill while the reader sleeps, the window closes, the sender probes
#
# On TCP, then on EDUTCP: eduxfer sends 2 MiB to a receiver that sleeps
# 6 s before its first read (eduxfer -l -d 6000).  Every 200 ms the lab
# samples the receiver's rx_queue (bytes received, not read) and the
# sender's tx_queue (bytes written, not acknowledged) from /proc/net/tcp
# (/proc/net/edutcp); tcpdump shows the receiver's ACKs closing the
# window (how many say 0, and the smallest window) and the counters count
# the sender's zero-window probes (TcpExt TCPWinProbe, EduTcp WinProbe).  Then the reader wakes,
# both queues drain, and every byte arrives, checksummed.
# EDUTCP's samples are drawn as a chart: $LAB_OUT/queues.svg.
# Each family ends with a RESULT line that selftests/t_labs.sh checks.
#
# It runs in a network namespace of its own.
# Files: $LAB_OUT/{tcp,edu}.csv, $LAB_OUT/{tcp,edu}.pcap, $LAB_OUT/queues.svg.
cd "$(dirname "$0")/../.." || exit 1
if [ -z "${LAB_NETNS:-}" ]; then
	LAB_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
. docs/labs/lab.sh
need eduxfer tcpdump

ADDR=127.0.0.1
BYTES=$((2 * 1024 * 1024))
SLEEP_MS=6000
trap 'stop_all; rm -rf "$W"' EXIT

proto() { if [ "$1" = tcp ]; then echo 6; else cat /sys/module/af_edu/parameters/ipproto 2> /dev/null || echo 253; fi; }

# queues FAM PORT: RX, the rx_queue of the row on local port PORT (the
# receiver's connection), and TX, the tx_queue of the row to remote port
# PORT (the sender's), in bytes; "-" for a side not there.  No subshell:
# the sampler calls it five times a second.
queues() {
	local file=/proc/net/tcp p
	local -a r
	[ "$1" = edu ] && file=/proc/net/edutcp
	printf -v p ':%04X' "$2"
	RX=- TX=-
	while read -r -a r; do
		[ "${r[3]}" = 0A ] && continue
		[ "${r[1]: -5}" = "$p" ] && RX=$((16#${r[4]#*:}))
		[ "${r[2]: -5}" = "$p" ] && TX=$((16#${r[4]%:*}))
	done < "$file"
}

# probes FAM: the zero-window probes the family has sent so far.
probes() { if [ "$1" = tcp ]; then counter tcp TCPWinProbe; else counter edu WinProbe; fi; }

# chart CSV TITLE: the samples as an SVG line chart on stdout (plain awk,
# no plotting package): the receiver's rx_queue and the sender's
# tx_queue, in KiB, over time, and a dashed line where the reader wakes.
chart() {
	awk -F, -v title="$2" -v wake="$((SLEEP_MS / 1000))" '
		BEGIN { n = 0 }
		NR > 1 { t[n] = $1; rx[n] = $2; tx[n] = $3; n++
			 if ($2 > m) m = $2; if ($3 > m) m = $3; if ($1 > tmax) tmax = $1 }
		function x(v) { return 60 + v / (tmax ? tmax : 1) * 560 }
		function y(v) { return 260 - v / (m ? m : 1) * 200 }
		function line(a, color,  i, d) {
			d = ""
			for (i = 0; i < n; i++)
				d = d sprintf("%s%.1f,%.1f ", i ? "L" : "M", x(t[i]), y(a[i]))
			printf "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", d, color
		}
		END {
			print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" height=\"320\" font-family=\"sans-serif\" font-size=\"12\">"
			print "<rect width=\"660\" height=\"320\" fill=\"white\"/>"
			printf "<text x=\"330\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", title
			print "<line x1=\"60\" y1=\"260\" x2=\"620\" y2=\"260\" stroke=\"black\"/>"
			print "<line x1=\"60\" y1=\"60\" x2=\"60\" y2=\"260\" stroke=\"black\"/>"
			printf "<text x=\"56\" y=\"64\" text-anchor=\"end\">%d KiB</text>\n", m / 1024
			print "<text x=\"56\" y=\"264\" text-anchor=\"end\">0</text>"
			printf "<text x=\"620\" y=\"278\" text-anchor=\"end\">%.1f s</text>\n", tmax
			print "<text x=\"60\" y=\"278\">0 s</text>"
			if (wake < tmax) {
				printf "<line x1=\"%.1f\" y1=\"50\" x2=\"%.1f\" y2=\"260\" stroke=\"gray\" stroke-dasharray=\"4,3\"/>\n", x(wake), x(wake)
				printf "<text x=\"%.1f\" y=\"46\" text-anchor=\"end\" fill=\"gray\">%d s: the reader wakes</text>\n", x(wake) + 4, wake
			}
			line(rx, "#1f77b4"); line(tx, "#d62728")
			print "<text x=\"80\" y=\"300\" fill=\"#1f77b4\">receiver rx_queue (received, not read)</text>"
			print "<text x=\"360\" y=\"300\" fill=\"#d62728\">sender tx_queue (written, not acknowledged)</text>"
			print "</svg>"
		}' "$1"
}

port=8900
for fam in tcp edu; do
	step "$fam: 2 MiB to a reader that sleeps $((SLEEP_MS / 1000)) s first"
	tcpdump -U -n -i lo -w "$LAB_OUT/$fam.pcap" "ip proto $(proto "$fam") and ip[20:2] = $port" \
		> /dev/null 2> "$W/td" &
	PIDS+=("$!")
	until_true 30 grep -q listening "$W/td" || { echo "lab: tcpdump did not start"; exit 1; }
	p0=$(probes "$fam")
	echo "\$ eduxfer $(fam_flag "$fam") -l -d $SLEEP_MS $ADDR $port &"
	# shellcheck disable=SC2046  # fam_flag prints two words
	eduxfer $(fam_flag "$fam") -l -d "$SLEEP_MS" "$ADDR" "$port" > "$W/srv" 2>&1 &
	PIDS+=("$!")
	wait_listen "$fam" "$port" || exit 1
	echo "\$ eduxfer $(fam_flag "$fam") -n $BYTES $ADDR $port"
	# shellcheck disable=SC2046
	eduxfer $(fam_flag "$fam") -n "$BYTES" "$ADDR" "$port" > "$W/cli" 2>&1 &
	cli=$!
	start=${EPOCHREALTIME/./}
	echo "time_s,rx_queue,tx_queue" > "$LAB_OUT/$fam.csv"
	while kill -0 "$cli" 2> /dev/null; do
		queues "$fam" "$port"
		if [ "$RX" != - ] || [ "$TX" != - ]; then
			ms=$(( (${EPOCHREALTIME/./} - start) / 1000 ))
			printf '%d.%03d,%s,%s\n' $((ms / 1000)) $((ms % 1000)) \
				"${RX/-/0}" "${TX/-/0}" >> "$LAB_OUT/$fam.csv"
		fi
		sleep 0.2
	done
	wait "$cli"
	ok=$?
	cat "$W/cli"
	stop_all
	p1=$(probes "$fam")
	echo "samples (time in s, bytes):"
	awk -F, '{ printf "%8s %10s %10s\n", $1, $2, $3 }' "$LAB_OUT/$fam.csv"
	rx_max=$(awk -F, 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$LAB_OUT/$fam.csv")
	tx_max=$(awk -F, 'NR > 1 && $3 > m { m = $3 } END { print m + 0 }' "$LAB_OUT/$fam.csv")
	# The window scale the receiver's SYN-ACK offered: TCP and EDUTCP
	# both end their options with it (NOP, kind 3, length 3, shift), so it
	# is the last byte of the header, after 20 bytes of IP.
	ws=$(tcpdump -r "$LAB_OUT/$fam.pcap" -n -x -c 1 "ip[20:2] = $port and (ip[33] & 0x12) = 0x12" 2> /dev/null |
		awk '$1 ~ /^0x/ { for (i = 2; i <= NF; i++) h = h $i }
		     END { end = 20 + int(index("0123456789abcdef", substr(h, 65, 1)) - 1) * 4
			   o = substr(h, 2 * end - 7, 8)
			   print (substr(o, 1, 6) == "010303") ? index("0123456789abcdef", substr(o, 7, 1)) * 16 - 17 + index("0123456789abcdef", substr(o, 8, 1)) : 0 }')
	# The receiver's ACKs (from its port): how many say window 0, and
	# the smallest window of all, in bytes: the field shifted by the scale.
	zero=$(tcpdump -r "$LAB_OUT/$fam.pcap" -n "ip[20:2] = $port and ip[34:2] = 0 and (ip[33] & 0x17) = 0x10" 2> /dev/null | wc -l)
	minw=$(tcpdump -r "$LAB_OUT/$fam.pcap" -n -x "ip[20:2] = $port and (ip[33] & 0x17) = 0x10" 2> /dev/null |
		awk '$1 == "0x0020:" { w = 0; for (i = 1; i <= 4; i++) w = w * 16 + index("0123456789abcdef", substr($3, i, 1)) - 1
					if (n++ == 0 || w < m) m = w }
		     END { print m + 0 }')
	minw=$((minw << ws))
	echo "the receiver's ACKs: $zero with window 0, the smallest window $minw bytes (window scale $ws); zero-window probes sent: $((p1 - p0))"
	echo "RESULT $fam rx_max=$rx_max tx_max=$tx_max zero_windows=$zero min_window=$minw probes=$((p1 - p0)) transfer_ok=$((ok == 0))"
	port=$((port + 10))
done
chart "$LAB_OUT/edu.csv" "EDUTCP: 2 MiB to a reader that sleeps 6 s" > "$LAB_OUT/queues.svg"
echo
echo "chart: $LAB_OUT/queues.svg"
