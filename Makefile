# SPDX-License-Identifier: GPL-2.0
#
# kplug: one entry point.
#
#   make deps    install/fetch what is missing (Debian 12, root); idempotent
#   make         build kmod/kplug.ko, plugins, test programs
#   make run     the main job: boot the test VM, load the module, create,
#                invoke and remove the demo plugins
#   make check   host tests, then the VM suite on every CPU model of the CI
#                matrix; ends with "N passed, N failed"
#   make clean
#
# KDIR=/lib/modules/$(uname -r)/build builds the module for your own kernel
# instead of the cached Debian test kernel.

TOP    := $(CURDIR)
CACHE  := $(TOP)/build/cache
KDIR   ?= $(CACHE)/kernel/build
CC     ?= gcc
CFLAGS := -O2 -g -Wall -Wextra -Wno-sign-compare -Wno-unused-parameter

PLUGINS   := $(patsubst tests/plugins/%.asm,build/plugins/%.bin,$(wildcard tests/plugins/*.asm))
VM_TESTS  := build/tests/kplug_test build/tests/attack_test
HOST_TESTS := build/host/desc_test build/host/image_test

# CI's VM matrix: name:cpu:smp:kernel args
VM_MATRIX := amd-max-smp2:max:2: intel-skylake-pti:Skylake-Client-v4:2:pti=on

.PHONY: all deps module plugins vm-tests host-tests run check check-host check-vm clean

all: module plugins vm-tests build/tests/kplug_demo build/tests/kplug_bench

deps:
	@bash scripts/deps.sh

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod modules

build/plugins/%.bin: tests/plugins/%.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<

plugins: $(PLUGINS)

build/tests/%: tests/vm/%.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -I$(CACHE)/kselftest -o $@ $< -lpthread

build/tests/kplug_bench: bench/transfer.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

vm-tests: $(VM_TESTS)

build/host/%_test: tests/host/%_test.c kmod/image.c kmod/image.h gdt/desc.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(CACHE)/kselftest -o $@ $< kmod/image.c

host-tests: $(HOST_TESTS)

run: deps all
	tests/vm/run.sh --name demo --icount --smp 1 tests/vm/demo.sh

check: deps all host-tests
	@rm -f build/check.log
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf build/plugins build/tests build/host build/vm trampoline/layout.inc
