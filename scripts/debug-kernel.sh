#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test kernel (make check-debug; README, "Kernels"):
# Debian's 6.1 source (the linux-source-6.1 package, fetched with apt-get
# download and unpacked here, never installed) with Debian's own amd64
# config, trimmed for the test VM, plus the kernel's checkers:
#
#   KASAN (generic, inline, vmalloc)   out-of-bounds and use-after-free
#   KFENCE                             sampled use-after-free / overflow
#   PROVE_LOCKING, PROVE_RCU           lockdep: lock order, RCU misuse,
#                                      lockdep_assert_held() checked
#   DEBUG_ATOMIC_SLEEP, DEBUG_PREEMPT  sleeping in atomic context, per-CPU
#                                      access with preemption on
#   DEBUG_LIST                         list corruption
#   UBSAN                              undefined behaviour (bounds, shifts)
#   DEBUG_KMEMLEAK                     leaks (tests/vm/debug.sh scans)
#
# Usage: scripts/debug-kernel.sh CACHE_DIR   (run by scripts/deps.sh for
# KERNEL=6.1-debug).  Writes CACHE_DIR (build/cache/kernel-6.1-debug/):
#   debs/     the linux-source-6.1 package
#   src/      its source tree (read-only for the build: objects go to obj/)
#   obj/      the build (O=obj); build -> obj is the KDIR kplug builds against
#   vmlinuz   -> obj/arch/x86/boot/bzImage
#   abi, versions, build.log, build-time, ok
# The build is cached: with CACHE_DIR/ok present nothing is done, and an
# interrupted build resumes where it stopped.  It is long (every object
# compiled with KASAN and UBSAN; hours at nice -n 19 on two cores shared
# with other work): nice -n 19, JOBS (default nproc) jobs.
set -euo pipefail

die() { echo "debug-kernel: error: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*"; }

[ $# = 1 ] || die "usage: scripts/debug-kernel.sh CACHE_DIR"
kdir=$(realpath -m "$1")	# make -C src takes O= relative to src
nmi=$kdir/src/arch/x86/kernel/nmi.c
[ -f "$kdir/ok" ] && grep -q kplug-debug "$nmi" && exit 0
jobs=${JOBS:-$(nproc)}

# --- source ----------------------------------------------------------------
if [ ! -f "$kdir/src/Makefile" ]; then
	rm -rf "$kdir" && mkdir -p "$kdir/debs" "$kdir/src"
	say "fetching linux-source-6.1"
	(cd "$kdir/debs" && apt-get download -q linux-source-6.1 >/dev/null) ||
		die "apt-get download linux-source-6.1 failed"
	say "unpacking the source"
	dpkg-deb --fsys-tarfile "$kdir"/debs/linux-source-6.1_*.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$kdir/src" --strip-components=1 ||
		die "cannot unpack linux-source-6.1"
	[ -f "$kdir/src/Makefile" ] || die "no Makefile in the unpacked source"
fi

# --- the host NMI entry kplug calls -----------------------------------------
# kplug enters the host's NMI handler the way KVM's VMX code does, through
# asm_exc_nmi_noist (kmod/compat.h), which Linux builds and exports only
# for a modular KVM_INTEL, as Debian's kernel has it.  This kernel builds
# no modules (and KVM=m would change task_struct for the whole tree), so
# the entry is built and exported without KVM: the same code, the same
# export.  Also brings a cache from before this up to date (the build
# below then recompiles what includes these two files).
idt=$kdir/src/arch/x86/include/asm/idtentry.h
if ! grep -q kplug-debug "$nmi"; then
	sed -i 's|^#if defined(CONFIG_X86_64) && IS_ENABLED(CONFIG_KVM_INTEL)$|#if defined(CONFIG_X86_64)	/* kplug-debug: VMX NMI entry */|' \
		"$nmi" "$idt"
	sed -i 's|^#if IS_MODULE(CONFIG_KVM_INTEL)$|#if defined(CONFIG_X86_64)	/* kplug-debug: exported */|' \
		"$nmi"
	[ "$(grep -c kplug-debug "$nmi")" = 2 ] && grep -q kplug-debug "$idt" ||
		die "cannot make the source build asm_exc_nmi_noist"
	rm -f "$kdir/ok"
fi

# --- config ----------------------------------------------------------------
# Debian's config of the default test kernel (build/cache/kernel/), so the
# debug kernel has the same features the suite uses; everything modular is
# dropped (the VM loads no module but kplug's), so are the signing keys
# (Debian's certificates are not in the source package; lockdown keeps
# MODULE_SIG on, but nothing is signed and unsigned modules load), debug
# info (the reports name functions through kallsyms; DWARF and BTF would
# double the build) and large subsystems the VM never touches.
cfg=$(ls "$kdir"/../kernel/root/boot/config-* 2>/dev/null | head -1)
[ -n "$cfg" ] || die "no Debian config: run make deps (KERNEL=6.1) first"
src=$kdir/src obj=$kdir/obj
mkdir -p "$obj"
if [ ! -f "$obj/.config" ]; then
	sed 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' "$cfg" > "$obj/.config"
	c() { "$src/scripts/config" --file "$obj/.config" "$@"; }
	c --set-str LOCALVERSION -kplug-debug --disable LOCALVERSION_AUTO \
	  --set-str SYSTEM_TRUSTED_KEYS "" \
	  --set-str SYSTEM_REVOCATION_KEYS "" --set-str MODULE_SIG_KEY "" \
	  --disable DEBUG_INFO --disable DEBUG_INFO_DWARF5 \
	  --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_BTF \
	  --enable DEBUG_INFO_NONE \
	  --disable MAXSMP --set-val NR_CPUS 8 \
	  --disable SECURITY_SELINUX --disable SECURITY_APPARMOR \
	  --disable SECURITY_TOMOYO --disable IMA --disable EVM \
	  --disable XEN --disable HYPERV --disable HIBERNATION \
	  --disable IPV6 --disable WIRELESS --disable WLAN --disable BT \
	  --disable DRM --disable FB --disable SOUND --disable USB_SUPPORT \
	  --disable INFINIBAND --disable MD --disable NFS_FS --disable BTRFS_FS \
	  --disable EFI --disable X86_SGX --disable KVM \
	  --disable ACPI_THERMAL --disable ACPI_PROCESSOR --disable ACPI_APEI \
	  --disable ACPI_HED --disable ACPI_DOCK --disable ACPI_HOTPLUG_MEMORY \
	  --disable THERMAL --disable HWMON --disable WATCHDOG --disable EDAC \
	  --disable RTC_CLASS --disable I2C --disable SPI --disable GPIOLIB \
	  --disable PINCTRL --disable IOMMU_SUPPORT --disable INPUT --disable VT \
	  --disable BLK_DEV --disable CPU_FREQ --disable CPU_IDLE \
	  --disable X86_PLATFORM_DEVICES --disable MFD_CORE --disable REGULATOR \
	  --disable POWER_SUPPLY --disable NEW_LEDS --disable DMADEVICES \
	  --disable VIRT_DRIVERS --disable HW_RANDOM --disable TCG_TPM \
	  --disable PTP_1588_CLOCK --disable PPS --disable NVMEM --disable MPTCP \
	  --disable NET_SCHED --disable ETHTOOL_NETLINK --disable NETLABEL \
	  --disable DCB --disable NET_SWITCHDEV --disable XDP_SOCKETS \
	  --disable BPF_STREAM_PARSER --disable NETWORK_FILESYSTEMS \
	  --disable MISC_FILESYSTEMS --disable QUOTA --disable PSTORE \
	  --disable SECURITY_YAMA --disable SECURITY_LANDLOCK --disable BPF_LSM \
	  --disable MICROCODE --disable INTEL_IDLE --disable HALTPOLL_CPUIDLE \
	  --disable CRYPTO_HW \
	  --enable DEBUG_KERNEL --enable DEBUG_FS \
	  --enable KASAN --enable KASAN_GENERIC --enable KASAN_INLINE \
	  --enable KASAN_VMALLOC \
	  --enable KFENCE \
	  --enable PROVE_LOCKING --enable PROVE_RCU \
	  --enable DEBUG_ATOMIC_SLEEP --enable DEBUG_PREEMPT --enable DEBUG_LIST \
	  --enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT \
	  --enable UBSAN_SANITIZE_ALL --disable UBSAN_ALIGNMENT \
	  --enable DEBUG_KMEMLEAK --disable DEBUG_KMEMLEAK_DEFAULT_OFF \
	  --disable DEBUG_KMEMLEAK_AUTO_SCAN \
	  --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 40000
	nice -n 19 make -s -C "$src" O="$obj" olddefconfig >/dev/null
	# New symbols the debug options brought in may default to m.
	sed -i 's/^\(CONFIG_[A-Za-z0-9_]*\)=m$/# \1 is not set/' "$obj/.config"
	nice -n 19 make -s -C "$src" O="$obj" olddefconfig >/dev/null
	for o in KASAN KFENCE PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP \
		 DEBUG_PREEMPT DEBUG_LIST UBSAN DEBUG_KMEMLEAK KPROBES NETFILTER \
		 MODULES MODVERSIONS SERIAL_8250_CONSOLE BLK_DEV_INITRD \
		 DEVTMPFS MODIFY_LDT_SYSCALL IA32_EMULATION; do
		grep -q "^CONFIG_$o=y" "$obj/.config" ||
			die "CONFIG_$o did not stay on in $obj/.config"
	done
fi

# --- build -----------------------------------------------------------------
say "building (nice -n 19 make -j$jobs; log in $kdir/build.log)"
start=$(date +%s)
nice -n 19 make -C "$src" O="$obj" -j"$jobs" bzImage modules \
	> "$kdir/build.log" 2>&1 ||
	{ tail -n 30 "$kdir/build.log"; die "kernel build failed (see $kdir/build.log)"; }
secs=$(($(date +%s) - start))
echo "$secs" > "$kdir/build-time"
say "built in $((secs / 60)) min $((secs % 60)) s"
make -s -C "$src" O="$obj" kernelrelease > "$kdir/abi"
(cd "$kdir/debs" && dpkg-deb -f linux-source-6.1_*.deb Package Version |
	paste -sd' ') > "$kdir/versions"
ln -sfn "$obj" "$kdir/build"
ln -sfn "$obj/arch/x86/boot/bzImage" "$kdir/vmlinuz"
touch "$kdir/ok"
