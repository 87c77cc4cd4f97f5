#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs of the kplug test VM (shared by tests/vm/run.sh and
# tests/bochs/run.sh).
#
# Usage: tests/vm/mkinitramfs.sh OUT_DIR SCRIPT [NOTE]
#
# Writes OUT_DIR/initramfs.cpio.gz (gzip'ed newc cpio, every file owned by
# root) and leaves the unpacked tree in OUT_DIR/root.  The image holds
# busybox-static (with a symlink per applet), tests/vm/init as /init, and:
#
#   /kplug/run          SCRIPT
#   /kplug/kplug.ko     kmod/kplug.ko, if it has been built
#   /kplug/tests/       everything in build/tests/   (on PATH)
#   /kplug/plugins/     everything in build/plugins/
#   /kplug/tools/       everything in build/tools/   (on PATH)
#
# NOTE, if given, is a free-form line (e.g. the kernel command line the
# image is meant for) saved to OUT_DIR/initramfs.note for the record; it
# does not go into the image, so the image depends only on the files above.
#
# Prints nothing on success.  Exits 2 (with "vm: error: ..." on stderr) on a
# usage or set-up error.
#
# Environment: BUSYBOX (default /bin/busybox, must be statically linked);
# KPLUG_KO_DIR, if set, a directory of .ko files built for another kernel
# (tests/vm/run.sh --kernel): kplug.ko replaces /kplug/kplug.ko, the others
# go to /kplug/tests/ over the default build's.  KPLUG_EXTRA_ROOT, if set,
# a directory copied over the image's root as it is (make check-deb: the
# Debian packages, unpacked).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}

die() { echo "vm: error: $*" >&2; exit 2; }

[ $# -ge 2 ] && [ $# -le 3 ] ||
	die "usage: tests/vm/mkinitramfs.sh OUT_DIR SCRIPT [NOTE]"
out=$1 script=$2 note=${3:-}
[ -n "$out" ] || die "empty OUT_DIR"
[ -f "$script" ] || die "no such script: $script"
[ -x "$busybox" ] || die "no busybox at $busybox (apt-get install busybox-static)"
# A dynamically linked busybox would not run in the initramfs.
if readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	die "$busybox is dynamically linked; install busybox-static"
fi

root=$out/root
initrd=$out/initramfs.cpio.gz
rm -rf "$root" && mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,kplug}

# busybox and a symlink per applet (bin/sh, sbin/poweroff, ...).
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list-full); do
	[ "$a" = bin/busybox ] || ln -sf /bin/busybox "$root/$a"
done
install -m 755 "$top/tests/vm/init" "$root/init"
install -m 755 "$script" "$root/kplug/run"
if [ -f "$top/kmod/kplug.ko" ]; then
	cp "$top/kmod/kplug.ko" "$root/kplug/kplug.ko"
fi
for d in tests plugins tools; do
	if [ -d "$top/build/$d" ]; then
		mkdir -p "$root/kplug/$d"
		cp -a "$top/build/$d/." "$root/kplug/$d/"
	fi
done
if [ -n "${KPLUG_EXTRA_ROOT:-}" ]; then
	[ -d "$KPLUG_EXTRA_ROOT" ] || die "KPLUG_EXTRA_ROOT $KPLUG_EXTRA_ROOT is not a directory"
	cp -a "$KPLUG_EXTRA_ROOT/." "$root/"
fi
# newc cpio, every file owned by root (no root needed to build it).  The
# kernel's built-in initramfs already provides /dev/console for /init.
# Modules built for another kernel (tests/vm/run.sh --kernel) replace the
# default kernel's: kplug.ko, and the test modules in /kplug/tests/.
if [ -n "${KPLUG_KO_DIR:-}" ]; then
	for k in "$KPLUG_KO_DIR"/*.ko; do
		case "${k##*/}" in
		kplug.ko) cp "$k" "$root/kplug/kplug.ko" ;;
		*)        mkdir -p "$root/kplug/tests" && cp "$k" "$root/kplug/tests/" ;;
		esac
	done
fi
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$initrd"

if [ -n "$note" ]; then
	printf '%s\n' "$note" > "$out/initramfs.note"
else
	rm -f "$out/initramfs.note"
fi
