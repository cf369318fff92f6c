# Guest isolation on real VFIO + iommufd + IOMMU: a hostile guest (the isolation payload)
# has an assigned edu DMA outside its RAM both ways, writes garbage to all of the edu's
# config space (0xcf8/0xcfc and ECAM) and to every MSI-X table entry and the PBA of the
# assigned e1000e, and pokes MMIO where nothing is. ptvm must stay up and the guest must
# see sane values; L1's IOMMU must have blocked the DMA (a DMAR fault for that address);
# afterwards the edu still works for the next guest.
edu=$EDU_ROOT
nic=$NIC
for d in $edu $nic; do
  [ -e /sys/bus/pci/devices/$d/vfio-dev ] || check "bind $d to vfio-pci" bind_vfio $d
done
dmesg -c >/dev/null
timeout 90 ptvm run --payload /lab/files/payloads/isolation.bin --memory 64M --device testdev \
  --device vfio,bdf=$edu --device vfio,bdf=$nic --console stdio </dev/null >/tmp/iso.log 2>&1
rc=$?
cat /tmp/iso.log
dmesg >/tmp/iso.dmesg
grep -i -e dmar -e iommu /tmp/iso.dmesg | head -8
check "hostile guest: ptvm stays up and exits 0 when it powers off (got $rc)" [ "$rc" = 0 ]
check "hostile guest: edu DMA outside guest RAM brought no host data in" \
  grep -q "isolation: DMA outside RAM did not reach the guest" /tmp/iso.log
check "hostile guest: L1's IOMMU blocked the DMA read from 0x8000000 (DMAR fault)" \
  grep -q "DMA Read .*\[\(0000:\)\?$(echo $edu | cut -c6-)\] fault addr 0x8000000" /tmp/iso.dmesg
check "hostile guest: L1's IOMMU blocked the DMA write to 0x8000000 (DMAR fault)" \
  grep -q "DMA Write .*\[\(0000:\)\?$(echo $edu | cut -c6-)\] fault addr 0x8000000" /tmp/iso.dmesg
check "hostile guest: config garbage by 0xcf8 and ECAM; ID read-only, BAR sizing, device answers" \
  grep -q "isolation: config garbage survived, ID and BAR sane" /tmp/iso.log
check "hostile guest: unmapped MMIO reads all ones" \
  grep -q "isolation: unmapped MMIO reads all ones" /tmp/iso.log
check "hostile guest: MSI-X table and PBA garbage on the e1000e; vector control sane" \
  grep -q "isolation: MSI-X table garbage survived" /tmp/iso.log
check "hostile guest: ptvm printed no error" sh -c '! grep -q "^ptvm run:\|^ptvm: vCPU" /tmp/iso.log'

timeout 60 ptvm run --payload /lab/files/payloads/edu.bin --memory 64M --device testdev \
  --device vfio,bdf=$edu --console stdio </dev/null >/tmp/iso-after.log 2>&1
rc=$?
cat /tmp/iso-after.log
check "after the hostile guest, the edu works for the next one (exit $rc)" \
  grep -q "edu in slot 01 ok" /tmp/iso-after.log
