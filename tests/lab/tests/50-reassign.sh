# Assign, boot, tear down and re-assign the same device 20 times: every run passes, and L1
# gets back the pages pinned for DMA (FOLL_PIN counters; a leak would be 16384 pages per
# 64 MiB guest, the counters themselves drift by a few pages) and the guest RAM memfds
# (Shmem). MemAvailable is only reported: freed memory returns lazily and swings by a
# guest's size from one run to the next. Also: an MSI burst of 1000 interrupts per device
# does not make the vCPU exit to ptvm.
edu=$EDU_PORT   # behind the root port: reset between runs
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
pins() { awk '/nr_foll_pin_acquired/ {a=$2} /nr_foll_pin_released/ {r=$2} END {print a - r}' /proc/vmstat; }
avail() { awk '/MemAvailable/ {print $2}' /proc/meminfo; }
shmem() { awk '/^Shmem:/ {print $2}' /proc/meminfo; }
run() {
  timeout 120 ptvm run --payload /lab/files/payloads/edu.bin --memory 64M --device testdev \
    --device vfio,bdf=$edu --console stdio --verbose </dev/null >/tmp/r.log 2>&1
}
run; cp /tmp/r.log /tmp/r1.log   # warm-up
p0=$(pins) m0=$(avail) s0=$(shmem) good=0 bad="" worst=0
for i in $(seq 1 20); do
  run; rc=$?
  d=$(($(pins) - p0)); [ $d -gt $worst ] && worst=$d
  if [ $rc = 0 ] && grep -q "1 edu device(s) passed" /tmp/r.log && [ $d -le 64 ]; then
    good=$((good + 1))
  else
    bad="$bad run $i (exit $rc, pinned $d)"; cat /tmp/r.log
  fi
done
cat /tmp/r1.log
m1=$(avail)
check "20 assign/boot/teardown cycles of $edu all pass ($good/20)${bad:+:$bad}" [ "$good" = 20 ]
check "pinned pages never grew by more than 64 over 20 cycles (most: $worst)" [ "$worst" -le 64 ]
s1=$(shmem)
check "guest RAM memfds all freed: Shmem within 1 MiB after 20 cycles ($s0 -> $s1 kB)" [ $((s1 - s0)) -lt 1024 ]
ok "measure: L1 MemAvailable $m0 -> $m1 kB over 20 cycles (lazy freeing; not asserted)"
exits=$(sed -n 's/.*vCPU 0: \([0-9]*\) exits to ptvm.*/\1/p' /tmp/r1.log)
check "MSI burst of 1000: $exits vCPU exits to ptvm in the whole run (port I/O of the payload), fewer than 300" [ "${exits:-9999}" -lt 300 ]
ok "measure: a run with 1000+2 MSIs and a DMA round trip: $exits exits to ptvm, $(sed -n 's/.*main thread: \([0-9]*\) wake-ups.*/\1/p' /tmp/r1.log) main-thread wake-ups"
