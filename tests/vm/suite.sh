#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (as /kplug/run): load the module, run every test
# binary, unload the module.  Exit status: non-zero if anything failed.
rc=0
# Keeps the perf_sched_events key on until the VM powers off (why: see
# tests/vm/hold_sched_events.c); never stopped, so it never flips back.
hold_sched_events &
insmod /kplug/kplug.ko || { echo "suite: insmod kplug.ko failed"; exit 1; }
for t in /kplug/tests/*_test /kplug/tests/*_test.sh; do
	echo "suite: $t"
	"$t" || rc=1
done
rmmod kplug || { echo "suite: rmmod kplug failed"; rc=1; }
exit $rc
