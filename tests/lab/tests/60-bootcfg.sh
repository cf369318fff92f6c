# Boot configs: the shipped examples configs/boot/demo.dts and nic.dts (compiled on the
# host) boot L2 here. Their paths and the NIC's address differ in the lab, so the command
# line overrides them: --kernel/--initrd for the demo, --set for the NIC guest (which also
# asks for a fixed guest PCI slot, 7, that the guest must see the NIC in).
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
d=/lab/files/boot

s=$(cut -d' ' -f1 /proc/uptime)
timeout 120 ptvm run --config $d/demo.dtb --kernel $k --initrd $i \
  --console file:/tmp/demo.log 2>/tmp/demo.err
rc=$?
e=$(cut -d' ' -f1 /proc/uptime)
cat /tmp/demo.log /tmp/demo.err
check "demo.dtb: ptvm exits 0 after the guest powers off (got $rc)" [ "$rc" = 0 ]
check "demo.dtb: the guest ran its init (marker)" grep -q "L2-MARKER .* cpus=1 " /tmp/demo.log
mem=$(sed -n 's/.*L2-MARKER.* mem_kb=\([0-9]*\).*/\1/p' /tmp/demo.log)
check "demo.dtb: the config's memory-size 192M reached the guest (MemTotal ${mem:-?} kB)" \
  [ "${mem:-0}" -gt 120000 -a "${mem:-0}" -le 196608 ]
ok "timing: demo.dtb guest booted and powered off in $(awk "BEGIN {print $e - $s}")s"

nic=$NIC
[ -e /sys/bus/pci/devices/$nic/vfio-dev ] || check "bind $nic to vfio-pci" bind_vfio $nic
# nic.dtb with the lab's values (each lab test runs in its own shell: "$@" is ours)
set -- --config $d/nic.dtb --set /devices/nic0/bdf=$nic --set /chosen/kernel=$k \
  --set /chosen/initrd=$i --set "/chosen/bootargs=console=ttyS0 quiet l2.action=nic" \
  --set /devices/nic0/guest-slot=7
ptvm config --dump "$@" >/tmp/nic.dts 2>&1
cat /tmp/nic.dts
check "config --dump shows the overridden address" grep -q "bdf = \"$nic\";" /tmp/nic.dts
check "config --dump shows the config's memory-size" grep -q 'memory-size = "256M";' /tmp/nic.dts
check "config --dump shows the guest slot" grep -q 'guest-slot = <7>;' /tmp/nic.dts
nic_guest_once /tmp/cfgnic.log "$@"
check "nic.dtb: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "nic.dtb: the guest's e1000e driver found the assigned NIC in slot 7 (guest-slot)" \
  grep -q "L2-NIC: pci 0000:00:07.0 0x8086:0x10d3" /tmp/cfgnic.log
check "nic.dtb: 10.0.2.2 answers ping through the assigned NIC" grep -q "L2-NIC: ping ok" /tmp/cfgnic.log
ok "timing: nic.dtb guest booted, pinged and powered off in ${secs}s"

# A truncated blob is refused with a message naming the file, before any VM exists.
head -c 100 $d/nic.dtb >/tmp/cut.dtb
ptvm run --config /tmp/cut.dtb 2>/tmp/cut.err
rc=$?
cat /tmp/cut.err
check "truncated config: exit 2 (got $rc)" [ "$rc" = 2 ]
check "truncated config: the message names the file" grep -q "config /tmp/cut.dtb: " /tmp/cut.err
