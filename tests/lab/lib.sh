# Helpers for lab tests (sourced in L1 before each tests/*.sh). Results go to $LAB_RESULTS
# as "ok - …", "not ok - …: why" or "skip - …: why"; everything else to the console.
ok()   { echo "ok - $LAB_TEST: $1" >"$LAB_RESULTS"; echo "ok - $1"; }
fail() { echo "not ok - $LAB_TEST: $1: $2" >"$LAB_RESULTS"; echo "not ok - $1: $2"; }
skip() { echo "skip - $LAB_TEST: $1: $2" >"$LAB_RESULTS"; echo "skip - $1: $2"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else fail "$desc" "'$*' failed"; fi; }

# PCI addresses of all functions with this vendor:device (hex without 0x), in bus order.
find_pci() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ] && basename "$d"
  done
}

# Bind a PCI function to vfio-pci and wait for its cdev.
bind_vfio() {
  echo vfio-pci >"/sys/bus/pci/devices/$1/driver_override"
  [ -e "/sys/bus/pci/devices/$1/driver" ] && echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
  echo "$1" >/sys/bus/pci/drivers_probe
  local i=0
  while [ ! -d "/sys/bus/pci/devices/$1/vfio-dev" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -d "/sys/bus/pci/devices/$1/vfio-dev" ]
}

# The /dev/vfio/devices/vfioN path of a bound function.
vfio_cdev() { echo "/dev/vfio/devices/$(ls "/sys/bus/pci/devices/$1/vfio-dev")"; }

# run_nic_guest LOG PTVM-RUN-ARGS...: `ptvm run ARGS --console stdio` (120 s at most) into
# LOG. Once in about 13 runs the NIC guest finished its work and then hung in poweroff
# until the timeout, right after L1 logged a clocksource anomaly (LAB.md: L1 timing
# trouble stalls L2 timers). Not understood yet: a run that timed out is retried once.
# Sets rc, secs (the last attempt's wall time) and retried ("" or what happened first).
run_nic_guest() {
  local log=$1 attempt s e; shift
  retried=""
  for attempt in 1 2; do
    s=$(cut -d' ' -f1 /proc/uptime)
    timeout 120 ptvm run "$@" --console stdio </dev/null >"$log" 2>&1
    rc=$?
    e=$(cut -d' ' -f1 /proc/uptime)
    secs=$(awk "BEGIN {print $e - $s}")
    cat "$log"
    [ "$rc" = 143 ] || break
    retried="attempt $attempt timed out after $(grep -c . "$log") console lines$(grep -q 'L2-NIC: ping ok' "$log" && echo ', after a successful ping')"
  done
}
