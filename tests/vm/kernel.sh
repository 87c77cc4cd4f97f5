# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the two VM rigs (tests/vm/run.sh, tests/bochs/run.sh), which
# define top= and die().  test_kernel NAME sets kernel= to the Debian test
# kernel NAME (6.1, the default, or 6.12, 6.1-rt, ...: make kernel-NAME)
# and, for all but 6.1, exports KPLUG_KO_DIR, the modules built for it,
# which mkinitramfs.sh puts in place of the default build's.
test_kernel() {
	case "$1" in
	6.1)	kernel=$top/build/cache/kernel/vmlinuz ;;
	''|*/*|.|..) die "bad --kernel '$1'" ;;
	*)	kernel=$top/build/cache/kernel-$1/vmlinuz
		export KPLUG_KO_DIR=$top/build/kmod-$1/ko
		[ -f "$KPLUG_KO_DIR/kplug.ko" ] ||
			die "no kplug.ko for $1 (make kernel-$1)" ;;
	esac
	[ -f "$kernel" ] || die "no test kernel at $kernel (make kernel-$1)"
}
