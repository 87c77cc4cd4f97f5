// SPDX-License-Identifier: LGPL-2.1
/*
 * The user-space host: the same kplug images, run in the calling process
 * instead of the kernel.  For developing and testing plugins without root
 * or a module, and for measuring plugin code on real hardware.  It
 * isolates bugs, not attackers: the plugin shares the process, and a
 * plugin written to escape (a far jump to the 64-bit code segment, int
 * 0x80, loading FS) can.
 *
 * What is the same as in the kernel (docs/libkplug.md, "User-space host"):
 *   memory   the kernel sandbox's layout at the same addresses: runtime
 *            page, text r-x, data and bss rw-, per (CPU, slot) stacks
 *            below unmapped guard pages, mapped with MAP_FIXED_NOREPLACE
 *            (refused if anything of the process is there, so one user
 *            plugin per process at a time)
 *   segments LDT code and data descriptors, base 0, the kernel's limits
 *            (code ends at data_base, data and stack at the sandbox end);
 *            the plugin runs in 32-bit compatibility mode at CPL 3
 *   calls    the same cdecl frame and in/out buffers (slot 0 of CPU 0),
 *            entered by a far return, left by a far jump (exit stub) or
 *            far call (service thunks) to 64-bit code in the runtime page
 *   services the same numbers, argument checks and service-fault records
 *   faults   SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP in plugin code become
 *            the same fault record (vector, error code, EIP, CR2) and kind
 *            (kmod/fault.c's classifier); the budget is the thread's CPU
 *            time (a CLOCK_THREAD_CPUTIME_ID timer, SIGXCPU)
 *   FPU      the kernel sets CR0.TS; user space cannot.  Instead the x87
 *            is entered with a pending unmasked exception, so any waiting
 *            x87 or MMX instruction raises #MF at once (kind fpu, vector
 *            16), and xmm0-7, MXCSR and the x87 control/status words are
 *            compared after every exit with what the plugin was given
 *            (kind fpu, vector 7, EIP 0: detected at the exit).  Not
 *            caught: SSE/AVX instructions that only read (fxsave, movd
 *            from xmm) or write back the same value.
 *
 * Signals: the handlers run on an alternate signal stack (installed per
 * thread on its first call); other handlers of the process that lack
 * SA_ONSTACK would run on the plugin's stack.  Faults outside plugin
 * code go to the handler that was there when the plugin was created.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "uhost.h"
#include "../kmod/image.h"
#include "../kmod/fault.h"

#define PAGE		KPLUG_PAGE_SIZE
#define SLOTS_PER_CPU	4	/* kmod/internal.h KPLUG_SLOTS_PER_CPU */
#define LDT_CODE	0	/* LDT entries used, and their selectors */
#define LDT_DATA	1	/* (TI = 1, RPL 3) */
#define SEL(e)		((e) << 3 | 4 | 3)
#define RANDOM_MAX	4096
#define BUDGET_MS	1000	/* the module's budget_ms default */
#define BUDGET_MAX_MS	60000	/* and max_budget_ms */
#define SIGBUDGET	SIGXCPU

_Static_assert(offsetof(struct uhost_ctx, reason) == UH_REASON, "ctx");
/* uhost_switch.S has a thunk for services 1..8, then the far pointers. */
_Static_assert(KPLUG_SVC_COUNT == 9 &&
	       UH_RT_EXIT_FAR == KPLUG_SVC_COUNT * UH_RT_THUNK, "services");
_Static_assert(offsetof(struct uhost_ctx, eax) == UH_EAX, "ctx");
_Static_assert(offsetof(struct uhost_ctx, ebp) == UH_EBP, "ctx");
_Static_assert(offsetof(struct uhost_ctx, host_ds) == UH_HOST_DS, "ctx");
_Static_assert(offsetof(struct uhost_ctx, code_sel) == UH_CODE_SEL, "ctx");
_Static_assert(offsetof(struct uhost_ctx, data_sel) == UH_DATA_SEL, "ctx");
_Static_assert(offsetof(struct uhost_ctx, esp) == UH_ESP, "ctx");
_Static_assert(offsetof(struct uhost_ctx, host_cw) == UH_HOST_CW, "ctx");
_Static_assert(offsetof(struct uhost_ctx, host_mxcsr) == UH_HOST_MXCSR, "ctx");
_Static_assert(offsetof(struct uhost_ctx, fpu_mxcsr) == UH_FPU_MXCSR, "ctx");
_Static_assert(offsetof(struct uhost_ctx, armed_env) == UH_ARMED_ENV, "ctx");
_Static_assert(offsetof(struct uhost_ctx, canary) == UH_CANARY, "ctx");
_Static_assert(offsetof(struct uhost_ctx, xmm) == UH_XMM, "ctx");
_Static_assert(sizeof(struct uhost_ctx) == UH_CTX_SIZE, "ctx");

struct uhost {
	struct uhost_ctx ctx;		/* first: 16-byte aligned */
	__u32 code_end, data_base, stacks_base, end, stack_size, nr_slots;
	__u32 budget_ms;		/* 0: BUDGET_MS; UHOST_NO_BUDGET: none */
	__u32 nr_entries;
	struct kplug_image_entry entries[KPLUG_MAX_ENTRIES];
	__u16 armed_cw, armed_sw;	/* x87 words right after arming */
	volatile int timed_out;		/* set by the budget signal */
	struct kplug_fault fault;	/* filled by the fault handler */
	__u64 invocations, faults, timeouts;
	__u32 out_len, out_written;	/* this call's; kplug_out_len() */
	int out_reported;
	/* the plugin's log: whole lines, newest kept (service.c's rules) */
	char log[KPLUG_LOG_SIZE];
	__u32 log_used, log_lines;
	__u64 log_dropped, log_window;
};

/* One sandbox per process (fixed addresses), one call at a time. */
static pthread_mutex_t uhost_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uhost *uhost_present;
static struct uhost *volatile uhost_running;	/* read by signal handlers */
static int budget_marker;			/* our timer's sigev_value */

static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				     SIGTRAP, SIGBUDGET };
static struct sigaction old_actions[sizeof(fault_signals) / sizeof(int)];

/* Per thread: its alternate signal stack and its budget timer. */
static __thread int thread_ready;
static __thread timer_t thread_timer;

static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	int lo = 0, hi = -1;

	if (f) {
		/* "0-N" or "0": the kernel's nr_cpu_ids is N + 1 */
		if (fscanf(f, "%d-%d", &lo, &hi) < 2)
			hi = lo;
		fclose(f);
	}
	if (hi < 0)
		hi = sysconf(_SC_NPROCESSORS_CONF) - 1;
	return hi < 0 ? 1 : hi + 1;
}

/* --- Faults, the budget and other signals ------------------------------ */

static void chain(int sig, siginfo_t *si, void *uc)
{
	unsigned int i;

	for (i = 0; fault_signals[i] != sig; i++)
		;
	if (old_actions[i].sa_flags & SA_SIGINFO) {
		old_actions[i].sa_sigaction(sig, si, uc);
	} else if (old_actions[i].sa_handler != SIG_DFL &&
		   old_actions[i].sa_handler != SIG_IGN) {
		old_actions[i].sa_handler(sig);
	} else if (sig != SIGBUDGET || si->si_code != SI_TIMER) {
		/* default: returning re-runs the faulting instruction */
		signal(sig, SIG_DFL);
		if (si->si_code <= 0)	/* sent, not a fault: send it again */
			raise(sig);
	}
}

/* Make sigreturn continue at uhost_resume, on the host stack. */
static void redirect(struct uhost *u, ucontext_t *uc, unsigned int reason)
{
	greg_t *g = uc->uc_mcontext.gregs;
	__u64 csgsfs = g[REG_CSGSFS];
	__u16 cs;

	asm("mov %%cs, %0" : "=r"(cs));
	/* cs in bits 0-15, ss in 48-63 (the 64-bit sigcontext) */
	csgsfs = (csgsfs & 0x0000ffffffff0000ull) | cs |
		 (__u64)u->ctx.host_ss << 48;
	g[REG_CSGSFS] = csgsfs;
	g[REG_RIP] = (greg_t)uhost_resume;
	g[REG_RSP] = u->ctx.host_rsp;
	g[REG_RCX] = (greg_t)&u->ctx;
	g[REG_EFL] &= ~(0x100 | 0x400 | 0x40000);	/* TF DF AC */
	u->ctx.reason = reason;
}

static void fault_record(struct uhost *u, const greg_t *g)
{
	struct kplug_stack_layout stacks = {
		.base = u->stacks_base, .end = u->end,
		.slot_span = PAGE + u->stack_size, .guard = PAGE,
	};
	struct kplug_fault *f = &u->fault;
	__u32 n = 0;

	f->vector = g[REG_TRAPNO];
	f->error_code = g[REG_ERR];
	f->eip = g[REG_RIP];
	f->cr2 = f->vector == 14 ? (__u32)g[REG_CR2] : 0;
	if (f->vector == 14)
		f->error_code &= ~4u;	/* the user bit: ring 1 is supervisor */
	/* the instruction, from the plugin's code (readable to us) */
	if (f->eip >= KPLUG_RUNTIME_BASE && f->eip < u->code_end)
		n = u->code_end - f->eip < KPLUG_INSN_MAX ?
		    u->code_end - f->eip : KPLUG_INSN_MAX;
	f->kind = kplug_fault_classify(f->vector, f->error_code, f->cr2,
				       (const __u8 *)(unsigned long)f->eip, n,
				       &stacks);
}

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct uhost *u = uhost_running;
	int ours = u && (g[REG_CSGSFS] & 0xffff) == u->ctx.code_sel;

	if (sig == SIGBUDGET && si->si_code == SI_TIMER &&
	    si->si_value.sival_ptr == &budget_marker) {
		if (!u)
			return;		/* fired as the call ended */
		u->timed_out = 1;	/* in host code: the loop stops */
		if (ours)
			redirect(u, uc, UH_EXIT_SIGNAL);
		return;
	}
	/* a single step the plugin set (TF) that landed on the switch code
	 * in the runtime page: absorbed, as the kernel absorbs one on its
	 * gates; uhost_resume restores the host's flags anyway */
	if (u && sig == SIGTRAP && (__u64)g[REG_RIP] - KPLUG_RUNTIME_BASE < PAGE) {
		g[REG_EFL] &= ~0x100;
		return;
	}
	if (!ours || sig == SIGBUDGET) {
		chain(sig, si, ucv);
		return;
	}
	fault_record(u, g);
	redirect(u, uc, UH_EXIT_SIGNAL);
}

/*
 * At every create: a handler the program installed since the last one
 * becomes the one ours chains to.  (One it installs while a user plugin
 * exists takes the plugin's faults itself: docs/libkplug.md.)
 */
static int handlers_install(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_signal,
		.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART,
	}, cur;
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fault_signals) / sizeof(int); i++) {
		if (sigaction(fault_signals[i], NULL, &cur))
			return -errno;
		if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_signal)
			continue;
		if (sigaction(fault_signals[i], &sa, &old_actions[i]))
			return -errno;
	}
	return 0;
}

/* The calling thread's alternate signal stack and budget timer. */
static int thread_setup(void)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGBUDGET,
		.sigev_value.sival_ptr = &budget_marker,
	};
	stack_t ss;

	if (thread_ready)
		return 0;
	if (sigaltstack(NULL, &ss))
		return -errno;
	if (ss.ss_flags & SS_DISABLE) {
		/* kept until the thread ends (then its memory and the
		 * timer below leak: a thread calls uhost once, they are
		 * small, and a thread's end has no hook here) */
		ss.ss_size = 64 * 1024;
		ss.ss_sp = malloc(ss.ss_size);
		ss.ss_flags = 0;
		if (!ss.ss_sp)
			return -ENOMEM;
		if (sigaltstack(&ss, NULL)) {
			free(ss.ss_sp);
			return -errno;
		}
	}
	sev._sigev_un._tid = gettid();	/* sigev_notify_thread_id */
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &thread_timer))
		return -errno;
	thread_ready = 1;
	return 0;
}

static void budget_arm(__u32 ms)
{
	struct itimerspec t = {
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L },
	};

	timer_settime(thread_timer, 0, &t, NULL);
}

/* --- The sandbox --------------------------------------------------------- */

static int ldt_set(int entry, __u32 limit_end, int code)
{
	struct user_desc d = {
		.entry_number = entry,
		.base_addr = 0,
		.limit = limit_end / PAGE - 1,
		.seg_32bit = 1,
		.contents = code ? MODIFY_LDT_CONTENTS_CODE :
				   MODIFY_LDT_CONTENTS_DATA,
		.limit_in_pages = 1,
		.useable = 1,
	};

	return syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)) ? -errno : 0;
}

/* Whether the process uses LDT entry (ours would replace it). */
static int ldt_taken(int entry)
{
	__u64 ldt[LDT_DATA + 1] = {};

	syscall(SYS_modify_ldt, 0, ldt, sizeof(ldt));
	return ldt[entry] != 0;
}

static void ldt_clear(int entry)
{
	struct user_desc d = { .entry_number = entry, .read_exec_only = 1,
			       .seg_not_present = 1 };

	syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

/*
 * Whether the CPU itself sees descriptor sel with the access bits want
 * (0xa00: code, readable; 0x200: data, writable).  modify_ldt may succeed
 * where the LDT never reaches the CPU: a PVM guest's kernel keeps its
 * LDT, but the hypervisor's descriptor tables are the ones in use.
 */
static int ldt_usable(__u16 sel, __u32 want)
{
	__u32 ar = 0;
	__u8 ok;

	asm volatile("lar %2, %0; setz %1" : "=r"(ar), "=q"(ok) : "r"((__u32)sel));
	return ok && (ar & 0x8000) && (ar & want) == want;
}

/* The x87 environment that uhost_enter() loads: invalid-operation
 * unmasked and pending (SW.IE, SW.ES), the stack empty. */
static void fpu_prepare(struct uhost *u)
{
	static const __u16 env[14] = {
		0x037e, 0,	/* CW: all masked but IM */
		0x8081, 0,	/* SW: B, ES, IE */
		0xffff, 0,	/* TW: empty */
	};
	__u16 cw;
	int i;

	memcpy(u->ctx.armed_env, env, sizeof(env));
	/* xmm0-7 canaries: distinct, nothing a plugin computes by chance */
	for (i = 0; i < 128; i++)
		u->ctx.canary[i] = 0x5a ^ (i * 37 + 11);
	/* what the words read right after arming (no exception here:
	 * fnstcw, fldenv, fnstsw and fnclex do not wait) */
	asm volatile("fnstcw %0\n\tfldenv %3\n\tfnstcw %1\n\tfnstsw %2\n\t"
		     "fnclex\n\tfldcw %0"
		     : "=m"(cw), "=m"(u->armed_cw), "=m"(u->armed_sw)
		     : "m"(u->ctx.armed_env));
}

/* What the plugin did to the FPU since it was entered; non-zero: used. */
static int fpu_used(struct uhost *u)
{
	struct uhost_ctx *c = &u->ctx;

	if (!memcmp(c->xmm, c->canary, sizeof(c->xmm)) &&
	    c->fpu_mxcsr == c->host_mxcsr && c->fpu_cw == u->armed_cw &&
	    c->fpu_sw == u->armed_sw)
		return 0;
	asm volatile("fninit\n\tfldcw %0" : : "m"(c->host_cw));
	return 1;
}

static int map(__u32 addr, __u32 len, int prot)
{
	void *p = mmap((void *)(unsigned long)addr, len, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)(unsigned long)addr) {	/* a kernel before 4.17 */
		munmap(p, len);
		return -EEXIST;
	}
	return 0;
}

static void sandbox_unmap(struct uhost *u)
{
	munmap((void *)(unsigned long)KPLUG_RUNTIME_BASE,
	       u->end - KPLUG_RUNTIME_BASE);
}

/*
 * Lay the sandbox out as kmod/sandbox.c does: runtime page, text, data and
 * bss, then per (CPU, slot) a guard page and a stack.
 */
static int sandbox_map(struct uhost *u, const struct kplug_image *img,
		       struct kplug_loader_log *log)
{
	const struct kplug_image_hdr *h = img->hdr;
	__u32 text_pages = (h->text_size + PAGE - 1) / PAGE;
	__u32 data_pages = (h->data_size + h->bss_size + PAGE - 1) / PAGE;
	__u64 span;
	__u32 i, slots;
	__u8 *rt = (__u8 *)(unsigned long)KPLUG_RUNTIME_BASE;
	int err;

	u->stack_size = h->stack_size ? h->stack_size : KPLUG_STACK_DEFAULT;
	u->nr_slots = SLOTS_PER_CPU;
	slots = possible_cpus() * u->nr_slots;
	u->code_end = KPLUG_TEXT_BASE + text_pages * PAGE;
	u->data_base = u->code_end;
	u->stacks_base = u->data_base + data_pages * PAGE;
	span = u->stacks_base + (__u64)slots * (PAGE + u->stack_size);
	if (span > KPLUG_SANDBOX_MAX) {
		kplug_loader_log(log, "sandbox of %llu bytes: over the %u limit\n",
				 (unsigned long long)span, KPLUG_SANDBOX_MAX);
		return -E2BIG;
	}
	u->end = span;

	err = map(KPLUG_RUNTIME_BASE, u->end - KPLUG_RUNTIME_BASE,
		  PROT_READ | PROT_WRITE);
	if (err) {
		kplug_loader_log(log, "user host: cannot map the sandbox at 0x%x-0x%x in this process: %s%s\n",
				 KPLUG_RUNTIME_BASE, u->end, strerror(-err),
				 err == -EEXIST ? " (something of the process, or another user plugin, is there)" :
				 err == -EPERM ? " (vm.mmap_min_addr is above 0x10000)" : "");
		return err;
	}
	memcpy(rt, uhost_runtime_start, uhost_runtime_end - uhost_runtime_start);
	memcpy(rt + PAGE, img->text, h->text_size);
	memcpy((__u8 *)(unsigned long)u->data_base, img->data, h->data_size);
	err = mprotect(rt, u->code_end - KPLUG_RUNTIME_BASE, PROT_READ | PROT_EXEC);
	for (i = 0; !err && i < slots; i++)
		err = mprotect((void *)(unsigned long)(u->stacks_base +
			       i * (PAGE + u->stack_size)), PAGE, PROT_NONE);
	if (err) {
		err = -errno;
		sandbox_unmap(u);
	}
	return err;
}

/* Point the runtime page's far pointers and context pointer at us. */
static void runtime_link(struct uhost *u)
{
	__u8 *rt = (__u8 *)(unsigned long)KPLUG_RUNTIME_BASE;
	__u32 exit64 = KPLUG_RUNTIME_BASE + (uhost_exit64 - uhost_runtime_start);
	__u32 svc64 = KPLUG_RUNTIME_BASE + (uhost_svc64 - uhost_runtime_start);
	struct uhost_ctx *ctx = &u->ctx;
	__u16 cs;

	asm("mov %%cs, %0" : "=r"(cs));
	mprotect(rt, PAGE, PROT_READ | PROT_WRITE);
	memcpy(rt + UH_RT_EXIT_FAR, &exit64, 4);
	memcpy(rt + UH_RT_EXIT_FAR + 4, &cs, 2);
	memcpy(rt + UH_RT_SVC_FAR, &svc64, 4);
	memcpy(rt + UH_RT_SVC_FAR + 4, &cs, 2);
	memcpy(rt + UH_RT_CTX, &ctx, sizeof(ctx));
	mprotect(rt, PAGE, PROT_READ | PROT_EXEC);
}

int uhost_create(const void *image, size_t len, __u32 budget_ms,
		 struct kplug_loader_log *log, struct uhost **out)
{
	struct kplug_image img;
	struct uhost *u;
	int err;

	if (len > 0xffffffffu)
		return -E2BIG;
	err = kplug_image_check(image, len, log, &img);
	if (err)
		return err;
	if (posix_memalign((void **)&u, 64, sizeof(*u)))
		return -ENOMEM;
	memset(u, 0, sizeof(*u));
	u->budget_ms = budget_ms;
	u->nr_entries = img.hdr->nr_entries;
	memcpy(u->entries, img.entries, u->nr_entries * sizeof(*u->entries));

	pthread_mutex_lock(&uhost_lock);
	if (uhost_present) {
		kplug_loader_log(log, "user host: this process runs a user plugin already (one at a time: they share the sandbox addresses)\n");
		err = -EBUSY;
		goto out_unlock;
	}
	err = handlers_install();
	if (err)
		goto out_unlock;
	if (ldt_taken(LDT_CODE) || ldt_taken(LDT_DATA)) {
		kplug_loader_log(log, "user host: this process uses LDT entries %d-%d already (modify_ldt), which the user host needs\n",
				 LDT_CODE, LDT_DATA);
		err = -EBUSY;
		goto out_unlock;
	}
	err = sandbox_map(u, &img, log);
	if (err)
		goto out_unlock;
	err = ldt_set(LDT_CODE, u->code_end, 1);
	if (!err)
		err = ldt_set(LDT_DATA, u->end, 0);
	if (err) {
		kplug_loader_log(log, "user host: modify_ldt: %s (a kernel without CONFIG_MODIFY_LDT_SYSCALL?)\n",
				 strerror(-err));
		ldt_clear(LDT_CODE);
		sandbox_unmap(u);
		goto out_unlock;
	}
	if (!ldt_usable(SEL(LDT_CODE), 0xa00) || !ldt_usable(SEL(LDT_DATA), 0x200)) {
		kplug_loader_log(log, "user host: the CPU does not see this process's LDT (LAR on selector 0x%x fails after modify_ldt): this kernel cannot run 32-bit code segments in user space (a PVM guest, for one); run it in a VM or on hardware\n",
				 SEL(LDT_CODE));
		err = -EOPNOTSUPP;
		ldt_clear(LDT_CODE);
		ldt_clear(LDT_DATA);
		sandbox_unmap(u);
		goto out_unlock;
	}
	u->ctx.code_sel = SEL(LDT_CODE);
	u->ctx.data_sel = SEL(LDT_DATA);
	u->ctx.resume = (unsigned long)uhost_resume;
	fpu_prepare(u);
	runtime_link(u);
	uhost_present = u;
	*out = u;
	u = NULL;
out_unlock:
	pthread_mutex_unlock(&uhost_lock);
	free(u);
	return err;
}

void uhost_remove(struct uhost *u)
{
	pthread_mutex_lock(&uhost_lock);
	ldt_clear(LDT_CODE);
	ldt_clear(LDT_DATA);
	sandbox_unmap(u);
	uhost_present = NULL;
	pthread_mutex_unlock(&uhost_lock);
	free(u);
}

const struct kplug_image_entry *uhost_entries(const struct uhost *u,
					      __u32 *nr)
{
	*nr = u->nr_entries;
	return u->entries;
}

void uhost_info(struct uhost *u, struct kplug_info_args *a)
{
	pthread_mutex_lock(&uhost_lock);
	a->nr_entries = u->nr_entries;
	a->budget_ms = u->budget_ms == UHOST_NO_BUDGET ? 0 : u->budget_ms;
	a->stack_size = u->stack_size;
	a->mem_bytes = u->end - KPLUG_RUNTIME_BASE;
	a->invocations = u->invocations;
	a->faults = u->faults;
	a->timeouts = u->timeouts;
	a->last_fault = u->fault;
	a->data_base = u->data_base;
	a->data_pages = (u->stacks_base - u->data_base) / PAGE;
	pthread_mutex_unlock(&uhost_lock);
}

/* --- Services (kmod/service.c's rules) ----------------------------------- */

/* [addr, addr + len) in the sandbox and mapped: anywhere readable for a
 * source, only data and stacks for a buffer we write. */
static int range_ok(struct uhost *u, __u32 addr, __u32 len, int write)
{
	__u32 lo = write ? u->data_base : KPLUG_RUNTIME_BASE;
	__u32 span = PAGE + u->stack_size, first, last;

	if (addr < lo || (__u64)addr + len > u->end)
		return 0;
	if (!len || (__u64)addr + len <= u->stacks_base)
		return 1;
	/* no byte in a stack guard: the slots the range touches */
	first = addr < u->stacks_base ? 0 : (addr - u->stacks_base) / span;
	last = (addr + len - 1 - u->stacks_base) / span;
	for (; first <= last; first++) {
		__u32 g = u->stacks_base + first * span;

		if (addr < g + PAGE && addr + len > g)
			return 0;
	}
	return 1;
}

#define PTR(a) ((void *)(unsigned long)(a))

static __u32 log_line(struct uhost *u, const char *msg, __u32 len)
{
	struct timespec ts;
	__u64 now;

	if (len && msg[len - 1] == '\n')
		len--;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec;
	if (now != u->log_window) {
		u->log_window = now;
		u->log_lines = 0;
	}
	if (u->log_lines >= KPLUG_LOG_RATE) {
		u->log_dropped++;
		return 0;
	}
	u->log_lines++;
	/* drop the oldest whole lines until the new one fits */
	while (u->log_used + len + 1 > KPLUG_LOG_SIZE) {
		char *nl = memchr(u->log, '\n', u->log_used);
		__u32 n = nl - u->log + 1;

		memmove(u->log, u->log + n, u->log_used - n);
		u->log_used -= n;
	}
	memcpy(u->log + u->log_used, msg, len);
	u->log[u->log_used + len] = '\n';
	u->log_used += len + 1;
	return len;
}

int uhost_log_read(struct uhost *u, char *buf, size_t size, int clear,
		   __u64 *dropped)
{
	__u32 n, start;

	pthread_mutex_lock(&uhost_lock);
	n = size < u->log_used ? size : u->log_used;
	start = u->log_used - n;
	/* whole lines only */
	while (n && start && u->log[start - 1] != '\n') {
		start++;
		n--;
	}
	memcpy(buf, u->log + start, n);
	if (dropped)
		*dropped = u->log_dropped;
	if (clear)
		u->log_used = 0;
	pthread_mutex_unlock(&uhost_lock);
	return n;
}

/* The plugin's service call (ctx: its registers; ESP at the thunk's
 * return address, the arguments above it). */
static int service(struct uhost *u, struct kplug_fault *f)
{
	struct uhost_ctx *c = &u->ctx;
	__u32 nr = c->eax, esp = c->esp, a[2], bad = 0, n;
	char comm[16];
	__u64 ret = 0;
	struct timespec ts;

	if (!range_ok(u, esp + 4, sizeof(a), 0)) {
		bad = esp;
		goto fault;
	}
	memcpy(a, PTR(esp + 4), sizeof(a));
	switch (nr) {
	case KPLUG_SVC_LOG:
		a[1] = a[1] < KPLUG_LOG_LINE_MAX ? a[1] : KPLUG_LOG_LINE_MAX;
		if (!range_ok(u, a[0], a[1], 0))
			goto bad_arg;
		ret = log_line(u, PTR(a[0]), a[1]);
		break;
	case KPLUG_SVC_TIME_NS:
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ret = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		break;
	case KPLUG_SVC_RANDOM:
		if (a[1] > RANDOM_MAX || !range_ok(u, a[0], a[1], 1))
			goto bad_arg;
		for (ret = 0; ret < a[1]; ret += n) {
			ssize_t r = getrandom(PTR(a[0] + ret), a[1] - ret, 0);

			if (r < 0 && errno != EINTR)
				goto bad_arg;
			n = r > 0 ? r : 0;
		}
		break;
	case KPLUG_SVC_CPU:
		ret = sched_getcpu();
		break;
	case KPLUG_SVC_PID:
		ret = getpid();
		break;
	case KPLUG_SVC_TID:
		ret = gettid();
		break;
	case KPLUG_SVC_COMM:
		if (!a[1] || !range_ok(u, a[0], a[1], 1))
			goto bad_arg;
		memset(comm, 0, sizeof(comm));
		prctl(PR_GET_NAME, comm);
		ret = strlen(comm) + 1 < a[1] ? strlen(comm) + 1 : a[1];
		comm[ret - 1] = '\0';
		memcpy(PTR(a[0]), comm, ret);
		ret--;
		break;
	case KPLUG_SVC_OUT_LEN:
		if (a[0] > u->out_len)
			goto bad_arg;
		u->out_written = a[0];
		u->out_reported = 1;
		ret = a[0];
		break;
	default:
		goto fault;
	}
	/* back to the thunk's ret */
	c->eip = KPLUG_RUNTIME_BASE + nr * UH_RT_THUNK + UH_RT_THUNK_RET;
	c->eax = ret;
	c->edx = ret >> 32;
	c->ecx = 0;
	return 0;

bad_arg:
	bad = a[0];
fault:
	f->kind = KPLUG_FAULT_SERVICE;
	f->vector = KPLUG_FAULT_VECTOR_SERVICE;
	f->error_code = nr;
	f->eip = KPLUG_RUNTIME_BASE + nr * UH_RT_THUNK + UH_RT_THUNK_RET;
	f->cr2 = bad;
	return -EIO;
}

/* --- Invocation ---------------------------------------------------------- */

struct entry_frame {		/* kmod/run.c's */
	__u32 ret;
	__u32 args[KPLUG_MAX_ARGS];
	__u32 in, in_len, out, out_len;
};

int uhost_invoke(struct uhost *u, __u32 entry, const __u32 *args,
		 unsigned int nargs, const void *in, __u32 in_len, void *out,
		 __u32 out_len, __u32 budget_ms, __u32 *result,
		 struct kplug_fault *fault, __u32 *out_written)
{
	struct entry_frame frame = {
		.ret = KPLUG_RUNTIME_BASE, .in_len = in_len, .out_len = out_len,
	};
	struct uhost_ctx *c = &u->ctx;
	__u32 addr, ms;
	int err;

	if (entry >= u->nr_entries || nargs > KPLUG_MAX_ARGS)
		return -EINVAL;
	if ((__u64)in_len + out_len > u->stack_size / 2)
		return -E2BIG;
	err = thread_setup();
	if (err)
		return err;
	pthread_mutex_lock(&uhost_lock);

	/* the frame in slot 0 of CPU 0, as kmod/run.c builds it */
	addr = u->stacks_base + PAGE + u->stack_size;
	if (in_len) {
		addr = (addr - in_len) & ~15u;
		frame.in = addr;
		memcpy(PTR(addr), in, in_len);
	}
	if (out_len) {
		addr = (addr - out_len) & ~15u;
		frame.out = addr;
		memset(PTR(addr), 0, out_len);
	}
	memcpy(frame.args, args, nargs * sizeof(*args));
	c->esp = ((addr - 64) & ~15u) + 16 - offsetof(struct entry_frame, args);
	memcpy(PTR(c->esp), &frame, sizeof(frame));
	c->eip = KPLUG_TEXT_BASE + u->entries[entry].offset;
	c->eax = c->ebx = c->ecx = c->edx = c->esi = c->edi = c->ebp = 0;

	memset(&u->fault, 0, sizeof(u->fault));
	u->timed_out = 0;
	u->out_len = out_len;
	u->out_reported = 0;
	ms = budget_ms ? budget_ms : u->budget_ms ? u->budget_ms : BUDGET_MS;
	if (ms > BUDGET_MAX_MS)
		ms = BUDGET_MAX_MS;
	uhost_running = u;
	if (u->budget_ms != UHOST_NO_BUDGET)
		budget_arm(ms);
	for (;;) {
		unsigned int reason = uhost_enter(c);

		if (fpu_used(u) && reason != UH_EXIT_SIGNAL) {
			u->fault = (struct kplug_fault){
				.kind = KPLUG_FAULT_FPU, .vector = 7,
			};
			err = -EIO;
			break;
		}
		if (reason == UH_EXIT_RETURN) {
			*result = c->eax;
			err = 0;
			break;
		}
		if (reason == UH_EXIT_SIGNAL) {
			err = u->fault.kind ? -EIO : -ETIME;
			break;
		}
		err = service(u, &u->fault);
		if (!err && u->timed_out)
			err = -ETIME;
		if (err)
			break;
	}
	if (u->budget_ms != UHOST_NO_BUDGET)
		budget_arm(0);
	uhost_running = NULL;
	u->invocations++;
	u->faults += err == -EIO;
	u->timeouts += err == -ETIME;
	if (err == -EIO)
		*fault = u->fault;
	if (!err && out_len)
		memcpy(out, PTR(frame.out), out_len);
	*out_written = u->out_reported ? u->out_written : out_len;
	pthread_mutex_unlock(&uhost_lock);
	return err;
}
