/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels kplug builds for (Debian's 6.1 and
 * 6.12 series): every version test lives here, so the rest of the module
 * is written against the newest interfaces.
 */
#ifndef KPLUG_COMPAT_H
#define KPLUG_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/sched.h>
/* task_pid_vnr()/task_tgid_vnr(): linux/sched.h on 6.1, linux/pid.h on 6.12. */
#include <linux/pid.h>

/*
 * vma->vm_flags became read-only in 6.3 (its writers must hold the VMA
 * lock, which the wrappers assert); before that it is a plain field.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Linux's NMI entry for use on a kernel stack, not the NMI IST: what KVM's
 * VMX exit path calls, and exported for it (only when KVM_INTEL is a
 * module, as Debian builds it).  6.2 renamed it from asm_exc_nmi_noist.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define kplug_host_nmi_entry	asm_exc_nmi_kvm_vmx
#else
#define kplug_host_nmi_entry	asm_exc_nmi_noist
#endif
void kplug_host_nmi_entry(void);

/*
 * A local that CONFIG_INIT_STACK_ALL_ZERO must not clear on every call
 * (gcc 12 and clang have the attribute; the kernel's own macro for it
 * came after 6.1).
 */
#if __has_attribute(__uninitialized__)
#define __no_stack_init	__attribute__((__uninitialized__))
#else
#define __no_stack_init
#endif

#endif /* KPLUG_COMPAT_H */
