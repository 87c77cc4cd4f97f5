// SPDX-License-Identifier: GPL-2.0
/*
 * Service calls: what a plugin may ask of the kernel (uapi/kplug.h lists
 * them).  A plugin calls a thunk in its runtime page, which loads the
 * service number into EAX and calls the service gate; the run loop comes
 * here in host state, with the plugin's registers in ctx->regs and its
 * arguments on its own stack.  Every pointer and length it passes is
 * checked against its sandbox before the kernel touches the memory; a bad
 * one faults the plugin (KPLUG_FAULT_SERVICE), never the kernel.
 */
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "compat.h"
#include "internal.h"
#include "../trampoline/world_switch.h"


#define RANDOM_MAX	4096

/*
 * [addr, addr + len) inside the plugin's memory: anywhere it can read for
 * a source, only data and stacks for a buffer the kernel writes (never its
 * code, which is read-only to it).
 */
static bool range_ok(struct kplug_sandbox *sb, u32 addr, u32 len, bool write)
{
	u32 lo = write ? sb->data_base : KPLUG_RUNTIME_BASE;

	return addr >= lo && (u64)addr + len <= sb->end;
}

/* One line into the plugin's log ring; rate-limited per plugin. */
static u32 log_line(struct kplug_plugin *p, const char *msg, u32 len)
{
	struct kplug_log_ring *ring = p->log;
	u64 now = ktime_get_ns();
	unsigned long flags;
	u32 i, over, tail;

	if (len && msg[len - 1] == '\n')
		len--;
	/* irqsave: a plugin in softirq may log while a task's plugin holds it */
	spin_lock_irqsave(&ring->lock, flags);
	if (now - ring->window_start >= NSEC_PER_SEC) {
		ring->window_start = now;
		ring->window_lines = 0;
	}
	if (ring->window_lines >= KPLUG_LOG_RATE) {
		ring->dropped++;
		spin_unlock_irqrestore(&ring->lock, flags);
		return 0;
	}
	ring->window_lines++;
	over = ring->used + len + 1;
	if (over > KPLUG_LOG_SIZE) {
		/*
		 * The line overwrites the oldest `over` bytes.  If they end
		 * inside a line, drop the rest of that line as well: the log
		 * then always starts with a whole line, never a tail.
		 */
		over -= KPLUG_LOG_SIZE;
		ring->used -= over;
		tail = (ring->head + KPLUG_LOG_SIZE - ring->used) % KPLUG_LOG_SIZE;
		while (ring->used &&
		       ring->buf[(tail + KPLUG_LOG_SIZE - 1) % KPLUG_LOG_SIZE] != '\n') {
			tail = (tail + 1) % KPLUG_LOG_SIZE;
			ring->used--;
		}
	}
	for (i = 0; i <= len; i++) {
		ring->buf[ring->head] = i < len ? msg[i] : '\n';
		ring->head = (ring->head + 1) % KPLUG_LOG_SIZE;
	}
	ring->used += len + 1;
	spin_unlock_irqrestore(&ring->lock, flags);
	return len;
}

int kplug_service(struct kplug_plugin *p, struct kplug_call *call,
		  struct kplug_regs *regs, struct kplug_fault *fault)
{
	struct kplug_sandbox *sb = &p->sb;
	u32 nr = regs->rax, a[2] = {}, bad = 0;
	char buf[KPLUG_LOG_LINE_MAX], comm[TASK_COMM_LEN];
	u8 random[64];
	u32 n;
	u64 ret = 0;

	/* cdecl: the arguments sit above the thunk's return address */
	if (kplug_sandbox_read(sb, regs->rsp + 4, a, sizeof(a))) {
		bad = regs->rsp;
		goto fault;
	}
	switch (nr) {
	case KPLUG_SVC_LOG:
		a[1] = min_t(u32, a[1], KPLUG_LOG_LINE_MAX);
		if (!range_ok(sb, a[0], a[1], false) ||
		    kplug_sandbox_read(sb, a[0], buf, a[1]))
			goto bad_arg;
		ret = log_line(p, buf, a[1]);
		break;
	case KPLUG_SVC_TIME_NS:
		ret = ktime_get_ns();
		break;
	case KPLUG_SVC_RANDOM:
		if (a[1] > RANDOM_MAX || !range_ok(sb, a[0], a[1], true))
			goto bad_arg;
		/* in pieces through the stack: no allocation in atomic context */
		for (ret = 0; ret < a[1]; ret += n) {
			n = min_t(u32, a[1] - ret, sizeof(random));
			get_random_bytes(random, n);
			if (kplug_sandbox_write(sb, a[0] + ret, random, n))
				goto bad_arg;
		}
		break;
	case KPLUG_SVC_CPU:
		ret = raw_smp_processor_id();
		break;
	case KPLUG_SVC_PID:
		ret = task_tgid_vnr(current);
		break;
	case KPLUG_SVC_TID:
		ret = task_pid_vnr(current);
		break;
	case KPLUG_SVC_COMM:
		if (!a[1] || !range_ok(sb, a[0], a[1], true))
			goto bad_arg;
		/* not get_task_comm(): its task_lock() would deadlock in a
		 * softirq or kprobe that interrupted a holder of the lock */
		strscpy_pad(comm, current->comm, sizeof(comm));
		ret = min_t(u32, strlen(comm) + 1, a[1]);
		comm[ret - 1] = '\0';
		if (kplug_sandbox_write(sb, a[0], comm, ret))
			goto bad_arg;
		ret--;
		break;
	case KPLUG_SVC_OUT_LEN:
		if (a[0] > call->out_len)
			goto bad_arg;
		call->out_written = a[0];
		call->out_reported = true;
		ret = a[0];
		break;
	default:
		goto fault;
	}
	regs->rax = (u32)ret;
	regs->rdx = (u32)(ret >> 32);
	return 0;

bad_arg:
	bad = a[0];
fault:
	fault->kind = KPLUG_FAULT_SERVICE;
	fault->vector = KPLUG_FAULT_VECTOR_SERVICE;
	fault->error_code = nr;
	fault->eip = regs->rip;
	fault->cr2 = bad;
	return -EIO;
}

/* KPLUG_IOC_LOG: the newest bytes of the log, oldest first. */
u32 kplug_log_read(struct kplug_plugin *p, char *dst, u32 size, bool clear,
		   u64 *dropped)
{
	struct kplug_log_ring *ring = p->log;
	unsigned long flags;
	u32 n, start, i;

	spin_lock_irqsave(&ring->lock, flags);
	n = min(size, ring->used);
	start = (ring->head + KPLUG_LOG_SIZE - n) % KPLUG_LOG_SIZE;
	/* a buffer smaller than the log gets whole lines too */
	while (n && n < ring->used &&
	       ring->buf[(start + KPLUG_LOG_SIZE - 1) % KPLUG_LOG_SIZE] != '\n') {
		start = (start + 1) % KPLUG_LOG_SIZE;
		n--;
	}
	for (i = 0; i < n; i++)
		dst[i] = ring->buf[(start + i) % KPLUG_LOG_SIZE];
	*dropped = ring->dropped;
	if (clear)
		ring->used = 0;
	spin_unlock_irqrestore(&ring->lock, flags);
	return n;
}
