# The same L2 boot with the lab's e1000e assigned: ptvm --device vfio vs QEMU -M q35 with
# vfio-pci on iommufd (microvm has no PCI bus by default, so it has no such case).
. /lab/bench-common.sh
nic=$NIC
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || bind_vfio $nic
qemu_boot="$qemu_base -m 256M -object memory-backend-memfd,id=mem,size=256M -kernel $k -initrd $i"
for run in $(seq 1 $RUNS); do
  measure nic-ptvm L2-MARKER - ptvm run --kernel $k --initrd $i --memory 256M --cmdline "$args" \
    --console stdio --device vfio,bdf=$nic
  report nic ptvm $run 0
  measure nic-q35 L2-MARKER - qemu-system-x86_64 -M q35,memory-backend=mem $qemu_boot -append "$args" \
    -object iommufd,id=iommufd0 -device vfio-pci,host=$nic,iommufd=iommufd0,rombar=0
  report nic qemu-q35 $run 0
done
ok "boot with the e1000e assigned: $RUNS runs of each VMM"
