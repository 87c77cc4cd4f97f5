#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the VM (-icount, one CPU): load kplug and the bench
# module, check that the module refuses bad commands, run the suite.  The
# packet-filter race sends UDP over lo from 127.0.0.1 and from 10.1.0.1
# (bench/race.c) and needs tc's clsact qdisc and cls_bpf.
set -e
insmod /kplug/kplug.ko
insmod /kplug/tests/kplug_bench.ko
insmod /kplug/tests/sch_ingress.ko
insmod /kplug/tests/cls_bpf.ko
ip link set lo up
ip addr add 10.1.0.1/16 dev lo
for bad in "bogus 1" "hook 7 10" "hook 0 0" "empty 100001" "state nope 5" \
	   "state cr3 0" "grey 0 1" "filter 4097 1" "clock ms" "race 5 1" \
	   "race 1 0" "racehook 0"; do
	if printf '%s' "$bad" > /proc/kplug_bench 2>/dev/null; then
		echo "bench: /proc/kplug_bench accepted a bad command: '$bad'"
		exit 1
	fi
done
kplugctl bench --records
rmmod kplug_bench
rmmod kplug
