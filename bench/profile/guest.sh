#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make profile, inside the VM (bench/profile/run.sh boots it twice, with
# nokaslr, so kplug.ko lands at the same address both times).  First boot
# ("symbols" in /proc/cmdline): where kplug's sections are, and the
# kernel's symbols.  Second boot: a null plugin on the bench hook and three
# hook calls; the host single-steps the third.
insmod /kplug/kplug.ko
insmod /kplug/tests/kplug_bench.ko
if grep -q kplug_profile=symbols /proc/cmdline; then
	for s in .text .kprobes.text .text.unlikely; do
		echo "PROFILE-SECTION $s $(cat /sys/module/kplug/sections/$s)"
	done
	# In hex: base64 can spell "Oops", which the verdict would see.
	grep -v '\[' /proc/kallsyms | grep ' [tTwW] ' | gzip -c |
		od -An -v -tx1 | tr -d ' ' | sed 's/^/PROFILE-KSYMS /'
	exit 0
fi
echo 'unsigned int null(void) { return 0; }' > /tmp/null.c
kplugctl create profile_null /tmp/null.c >/dev/null
kplugctl hook attach bench profile_null:null >/dev/null
echo "hook 0 3" > /proc/kplug_bench
