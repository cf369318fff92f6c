# Confinement, on the real thing.
#  - seccomp: a flat payload writes the seccomp probe's port (the lab's binary has the
#    test-only device), which makes a vCPU thread call socket(AF_INET) (value 1) or open a
#    file (value 2): under `enforce` ptvm names the call and dies of SIGSYS, under `log`
#    it names it once and the run goes on, under `off` nothing is said. (Every other lab
#    test runs under the default, enforce.)
#  - an ordinary user (uid 1000) who was given exactly the device nodes (/dev/kvm,
#    /dev/iommu, the NIC's cdev) and a memory-locking limit boots the NIC guest, which
#    pings; without /dev/kvm, or without the limit, the errors name what is missing.
#  - root with --user: the drop happens once the devices are open; the running ptvm's ids
#    are the user's, and the user's `ptvm ctl` reaches the socket handed to it.
nic=$NIC
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || check "bind $nic to vfio-pci" bind_vfio $nic
cdev=$(vfio_cdev $nic)

# --- seccomp ------------------------------------------------------------------------------
# mov al,N; out 0xf5,al; mov al,0; out 0xf4,al (testdev: exit 0); hlt
probe_payload() { printf "\\xb0\\x$1\\xe6\\xf5\\xb0\\x00\\xe6\\xf4\\xf4" >/tmp/probe$1.bin; }
probe_payload 01; probe_payload 02
for mode in enforce log off; do
  ptvm run --payload /tmp/probe01.bin --memory 16M --console none --device testdev \
    --device seccomp-probe --seccomp $mode >/tmp/probe-$mode.log 2>&1
  eval rc_$mode=$?
  cat /tmp/probe-$mode.log
done
check "seccomp enforce: socket(AF_INET) from a vCPU thread ends ptvm with SIGSYS (status $rc_enforce)" [ "$rc_enforce" = 159 ]
check "seccomp enforce: the forbidden call is named" \
  grep -q "^ptvm: seccomp: forbidden system call socket (41) in thread [0-9]*; ptvm stops" /tmp/probe-enforce.log
check "seccomp enforce: the call never ran" sh -c '! grep -q "seccomp-probe: the call for 1 ran" /tmp/probe-enforce.log'
check "seccomp log: the run goes on to the guest's exit (status $rc_log)" [ "$rc_log" = 0 ]
check "seccomp log: the call is named and allowed" \
  grep -q "^ptvm: seccomp: log: system call socket (41) by thread [0-9]* is not on the allow-list; allowed" /tmp/probe-log.log
check "seccomp log: and it ran" grep -q "seccomp-probe: the call for 1 ran" /tmp/probe-log.log
check "seccomp off: status 0, nothing said (status $rc_off)" \
  sh -c "[ $rc_off = 0 ] && ! grep -q 'ptvm: seccomp:' /tmp/probe-off.log"
ptvm run --payload /tmp/probe02.bin --memory 16M --console none --device testdev \
  --device seccomp-probe >/tmp/probe-open.log 2>&1; rc=$?
cat /tmp/probe-open.log
check "seccomp (default: enforce): an open after setup is stopped (status $rc)" \
  sh -c "[ $rc = 159 ] && grep -q 'forbidden system call openat (257)' /tmp/probe-open.log"

# --- an ordinary user -----------------------------------------------------------------
grep -q '^lab:' /etc/passwd 2>/dev/null ||
  { mkdir -p /etc; echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd; echo 'lab:x:1000:1000:lab:/tmp:/bin/sh' >>/etc/passwd
    echo 'root:x:0:' >/etc/group; echo 'lab:x:1000:' >>/etc/group; }
# the initramfs's root and the lab's files: readable and searchable by others too
chmod 755 / /bin /lab /lab/files; chmod a+r /lab/files/*
# as_lab_nic MEMLOCK-KB LOG: the NIC guest, started as uid 1000 (which it prints first)
# with that memory-locking limit; sets rc
as_lab_nic() {
  (ulimit -l "$1"; su -s /bin/sh lab -c "echo uid=\$(id -u); ptvm run \
    --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz --memory 256M \
    --console stdio --cmdline 'console=ttyS0 quiet l2.action=nic' --device vfio,bdf=$nic \
    </dev/null") >"$2" 2>&1
  rc=$?
  cat "$2"
}
chown lab /dev/iommu $cdev   # everything but /dev/kvm, first
as_lab_nic 400000 /tmp/user-nokvm.log
check "user without /dev/kvm: ptvm fails (status $rc)" [ "$rc" = 1 ]
check "user without /dev/kvm: the error names the node and the fix" \
  grep -q "open /dev/kvm: Permission denied (ptvm, running as uid 1000, needs read and write access to /dev/kvm: .*setfacl -m u:1000:rw /dev/kvm" /tmp/user-nokvm.log
chown lab /dev/kvm
as_lab_nic 64 /tmp/user-nolock.log
check "user with a 64 KiB memory-locking limit: ptvm fails (status $rc)" [ "$rc" = 1 ]
check "user with a 64 KiB memory-locking limit: the error says to raise RLIMIT_MEMLOCK" \
  grep -q "pinning 256 MiB of guest RAM for DMA failed .*raise RLIMIT_MEMLOCK to the guest's RAM size (ulimit -l)" /tmp/user-nolock.log
s=$(cut -d' ' -f1 /proc/uptime)
kvm_trace_start
as_lab_nic 300000 /tmp/user-nic.log
[ $rc = 0 ] || kvm_trace_dump user-nic
secs=$(awk "BEGIN {print $(cut -d' ' -f1 /proc/uptime) - $s}")
check "user (uid 1000) given /dev/kvm, /dev/iommu, $cdev and ulimit -l: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "user: it ran as uid 1000" grep -qx "uid=1000" /tmp/user-nic.log
check "user: the NIC guest pinged through the assigned NIC" grep -q "L2-NIC: ping ok" /tmp/user-nic.log
ok "timing: the NIC guest as an ordinary user in ${secs}s"
chown root /dev/kvm /dev/iommu $cdev

# --- root with --user ---------------------------------------------------------------------
sock=/tmp/user.sock
rm -f /tmp/user-drop.log
ptvm run --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz --memory 256M \
  --cmdline "console=ttyS0 quiet l2.acpid=1 l2.action=nic l2.hold=1" --device vfio,bdf=$nic \
  --user lab --api unix:$sock --console file:/tmp/user-drop.log --verbose \
  </dev/null >/tmp/user-drop.err 2>&1 & pid=$!
n=0
while [ $n -lt 1200 ] && ! grep -q L2-HOLDING /tmp/user-drop.log 2>/dev/null && kill -0 $pid 2>/dev/null; do
  sleep 0.1; n=$((n + 1))
done
ids=$(awk '/^Uid:|^Gid:/ {print $1, $2, $3, $4, $5}' /proc/$pid/status 2>/dev/null | tr '\n' ' ')
groups=$(awk '/^Groups:/ {print $2, $3}' /proc/$pid/status 2>/dev/null)
seccomp=$(awk '/^Seccomp:/ {print $2}' /proc/$pid/status 2>/dev/null)
echo "ptvm $pid: $ids groups: $groups seccomp: $seccomp"
check "--user lab: the running ptvm's real, effective, saved and fs ids are 1000" \
  [ "$ids" = "Uid: 1000 1000 1000 1000 Gid: 1000 1000 1000 1000 " ]
check "--user lab: its only group is 1000" [ "$groups" = "1000 " ] || [ "$groups" = "1000" ]
check "--user lab: the seccomp filter is on (Seccomp: 2)" [ "$seccomp" = 2 ]
check "--user lab: the control socket belongs to lab" [ "$(stat -c %U $sock 2>/dev/null)" = lab ]
su -s /bin/sh lab -c "ptvm ctl $sock status" >/tmp/user-ctl.txt 2>&1
cat /tmp/user-ctl.txt
check "--user lab: lab's ptvm ctl status reaches it" grep -qx "state: running" /tmp/user-ctl.txt
check "--user lab: the NIC guest pinged" grep -q "L2-NIC: ping ok" /tmp/user-drop.log
su -s /bin/sh lab -c "ptvm ctl $sock powerdown" >/dev/null 2>&1
wait $pid; rc=$?
grep -v '^ptvm: \[' /tmp/user-drop.err; grep 'running as\|seccomp filter' /tmp/user-drop.err
check "--user lab: the guest powered off through lab's powerdown; ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "--user lab: --verbose says when it became lab" grep -q "running as lab (uid 1000, gid 1000)" /tmp/user-drop.err
