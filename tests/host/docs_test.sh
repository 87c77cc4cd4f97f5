#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generated docs say what the tools do, and make install/uninstall
# put and take away every file (issue 14, item 2).  TAP, run by make
# check as a host test from the build tree (build/host/docs_test).
#  - kplugctl(8) and the bash completion come from kplugctl's own tables:
#    every verb and option --help shows is in both, and the completion
#    completes them (run in bash);
#  - libkplug(3) has every function of libkplug.map;
#  - make install DESTDIR=... PREFIX=/usr installs the generated pages,
#    the SDK header gcc then finds, kplug_bench next to kplugctl, the
#    unit; make uninstall leaves no file behind.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
k=$top/build/tools/kplugctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
check() {	# check NAME command...
	n=$((n + 1))
	if "$1" > "$tmp/out" 2>&1; then
		echo "ok $n docs.$1"
	else
		echo "not ok $n docs.$1"
		sed 's/^/#   /' "$tmp/out" | head -40
		failed=1
	fi
}

"$k" --help > "$tmp/help"
"$k" --generate man > "$tmp/kplugctl.8"
"$k" --generate bash-completion > "$tmp/completion"
"$top/scripts/libkplug-man.sh" "$(cat "$top/VERSION")" < "$top/libkplug/libkplug.h" > "$tmp/libkplug.3"
verbs=$(sed -n 's/^  kplugctl \([a-z]*\).*/\1/p' "$tmp/help")
global_opts=$(grep -o -- '--[a-z-]*' "$tmp/help" | sort -u)

man_has_verbs() {
	local v
	[ "$(echo "$verbs" | wc -w)" -ge 10 ] || { echo "too few verbs in --help: $verbs"; return 1; }
	for v in $verbs; do
		grep -q "^\.B kplugctl $v\b" "$tmp/kplugctl.8" || { echo "no $v"; return 1; }
	done
}
man_has_options() {
	local o
	for o in $global_opts; do
		grep -q -- "${o//-/\\\\-}" "$tmp/kplugctl.8" || { echo "no $o"; return 1; }
	done
}
man_renders() {
	command -v groff > /dev/null || { echo "no groff"; return 0; }
	[ -z "$(groff -man -ww -z "$tmp/kplugctl.8" 2>&1)" ] &&
		[ -z "$(groff -man -ww -z "$tmp/libkplug.3" 2>&1)" ]
}
complete_words() {	# complete_words WORD...: what bash completes the last to
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		 _kplugctl; echo "${COMPREPLY[*]}"' _ "$tmp/completion" "$@"
}
completes_verbs() {
	local v got
	for v in $verbs; do
		got=$(complete_words kplugctl "${v:0:2}")
		[[ " $got " == *" $v "* ]] || { echo "kplugctl ${v:0:2}<TAB>: '$got', no $v"; return 1; }
	done
}
completes_options() {	# each verb's options, as its usage line shows them
	local v o got
	for v in $verbs; do
		[ "$v" = bench ] && continue	# its options are kplug_bench's
		got=$(complete_words kplugctl "$v" --)
		for o in $(grep "^  kplugctl $v " "$tmp/help" | grep -o -- '--[a-z-]*' | sort -u) --json --help; do
			[[ " $got " == *" $o "* ]] || { echo "kplugctl $v --<TAB>: '$got', no $o"; return 1; }
		done
	done
}
completes_files() {
	touch "$tmp/in.bin"
	[ "$(complete_words kplugctl invoke x --in "$tmp/in.")" = "$tmp/in.bin" ]
}
libman_has_functions() {
	local f
	for f in $(sed -n 's/^[[:space:]]*\(kplug_[a-z0-9_]*\);.*/\1/p' "$top/libkplug/libkplug.map"); do
		grep -q "\b$f(" "$tmp/libkplug.3" || { echo "no $f"; return 1; }
	done
}

dest=$tmp/root
install_all() {
	make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr > "$tmp/install.log" 2>&1 ||
		{ cat "$tmp/install.log"; return 1; }
	find "$dest" -type f -o -type l | sed "s|^$dest||" | sort
	local f
	for f in /usr/bin/kplugctl /usr/bin/kplug_bench /usr/lib/libkplug.so.1 \
		 /usr/lib/libkplug.a /usr/include/kplug.h /usr/include/libkplug.h \
		 /usr/include/linux/kplug.h /usr/lib/pkgconfig/kplug.pc \
		 /usr/share/man/man8/kplugctl.8 /usr/share/man/man3/libkplug.3 \
		 /usr/share/bash-completion/completions/kplugctl \
		 /usr/lib/systemd/system/kplug.service /usr/lib/modules-load.d/kplug.conf \
		 /usr/share/kplug/module/include/kplug_hook.h \
		 /usr/share/kplug/module/uapi/kplug.h; do
		[ -e "$dest$f" ] || { echo "missing $f"; return 1; }
	done
	cmp "$dest/usr/share/man/man8/kplugctl.8" "$tmp/kplugctl.8" &&
		cmp "$dest/usr/share/bash-completion/completions/kplugctl" "$tmp/completion" &&
		grep -q '^ExecStart=/usr/bin/kplugctl apply /etc/kplug$' "$dest/usr/lib/systemd/system/kplug.service"
}
installed_sdk_builds() {	# gcc finds the installed SDK header, as the docs say
	printf 'u32 twice(u32 x) { return 2 * x; }\n' > "$tmp/p.c"
	gcc -m32 -O2 -ffreestanding -fno-pic -fno-stack-protector -mno-sse -mno-mmx \
		-mno-80387 -I"$dest/usr/include" -include kplug.h -c -o "$tmp/p.o" "$tmp/p.c" &&
		"$dest/usr/bin/kplugctl" build "$tmp/p.o" -o "$tmp/p.kpi"
}
# A module author's module, built from the installed files only (as
# docs/hooks.md says) against the test kernel's headers: modpost must
# find kplug's symbols in the installed Module.symvers.
module_builds() {
	local m=$dest/usr/share/kplug/module kdir=$top/build/cache/kernel/build
	[ -f "$m/Module.symvers" ] || { echo "no Module.symvers installed (make module first)"; return 1; }
	mkdir -p "$tmp/mod"
	cat > "$tmp/mod/mymod.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <kplug_hook.h>

static const struct kplug_hook_desc desc = {
	.name = "mymod", .context = KPLUG_HOOK_CTX_PROCESS,
	.context_desc = "test", .args_desc = "none",
};
static struct kplug_hook *hook;

static int __init mymod_init(void)
{
	hook = kplug_hook_register(&desc);
	return PTR_ERR_OR_ZERO(hook);
}

static void __exit mymod_exit(void)
{
	kplug_hook_unregister(hook);
}
module_init(mymod_init);
module_exit(mymod_exit);
MODULE_LICENSE("GPL");
C
	printf 'obj-m := mymod.o\nccflags-y := -I%s/include\n' "$m" > "$tmp/mod/Kbuild"
	make -s -C "$kdir" M="$tmp/mod" KBUILD_EXTRA_SYMBOLS="$m/Module.symvers" modules \
		> "$tmp/mod.log" 2>&1
	local rc=$?
	cat "$tmp/mod.log"
	[ $rc = 0 ] && ! grep -q 'WARNING\|warning:' "$tmp/mod.log" && [ -f "$tmp/mod/mymod.ko" ]
}
uninstall_all() {
	make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr > "$tmp/install.log" 2>&1 ||
		{ cat "$tmp/install.log"; return 1; }
	local left
	left=$(find "$dest" -type f -o -type l)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

echo "TAP version 13"
echo "1..11"
check man_has_verbs
check man_has_options
check man_renders
check completes_verbs
check completes_options
check completes_files
check libman_has_functions
check install_all
check installed_sdk_builds
check module_builds
check uninstall_all
exit $failed
