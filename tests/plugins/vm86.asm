; SPDX-License-Identifier: GPL-2.0
; A ring-1 IRETD with EFLAGS.VM set.  Hardware (and Bochs) never enters
; virtual-8086 mode from CPL 1 or in long mode: this is a protected-mode
; return to a null CS, #GP(0).  QEMU TCG does enter it, and the next
; exception or interrupt then arrives with CS 0 (RPL 0) in its frame:
; kplug must take that frame for the plugin's, not for its own ring 0.
bits 32
org 0x11000
	push	0			; GS
	push	0			; FS
	push	0			; DS
	push	0			; ES
	push	0			; SS
	push	0x100			; ESP
	push	0x20202			; EFLAGS: VM, IF
	push	0			; CS
	push	0			; EIP
	iretd
