#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317  # the checks are functions run by t_check
# selftests/t_sysctl.sh - the knobs of /proc/sys/net/edutcp/ are the
# documented ones, start from Linux's defaults, are range checked and
# belong to one network namespace each.
#
# docs/sysctl.md is the source of truth: its summary table (knob, default,
# min, max, Linux 6.1) is parsed here, so a knob added to the module
# without a line in the docs, or a line without a knob, fails the test.
# For every knob:
#  * the files of /proc/sys/net/edutcp/ are exactly the documented knobs,
#    each mode 0644;
#  * the default is the documented number and, where Linux has the knob,
#    the value of net.ipv4.tcp_KNOB read in the same namespace (the
#    kernel's TCP is the oracle);
#  * min - 1, max + 1, a word and a number followed by junk are refused
#    with EINVAL, and the value stays what it was;
#  * min and max are accepted, and read back;
#  * a knob that takes names (its max column is "-", its min column lists
#    the names): each name is accepted and read back, a number, another
#    word and a name in capitals are refused with EINVAL;
#  * values are per namespace: a fresh namespace gets the defaults while
#    this one holds other values; the initial namespace keeps its own; what
#    a fresh namespace writes is not seen here.
# The global knobs (a second table: mem, three numbers, like tcp_mem) exist
# in the initial namespace only: missing here as the Linux knob is; there,
# three numbers in tcp_init_mem()'s proportions, each within a tenth of the
# Linux knob's (computed at boot, not at module load); a write reads back.
#
# The whole test runs in a network namespace of its own (unshare -n), so
# that its writes can never reach the namespace the other tests run in.

# Before lib.sh prints its TAP header: the namespaced run prints its own.
if [ "${1:-}" != --in-netns ]; then
	cd "$(dirname "$0")/.." || exit 1
	exec unshare -n bash "$PWD/selftests/t_sysctl.sh" --in-netns
fi
cd "$(dirname "$0")/.." || exit 1
set -u
export LC_ALL=C
. selftests/lib.sh

DOC=docs/sysctl.md
D=/proc/sys/net/edutcp
ORACLE=/proc/sys/net/ipv4

declare -A DEF MIN MAX LINUX START GLINUX WORDS
KNOBS=()
GLOBALS=()

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	s=${s//\`/}
	REPLY=$s
}

# The summary table of $DOC: the rows after the header "| knob | default |
# min | max | Linux 6.1 |" up to the first line that is not a table row.
parse_doc() {
	local line in=0 k
	local -a c
	while IFS= read -r line; do
		if [ "$in" = 0 ]; then
			[[ $line =~ ^\|\ *knob\ *\|\ *default\ *\|\ *min\ *\|\ *max\ *\| ]] && in=1
			continue
		fi
		[[ $line == \|* ]] || break
		[[ $line =~ ^\|[\ -]*\| ]] && continue
		IFS='|' read -r -a c <<< "$line"
		trim "${c[1]}"
		k=$REPLY
		KNOBS+=("$k")
		trim "${c[2]}"
		DEF[$k]=$REPLY
		trim "${c[3]}"
		MIN[$k]=$REPLY
		trim "${c[4]}"
		MAX[$k]=$REPLY
		LINUX[$k]=
		WORDS[$k]=
		if [ "${MAX[$k]}" = - ]; then
			WORDS[$k]=${MIN[$k]}
			MIN[$k]=${WORDS[$k]%% *}
			MAX[$k]=${WORDS[$k]##* }
		fi
		[[ ${c[5]} =~ net\.ipv4\.(tcp_[a-z0-9_]+) ]] && LINUX[$k]=${BASH_REMATCH[1]}
	done < "$DOC"
}

# The global knobs' table: rows after "| global knob | default | Linux 6.1 |".
parse_globals() {
	local line in=0 k
	local -a c
	while IFS= read -r line; do
		if [ "$in" = 0 ]; then
			[[ $line =~ ^\|\ *global\ knob\ *\| ]] && in=1
			continue
		fi
		[[ $line == \|* ]] || break
		[[ $line =~ ^\|[\ -]*\| ]] && continue
		IFS='|' read -r -a c <<< "$line"
		trim "${c[1]}"
		k=$REPLY
		GLOBALS+=("$k")
		GLINUX[$k]=
		[[ ${c[3]} =~ net\.ipv4\.(tcp_[a-z0-9_]+) ]] && GLINUX[$k]=${BASH_REMATCH[1]}
	done < "$DOC"
}

# A global knob and its Linux twin: neither exists in this namespace.
global_absent_here() {
	local k=$1 rc=0
	[ ! -e "$D/$k" ] || { echo "$D/$k exists in a namespace not the initial one"; rc=1; }
	[ -z "${GLINUX[$k]}" ] || [ ! -e "$ORACLE/${GLINUX[$k]}" ] ||
		{ echo "$ORACLE/${GLINUX[$k]} exists here: the oracle changed"; rc=1; }
	return "$rc"
}

# init_read FILE: its contents in the initial namespace.
init_read() { nsenter -t 1 -n cat "$1"; }

# tcp_init_mem()'s rule: min = limit / 4 * 3, pressure = limit, max = 2 min;
# each within a tenth of the Linux knob's.
global_default_ok() {
	local k=$1 i rc=0
	local -a v o
	read -r -a v <<< "$(init_read "$D/$k")"
	read -r -a o <<< "$(init_read "$ORACLE/${GLINUX[$k]}")"
	echo "$k: ${v[*]}; ${GLINUX[$k]}: ${o[*]}"
	if [ "${#v[@]}" != 3 ] || [ "${#o[@]}" != 3 ]; then
		echo "not three numbers"
		return 1
	fi
	# shellcheck disable=SC2017  # tcp_init_mem()'s own order of operations
	[ "${v[0]}" = $((v[1] / 4 * 3)) ] || { echo "min is not pressure / 4 * 3"; rc=1; }
	[ "${v[2]}" = $((v[0] * 2)) ] || { echo "max is not twice min"; rc=1; }
	for i in 0 1 2; do
		if [ $((v[i] * 10)) -lt $((o[i] * 9)) ] || [ $((v[i] * 10)) -gt $((o[i] * 11)) ]; then
			echo "value $i: ${v[i]} is not within a tenth of ${o[i]}"
			rc=1
		fi
	done
	return "$rc"
}

global_write_ok() {
	local k=$1 before want got
	before=$(init_read "$D/$k")
	want="$(( $(echo "$before" | awk '{ print $1 }') + 1 )) $(echo "$before" | awk '{ print $2, $3 }')"
	nsenter -t 1 -n bash -c "echo '$want' > $D/$k" || return 1
	got=$(init_read "$D/$k" | tr -s '[:space:]' ' ')
	nsenter -t 1 -n bash -c "echo '$before' > $D/$k"
	expect_eq "${got% }" "$want"
}

is_int() { [[ $1 =~ ^-?[0-9]+$ ]]; }

doc_parsed() {
	local k bad=0
	[ ${#KNOBS[@]} -gt 0 ] || { echo "no summary table in $DOC"; return 1; }
	for k in "${KNOBS[@]}"; do
		[ -z "${WORDS[$k]}" ] || continue
		if ! is_int "${MIN[$k]}" || ! is_int "${MAX[$k]}"; then
			echo "$k: min '${MIN[$k]}' or max '${MAX[$k]}' is not a number"
			bad=1
		fi
		if ! is_int "${DEF[$k]}" && [ -z "${LINUX[$k]}" ]; then
			echo "$k: default '${DEF[$k]}' is neither a number nor a Linux knob"
			bad=1
		fi
	done
	echo "documented: ${KNOBS[*]}"
	return "$bad"
}

same_set() {
	local f k rc=0
	local -A doc=()
	for k in "${KNOBS[@]}"; do
		doc[$k]=1
	done
	for f in "$D"/*; do
		k=${f##*/}
		if [ -z "${doc[$k]:-}" ]; then
			echo "$D/$k has no line in $DOC"
			rc=1
		fi
		unset "doc[$k]"
	done
	for k in "${!doc[@]}"; do
		echo "$DOC documents $k, but there is no $D/$k"
		rc=1
	done
	return "$rc"
}

modes_0644() {
	local out
	out=$(stat -c '%a %n' "$D"/* | grep -v '^644 ')
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

val() {
	local v
	read -r v < "$D/$1" || { echo "cannot read $D/$1"; return 1; }
	echo "$v"
}

default_ok() {
	local k=$1 v o rc=0
	v=$(val "$k") || return 1
	if is_int "${DEF[$k]}" || [ -n "${WORDS[$k]}" ]; then
		expect_eq "$v" "${DEF[$k]}" || rc=1
	fi
	if [ -n "${LINUX[$k]}" ]; then
		read -r o < "$ORACLE/${LINUX[$k]}" || { echo "no $ORACLE/${LINUX[$k]}"; return 1; }
		[ "$v" = "$o" ] || { echo "$k is $v, ${LINUX[$k]} is $o"; rc=1; }
	fi
	return "$rc"
}

# put KNOB VALUE: the write's own error message, if any (the builtin's, so
# that the errno comes from this very write()).
put() {
	{ printf '%s\n' "$2" > "$D/$1"; } 2>&1
}

refused() {
	local k=$1 v=$2 before out after
	before=$(val "$k") || return 1
	if out=$(put "$k" "$v"); then
		echo "writing '$v' to $k succeeded"
		return 1
	fi
	case $out in
	*"Invalid argument"*) ;;
	*) echo "writing '$v' to $k: $out (expected EINVAL)"; return 1 ;;
	esac
	after=$(val "$k") || return 1
	[ "$after" = "$before" ] || { echo "$k changed from $before to $after"; return 1; }
}

accepted() {
	local k=$1 v=$2 out
	out=$(put "$k" "$v") || { echo "writing '$v' to $k: $out"; return 1; }
	expect_eq "$(val "$k")" "$v"
}

# Every knob's value, "k=v" each, in $KNOBS order: in this namespace, or
# (with a command prefix) in another.
snapshot() {
	local k s=
	for k in "${KNOBS[@]}"; do
		s="$s $k=$(val "$k")"
	done
	echo "${s# }"
}

# other_ns CMD...: run CMD (a bash snippet) in a fresh network namespace.
other_ns() {
	unshare -n bash -c "$1"
}

# The snippet run in another namespace: print each knob as k=v.
# shellcheck disable=SC2016  # expanded by that other shell
SHOW='for k in '"$D"'/*; do read -r v < "$k"; printf "%s=%s\n" "${k##*/}" "$v"; done'

expect_values() {
	local want=$1 got=$2
	[ "$got" = "$want" ] && return 0
	echo "expected: $want"
	echo "got:      $got"
	return 1
}

# k=v lines of $SHOW into the $KNOBS order, for comparison with snapshot.
ordered() {
	local k line s=
	local -A got=()
	while IFS= read -r line; do
		got[${line%%=*}]=${line#*=}
	done <<< "$1"
	for k in "${KNOBS[@]}"; do
		s="$s $k=${got[$k]:-missing}"
	done
	echo "${s# }"
}

# A value in range and different from the default.
other_value() {
	local k=$1 d w
	d=$(val "$k")
	if [ -n "${WORDS[$k]}" ]; then
		for w in ${WORDS[$k]}; do
			[ "$w" = "$d" ] || { echo "$w"; return; }
		done
	fi
	if [ "$d" -lt "${MAX[$k]}" ]; then
		echo $((d + 1))
	else
		echo $((d - 1))
	fi
}

# ---------------------------------------------------------------------------

parse_doc
parse_globals
t_check "$DOC: a summary table with a number for each min, max, default" doc_parsed
t_check "module loaded" module_loaded
t_check "the files of $D are the knobs of $DOC" same_set
t_check "every knob is mode 0644" modes_0644

for k in "${KNOBS[@]}"; do
	START[$k]=$(val "$k" 2>/dev/null)
	what="${DEF[$k]}"
	[ -z "${LINUX[$k]}" ] || what="$what, as $ORACLE/${LINUX[$k]}"
	t_check "$k: default ($what)" default_ok "$k"
done
defaults=$(snapshot)

for k in "${KNOBS[@]}"; do
	[ -e "$D/$k" ] || continue
	if [ -n "${WORDS[$k]}" ]; then
		for w in ${WORDS[$k]}; do
			t_check "$k: '$w' accepted" accepted "$k" "$w"
		done
		for w in 1 abc "${MIN[$k]^^}" "${MIN[$k]}x"; do
			t_check "$k: '$w' refused with EINVAL, value kept" refused "$k" "$w"
		done
		t_check "$k: back to the default (${START[$k]})" accepted "$k" "${START[$k]}"
		continue
	fi
	lo=${MIN[$k]}
	hi=${MAX[$k]}
	t_check "$k: min - 1 ($((lo - 1))) refused with EINVAL, value kept" refused "$k" $((lo - 1))
	t_check "$k: max + 1 ($((hi + 1))) refused with EINVAL, value kept" refused "$k" $((hi + 1))
	t_check "$k: 'abc' refused with EINVAL, value kept" refused "$k" abc
	t_check "$k: '1x' refused with EINVAL, value kept" refused "$k" 1x
	t_check "$k: min ($lo) accepted" accepted "$k" "$lo"
	t_check "$k: max ($hi) accepted" accepted "$k" "$hi"
	t_check "$k: back to the default (${START[$k]})" accepted "$k" "${START[$k]}"
done

# --- one set of values per namespace ---------------------------------------

fresh_has_defaults() {
	expect_values "$defaults" "$(ordered "$(other_ns "$SHOW")")"
}

init_kept() {
	expect_values "$init_before" "$(nsenter -t 1 -n bash -c "$SHOW")"
}

# Another namespace sets every knob to its minimum and reads it back.
other_sets_min() {
	local k set='' want=''
	for k in "${KNOBS[@]}"; do
		set="$set printf '%s\n' ${MIN[$k]} > $D/$k;"
		want="$want $k=${MIN[$k]}"
	done
	expect_values "${want# }" "$(ordered "$(other_ns "$set $SHOW")")"
}

all_changed() {
	local k rc=0
	for k in "${KNOBS[@]}"; do
		[ "$(val "$k")" != "${START[$k]}" ] || { echo "$k still ${START[$k]}"; rc=1; }
	done
	return "$rc"
}

here_kept() { expect_values "$changed" "$(snapshot)"; }

init_before=$(nsenter -t 1 -n bash -c "$SHOW")
for k in "${KNOBS[@]}"; do
	[ -e "$D/$k" ] && put "$k" "$(other_value "$k")" > /dev/null
done
changed=$(snapshot)
t_check "every knob set to another value here" all_changed
t_check "a new namespace starts with the defaults" fresh_has_defaults
t_check "the initial namespace keeps its values" init_kept
t_check "a new namespace sets its own values" other_sets_min
t_check "... which are not seen here" here_kept

for k in "${KNOBS[@]}"; do
	[ -e "$D/$k" ] && put "$k" "${START[$k]}" > /dev/null
done

# --- global knobs, in the initial namespace only ---------------------------

t_check "$DOC: a table of global knobs (${GLOBALS[*]})" test "${#GLOBALS[@]}" -gt 0
for k in "${GLOBALS[@]}"; do
	t_check "$k: absent in this namespace, as ${GLINUX[$k]}" global_absent_here "$k"
	t_check "$k: in the initial namespace, tcp_init_mem()'s default, as ${GLINUX[$k]}" \
		global_default_ok "$k"
	t_check "$k: a write in the initial namespace reads back" global_write_ok "$k"
done
t_done
