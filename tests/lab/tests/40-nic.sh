# A Linux guest (L2) with the lab's e1000e assigned: its driver probes the NIC, the link
# comes up, and it pings QEMU's user-network gateway (10.0.2.2) through the assigned NIC,
# with MSI-X interrupts delivered through irqfds.
nic=$NIC
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || check "bind $nic to vfio-pci" bind_vfio $nic
nic_guest_once /tmp/nic.log --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz \
  --memory 256M --cmdline "console=ttyS0 quiet l2.action=nic" --device vfio,bdf=$nic
check "NIC guest: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "NIC guest: the e1000e driver found the assigned NIC" grep -q "L2-NIC: pci .* 0x8086:0x10d3" /tmp/nic.log
check "NIC guest: link up" grep -q "L2-NIC: carrier=1" /tmp/nic.log
check "NIC guest: 10.0.2.2 answers ping through the assigned NIC" grep -q "L2-NIC: ping ok" /tmp/nic.log
check "NIC guest: 0% packet loss" grep -q " 0% packet loss" /tmp/nic.log
check "NIC guest: the NIC's interrupts are MSI-X vectors" grep -qE "L2-NIC: pci .* 0x8086:0x10d3 msi_irqs=[0-9]" /tmp/nic.log
check "NIC guest: its receive vector counted interrupts" grep -qE "^ *[0-9]+: +[1-9][0-9]* +PCI-MSIX-.* eth0-rx-0" /tmp/nic.log
ok "timing: NIC guest booted, pinged and powered off in ${secs}s"

# The same NIC guest booted as a PVH vmlinux, its console on virtio (hvc0): one attempt,
# a hang here fails the test. ptvm's own boot path and console, so on 7.2 only (the
# compatibility lane's kernel has the assigned NIC of the guest above).
on_7_2 "NIC guest on PVH + hvc0" "ptvm's PVH boot and virtio console, the same on any kernel" ||
  exit 0
nic_guest_once /tmp/nic-pvh.log --kernel /lab/files/vmlinux --initrd /lab/files/l2-initrd.gz \
  --memory 256M --cmdline "console=hvc0 quiet l2.action=nic" --device vfio,bdf=$nic \
  --device virtio-console
check "NIC guest on PVH + hvc0: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "NIC guest on PVH + hvc0: link up" grep -q "L2-NIC: carrier=1" /tmp/nic-pvh.log
check "NIC guest on PVH + hvc0: 10.0.2.2 answers ping through the assigned NIC" grep -q "L2-NIC: ping ok" /tmp/nic-pvh.log
ok "timing: NIC guest on PVH + hvc0 booted, pinged and powered off in ${secs}s"
