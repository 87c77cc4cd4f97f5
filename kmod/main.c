// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: kernel plugins at ring 1.  Module init and exit.
 */
#include <linux/module.h>
#include <asm/pgtable.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

#include "internal.h"

/* CR4 bits newer than this kernel's headers. */
#define KPLUG_CR4_LASS	(1ul << 27)
#define KPLUG_CR4_FRED	(1ul << 32)

static int __init kplug_init(void)
{
	unsigned long cr4 = __read_cr4();
	int err;

	/* A Xen PV guest's kernel runs in ring 3 (64-bit) under a hypervisor
	 * that owns the descriptor tables and CR3; kplug also uses the
	 * native MSR and CR instructions, not paravirt's (run.c). */
	if (boot_cpu_has(X86_FEATURE_XENPV)) {
		pr_err("Xen PV guest: kplug needs the descriptor tables, CR3 and ring 1 to itself\n");
		return -EOPNOTSUPP;
	}
	if (cr4 & KPLUG_CR4_FRED) {
		pr_err("FRED is active: ring-1 code cannot run under FRED; boot with fred=off\n");
		return -EOPNOTSUPP;
	}
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		u64 s_cet;

		/* Supervisor shadow stacks (no Linux enables them yet) would
		 * need a ring-1 shadow stack and its token. */
		rdmsrl(MSR_IA32_S_CET, s_cet);
		if (s_cet & CET_SHSTK_EN) {
			pr_err("supervisor shadow stacks are on: kplug does not give ring 1 a shadow stack\n");
			return -EOPNOTSUPP;
		}
	}
	if (cr4 & KPLUG_CR4_LASS) {
		pr_err("LASS is active: supervisor accesses to the sandbox's low addresses would fault, and kplug does not handle LASS yet\n");
		return -EOPNOTSUPP;
	}

	err = kplug_run_init();		/* and the world switch */
	if (err)
		return err;
	err = kplug_providers_init();
	if (err)
		goto err_hooks;
	err = kplug_dev_init();
	if (err)
		goto err_hooks;
	pr_info("loaded: /dev/kplug ready (PTI %s, PCID %s, %d-level paging)\n",
		boot_cpu_has(X86_FEATURE_PTI) ? "on" : "off",
		boot_cpu_has(X86_FEATURE_PCID) ? "on" : "off",
		pgtable_l5_enabled() ? 5 : 4);
	return 0;

err_hooks:
	kplug_hooks_exit();
	kplug_run_exit();
	return err;
}

static void __exit kplug_exit(void)
{
	kplug_dev_exit();		/* no new invocations: no fds left */
	kplug_hooks_exit();		/* the providers' (owners hold kplug) */
	kplug_plugin_remove_all();
	kplug_run_exit();
}

module_init(kplug_init);
module_exit(kplug_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug: C plugins run in the kernel at x86 ring 1");
MODULE_VERSION(KPLUG_VERSION);
