# Guest RAM into the IOAS: populated in parallel first, then mapped from its memfd
# (IOMMU_IOAS_MAP_FILE, where the kernel has it; by address otherwise), in 4 KiB, 2 MiB and
# 1 GiB pages; the edu payload's DMA through the IOMMU and its MSIs prove each mapping.
# A huge page pool too small for the guest is refused before anything is mapped, with
# what to do. --verbose shows the attach / populate / map split, reported here, and the
# guest memory map laid out around the ranges the IOMMU reserves (read after attach).
edu=$EDU_PORT
[ -e /sys/bus/pci/devices/$edu/vfio-dev ] || bind_vfio $edu
hp=/sys/kernel/mm/hugepages
split() { # the populate / map / attach times (ms) from a --verbose log
  awk 'function t(l) { match(l, /\[ *[0-9.]+ ms\]/); return substr(l, RSTART + 1, RLENGTH - 5) + 0 }
    /bound to iommufd/ && !b {b = t($0)} /attached to IOAS/ && !at {at = t($0)}
    /guest RAM at \[/ && !l {l = t($0)} /guest RAM populated/ && !p {p = t($0)}
    /all guest RAM mapped/ && !m {m = t($0)}
    END { printf "attach %.0f ms, populate %.0f ms, map %.0f ms", at - b, p - l, m - p }' "$1"
}
if [ "$LAB_KERNEL" = 7.2 ]; then how="IOMMU_IOAS_MAP_FILE from its memfd"; else how="IOMMU_IOAS_MAP)"; fi
ram() { # NAME PAGES-OPTION...: a 1G guest with the edu; leaves /tmp/NAME.log and $rc
  local name=$1; shift
  timeout 120 ptvm run --payload /lab/files/payloads/edu.bin --memory 1G --device testdev \
    --device vfio,bdf=$edu --console stdio --verbose "$@" </dev/null >/tmp/$name.log 2>&1
  rc=$?
  grep -v "config 0x" /tmp/$name.log | grep -v "^\[.*ms\] .*: guest PCI slot" | head -40
}
for pages in 4k 2M 1G; do
  case $pages in
    4k) opt="" ;;
    2M) echo 512 >$hp/hugepages-2048kB/nr_hugepages; opt=--hugepages ;;
    1G) echo 1 >$hp/hugepages-1048576kB/nr_hugepages; opt=--hugepages=1G ;;
  esac
  if [ $pages = 1G ] && [ "$(cat $hp/hugepages-1048576kB/nr_hugepages)" != 1 ]; then
    if grep -q "hugepagesz=1G" /proc/cmdline; then
      fail "1 GiB pages" "L1 was to set a 1 GiB page aside at boot and has none"
    else
      skip "1 GiB pages" "this L1 has no 1 GiB page (an L1 with --memory 4G sets one aside: tools/test's 6.12 lane has one)"
    fi
    continue
  fi
  ram ram-$pages $opt
  check "$pages pages: the edu works in a 1G guest (DMA, MSI): exit $rc" grep -q "1 edu device(s) passed" /tmp/ram-$pages.log
  check "$pages pages: guest RAM populated in parallel first" \
    grep -q "guest RAM populated (1 GiB, [0-9]* thread(s), $(echo $pages | sed 's/4k/4 KiB/; s/2M/2 MiB/; s/1G/1 GiB/') pages)" /tmp/ram-$pages.log
  check "$pages pages: mapped with $how" grep -q "all guest RAM mapped for DMA (IOVA = GPA; $how" /tmp/ram-$pages.log
  ok "measure: 1 GiB of guest RAM into the IOAS, $pages pages: $(split /tmp/ram-$pages.log)"
  if [ $pages = 4k ]; then # the real IOMMU's reserved ranges, read after attach, before RAM
    check "4k pages: guest RAM laid out around the x86 MSI window the IOMMU reserves" \
      grep -q "guest RAM avoids \[0xfee00000, 0xfeefffff\]: reserved by the IOMMU" /tmp/ram-4k.log
    check "4k pages: guest RAM laid out after the devices were attached" \
      sh -c "sed -n '/attached to IOAS/,\$p' /tmp/ram-4k.log | grep -q 'guest RAM at \[0x0, 0x3fffffff\]'"
  fi
  case $pages in
    2M) echo 0 >$hp/hugepages-2048kB/nr_hugepages ;;
    1G) echo 0 >$hp/hugepages-1048576kB/nr_hugepages ;;
  esac
done
if [ "$LAB_KERNEL" != 7.2 ]; then
  check "$LAB_KERNEL: the fallback is told under --verbose" grep -q "the kernel has no IOMMU_IOAS_MAP_FILE" /tmp/ram-4k.log
fi

echo 3 >$hp/hugepages-2048kB/nr_hugepages
ram small --hugepages
echo 0 >$hp/hugepages-2048kB/nr_hugepages
check "a pool too small: exit 1 (got $rc)" [ "$rc" = 1 ]
check "a pool too small: the message says how many pages and how to get them" \
  grep -q "guest RAM needs 512 huge pages of 2 MiB; the pool has 3 free: echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages" /tmp/small.log
