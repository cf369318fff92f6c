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
