#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make stress, inside the VM: the churn stress for kplug_stress_seconds
# (from the kernel command line; default 600), then rmmod with a plugin
# attached to a hook and a fresh insmod that works.
secs=${kplug_stress_seconds:-600}
insmod /kplug/kplug.ko || exit 1
rc=0
stress "$secs" || rc=1
kplugctl create st.left /kplug/plugins/net_demo.c >/dev/null &&
	kplugctl hook attach netfilter:ipv4_local_in st.left:drop_udp ||
	{ echo "stress: cannot attach before rmmod"; rc=1; }
rmmod kplug || { echo "stress: rmmod with a plugin attached failed"; rc=1; }
insmod /kplug/kplug.ko || { echo "stress: insmod after rmmod failed"; exit 1; }
kplugctl create st.again /kplug/plugins/demo.c >/dev/null &&
	[ "$(kplugctl invoke st.again fibonacci 20)" = 6765 ] ||
	{ echo "stress: create/invoke after reload failed"; rc=1; }
kplugctl remove st.again
rmmod kplug
echo "stress: rmmod/insmod with a plugin attached: $([ $rc = 0 ] && echo ok || echo FAILED)"
exit $rc
