# The soak (bench/soak): many boots of the same L2 (lab kernel, busybox initramfs) with 2
# and 4 vCPUs, and every SOAK_EVERY rounds with 1 vCPU and as the NIC guest, ptvm beside
# QEMU 10 on L1's KVM: microvm every round, q35 every second round, and q35 with 4 vCPUs
# only every SOAK_EVERY rounds (some L1 boots hang it every time, with the lab's own
# signature: docs/soak.md; 100 s lost per try). SOAK_CASES replaces the rotation with its
# own list (e.g. "dump": 1 vCPU with the e1000e assigned, reading every PCI function's
# config space through sysfs SOAK_DUMP_LOOPS times, the lab's most exit-heavy phase;
# "vfpair": two guests at once with an igb VF each, below; "topo": 20-boot's 4 vCPUs as 2
# sockets of 2 threads, printing the topology the guest found); with SOAK_CASES every VMM
# boots every case every round. Each boot prints one line
#   soak vmm=V case=C round=R rc=N secs=S kind=K
# and a failed one its console and stderr tail and what L1's KVM traced of it (a ring of
# kvm_exit, kvm_inj_exception, kvm_cr, kvm_msr, kvm_apic_ipi, ... cleared before each boot).
. /lab/bench-common.sh
. /lab/soak-settings
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
if [ -w $T/trace ]; then
  echo 8192 >$T/buffer_size_kb
  for e in kvm_exit kvm_inj_exception kvm_cr kvm_msr kvm_apic_ipi kvm_apic_accept_irq \
           kvm_userspace_exit kvm_triple_fault kvm_emulate_insn kvm_pio kvm_mmio; do
    for f in $T/events/kvm/$e/enable; do [ -w "$f" ] && echo 1 >"$f"; done
  done
  echo "soak: tracing $(cat $T/set_event | tr '\n' ' ')"
else
  echo "soak: no tracefs in L1: failures come without a KVM trace"
fi
grep "System RAM" /proc/iomem | sed 's/^/SOAK-L1-RAM: /' # to place a wild guest-physical address
nic=$NIC
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || bind_vfio $nic
qemu_common="-accel kvm -cpu host -nodefaults -no-user-config -display none -serial stdio
  -monitor none -no-reboot -L /qemu/share -kernel $k -initrd $i"

# limited SECS COMMAND...: runs it with stdin /dev/null; after SECS a SIGTERM, another 1 s
# later (ptvm's first only presses the guest's power button), 10 s later a SIGKILL (a VMM
# stuck in the kernel ignores them). Sets rc (its status) and hung.
limited() {
  local secs=$1 pid n=0
  shift
  "$@" </dev/null & pid=$!
  while [ $n -lt $((secs * 10)) ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
  hung=0
  if kill -0 $pid 2>/dev/null; then
    hung=1
    kill -TERM $pid
    sleep 1
    kill -TERM $pid 2>/dev/null
    n=0
    while [ $n -lt 100 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
    kill -0 $pid 2>/dev/null && { hung=2; kill -KILL $pid; }
  fi
  wait $pid
  rc=$?
}

# boot VMM CASE ROUND: one boot (at most 90 s), classified
boot() {
  local vmm=$1 case=$2 round=$3 cpus mem action="" name=$1-$2 s e kind cl smp qsmp
  case $case in
    smp1) cpus=1 mem=256 ;; smp2) cpus=2 mem=512 ;; smp4) cpus=4 mem=1024 ;;
    topo) cpus=4 mem=512 action=l2.action=topo # 20-boot's 2-socket guest
      smp=4,sockets=2,threads=2 qsmp=4,sockets=2,cores=1,threads=2 ;;
    nic) cpus=1 mem=256 action=l2.action=nic ;;
    dump) cpus=1 mem=256 action="l2.action=dumploop l2.loops=$SOAK_DUMP_LOOPS" ;;
  esac
  smp=${smp:-$cpus} qsmp=${qsmp:-$cpus}
  cl="console=ttyS0 quiet $action $SOAK_CMDLINE"
  [ -w $T/trace ] && echo >$T/trace
  s=$(cut -d' ' -f1 /proc/uptime)
  case $vmm in
    ptvm)
      set -- ptvm run --kernel $k --initrd $i --cpus $smp --memory ${mem}M --cmdline "$cl" --console stdio
      { [ $case = nic ] || [ $case = dump ]; } && set -- "$@" --device vfio,bdf=$nic ;;
    microvm)
      set -- qemu-system-x86_64 $qemu_common -smp $qsmp -m ${mem}M -M microvm -append "$cl" ;;
    q35)
      set -- qemu-system-x86_64 $qemu_common -smp $qsmp -m ${mem}M -M q35 -append "$cl"
      { [ $case = nic ] || [ $case = dump ]; } && set -- "$@" -object iommufd,id=iommufd0 \
        -device vfio-pci,host=$nic,iommufd=iommufd0,rombar=0 ;;
  esac
  echo "soak-start vmm=$vmm case=$case round=$round"
  limited 90 "$@" >/tmp/$name.log 2>/tmp/$name.err
  e=$(cut -d' ' -f1 /proc/uptime)
  tr -d '\r' </tmp/$name.log >/tmp/$name.txt
  if grep -q "L2-MARKER .* cpus=$cpus " /tmp/$name.txt; then marker=1; else marker=0; fi
  if [ $rc = 0 ] && [ $marker = 1 ] &&
     { [ $case != nic ] || grep -q "L2-NIC: ping ok" /tmp/$name.txt; } &&
     { [ $case != dump ] || grep -q "L2-DUMPLOOP: rounds=$SOAK_DUMP_LOOPS " /tmp/$name.txt; }; then kind=ok
  elif grep -q "triple fault" /tmp/$name.err; then kind=triple-fault
  elif [ $hung != 0 ] && grep -q "L2-MARKER" /tmp/$name.txt; then kind=hang-after-marker
  elif [ $hung != 0 ]; then kind=hang-before-marker
  elif [ $rc = 0 ] && [ $vmm != ptvm ] && ! grep -q "L2-MARKER" /tmp/$name.txt; then
    kind=reset-before-marker # QEMU -no-reboot: a triple fault or a reboot ends it with 0
  elif grep -q "L2-MARKER" /tmp/$name.txt && [ $marker = 0 ]; then kind=missing-cpus
  elif [ $case = nic ] && [ $rc = 0 ]; then kind=no-ping
  else kind=exit-$rc
  fi
  [ $hung = 2 ] && kind=$kind-sigkill # SIGTERM did not end it
  echo "soak vmm=$vmm case=$case round=$round rc=$rc secs=$(awk "BEGIN {printf \"%.2f\", $e - $s}") kind=$kind"
  grep "L2-DUMPLOOP" /tmp/$name.txt | sed "s/^/SOAK-DUMP $vmm $round: /"
  [ $kind = ok ] && return
  tail -40 /tmp/$name.txt | sed "s/^/SOAK-CONSOLE $vmm $case $round: /"
  tail -20 /tmp/$name.err | sed "s/^/SOAK-STDERR $vmm $case $round: /"
  if [ -w $T/trace ]; then
    echo 0 >$T/tracing_on
    grep -E 'kvm_inj_exception|kvm_apic_ipi|kvm_triple_fault|shutdown|kvm_cr' $T/trace | tail -120 |
      sed "s/^/SOAK-TRACE-KEY $vmm $case $round: /"
    tail -300 $T/trace | sed "s/^/SOAK-TRACE $vmm $case $round: /"
    echo 1 >$T/tracing_on
  fi
}

# vfpair VMM ROUND: the 72-sriov sequence, the lab's most failure-prone: two 1-vCPU guests
# at once, each with an igb VF (q35: vfio-pci on iommufd), each dumping every PCI
# function's config space in hex to its UART (l2.hexdump=1: about 26 KB, every byte an
# exit), then pinging through its VF; one line per guest, case=vfpair
vf_ready=0
vfpair() {
  local vmm=$1 round=$2 g pids="" s e cl vf
  if [ $vf_ready = 0 ]; then
    pf=$IGB_PF
    ip link set "$(ls /sys/bus/pci/devices/$pf/net | head -1)" up
    vfs=$(sriov_vfs $pf 2)
    for vf in $vfs; do bind_vfio $vf; done
    vf_ready=1
  fi
  [ -w $T/trace ] && { echo >$T/trace; echo 1 >$T/tracing_on; }
  echo "soak-start vmm=$vmm case=vfpair round=$round"
  s=$(cut -d' ' -f1 /proc/uptime) g=0
  for vf in $vfs; do
    cl="console=ttyS0 quiet l2.action=zoo l2.hexdump=1 l2.ip=$((15 + g)) $SOAK_CMDLINE"
    rm -f /tmp/vfpair$g.in; mkfifo /tmp/vfpair$g.in
    if [ $vmm = ptvm ]; then
      ptvm run --kernel $k --initrd $i --memory 256M --device vfio,bdf=$vf,slot=3 \
        --cmdline "$cl" --console stdio </tmp/vfpair$g.in >/tmp/vfpair$g.log 2>&1 &
    else
      qemu-system-x86_64 $qemu_common -smp 1 -m 256M -M q35 -append "$cl" \
        -object iommufd,id=iommufd0 -device vfio-pci,host=$vf,iommufd=iommufd0,rombar=0 \
        </tmp/vfpair$g.in >/tmp/vfpair$g.log 2>&1 &
    fi
    pids="$pids $!"
    eval "exec $((7 + g))>/tmp/vfpair$g.in"
    g=$((g + 1))
  done
  set -- $pids
  n=0 # both dump, then both go on (as in 72-sriov); 90 s at most for all
  while [ $n -lt 900 ] && ! { grep -q L2-DUMPED /tmp/vfpair0.log && grep -q L2-DUMPED /tmp/vfpair1.log; }; do
    kill -0 $1 2>/dev/null && kill -0 $2 2>/dev/null || break
    sleep 0.1; n=$((n + 1))
  done
  (echo go >&7) 2>/dev/null; (echo go >&8) 2>/dev/null
  while [ $n -lt 900 ] && { kill -0 $1 2>/dev/null || kill -0 $2 2>/dev/null; }; do sleep 0.1; n=$((n + 1)); done
  kill -KILL $1 $2 2>/dev/null
  e=$(cut -d' ' -f1 /proc/uptime)
  for g in 0 1; do
    wait $1; rc=$?; shift
    tr -d '\r' </tmp/vfpair$g.log >/tmp/vfpair$g.txt
    if [ $rc = 0 ] && grep -q "L2-NET: eth0 ping ok" /tmp/vfpair$g.txt && grep -q "Power down" /tmp/vfpair$g.txt; then kind=ok
    elif grep -q "triple fault" /tmp/vfpair$g.txt; then kind=triple-fault
    elif [ $rc = 0 ] && [ $vmm != ptvm ]; then kind=reset # QEMU -no-reboot: a triple fault ends it with 0
    elif [ $rc = 137 ]; then kind=hang
    else kind=exit-$rc
    fi
    echo "soak vmm=$vmm case=vfpair round=$round rc=$rc secs=$(awk "BEGIN {printf \"%.2f\", $e - $s}") kind=$kind"
    [ $kind = ok ] && continue
    grep -v '^HEX\|^RES \|^PCIZ ' /tmp/vfpair$g.txt | tail -20 | sed "s/^/SOAK-CONSOLE $vmm vfpair $round: guest $g: /"
    [ -r $T/trace ] && grep -iE 'kvm_inj_exception: #[DP]F|shutdown|triple' $T/trace | tail -20 |
      sed "s/^/SOAK-TRACE-KEY $vmm vfpair $round: /"
  done
  exec 7>&- 8>&-
}

echo "soak: $SOAK_ROUNDS rounds, extra command line '$SOAK_CMDLINE', VMMs: $SOAK_VMMS"
for round in $(seq 1 $SOAK_ROUNDS); do
  cases="smp2 smp4"
  [ $((round % SOAK_EVERY)) = 0 ] && cases="smp1 smp2 smp4 nic"
  [ -n "$SOAK_CASES" ] && cases=$SOAK_CASES
  for c in $cases; do
    for v in $SOAK_VMMS; do
      case $v-$c in
        microvm-nic|microvm-dump|microvm-vfpair) continue ;; # no PCI bus on microvm
        *-vfpair) vfpair $v $round; continue ;;
        *) [ -z "$SOAK_CASES" ] || { boot $v $c $round; continue; } ;; # asked for: every round
      esac
      case $v-$c in
        q35-dump) ;;                                # the config-read case: every time
        q35-nic) ;;                                 # the NIC guest: every time
        q35-smp4) [ $((round % SOAK_EVERY)) = 0 ] || continue ;; # 100 s per hang (above)
        q35-*) [ $((round % 2)) = 0 ] || continue ;;
      esac
      boot $v $c $round
    done
  done
done
ok "soak: $SOAK_ROUNDS rounds"
