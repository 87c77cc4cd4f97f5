// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space host (libkplug's KPLUG_CREATE_USER): plugins run in this
 * process.  Built twice: for the test VM (build/tests/uhost_test, where
 * the differential tests also run every case in the kernel and compare)
 * and for the build machine (build/host/uhost_test).  Where the CPU does
 * not see the process's LDT (a PVM guest, such as the build machine), the
 * one check is that the host refuses cleanly; the rest is skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../libkplug/libkplug.h"
#include "plugin_image.h"
#include "kselftest_harness.h"

#ifndef PLUGINS
#define PLUGINS PLUGIN_DIR	/* the host build passes build/plugins/ */
#endif
#ifndef KPLUGCTL
#define KPLUGCTL "/kplug/tools/kplugctl"	/* the host build: build/tools/ */
#endif

static const char src[] =
	"static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
	"u32 sum(u32 a, u32 b) { return a + b; }\n"
	"u32 fibonacci(u32 n) { return fib(n); }\n"
	"u32 upcase(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"           const char *in, u32 in_len, char *out, u32 out_len)\n"
	"{\n"
	"	u32 i;\n"
	"	for (i = 0; i < in_len && i < out_len; i++)\n"
	"		out[i] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i];\n"
	"	return i;\n"
	"}\n"
	"u32 divide(u32 a, u32 b) { return a / b; }\n"
	"u32 poke(u32 addr) { *(volatile u32 *)addr = 1; return 0; }\n"
	"u32 deep(u32 n) { volatile u32 pad[64]; pad[0] = n; return n ? deep(n - 1) + pad[0] : 0; }\n"
	"u32 forever(void) { volatile u32 x = 0; for (;;) x++; return x; }\n"
	"u32 svcloop(void) { u32 x = 0; for (;;) x += kplug_cpu(); return x; }\n"
	"u32 say(u32 n) { return kplug_printf(\"say %u\", n); }\n"
	"u32 ids(u32 which) { return which == 0 ? kplug_pid() : which == 1 ? kplug_tid() : kplug_cpu(); }\n"
	"u32 comm(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"         const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ return kplug_comm(out, out_len); }\n"
	"u32 rnd(u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5,\n"
	"        const void *in, u32 in_len, char *out, u32 out_len)\n"
	"{ return kplug_random(out, out_len); }\n"
	"u32 elapsed(void) { u64 t = kplug_time_ns(); u64 u = kplug_time_ns(); return u >= t; }\n"
	"u32 badlog(u32 addr) { return kplug_log((const char *)addr, 4); }\n";

/* Whether this machine runs user plugins; if not, why (the loader log). */
static char why[512];

static int uhost_usable(void)
{
	static int usable = -1;

	if (usable < 0) {
		KPLUG_OPTS(o, .flags = KPLUG_CREATE_USER, .log_buf = why,
			   .log_size = sizeof(why));
		struct kplug *p = kplug_create("probe", "u32 f(void) { return 0; }", &o);

		usable = !!p;
		kplug_remove(p);
	}
	return usable;
}

#define NEED_UHOST() \
	do { if (!uhost_usable()) SKIP(return, "user host unavailable: %s", why); } while (0)

static struct kplug *user_create(struct __test_metadata *_metadata,
				 __u32 budget_ms)
{
	char log[4096] = "";
	KPLUG_OPTS(o, .flags = KPLUG_CREATE_USER, .log_buf = log,
		   .log_size = sizeof(log), .budget_ms = budget_ms);
	struct kplug *p = kplug_create("uhost", src, &o);

	EXPECT_NE(NULL, p) TH_LOG("create: %s\n%s", strerror(errno), log);
	return p;
}

static int call(struct kplug *p, const char *entry, __u32 a0, __u32 *r)
{
	return kplug_invoke(p, entry, &a0, 1, NULL, 0, NULL, 0, r);
}

TEST(refuses_cleanly_or_runs)
{
	char log[4096] = "";
	KPLUG_OPTS(o, .flags = KPLUG_CREATE_USER, .log_buf = log,
		   .log_size = sizeof(log));
	struct kplug *p = kplug_create("uhost", src, &o), *q;
	__u32 r = 0;

	if (!p) {
		/* the build machine: say exactly why, touch nothing */
		EXPECT_EQ(EOPNOTSUPP, errno);
		EXPECT_NE(NULL, strstr(log, "LDT")) TH_LOG("log: %s", log);
		EXPECT_EQ(0, access("/proc/self/maps", R_OK));
		q = kplug_create("uhost", src, &o);	/* nothing left mapped */
		EXPECT_EQ(NULL, q);
		EXPECT_EQ(EOPNOTSUPP, errno);
		return;
	}
	/* one per process: the sandbox has fixed addresses */
	q = kplug_create("other", src, &o);
	EXPECT_EQ(NULL, q);
	EXPECT_EQ(EBUSY, errno);
	EXPECT_NE(NULL, strstr(log, "one at a time")) TH_LOG("log: %s", log);
	EXPECT_EQ(0, call(p, "sum", 40, &r));
	EXPECT_EQ(-EOPNOTSUPP, kplug_attach(p, "netfilter:ipv4_local_in", "sum"));
	EXPECT_EQ(NULL, kplug_map_data(p, &(size_t){ 0 }));
	EXPECT_EQ(0, kplug_remove(p));
	/* and the addresses are free again */
	p = kplug_create("uhost", src, &o);
	ASSERT_NE(NULL, p) TH_LOG("%s", log);
	kplug_remove(p);
}

TEST(calls_and_buffers)
{
	__u32 args[2] = { 40, 2 }, r = 0;
	char out[16] = "";
	struct kplug *p;

	NEED_UHOST();
	p = user_create(_metadata, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, kplug_invoke(p, "sum", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(42, r);
	EXPECT_EQ(0, call(p, "fibonacci", 24, &r));
	EXPECT_EQ(46368, r);
	EXPECT_EQ(0, kplug_invoke(p, "upcase", NULL, 0, "hello", 5, out, 8, &r));
	EXPECT_EQ(5, r);
	EXPECT_EQ(0, memcmp(out, "HELLO\0\0\0", 8));
	EXPECT_EQ(-ENOENT, kplug_invoke(p, "nope", NULL, 0, NULL, 0, NULL, 0, &r));
	/* in + out at most half the 16 KiB stack, as in the kernel */
	EXPECT_EQ(-E2BIG, kplug_invoke(p, "upcase", NULL, 0, out, 8, out, 8192, &r));
	kplug_remove(p);
}

TEST(services)
{
	char out[64] = "", comm[16] = "", log[512];
	struct kplug *p;
	__u32 r = 0;
	int n;

	NEED_UHOST();
	p = user_create(_metadata, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, call(p, "ids", 0, &r));
	EXPECT_EQ(getpid(), r);
	EXPECT_EQ(0, call(p, "ids", 1, &r));
	EXPECT_EQ(gettid(), r);
	EXPECT_EQ(0, call(p, "ids", 2, &r));
	EXPECT_GT(sysconf(_SC_NPROCESSORS_CONF), r);
	EXPECT_EQ(0, call(p, "elapsed", 0, &r));
	EXPECT_EQ(1, r);
	prctl(PR_GET_NAME, comm);
	EXPECT_EQ(0, kplug_invoke(p, "comm", NULL, 0, NULL, 0, out, 16, &r));
	EXPECT_EQ(strlen(comm), r);
	EXPECT_STREQ(comm, out);
	memset(out, 0, sizeof(out));
	EXPECT_EQ(0, kplug_invoke(p, "rnd", NULL, 0, NULL, 0, out, 64, &r));
	EXPECT_EQ(64, r);
	EXPECT_NE(0, memcmp(out, out + 32, 32));
	EXPECT_EQ(0, call(p, "say", 7, &r));
	EXPECT_EQ(5, r);
	n = kplug_read_log(p, log, sizeof(log), 1, NULL);
	EXPECT_EQ(6, n);
	EXPECT_EQ(0, memcmp(log, "say 7\n", 6));
	/* a pointer into the null guard: a service fault, not a crash */
	EXPECT_EQ(-EIO, call(p, "badlog", 0x100, &r));
	EXPECT_EQ(KPLUG_FAULT_SERVICE, kplug_last_fault()->kind);
	EXPECT_EQ(KPLUG_SVC_LOG, kplug_last_fault()->error_code);
	EXPECT_EQ(0x100, kplug_last_fault()->cr2);
	kplug_remove(p);
}

TEST(faults_and_budget)
{
	const struct kplug_fault *f = kplug_last_fault();
	struct timespec t0, t1;
	struct kplug *p;
	__u32 args[2] = { 1, 0 }, r = 0;

	NEED_UHOST();
	p = user_create(_metadata, 100);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-EIO, call(p, "poke", 16, &r));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, f->kind);
	EXPECT_EQ(14, f->vector);
	EXPECT_EQ(16, f->cr2);
	EXPECT_EQ(2, f->error_code);	/* a write, not present, supervisor */
	EXPECT_LE(KPLUG_TEXT_BASE, f->eip);
	EXPECT_EQ(-EIO, kplug_invoke(p, "divide", args, 2, NULL, 0, NULL, 0, &r));
	EXPECT_EQ(KPLUG_FAULT_DIVIDE, f->kind);
	EXPECT_EQ(0, f->vector);
	EXPECT_EQ(-EIO, call(p, "deep", 100000, &r));
	EXPECT_EQ(KPLUG_FAULT_STACK, f->kind);
	/* the text is read-only: a write is a protection fault */
	EXPECT_EQ(-EIO, call(p, "poke", KPLUG_TEXT_BASE, &r));
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, f->kind);
	EXPECT_EQ(3, f->error_code);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIME, call(p, "forever", 0, &r));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_GT(5, t1.tv_sec - t0.tv_sec);
	/* and the plugin still works */
	EXPECT_EQ(0, call(p, "fibonacci", 10, &r));
	EXPECT_EQ(55, r);
	kplug_remove(p);
}

/* The budget also stops a plugin that spends it in service calls. */
TEST(budget_spent_in_services)
{
	struct kplug *p;
	__u32 r;

	NEED_UHOST();
	p = user_create(_metadata, 50);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-ETIME, call(p, "svcloop", 0, &r));
	EXPECT_EQ(0, call(p, "fibonacci", 10, &r));
	EXPECT_EQ(55, r);
	kplug_remove(p);
}

static sigjmp_buf host_fault_jmp;
static volatile int host_faults;
static volatile int *volatile host_bad = (int *)8;

static void host_segv(int sig)
{
	host_faults++;
	siglongjmp(host_fault_jmp, 1);
}

/* The program's own SIGSEGV handler still gets the program's faults. */
TEST(host_faults_reach_the_host_handler)
{
	struct sigaction sa = { .sa_handler = host_segv };
	struct kplug *p;
	__u32 r;

	NEED_UHOST();
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	p = user_create(_metadata, 0);	/* installs libkplug's handler */
	ASSERT_NE(NULL, p);
	if (!sigsetjmp(host_fault_jmp, 1))
		*host_bad = 1;		/* the host's own bug */
	EXPECT_EQ(1, host_faults);
	EXPECT_EQ(-EIO, call(p, "poke", 16, &r));	/* the plugin's */
	EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, kplug_last_fault()->kind);
	EXPECT_EQ(1, host_faults);
	if (!sigsetjmp(host_fault_jmp, 1))
		*host_bad = 1;
	EXPECT_EQ(2, host_faults);
	kplug_remove(p);
}

static void *fib_thread(void *arg)
{
	__u32 i, r, bad = 0;

	for (i = 0; i < 50; i++)
		bad += call(arg, "fibonacci", 15, &r) || r != 610;
	return (void *)(unsigned long)bad;
}

/* Threads share a user plugin; calls are serialised, each correct. */
TEST(threads)
{
	pthread_t t[4];
	struct kplug *p;
	void *bad;
	int i;

	NEED_UHOST();
	p = user_create(_metadata, 0);
	ASSERT_NE(NULL, p);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, fib_thread, p));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &bad));
		EXPECT_EQ(NULL, bad);
	}
	kplug_remove(p);
}

/* A NASM test plugin (build/plugins/NAME.bin, entry main) as a user plugin. */
static struct kplug *nasm_plugin(const char *file, __u32 flags)
{
	char path[256], buf[65536];
	__u32 len;
	ssize_t n;
	void *img;
	struct kplug *p;
	int fd;
	KPLUG_OPTS(o, .flags = flags, .budget_ms = 5000);

	snprintf(path, sizeof(path), PLUGINS "%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	img = n > 0 ? image_from_text(buf, n, 0, &len) : NULL;
	p = img ? kplug_create_image(file[0] == 'f' ? "fpu" : "nasm", img, len, &o) : NULL;
	free(img);
	return p;
}

/*
 * QEMU's TCG, not a CPU: the x87 and segment-limit checks below behave
 * differently there.  TCG's hypervisor signature is "TCGTCGTCGTCG"
 * (whatever CPU model it shows); Bochs and KVM run them like hardware.
 */
static int emulated(void)
{
	unsigned int a = 1, b, c = 0, d;
	char sig[13] = "";

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c >> 31))		/* no hypervisor */
		return 0;
	a = 0x40000000;
	c = 0;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	return !strcmp(sig, "TCGTCGTCGTCG");
}

TEST(fpu_use_faults_and_host_fpu_survives)
{
	/* fpu.asm: 1 fninit 2 fld1 3 movaps 5 emms 8 pxor 9 fwait */
	static const __u32 which[] = { 1, 2, 3, 5, 8, 9 };
	const struct kplug_fault *f = kplug_last_fault();
	volatile double x = 1.5, y;
	unsigned int i, mxcsr0, mxcsr1;
	unsigned short cw0, cw1;
	struct kplug *p;
	int err;
	__u32 r;

	NEED_UHOST();
	p = nasm_plugin("fpu.bin", KPLUG_CREATE_USER);
	ASSERT_NE(NULL, p);
	asm volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr0), "=m"(cw0));
	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		err = call(p, "main", which[i], &r);
		if (which[i] == 5 && !err && emulated()) {
			/* TCG raises no #MF for MMX with an x87 exception
			 * pending, and emms changes nothing compared */
			TH_LOG("emms went unnoticed under QEMU TCG (a CPU raises #MF)");
			continue;
		}
		EXPECT_EQ(-EIO, err) TH_LOG("fpu(%u)", which[i]);
		EXPECT_EQ(KPLUG_FAULT_FPU, f->kind) TH_LOG("fpu(%u)", which[i]);
	}
	/*
	 * x87 use faults at the instruction (#MF, with its EIP) on a CPU;
	 * TCG does not check for the pending exception, and the exit
	 * check catches it instead (vector 7, EIP 0).
	 */
	EXPECT_EQ(-EIO, call(p, "main", 2, &r));
	if (!emulated()) {
		EXPECT_EQ(16, f->vector);
		EXPECT_LT(KPLUG_TEXT_BASE, f->eip);
	} else {
		EXPECT_TRUE((f->vector == 16 && f->eip > KPLUG_TEXT_BASE) ||
			    (f->vector == 7 && !f->eip));
	}
	/* SSE writes are caught at the exit */
	EXPECT_EQ(-EIO, call(p, "main", 8, &r));
	EXPECT_EQ(7, f->vector);
	EXPECT_EQ(0, f->eip);
	EXPECT_EQ(0, call(p, "main", 0, &r));
	EXPECT_EQ(0xf00, r);
	asm volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr1), "=m"(cw1));
	EXPECT_EQ(mxcsr0, mxcsr1);
	EXPECT_EQ(cw0, cw1);
	y = x * x + (long double)x;	/* the x87 works again */
	EXPECT_EQ(3.75, y);
	kplug_remove(p);
}

/*
 * The LDT segments have the kernel's limits: code ends at data_base, data
 * and stack at the sandbox's end.  Which layer stops an access past the
 * data limit: the limit (#GP(0), kind limit) where the CPU checks it
 * (hardware, Bochs), paging (#PF at the end) under QEMU's TCG, which
 * does not (docs/security.md).
 */
TEST(segment_limits_are_the_kernels)
{
	struct kplug_info_args info = {};
	const struct kplug_fault *f = kplug_last_fault();
	struct kplug *p;
	__u32 r, end;

	NEED_UHOST();
	p = nasm_plugin("limits.bin", KPLUG_CREATE_USER);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, kplug_info(p, &info));
	end = KPLUG_RUNTIME_BASE + info.mem_bytes;
	EXPECT_EQ(0, call(p, "main", 5, &r));
	EXPECT_EQ(end - 1, r);
	EXPECT_EQ(0, call(p, "main", 6, &r));
	EXPECT_EQ(info.data_base - 1, r);
	EXPECT_EQ(-EIO, call(p, "main", 1, &r));
	if (emulated()) {
		EXPECT_EQ(KPLUG_FAULT_BAD_ACCESS, f->kind);
		EXPECT_EQ(end, f->cr2);
		TH_LOG("past the DS limit: stopped by paging (QEMU TCG checks no data limits)");
	} else {
		EXPECT_EQ(KPLUG_FAULT_LIMIT, f->kind);
		EXPECT_EQ(13, f->vector);
		EXPECT_EQ(0, f->error_code);
		TH_LOG("past the DS limit: stopped by the limit");
	}
	kplug_remove(p);
}

TEST(runs_as_non_root)
{
	int status;
	pid_t pid;

	NEED_UHOST();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		KPLUG_OPTS(o, .flags = KPLUG_CREATE_USER);
		struct kplug *p;
		__u32 a[2] = { 20, 22 }, r = 0;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		p = kplug_create("uhost", src, &o);
		_exit(p && !kplug_invoke(p, "sum", a, 2, NULL, 0, NULL, 0, &r) &&
		      r == 42 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* kplugctl run and test as user nobody: no module, no root. */
static int kplugctl_as_nobody(const char *verb, const char *file,
			      const char *entry, char *out, size_t size)
{
	int fds[2], status;
	ssize_t n = 0, k;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(fds[1], 1);
		close(2);	/* the fault's "Error:" line */
		if (setgid(65534) || setuid(65534))
			_exit(99);
		execl(KPLUGCTL, "kplugctl", verb, file, entry, "2", "3", (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	while (n < (ssize_t)size - 1 && (k = read(fds[0], out + n, size - 1 - n)) > 0)
		n += k;
	out[n] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(kplugctl_run_and_test_as_non_root)
{
	static const char plugin[] =
		"u32 add(u32 a, u32 b) { return a + b; }\n"
		"u32 test_add(void) { return add(2, 2) != 4; }\n"
		"u32 test_services(void) { return kplug_pid() == 0; }\n"
		"u32 test_wrong(void) { return 7; }\n"
		"u32 test_fault(void) { return *(volatile u32 *)16; }\n";
	char path[] = "/tmp/uhost_cli_XXXXXX.c", out[1024];
	int fd = mkstemps(path, 2);

	NEED_UHOST();
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(plugin) - 1, write(fd, plugin, sizeof(plugin) - 1));
	close(fd);
	chmod(path, 0644);
	EXPECT_EQ(0, kplugctl_as_nobody("run", path, "add", out, sizeof(out)));
	EXPECT_STREQ("5\n", out);
	EXPECT_EQ(3, kplugctl_as_nobody("run", path, "test_fault", out, sizeof(out)));
	/* two pass, two fail: exit 1, one line each and the summary */
	EXPECT_EQ(1, kplugctl_as_nobody("test", path, NULL, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "ok      test_add\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ok      test_services\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "FAILED  test_wrong: returned 7\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "FAILED  test_fault: bad-access")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "2 passed, 2 failed\n")) TH_LOG("%s", out);
	unlink(path);
}

/*
 * Differential: the same image, entry, arguments and in buffer in the
 * kernel and in this process; the same error, result, out buffer and
 * fault kind (and vector, EIP and CR2 unless the fault is an FPU one,
 * which the two hosts detect differently).  Cases where the hosts
 * legitimately differ are left out, each for its reason (docs/libkplug.md):
 * int3/into/int 0x80 (DPL-3 gates in Linux's IDT), syscall/sysenter,
 * segment loads and far transfers to kernel selectors, the kernel's gate
 * selectors (exitpath, svc_abuse 1-4 and 8, flags 6 and 9), a jump into
 * the runtime page's own instructions (codewrite 4: they differ), UMIP-emulated
 * sgdt/sidt/sldt/str/smsw, rdpmc, wrpkru, fxsave and ldmxcsr (see the FPU
 * notes), and flags(7), which returns the flags it starts with.
 */
struct dcase {
	const char *file;	/* .bin: NASM, entry main; .c/.kpi: entry */
	const char *entry;
	__u32 nargs, args[3];
	const char *in;
};

#define D(f, e, n, ...) { .file = f, .entry = e, .nargs = n, .args = { __VA_ARGS__ } }
#define DIN(f, e, in_, a0) { .file = f, .entry = e, .nargs = 1, .args = { a0 }, .in = in_ }

static const struct dcase dcases[] = {
	D("add.bin", "main", 2, 2, 3),
	D("badptr.bin", "main", 1, 0),
	D("badptr.bin", "main", 2, 16, 0),
	D("badptr.bin", "main", 2, 16, 1),
	D("badptr.bin", "main", 2, 0x11000, 1),
	D("badptr.bin", "main", 2, 0x0f000000, 0),
	DIN("bufrev.bin", "main", "differential", 0),
	DIN("bufrev.bin", "main", "faults after", 1),
	D("codewrite.bin", "main", 1, 0),
	D("codewrite.bin", "main", 1, 1),
	D("codewrite.bin", "main", 1, 2),
	D("codewrite.bin", "main", 2, 3, 0x20),
	D("stack.bin", "main", 1, 0),
	D("stack.bin", "main", 1, 1),
	D("stack.bin", "main", 1, 2),
	D("priv.bin", "main", 1, 0),
	D("priv.bin", "main", 1, 1), D("priv.bin", "main", 1, 2),
	D("priv.bin", "main", 1, 3), D("priv.bin", "main", 1, 4),
	D("priv.bin", "main", 1, 5), D("priv.bin", "main", 1, 6),
	D("priv.bin", "main", 1, 7), D("priv.bin", "main", 1, 8),
	D("priv.bin", "main", 1, 9), D("priv.bin", "main", 1, 10),
	D("priv.bin", "main", 1, 11), D("priv.bin", "main", 1, 12),
	D("priv.bin", "main", 1, 13), D("priv.bin", "main", 1, 20),
	D("priv.bin", "main", 1, 21), D("priv.bin", "main", 1, 22),
	D("priv.bin", "main", 1, 23), D("priv.bin", "main", 1, 24),
	D("ioport.bin", "main", 1, 0),
	D("ioport.bin", "main", 1, 1), D("ioport.bin", "main", 1, 2),
	D("ioport.bin", "main", 1, 3), D("ioport.bin", "main", 1, 4),
	D("ioport.bin", "main", 1, 5), D("ioport.bin", "main", 1, 6),
	D("fpu.bin", "main", 1, 0),
	D("fpu.bin", "main", 1, 1), D("fpu.bin", "main", 1, 2),
	D("fpu.bin", "main", 1, 3), D("fpu.bin", "main", 1, 5),
	D("fpu.bin", "main", 1, 8), D("fpu.bin", "main", 1, 9),
	D("intn.bin", "main", 1, 0), D("intn.bin", "main", 1, 1),
	D("intn.bin", "main", 1, 2), D("intn.bin", "main", 1, 5),
	D("intn.bin", "main", 1, 6), D("intn.bin", "main", 1, 13),
	D("intn.bin", "main", 1, 14), D("intn.bin", "main", 1, 32),
	D("intn.bin", "main", 1, 0x81), D("intn.bin", "main", 1, 255),
	D("intn.bin", "main", 1, 258),
	D("flags.bin", "main", 1, 0),
	D("flags.bin", "main", 1, 1), D("flags.bin", "main", 1, 2),
	D("flags.bin", "main", 1, 3), D("flags.bin", "main", 1, 4),
	D("flags.bin", "main", 1, 5), D("flags.bin", "main", 1, 8),
	D("svc_abuse.bin", "main", 1, 0),
	D("svc_abuse.bin", "main", 1, 5),
	D("svc_abuse.bin", "main", 1, 6),
	D("svc_abuse.bin", "main", 1, 7),
	D("limits.bin", "main", 1, 1), D("limits.bin", "main", 1, 2),
	D("limits.bin", "main", 1, 3), D("limits.bin", "main", 1, 4),
	D("limits.bin", "main", 1, 5),
	D("limits.bin", "main", 1, 6),
	D("spin.bin", "main", 1, 100000),
	D("demo.c", "add", 2, 2, 3),
	D("demo.c", "fibonacci", 1, 20),
	D("demo.c", "spin", 1, 1000),
	DIN("demo.c", "words", "the same images in both hosts", 0),
	D("demo.c", "cpu_calls", 1, 10),
	D("demo.c", "hello", 1, 3),
	D("demo.c", "bad_pointer", 1, 16),
	D("demo-gcc.kpi", "add", 2, 2, 3),
	D("demo-gcc.kpi", "fibonacci", 1, 20),
	D("demo-gcc.kpi", "spin", 1, 1000),
	DIN("demo-gcc.kpi", "words", "the same images in both hosts", 0),
	D("demo-gcc.kpi", "hello", 1, 3),
	D("demo-gcc.kpi", "bad_pointer", 1, 16),
};

/* The image of a case: NASM text wrapped, C compiled, or a .kpi. */
static void *case_image(const char *file, size_t *len)
{
	char path[256];
	size_t n = strlen(file);
	void *buf = NULL;
	__u32 l32 = 0;
	FILE *f;
	long sz;

	snprintf(path, sizeof(path), PLUGINS "%s", file);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = calloc(1, sz + 1);
	if (buf && fread(buf, 1, sz, f) != (size_t)sz) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf)
		return NULL;
	if (!strcmp(file + n - 4, ".bin")) {
		void *img = image_from_text(buf, sz, 0, &l32);

		free(buf);
		*len = l32;
		return img;
	}
	if (!strcmp(file + n - 2, ".c")) {
		void *img = NULL;

		if (kplug_build(file, buf, NULL, &img, len))
			img = NULL;
		free(buf);
		return img;
	}
	*len = sz;
	return buf;
}

struct outcome {
	int err;
	__u32 result;
	struct kplug_fault fault;
	char out[64];
};

static void run_case(struct kplug *p, const struct dcase *c, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->err = kplug_invoke(p, c->entry, c->args, c->nargs, c->in,
			      c->in ? strlen(c->in) : 0, o->out, sizeof(o->out),
			      &o->result);
	if (o->err == -EIO)
		o->fault = *kplug_last_fault();
}

TEST(differential_kernel_and_user)
{
	unsigned int i, compared = 0;

	NEED_UHOST();
	if (access("/dev/kplug", F_OK))
		SKIP(return, "no /dev/kplug: the differential runs in the test VM");
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		/* no case runs long; 5 s, because under TCG on a loaded host
		 * the time a vCPU is descheduled counts as the plugin's */
		KPLUG_OPTS(ko, .budget_ms = 5000);
		KPLUG_OPTS(uo, .budget_ms = 5000, .flags = KPLUG_CREATE_USER);
		struct outcome k, u;
		struct kplug *kp, *up;
		char name[KPLUG_NAME_MAX];
		size_t len;
		void *img = case_image(c->file, &len);
		struct kplug_info_args info = {};
		const char *what;
		__u32 stacks;

		ASSERT_NE(NULL, img) TH_LOG("%s", c->file);
		snprintf(name, sizeof(name), "diff.%d", getpid());
		kp = kplug_create_image(name, img, len, &ko);
		up = kplug_create_image("diff", img, len, &uo);
		free(img);
		ASSERT_NE(NULL, kp) TH_LOG("%s in the kernel: %s", c->file, strerror(errno));
		ASSERT_NE(NULL, up) TH_LOG("%s in user space: %s", c->file, strerror(errno));
		run_case(kp, c, &k);
		run_case(up, c, &u);
		kplug_info(up, &info);
		stacks = info.data_base + info.data_pages * KPLUG_PAGE_SIZE;
		kplug_remove(kp);
		kplug_remove(up);
		what = c->file;
		EXPECT_EQ(k.err, u.err) TH_LOG("%s %s(%u, %u): kernel %d user %d (user fault %s vector %u eip %#x)",
			what, c->entry, c->args[0], c->args[1], k.err, u.err,
			kplug_fault_kind_str(u.fault.kind), u.fault.vector, u.fault.eip);
		if (k.err != u.err)
			continue;
		EXPECT_EQ(k.result, u.result) TH_LOG("%s %s(%u, %u)", what, c->entry, c->args[0], c->args[1]);
		EXPECT_EQ(0, memcmp(k.out, u.out, sizeof(k.out))) TH_LOG("%s %s: out differs", what, c->entry);
		EXPECT_EQ(k.fault.kind, u.fault.kind) TH_LOG("%s %s(%u): kernel %s user %s", what, c->entry,
			c->args[0], kplug_fault_kind_str(k.fault.kind), kplug_fault_kind_str(u.fault.kind));
		if (k.err == -EIO && k.fault.kind != KPLUG_FAULT_FPU) {
			EXPECT_EQ(k.fault.vector, u.fault.vector) TH_LOG("%s %s(%u)", what, c->entry, c->args[0]);
			EXPECT_EQ(k.fault.eip, u.fault.eip) TH_LOG("%s %s(%u)", what, c->entry, c->args[0]);
			/* stack addresses differ: the kernel takes a slot of
			 * the CPU it runs on, the user host slot 0 of CPU 0 */
			if (k.fault.cr2 < stacks || u.fault.cr2 < stacks)
				EXPECT_EQ(k.fault.cr2, u.fault.cr2) TH_LOG("%s %s(%u)", what, c->entry, c->args[0]);
			EXPECT_EQ(k.fault.error_code, u.fault.error_code) TH_LOG("%s %s(%u)", what, c->entry, c->args[0]);
		}
		compared++;
	}
	TH_LOG("%u cases compared, kernel and user host", compared);
}

TEST_HARNESS_MAIN
