#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/run.sh [TEST...] - every selftest, inside the VM, as root.
#
# Order: the module-lifecycle tests (they load and unload the module
# themselves), then with the module loaded every kselftest program in
# build/selftests/ and every selftests/t_*.sh script, then the final unload,
# which must succeed: a socket or request left behind would refuse it.
# Each program prints TAP; this script counts the "ok"/"not ok" lines,
# notes how long each program took, and ends with the plain line
# "N passed, N failed, N skipped".  The start of every program is also
# written to the kernel log, so that a report in the console log can be
# traced to the test that provoked it.
# TEST names restrict the run (e.g. socket_create module.sh).
cd "$(dirname "$0")/.." || exit 1
export EDU_KO=${EDU_KO:-af_edu.ko}
export PATH="$PWD/build/bin:$PATH"

pass=0
fail=0
skip=0
failed_names=()
failed_lines=()
ran=()

wanted() {
	[ ${#only[@]} -eq 0 ] && return 0
	local w
	for w in "${only[@]}"; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}

# EDU_SKIP="NAME...": programs not run on this kernel (scripts/check-debug
# names the ones whose subject is not the module's memory or locking).
skipped() {
	case " ${EDU_SKIP:-} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# run_one NAME CMD...: run a TAP program, echo its output, count its results.
run_one() {
	local name=$1 out rc p f s t0 l
	shift
	wanted "$name" || return 0
	if skipped "$name"; then
		ran+=("$name")
		echo "ok - $name # SKIP not run on this kernel (EDU_SKIP)"
		skip=$((skip + 1))
		return 0
	fi
	ran+=("$name")
	echo "# selftest: $name"
	echo "edutcp selftest: $name" > /dev/kmsg 2>/dev/null
	t0=$SECONDS
	out=$(mktemp)
	timeout -k 5 "${EDU_TEST_TIMEOUT:-600}" "$@" > "$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	p=$(grep -cE '^ok [0-9]+' "$out" | head -n 1)
	s=$(grep -cE '^ok [0-9]+ .*# (SKIP|skip)' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	p=$((p - s))
	# A program that died, or failed without saying which test, is a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "    # $name exited with status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name")
		# Its failed checks, nested ones too ("# not ok"), are said
		# again at the end: a log cut to its tail still names them.
		l=$(grep -E '^(# )*not ok' "$out" | sed "s/^/# $name: /")
		[ -z "$l" ] || failed_lines+=("$l")
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($((SECONDS - t0)) s)"
	rm -f "$out"
}

only=("$@")
echo "TAP version 13"
echo "# kernel $(uname -r), module $EDU_KO"

run_one module.sh selftests/module.sh

if ! insmod "$EDU_KO"; then
	echo "# cannot load $EDU_KO"
	fail=$((fail + 1))
	failed_names+=("insmod")
else
	for t in build/selftests/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		run_one "$(basename "$t")" "$t"
	done
	for t in selftests/t_*.sh; do
		[ -f "$t" ] || continue
		run_one "$(basename "$t")" "$t"
	done

	kmemleak=
	[ -e /sys/kernel/debug/kmemleak ] && kmemleak=scripts/kmemleak-check
	[ -z "$kmemleak" ] || "$kmemleak" before-unload
	if wanted final-unload || [ ${#only[@]} -eq 0 ]; then
		if rmmod af_edu; then
			pass=$((pass + 1))
			echo "ok - final unload"
		else
			fail=$((fail + 1))
			failed_names+=("final-unload")
			echo "not ok - final unload (something still holds the module)"
			grep -c . /proc/net/edutcp 2>/dev/null | sed 's/^/# edutcp rows: /'
		fi
	else
		rmmod af_edu
	fi
	if [ -n "$kmemleak" ]; then
		if "$kmemleak" after-unload; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			failed_names+=("kmemleak")
		fi
	fi
fi

# A test asked for by name that does not exist is a failure, not a pass.
for w in "${only[@]}"; do
	case " ${ran[*]} final-unload " in
	*" $w "*) ;;
	*)
		echo "not ok - no selftest named $w"
		fail=$((fail + 1))
		failed_names+=("$w")
		;;
	esac
done
if [ "$fail" -ne 0 ]; then
	[ ${#failed_lines[@]} -eq 0 ] || printf '%s\n' "${failed_lines[@]}"
	echo "# failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
