; SPDX-License-Identifier: GPL-2.0
; bufrev(a0..a5, in, in_len, out, out_len): writes the in buffer reversed
; into out (as much as fits) and returns in_len; a0 = 1 faults after
; writing out (the kernel must not copy out back then).
bits 32
org 0x11000
	push	esi
	push	edi
	mov	esi, [esp + 36]		; in
	mov	ecx, [esp + 40]		; in_len
	mov	edi, [esp + 44]		; out
	mov	edx, [esp + 48]		; out_len
	cmp	ecx, edx
	jbe	.copy
	mov	ecx, edx
.copy:	test	ecx, ecx
	jz	.done
	lea	eax, [esi + ecx - 1]
.loop:	mov	dl, [eax]
	mov	[edi], dl
	inc	edi
	dec	eax
	dec	ecx
	jnz	.loop
.done:	cmp	dword [esp + 12], 1	; a0
	jne	.ret
	mov	eax, [0]		; fault
.ret:	mov	eax, [esp + 40]
	pop	edi
	pop	esi
	ret
