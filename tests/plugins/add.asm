; SPDX-License-Identifier: GPL-2.0
; add(a, b) = a + b.  The smallest plugin: cdecl arguments on the stack.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	add	eax, [esp + 8]
	ret
