#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make fuzz-vm, inside the VM: the in-VM fuzzer for kplug_fuzz_seconds
# (from the kernel command line; default 600).
insmod /kplug/kplug.ko || exit 1
fuzz_vm "${kplug_fuzz_seconds:-600}"
rc=$?
rmmod kplug || { echo "fuzz-vm: rmmod failed"; rc=1; }
exit $rc
