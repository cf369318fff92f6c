# Two functions a hot reset touches together (one two-function edu behind a root port,
# one IOMMU group) assigned to one guest with reset=hot: the secondary bus reset runs once
# every function is bound (both owned by this VM's iommufd), covers both, and both work;
# an L2 Linux guest holding both sees each as L1 does (the fidelity oracle).
set -- $EDU_PAIR
f0=$1 f1=$2
for d in $f0 $f1; do
  pcidump $d >/tmp/$d.host
  [ -e /sys/bus/pci/devices/$d/vfio-dev ] || check "bind $d to vfio-pci" bind_vfio $d
done
g0=$(basename "$(readlink /sys/bus/pci/devices/$f0/iommu_group)")
g1=$(basename "$(readlink /sys/bus/pci/devices/$f1/iommu_group)")
ok "measure: $f0 and $f1 are in IOMMU groups $g0 and $g1"
timeout 90 ptvm run --payload /lab/files/payloads/edu.bin --memory 64M --device testdev \
  --device vfio,bdf=$f0,reset=hot --device vfio,bdf=$f1,reset=hot --console stdio --verbose \
  </dev/null >/tmp/pair.log 2>&1
rc=$?
grep -v "config 0x" /tmp/pair.log
exit_why /tmp/pair.log
check "two functions, reset=hot: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "two functions, reset=hot: one secondary bus reset covered both" \
  grep -q "$f0: hot reset (secondary bus reset, 2 function(s))" /tmp/pair.log
n=$(sed '/devices ready/q' /tmp/pair.log | grep -c "hot reset (secondary bus reset")
check "two functions, reset=hot: one reset at start, not one per function ($n)" [ "$n" = 1 ]
check "two functions, reset=hot: both edus work in the guest" grep -q "2 edu device(s) passed" /tmp/pair.log

# One of them alone: vfio-pci counts a function whose IOMMU group this VM owns as owned
# (nobody else can have it), so the bus reset is allowed and covers both.
timeout 60 ptvm run --payload /lab/files/payloads/edu.bin --memory 64M --device testdev \
  --device vfio,bdf=$f0,reset=hot --console stdio --verbose </dev/null >/tmp/one.log 2>&1
rc=$?
grep -v "config 0x" /tmp/one.log
check "one function of two (one IOMMU group), reset=hot: exit 0 (got $rc)" [ "$rc" = 0 ]
check "one function of two (one IOMMU group), reset=hot: the bus reset covered both" \
  grep -q "$f0: hot reset (secondary bus reset, 2 function(s))" /tmp/one.log

# The pair in a Linux guest, at guest slots 4 and 5: the oracle for each function.
run_zoo_guest /tmp/pair-l2.log "$f0 $f1" --kernel /lab/files/bzImage \
  --initrd /lab/files/l2-initrd.gz --memory 256M --cmdline "console=ttyS0 quiet l2.action=zoo" \
  --device vfio,bdf=$f0,reset=hot,slot=4 --device vfio,bdf=$f1,reset=hot,slot=5
check "two functions in a Linux guest: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
oracle edu-fn0 /tmp/$f0.host /tmp/pair-l2.log 0000:00:04.0
oracle edu-fn0 /tmp/live-$f0 /tmp/pair-l2.log 0000:00:04.0 --live
oracle edu-fn1 /tmp/$f1.host /tmp/pair-l2.log 0000:00:05.0
oracle edu-fn1 /tmp/live-$f1 /tmp/pair-l2.log 0000:00:05.0 --live
