# Guest RAM into the IOAS (run on the Linux 7.2 lab kernel): for 256 MiB, 1 GiB and 2 GiB
# guests in 4 KiB, 2 MiB and 1 GiB pages, the edu behind the
# root port assigned to a payload that only prints its first line and exits: ptvm's phases
# (--verbose: populate, map, attach; start to vCPUs running), start to the payload's first
# line under ptvm and under QEMU q35 (its memfd backend, hugetlb for huge pages, vfio-pci on
# iommufd), and in the same run the bare limit of the old way: one IOMMU_IOAS_MAP of that
# many 4 KiB pages with the device attached (bench/ioasmap).
. /lab/bench-common.sh
edu=$EDU_PORT
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
hp=/sys/kernel/mm/hugepages
split() {
  awk 'function t(l) { match(l, /\[ *[0-9.]+ ms\]/); return substr(l, RSTART + 1, RLENGTH - 5) + 0 }
    /bound to iommufd/ && !b {b = t($0)} /attached to IOAS/ && !at {at = t($0)}
    /guest RAM at \[/ && !l {l = t($0)} /guest RAM populated/ && !p {p = t($0)}
    /all guest RAM mapped/ && !m {m = t($0)} /vCPU\(s\) running/ && !r {r = t($0)}
    /IOMMU_IOAS_MAP_FILE from its memfd/ {file = 1}
    END { printf "populate_ms=%.2f map_ms=%.2f attach_ms=%.2f ram_ms=%.2f to_vcpu_ms=%.2f map_file=%d",
      p - l, m - p, at - b, (p - l) + (m - p) + (at - b), r, file }' /tmp/$1.err
}
# 4 GiB is left out: beside the 1 GiB pages L1 sets aside at boot it ran out of memory,
# and bench/ioasmap's single map from IOVA 0 would cross the x86 MSI window above 3 GiB
sizes="256M 1G 2G"
for mem in $sizes; do
  case $mem in *G) mib=$((${mem%G} * 1024)) ;; *M) mib=${mem%M} ;; esac
  for pages in 4k 2M 1G; do
    case $pages in
      4k) popt="" qopt="" ;;
      2M) popt=--hugepages=2M qopt=",hugetlb=on,hugetlbsize=2M"
          echo $((mib / 2)) >$hp/hugepages-2048kB/nr_hugepages ;;
      1G) [ $mib -ge 1024 ] || continue
          popt=--hugepages=1G qopt=",hugetlb=on,hugetlbsize=1G"
          # set aside at L1's boot (tests/lab/run); a running L1 rarely finds more
          [ "$(cat $hp/hugepages-1048576kB/free_hugepages)" -ge $((mib / 1024)) ] ||
            { skip "ram $mem 1G pages" "L1 has fewer than $((mib / 1024)) 1 GiB pages"; continue; } ;;
    esac
    for run in $(seq 1 $RUNS); do
      measure ram-ptvm "BENCH payload start" - ptvm run --payload $pay/start.bin --memory $mem \
        $popt --device testdev --device vfio,bdf=$edu --console stdio --verbose
      report ram ptvm $run 0 mem=$mem pages=$pages $(split ram-ptvm)
      measure ram-q35 "BENCH payload start" - qemu-system-x86_64 -M q35,memory-backend=mem \
        -m $mem -object memory-backend-memfd,id=mem,size=$mem$qopt $qemu_base $qemu_exit \
        -kernel $pay/start.bin -object iommufd,id=iommufd0 -device vfio-pci,host=$edu,iommufd=iommufd0
      report ram qemu-q35 $run 1 mem=$mem pages=$pages
      # the old limit, one IOMMU_IOAS_MAP of 4 KiB pages: measured beside the 4 KiB runs
      # (with a huge page pool reserved, L1 has no room for it)
      if [ $pages = 4k ]; then
        ioasmap $(vfio_cdev $edu) $mib >/tmp/ioas.out 2>&1 || fail "ioasmap $mem run $run" "$(cat /tmp/ioas.out)"
        sed "s/^mib=[0-9]*/bench ram vmm=bare run=$run mem=$mem pages=4k/" /tmp/ioas.out
      fi
    done
    echo 0 >$hp/hugepages-2048kB/nr_hugepages
  done
done
ok "guest RAM into the IOAS: $RUNS runs each, sizes $sizes, 4 KiB / 2 MiB / 1 GiB pages"
