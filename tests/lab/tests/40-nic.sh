# A Linux guest (L2) with the lab's e1000e assigned: its driver probes the NIC, the link
# comes up, and it pings QEMU's user-network gateway (10.0.2.2) through the assigned NIC,
# with MSI-X interrupts delivered through irqfds.
nic=$(find_pci 8086 10d3)
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || check "bind $nic to vfio-pci" bind_vfio $nic
# Once in about 13 runs the guest finished its work and then hung in poweroff until the
# timeout, right after L1 logged a clocksource anomaly (LAB.md: L1 timing trouble stalls
# L2 timers). Not understood yet: a timed-out attempt is retried once and named below.
earlier=""
for attempt in 1 2; do
  s=$(cut -d' ' -f1 /proc/uptime)
  timeout 120 ptvm run --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz \
    --memory 256M --cmdline "console=ttyS0 quiet l2.action=nic" --device vfio,bdf=$nic \
    --console stdio </dev/null >/tmp/nic.log 2>&1
  rc=$?
  e=$(cut -d' ' -f1 /proc/uptime)
  cat /tmp/nic.log
  [ "$rc" = 143 ] || break
  earlier="attempt $attempt timed out after $(grep -c . /tmp/nic.log) console lines$(grep -q 'L2-NIC: ping ok' /tmp/nic.log && echo ', after a successful ping')"
done
check "NIC guest: ptvm exits 0 (got $rc${earlier:+; $earlier})" [ "$rc" = 0 ]
check "NIC guest: the e1000e driver found the assigned NIC" grep -q "L2-NIC: pci .* 0x8086:0x10d3" /tmp/nic.log
check "NIC guest: link up" grep -q "L2-NIC: carrier=1" /tmp/nic.log
check "NIC guest: 10.0.2.2 answers ping through the assigned NIC" grep -q "L2-NIC: ping ok" /tmp/nic.log
check "NIC guest: 0% packet loss" grep -q " 0% packet loss" /tmp/nic.log
check "NIC guest: the NIC's interrupts are MSI-X vectors" grep -qE "L2-NIC: pci .* 0x8086:0x10d3 msi_irqs=[0-9]" /tmp/nic.log
check "NIC guest: its receive vector counted interrupts" grep -qE "^ *[0-9]+: +[1-9][0-9]* +PCI-MSIX-.* eth0-rx-0" /tmp/nic.log
ok "timing: NIC guest booted, pinged and powered off in $(awk "BEGIN {print $e - $s}")s"
