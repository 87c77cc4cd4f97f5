#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job (`make run`), inside the VM: load the module; create plugins
# from C source with kplugctl (compiled in process by libtcc), invoke them,
# show a fault, remove them; attach one to a packet filter hook and a
# kprobe; print the benchmarks; unload.
set -e
P=/kplug/plugins
run() { echo "demo\$ $*"; "$@"; }

echo "demo: insmod kplug.ko"
insmod /kplug/kplug.ko
dmesg | grep 'kplug:' | tail -1
run kplugctl create demo $P/demo.c
run kplugctl invoke demo add 40 2
run kplugctl invoke demo fibonacci 20
echo 'kernel plugins at ring one' > /tmp/words
run kplugctl invoke demo words --in /tmp/words --out /tmp/summary --out-size 64
tr -d '\000' < /tmp/summary
run kplugctl invoke demo spin 3000000
echo "demo\$ kplugctl invoke demo bad_pointer 16"
kplugctl invoke demo bad_pointer 16 || echo "demo: (exit code $?: the plugin faulted, the kernel did not)"
run kplugctl invoke demo add 1 2
run kplugctl invoke demo hello 1
run kplugctl log demo
run kplugctl list
run kplugctl info demo
run kplugctl remove demo
# Hooks: a packet filter on real loopback traffic, a probe counting calls.
ip link set lo up
run kplugctl create net $P/net_demo.c
run kplugctl hook attach netfilter:ipv4_local_in net:drop_udp
run udp_demo 7701 7702 20
run kplugctl invoke net stats 0
run kplugctl hook attach kprobe:getname net:count
for i in 1 2 3 4 5 6 7 8 9 10; do cat /kplug/run > /dev/null; done
echo "demo: ten runs of cat /kplug/run (exec and open look up path names)"
run kplugctl invoke net stats 2
run kplugctl hook list
run kplugctl hook show
run kplugctl hook detach kprobe:getname net:count
run kplugctl hook detach netfilter:ipv4_local_in net:drop_udp
run udp_demo 7702 5
run kplugctl remove net
kplug_bench
# The gcc image's spin() run as plain 32-bit user code: the sandbox's
# baseline (the same bytes without ring 1, its own page table or limits).
echo "bench: gcc -O2 spin(200000) as native 32-bit user code: $(KPLUG_TIME=1 kplug_run32 $P/demo-gcc.kpi spin 200000 | sed -n 's/^ns //p') $([ -n "$kplug_icount" ] && echo 'instructions (emulated, -icount)' || echo 'ns (TCG wall clock, emulated)')"
echo "demo: rmmod kplug"
rmmod kplug
