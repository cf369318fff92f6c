# A NIC guest under management: it runs busybox acpid, waits for a line on its console,
# pings, and stays up (l2.hold=1). Its console is a socket (--console unix:) with a log
# beside it: nobody is attached while it boots, then `ptvm console` attaches, types the
# line the guest waits for and sees the echo, and detaches; the guest keeps running. A
# manager asks ptvm over its control socket (--api) what it is doing (`ptvm ctl status`:
# the assigned e1000e with its MSI-X vectors) and powers it down (`ptvm ctl powerdown`:
# the guest's power button; acpid's handler powers off), and ptvm ends with status 0 and
# removes its sockets.
nic=$NIC
sock=/tmp/vm.sock con=/tmp/con.sock clog=/tmp/console.log
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || check "bind $nic to vfio-pci" bind_vfio $nic
rm -f $clog
s=$(cut -d' ' -f1 /proc/uptime)
kvm_trace_start
ptvm run --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz --memory 256M \
  --cmdline "console=ttyS0 quiet l2.acpid=1 l2.action=echo l2.action=nic l2.hold=1" \
  --device vfio,bdf=$nic --api unix:$sock --console unix:$con --console-log $clog --verbose \
  </dev/null >/tmp/managed.log 2>&1 & pid=$!
n=0
while [ $n -lt 1200 ] && ! grep -q L2-READY $clog 2>/dev/null && kill -0 $pid 2>/dev/null; do
  sleep 0.1; n=$((n + 1))
done
if ! kill -0 $pid 2>/dev/null; then # ended before the guest was ready: say why, stop here
  wait $pid; rc=$?
  kvm_trace_dump managed
  cat /tmp/managed.log; cat $clog 2>/dev/null | tail -40
  fail "managed guest: ptvm ran until the guest was ready" "it ended with status $rc (above)"
  exit 0
fi
check "console log: the boot, written while nobody was attached" grep -q "L2-MARKER" $clog
check "console socket: mode 0600" [ "$(stat -c %a $con 2>/dev/null)" = 600 ]
rm -f /tmp/attach.in; mkfifo /tmp/attach.in
ptvm console $con </tmp/attach.in >/tmp/attached.out 2>&1 & apid=$!
exec 7>/tmp/attach.in
sleep 1
(echo "typed through ptvm console" >&7) 2>/dev/null # a subshell: a gone reader ends only it
n=0
while [ $n -lt 300 ] && ! grep -q L2-HOLDING $clog && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
check "ptvm console: the guest read the line typed into it" \
  grep -q "L2-ECHO: typed through ptvm console" /tmp/attached.out
kill $apid 2>/dev/null; wait $apid 2>/dev/null; exec 7>&-
check "ptvm console detached: the guest runs on" kill -0 $pid
cat $clog | grep -v "^L2-NIC: pci\|^ *[0-9]*:"
check "managed guest: pinged through its NIC and holds" grep -q "L2-NIC: ping ok" $clog
check "managed guest: acpid holds its input event device" grep -q "L2-ACPID: ready" $clog
check "control socket: mode 0600" [ "$(stat -c %a $sock 2>/dev/null)" = 600 ]
ptvm ctl $sock status >/tmp/ctl-status.txt 2>&1; rc=$?
cat /tmp/ctl-status.txt
check "ptvm ctl status: exit 0 (got $rc)" [ "$rc" = 0 ]
check "ptvm ctl status: running" grep -qx "state: running" /tmp/ctl-status.txt
check "ptvm ctl status: 1 vCPU, 256 MiB" grep -qx "vcpus: 1" /tmp/ctl-status.txt
check "ptvm ctl status: the e1000e, attached to an IOAS, on MSI-X with vectors in use" \
  grep -qE "^device: type=vfio host=$nic guest=0000:00:0[0-9a-f].0 iommufd_device=[0-9]+ ioas=[0-9]+ hwpt=[0-9]+ interrupts=msix vectors=[1-9]" /tmp/ctl-status.txt
ptvm ctl $sock status --json >/tmp/ctl-status.json 2>&1
cat /tmp/ctl-status.json
check "ptvm ctl status --json: one object, ok" grep -q '^{"ok":true,"state":"running",.*"devices":\[{"type":"vfio",.*}\]}$' /tmp/ctl-status.json
ptvm ctl $sock powerdown >/tmp/ctl-powerdown.txt 2>&1; rc=$?
cat /tmp/ctl-powerdown.txt
check "ptvm ctl powerdown: exit 0 (got $rc)" [ "$rc" = 0 ]
check "ptvm ctl powerdown: the button was pressed" grep -qx "pressed: true" /tmp/ctl-powerdown.txt
n=0
while [ $n -lt 300 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
kill -0 $pid 2>/dev/null && { kill -TERM $pid; sleep 1; kill -TERM $pid; }
wait $pid; rc=$?
e=$(cut -d' ' -f1 /proc/uptime)
[ $rc = 0 ] || kvm_trace_dump managed
cat /tmp/managed.log
check "managed guest: ptvm exits 0 after the powerdown (got $rc)" [ "$rc" = 0 ]
check "managed guest: acpid ran the power button's handler" grep -q "L2-POWER-BUTTON: powering off" $clog
check "managed guest: ptvm says it powered off after its power button" \
  grep -q "ptvm: guest powered off, [0-9.]* s after its power button" /tmp/managed.log
check "control and console sockets: removed when ptvm ends" [ ! -e $sock ] && [ ! -e $con ]
ptvm ctl $sock status >/tmp/ctl-gone.txt 2>&1; rc=$?
check "ptvm ctl on a VM that is gone: exit 1 with a reason (got $rc)" \
  grep -q "cannot connect to $sock" /tmp/ctl-gone.txt
ok "timing: managed guest from start to poweroff $(awk "BEGIN {print $e - $s}")s; $(sed -n 's/.*guest powered off, \([0-9.]*\) s after.*/\1/p' /tmp/managed.log) s from the button"
