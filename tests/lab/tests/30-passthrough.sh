# Passthrough on real VFIO + iommufd: the edu payload finds each assigned edu through
# 0xcf8, reads its ID through the mmapped BAR, DMAs RAM -> device -> RAM through the IOMMU
# and receives MSIs (a raised interrupt and a DMA completion).
edu_root=$EDU_ROOT
edu_port=$EDU_PORT
for d in $edu_root $edu_port; do
  [ -e /sys/bus/pci/devices/$d/vfio-dev ] || bind_vfio $d
done
p=/lab/files/payloads/edu.bin

assign() { # assign NAME DEVICE-OPTIONS...: runs the payload, leaves /tmp/NAME.log and $rc
  local name=$1; shift
  timeout 60 ptvm run --payload $p --memory 64M --device testdev "$@" --console stdio \
    </dev/null >/tmp/$name.log 2>&1
  rc=$?
  echo "--- $name: exit $rc"; cat /tmp/$name.log
}

assign root --device vfio,bdf=$edu_root
check "edu on the root bus: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "edu on the root bus: ID via BAR, DMA through the IOMMU, MSI" grep -q "edu in slot 01 ok" /tmp/root.log
check "edu on the root bus: the guest saw 1 edu" grep -q "1 edu device(s) passed" /tmp/root.log

assign port --device vfio,path=$(vfio_cdev $edu_port)
check "edu behind the root port, by cdev path: exit 0 (got $rc)" [ "$rc" = 0 ]
check "edu behind the root port: ID, DMA, MSI" grep -q "edu in slot 01 ok" /tmp/port.log

assign both --device vfio,bdf=$edu_root --device vfio,bdf=$edu_port
check "both edus in one guest (one IOAS): exit 0 (got $rc)" [ "$rc" = 0 ]
check "both edus in one guest: 2 passed" grep -q "2 edu device(s) passed" /tmp/both.log

assign again --device vfio,bdf=$edu_root
check "the same device again after teardown: exit 0 (got $rc)" [ "$rc" = 0 ]

p=/lab/files/payloads/intx.bin
assign intx --device vfio,bdf=$edu_port
check "INTx (irqfd + resample -> VFIO unmask): exit 0 (got $rc)" [ "$rc" = 0 ]
check "INTx: 50 level-triggered interrupts arrived" grep -q "INTx: 50 interrupts on GSI" /tmp/intx.log
p=/lab/files/payloads/edu.bin

ptvm run --payload $p --device vfio,bdf=$edu_root --device vfio,bdf=$edu_root --console none \
  </dev/null >/tmp/twice.log 2>&1; rc=$?
cat /tmp/twice.log
check "the same device twice: refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "the same device twice: the error says so" grep -q "ptvm run: --device vfio: $edu_root is assigned twice" /tmp/twice.log

# File descriptors handed in by a management stack: an iommufd and a device cdev.
# (No `timeout` wrapper here: its watchdog process would inherit and keep the cdev open,
# leaving the device bound after ptvm exits.)
exec 5<>/dev/iommu 6<>$(vfio_cdev $edu_port)
ptvm run --payload $p --memory 64M --device testdev --iommufd 5 --device vfio,fd=6 \
  --console stdio </dev/null >/tmp/fds.log 2>&1
rc=$?
exec 5>&- 6>&-
cat /tmp/fds.log
check "fds from a management stack (--iommufd 5 --device vfio,fd=6): exit 0 (got $rc)" [ "$rc" = 0 ]
check "fds from a management stack: ID, DMA, MSI" grep -q "edu in slot 01 ok" /tmp/fds.log

# Reset policies. The root-bus edu has no reset at all; the one behind the root port has a
# function reset (VFIO_DEVICE_RESET) and a hot reset (its bus is the root port's).
assign hot --device vfio,bdf=$edu_port,reset=hot --verbose
check "reset=hot behind the root port: exit 0 (got $rc)" [ "$rc" = 0 ]
check "reset=hot behind the root port: a secondary bus reset was done" grep -q "$edu_port: hot reset (secondary bus reset, 1 function(s))" /tmp/hot.log
assign auto_root --device vfio,bdf=$edu_root --verbose
check "reset=auto on the root bus: runs without one (exit $rc)" [ "$rc" = 0 ]
check "reset=auto on the root bus: says there is no reset method" grep -q "$edu_root: no reset method" /tmp/auto_root.log
assign hot_root --device vfio,bdf=$edu_root,reset=hot
check "reset=hot on the root bus: refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "reset=hot on the root bus: the error says why" grep -q "no PCI hot reset" /tmp/hot_root.log
assign fn_root --device vfio,bdf=$edu_root,reset=function
check "reset=function on the root bus: refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "reset=function on the root bus: the error suggests what to do" grep -q "try reset=hot or reset=none" /tmp/fn_root.log
