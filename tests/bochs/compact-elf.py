#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shrink the kernel's ELF for tests/bochs/pvhboot.c.

Usage: tests/bochs/compact-elf.py VMLINUX OUT

Writes an ELF64 file with the same memory image: every PT_LOAD segment is
split where whole pages of zeros run for 64 KiB or more, and the zeros
become memory size (p_memsz > p_filesz), which the loader fills itself.
The PT_NOTE segment (PVH entry point) is kept.  Debian's 6.1 vmlinux
shrinks from 66 MB to ~31 MB: .bss and .brk are stored as zeros in the
file.  GRUB reads the file from the emulated CD, about 13 Bochs
instructions per byte, so this saves ~6 s per boot.
"""
import struct
import sys

PAGE = 4096
MIN_GAP = 64 * 1024
PT_LOAD, PT_NOTE = 1, 4
PHDR = struct.Struct('<IIQQQQQQ')


def pieces(data, paddr, vaddr, memsz, flags):
    """Split one PT_LOAD: a list of (paddr, vaddr, bytes, memsz, flags)."""
    n = len(data)
    npages = (n + PAGE - 1) // PAGE
    zero = [data[i * PAGE:(i + 1) * PAGE].count(0) == len(data[i * PAGE:(i + 1) * PAGE])
            for i in range(npages)]
    # Gaps: runs of zero pages that are long or reach the end of the data.
    gaps, i = [], 0
    while i < npages:
        if not zero[i]:
            i += 1
            continue
        j = i
        while j < npages and zero[j]:
            j += 1
        if (j - i) * PAGE >= MIN_GAP or j == npages:
            gaps.append((i * PAGE, min(j * PAGE, n)))
        i = j
    # Pieces: data between gaps; each piece's memory runs to the next one.
    spans, pos = [], 0
    for gs, ge in gaps:
        spans.append((pos, gs))
        pos = ge
    spans.append((pos, n))
    out = []
    for k, (a, b) in enumerate(spans):
        mend = spans[k + 1][0] if k + 1 < len(spans) else memsz
        if b == a and out:              # only zeros: extend the previous piece
            pa, va, blob, ms, fl = out[-1]
            out[-1] = (pa, va, blob, ms + (mend - a), fl)
        elif mend > a:
            out.append((paddr + a, vaddr + a, data[a:b], mend - a, flags))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    src = open(sys.argv[1], 'rb').read()
    if src[:5] != b'\x7fELF\x02':
        sys.exit('compact-elf: %s is not an ELF64 file' % sys.argv[1])
    phoff, = struct.unpack_from('<Q', src, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', src, 0x36)
    loads, notes = [], []
    for k in range(phnum):
        typ, flags, off, va, pa, fs, ms, _ = PHDR.unpack_from(src, phoff + k * phentsize)
        if typ == PT_LOAD:
            loads += pieces(src[off:off + fs], pa, va, ms, flags)
        elif typ == PT_NOTE:
            notes.append((va, pa, src[off:off + fs], flags))

    ehsize = 64
    nph = len(loads) + len(notes)
    out = bytearray(src[:ehsize])
    struct.pack_into('<Q', out, 0x20, ehsize)            # e_phoff
    struct.pack_into('<Q', out, 0x28, 0)                 # e_shoff: no sections
    struct.pack_into('<HHHH', out, 0x36, PHDR.size, nph, 0, 0)
    data_off = ehsize + nph * PHDR.size
    phdrs, blobs = [], []
    for pa, va, blob, ms, flags in loads:
        data_off = (data_off + 15) & ~15
        phdrs.append(PHDR.pack(PT_LOAD, flags, data_off, va, pa, len(blob), ms, PAGE))
        blobs.append((data_off, blob))
        data_off += len(blob)
    for va, pa, blob, flags in notes:
        data_off = (data_off + 3) & ~3
        phdrs.append(PHDR.pack(PT_NOTE, flags, data_off, va, pa, len(blob), len(blob), 4))
        blobs.append((data_off, blob))
        data_off += len(blob)
    out += b''.join(phdrs)
    for off, blob in blobs:
        out += b'\0' * (off - len(out))
        out += blob
    with open(sys.argv[2], 'wb') as f:
        f.write(out)


main()
