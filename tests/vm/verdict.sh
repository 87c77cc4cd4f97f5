#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge the serial log of one test-VM run (shared by tests/vm/run.sh and
# tests/bochs/run.sh; the runner checks its own timeout first).
#
# Usage: tests/vm/verdict.sh LOG NAME [EMULATOR RC]
#
#   LOG       the serial log, carriage returns already stripped
#   NAME      the run's name, used in the verdict line
#   EMULATOR  RC: the emulator's name and exit status.  If given, a
#             non-zero RC is a failure ("EMULATOR exited rc=RC").  Leave
#             both out for an emulator whose exit status means nothing
#             (Debian's Bochs exits 1 even after a clean poweroff).
#
# Exit 0 only if all hold:
#   - from the moment /init starts SCRIPT, the log matches none of: BUG:
#     WARNING:  Oops  general protection fault  RIP:  Kernel panic
#     Call Trace:  (console and the guest's dmesg dump, so warnings below
#     the console loglevel count too; boot-time notices such as Skylake's
#     "RETBleed: WARNING: ..." do not);
#   - the log ends with the marker "KPLUG-VM-RESULT rc=0", which /init
#     prints only after SCRIPT returned 0.  No marker is a failure;
#   - RC (if given) is 0.
# Prints "vm: ok (NAME)" or "vm: FAIL (NAME): reason" and exits 0 or 1.
# Writes the scanned part of the log to scan.log next to LOG.
set -euo pipefail

[ $# = 2 ] || [ $# = 4 ] || {
	echo "usage: tests/vm/verdict.sh LOG NAME [EMULATOR RC]" >&2; exit 2; }
log=$1 name=$2 emu=${3:-} qrc=${4:-0}
[ -f "$log" ] || { echo "vm: error: no log $log" >&2; exit 2; }

fail() { echo "vm: FAIL ($name): $*"; exit 1; }

# The earliest line matching any of the kernel's failure reports, from the
# moment /init starts the script (boot-time messages such as the CPU
# model's RETBleed notice are not ours): on the console after /init's
# "running /kplug/run" line, and in the dmesg dump after the
# KPLUG-TESTS-START line /init wrote to /dev/kmsg (if the ring buffer
# overflowed and dropped that line, every line left is the run's: scan the
# whole dump).  Line numbers are those of the whole log.  The log is read
# twice: the first pass only looks for the start line in the dump.
scan=$(dirname "$log")/scan.log
awk '
	FNR == NR {
		if (/^KPLUG-DMESG-BEGIN/) d = 1
		else if (/^KPLUG-DMESG-END/) d = 0
		else if (d && /KPLUG-TESTS-START/) has_start = 1
		next
	}
	/^KPLUG-DMESG-BEGIN/ { dmesg = 1; started = !has_start }
	/^KPLUG-DMESG-END/ { dmesg = 0 }
	/running \/kplug\/run$/ && !dmesg { console = 1 }
	/KPLUG-TESTS-START/ && dmesg { started = 1 }
	/KPLUG-EXPECT-BACKTRACES-BEGIN/ && dmesg { expect = 1 }
	/KPLUG-EXPECT-BACKTRACES-END/ && dmesg { expect = 0 }
	(dmesg && started) || (!dmesg && console) {
		print FNR ":" (dmesg && expect ? "expected:" : "") $0
	}
' "$log" "$log" > "$scan"
patterns=('BUG:' 'WARNING:' 'Oops' 'general protection fault' 'RIP:'
	  'Kernel panic' 'Call Trace:')
# A test that provokes backtraces on purpose (NMI backtrace) brackets them
# with KPLUG-EXPECT-BACKTRACES-BEGIN/-END in the kernel log: there, and
# only there, "RIP:" and "Call Trace:" lines are expected; every other
# report still fails the run.
expected='RIP:|Call Trace:'
first= what=
for p in "${patterns[@]}"; do
	if [[ "$p" =~ ^($expected)$ ]]; then
		n=$(grep -v '^[0-9]*:expected:' "$scan" | grep -m1 -F -e "$p" |
		    cut -d: -f1) || true
	else
		n=$(grep -m1 -F -e "$p" "$scan" | cut -d: -f1) || true
	fi
	if [ -n "$n" ] && { [ -z "$first" ] || [ "$n" -lt "$first" ]; }; then
		first=$n what=$p
	fi
done
[ -z "$first" ] || fail "kernel log shows '$what' (line $first of $log)"

# The last marker counts (a script that echoes a fake one earlier gains
# nothing: /init's real marker comes after it).
marker=$(grep -oE 'KPLUG-VM-RESULT rc=[0-9]+' "$log" | tail -n1) || true
if [ -z "$marker" ]; then
	[ "$qrc" = 0 ] || fail "$emu exited rc=$qrc without a result"
	# A panic before the script started (not scanned above) says why.
	panic=$(grep -n -m1 -F 'Kernel panic' "$log") || true
	[ -z "$panic" ] ||
		fail "no KPLUG-VM-RESULT line; '${panic#*:}' (line ${panic%%:*})"
	fail "no KPLUG-VM-RESULT line (guest crashed or hung before /init finished)"
fi
rc=${marker#KPLUG-VM-RESULT rc=}
[ "$rc" = 0 ] || fail "script exited rc=$rc"
[ "$qrc" = 0 ] || fail "$emu exited rc=$qrc"
echo "vm: ok ($name)"
