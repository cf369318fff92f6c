# Passthrough: the edu behind the root port assigned to the rt-edu payload (N reads of its
# mmapped BAR, then an MSI burst) under ptvm and QEMU q35 (vfio-pci on iommufd), for 256 MiB,
# 1 GiB and 2 GiB guests. Per run: start to the payload's first output, ptvm's setup
# phases (--verbose), BAR read and per-MSI cycles, the VMM's context switches during the
# burst, ptvm's vCPU exits and main-thread wake-ups over the whole run. Guest RAM is a memfd
# for both VMMs (4 KiB shmem pages to pin). Each run ends with bench/ioasmap on the same
# device and size: the bare limit for putting guest RAM into the IOAS, measured in the same
# moment as the VMMs (so load on the machine shifts all three alike).
. /lab/bench-common.sh
edu=$EDU_PORT
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
# ptvm's --verbose step timestamps -> phase durations (ms); first occurrences only (the
# device is reset again at teardown)
phases() {
  awk 'function t(line) { match(line, /\[ *[0-9.]+ ms\]/); s = substr(line, RSTART + 1, RLENGTH - 5); return s + 0 }
    /IOAS .* allocated/ && !ioas {ioas = t($0)} /KVM-VFIO device created/ && !kv {kv = t($0)}
    /opened/ && !op {op = t($0)} /FILE_ADD/ && !fa {fa = t($0)}
    /bound to iommufd/ && !bd {bd = t($0)} /attached to IOAS/ && !at {at = t($0)}
    /guest RAM populated/ && !pop {pop = t($0)} /all guest RAM mapped/ && !ram {ram = t($0)}
    /: reset$/ && !rs {rs = t($0)}
    /BARs mmapped/ && !bar {bar = t($0)} /guest PCI slot/ && !slot {slot = t($0)}
    /vCPU\(s\) running/ && !run0 {run0 = t($0)}
    END { printf "vm_ms=%.2f kvm_vfio_ms=%.2f cdev_open_ms=%.2f file_add_ms=%.2f bind_ms=%.2f attach_ms=%.2f populate_ms=%.2f ioas_map_ms=%.2f reset_ms=%.2f bars_ms=%.2f pci_ms=%.2f total_to_vcpu_ms=%.2f",
      ioas, kv - ioas, op - kv, fa - op, bd - fa, at - bd, pop - at, ram - pop, rs - ram, bar - (rs ? rs : ram), slot - bar, run0 }' /tmp/$1.err
}
for mem in 256M 1G 2G; do
  for run in $(seq 1 $RUNS); do
    measure pt-ptvm "BENCH payload start" w ptvm run --payload $pay/rt-edu.bin \
      --memory $mem --device testdev --device vfio,bdf=$edu --console stdio --verbose
    report pt ptvm $run 0 mem=$mem $(bench_fields pt-ptvm) $(phases pt-ptvm)
    measure pt-q35 "BENCH payload start" q qemu-system-x86_64 -M q35,memory-backend=mem \
      -m $mem -object memory-backend-memfd,id=mem,size=$mem \
      $qemu_base $qemu_exit $qemu_qmp -kernel $pay/rt-edu.bin \
      -object iommufd,id=iommufd0 -device vfio-pci,host=$edu,iommufd=iommufd0
    report pt qemu-q35 $run 1 mem=$mem $(bench_fields pt-q35)
    case $mem in *G) mib=$((${mem%G} * 1024)) ;; *M) mib=${mem%M} ;; esac
    ioasmap $(vfio_cdev $edu) $mib >/tmp/ioas.out 2>&1 || fail "ioasmap $mem run $run" "$(cat /tmp/ioas.out)"
    sed "s/^mib=/bench ioas vmm=bare run=$run mib=/" /tmp/ioas.out
  done
done
ok "passthrough: $RUNS runs of each VMM at 256M, 1G, 2G"
