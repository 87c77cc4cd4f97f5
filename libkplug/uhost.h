/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The user-space host (uhost.c, uhost_switch.S): what the C side and the
 * switch code share.  The offsets are checked against the struct with
 * static asserts in uhost.c; the assembly reads them from here.
 */
#ifndef LIBKPLUG_UHOST_H
#define LIBKPLUG_UHOST_H

/* struct uhost_ctx, byte offsets */
#define UH_HOST_RSP	0	/* host stack inside uhost_enter() */
#define UH_RESUME	8	/* &uhost_resume, for the runtime page */
#define UH_REASON	16	/* why the plugin stopped: UH_EXIT_* */
#define UH_EIP		20	/* m16:32 far pointer uhost_enter() jumps */
#define UH_CODE_SEL	24	/* through: EIP, then the code selector */
#define UH_DATA_SEL	26
#define UH_ESP		28	/* plugin ESP: at entry, and at a service */
#define UH_EAX		32	/* plugin registers: loaded at entry, */
#define UH_EBX		36	/* saved at a service call (EAX: its */
#define UH_ECX		40	/* number), EAX saved at exit (the */
#define UH_EDX		44	/* result) */
#define UH_ESI		48
#define UH_EDI		52
#define UH_EBP		56
#define UH_HOST_DS	60
#define UH_HOST_ES	62
#define UH_HOST_SS	64
#define UH_HOST_CW	66	/* x87 control word, callee-saved */
#define UH_HOST_MXCSR	68	/* callee-saved too */
#define UH_FPU_CW	72	/* what the plugin left: x87 CW, SW, MXCSR */
#define UH_FPU_SW	74
#define UH_FPU_MXCSR	76
#define UH_ARMED_ENV	80	/* 28-byte x87 environment, 16-aligned */
#define UH_CANARY	112	/* xmm0-7 at entry, 16-aligned, 128 bytes */
#define UH_XMM		240	/* xmm0-7 as the plugin left them */
#define UH_CTX_SIZE	368

#define UH_EXIT_RETURN	0	/* the entry returned (exit stub) */
#define UH_EXIT_SERVICE	1	/* a service call */
#define UH_EXIT_SIGNAL	2	/* a fault or the budget (signal handler) */

/* The runtime page (uhost_runtime_start .. _end), copied to
 * KPLUG_RUNTIME_BASE: exit stub at 0, service thunk n at 16 * n (its
 * `ret` at 12, where a service returns to), then the two far pointers and
 * the context pointer the switch code reads. */
#define UH_RT_THUNK	16
#define UH_RT_THUNK_RET	12
#define UH_RT_EXIT_FAR	144	/* m16:32 -> uhost_exit64: past the thunk of
				 * the last service (KPLUG_SVC_COUNT - 1) */
#define UH_RT_SVC_FAR	152	/* m16:32 -> uhost_svc64 */
#define UH_RT_CTX	160	/* struct uhost_ctx * */
#define UH_RT_CODE64	176	/* the 64-bit landing code */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <linux/types.h>

struct uhost_ctx {
	__u64 host_rsp;
	__u64 resume;
	__u32 reason;
	__u32 eip;
	__u16 code_sel, data_sel;
	__u32 esp;
	__u32 eax, ebx, ecx, edx, esi, edi, ebp;
	__u16 host_ds, host_es, host_ss;
	__u16 host_cw;
	__u32 host_mxcsr;
	__u16 fpu_cw, fpu_sw;
	__u32 fpu_mxcsr;
	__u8 armed_env[32];
	__u8 canary[128];
	__u8 xmm[128];
} __attribute__((aligned(16)));

/*
 * uhost_switch.S.  uhost_enter: run the plugin at ctx->eip, ctx->esp with
 * ctx's registers until it leaves (exit stub, service call, or a signal
 * handler that redirected it to uhost_resume); returns ctx->reason.
 */
unsigned int uhost_enter(struct uhost_ctx *ctx);
extern const unsigned char uhost_runtime_start[], uhost_runtime_end[];
extern const unsigned char uhost_exit64[], uhost_svc64[];
void uhost_resume(void);

/*
 * uhost.c, for libkplug.c: 0 or a negative errno.  uhost_create
 * validates the image (kmod/image.c, the kernel's own validator) and maps
 * its sandbox; budget_ms: default budget of a call, 0 = 1000 ms,
 * UHOST_NO_BUDGET = none.
 */
#define UHOST_NO_BUDGET	0xffffffffu
struct uhost;
struct kplug_loader_log;
struct kplug_image_entry;
struct kplug_fault;
int uhost_create(const void *image, size_t len, __u32 budget_ms,
		 struct kplug_loader_log *log, struct uhost **out);
int uhost_invoke(struct uhost *u, __u32 entry, const __u32 *args,
		 unsigned int nargs, const void *in, __u32 in_len, void *out,
		 __u32 out_len, __u32 budget_ms, __u32 *result,
		 struct kplug_fault *fault,
		 __u32 *out_written);
const struct kplug_image_entry *uhost_entries(const struct uhost *u,
					      __u32 *nr);
struct kplug_info_args;
void uhost_info(struct uhost *u, struct kplug_info_args *a);
int uhost_log_read(struct uhost *u, char *buf, size_t size, int clear,
		   __u64 *dropped);
void uhost_remove(struct uhost *u);
#endif

#endif /* LIBKPLUG_UHOST_H */
