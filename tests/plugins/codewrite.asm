; SPDX-License-Identifier: GPL-2.0
; Attacks on the code region (paging layer): code(which, addr)
; 1 writes its own text (self-modifying code)  2 writes the runtime page
; 3 jumps to addr (data is no-execute; anything outside the sandbox is
; unmapped)  4 jumps one byte into the runtime page's far call (garbage
; instruction stream).  which = 0 returns 0xc0de.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	mov	edx, [esp + 8]
	cmp	eax, 1
	je	.self
	cmp	eax, 2
	je	.runtime
	cmp	eax, 3
	je	.jump
	cmp	eax, 4
	je	.midway
	mov	eax, 0xc0de
	ret
.self:	mov	byte [.self], 0xc3
	ret
.runtime: mov	dword [0x10000], 0xc3c3c3c3
	ret
.jump:	jmp	edx
.midway: jmp	0x10001
