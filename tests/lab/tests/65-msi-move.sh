# MSI moved while interrupts are in flight: the payload makes the edu raise an interrupt
# from its own thread 1000 times and each time rewrites the MSI address and data (two
# vectors in turn) while MSI stays on, as Linux does when it moves an interrupt to another
# CPU. Every interrupt must arrive, on the vector programmed last; ptvm only changes KVM's
# route, so VFIO's MSI is set up once (one "guest enabled" step in --verbose).
edu=$EDU_PORT
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
timeout 120 ptvm run --payload /lab/files/payloads/msi_move.bin --memory 64M --device testdev \
  --device vfio,bdf=$edu --console stdio --verbose </dev/null >/tmp/move.log 2>&1
rc=$?
grep -v "config 0x" /tmp/move.log
check "MSI moved 1000 times: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "MSI moved 1000 times: no interrupt lost, none on a stale vector" \
  grep -q "MSI moved 1000 times with interrupts in flight, none lost" /tmp/move.log
n=$(grep -c "guest enabled 1 MSI vector(s)" /tmp/move.log)
check "MSI moved 1000 times: VFIO's MSI set up once, not per move ($n)" [ "$n" = 1 ]
