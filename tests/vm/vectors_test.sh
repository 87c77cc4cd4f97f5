#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Layer: stub.  Every external vector that reaches kplug's IDT from ring 1
# is an interrupt exit, whatever its number: device interrupts on vectors
# 72, 136 or 200 once took the stubs of vectors with a CPU error code
# (a NASM shift wrapped at 64) and the switch back restored garbage.  A
# plugin spins on CPU 0 while tests/kmod/kplug_ipi.ko sends IPIs on those
# vectors (and 73, which never took the wrong stub) from CPU 1.  Needs 2 CPUs.
TAP_PREFIX=vectors
. /kplug/tests/tap.sh
if [ "$(nproc)" -lt 2 ]; then
	echo "ok 1 vectors # SKIP needs 2 CPUs"
	exit 0
fi
# A 20 ms budget: the budget is the plugin's own CPU time, and under an
# IPI every 200 us the plugin gets only a small share of the emulated CPU,
# so a spin takes far longer than its budget in wall time.
kplugctl create vec_spin /kplug/plugins/demo.c --budget-ms 20 > /dev/null || exit 1
spin_with_ipis() {	# spin_with_ipis VECTOR COUNT
	# COUNT IPIs, 200 us apart (10000: 2 s), from CPU 1; meanwhile the
	# plugin spins on CPU 0 until its budget, again and again.  A
	# spin that ended while the IPIs were still coming was interrupted by
	# them in ring 1 all along: that is what counts, not the time taken.
	taskset -c 1 insmod /kplug/tests/kplug_ipi.ko vector=$1 target=0 \
		count=$2 &
	ipi=$!
	overlapped=0
	while kill -0 $ipi 2> /dev/null; do
		taskset -c 0 kplugctl invoke vec_spin spin 4000000000
		rc=$?
		[ $rc = 4 ] || { echo "spin: exit $rc, want 4 (budget)"; return 1; }
		kill -0 $ipi 2> /dev/null && overlapped=$((overlapped + 1))
	done
	wait $ipi || return 1
	rmmod kplug_ipi
	echo "$overlapped spins ran entirely under IPIs on vector $1 ($2 IPIs)"
	[ $overlapped -ge 1 ] && return 0
	# No spin fit in the IPIs' time: inconclusive, not a failure (on a
	# loaded host a spin's 20 ms of plugin time under the IPIs, or
	# starting kplugctl under TCG, can take longer than the 2 s of
	# IPIs).  Once more with 8 times as many.
	[ $2 -lt 80000 ] && spin_with_ipis $1 $(($2 * 8))
}
for v in 72 73 136 200 222; do
	check "ipi_vector_$v" spin_with_ipis $v 10000
done
kplugctl remove vec_spin > /dev/null
exit $failed
