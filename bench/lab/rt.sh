# Trapped round trips: the rt payload reads an unclaimed I/O port and an unclaimed MMIO
# address N times each (every read an exit handled by the VMM), under ptvm, QEMU q35 and
# QEMU microvm, the same binary (QEMU loads it as Multiboot). KVM's exit counters come
# from QEMU's QMP query-stats; ptvm counts its own exits (--verbose).
. /lab/bench-common.sh
for run in $(seq 1 $RUNS); do
  measure rt-ptvm "BENCH done" w ptvm run --payload $pay/rt.bin --memory 256M --device testdev \
    --console stdio --verbose
  report rt ptvm $run 0 $(bench_fields rt-ptvm)
  measure rt-q35 "BENCH done" q qemu-system-x86_64 -M q35 -m 256M $qemu_base $qemu_exit $qemu_qmp -kernel $pay/rt.bin
  report rt qemu-q35 $run 1 $(bench_fields rt-q35)
  measure rt-microvm "BENCH done" q qemu-system-x86_64 -M microvm -m 256M $qemu_base $qemu_exit $qemu_qmp -kernel $pay/rt.bin
  report rt qemu-microvm $run 1 $(bench_fields rt-microvm)
done
ok "trapped round trips: $RUNS runs of each VMM"
