#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job (`make run`), inside the VM: load the module, create, invoke
# and remove the demo plugins, unload.
set -e
echo "demo: insmod kplug.ko"
insmod /kplug/kplug.ko
dmesg | grep 'kplug:' | tail -1
kplug_demo
kplug_bench
echo "demo: rmmod kplug"
rmmod kplug
