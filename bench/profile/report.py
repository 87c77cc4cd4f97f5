# SPDX-License-Identifier: GPL-2.0
# bench/profile/run.sh's report: PCs of one traced round trip -> the
# instructions spent in each function, in order of first appearance, with
# kplug_run's own share split by the inlined function it came from.
import bisect
import collections
import re
import subprocess
import sys

pcs_file, sections_file, ksyms_file, ko = sys.argv[1:5]
syms = []
for line in open(ksyms_file):
    a, t, n = line.split()[:3]
    syms.append((int(a, 16), n))
sections = {}
for line in open(sections_file):
    _, name, addr = line.split()
    sections[name] = int(addr, 16)
names = {}
for line in subprocess.run(['readelf', '-SW', ko], capture_output=True,
                           text=True).stdout.splitlines():
    m = re.match(r'\s*\[\s*(\d+)\]\s+(\S+)', line)
    if m:
        names[int(m.group(1))] = m.group(2)
for line in subprocess.run(['readelf', '-sW', ko], capture_output=True,
                           text=True).stdout.splitlines():
    p = line.split()
    if len(p) >= 8 and p[3] in ('FUNC', 'NOTYPE') and p[6].isdigit():
        sec = names.get(int(p[6]))
        if sec in sections and p[7] and not p[7].startswith('.'):
            syms.append((sections[sec] + int(p[1], 16), 'kplug:' + p[7]))
syms.sort()
addrs = [a for a, _ in syms]


def where(pc):
    if pc < 1 << 32:
        return 'plugin (ring 1)'
    i = bisect.bisect_right(addrs, pc) - 1
    name = syms[i][1] if i >= 0 else '?'
    return re.sub(r'\.(\w+)$', '', name)  # NASM local labels


pcs = [int(line, 16) for line in open(pcs_file)]
count = collections.Counter(where(pc) for pc in pcs)
order = list(dict.fromkeys(where(pc) for pc in pcs))
print('%6d  instructions in one null hook round trip (emulated, -icount)' % len(pcs))
for name in order:
    print('%6d  %s' % (count[name], name))

# kplug_run's inlined helpers, by addr2line's innermost-but-one frame
text = sections['.text']
run = [pc - text for pc in pcs if where(pc) == 'kplug:kplug_run']
out = subprocess.run(['addr2line', '-f', '-i', '-a', '-e', ko, '-j', '.text'] +
                     ['%x' % o for o in run], capture_output=True,
                     text=True).stdout.splitlines()
inl = collections.Counter()
chain = []


def flush():
    if chain:
        inl[chain[-2] if len(chain) > 1 else 'kplug_run (own)'] += 1


for line in out:
    if line.startswith('0x'):
        flush()
        chain = []
    elif ':' not in line:
        chain.append(line.strip())
flush()
print('\nkplug_run, by inlined function:')
for name, n in inl.most_common():
    print('%6d  %s' % (n, name))
