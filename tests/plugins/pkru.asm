; SPDX-License-Identifier: GPL-2.0
; Attack on invariant 7 (PKRU): WRPKRU works at any privilege level.  The
; plugin denies every access through protection key 0 (the key of all the
; caller's memory) and returns 0x9e.  The caller's PKRU must be its own
; again when the ioctl returns (or the kernel's copy_to_user, and then the
; caller itself, would fault).  CPUs without PKU raise #UD.
bits 32
org 0x11000
	xor	ecx, ecx
	xor	edx, edx
	mov	eax, 3			; key 0: access and write disabled
	db	0x0f, 0x01, 0xef	; wrpkru (NASM refuses it in 32-bit code)
	mov	eax, 0x9e
	ret
