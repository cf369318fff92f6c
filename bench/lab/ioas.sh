# The bare limit for "guest RAM into the IOAS": ioasmap with the edu behind the root port,
# 256 MiB, 1 GiB and 2 GiB, $RUNS runs.
. /lab/bench-common.sh
edu=$(find_pci 1234 11e8 | tail -1)
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
for run in $(seq 1 $RUNS); do
  ioasmap $(vfio_cdev $edu) 256 1024 2048 >/tmp/ioas.out 2>&1 || fail "ioasmap run $run" "$(cat /tmp/ioas.out)"
  sed "s/^mib=/bench ioas vmm=bare run=$run mib=/" /tmp/ioas.out
done
ok "bare IOAS_MAP: $RUNS runs"
