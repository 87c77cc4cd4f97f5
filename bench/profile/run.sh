#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the instructions of one kernel -> null plugin ->
# kernel round trip go.  Boots the test VM twice under -icount with
# nokaslr (bench/profile/guest.sh): once for kplug's section addresses and
# the kernel's symbols, once to trace.  gdb single-steps the bench hook's
# third __kplug_hook_call() through QEMU's gdbstub (one instruction per
# step, interrupts masked while stepping) and bench/profile/report.py
# prints instructions per function.  Emulated instruction counts, like
# the rest of make bench.  Needs gdb; logs in build/vm/profile-*/.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/profile
port=${PROFILE_PORT:-12345}
mkdir -p "$out"
cd "$top"

# A QEMU that waits for gdb on $port.
cat > "$out/qemu" <<EOQ
#!/bin/sh
exec ${QEMU:-qemu-system-x86_64} -gdb tcp:127.0.0.1:$port -S "\$@"
EOQ
chmod +x "$out/qemu"

tests/vm/run.sh --name profile-symbols --icount --smp 1 \
	--append "nokaslr kplug_profile=symbols" bench/profile/guest.sh > "$out/symbols.out"
log=build/vm/profile-symbols/serial.log
grep -a '^PROFILE-SECTION' "$log" | tr -d '\r' > "$out/sections"
grep -a '^PROFILE-KSYMS' "$log" | tr -d '\r' | cut -d' ' -f2 |
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().replace("\n", "")))' |
	gunzip > "$out/kallsyms"
text=$(awk '$2 == ".text" { print $3 }' "$out/sections")
off=$(readelf -sW kmod/kplug.ko | awk '$8 == "__kplug_hook_call" { print $2 }')
[ -n "$text" ] && [ -n "$off" ] || { echo "profile: no kplug sections or symbol" >&2; exit 1; }

QEMU=$out/qemu tests/vm/run.sh --name profile-trace --icount --smp 1 \
	--append nokaslr bench/profile/guest.sh > "$out/trace.out" &
vm=$!
PROFILE_PORT=$port PROFILE_FUNC=$(printf '0x%x' $((text + 0x$off))) \
PROFILE_OUT=$out/pcs timeout 900 gdb -q -batch -x bench/profile/trace.py \
	> "$out/gdb.out" 2>&1 || { echo "profile: gdb failed, see $out/gdb.out" >&2; kill $vm; exit 1; }
wait $vm || { echo "profile: trace VM failed, see $out/trace.out" >&2; exit 1; }
python3 bench/profile/report.py "$out/pcs" "$out/sections" "$out/kallsyms" kmod/kplug.ko
