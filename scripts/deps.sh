#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bootstrap everything kplug needs on a Debian 12 machine, as root.
# Usage: [KERNEL=6.1|6.1-rt|6.1-cloud|6.12|6.12-rt|6.12-cloud|6.1-debug]
#        [FUZZ=1] [DEB=1] [PROFILE=1] scripts/deps.sh
# FUZZ=1 adds clang's libFuzzer runtime (make fuzz; clang itself is always
# installed: it builds plugins in compilers_test and the packet-filter
# race's eBPF programs); DEB=1 the Debian packaging tools (make deb);
# PROFILE=1 gdb (make profile).
# Idempotent: a second run only checks.  Everything that is not a Debian
# package installed on the system lands in build/cache/ (ignored by git):
#   kernel/    the test kernel (linux-image, -headers, -common, -kbuild),
#              unpacked, never installed; kernel-$KERNEL/ for the others
#              (KERNEL=6.12, 6.1-rt, ...: see below); kernel-6.1-debug/
#              is built from source by scripts/debug-kernel.sh
#   tcc/       TinyCC source and the i386 libtcc.a / libtcc1.a built from it
#   kselftest/ kselftest_harness.h and kselftest.h from the kernel source
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/build/cache"
# Physical path: the links and the headers' Makefile written below must
# not depend on the worktree build/cache was reached through.
cache=$(cd "$top/build/cache" && pwd -P)

die() { echo "deps: error: $*" >&2; exit 1; }
say() { echo "deps: $*"; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get and dpkg are needed)"
command -v apt-get >/dev/null || die "not a Debian machine: apt-get is missing"

# --- Debian packages installed system-wide -----------------------------
pkgs="make gcc gcc-multilib nasm qemu-system-x86 busybox-static cpio
      dpkg-dev xz-utils zstd bc flex bison libelf-dev libssl-dev kmod
      texinfo python3 bochs bochsbios vgabios bochs-term grub-pc-bin
      grub-common xorriso mtools pahole lz4 bzip2 lzop clang libbpf-dev"
[ "${FUZZ:-}" != 1 ] || pkgs="$pkgs libclang-rt-14-dev"
[ "${DEB:-}" != 1 ] || pkgs="$pkgs debhelper dh-dkms dkms"
[ "${PROFILE:-}" != 1 ] || pkgs="$pkgs gdb"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null ||
		die "apt-get install$missing failed"
fi

# deb-src entries, derived from the machine's own Debian sources (no host
# name is written here: we copy whatever the machine already uses).
enable_deb_src() {
	if apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null |
	   grep -q '^Sources$'; then
		return
	fi
	local f=/etc/apt/sources.list.d/kplug-deb-src.sources
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -n '/^Types:.*deb/,/^$/p' /etc/apt/sources.list.d/debian.sources |
			sed 's/^Types:.*/Types: deb-src/' > "$f"
	elif [ -f /etc/apt/sources.list ]; then
		grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
			> /etc/apt/sources.list.d/kplug-deb-src.list
	else
		die "no Debian sources entry to derive deb-src from"
	fi
	say "enabled deb-src, updating package lists"
	apt-get update -q >/dev/null || die "apt-get update (deb-src) failed"
}

# --- the test kernel ----------------------------------------------------
# KERNEL names a Debian kernel series and flavour: 6.1 (the default, in
# kernel/), 6.1-rt, 6.1-cloud, 6.12, 6.12-rt, 6.12-cloud (each in
# kernel-$KERNEL/, so fetching one never disturbs another).  The series'
# meta package resolves it to the newest ABI in the archive; headers,
# -common (-common-rt for RT) and kbuild come from the headers' own
# dependencies rather than from guessed names.
kernel=${KERNEL:-6.1}
case "$kernel" in
6.1)            kdir=$cache/kernel meta=linux-image-amd64 ;;
6.1-rt|6.1-cloud)
		kdir=$cache/kernel-$kernel meta=linux-image-${kernel#6.1-}-amd64 ;;
6.12)           kdir=$cache/kernel-$kernel meta=linux-image-6.12-amd64 ;;
6.12-rt|6.12-cloud)
		kdir=$cache/kernel-$kernel meta=linux-image-6.12-${kernel#6.12-}-amd64 ;;
6.1-debug)      kdir=$cache/kernel-$kernel meta= ;;
*)              die "unknown KERNEL=$kernel (6.1, 6.1-rt, 6.1-cloud, 6.12, 6.12-rt, 6.12-cloud, 6.1-debug)" ;;
esac
if [ "$kernel" = 6.1-debug ]; then
	# Debian's 6.1 source with the checkers on, built here (about an hour
	# the first time); its config starts from the default kernel's.
	[ -f "$cache/kernel/ok" ] || KERNEL=6.1 bash "$0"
	bash "$top/scripts/debug-kernel.sh" "$kdir" || die "the debug kernel did not build"
elif [ ! -f "$kdir/ok" ]; then
	img=$(apt-cache depends "$meta" | sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
	[ -n "$img" ] || die "cannot resolve $meta to a kernel package"
	abi=${img#linux-image-}          # e.g. 6.1.0-35-amd64, 6.12.117+deb12-rt-amd64
	hdeps=$(apt-cache depends "linux-headers-$abi")
	common=$(echo "$hdeps" | sed -n 's/.*Depends: \(linux-headers-[^ ]*-common[^ ]*\)$/\1/p' | head -1)
	kb=$(echo "$hdeps" | sed -n 's/.*Depends: \(linux-kbuild-[^ ]*\)$/\1/p' | head -1)
	[ -n "$common" ] || die "cannot resolve the -common headers of $abi"
	[ -n "$kb" ] || die "cannot resolve linux-kbuild for $abi"
	say "test kernel $abi (fetching $img, linux-headers-$abi, $common, $kb)"
	rm -rf "$kdir" && mkdir -p "$kdir/debs" "$kdir/root"
	(cd "$kdir/debs" && apt-get download -q "$img" "linux-headers-$abi" \
		"$common" "$kb" >/dev/null) ||
		die "apt-get download of the kernel packages failed"
	for d in "$kdir"/debs/*.deb; do dpkg-deb -x "$d" "$kdir/root"; done
	# The headers' Makefile includes the -common tree by absolute path;
	# repoint it (and the scripts/tools symlinks) into the cache.
	hdr=$kdir/root/usr/src/linux-headers-$abi
	sed -i "s|/usr/src/$common|$kdir/root/usr/src/$common|g" \
		"$hdr/Makefile"
	for l in scripts tools; do
		t=$(readlink "$hdr/$l" || true)
		case "$t" in /*) ln -sfn "$kdir/root$t" "$hdr/$l" ;; esac
	done
	echo "$abi" > "$kdir/abi"
	(cd "$kdir/debs" && for d in *.deb; do dpkg-deb -f "$d" Package Version |
		paste -sd' '; done) > "$kdir/versions"
	ln -sfn "$hdr" "$kdir/build"
	ln -sfn "$kdir/root/boot/vmlinuz-$abi" "$kdir/vmlinuz"
	touch "$kdir/ok"
fi
kabi=$(cat "$kdir/abi")
[ -f "$kdir/vmlinuz" ] || die "test kernel image missing in $kdir; rm -rf $kdir and rerun"
# The harness below comes from the default kernel's source, whichever
# KERNEL was asked for.
abi=$(cat "$cache/kernel/abi" 2>/dev/null || echo "$kabi")

# --- kselftest harness from Debian's kernel source package ---------------
# linux-source-X.Y carries the patched source tree as a tarball; only the
# two harness headers are kept.
ks=$cache/kselftest
if [ ! -f "$ks/kselftest_harness.h" ]; then
	series=$(echo "$abi" | cut -d. -f1-2)      # 6.1
	tmp=$cache/linux-src
	rm -rf "$tmp" && mkdir -p "$tmp"
	say "fetching linux-source-$series for kselftest_harness.h"
	(cd "$tmp" && apt-get download -q "linux-source-$series" >/dev/null 2>&1) ||
		die "apt-get download linux-source-$series failed"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$tmp" --wildcards '*/tools/testing/selftests/kselftest*.h' ||
		die "kselftest headers not found in linux-source-$series"
	mkdir -p "$ks"
	cp "$tmp"/linux-source-*/tools/testing/selftests/kselftest.h \
	   "$tmp"/linux-source-*/tools/testing/selftests/kselftest_harness.h "$ks/"
	rm -rf "$tmp"
fi

# --- libtcc for the i386 target ------------------------------------------
tcc=$cache/tcc
if [ ! -f "$tcc/ok" ]; then
	enable_deb_src
	rm -rf "$tcc" && mkdir -p "$tcc/src"
	say "fetching and building TinyCC (i386 target)"
	(cd "$tcc/src" && apt-get source -q tcc >/dev/null 2>&1) ||
		die "apt-get source tcc failed"
	srcdir=$(find "$tcc/src" -maxdepth 1 -mindepth 1 -type d | head -1)
	[ -n "$srcdir" ] || die "tcc source did not unpack"
	(cd "$srcdir" && ./configure >/dev/null && make -s cross-i386 >/dev/null 2>&1) ||
		die "tcc: make cross-i386 failed (see $srcdir)"
	(cd "$srcdir" &&
	 gcc -O2 -fPIC -c libtcc.c -o "$tcc/libtcc.o" -DONE_SOURCE=1 \
		-DTCC_TARGET_I386 -I. &&
	 ar rcs "$tcc/libtcc.a" "$tcc/libtcc.o" &&
	 cp libtcc.h "$tcc/" &&
	 cp i386-libtcc1.a "$tcc/libtcc1-i386.a") ||
		die "tcc: building libtcc.a for i386 failed"
	touch "$tcc/ok"
fi

say "ok: test kernel $kabi, kselftest harness, libtcc (i386) in build/cache"
