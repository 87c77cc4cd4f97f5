// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of `make run`: create plugins, invoke them, show a fault and a
 * long-running plugin, remove them.  Prints what happened.
 */
#include "plugin_image.h"

static const char *kind_name[] = {
	"none", "bad-access", "stack", "privileged", "escape", "divide",
	"invalid-opcode", "fpu", "limit", "debug", "alignment", "other",
};

static int show(int fd, const char *what, __u32 id, __u32 nargs,
		const __u32 *args)
{
	struct kplug_fault f = {};
	__u32 r = 0;
	int err = invoke(fd, id, nargs, args, &r, &f);

	if (!err)
		printf("demo: %-28s -> %u\n", what, r);
	else if (err == -EIO)
		printf("demo: %-28s -> fault: %s (vector %u, error %#x, eip %#x, cr2 %#x)\n",
		       what, f.kind < 12 ? kind_name[f.kind] : "?", f.vector,
		       f.error_code, f.eip, f.cr2);
	else
		printf("demo: %-28s -> error: %s\n", what, strerror(-err));
	return err;
}

int main(void)
{
	__u32 add, spin, bad, args[2];
	int fd = open("/dev/kplug", O_RDWR);

	if (fd < 0) {
		perror("demo: /dev/kplug");
		return 1;
	}
	if (load_plugin(fd, "add", "add.bin", &add) ||
	    load_plugin(fd, "spin", "spin.bin", &spin) ||
	    load_plugin(fd, "badptr", "badptr.bin", &bad)) {
		perror("demo: create");
		return 1;
	}
	printf("demo: created plugins add=%u spin=%u badptr=%u\n", add, spin, bad);

	args[0] = 40;
	args[1] = 2;
	if (show(fd, "add(40, 2) at ring 1", add, 2, args))
		return 1;
	args[0] = 2000000;
	if (show(fd, "spin(2000000), preempted", spin, 1, args))
		return 1;
	args[0] = 0x10;
	args[1] = 0;
	if (show(fd, "badptr: read *0x10", bad, 2, args) != -EIO)
		return 1;
	args[0] = 0;
	if (show(fd, "badptr(0) after the fault", bad, 1, args))
		return 1;

	if (remove_plugin(fd, add) || remove_plugin(fd, spin) ||
	    remove_plugin(fd, bad)) {
		perror("demo: remove");
		return 1;
	}
	printf("demo: removed all plugins\n");
	close(fd);
	return 0;
}
