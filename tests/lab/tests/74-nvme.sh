# An appliance on an assigned NVMe disk: the L2 guest boots with its root filesystem on
# the zoo's nvme (ext4 built without root, tests/lab/make-nvme-image), writes a token
# without syncing it (commit=600) and runs busybox acpid; its supervisor (this test) stops
# it with SIGTERM, which presses its power button: acpid's handler syncs and powers off. A
# second boot reads the token back, checksums a 48 MiB file (74-nvme.check compares it
# with the image's, computed on the host) and times a 64 MiB direct read.
k=/lab/files/bzImage
g=0000:00:03.0
root="root=/dev/nvme0n1 rootfstype=ext4 rootflags=commit=600 rootwait rw init=/init"
token=ptvm-$(cut -c1-8 /proc/sys/kernel/random/uuid)
pcidump $NVME >/tmp/nvme.host
[ -e /sys/bus/pci/devices/$NVME/vfio-dev ] || check "bind $NVME to vfio-pci" bind_vfio $NVME
ZOO_TERM_ON=NVME-AWAITING-POWER-BUTTON \
run_zoo_guest /tmp/nvme1.log $NVME --kernel $k --memory 256M --device vfio,bdf=$NVME,slot=3 \
  --cmdline "console=ttyS0 quiet $root l2.dump=1 l2.nvme=write l2.token=$token"
check "nvme boot 1: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "nvme boot 1: the root filesystem is the assigned disk's ext4" \
  grep -q "NVME-BOOT: / ext4 on nvme0n1 at $g" /tmp/nvme1.log
check "nvme boot 1: wrote $token" grep -q "NVME-WROTE $token" /tmp/nvme1.log
check "nvme boot 1: SIGTERM pressed the guest's power button" \
  grep -q "stopped by signal Terminated: pressed the guest's power button" /tmp/nvme1.log
check "nvme boot 1: busybox acpid ran the power button's handler" \
  grep -q "NVME-POWER-BUTTON: syncing, powering off" /tmp/nvme1.log
check "nvme boot 1: ptvm says the guest powered off after its power button" \
  grep -q "ptvm: guest powered off, [0-9.]* s after its power button" /tmp/nvme1.log
oracle nvme /tmp/nvme.host /tmp/nvme1.log $g
oracle nvme /tmp/live-$NVME /tmp/nvme1.log $g --live
s1=$secs

timeout 150 ptvm run --kernel $k --memory 256M --device vfio,bdf=$NVME,slot=3 \
  --cmdline "console=ttyS0 quiet $root l2.nvme=read" --console stdio </dev/null >/tmp/nvme2.log 2>&1
rc=$?
cat /tmp/nvme2.log
check "nvme boot 2: ptvm exits 0 (got $rc$why)" [ "$rc" = 0 ]
check "nvme boot 2: the token written by boot 1 is there" grep -q "NVME-PERSIST: $token" /tmp/nvme2.log
check "nvme boot 2: the big file's checksum was read (74-nvme.check compares it)" \
  grep -q "NVME-SHA256: [0-9a-f]\{64\}" /tmp/nvme2.log
# for 74-nvme.check on the host: what the guest read, on the results port
echo "nvme-sha256 $(sed -n 's/.*NVME-SHA256: \([0-9a-f]*\).*/\1/p' /tmp/nvme2.log | tr -d '\r')" >"$LAB_RESULTS"
echo "nvme-token $token" >"$LAB_RESULTS"
irqs=$(grep "NVME-IRQ: " /tmp/nvme2.log | awk '{print $3}' | tr -d '\r')
check "nvme boot 2: its I/O queue took MSI-X interrupts (${irqs:-none})" [ "${irqs:-0}" -gt 0 ]
set -- $(sed -n 's/.*NVME-READ: \([0-9]*\) \([0-9.]*\).*/\1 \2/p' /tmp/nvme2.log | tr -d '\r')
ok "measure: nvme: 64 MiB direct read in ${2:-?}s ($(awk "BEGIN {if (${2:-0} > 0) printf \"%.1f\", $1 / $2 / 1048576; else print \"?\"}") MiB/s); boot 1 took ${s1}s"
