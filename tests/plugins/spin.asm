; SPDX-License-Identifier: GPL-2.0
; spin(n): n rounds of register and stack traffic, long enough to be
; interrupted many times.  Returns sum(i) + sum(i * 3 mod 2^32) ^ rotations,
; which tests/vm/kplug_test.c recomputes: any register or stack slot lost
; across an interrupt changes the result.
bits 32
org 0x11000
	push	ebx
	push	esi
	push	edi
	push	ebp
	mov	ecx, [esp + 20]		; n
	xor	eax, eax		; sum of i
	xor	ebx, ebx		; sum of 3i
	mov	esi, 0x12345678		; rotated each round
	xor	ebp, ebp		; i
.loop:
	test	ecx, ecx
	jz	.done
	inc	ebp
	add	eax, ebp
	lea	edi, [ebp + ebp * 2]
	add	ebx, edi
	push	esi			; stack traffic
	rol	dword [esp], 1
	pop	esi
	dec	ecx
	jmp	.loop
.done:
	add	eax, ebx
	xor	eax, esi
	pop	ebp
	pop	edi
	pop	esi
	pop	ebx
	ret
