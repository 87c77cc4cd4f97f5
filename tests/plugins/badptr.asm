; SPDX-License-Identifier: GPL-2.0
; badptr(addr, write): 0 -> returns 42.  Otherwise reads (write = 0) or
; writes (write != 0) the 32-bit word at addr and returns it.
bits 32
org 0x11000
	mov	edx, [esp + 4]
	test	edx, edx
	jz	.fine
	cmp	dword [esp + 8], 0
	jne	.write
	mov	eax, [edx]
	ret
.write:
	mov	dword [edx], 0x0badf00d
	xor	eax, eax
	ret
.fine:
	mov	eax, 42
	ret
