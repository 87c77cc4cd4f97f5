#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check-deb, in the VM (issue 14, item 1): the Debian packages
# unpacked into the root, kplug.ko as DKMS built it from kplug-dkms for
# this kernel.  Everything below uses the installed files only: the build
# tree's kplugctl, plugins and module are deleted first (udp_demo, a test
# helper, only makes the traffic).  The "boot" is the command line of the
# installed kplug.service on the shipped example config.
TAP_PREFIX=deb
. /kplug/tests/tap.sh
rm -rf /kplug/tools /kplug/plugins /kplug/kplug.ko
PATH=/usr/sbin:/usr/bin:/sbin:/bin
udp_demo=/kplug/tests/udp_demo
ko=/lib/modules/$(uname -r)/updates/dkms/kplug.ko
unit=/lib/systemd/system/kplug.service
ip link set lo up

echo "TAP version 13"
echo "1..16"
check module_from_dkms  insmod $ko
echo 1000000 > /sys/module/kplug/parameters/atomic_budget_us	# as apply_test.sh
check modules_load_d    grep -qx kplug /usr/lib/modules-load.d/kplug.conf
check tool_on_path      sh -c '[ "$(command -v kplugctl)" = /usr/bin/kplugctl ]'
check version           out_has '^kplug.ko 1.0.0 (uapi 1)$' kplugctl version
check man_pages         sh -c 'zcat /usr/share/man/man8/kplugctl.8.gz | grep -q "^.B kplugctl apply" && zcat /usr/share/man/man3/libkplug.3.gz | grep -q "kplug_invoke("'
check completion        grep -q '^complete -F _kplugctl kplugctl$' /usr/share/bash-completion/completions/kplugctl
check library           sh -c '[ -f /usr/lib/x86_64-linux-gnu/libkplug.so.1 ] && [ -f /usr/include/kplug.h ] && grep -q "^Version: 1.0.0" /usr/lib/x86_64-linux-gnu/pkgconfig/kplug.pc'
check demo_create       kplugctl create demo /usr/share/kplug/examples/demo.c
check demo_invoke       out_has '^6765$' kplugctl invoke demo fibonacci 20
check demo_fault        out_has 'bad-access' expect_exit 3 kplugctl invoke demo bad_pointer 16
check demo_remove       kplugctl remove demo
cp /usr/share/kplug/examples/net.conf.example /etc/kplug/net.conf
cmd=$(sed -n 's/^ExecStart=//p' $unit)
check boot_apply        out_has '^net: attached drop_udp to netfilter:ipv4_local_in$' sh -c "echo '# $cmd'; $cmd"
check boot_apply_again  out_has '^net: attached already: drop_udp' sh -c "$cmd"
check boot_drops        sh -c "$udp_demo 7701 7702 20 | tee /tmp/deb.udp; grep -q 'port 7701: sent 20, received 20' /tmp/deb.udp && grep -q 'port 7702: sent 20, received 0' /tmp/deb.udp"
check bench_installed   out_has '^usage: kplug_bench' expect_exit 2 kplug_bench --bad-option
check cleanup           sh -c 'kplugctl hook detach netfilter:ipv4_local_in net:drop_udp && kplugctl remove net && rmmod kplug'
exit $failed
