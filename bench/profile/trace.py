# SPDX-License-Identifier: GPL-2.0
# gdb -batch -x trace.py, for bench/profile/run.sh: connect to QEMU's
# gdbstub, stop at the third call of __kplug_hook_call (PROFILE_FUNC, a
# hardware breakpoint: the module's text is not there yet when the guest
# boots), single-step until it returns, write one PC per line to
# PROFILE_OUT, and let the guest go on.
import os
import time
import gdb

gdb.execute('set pagination off')
for _ in range(120):
    try:
        gdb.execute('target remote :%s' % os.environ['PROFILE_PORT'])
        break
    except gdb.error:
        time.sleep(1)
gdb.execute('hbreak *%s' % os.environ['PROFILE_FUNC'])
gdb.execute('ignore 1 2')
gdb.execute('continue')
gdb.execute('delete')
rsp = int(gdb.parse_and_eval('$rsp')) & (2**64 - 1)
ret = int(gdb.parse_and_eval('*(unsigned long *)%d' % rsp)) & (2**64 - 1)
n = 0
with open(os.environ['PROFILE_OUT'], 'w') as out:
    while n < 100000:
        pc = int(gdb.parse_and_eval('$pc')) & (2**64 - 1)
        if pc == ret:
            break
        out.write('%x\n' % pc)
        gdb.execute('stepi', to_string=True)
        n += 1
gdb.execute('detach')
