#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-debug, inside the VM (as /kplug/run) on the debug kernel
# (scripts/debug-kernel.sh): the VM suite (its hostile-caller tier, fuzzer
# and stress smoke included), then the churn stress with rmmod and insmod
# (kplug_stress_seconds, default 60), then a kmemleak scan.
#
# The checkers report into the kernel log, where the rig's verdict finds
# them (KASAN and KFENCE "BUG:", lockdep "WARNING:", sleeping in atomic
# "BUG:", UBSAN and list corruption "Call Trace:"); this script fails if
# they are not all there and working at the start, if lockdep turned
# itself off on the way (its later checks would not have run), and if
# kmemleak finds an object that kplug, or one of its test modules,
# allocated and nobody freed.
km=/sys/kernel/debug/kmemleak
rc=0

fail() { echo "debug: $*"; rc=1; }

# Positive evidence that this is the debug kernel, checkers on.
lockdep_on() { grep -q 'debug_locks: *1' /proc/lockdep_stats 2>/dev/null; }
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
grep -q ' kasan_report$' /proc/kallsyms || fail "KASAN is not built in"
grep -q ' __ubsan_handle_out_of_bounds$' /proc/kallsyms || fail "UBSAN is not built in"
grep -q 'enabled: 1' /sys/kernel/debug/kfence/stats 2>/dev/null || fail "KFENCE is not on"
lockdep_on || fail "lockdep is not on (no debug_locks: 1 in /proc/lockdep_stats)"
# The boot's own suspects set aside: later scans show only new objects.
{ echo scan > $km && echo clear > $km; } 2>/dev/null || fail "kmemleak is not on"
[ $rc = 0 ] || exit 1
echo "debug: KASAN, KFENCE, lockdep, UBSAN and kmemleak on"

suite.sh || fail "the suite failed"
kplug_stress_seconds=${kplug_stress_seconds:-60} stress.sh ||
	fail "the stress failed"
lockdep_on || fail "lockdep turned itself off during the run"

# kmemleak reports an object unreferenced for 5 s or more; scan twice,
# as Documentation/dev-tools/kmemleak.rst suggests, to let stray
# references (a stack, a register) go.
sleep 6
echo scan > $km && sleep 1 && echo scan > $km || fail "kmemleak scan failed"
cat $km > /tmp/kmemleak.txt
total=$(grep -c '^unreferenced object' /tmp/kmemleak.txt)
# A leak is kplug's if its allocation backtrace has a frame in a kplug
# module: named while loaded ("[kplug]", "[kplug_sample]", ...), or after
# rmmod an address in the module area (0xffffffffc0000000 and up; the
# kernel's own text is below).
ours=$(awk '
	/^unreferenced object/ { if (blk) n++; blk = 0 }
	/\[kplug[a-z_]*\]/ || /\[<ffffffff[c-f][0-9a-f]*>\]/ { blk = 1 }
	END { print n + blk }' /tmp/kmemleak.txt)
echo "debug: kmemleak: $total unreferenced object(s) since boot, $ours kplug's"
if [ "$total" != 0 ]; then
	cat /tmp/kmemleak.txt
fi
[ "$ours" = 0 ] || fail "kplug leaked memory (kmemleak, above)"
exit $rc
