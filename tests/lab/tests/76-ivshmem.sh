# A large 64-bit prefetchable BAR: ivshmem-plain's BAR 2 is 1 GiB of memory shared with a
# file on the host (QEMU's memory-backend-file). The guest writes a pattern at its start,
# its middle and its last word through the mapping ptvm gave it (a KVM memslot over the
# VFIO mmap: no exits); 76-ivshmem.check finds it in the file on the host.
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
g=0000:00:03.0
pcidump $IVSHMEM >/tmp/ivshmem.host
[ -e /sys/bus/pci/devices/$IVSHMEM/vfio-dev ] || check "bind $IVSHMEM to vfio-pci" bind_vfio $IVSHMEM
run_zoo_guest /tmp/ivshmem.log $IVSHMEM --kernel $k --initrd $i --memory 256M \
  --cmdline "console=ttyS0 quiet l2.action=zoo l2.ivshmem=1" --device vfio,bdf=$IVSHMEM,slot=3 \
  --verbose
check "ivshmem: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
base=$(sed -n 's/.*L2-IVSHMEM: .* BAR2 at \(0x[0-9a-f]*\):.*/\1/p' /tmp/ivshmem.log)
check "ivshmem: the guest found BAR 2 in the 64-bit window ($base)" \
  [ -n "$base" -a "$(printf '%d' "$base" 2>/dev/null || echo 0)" -ge $((1 << 32)) ]
check "ivshmem: the guest read back what it wrote" \
  grep -q "L2-IVSHMEM: .*read back 0x50545631 0x12345678 0xCAFEF00D 0x454E4421" /tmp/ivshmem.log
oracle ivshmem /tmp/ivshmem.host /tmp/ivshmem.log $g
oracle ivshmem /tmp/live-$IVSHMEM /tmp/ivshmem.log $g --live
