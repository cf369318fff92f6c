# SR-IOV: L1's igb driver creates two virtual functions of the 82576; each is bound to
# vfio-pci and assigned to its own L2 guest, the two guests (two ptvm processes, two
# iommufds) running at the same time, each passing traffic through its VF with igbvf.
# The VFs must be in IOMMU groups of their own (as on real SR-IOV hardware), and the
# oracle compares each guest's view of its VF with L1's.
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
g=0000:00:03.0
pf=$IGB_PF
pfnet=$(ls /sys/bus/pci/devices/$pf/net 2>/dev/null | head -1)
check "igb PF $pf has a netdev ($pfnet)" [ -n "$pfnet" ]
ip link set "$pfnet" up
vfs=$(sriov_vfs $pf 2)
vf0=$(echo "$vfs" | sed -n 1p) vf1=$(echo "$vfs" | sed -n 2p)
check "sriov_numvfs=2 created two VFs ($vf0, $vf1)" [ -n "$vf0" -a -n "$vf1" ]
grp() { basename "$(readlink /sys/bus/pci/devices/$1/iommu_group)"; }
gp=$(grp $pf) g0=$(grp $vf0) g1=$(grp $vf1)
check "each VF is in an IOMMU group of its own (PF $gp, VFs $g0 and $g1)" \
  [ "$g0" != "$g1" -a "$g0" != "$gp" -a "$g1" != "$gp" -a \
    "$(ls /sys/kernel/iommu_groups/$g0/devices | wc -l)" = 1 -a \
    "$(ls /sys/kernel/iommu_groups/$g1/devices | wc -l)" = 1 ]
for v in $vf0 $vf1; do
  pcidump $v >/tmp/$v.host
  check "bind VF $v to vfio-pci" bind_vfio $v
done

# Both guests start; both must reach their dump (so both hold their VF at once) before
# either goes on to its traffic.
start() { # LOG VF IP
  rm -f $1.in; mkfifo $1.in
  ptvm run --kernel $k --initrd $i --memory 256M --device vfio,bdf=$2,slot=3 \
    --cmdline "console=ttyS0 quiet l2.action=zoo l2.ip=$3" --console stdio <$1.in >$1 2>&1 &
}
s=$(cut -d' ' -f1 /proc/uptime)
kvm_trace_start
start /tmp/vf0.log $vf0 15; p0=$!; exec 7>/tmp/vf0.log.in
start /tmp/vf1.log $vf1 16; p1=$!; exec 8>/tmp/vf1.log.in
n=0
while [ $n -lt 1200 ] && ! { grep -q L2-DUMPED /tmp/vf0.log && grep -q L2-DUMPED /tmp/vf1.log; }; do
  kill -0 $p0 2>/dev/null && kill -0 $p1 2>/dev/null || break
  sleep 0.1; n=$((n + 1))
done
both=0
grep -q L2-DUMPED /tmp/vf0.log && grep -q L2-DUMPED /tmp/vf1.log && kill -0 $p0 && kill -0 $p1 && both=1
check "two guests hold a VF each at the same time" [ $both = 1 ]
pcidump $vf0 >/tmp/live-$vf0
pcidump $vf1 >/tmp/live-$vf1
(echo go >&7) 2>/dev/null; (echo go >&8) 2>/dev/null
n=0
while [ $n -lt 1500 ] && { kill -0 $p0 2>/dev/null || kill -0 $p1 2>/dev/null; }; do sleep 0.1; n=$((n + 1)); done
kill -TERM $p0 $p1 2>/dev/null; sleep 1; kill -TERM $p0 $p1 2>/dev/null # twice: no power button wait
wait $p0; r0=$?
wait $p1; r1=$?
exec 7>&- 8>&-
{ [ "$r0" = 0 ] && [ "$r1" = 0 ]; } || kvm_trace_dump vf-guests
rc=$r0; exit_why /tmp/vf0.log; why0=$why
rc=$r1; exit_why /tmp/vf1.log; why1=$why
e=$(cut -d' ' -f1 /proc/uptime)
for v in 0 1; do
  tr -d '\r' </tmp/vf$v.log >/tmp/vf$v.txt; mv /tmp/vf$v.txt /tmp/vf$v.log
  without_dump /tmp/vf$v.log
done
check "VF guest 0: ptvm exits 0 (got $r0$why0)" [ "$r0" = 0 ]
check "VF guest 1: ptvm exits 0 (got $r1$why1)" [ "$r1" = 0 ]
for v in 0 1; do
  vf=$(eval echo \$vf$v)
  check "VF guest $v: igbvf drives its VF" grep -q "L2-NET: eth0 pci=$g driver=igbvf " /tmp/vf$v.log
  check "VF guest $v: 10.0.2.2 answers 5 pings through the VF" \
    grep -q "L2-PING: eth0 5 packets transmitted, 5 packets received" /tmp/vf$v.log
  irqs=$(grep "L2-IRQ: .*PCI-MSIX.*eth0" /tmp/vf$v.log | awk '{s += $3} END {print s + 0}')
  check "VF guest $v: $irqs MSI-X interrupts counted" [ "$irqs" -gt 0 ]
  oracle vf$v /tmp/$vf.host /tmp/vf$v.log $g
  oracle vf$v /tmp/live-$vf /tmp/vf$v.log $g --live
  ok "measure: VF guest $v: ping $(sed -n 's/.*L2-PING: eth0 round-trip min\/avg\/max = //p' /tmp/vf$v.log), $irqs interrupts"
done
ok "measure: two VF guests side by side: $(awk "BEGIN {print $e - $s}")s from start to both powered off"
echo 0 >/sys/bus/pci/devices/$pf/sriov_numvfs
