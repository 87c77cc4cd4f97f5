; SPDX-License-Identifier: GPL-2.0
; Attack on "no kernel value reaches a plugin register": state(which)
; returns what the plugin sees at entry: 0 the OR of EAX, EBX, ECX, EDX,
; ESI, EDI, EBP (all must be 0), 1 EFLAGS, 2 DS | ES << 16, 3 FS | GS << 16,
; 4 SS | CS << 16, 5 ESP at entry.
bits 32
org 0x11000
	push	eax			; save entry values before using any
	or	eax, ebx
	or	eax, ecx
	or	eax, edx
	or	eax, esi
	or	eax, edi
	or	eax, ebp
	mov	ebx, eax		; OR of the registers
	pop	eax
	pushfd
	pop	esi			; entry EFLAGS (nothing changed them yet
					; but the ORs: mask arithmetic flags)
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.flags
	cmp	eax, 2
	je	.dses
	cmp	eax, 3
	je	.fsgs
	cmp	eax, 4
	je	.sscs
	cmp	eax, 5
	je	.esp
	mov	eax, ebx
	ret
.flags:	mov	eax, esi
	and	eax, ~0x8d5		; CF PF AF ZF SF OF set by the ORs above
	ret
.dses:	mov	ax, es
	shl	eax, 16
	mov	ax, ds
	ret
.fsgs:	mov	ax, gs
	shl	eax, 16
	mov	ax, fs
	ret
.sscs:	mov	ax, cs
	shl	eax, 16
	mov	ax, ss
	ret
.esp:	lea	eax, [esp + 4]
	ret
