// SPDX-License-Identifier: GPL-2.0
/*
 * Holds one perf event on itself for as long as it runs, which keeps
 * Linux's perf_sched_events static key on: tests/vm/suite.sh starts it
 * before the tests and leaves it running until the VM powers off.
 *
 * Why: the tests that use hardware breakpoints (ptrace's debug registers,
 * perf) would otherwise switch that key on and off again and again, and
 * each switch rewrites code in the scheduler while the other vCPU runs it.
 * QEMU 7.2's multi-threaded TCG can keep a stale translation of such a
 * site (one vCPU translates the page between the other's invalidation and
 * its store): the guest then executes an int3 the kernel has long
 * removed and oopses ("Oops: int3", no kplug code involved).  With the key
 * held on, the tests patch nothing there.
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
		.config = PERF_COUNT_SW_DUMMY,
	};

	/* Bound to this task: Linux counts it in perf_sched_events. */
	if (syscall(SYS_perf_event_open, &a, 0, -1, -1, 0) < 0) {
		perror("hold_sched_events: perf_event_open");
		return 1;
	}
	for (;;)
		pause();
}
