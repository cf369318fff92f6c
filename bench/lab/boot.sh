# Boot the same L2 (lab kernel + busybox initramfs, 256 MiB, 1 vCPU) to its init marker
# with ptvm, QEMU -M microvm and QEMU -M q35 on L1's KVM, $RUNS times each, interleaved.
# Guest RAM is a memfd for every VMM, so RssAnon + RssFile is the VMM's own memory.
. /lab/bench-common.sh
qemu_boot="$qemu_base -m 256M -object memory-backend-memfd,id=mem,size=256M -kernel $k -initrd $i"
for run in $(seq 1 $RUNS); do
  measure boot-ptvm L2-MARKER - ptvm run --kernel $k --initrd $i --memory 256M --cmdline "$args" --console stdio
  report boot ptvm $run 0
  measure boot-microvm L2-MARKER - qemu-system-x86_64 -M microvm,memory-backend=mem $qemu_boot -append "$args"
  report boot qemu-microvm $run 0
  measure boot-q35 L2-MARKER - qemu-system-x86_64 -M q35,memory-backend=mem $qemu_boot -append "$args"
  report boot qemu-q35 $run 0
done
ok "boot benchmark: $RUNS runs of each VMM"
