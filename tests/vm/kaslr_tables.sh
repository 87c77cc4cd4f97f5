#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test VM twice with KASLR on and check that what a plugin learns
# from SIDT/SGDT (CPUs without UMIP) is the same on both boots: kplug's
# read-only table aliases at their fixed addresses (gdt/desc.h), nothing
# that moves with KASLR.  Each boot runs tests/vm/kaslr_probe.sh
# (tests/vm/dtables_test, which also checks the values against the
# documented addresses); this script compares the "dtables:" lines of the
# two serial logs, and checks that the boots' layouts did differ (kernel
# text or kplug's module address), so the comparison means something.
#
# Usage: tests/vm/kaslr_tables.sh [--cpu MODEL] [--smp N] [--append ARGS]
#   defaults: --cpu Skylake-Client-v4 (no UMIP) --smp 2 --append pti=on
# Logs: build/vm/kaslr-tables-{1,2}/.  Exit 0 only if both boots are clean
# and the comparison holds.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cpu=Skylake-Client-v4 smp=2 append=pti=on
while [ $# -gt 0 ]; do
	case "$1" in
	--cpu) cpu=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	*) sed -n '/^# Usage:/,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 2 ;;
	esac
done

fail() { echo "kaslr-tables: FAIL: $*"; exit 1; }

for b in 1 2; do
	"$top/tests/vm/run.sh" --name "kaslr-tables-$b" --cpu "$cpu" --smp "$smp" \
		${append:+--append "$append"} "$top/tests/vm/kaslr_probe.sh" \
		> "$top/build/vm-kaslr-tables-$b.out" 2>&1 ||
		fail "boot $b (build/vm-kaslr-tables-$b.out)"
done

log() { echo "$top/build/vm/kaslr-tables-$1/serial.log"; }
tables() { grep -o 'dtables: .*' "$(log "$1")"; }
witness() { grep -o '^kaslr: text .*' "$(log "$1")"; }

t1=$(tables 1) t2=$(tables 2)
[ -n "$t1" ] || fail "no dtables lines in boot 1"
echo "$t1" | grep -q 'UMIP on' && fail "-cpu $cpu has UMIP: nothing to compare"
[ "$(echo "$t1" | wc -l)" = "$smp" ] || fail "boot 1: expected $smp CPUs: $t1"
[ "$t1" = "$t2" ] || fail "tables differ across boots: '$t1' vs '$t2'"
w1=$(witness 1) w2=$(witness 2)
echo "$w1" | grep -q 'text ffffffff[0-9a-f]* kplug 0xffffffff' ||
	fail "no layout witness: '$w1'"
[ "$w1" != "$w2" ] || fail "both boots have the same layout ($w1): KASLR not in effect"
echo "$t1" | sed 's/^/kaslr-tables: /'
echo "kaslr-tables: boot 1 $w1"
echo "kaslr-tables: boot 2 $w2"
echo "kaslr-tables: ok (same tables, layouts differ)"
