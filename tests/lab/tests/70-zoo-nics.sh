# The zoo's NICs, each assigned to an L2 Linux guest that drives it with its own driver:
# e1000 and rtl8139 (conventional PCI, INTx only, level-triggered through KVM's resample
# irqfd; the rtl8139's registers are also read through its I/O BAR, and its MMIO BAR is
# smaller than a page, so every access traps), virtio-net (modern only: its driver finds
# its queues through vendor-specific capabilities; MSI-X) and the e1000e (PCI Express,
# MSI-X). Each guest pings 10.0.2.2 through its NIC, and the fidelity oracle compares the
# guest's view of the function with L1's: from before binding (identity, layout) and from
# while the guest holds it (every register ptvm passes through must match too).
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
g=0000:00:03.0   # slot=3 in the guest

zoo_nic() { # NAME BDF DRIVER IRQ-PATTERN [EXTRA-CMDLINE]
  local name=$1 bdf=$2 drv=$3 irq=$4 extra=$5 irqs
  pcidump $bdf >/tmp/$name.host
  [ -e /sys/bus/pci/devices/$bdf/vfio-dev ] || check "$name: bind $bdf to vfio-pci" bind_vfio $bdf
  run_zoo_guest /tmp/$name.log $bdf --kernel $k --initrd $i --memory 256M \
    --cmdline "console=ttyS0 quiet l2.action=zoo $extra" --device vfio,bdf=$bdf,slot=3
  check "$name: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
  check "$name: the guest's $drv driver drives it" grep -q "L2-NET: eth0 pci=$g driver=$drv " /tmp/$name.log
  check "$name: link up" grep -q "L2-NET: eth0 .* carrier=1" /tmp/$name.log
  check "$name: 10.0.2.2 answers 5 pings through it" \
    grep -q "L2-PING: eth0 5 packets transmitted, 5 packets received" /tmp/$name.log
  irqs=$(grep "L2-IRQ: .*$irq" /tmp/$name.log | awk '{s += $3} END {print s + 0}')
  check "$name: $irqs interrupts counted ($irq)" [ "$irqs" -gt 0 ]
  oracle $name /tmp/$name.host /tmp/$name.log $g
  oracle $name /tmp/live-$bdf /tmp/$name.log $g --live
  ok "measure: $name: ping $(sed -n 's/.*L2-PING: eth0 round-trip min\/avg\/max = //p' /tmp/$name.log), $irqs interrupts, ${secs}s from start to poweroff"
}

zoo_nic e1000 $E1000 e1000 "IO-APIC.*eth0"
zoo_nic rtl8139 $RTL8139 8139cp "IO-APIC.*eth0" l2.iobar=1
mac=$(sed -n 's/.*L2-NET: eth0 .* mac=\([0-9a-f:]*\) .*/\1/p' /tmp/rtl8139.log)
iomac=$(sed -n 's/.*L2-IOBAR: .* MAC \([0-9a-f:]*\).*/\1/p' /tmp/rtl8139.log)
check "rtl8139: its MAC read through the I/O BAR ($iomac) is the driver's ($mac)" \
  [ -n "$mac" -a "$iomac" = "$mac" ]
zoo_nic virtio-net $VIRTIO_NET virtio_net "PCI-MSIX.*virtio"
zoo_nic e1000e $NIC e1000e "PCI-MSIX.*eth0"
