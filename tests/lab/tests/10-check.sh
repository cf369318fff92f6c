# 'ptvm check' on real VFIO + iommufd + KVM: FAIL with a hint for a device still bound to
# its native driver, PASS once every device is bound to vfio-pci.
# The topology lib.sh names, as L1 found it.
ids() { echo "$(cat /sys/bus/pci/devices/$1/vendor 2>/dev/null):$(cat /sys/bus/pci/devices/$1/device 2>/dev/null)"; }
for want in "$EDU_ROOT 0x1234:0x11e8" "$EDU_PORT 0x1234:0x11e8" "$NIC 0x8086:0x10d3" \
            "$IGB_PF 0x8086:0x10c9" "$NVME 0x1b36:0x0010" "$VIRTIO_NET 0x1af4:0x1041" \
            "$E1000 0x8086:0x100e" "$RTL8139 0x10ec:0x8139" "$IVSHMEM 0x1af4:0x1110" \
            "${EDU_PAIR% *} 0x1234:0x11e8" "${EDU_PAIR#* } 0x1234:0x11e8"; do
  set -- $want
  check "topology: $1 is $2" [ "$(ids $1)" = "$2" ]
done
edu_root=$EDU_ROOT edu_port=$EDU_PORT nic=$NIC

# 1. The NIC is still bound to e1000e.
ptvm check "$nic" >/tmp/native.txt; rc=$?
cat /tmp/native.txt
check "check exits 1 for a device bound to its native driver (got $rc)" [ "$rc" = 1 ]
check "driver line says e1000e, not vfio-pci" \
  grep -q "FAIL  driver       bound to e1000e, not vfio-pci" /tmp/native.txt
check "hint says how to rebind to vfio-pci" \
  grep -q "hint: echo vfio-pci > /sys/bus/pci/devices/$nic/driver_override; echo $nic > /sys/bus/pci/devices/$nic/driver/unbind; echo $nic > /sys/bus/pci/drivers_probe" /tmp/native.txt
ptvm check --json "$nic" >/tmp/native.json
check "--json reports the driver FAIL" \
  grep -q "\"subject\":\"$nic\",\"check\":\"driver\",\"status\":\"FAIL\"" /tmp/native.json

check "check: the lab kernel filters system calls (ptvm run's default)" \
  grep -q "PASS  seccomp      the kernel filters system calls" /tmp/native.txt

# 2. Bind everything to vfio-pci.
for d in $edu_root $edu_port $nic; do
  check "bind $d to vfio-pci" bind_vfio "$d"
done

# 3. Everything passes (the root-bus edu has no reset method: a WARN, not a FAIL).
ptvm check --memory 1G "$edu_root" "$edu_port" "$nic" >/tmp/bound.txt; rc=$?
cat /tmp/bound.txt
check "check exits 0 with all devices bound (got $rc)" [ "$rc" = 0 ]
check "no FAIL line" sh -c "! grep -q FAIL /tmp/bound.txt"
for c in kvm kvm-caps kvm-vfio memlock iommu iommufd; do
  check "host $c PASS" grep -q "PASS  $c " /tmp/bound.txt
done
for d in $edu_root $edu_port $nic; do
  for c in device driver iommu-group cdev; do
    check "$d $c PASS" sh -c "sed -n '/^$d:/,/^\$/p' /tmp/bound.txt | grep -q 'PASS  $c '"
  done
done
check "root-bus edu: reset WARN (it has no reset method)" \
  sh -c "sed -n '/^$edu_root:/,/^\$/p' /tmp/bound.txt | grep -q 'WARN  reset'"
check "edu behind the root port: reset PASS" \
  sh -c "sed -n '/^$edu_port:/,/^\$/p' /tmp/bound.txt | grep -q 'PASS  reset'"

# The newer uAPI: what this kernel offers, as ptvm finds out by asking it.
if [ "$LAB_KERNEL" = 7.2 ]; then
  check "7.2: IOMMU_IOAS_MAP_FILE offered" grep -q "PASS  map-file .*offered" /tmp/bound.txt
  check "7.2: IOMMU_IOAS_CHANGE_PROCESS offered" grep -q "PASS  change-process .*offered" /tmp/bound.txt
  check "7.2: VF token at bind offered ($nic)" \
    sh -c "sed -n '/^$nic:/,/^\$/p' /tmp/bound.txt | grep -q 'PASS  vf-token .*offered'"
  check "7.2: dma-buf export reported absent (the lab kernel has no PCI_P2PDMA)" \
    sh -c "sed -n '/^$nic:/,/^\$/p' /tmp/bound.txt | grep -q 'WARN  dma-buf .*absent'"
else
  check "$LAB_KERNEL: IOMMU_IOAS_MAP_FILE reported absent" grep -q "WARN  map-file .*absent" /tmp/bound.txt
  check "$LAB_KERNEL: VF token at bind reported absent ($nic)" \
    sh -c "sed -n '/^$nic:/,/^\$/p' /tmp/bound.txt | grep -q 'WARN  vf-token .*absent'"
fi

# 4. A cdev path resolves to its PCI address.
cdev=$(vfio_cdev "$nic")
ptvm check "$cdev" >/tmp/cdev.txt; rc=$?
check "check $cdev exits 0 (got $rc)" [ "$rc" = 0 ]
check "$cdev is reported as $nic" grep -q "^$nic:" /tmp/cdev.txt
