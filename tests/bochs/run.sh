#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one Bochs VM with the test kernel and run one script inside it: the
# Bochs tier of the VM tests.  Bochs checks x86 segment limits on every
# access (QEMU TCG does not check them on data accesses), and its
# broadwell_ult CPU model has PCID, INVPCID, FSGSBASE, SMEP and SMAP, so the
# kernel runs with PTI and PCID on.  Same initramfs, /init and verdict as
# tests/vm/run.sh (the QEMU rig).
#
# Usage: tests/bochs/run.sh [options] SCRIPT
#
#   --boot pvh|bzimage  how the kernel starts (default pvh):
#                     pvh      GRUB loads tests/bochs/pvhboot.c, a
#                              Multiboot stub, with two modules: the
#                              kernel's ELF (extracted once from the
#                              bzImage into build/bochs/vmlinux-NAME, its zero
#                              pages left out by tests/bochs/compact-elf.py)
#                              and the initramfs.  The stub loads the ELF
#                              and enters it at its PVH entry point
#                              (CONFIG_PVH).  No KASLR: the kernel runs
#                              where it is linked.
#                     bzimage  GRUB boots the bzImage with its `linux`
#                              command, as a PC boots Debian (KASLR on).
#                              ~55 s slower: the kernel decompresses
#                              itself (XZ, ZSTD or LZ4) first.
#   --kernel NAME     boot another Debian test kernel (6.12, 6.1-cloud, ...;
#                     default 6.1), with the modules built for it, as
#                     tests/vm/run.sh --kernel does
#   --append ARGS     extra kernel command-line arguments, added after the
#                     fixed ones below (no $ ; ' " \ { } characters: they
#                     would mean something to GRUB's script parser)
#   --timeout SECS    kill Bochs after SECS seconds of wall time (default
#                     1500: the whole suite takes about 6 minutes on an
#                     idle build machine, and 13 with four make checks at
#                     once)
#   --name NAME       name of the run (default: basename of SCRIPT); files go
#                     to build/bochs/NAME/
#   -h, --help        print this text
#
# How long a run takes (measured on this project's 2-core build machine;
# Bochs uses one host core and runs ~70-80 M guest instructions/s):
# power-on to /init is ~1.8 G instructions, ~25 s, with --boot pvh (BIOS
# ~3 s, GRUB reading the ELF and initramfs from the CD ~7 s, kernel boot
# ~12 s) and ~6 G instructions, ~80 s, with --boot bzimage (4.5 G of them
# the bzImage decompressing itself); then the script; poweroff ends Bochs
# at once.  tests/bochs/cpu-probe.sh: ~30 s in all (pvh).  tests/vm/
# suite.sh (attack, kplug, lib, limit and CLI tests): ~3.5 G instructions
# in the guest, 70 s in all with pvh, 145 s with bzimage.
#
# The machine: Bochs (Debian's bochs 2.7), CPU model broadwell_ult, 1 CPU
# (Debian's Bochs is built without SMP), 1 GiB RAM, i440fx with ACPI (so
# poweroff ends the run), the one serial port (COM1) written to a file, no
# disk but a CD.  The CD is a GRUB rescue image (grub-mkrescue) holding the
# kernel (build/cache/kernel/vmlinuz, or the ELF inside it and the stub:
# see --boot) and the initramfs from tests/vm/mkinitramfs.sh, the same as
# tests/vm/run.sh's: busybox, tests/vm/init as /init, /kplug/{run,
# kplug.ko,tests,plugins,tools}; SCRIPT is /kplug/run.  The guest clock
# runs on instructions (clock sync=none) at BOCHS_IPS instructions per
# guest second, set to the measured emulation speed so that guest time
# stays close to wall time (a guest second is 80 M instructions, whatever
# the host's load).
#
# Kernel command line: console=ttyS0,115200 oops=panic panic=-1
# panic_on_warn=1 quiet loglevel=4 cryptomgr.notests reboot=t
# kplug_limits=1, then --append.  kplug_limits=1 reaches /init's
# environment (the kernel passes unknown name=value parameters on), so
# tests know segment limits are enforced here.  Any oops or WARN panics;
# the panic reboots at once, reboot=t makes that a triple fault, and Bochs
# (reset_on_triple_fault=0, panics fatal) stops.  A clean poweroff ends
# Bochs through ACPI.
#
# Files in build/bochs/NAME/: serial.log (the serial console without
# carriage returns and GRUB's screen controls; also streamed to stdout,
# all but the guest's dmesg dump), bochs.log (Bochs' own log: one line
# per exception cause it checked, e.g. "write beyond limit" or "call
# gate.dpl < CPL", which shows which check stopped a plugin; one line per
# unimplemented MSR the kernel touched, normal; the CPU state when Bochs
# stopped), bochsrc and boot.iso (rerun by hand: bochs -q -f bochsrc),
# initramfs.cpio.gz, term.log (the screen Bochs drew; noise).  Shared by
# all runs: build/bochs/vmlinux-NAME (the ELF) and build/bochs/pvhboot.elf (the
# stub), rebuilt when their sources change.
#
# Verdict (tests/vm/verdict.sh, the same as tests/vm/run.sh's), exit 0
# only if all hold:
#   - Bochs did not time out;
#   - from the moment /init starts SCRIPT, the log matches none of: BUG:
#     WARNING:  Oops  general protection fault  RIP:  Kernel panic
#     Call Trace:  (console and the guest's dmesg dump);
#   - the log ends with the marker "KPLUG-VM-RESULT rc=0", which /init
#     prints only after SCRIPT returned 0.  No marker is a failure.
# Bochs' exit status is ignored: Debian's Bochs exits 1 even after a clean
# poweroff.  Prints "vm: ok (NAME)" or "vm: FAIL (NAME): reason" and exits
# 0 or 1; exits 2 on a usage or set-up error.
#
# Bochs quirks handled here: the Debian build has no `nogui` display, so
# the ncurses `term` display (package bochs-term) runs under `script` (a
# pseudo-terminal); its built-in debugger stops at a prompt before the
# first instruction, so Bochs gets `-rc` with a `c` (continue) command;
# the PC speaker's default ALSA sound driver crashes Bochs ("buffer
# overflow detected") when there is no sound card, so the speaker is off
# and the sound driver is the dummy; Bochs ignores SIGTERM (the timeout
# sends SIGKILL); a triple fault would reset the machine and boot again
# (reset_on_triple_fault=0 makes it the end).  broadwell_ult has no UMIP:
# sgdt/sidt/sldt/smsw/str do not fault at CPL > 0 here, as they do under
# QEMU's -cpu max.
#
# Environment: BOCHS (default bochs), BOCHS_IPS (default 80000000),
# BUSYBOX (default /bin/busybox, must be statically linked).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bochs_bin=${BOCHS:-bochs}
ips=${BOCHS_IPS:-80000000}

# Print the comment block above (from "Usage:" to "Environment").
usage() { sed -n '/^# Usage:/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-2}"; }
die() { echo "vm: error: $*" >&2; exit 2; }

# --- options -------------------------------------------------------------
boot=pvh append= timeout_s=1500 name= kname=6.1
while [ $# -gt 0 ]; do
	case "$1" in
	--boot|--append|--timeout|--name|--kernel)
		[ $# -ge 2 ] || die "$1 needs an argument"
		case "$1" in
		--boot)    boot=$2 ;;
		--kernel)  kname=$2 ;;
		--append)  append=$2 ;;
		--timeout) timeout_s=$2 ;;
		--name)    name=$2 ;;
		esac
		shift 2 ;;
	-h|--help) usage 0 ;;
	--)        shift; break ;;
	-*)        die "unknown option '$1' (see --help)" ;;
	*)         break ;;
	esac
done
[ $# -eq 1 ] || usage
script=$1
[ -f "$script" ] || die "no such script: $script"
name=${name:-$(basename "$script")}
case "$name" in ''|*/*|.|..) die "bad --name '$name'" ;; esac
case "$boot" in pvh|bzimage) ;; *) die "--boot pvh or bzimage, not '$boot'" ;; esac
case "$timeout_s" in ''|*[!0-9]*) die "--timeout wants seconds, not '$timeout_s'" ;; esac
case "$ips" in ''|*[!0-9]*) die "BOCHS_IPS wants a number, not '$ips'" ;; esac
case "$append" in
*['$;"\{}'\''']*|*$'\n'*) die "--append: no \$ ; ' \" \\ { } or newlines (GRUB would parse them)" ;;
esac
. "$top/tests/vm/kernel.sh"
test_kernel "$kname"
command -v "$bochs_bin" >/dev/null || die "$bochs_bin not found (run scripts/deps.sh)"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (run scripts/deps.sh)"
command -v script >/dev/null || die "script not found (util-linux)"
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin \
	 /usr/lib/grub/i386-pc/cdboot.img; do
	[ -f "$f" ] || die "$f missing (run scripts/deps.sh)"
done

cmdline="console=ttyS0,115200 oops=panic panic=-1 panic_on_warn=1 quiet"
cmdline="$cmdline loglevel=4 cryptomgr.notests reboot=t kplug_limits=1"
cmdline="$cmdline${append:+ $append}"

# --- initramfs and boot CD -------------------------------------------------
out=$top/build/bochs/$name
log=$out/serial.log
raw=$out/serial.raw
mkdir -p "$out"
"$top/tests/vm/mkinitramfs.sh" "$out" "$script" "$cmdline" || exit 2

# The kernel's ELF, from the bzImage's payload (boot protocol 2.08+: the
# setup header gives its offset and length; Debian compresses it with XZ,
# ZSTD (6.12) or LZ4 (6.1's cloud flavour); any of the kernel's
# compressions is recognised by its magic), then without its runs of zero
# pages (tests/bochs/compact-elf.py).
extract_vmlinux() {	# BZIMAGE OUT
	local setup off len magic
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	[ "$setup" != 0 ] || setup=4
	read -r off len < <(od -An -tu4 -j $((0x248)) -N8 "$1")
	off=$(( (setup + 1) * 512 + off ))
	magic=$(od -An -tx1 -j "$off" -N4 "$1" | tr -d ' ')
	case "$magic" in
	fd377a58) set -- "$1" "$2" xz -dc --single-stream ;;
	5d00*)    set -- "$1" "$2" xz -dc --format=lzma ;;
	1f8b*)    set -- "$1" "$2" gzip -dc ;;
	28b52ffd) set -- "$1" "$2" zstd -dcq ;;
	02214c18) set -- "$1" "$2" lz4 -dcq ;;
	425a68*)  set -- "$1" "$2" bzip2 -dc ;;
	894c5a4f) set -- "$1" "$2" lzop -dc ;;
	*) die "$1: payload compressed in an unknown way (magic $magic)" ;;
	esac
	tail -c +$((off + 1)) "$1" | head -c "$len" | "${@:3}" > "$2.tmp" 2>/dev/null || true
	[ "$(od -An -tx1 -N4 "$2.tmp" 2>/dev/null | tr -d ' ')" = 7f454c46 ] ||
		die "could not extract the kernel ELF from $1"
	python3 "$top/tests/bochs/compact-elf.py" "$2.tmp" "$2" ||
		die "compact-elf.py failed on the ELF from $1"
	rm -f "$2.tmp"
}

iso=$out/iso
rm -rf "$iso" && mkdir -p "$iso/boot/grub"
cp "$out/initramfs.cpio.gz" "$iso/boot/initramfs.cpio.gz"
if [ "$boot" = pvh ]; then
	shared=$top/build/bochs
	vmlinux=$shared/vmlinux-$kname
	if [ ! -f "$vmlinux" ] || [ "$kernel" -nt "$vmlinux" ] ||
	   [ "$top/tests/bochs/compact-elf.py" -nt "$vmlinux" ]; then
		extract_vmlinux "$kernel" "$vmlinux"
	fi
	stub=$top/tests/bochs/pvhboot
	if [ ! -f "$shared/pvhboot.elf" ] || [ "$stub.c" -nt "$shared/pvhboot.elf" ] ||
	   [ "$stub.ld" -nt "$shared/pvhboot.elf" ]; then
		gcc -m32 -O2 -Wall -Wextra -ffreestanding -fno-pic -fno-pie -no-pie \
			-fno-stack-protector -fno-asynchronous-unwind-tables \
			-mgeneral-regs-only -nostdlib -static -Wl,-T,"$stub.ld" \
			-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
			-Wl,--no-warn-rwx-segments -o "$shared/pvhboot.elf" "$stub.c" ||
			die "building $stub.c failed"
	fi
	cp "$shared/pvhboot.elf" "$iso/boot/pvhboot.elf"
	# A hard link: the ELF is 31 MB and the same for every run.
	ln -f "$vmlinux" "$iso/boot/vmlinux" 2>/dev/null ||
		cp "$vmlinux" "$iso/boot/vmlinux"
	load="multiboot /boot/pvhboot.elf $cmdline
	module --nounzip /boot/vmlinux
	module --nounzip /boot/initramfs.cpio.gz"
else
	cp "$kernel" "$iso/boot/vmlinuz"
	load="linux /boot/vmlinuz $cmdline
	initrd /boot/initramfs.cpio.gz"
fi
# No menu, no delay; GRUB's own errors (if any) go to the serial log too.
cat > "$iso/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_output serial console
set timeout_style=hidden
set timeout=0
set default=0
menuentry kplug {
	$load
}
EOF
grub-mkrescue -o "$out/boot.iso" "$iso" > "$out/grub-mkrescue.log" 2>&1 ||
	die "grub-mkrescue failed (see $out/grub-mkrescue.log)"
rm -rf "$iso"

# --- Bochs configuration -------------------------------------------------
cat > "$out/bochsrc" <<EOF
# Generated by tests/bochs/run.sh
config_interface: textconfig
display_library: term
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=broadwell_ult, count=1, ips=$ips, reset_on_triple_fault=0
memory: guest=1024, host=1024
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path=$out/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$raw
clock: sync=none, time0=utc
speaker: enabled=0
sound: driver=dummy
log: $out/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF
# The debugger's first prompt: continue.
echo c > "$out/debugger.rc"

# --- boot ----------------------------------------------------------------
echo "vm: $name: booting Bochs (cpu broadwell_ult, 1 CPU, $boot${append:+, append '$append'})"
rm -f "$raw" "$log" "$out/bochs.log" && : > "$raw"
start=$SECONDS
# Bochs' term display needs a terminal: `script` gives it a pseudo-terminal
# whose output (the screen) goes to term.log.  timeout runs inside script
# so it signals Bochs itself (SIGKILL: Bochs ignores SIGTERM); -e passes
# Bochs' (or timeout's) exit status on.
printf -v bochs_cmd '%q ' env TERM=vt100 timeout -s KILL "$timeout_s" \
	"$bochs_bin" -q -f "$out/bochsrc" -rc "$out/debugger.rc"
script -qefc "$bochs_cmd" /dev/null </dev/null >"$out/term.log" 2>&1 &
bpid=$!
trap 'kill -TERM $bpid 2>/dev/null; wait $bpid 2>/dev/null; echo "vm: FAIL ($name): interrupted"; exit 130' INT TERM
# The log without carriage returns, nor the ANSI screen controls GRUB sends
# when it starts the kernel.
unscreen='s/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g'
# Show the console as it comes, all but the guest's dmesg dump (hundreds of
# lines, only in the log); tail stops once Bochs has gone.
tail -n +1 -s 0.5 -f --pid=$bpid "$raw" | sed -u "$unscreen" |
	awk -v file="$log" '
		/^KPLUG-DMESG-BEGIN/ { skip = 1; n = 0 }
		!skip { print; fflush() }
		skip  { n++ }
		/^KPLUG-DMESG-END/ { skip = 0
			printf "(guest dmesg, %d lines, in %s)\n", n - 2, file; fflush() }' &
tpid=$!
set +e
wait $bpid
brc=$?
wait $tpid
set -e
trap - INT TERM
elapsed=$((SECONDS - start))
sed "$unscreen" "$raw" > "$log"
echo "vm: $name: Bochs ran ${elapsed}s (wall clock)"

# --- verdict -------------------------------------------------------------
# timeout kills Bochs with SIGKILL (it ignores SIGTERM) and exits 137;
# the elapsed time decides too.
if [ "$brc" = 124 ] || [ "$brc" = 137 ] || [ "$elapsed" -ge "$timeout_s" ]; then
	echo "vm: FAIL ($name): timeout after ${timeout_s}s"
	exit 1
fi
# Bochs' own exit status means nothing (1 after a clean poweroff), so the
# log alone decides.
exec "$top/tests/vm/verdict.sh" "$log" "$name"
