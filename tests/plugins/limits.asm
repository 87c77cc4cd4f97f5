; SPDX-License-Identifier: GPL-2.0
; Attacks decided by segment limits first, paging second: limit(which)
; 1 reads the first byte past the DS limit  2 jumps to the first byte past
; the CS limit  3 pushes with ESP 4 bytes past the SS limit  4 reads a dword
; straddling the DS limit  5 returns the DS limit  6 returns the CS limit.
; Where limits are enforced (hardware, Bochs) 1-4 raise #GP(0)/#SS(0);
; under QEMU TCG paging catches them (#PF: nothing is mapped there).
bits 32
org 0x11000
	mov	ecx, [esp + 4]
	mov	edx, ds
	lsl	eax, edx		; DS limit (last valid offset)
	mov	edx, cs
	lsl	edx, edx		; CS limit
	cmp	ecx, 1
	je	.past_ds
	cmp	ecx, 2
	je	.past_cs
	cmp	ecx, 3
	je	.past_ss
	cmp	ecx, 4
	je	.straddle
	cmp	ecx, 6
	je	.cs_limit
	ret				; 5 and anything else: DS limit
.past_ds:
	mov	eax, [eax + 1]
	ret
.past_cs:
	inc	edx
	jmp	edx
.past_ss:
	lea	esp, [eax + 5]
	push	eax
	ret
.straddle:
	mov	eax, [eax - 1]
	ret
.cs_limit:
	mov	eax, edx
	ret
