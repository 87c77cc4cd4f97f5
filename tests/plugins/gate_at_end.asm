; SPDX-License-Identifier: GPL-2.0
; A service call as the last instruction of a page of text: the gate's
; return address is the first byte past the CS limit.  Resuming there would
; make IRETQ fault in ring 0; kplug must stop the plugin instead ("limit").
bits 32
org 0x11000
	jmp	last
	times 4096 - 12 - ($ - $$) int3
last:	mov	eax, 4			; kplug_cpu
	call	0xa1:0			; returns to 0x12000 = CS limit + 1
