; SPDX-License-Identifier: GPL-2.0
; A runaway that lives in service calls: random() of 4 KiB, forever.  The
; time spent in the services counts against its budget (-ETIME).
bits 32
org 0x11000
	sub	esp, 4096
.loop:	push	4096
	lea	eax, [esp + 4]
	push	eax
	call	0x10030			; kplug_random (service 3)
	add	esp, 8
	jmp	.loop
