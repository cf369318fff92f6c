# The uncompressed vmlinux booted through its PVH entry, and the virtio console (hvc0):
# boots with 1 and 2 vCPUs, a vmlinux that does not fit, the console's bytes exactly as
# the guest wrote them (bzImage and vmlinux), the exits of a boot that prints its whole
# log there, and console input into hvc0.
k=/lab/files/bzImage
v=/lab/files/vmlinux
i=/lab/files/l2-initrd.gz
sh /lab/files/console-burst | sed 's/$/\r/' >/tmp/burst.expected # the tty's ONLCR

run() { # run NAME PTVM-RUN-ARGS...: 120 s at most; /tmp/NAME.log (console), /tmp/NAME.err;
  # sets rc and secs
  local name=$1 s=$(cut -d' ' -f1 /proc/uptime)
  shift
  timeout 120 ptvm run --initrd $i --console file:/tmp/$name.log "$@" 2>/tmp/$name.err
  rc=$?
  secs=$(awk "BEGIN {printf \"%.2f\", $(cut -d' ' -f1 /proc/uptime) - $s}")
  echo "--- L2 $name: ptvm exit $rc after ${secs}s"
  tail -5 /tmp/$name.log; cat /tmp/$name.err
}

run pvh1 --kernel $v --memory 256M --cmdline "console=ttyS0 quiet" --stats
check "PVH vmlinux, 1 vCPU: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "PVH vmlinux, 1 vCPU: the guest's init ran (marker)" grep -q "L2-MARKER .* cpus=1 " /tmp/pvh1.log
check "PVH vmlinux: the guest powered off" grep -q "ptvm: guest powered off" /tmp/pvh1.err
ok "timing: PVH vmlinux, 1 vCPU, quiet: ${secs}s, $(grep -o 'uptime=[0-9.]*' /tmp/pvh1.log) in the guest, $(grep -o '[0-9]* exits to ptvm' /tmp/pvh1.err)"

run pvh2 --kernel $v --memory 512M --cpus 2 --cmdline "console=ttyS0 quiet"
check "PVH vmlinux, 2 vCPUs: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "PVH vmlinux, 2 vCPUs: the guest sees 2 CPUs" grep -q "L2-MARKER .* cpus=2 " /tmp/pvh2.log

run small --kernel $v --memory 16M --cmdline "console=ttyS0 quiet" --verbose
check "a vmlinux larger than guest RAM: refused as a usage error (exit 2, got $rc)" [ "$rc" = 2 ]
check "a vmlinux larger than guest RAM: the message says which segment and what to do" \
  grep -q "kernel $v: segment .* is outside guest RAM .*give more --memory" /tmp/small.err
check "a vmlinux larger than guest RAM: refused before any VM was created" \
  sh -c "! grep -q 'VM created' /tmp/small.err"
# an arm64 Image to this x86_64 ptvm: named for what it is, exit 2, no VM
printf 'MZ\0\0' >/tmp/arm64.Image; dd if=/dev/zero bs=1 count=52 2>/dev/null >>/tmp/arm64.Image
printf 'ARM\144' >>/tmp/arm64.Image; dd if=/dev/zero bs=1024 count=4 2>/dev/null >>/tmp/arm64.Image
run arm64 --kernel /tmp/arm64.Image --memory 64M --verbose
check "an arm64 Image: refused as a usage error (exit 2, got $rc)" [ "$rc" = 2 ]
check "an arm64 Image: named as such" grep -q "an arm64 Image; this ptvm runs x86_64 guests" /tmp/arm64.err

# The same text through the virtio console, bzImage and vmlinux, compared byte for byte
# (the UART's bytes are compared by the serial_burst payload, tests/guest). The vmlinux
# also prints its boot log there (what comes after hvc0 exists): on the UART each
# character costs an exit, on hvc0 whole buffers go through the ring.
burst() { # burst NAME CMDLINE PTVM-RUN-ARGS...
  local name=$1 cl=$2
  shift 2
  run $name --memory 256M --cmdline "$cl l2.action=burst" "$@"
  sed -n '/L2-BURST-BEGIN/,/L2-BURST-END/p' /tmp/$name.log | sed '1d;$d' >/tmp/$name.burst
  check "$name: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
  check "$name: the console carried the guest's $(wc -c </tmp/burst.expected) bytes unchanged" \
    cmp /tmp/burst.expected /tmp/$name.burst
}
burst burst-virtio-bzimage "console=hvc0 quiet" --kernel $k --device virtio-console
burst burst-virtio-pvh "console=hvc0" --kernel $v --device virtio-console --stats
exits=$(sed -n 's/^ptvm: stats: \([0-9]*\) exits to ptvm.*/\1/p' /tmp/burst-virtio-pvh.err)
bytes=$(wc -c </tmp/burst-virtio-pvh.log)
check "virtio console: the kernel's log went to hvc0 too" grep -q "Run /init as init process" /tmp/burst-virtio-pvh.log
# exits follow the guest's writes (its interrupt status read and acknowledged per used
# buffer), not its characters: fewer than one per 10 bytes (the UART: one per byte)
check "virtio console: $bytes bytes of output for $exits exits (fewer than one per 10 bytes)" \
  [ "${exits:-999999}" -lt $((bytes / 10)) ]
ok "timing: PVH vmlinux, log and burst on hvc0: ${secs}s, $exits exits, $bytes bytes"

# Console input through the virtio console.
type_into virtio-input "typed into hvc0" --kernel $v --initrd $i --device virtio-console \
  --cmdline "console=hvc0 quiet l2.action=echo"
