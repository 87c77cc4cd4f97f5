#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one QEMU (TCG) VM with the test kernel and run one script inside it.
#
# Usage: tests/vm/run.sh [options] SCRIPT
#
#   --kernel NAME     boot another Debian test kernel (6.12, 6.1-rt, ...;
#                     default 6.1): build/cache/kernel-NAME/vmlinuz, with
#                     the modules built for it by `make module bench-module
#                     KERNEL=NAME` (build/kmod-NAME/ko/) in place of
#                     kmod/kplug.ko and build/tests/*.ko
#   --cpu MODEL       QEMU CPU model (default: max).  `max` under TCG reports
#                     AuthenticAMD, so PTI is off unless --append pti=on; an
#                     Intel model such as Skylake-Client-v4 turns PTI on.
#   --smp N           number of CPUs (default: 2; 1 with --icount)
#   --append ARGS     extra kernel command-line arguments (e.g. "pti=on",
#                     "no5lvl", "nopti"), added after the fixed ones below
#   --icount          add `-icount shift=0,sleep=off`: the guest clock
#                     advances exactly 1 ns per executed instruction, so a
#                     time the guest measures is an instruction count, the
#                     same from run to run (deterministic cost figures for
#                     bench/).  Still not a hardware time.  Implies
#                     --smp 1 unless --smp is given: with QEMU 7.2 and
#                     -smp 2 the boot hangs at "smp: Bringing up secondary
#                     CPUs" (the second vCPU never runs after its SIPI).
#                     The guest sees kplug_icount=1 in its environment.
#   --qemu-log FILE   add `-d int,cpu_reset -D FILE`: QEMU logs every
#                     exception/interrupt taken (vector, CPL, CS:RIP, error
#                     code, full register dump) and every CPU reset to FILE.
#                     For debugging the world switch: a triple fault, a
#                     wrong IDT gate or a bad segment shows up here even
#                     when the guest dies without a word.  FILE gets large.
#   --timeout SECS    kill QEMU after SECS seconds of wall time (default 600)
#   --name NAME       name of the run (default: basename of SCRIPT); files go
#                     to build/vm/NAME/
#   -h, --help        print this text
#
# SCRIPT runs as /kplug/run in the VM (cwd /kplug, stdin /dev/null, output on
# the serial console).  It may be a shell script (#!/bin/sh, busybox) or a
# static executable.  The initramfs (build/vm/NAME/initramfs.cpio.gz, built
# by tests/vm/mkinitramfs.sh) holds busybox-static, tests/vm/init as /init,
# and:
#
#   /kplug/run          SCRIPT
#   /kplug/kplug.ko     kmod/kplug.ko, if it has been built
#   /kplug/tests/       everything in build/tests/   (on PATH)
#   /kplug/plugins/     everything in build/plugins/
#   /kplug/tools/       everything in build/tools/   (on PATH)
#
# Kernel command line: console=ttyS0 oops=panic panic=-1 panic_on_warn=1
# quiet loglevel=4 cryptomgr.notests (and tsc=unstable with more than one
# vCPU: see below), then --append.  Any oops or WARN
# panics, and the panic reboots, which ends QEMU (-no-reboot).
#
# The serial log is saved (without carriage returns) to
# build/vm/NAME/serial.log and streamed to stdout, all but the guest's dmesg
# dump (which is only in the file).  Verdict (tests/vm/verdict.sh, shared
# with the Bochs tier tests/bochs/run.sh), exit 0 only if all hold:
#   - QEMU did not time out;
#   - from the moment /init starts SCRIPT, the log matches none of: BUG:
#     WARNING:  Oops  general protection fault  RIP:  Kernel panic
#     Call Trace:  (console and the guest's dmesg dump, so warnings below
#     the console loglevel count too; boot-time notices such as Skylake's
#     "RETBleed: WARNING: ..." do not);
#   - the log ends with the marker "KPLUG-VM-RESULT rc=0", which /init
#     prints only after SCRIPT returned 0.  No marker is a failure.
# Prints "vm: ok (NAME)" or "vm: FAIL (NAME): reason" and exits 0 or 1;
# exits 2 on a usage or set-up error.
#
# Environment: QEMU (default qemu-system-x86_64), BUSYBOX (default
# /bin/busybox, must be statically linked).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
qemu_bin=${QEMU:-qemu-system-x86_64}

# Print the comment block above (from "Usage:" to "Environment").
usage() { sed -n '/^# Usage:/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-2}"; }
die() { echo "vm: error: $*" >&2; exit 2; }

# --- options -------------------------------------------------------------
cpu=max smp= append= icount=0 qemu_log= timeout_s=600 name= kname=6.1
while [ $# -gt 0 ]; do
	case "$1" in
	--cpu|--smp|--append|--qemu-log|--timeout|--name|--kernel)
		[ $# -ge 2 ] || die "$1 needs an argument"
		case "$1" in
		--cpu)      cpu=$2 ;;
		--smp)      smp=$2 ;;
		--append)   append=$2 ;;
		--qemu-log) qemu_log=$2 ;;
		--timeout)  timeout_s=$2 ;;
		--name)     name=$2 ;;
		--kernel)   kname=$2 ;;
		esac
		shift 2 ;;
	--icount)  icount=1; shift ;;
	-h|--help) usage 0 ;;
	--)        shift; break ;;
	-*)        die "unknown option '$1' (see --help)" ;;
	*)         break ;;
	esac
done
[ $# -eq 1 ] || usage
script=$1
# icount needs one vCPU (see --icount above); an explicit --smp still wins.
if [ -z "$smp" ]; then
	if [ "$icount" = 1 ]; then smp=1; else smp=2; fi
elif [ "$icount" = 1 ] && [ "$smp" != 1 ]; then
	echo "vm: warning: --icount with --smp $smp hangs at boot on QEMU 7.2" >&2
fi
[ -f "$script" ] || die "no such script: $script"
name=${name:-$(basename "$script")}
case "$name" in ''|*/*|.|..) die "bad --name '$name'" ;; esac
case "$smp" in ''|*[!0-9]*) die "--smp wants a number, not '$smp'" ;; esac
case "$timeout_s" in ''|*[!0-9]*) die "--timeout wants seconds, not '$timeout_s'" ;; esac
. "$top/tests/vm/kernel.sh"
test_kernel "$kname"
command -v "$qemu_bin" >/dev/null || die "$qemu_bin not found (run scripts/deps.sh)"

# --- initramfs -----------------------------------------------------------
out=$top/build/vm/$name
log=$out/serial.log
initrd=$out/initramfs.cpio.gz
mkdir -p "$out"
"$top/tests/vm/mkinitramfs.sh" "$out" "$script" || exit 2

# --- boot ----------------------------------------------------------------
cmdline="console=ttyS0 oops=panic panic=-1 panic_on_warn=1 quiet loglevel=4"
cmdline="$cmdline cryptomgr.notests"
# no_timer_check: the IO-APIC timer check counts ticks against a busy loop
# (check_timer()), and a TCG vCPU stalled by a loaded host fails it: "Kernel
# panic - IO-APIC + timer doesn't work!" (seen with 6.12 and a load of 12
# on two cores).  KVM guests skip the check the same way.
cmdline="$cmdline no_timer_check"
# With more than one vCPU, QEMU 7.2's multi-threaded TCG can keep a stale
# translation of kernel code that another vCPU patches (see
# tests/vm/hold_sched_events.c).  Each boot's first such patch is
# sched_clock's switch to "stable", made while the other vCPU runs the
# patched function inside the very IPI that synchronises the patch:
# "Oops: int3" in sched_clock_cpu in 1 boot of 6 with 6.12.  tsc=unstable
# keeps sched_clock unstable from the start, so nothing is patched.
[ "$smp" = 1 ] || cmdline="$cmdline tsc=unstable"
cmdline="$cmdline $append"
# kplug_icount=1 reaches /init's environment (the kernel passes unknown
# name=value parameters on), so benchmarks can label their units.
[ "$icount" = 0 ] || cmdline="$cmdline kplug_icount=1"
# -nodefaults: no NIC, no VGA, no default monitor; the one serial port is
# stdio.  -no-reboot: a guest reboot (including panic=-1) ends QEMU.
qemu=("$qemu_bin" -machine q35 -accel tcg -cpu "$cpu" -smp "$smp" -m 1G
      -nodefaults -display none -serial stdio -no-reboot
      -kernel "$kernel" -initrd "$initrd" -append "$cmdline")
[ "$icount" = 0 ] || qemu+=(-icount shift=0,sleep=off)
[ -z "$qemu_log" ] || qemu+=(-d int,cpu_reset -D "$qemu_log")

echo "vm: $name: booting $(basename "$(readlink -f "$kernel")") (-cpu $cpu -smp $smp${append:+, append '$append'}$([ "$icount" = 0 ] || echo ', icount'))"
start=$SECONDS
# stdin from /dev/null: QEMU leaves the terminal alone.  --foreground keeps
# QEMU in our process group so ^C stops it.  sed -u strips the serial
# console's \r and passes each line on at once; tee saves it all (-p: even
# if the display dies); awk shows it, except the guest's dmesg dump
# (hundreds of lines, only in the log).
# ^C also reaches this script, which reports it once QEMU has gone.
trap 'echo "vm: FAIL ($name): interrupted"; exit 130' INT
set +e
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" </dev/null |
	sed -u 's/\r$//' | tee -p "$log" |
	awk -v file="$log" '
		/^KPLUG-DMESG-BEGIN/ { skip = 1; n = 0 }
		!skip { print; fflush() }
		skip  { n++ }
		/^KPLUG-DMESG-END/ { skip = 0
			printf "(guest dmesg, %d lines, in %s)\n", n - 2, file; fflush() }'
qrc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))
echo "vm: $name: QEMU ran ${elapsed}s (wall clock, TCG)"

# --- verdict -------------------------------------------------------------
fail() { echo "vm: FAIL ($name): $*"; exit 1; }

# timeout exits 124, or 137 if QEMU needed the KILL signal; the elapsed
# time decides too (one timed-out run was seen to report 127).
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ] || [ "$elapsed" -ge "$timeout_s" ]; then
	fail "timeout after ${timeout_s}s"
fi

# Scan the log and look for the result marker (shared with the Bochs tier).
exec "$top/tests/vm/verdict.sh" "$log" "$name" qemu "$qrc"
