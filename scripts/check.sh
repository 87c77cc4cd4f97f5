#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: run the host test binaries, then the VM suite once per entry
# of the VM matrix, and print one summary line "N passed, N failed".
#
# Usage: scripts/check.sh [--script FILE] [--timeout SECS] HOST_TEST... --
#                         NAME:CPU:SMP:APPEND[:KERNEL]...
#
# Each VM entry boots tests/vm/run.sh (QEMU TCG, -cpu CPU -smp SMP; logs in
# build/vm/NAME/), or, when CPU is "bochs", tests/bochs/run.sh (Bochs
# broadwell_ult, 1 CPU, segment limits and PCID; SMP must be 1; logs in
# build/bochs/NAME/).  APPEND: kernel arguments separated by commas.
# KERNEL: another Debian test kernel (the rigs' --kernel).
#   --script FILE   the script each VM runs (default tests/vm/suite.sh)
#   --timeout SECS  each VM's wall-clock limit (default: the rig's)
# Summary in build/check.log and build/check.summary.
#
# Counted: every kselftest TAP result line ("ok"/"not ok") of every run,
# plus one result per VM run for the run itself ("vm NAME clean": booted,
# script finished, kernel log clean), so a VM that dies before printing
# TAP is a failure, never silence.  Skips are reported but not counted.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vm_script=$top/tests/vm/suite.sh
vm_timeout=
while [ "${1:-}" = --script ] || [ "${1:-}" = --timeout ]; do
	[ $# -ge 2 ] || { echo "check: error: $1 needs an argument" >&2; exit 2; }
	case "$1" in
	--script)  vm_script=$2 ;;
	--timeout) vm_timeout=$2 ;;
	esac
	shift 2
done
[ -f "$vm_script" ] || { echo "check: error: no script $vm_script" >&2; exit 2; }
summary=check
log=$top/build/$summary.log
mkdir -p "$top/build"
: > "$log"
rm -f "$top/build/$summary.summary"
passed=0 failed=0 skipped=0

count() {	# count TAP lines of one log
	local p f s
	read -r p f s < <("$top/tests/vm/tap-summary.sh" "$1" |
		sed 's/passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\)/\1 \2 \3/')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# The kernel's report behind a failed VM (the verdict names its first line):
# 70 lines from just before it, in this output, so a failure on a machine whose
# files are gone (CI) can still be read.
report() {
	local at=$1 n file
	[ -n "$at" ] || return 0
	n=${at#line }; n=${n%% *}; file=${at#line * of }
	[ -f "$file" ] || return 0
	n=$((n > 10 ? n - 10 : 1))
	echo "check: $name: $file from line $n:"
	sed -n "$n,$((n + 69))p" "$file" | sed "s/^/check: $name: | /"
}

while [ $# -gt 0 ] && [ "$1" != -- ]; do
	out=$top/build/host/$(basename "$1").tap
	echo "check: host $(basename "$1")"
	"$1" > "$out" 2>&1
	rc=$?
	# a crash, or an exit without a result line, must not pass unseen
	if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok 0 host $(basename "$1") exited with status $rc" >> "$out"
	fi
	cat "$out" >> "$log"
	count "$out"
	shift
done
[ "${1:-}" = -- ] && shift

for entry in "$@"; do
	IFS=: read -r name cpu smp append kernel <<< "$entry"
	append=${append//,/ }
	if [ "$cpu" = bochs ]; then
		if [ "$smp" != 1 ]; then
			echo "check: error: $entry: Bochs runs broadwell_ult on 1 CPU" >&2
			exit 2
		fi
		echo "check: vm $name (Bochs broadwell_ult, 1 CPU${append:+, $append})"
		run=$top/tests/bochs/run.sh logs=bochs opts=()
	else
		echo "check: vm $name (-cpu $cpu -smp $smp ${append:+, $append})"
		run=$top/tests/vm/run.sh logs=vm opts=(--cpu "$cpu" --smp "$smp")
	fi
	[ -n "$kernel" ] && opts+=(--kernel "$kernel")
	[ -n "$vm_timeout" ] && opts+=(--timeout "$vm_timeout")
	out=$top/build/$logs-$name.out
	if "$run" --name "$name" "${opts[@]}" \
		${append:+--append "$append"} "$vm_script" > "$out" 2>&1; then
		passed=$((passed + 1))
		echo "ok - vm $name clean" >> "$log"
	else
		failed=$((failed + 1))
		echo "not ok - vm $name clean" >> "$log"
		grep '^vm: FAIL' "$out"
		report "$(grep -o 'line [0-9]* of [^)]*' "$out" | head -n1)"
	fi
	serial=$top/build/$logs/$name/serial.log
	if [ -f "$serial" ]; then
		count "$serial"
		grep -E '^not ok' "$serial" | sed "s/^/check: $name: /"
	fi
done

echo "check: $skipped skipped; full log in build/$summary.log, VM logs in build/vm/ and build/bochs/"
echo "$passed passed, $failed failed" | tee "$top/build/$summary.summary"
[ "$failed" = 0 ]
