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
kplugctl create vec_spin /kplug/plugins/demo.c --budget-ms 300 > /dev/null || exit 1
spin_with_ipis() {	# spin_with_ipis VECTOR
	taskset -c 0 kplugctl invoke vec_spin spin 4000000000 &
	pid=$!
	# IPIs in batches of 500 (about 0.1 s) until the plugin stops: the
	# ones sent while it spins in ring 1 are what this is about (a
	# count-free overlap: the plugin needs 0.3 s of CPU, the batches keep
	# coming all that time)
	batches=0
	while kill -0 $pid 2> /dev/null; do
		taskset -c 1 insmod /kplug/tests/kplug_ipi.ko vector=$1 target=0 \
			count=500 || return 1
		rmmod kplug_ipi
		batches=$((batches + 1))
	done
	echo "$batches batches of IPIs"
	# the plugin ran to its budget (exit 4), interrupted by the IPIs
	wait $pid
	[ $? = 4 ] && [ $batches -ge 2 ]
}
for v in 72 73 136 200 222; do
	check "ipi_vector_$v" spin_with_ipis $v
done
kplugctl remove vec_spin > /dev/null
exit $failed
