#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the VM (-icount, one CPU): load kplug and the bench
# module, check that the module refuses a bad command, run the suite.
set -e
insmod /kplug/kplug.ko
insmod /kplug/tests/kplug_bench.ko
if echo "bogus 1" > /proc/kplug_bench 2>/dev/null; then
	echo "bench: /proc/kplug_bench accepted a bad command"
	exit 1
fi
kplugctl bench --records
rmmod kplug_bench
rmmod kplug
