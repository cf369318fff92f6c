# Real devices through each VMM, same L1, same device, interleaved run by run: the zoo's
# NVMe (the guest boots from it read-only and reads the whole disk with O_DIRECT, 4 times)
# and the e1000e (10 pings to QEMU's user-network gateway), under ptvm --device vfio and
# under QEMU -M q35 with vfio-pci on iommufd. The figures are the guest's own (dd's bytes
# over its uptime clock; busybox ping's round-trip times).
. /lab/bench-common.sh
for d in $NVME $NIC; do [ -e /sys/bus/pci/devices/$d/vfio-dev ] || bind_vfio $d; done
nvme_args="console=ttyS0 quiet root=/dev/nvme0n1 rootfstype=ext4 rootwait ro init=/init l2.nvme=read l2.readmb=96 l2.readloops=4"
ping_args="console=ttyS0 quiet l2.action=zoo l2.nodump=1 l2.pings=10"
q35="qemu-system-x86_64 -M q35,memory-backend=mem $qemu_base -m 256M
  -object memory-backend-memfd,id=mem,size=256M -kernel $k -object iommufd,id=iommufd0"
zoo_report() { # CASE VMM RUN LOG
  local mib_s rtt
  mib_s=$(tr -d '\r' <"$4" | sed -n 's/^NVME-READ: \([0-9]*\) \([0-9.]*\)$/\1 \2/p' |
          awk '$2 > 0 {printf "%.1f", $1 / $2 / 1048576}')
  rtt=$(tr -d '\r' <"$4" | sed -n 's/.*round-trip min\/avg\/max = \([0-9.]*\)\/\([0-9.]*\)\/\([0-9.]*\) ms.*/min_ms=\1 avg_ms=\2 max_ms=\3/p')
  echo "bench zoo vmm=$2 case=$1 run=$3 $r ${mib_s:+mib_s=$mib_s} $rtt"
  [ -n "$mib_s$rtt" ] || { fail "zoo $1 $2 run $3" "no figure"; tail -20 "$4" /tmp/$1-$2.err; }
}
for run in $(seq 1 $RUNS); do
  measure nvme-ptvm NVME-READ - ptvm run --kernel $k --memory 256M --cmdline "$nvme_args" \
    --console stdio --device vfio,bdf=$NVME
  zoo_report nvme ptvm $run /tmp/nvme-ptvm.log
  measure nvme-q35 NVME-READ - $q35 -append "$nvme_args" \
    -device vfio-pci,host=$NVME,iommufd=iommufd0,rombar=0
  zoo_report nvme qemu-q35 $run /tmp/nvme-q35.log
  measure ping-ptvm round-trip - ptvm run --kernel $k --initrd $i --memory 256M \
    --cmdline "$ping_args" --console stdio --device vfio,bdf=$NIC
  zoo_report ping ptvm $run /tmp/ping-ptvm.log
  measure ping-q35 round-trip - $q35 -initrd $i -append "$ping_args" \
    -device vfio-pci,host=$NIC,iommufd=iommufd0,rombar=0
  zoo_report ping qemu-q35 $run /tmp/ping-q35.log
done
ok "zoo: NVMe read and e1000e ping, $RUNS runs of each VMM"
