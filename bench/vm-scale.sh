#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside a VM without -icount: invocations per second with
# one thread per vCPU (bench/scale.c).
set -e
insmod /kplug/kplug.ko
kplugctl bench --scale 5 --records
rmmod kplug
