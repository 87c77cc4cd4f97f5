; SPDX-License-Identifier: GPL-2.0
; Attack on invariants 1 and 2: load(sel, reg) loads selector sel into
; DS (reg 0), ES (1), FS (2), GS (3) or SS (4), puts the old value back and
; returns 0x600d.  Loading anything but the null selector or kplug's own
; DPL-1 segments must fault (#GP/#NP with the selector: "escape").
bits 32
org 0x11000
	mov	eax, [esp + 4]		; sel
	mov	ecx, [esp + 8]		; reg
	cmp	ecx, 0
	je	.ds
	cmp	ecx, 1
	je	.es
	cmp	ecx, 2
	je	.fs
	cmp	ecx, 3
	je	.gs
	mov	dx, ss
	mov	ss, ax
	mov	ss, dx
	jmp	.ok
.ds:	mov	dx, ds
	mov	ds, ax
	mov	ds, dx
	jmp	.ok
.es:	mov	dx, es
	mov	es, ax
	mov	es, dx
	jmp	.ok
.fs:	mov	dx, fs
	mov	fs, ax
	mov	fs, dx
	jmp	.ok
.gs:	mov	dx, gs
	mov	gs, ax
	mov	gs, dx
.ok:	mov	eax, 0x600d
	ret
