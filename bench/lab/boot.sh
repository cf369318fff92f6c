# Boot the same L2 (lab kernel + busybox initramfs, 256 MiB, 1 vCPU) to its init marker
# with ptvm, QEMU -M microvm and QEMU -M q35 on L1's KVM, $RUNS times each, interleaved.
# Guest RAM is a memfd for every VMM, so RssAnon + RssFile is the VMM's own memory.
# Then the boot matrix (issue 16), ptvm beside QEMU microvm: bzImage and PVH vmlinux, each
# quiet on the UART, printing its log on the UART, and printing it on a virtio console
# (ptvm's virtio-mmio console; QEMU's virtconsole on virtio-serial-device): boot to the
# marker, the guest's own uptime at the marker, and the exits to the VMM up to it (ptvm
# --stats, counted to its exit: the few of the poweroff path are in; QEMU: KVM's io_exits
# + mmio_exits over QMP at the marker).
. /lab/bench-common.sh
qemu_boot="$qemu_base -m 256M -object memory-backend-memfd,id=mem,size=256M -kernel $k -initrd $i"
for run in $(seq 1 $RUNS); do
  measure ptvm L2-MARKER - ptvm run --kernel $k --initrd $i --memory 256M --cmdline "$args" --console stdio
  report boot ptvm $run 0
  measure qemu-microvm L2-MARKER - qemu-system-x86_64 -M microvm,memory-backend=mem $qemu_boot -append "$args"
  report boot qemu-microvm $run 0
  measure qemu-q35 L2-MARKER - qemu-system-x86_64 -M q35,memory-backend=mem $qemu_boot -append "$args"
  report boot qemu-q35 $run 0
done
ok "boot benchmark: $RUNS runs of each VMM"

# the matrix: MATRIX_RUNS rounds (default 10), every case and VMM once per round
qemu_mv="-accel kvm -cpu host -smp 1 -nodefaults -no-user-config -display none -monitor none
  -no-reboot -L /qemu/share -m 256M -object memory-backend-memfd,id=mem,size=256M
  -M microvm,memory-backend=mem -initrd $i"
uptime_of() { tr -d '\r' </tmp/$1.log | sed -n 's/.*L2-MARKER uptime=\([0-9.]*\).*/\1/p' | head -1; }
ptvm_exits() { sed -n 's/^ptvm: stats: \([0-9]*\) exits to ptvm.*/\1/p' /tmp/$1.err; }
for run in $(seq 1 ${MATRIX_RUNS:-10}); do
  for kern in bz pvh; do
    kf=$k; [ $kern = pvh ] && kf=$v
    for con in quiet-uart loud-uart loud-virtio; do
      case $con in
        quiet-uart) cl="console=ttyS0 quiet" pdev="" qdev="-serial stdio" ;;
        loud-uart) cl="console=ttyS0" pdev="" qdev="-serial stdio" ;;
        loud-virtio) cl="console=hvc0" pdev="--device virtio-console"
          qdev="-chardev stdio,id=con0 -device virtio-serial-device -device virtconsole,chardev=con0" ;;
      esac
      c=$kern-$con
      measure ptvm L2-MARKER - ptvm run --kernel $kf --initrd $i --memory 256M --cmdline "$cl" \
        --console stdio --stats $pdev
      report bootm ptvm $run 0 case=$c uptime_s=$(uptime_of ptvm) vmm_exits=$(ptvm_exits ptvm)
      # shellcheck disable=SC2086
      measure qemu-microvm L2-MARKER m qemu-system-x86_64 $qemu_mv $qemu_qmp $qdev -kernel $kf -append "$cl"
      report bootm qemu-microvm $run 0 case=$c uptime_s=$(uptime_of qemu-microvm) \
        vmm_exits=$(echo "$r" | awk '{for (i = 1; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] }
          print (v["marker_io_exits"] >= 0 && v["marker_mmio_exits"] >= 0) ? v["marker_io_exits"] + v["marker_mmio_exits"] : -1}')
    done
  done
done
ok "boot matrix: ${MATRIX_RUNS:-10} rounds of 6 cases x 2 VMMs"
