# Passthrough setup time by phase, from ptvm --verbose, for 256 MiB and 1 GiB guests with
# the edu behind the root port assigned; RUNS runs each.
RUNS=${RUNS:-5}
edu=$(find_pci 1234 11e8 | tail -1)
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
for mem in 256M 1G; do
  for run in $(seq 1 $RUNS); do
    ptvm run --payload /lab/files/payloads/edu.bin --memory $mem --device testdev \
      --device vfio,bdf=$edu --verbose --console none </dev/null 2>/tmp/v.log >/dev/null
    rc=$?
    awk -v mem=$mem -v run=$run -v rc=$rc '
      function t(line) { match(line, /\[ *[0-9.]+ ms\]/); s = substr(line, RSTART + 1, RLENGTH - 5); return s + 0 }
      /IOAS .* allocated/ {ioas = t($0)} /all guest RAM mapped/ {ram = t($0)}
      /KVM-VFIO device created/ {kv = t($0)} /opened/ {op = t($0)} /FILE_ADD/ {fa = t($0)}
      /bound to iommufd/ {bd = t($0)} /attached to IOAS/ {at = t($0)} /: reset$/ {rs = t($0)}
      /BARs mmapped/ {bar = t($0)} /guest PCI slot/ {slot = t($0)} /VM created/ {vm = t($0)}
      /guest enabled .* MSI/ {msi = t($0)} /vCPU\(s\) running/ {run0 = t($0)}
      END { printf "bench passthrough mem=%s run=%d rc=%d vm_ms=%.2f ioas_map_ms=%.2f kvm_vfio_ms=%.2f cdev_open_ms=%.2f file_add_ms=%.2f bind_ms=%.2f attach_ms=%.2f reset_ms=%.2f bars_ms=%.2f pci_ms=%.2f total_to_vcpu_ms=%.2f msi_enable_at_ms=%.2f\n",
        mem, run, rc, vm, ram - ioas, kv - ram, op - kv, fa - op, bd - fa, at - bd, rs - at, bar - (rs ? rs : at), slot - bar, run0, msi }' /tmp/v.log
  done
done
ok "passthrough setup benchmark: $RUNS runs at 256M and 1G"
