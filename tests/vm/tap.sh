# SPDX-License-Identifier: GPL-2.0
# Sourced by the shell tests in the VM (cli_test.sh, hook_test.sh): TAP
# output like the kselftest harness, so scripts/check.sh counts each check.
# Set TAP_PREFIX (e.g. "cli") before sourcing; exit with $failed.
n=0 failed=0
check() {	# check "description" command...
	desc=$1
	shift
	n=$((n + 1))
	if "$@" > /tmp/$TAP_PREFIX.out 2>&1; then
		echo "ok $n $TAP_PREFIX.$desc"
	else
		echo "not ok $n $TAP_PREFIX.$desc"
		sed 's/^/#   /' /tmp/$TAP_PREFIX.out
		failed=1
	fi
}
expect_exit() {	# expect_exit CODE command...
	want=$1
	shift
	"$@"
	[ $? = "$want" ]
}
out_has() {	# out_has TEXT command...: the command's output contains TEXT
	text=$1
	shift
	"$@" > /tmp/$TAP_PREFIX.o2 2>&1
	rc=$?
	cat /tmp/$TAP_PREFIX.o2
	grep -q -- "$text" /tmp/$TAP_PREFIX.o2 && return $rc
	return 1
}
