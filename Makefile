# SPDX-License-Identifier: GPL-2.0
#
# kplug: one entry point.
#
#   make deps    install/fetch what is missing (Debian 12, root); idempotent
#   make         build kmod/kplug.ko, plugins, test programs
#   make run     the main job: boot the test VM, load the module, create,
#                invoke and remove the demo plugins
#   make check   host tests and 3 s of each host fuzzer, then the VM suite
#                on every CPU model of the CI matrix; ends with "N passed,
#                N failed"
#   make check-matrix  the same on the full platform matrix
#   make check-kernels the suite on each of the six Debian kernels kplug
#                supports (6.1 and 6.12; generic, rt, cloud)
#   make check-bochs   host tests, then only the Bochs tier (segment limits
#                enforced, PTI and PCID on; ~1.5 minutes); same summary line
#   make check-kaslr-tables  two KASLR boots of a CPU without UMIP: the
#                descriptor-table addresses a plugin reads do not change
#   make fuzz    the host fuzzers (tests/fuzz/: image validator, ELF
#                reader and linker, ar reader, source scanner, kplugctl's
#                command line), FUZZ_SECONDS each (default 60); fails on
#                any crash
#   make fuzz-vm the in-VM fuzzer (tests/vm/fuzz_vm.c: mutated images against
#                an oracle, invoked; bad-pointer ioctls), FUZZ_VM_SECONDS
#                (default 600); make check runs 10 s of it in every VM
#   make stress  churn stress in the VM (tests/vm/stress.c), STRESS_SECONDS
#                (default 600); make check runs 15 s of it in every VM
#   make check-debug  the suite, a stress and a kmemleak scan on a debug
#                kernel built from Debian's 6.1 source (KASAN, lockdep, ...)
#   make bench   the benchmark suite in the VM (bench/run.sh); one table,
#                build/bench/results.json (docs/performance.md)
#   make deb     the Debian packages (debian/) in build/deb/
#   make check-deb  the packages unpacked into the test VM's root, the
#                module built from kplug-dkms by DKMS; the demo and a boot
#                config run from the installed files (tests/vm/deb_test.sh)
#   make install / make uninstall  PREFIX (/usr/local), DESTDIR, LIBDIR
#   make clean
#
# KDIR=/lib/modules/$(uname -r)/build builds the module for your own kernel
# instead of the cached Debian test kernel.  KERNEL=6.12 (6.1-rt, 6.1-cloud,
# 6.12-rt, 6.12-cloud) picks another Debian test kernel, for make deps and
# the module build; the default, 6.1, lives in build/cache/kernel/.

TOP    := $(CURDIR)
CACHE  := $(TOP)/build/cache
KERNEL ?= 6.1
KCACHE := $(CACHE)/kernel$(if $(filter 6.1,$(KERNEL)),,-$(KERNEL))
KDIR   ?= $(KCACHE)/build
# Modules for the default kernel are built in place (kmod/, ...); for any
# other KERNEL in build/kmod-$(KERNEL)/, a tree of links to the sources
# (Kbuild writes its objects next to them), so both builds coexist.  The
# .ko files for that kernel are collected in build/kmod-$(KERNEL)/ko/
# (tests/vm/run.sh --kernel takes them from there).
ifeq ($(KERNEL),6.1)
MODTREE := $(TOP)
else
MODTREE := $(TOP)/build/kmod-$(KERNEL)
endif
MODSRCS := kmod gdt trampoline include uapi tests/kmod bench/kmod bench/work VERSION
CC     ?= gcc
CFLAGS := -O2 -g -Wall -Wextra -Wno-sign-compare -Wno-unused-parameter

PLUGINS   := $(patsubst tests/plugins/%.asm,build/plugins/%.bin,$(wildcard tests/plugins/*.asm)) \
	     $(patsubst tests/plugins/%.c,build/plugins/%.c,$(wildcard tests/plugins/*.c)) \
	     build/plugins/demo-gcc.kpi
# VM_TESTS: what the VM's /kplug/tests/ holds; suite.sh and stress.sh are
# the scripts tests/vm/debug.sh (make check-debug) runs there.
VM_TESTS  := build/tests/kplug_test build/tests/attack_test build/tests/limit_test \
	     build/tests/lib_test build/tests/cli_test.sh build/tests/tap.sh build/tests/hook_test.sh \
	     build/tests/provider_test build/tests/host_state_test build/tests/dtables_test \
	     build/tests/vectors_test.sh build/tests/hostile_test build/tests/hostile32 \
	     build/tests/hold_sched_events build/tests/stress build/tests/stress_test.sh \
	     build/tests/fuzz_vm build/tests/fuzz_vm_test.sh build/tests/json_check \
	     build/tests/suite.sh build/tests/stress.sh \
	     build/tests/compilers_test.sh build/tests/sdk_test.sh build/tests/apply_test.sh \
	     build/tests/race_test.sh build/tests/abi_v1_test build/tests/uhost_test
HOST_TESTS := build/host/desc_test build/host/image_test build/host/fault_test \
	      build/host/codegen_test build/host/cli_test build/host/symbols_test \
	      build/host/docs_test build/host/abi_v1_test build/host/uhost_test

# VM matrices: name:cpu:smp:kernel args (comma-separated)[:test kernel,
# default 6.1]; cpu "bochs"
# boots Bochs' broadwell_ult instead of QEMU (segment limits enforced, PTI
# and PCID on).  CI runs VM_MATRIX (make check); make check-matrix runs the
# full platform matrix.
BOCHS_ENTRY := bochs-broadwell-pti-pcid:bochs:1:
VM_MATRIX := amd-max-smp2:max:2: \
	     k612-skylake-pti:Skylake-Client-v4:2:pti=on:6.12 \
	     intel-skylake-pti:Skylake-Client-v4:2:pti=on \
	     smp1-preempt-full:max:1:preempt=full \
	     $(BOCHS_ENTRY)
VM_MATRIX_FULL := $(VM_MATRIX) \
	     amd-max-pti:max:2:pti=on \
	     intel-skylake-nopti:Skylake-Client-v4:2:nopti \
	     4level:max:2:no5lvl \
	     nofsgsbase:max:2:nofsgsbase \
	     smp4:max:4: \
	     preempt-none:max:2:preempt=none \
	     preempt-voluntary:max:2:preempt=voluntary \
	     smp1-preempt-none-pti:Skylake-Client-v4:1:preempt=none,pti=on

.PHONY: all deps module plugins vm-tests host-tests run check check-matrix \
	libkplug tools install clean

all: module libkplug tools plugins vm-tests \
	build/tests/kplug_bench build/tests/kplug_run32 build/tests/udp_demo bench-build

include codegen/Makefile.inc

# --- libkplug (LGPL-2.1): static and shared, symbols from libkplug.map ----
# One version for the module (MODULE_VERSION), libkplug and kplugctl.
LIBKPLUG_VERSION := $(shell cat VERSION)
LIBKPLUG_A  := build/libkplug/libkplug.a
LIBKPLUG_SO := build/libkplug/libkplug.so.1
UAPI_INC    := build/include/linux/kplug.h

$(UAPI_INC): uapi/kplug.h
	@mkdir -p $(@D)
	cp $< $@

# The user-space host (libkplug/uhost.c) shares the kernel's image
# validator and fault classifier (kmod/image.c, kmod/fault.c).
LIBKPLUG_OBJS := $(addprefix build/libkplug/,libkplug.o uhost.o uhost_switch.o image.o fault.o)
LIBKPLUG_HDRS := libkplug/libkplug.h libkplug/uhost.h codegen/codegen.h kmod/image.h \
		 kmod/fault.h $(UAPI_INC)

build/libkplug/%.o: libkplug/%.c $(LIBKPLUG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -Ibuild/include -c -o $@ $<

build/libkplug/%.o: kmod/%.c $(LIBKPLUG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -Ibuild/include -c -o $@ $<

build/libkplug/uhost_switch.o: libkplug/uhost_switch.S libkplug/uhost.h
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

# The static library is one relocatable object in which only the API
# (the names in libkplug.map) stays global: libtcc's globals (tcc_new,
# new_scope, ...) and codegen's would otherwise clash with, or be
# replaced by, a program's own symbols of the same names.
build/libkplug/libkplug.syms: libkplug/libkplug.map
	@mkdir -p $(@D)
	sed -n 's/^[[:space:]]*\(kplug_[a-z0-9_]*\);.*/\1/p' $< > $@

build/libkplug/libkplug-all.o: $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o \
			       build/libkplug/libkplug.syms
	$(LD) -r -z noexecstack -o $@ $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o
	objcopy --keep-global-symbols=build/libkplug/libkplug.syms $@

$(LIBKPLUG_A): build/libkplug/libkplug-all.o
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBKPLUG_SO): $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o libkplug/libkplug.map
	$(CC) -shared -o $@ -Wl,-soname,libkplug.so.1 \
		-Wl,--version-script=libkplug/libkplug.map \
		$(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o $(CODEGEN_LDLIBS)

libkplug: $(LIBKPLUG_A) $(LIBKPLUG_SO)

# kplugctl is static (the test VM has no libc) and position-independent:
# a program loaded at 0x400000 would take addresses a user plugin's
# sandbox (0x10000 up to 256 MiB) may need (kplugctl run).
KPLUGCTL_CFLAGS := -DKPLUGCTL_VERSION='"$(LIBKPLUG_VERSION)"' -Ibuild/include
build/tools/kplugctl: tools/kplugctl.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KPLUGCTL_CFLAGS) -static-pie -fPIE -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The host tests' kplugctl: ASan and UBSan (dynamic: ASan has no static
# runtime); tests/host/cli_test runs it next to itself.
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/host/kplugctl: tools/kplugctl.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) $(KPLUGCTL_CFLAGS) -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# A program with its own tcc_new, new_scope, ... linked with libkplug.a.
build/host/symbols_test: tests/host/symbols_test.c $(LIBKPLUG_A) libkplug/libkplug.h libkplug/libkplug.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -I$(CACHE)/kselftest \
		-DLIBKPLUG_A='"$(TOP)/$(LIBKPLUG_A)"' -DLIBKPLUG_MAP='"$(TOP)/libkplug/libkplug.map"' \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# A program built against the first ABI's headers (tests/abi/v1/, from
# git), linked with today's library: on the host and, static, in the VM.
ABI_V1_DEPS := tests/abi/abi_v1_test.c tests/abi/v1/libkplug.h tests/abi/v1/linux/kplug.h $(LIBKPLUG_A)
build/host/abi_v1_test: $(ABI_V1_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/abi/v1 -I$(CACHE)/kselftest -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/abi_v1_test: $(ABI_V1_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Itests/abi/v1 -I$(CACHE)/kselftest -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/host/cli_test: tests/host/cli_test.c tests/vm/json.h uapi/kplug.h build/host/kplugctl
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -I$(CACHE)/kselftest -o $@ $<

tools: build/tools/kplugctl

# After libkplug and kplugctl: fuzz_cli links the one and includes the other.
include tests/fuzz/Makefile.inc

# The man pages and bash completion are generated: kplugctl's from its
# own verb and option tables (what --help prints), libkplug(3) from
# libkplug.h.
DOCS := build/man/kplugctl.8 build/man/libkplug.3 build/completion/kplugctl
build/man/kplugctl.8: build/tools/kplugctl
	@mkdir -p $(@D)
	build/tools/kplugctl --generate man > $@
build/completion/kplugctl: build/tools/kplugctl
	@mkdir -p $(@D)
	build/tools/kplugctl --generate bash-completion > $@
build/man/libkplug.3: libkplug/libkplug.h scripts/libkplug-man.sh VERSION
	@mkdir -p $(@D)
	scripts/libkplug-man.sh $(LIBKPLUG_VERSION) < $< > $@
.PHONY: docs uninstall
docs: $(DOCS)

# Three headers, three audiences: libkplug.h for programs that use the
# library, linux/kplug.h (the uapi) below it, and kplug.h for plugins, so
# that gcc -m32 -include kplug.h (docs/plugins.md) finds the SDK where
# plugins and kplugctl build expect it.  kplugctl and libkplug need no
# installed header: the SDK is built into them (codegen/blobs.S).  Module
# authors get share/kplug/module/: include/kplug_hook.h (with the uapi
# header it includes, at ../uapi/) and, when the module was built, its
# Module.symvers (docs/hooks.md).  The boot service: docs/kplugctl.md.
# Every installed file is listed once, in INSTALLED, for uninstall.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
D := $(DESTDIR)
SHARE := $(PREFIX)/share
MODULE_DIR := $(SHARE)/kplug/module
EXAMPLES := tests/plugins/demo.c tests/plugins/net_demo.c tools/net.conf.example
INSTALLED := $(LIBDIR)/libkplug.a $(LIBDIR)/libkplug.so.1 $(LIBDIR)/libkplug.so \
	     $(LIBDIR)/pkgconfig/kplug.pc $(PREFIX)/include/libkplug.h \
	     $(PREFIX)/include/kplug.h $(PREFIX)/include/linux/kplug.h \
	     $(PREFIX)/bin/kplugctl $(PREFIX)/bin/kplug_bench \
	     $(SHARE)/man/man8/kplugctl.8 $(SHARE)/man/man3/libkplug.3 \
	     $(SHARE)/bash-completion/completions/kplugctl \
	     $(SYSTEMDUNITDIR)/kplug.service $(PREFIX)/lib/modules-load.d/kplug.conf \
	     $(MODULE_DIR)/include/kplug_hook.h $(MODULE_DIR)/uapi/kplug.h \
	     $(MODULE_DIR)/Module.symvers $(addprefix $(SHARE)/kplug/examples/,$(notdir $(EXAMPLES)))
install: libkplug tools build/tests/kplug_bench $(DOCS)
	install -d $(D)$(LIBDIR)/pkgconfig $(D)$(PREFIX)/include/linux $(D)$(PREFIX)/bin \
		$(D)$(SHARE)/man/man8 $(D)$(SHARE)/man/man3 \
		$(D)$(SHARE)/bash-completion/completions $(D)$(SYSTEMDUNITDIR) \
		$(D)$(PREFIX)/lib/modules-load.d $(D)$(MODULE_DIR)/include \
		$(D)$(MODULE_DIR)/uapi $(D)$(SHARE)/kplug/examples $(D)$(SYSCONFDIR)/kplug
	install -m 644 $(LIBKPLUG_A) $(D)$(LIBDIR)/
	install -m 755 $(LIBKPLUG_SO) $(D)$(LIBDIR)/
	ln -sf libkplug.so.1 $(D)$(LIBDIR)/libkplug.so
	install -m 644 libkplug/libkplug.h $(D)$(PREFIX)/include/libkplug.h
	install -m 644 codegen/sdk/kplug.h $(D)$(PREFIX)/include/kplug.h
	install -m 644 uapi/kplug.h $(D)$(PREFIX)/include/linux/kplug.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIBKPLUG_VERSION)|' \
		libkplug/kplug.pc.in > $(D)$(LIBDIR)/pkgconfig/kplug.pc
	install -m 755 build/tools/kplugctl build/tests/kplug_bench $(D)$(PREFIX)/bin/
	install -m 644 build/man/kplugctl.8 $(D)$(SHARE)/man/man8/
	install -m 644 build/man/libkplug.3 $(D)$(SHARE)/man/man3/
	install -m 644 build/completion/kplugctl $(D)$(SHARE)/bash-completion/completions/
	sed -e 's|@BINDIR@|$(PREFIX)/bin|' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|' \
		tools/kplug.service.in > $(D)$(SYSTEMDUNITDIR)/kplug.service
	echo kplug > $(D)$(PREFIX)/lib/modules-load.d/kplug.conf
	install -m 644 include/kplug_hook.h $(D)$(MODULE_DIR)/include/
	install -m 644 uapi/kplug.h $(D)$(MODULE_DIR)/uapi/
	if [ -f $(MODTREE)/kmod/Module.symvers ]; then \
		install -m 644 $(MODTREE)/kmod/Module.symvers $(D)$(MODULE_DIR)/; fi
	install -m 644 $(EXAMPLES) $(D)$(SHARE)/kplug/examples/

uninstall:
	rm -f $(addprefix $(D),$(INSTALLED))
	-rmdir $(D)$(MODULE_DIR)/include $(D)$(MODULE_DIR)/uapi $(D)$(MODULE_DIR) \
		$(D)$(SHARE)/kplug/examples $(D)$(SHARE)/kplug 2>/dev/null

deps:
	@KERNEL=$(KERNEL) bash scripts/deps.sh

# One Kbuild run (M=$(1), extra arguments $(2)), its output also kept in
# build/kbuild-$(KERNEL)-NAME.log: any warning in it, the compiler's,
# objtool's or modpost's, fails the build (kplug builds warning-free on
# every kernel it supports, and an objtool warning can mean a module
# without return sites or ORC).
define kbuild
	@mkdir -p $(TOP)/build
	+@log=$(TOP)/build/kbuild-$(KERNEL)-$(subst /,-,$(patsubst $(MODTREE)/%,%,$(1))).log; \
	$(MAKE) -C $(KDIR) M=$(1) $(2) modules > $$log 2>&1; rc=$$?; cat $$log; \
	[ $$rc = 0 ] || exit $$rc; \
	if grep -q 'warning:' $$log; then \
		echo "kplug: warnings in the build of $(1) (above, and in $$log)"; exit 1; fi
endef

# The sample hook caller (kmod/samples/) links against kplug's symbols;
# it goes to build/tests/ so the VM has it at /kplug/tests/.
module: modtree
	$(call kbuild,$(MODTREE)/kmod)
	$(call kbuild,$(MODTREE)/kmod/samples,KBUILD_EXTRA_SYMBOLS=$(MODTREE)/kmod/Module.symvers)
	$(call kbuild,$(MODTREE)/tests/kmod)
ifeq ($(MODTREE),$(TOP))
	@mkdir -p build/tests
	cp kmod/samples/kplug_sample.ko tests/kmod/kplug_ipi.ko build/tests/
else
	@mkdir -p $(MODTREE)/ko
	cp $(MODTREE)/kmod/kplug.ko $(MODTREE)/kmod/samples/kplug_sample.ko \
		$(MODTREE)/tests/kmod/kplug_ipi.ko $(MODTREE)/ko/
endif

# Only sources are linked: a link to an object or a generated file
# (asm-offsets.inc, *.mod.c) would have Kbuild write through it into the
# default kernel's build.
.PHONY: modtree
modtree:
ifneq ($(MODTREE),$(TOP))
	@cd $(TOP) && find $(MODSRCS) -type f \( -name '*.[ch]' -o -name '*.asm' \
		-o -name Kbuild -o -name VERSION \) ! -name '*.mod.c' | while read -r f; do \
		mkdir -p "$(MODTREE)/$$(dirname "$$f")" && ln -sfn "$(TOP)/$$f" "$(MODTREE)/$$f"; done
endif

build/plugins/%.bin: tests/plugins/%.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<

plugins: $(PLUGINS)

build/plugins/%.c: tests/plugins/%.c
	@mkdir -p $(@D)
	cp $< $@

build/tests/lib_test: tests/vm/lib_test.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The user-space host's tests (tests/vm/uhost_test.c): in the VM, with the
# differential against the kernel; on the build machine, whatever its CPU
# allows (the plugins from build/plugins/).
UHOST_TEST_DEPS := tests/vm/uhost_test.c tests/vm/plugin_image.h $(LIBKPLUG_A) libkplug/libkplug.h

build/tests/uhost_test: $(UHOST_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static-pie -fPIE -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/host/uhost_test: $(UHOST_TEST_DEPS) plugins build/tools/kplugctl
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -I$(CACHE)/kselftest -DPLUGINS='"$(TOP)/build/plugins/"' \
		-DKPLUGCTL='"$(TOP)/build/tools/kplugctl"' \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/provider_test: tests/vm/provider_test.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The hostile-caller tier: its route code runs with FS possibly unusable
# for libc, so no stack protector (it reads %fs:0x28); hostile32 is its
# 32-bit (ia32) caller.
build/tests/hostile_test: tests/vm/hostile_test.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-stack-protector -static -Ibuild/include -I$(CACHE)/kselftest \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/fuzz_vm: tests/vm/fuzz_vm.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/stress: tests/vm/stress.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/hostile32: tests/vm/hostile32.c uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -m32 -static -o $@ $<

build/tests/%.sh: tests/vm/%.sh
	@mkdir -p $(@D)
	install -m 755 $< $@

build/tests/json_check: tests/vm/json_check.c tests/vm/json.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

build/tests/%: tests/vm/%.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -I$(CACHE)/kselftest -o $@ $< -lpthread

# The benchmark runner (bench/main.c): `make run`'s transfer lines, and
# the suite of `make bench` / `kplugctl bench`.
# libbpf (Debian's libbpf-dev, static) loads the race's eBPF programs.
BENCH_SRCS := bench/main.c bench/util.c bench/transfer.c bench/kernel.c \
	      bench/ebpf.c bench/create.c bench/workload.c bench/scale.c bench/race.c
build/tests/kplug_bench: $(BENCH_SRCS) bench/bench.h bench/work/grey.c bench/work/filter.c \
			 bench/work/race.c tests/vm/plugin_image.h uapi/kplug.h $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $(BENCH_SRCS) $(LIBKPLUG_A) \
		$(CODEGEN_LDLIBS) -lbpf -lelf -lz -lpthread

# The native baseline of the benchmark: a gcc image's entry run as plain
# 32-bit user code (static: the VM has no libc).
build/tests/kplug_run32: tests/host/codegen_run32.c uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -m32 -static -o $@ $<

# The demo plugin built by gcc on the host (bring your own compiler).
build/plugins/demo-gcc.o: tests/plugins/demo.c codegen/sdk/kplug.h
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -g $(PLUGIN_CFLAGS) -include codegen/sdk/kplug.h -c -o $@ $<

build/plugins/demo-gcc.kpi: build/plugins/demo-gcc.o build/tools/kplugctl
	build/tools/kplugctl build $< -o $@ > /dev/null
	@rm -f $<

# --- Any compiler: the same plugins from gcc and clang at every level ----
# build/plugins/cc/PLUGIN-COMPILER-LEVEL.kpi, each run in the VM by
# tests/vm/compilers_test.sh.  clang is Debian's; "clang32" is clang with
# --target=i386-linux-gnu instead of -m32.
CC_PLUGINS := demo net_demo cc_recurse cc_globals sdk_check
CC_BUILDS  := gcc:O0 gcc:O1 gcc:O2 gcc:O3 gcc:Os clang:O0 clang:O2 clang:Os clang32:O2
PLUGIN_CFLAGS := -ffreestanding -fno-pic -fno-stack-protector -mno-sse -mno-mmx \
	-mno-80387 -fno-asynchronous-unwind-tables -fcf-protection=none
cc_driver = $(if $(filter gcc,$(1)),gcc -m32,$(if $(filter clang,$(1)),clang -m32,clang --target=i386-linux-gnu))

# $(1) plugin, $(2) compiler, $(3) level
define cc_image
build/plugins/cc/$(1)-$(2)-$(3).kpi: tests/plugins/$(1).c codegen/sdk/kplug.h build/tools/kplugctl
	@mkdir -p $$(@D)
	$(call cc_driver,$(2)) -$(3) $$(PLUGIN_CFLAGS) -include codegen/sdk/kplug.h \
		-c -o $$(@:.kpi=.o) $$<
	build/tools/kplugctl build $$(@:.kpi=.o) -o $$@ > /dev/null
	@rm -f $$(@:.kpi=.o)
CC_IMAGES += build/plugins/cc/$(1)-$(2)-$(3).kpi
endef
$(foreach p,$(CC_PLUGINS),$(foreach b,$(CC_BUILDS),\
	$(eval $(call cc_image,$(p),$(word 1,$(subst :, ,$(b))),$(word 2,$(subst :, ,$(b)))))))

plugins: $(CC_IMAGES)

vm-tests: $(VM_TESTS)

build/host/%_test: tests/host/%_test.c kmod/image.c kmod/image.h kmod/fault.c kmod/fault.h gdt/desc.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(CACHE)/kselftest -o $@ $< kmod/image.c kmod/fault.c

# The generated docs and make install/uninstall (a script; it runs make
# install into a temporary DESTDIR, so it needs the whole build).
build/host/docs_test: tests/host/docs_test.sh build/tools/kplugctl
	@mkdir -p $(@D)
	install -m 755 $< $@

host-tests: $(HOST_TESTS)

run: deps all
	tests/vm/run.sh --name demo --icount --smp 1 tests/vm/demo.sh

# The host fuzzers' smoke run (tests/fuzz/smoke_test.sh, 3 s each) counts
# as a host test: clang and its fuzzer runtime cost CI about 55 MB of
# packages (half a minute to fetch and unpack), the run about 20 s.
check: fuzz-deps all host-tests fuzz-build kernel-6.12
	@bash scripts/check.sh $(HOST_TESTS) tests/fuzz/smoke_test.sh -- $(VM_MATRIX)

# A test kernel and kplug built for it (make kernel-6.12, kernel-6.1-rt,
# ...; modules in build/kmod-NAME/ko/, the default 6.1's in place).  Every
# kernel kplug supports has return thunks: objtool rewrites the module's
# returns through them and lists them in .return_sites.  If objtool gave
# up (on the world switch, say), the section is missing and 6.12 WARNs at
# the module's first return thunk: fail the build instead.
kernel-%:
	@KERNEL=$* bash scripts/deps.sh
	$(MAKE) module bench-module KERNEL=$*
	@ko=$(if $(filter 6.1,$*),kmod/kplug.ko,build/kmod-$*/ko/kplug.ko); \
	readelf -S $$ko | grep -q '\.return_sites' || \
		{ echo "$$ko has no .return_sites: objtool gave up on it"; exit 1; }

check-matrix: deps all host-tests kernel-6.12
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX_FULL)

# The suite on every Debian kernel kplug supports, one Skylake VM with PTI
# and 2 CPUs each (README, "Kernels").
KERNELS := 6.1 6.1-rt 6.1-cloud 6.12 6.12-rt 6.12-cloud
KERNEL_MATRIX := $(foreach k,$(KERNELS),k$(subst .,,$(k))-skylake-pti:Skylake-Client-v4:2:pti=on:$(k))
.PHONY: check-kernels
check-kernels: deps all host-tests $(addprefix kernel-,$(KERNELS))
	@bash scripts/check.sh $(HOST_TESTS) -- $(KERNEL_MATRIX)

# Churn stress (tests/vm/stress.c) in a 2-vCPU VM for STRESS_SECONDS,
# then unload with plugins attached and load again.
STRESS_SECONDS ?= 600
.PHONY: stress
stress: deps all
	tests/vm/run.sh --name stress --timeout $$(($(STRESS_SECONDS) + 300)) \
		--append kplug_stress_seconds=$(STRESS_SECONDS) tests/vm/stress.sh

# The debug-kernel tier: Debian's 6.1 source built with KASAN, KFENCE,
# lockdep, UBSAN, kmemleak and more (scripts/debug-kernel.sh; cached in
# build/cache/kernel-6.1-debug/, hours the first time at nice 19), kplug
# built for it, then tests/vm/debug.sh in one 2-vCPU VM: the suite, the
# churn stress for DEBUG_STRESS_SECONDS with rmmod/insmod, a kmemleak scan.
# Not part of make check: it does not fit CI's time budget.
DEBUG_STRESS_SECONDS ?= 60
.PHONY: check-debug
check-debug: deps all kernel-6.1-debug
	@bash scripts/check.sh --script tests/vm/debug.sh --timeout 5400 -- \
		debug-max-smp2:max:2:kplug_stress_seconds=$(DEBUG_STRESS_SECONDS):6.1-debug

# The in-VM fuzzer (tests/vm/fuzz_vm.c) in a 2-vCPU VM for FUZZ_SECONDS.
.PHONY: fuzz-vm
fuzz-vm: deps all
	tests/vm/run.sh --name fuzz-vm --timeout $$(($(FUZZ_VM_SECONDS) + 300)) \
		--append kplug_fuzz_seconds=$(FUZZ_VM_SECONDS) tests/vm/fuzz_vm.sh
FUZZ_VM_SECONDS ?= 600

# Two boots of a no-UMIP model with KASLR: what SIDT/SGDT show a plugin
# must not change (tests/vm/kaslr_tables.sh; docs/security.md).
.PHONY: check-kaslr-tables
check-kaslr-tables: deps all
	@bash tests/vm/kaslr_tables.sh

# The Bochs tier (tests/bochs/run.sh): broadwell_ult, 1 CPU.
.PHONY: check-bochs
check-bochs: deps all host-tests
	@bash scripts/check.sh $(HOST_TESTS) -- $(BOCHS_ENTRY)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod/samples clean
	-$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod clean
	rm -rf build/plugins build/tests build/host build/vm build/bochs build/codegen \
		build/libkplug build/tools build/include build/kmod-* build/bench \
		trampoline/asm-offsets.s trampoline/asm-offsets.inc
	-$(MAKE) -C $(KDIR) M=$(TOP)/bench/kmod clean

# --- make deb, make check-deb (debian/; README, "Packages") ---------------
# The packages are built by dpkg-buildpackage in a copy of the tree (git's
# files as they are now), so nothing is written outside build/deb/.
VERSION := $(LIBKPLUG_VERSION)
DEB_SRC := build/deb/kplug-$(VERSION)
KVER = $(notdir $(wildcard $(CACHE)/kernel/root/lib/modules/*))
.PHONY: deb check-deb
deb:
	@DEB=1 bash scripts/deps.sh
	@grep -q '^kplug ($(VERSION))' debian/changelog || \
		{ echo "debian/changelog does not start at VERSION $(VERSION)"; exit 1; }
	rm -rf build/deb && mkdir -p $(DEB_SRC)/build
	git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - -cf - | tar -xf - -C $(DEB_SRC)
	ln -s $(CACHE) $(DEB_SRC)/build/cache
	cd $(DEB_SRC) && nice dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	@cd build/deb && for d in *.deb; do \
		echo "$$d: $$(stat -c %s $$d) bytes, $$(dpkg-deb -c $$d | grep -vc '/$$') files"; done

# The packages in the test VM: unpacked into its root, the module built
# by DKMS from kplug-dkms against the test kernel's headers, then
# tests/vm/deb_test.sh uses the installed files only.
check-deb: deb
	rm -rf build/deb/root build/deb/dkms && mkdir -p build/deb/root build/deb/dkms
	for d in build/deb/*.deb; do dpkg-deb -x $$d build/deb/root; done
	dkms build -m kplug -v $(VERSION) -k $(KVER) --kernelsourcedir $(KDIR) \
		--sourcetree $(TOP)/build/deb/root/usr/src --dkmstree $(TOP)/build/deb/dkms \
		> build/deb/dkms.log 2>&1 || { cat build/deb/dkms.log; exit 1; }
	install -D -m 644 build/deb/dkms/kplug/$(VERSION)/$(KVER)/x86_64/module/kplug.ko \
		build/deb/root/lib/modules/$(KVER)/updates/dkms/kplug.ko
	KPLUG_EXTRA_ROOT=$(TOP)/build/deb/root tests/vm/run.sh --name deb tests/vm/deb_test.sh

# --- make bench (bench/, docs/performance.md) ----------------------------
# The bench module (hook "bench", /proc/kplug_bench) goes to build/tests/,
# the workload plugin's source and gcc image to build/plugins/bench/.
.PHONY: bench bench-build bench-module
BENCH_WORK := bench/work/grey.c bench/work/filter.c bench/work/race.c bench/work/plugin.c

# The packet-filter race attaches eBPF to lo's tc ingress: the test
# kernel's clsact qdisc and cls_bpf modules go with the bench module
# (6.1's; the 6.12 packages ship them as .ko.xz, not copied: make bench
# runs on 6.1).
TC_MODS = $(wildcard $(addprefix $(KCACHE)/root/lib/modules/$(shell cat $(KCACHE)/abi 2>/dev/null)/kernel/net/sched/,sch_ingress.ko cls_bpf.ko))
bench-module: module
	$(MAKE) -C $(KDIR) M=$(MODTREE)/bench/kmod \
		KBUILD_EXTRA_SYMBOLS=$(MODTREE)/kmod/Module.symvers modules
ifeq ($(MODTREE),$(TOP))
	@mkdir -p build/tests
	cp bench/kmod/kplug_bench.ko $(TC_MODS) build/tests/
else
	cp $(MODTREE)/bench/kmod/kplug_bench.ko $(TC_MODS) $(MODTREE)/ko/
endif

# A plugin source has no #include: the three files, one after the other.
build/plugins/bench/work.c: $(BENCH_WORK)
	@mkdir -p $(@D)
	cat $^ > $@

build/plugins/bench/work-gcc.o: build/plugins/bench/work.c codegen/sdk/kplug.h
	$(CC) -m32 -O2 $(PLUGIN_CFLAGS) -include codegen/sdk/kplug.h -c -o $@ $<

build/plugins/bench/work-gcc.kpi: build/plugins/bench/work-gcc.o build/tools/kplugctl
	build/tools/kplugctl build $< -o $@ > /dev/null
	@rm -f $<

# The race's eBPF programs (bench/race.bpf.c), loaded in the VM by libbpf.
build/plugins/bench/race.bpf.o: bench/race.bpf.c
	@mkdir -p $(@D)
	clang -O2 -g -Wall -target bpf -I/usr/include/$(shell $(CC) -dumpmachine) \
		-c -o $@ $<

# Host half of the creation benchmark (compile times on this machine).
build/bench/kplug_gen: bench/gen.c bench/util.c bench/bench.h $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -o $@ bench/gen.c bench/util.c \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# Real-CPU rows: the user-space host on this machine (bench/uhost.c).
build/bench/kplug_uhost_bench: bench/uhost.c bench/util.c bench/bench.h bench/work/grey.c \
			       bench/work/filter.c $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -o $@ bench/uhost.c bench/util.c \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

bench-build: bench-module build/plugins/bench/work.c \
	build/plugins/bench/work-gcc.kpi build/plugins/bench/race.bpf.o build/bench/kplug_gen \
	build/bench/kplug_uhost_bench

bench: deps all
	@bash bench/run.sh

# One null hook round trip, instruction by instruction (bench/profile/).
.PHONY: profile
profile: deps all
	@PROFILE=1 bash scripts/deps.sh
	@bash bench/profile/run.sh
