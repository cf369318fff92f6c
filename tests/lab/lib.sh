# Helpers for lab tests (sourced in L1 before each tests/*.sh). Results go to $LAB_RESULTS
# as "ok - …", "not ok - …: why" or "skip - …: why"; everything else to the console.
ok()   { echo "ok - $LAB_TEST: $1" >"$LAB_RESULTS"; echo "ok - $1"; }
fail() {
  lab_fault
  if [ -n "$LAB_FAULT" ]; then
    skip "$1" "the lab's fault, not ptvm's: L1's KVM saw the guest's vCPU shut down in its own kernel while its CPU delivered $LAB_FAULT (docs/soak.md)"
    return
  fi
  echo "not ok - $LAB_TEST: $1: $2" >"$LAB_RESULTS"; echo "not ok - $1: $2"
}
skip() { echo "skip - $LAB_TEST: $1: $2" >"$LAB_RESULTS"; echo "skip - $1: $2"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else fail "$desc" "'$*' failed"; fi; }

# The lab kernel L1 runs (tests/lab/run --kernel): 7.2 or 6.12. Tests use it only for what
# they expect of the kernel (ptvm itself detects what the kernel offers).
LAB_KERNEL=$(sed -n 's/.* lab\.kernel=\([0-9.]*\).*/\1/p' /proc/cmdline)
# on_7_2 WHAT WHY: true on the 7.2 lab kernel; elsewhere (the compatibility lane) reports
# WHAT skipped, "WHY: tested on 7.2", and is false. For what tests only ptvm's own code.
on_7_2() { [ "$LAB_KERNEL" = 7.2 ] && return 0; skip "$1" "$2: tested on 7.2"; return 1; }

# The L1 topology, as tests/lab/run's QEMU command line builds it (10-check verifies it):
EDU_ROOT=0000:00:03.0      # edu on the root bus: no reset method
EDU_PORT=0000:01:00.0      # edu behind the root port at 04.0: function and hot reset
NIC=0000:00:05.0           # e1000e, an integrated endpoint; user network n0
IGB_PF=0000:02:00.0        # igb (82576) behind the root port at 06.0, with SR-IOV; n1
NVME=0000:03:00.0          # nvme behind the root port at 07.0: the appliance disk
VIRTIO_NET=0000:04:00.0    # virtio-net-pci, modern only, behind the root port at 08.0; n2
E1000=0000:00:09.0         # e1000: conventional PCI, INTx only; n3
RTL8139=0000:00:0a.0       # rtl8139 (a C+ chip): an I/O BAR and an MMIO BAR, INTx only; n4
IVSHMEM=0000:05:00.0       # ivshmem-plain behind the root port at 0b.0: a 1 GiB BAR 2
EDU_PAIR="0000:06:00.0 0000:06:00.1" # a two-function edu behind the root port at 0c.0

# What L1's KVM saw of an L2 boot, for when it fails (a lab kernel with event tracing:
# 7.2 and 6.12 both have it). kvm_trace_start empties a ring (4 MiB per L1 CPU) of KVM's
# exits, injected exceptions, CR writes, IPIs and shutdowns and starts it; the ring stops
# by itself when a vCPU shuts down (a triple fault reaching its VMM: a trigger on
# kvm_userspace_exit), so a guest still running beside it cannot push the failure out;
# kvm_trace_dump TAG prints the exceptions, IPIs and shutdowns it kept and the last 200
# events of the thread that shut down (or of all, when none did).
KVM_TRACE=/sys/kernel/tracing
kvm_trace_start() {
  [ -w $KVM_TRACE/trace ] || mount -t tracefs nodev $KVM_TRACE 2>/dev/null
  [ -w $KVM_TRACE/trace ] || return 0
  KVM_TRACE_ARMED=1 LAB_FAULT=""
  echo 0 >$KVM_TRACE/tracing_on
  if [ "$(cat $KVM_TRACE/buffer_size_kb)" != 4096 ]; then
    echo 4096 >$KVM_TRACE/buffer_size_kb
    for e in kvm_exit kvm_inj_exception kvm_cr kvm_apic_ipi kvm_userspace_exit; do
      [ -w $KVM_TRACE/events/kvm/$e/enable ] && echo 1 >$KVM_TRACE/events/kvm/$e/enable
    done
    # KVM_EXIT_SHUTDOWN is 8 (linux/kvm.h)
    echo 'traceoff if reason == 8' >$KVM_TRACE/events/kvm/kvm_userspace_exit/trigger 2>/dev/null
  fi
  echo >$KVM_TRACE/trace
  echo 1 >$KVM_TRACE/tracing_on
}
# lab_fault: the lab's own failures (docs/soak.md, its last two sections), when the ring a
# test armed (kvm_trace_start) holds it: an L2 vCPU shut down (KVM_EXIT_SHUTDOWN) at a
# kernel-text RIP while its CPU delivered one of these events, whose delivery a healthy
# guest cannot fail, since nothing but L0's emulation takes its pages away:
# - a page fault on a supervisor instruction fetch (intr_info 0x80000b0e) from a page not
#   present (error code 0x10) or not executable (0x11): the guest's own kernel text;
#   QEMU's guests end so in this lab (0x10: q35 with a VF; 0x11: microvm, 2 sockets);
# - a page fault on a supervisor write to a page not present (0x2): the page-fault
#   handler pushing onto its stack; L1's own kernel crashed at that very instruction
#   (RIP 0xffffffff817d2989, stack guard page) in the same lab boot, with no VMM involved;
# - the local APIC timer interrupt (intr_info 0x800000ec, vector 0xec, which KVM injects)
#   to a vCPU woken from hlt: a QEMU q35 guest with 4 vCPUs in 2 sockets ended with this
#   exact exit at the same RIP (0xffffffff817d2821) as ptvm's guest in CI.
# Sets LAB_FAULT to what it found; fail() then reports a skip that names it; anything else
# fails as before. The ring stops at the shutdown, so once found the verdict stands until
# the next kvm_trace_start: later failures do not read it again.
lab_fault() {
  [ -z "${LAB_FAULT:-}" ] && [ "${KVM_TRACE_ARMED:-0}" = 1 ] && [ -r $KVM_TRACE/trace ] || return 0
  LAB_FAULT=$(grep -m1 -oE 'reason shutdown rip 0xffffffff[0-9a-f]+ info1 0x0+ info2 0x0+ intr_info (0x80000b0e error_code 0x000000(02|10|11)|0x800000ec error_code 0x00000000)' \
    $KVM_TRACE/trace | sed -e 's/reason shutdown rip \(0x[0-9a-f]*\).*0x80000b0e error_code 0x000000\([0-9]*\)$/a page fault (error code 0x\2) at RIP \1/' \
      -e 's/reason shutdown rip \(0x[0-9a-f]*\).*0x800000ec.*/its local APIC timer interrupt (vector 0xec) at RIP \1/')
}

kvm_trace_dump() {
  [ -r $KVM_TRACE/trace ] || { echo "KVM-TRACE $1: no event tracing in this L1"; return 0; }
  echo 0 >$KVM_TRACE/tracing_on
  grep -iE 'kvm_inj_exception|kvm_apic_ipi|shutdown|triple' $KVM_TRACE/trace | tail -60 |
    sed "s/^/KVM-TRACE-KEY $1: /"
  local t
  t=$(grep -m1 -iE 'KVM_EXIT_SHUTDOWN|reason shutdown' $KVM_TRACE/trace | awk '{print $1}')
  if [ -n "$t" ]; then
    grep -E "^ *$t +\[" $KVM_TRACE/trace | tail -200 | sed "s/^/KVM-TRACE $1 ($t): /"
  else
    tail -200 $KVM_TRACE/trace | sed "s/^/KVM-TRACE $1: /"
  fi
}

# sriov_vfs PF N: has the PF's driver create N virtual functions, none probed by a driver
# (the caller binds them), and prints their addresses, one per line.
sriov_vfs() {
  local i=0
  echo 0 >/sys/bus/pci/devices/$1/sriov_drivers_autoprobe
  echo $2 >/sys/bus/pci/devices/$1/sriov_numvfs
  while [ $i -lt $2 ]; do
    basename "$(readlink /sys/bus/pci/devices/$1/virtfn$i)"; i=$((i + 1))
  done
}

# PCI addresses of all functions with this vendor:device (hex without 0x), in bus order.
find_pci() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] && basename "$d"
  done
}

# Bind a PCI function to vfio-pci and wait for its cdev.
bind_vfio() {
  echo vfio-pci >"/sys/bus/pci/devices/$1/driver_override"
  [ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
  echo "$1" >/sys/bus/pci/drivers_probe
  local i=0
  while [ ! -d "/sys/bus/pci/devices/$1/vfio-dev" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -d "/sys/bus/pci/devices/$1/vfio-dev" ]
}

# The /dev/vfio/devices/vfioN path of a bound function.
vfio_cdev() { echo "/dev/vfio/devices/$(ls "/sys/bus/pci/devices/$1/vfio-dev")"; }

# exit_why LOG: sets why to what a failed run left for the result line (CI keeps the
# result lines, not the console): ptvm's first message that is not a --verbose step, and
# the guest's last console line. Empty when rc is 0.
exit_why() {
  why=""
  [ "$rc" = 0 ] && return 0
  local said last
  # (ptvm's message may land on the end of a line the guest had not finished)
  said=$(tr -d '\r' <"$1" | grep -o "ptvm: .*" | grep -v "^ptvm: \[" | head -1 | cut -c1-240)
  last=$(tr -d '\r' <"$1" | grep -v "ptvm: \|^  (\|^KVM-TRACE\|^HEX\|^RES \|^PCIZ \|^$" | tail -1 | cut -c1-160)
  why=": ${said:-ptvm said nothing}; the guest's last line: ${last:-none}"
}

# nic_guest_once LOG PTVM-RUN-ARGS...: `ptvm run ARGS --console stdio` (120 s at most)
# into LOG, once: a hang fails the test. Sets rc, why (exit_why) and secs.
nic_guest_once() {
  local log=$1 s e; shift
  s=$(cut -d' ' -f1 /proc/uptime)
  kvm_trace_start
  timeout 120 ptvm run "$@" --console stdio </dev/null >"$log" 2>&1
  rc=$?
  [ $rc = 0 ] || kvm_trace_dump "$(basename "$log" .log)"
  exit_why "$log"
  e=$(cut -d' ' -f1 /proc/uptime)
  secs=$(awk "BEGIN {print $e - $s}")
  cat "$log"
}

# pcidump BDF: the function's resources and config space as the fidelity oracle reads
# them (tests/oracle/pcidiff.h); the L2 guests' init prints the same for theirs.
pcidump() {
  echo "PCIDUMP $1"
  sed 's/^/RES /' "/sys/bus/pci/devices/$1/resource"
  od -An -tx1 -v "/sys/bus/pci/devices/$1/config" | sed 's/^/HEX/'
  echo "PCIDUMP-END"
}

# pciz_expand LOG OUT: a guest's console log with its dumps as pcidiff reads them. A
# guest prints each function's config space gzipped and in base64 (PCIZ lines: for a
# 4 KiB config space a fiftieth of the hex or less, and on the UART every byte is an
# exit); here they become HEX lines.
pciz_expand() {
  tr -d '\r' <"$1" | awk -v tmp=/tmp/pciz.$$ '
    /^PCIZ / { print substr($0, 6) > tmp; z = 1; next }
    z {
      close(tmp); cmd = "base64 -d " tmp " | gunzip | od -An -tx1 -v"
      while ((cmd | getline l) > 0) print "HEX" l
      close(cmd); system("rm -f " tmp); z = 0
    }
    { print }' >"$2"
}

# oracle NAME HOST-DUMP GUEST-LOG GUEST-BDF [--live]: the guest's view of a function
# against the host's, field by field; ok when nothing differs that is not documented.
oracle() {
  local g=$3
  if grep -q '^PCIZ ' "$3"; then pciz_expand "$3" "/tmp/$1.guest"; g=/tmp/$1.guest; fi
  /lab/bin/pcidiff $5 "$2" "$g" "$4" >"/tmp/$1.oracle" 2>&1
  local rc=$?
  cat "/tmp/$1.oracle"
  check "$1: fidelity oracle${5:+ ($5)}: $(tail -1 "/tmp/$1.oracle" | sed 's/^pcidiff: //')" [ "$rc" = 0 ]
}

# run_zoo_guest LOG LIVE-BDFS PTVM-RUN-ARGS...: boots an L2 guest (console to LOG) whose
# init dumps its PCI functions, prints L2-DUMPED and waits for a line on its console;
# then dumps LIVE-BDFS here (to /tmp/live-BDF, while the guest holds them) and lets it go
# on; waits up to 150 s for ptvm to end. With ZOO_TERM_ON=TEXT, sends ptvm one SIGTERM
# (the guest's power button) once TEXT is on the console. Sets rc (ptvm's exit status,
# 124 on a timeout), why (exit_why) and secs. No `timeout` wrapper: its watchdog would inherit and hold
# the VFIO cdevs.
run_zoo_guest() {
  local log=$1 live=$2 s e n pid b termed=""; shift 2
  rm -f /tmp/zoo.in; mkfifo /tmp/zoo.in
  s=$(cut -d' ' -f1 /proc/uptime)
  kvm_trace_start
  ptvm run "$@" --console stdio </tmp/zoo.in >"$log" 2>&1 & pid=$!
  exec 7>/tmp/zoo.in
  n=0
  while [ $n -lt 1200 ] && ! grep -q L2-DUMPED "$log" && kill -0 $pid 2>/dev/null; do
    sleep 0.1; n=$((n + 1))
  done
  for b in $live; do pcidump "$b" >"/tmp/live-$b"; done
  (echo go >&7) 2>/dev/null  # a subshell: if ptvm is gone, SIGPIPE ends only it
  n=0
  while [ $n -lt 1500 ] && kill -0 $pid 2>/dev/null; do
    if [ -n "${ZOO_TERM_ON:-}" ] && [ -z "$termed" ] && grep -q "$ZOO_TERM_ON" "$log"; then
      kill -TERM $pid; termed=1
    fi
    sleep 0.1; n=$((n + 1))
  done
  # twice: the first only presses the guest's power button
  kill -0 $pid 2>/dev/null && { kill -TERM $pid; sleep 1; kill -TERM $pid 2>/dev/null; }
  wait $pid; rc=$?
  [ $n -ge 1500 ] && rc=124
  [ $rc = 0 ] || kvm_trace_dump "$(basename "$log" .log)"
  exec 7>&-
  exit_why "$log"
  e=$(cut -d' ' -f1 /proc/uptime)
  secs=$(awk "BEGIN {print $e - $s}")
  tr -d '\r' <"$log" >"$log.txt"; mv "$log.txt" "$log"
  without_dump "$log"
}

# without_dump LOG: the console log without the PCI dump's HEX and RES lines, but with
# anything ptvm printed that landed on one of them (a failure in the middle of a dump)
without_dump() {
  sed 's/^\(HEX\|RES \|PCIZ \).*\(ptvm: .*\)$/\2/' "$1" | grep -v '^HEX\|^RES \|^PCIZ '
}

# type_into NAME LINE PTVM-RUN-ARGS...: boots `ptvm run ARGS --console stdio` (the guest
# with l2.action=echo) with its stdin a fifo, types LINE once the guest says L2-READY,
# and checks that the guest echoed it and that ptvm exited 0. Console in /tmp/NAME.log.
# A guest that never powers off (the line lost) is stopped after 60 s: rc 124.
type_into() {
  local name=$1 line=$2 n=0 pid
  shift 2
  rm -f /tmp/$name.in; mkfifo /tmp/$name.in
  kvm_trace_start
  ptvm run "$@" --console stdio </tmp/$name.in >/tmp/$name.log 2>&1 & pid=$!
  exec 3>/tmp/$name.in
  while [ $n -lt 300 ] && ! grep -q L2-READY /tmp/$name.log; do sleep 0.1; n=$((n + 1)); done
  echo "$line" >&3
  n=0
  while [ $n -lt 600 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
  # twice: the first only presses the guest's power button
  kill -0 $pid 2>/dev/null && { kill -TERM $pid; sleep 1; kill -TERM $pid 2>/dev/null; }
  wait $pid; rc=$?
  [ $n -ge 600 ] && rc=124
  exec 3>&-
  cat /tmp/$name.log
  check "$name: the typed line reaches the guest" grep -q "L2-ECHO: $line" /tmp/$name.log
  check "$name: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
}
