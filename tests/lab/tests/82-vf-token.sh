# VF tokens: the igb PF bound to vfio-pci (SR-IOV enabled through vfio-pci), its VF offered
# only to users who know the token its PF's user set.
#  1. The PF held by a ptvm whose --device vfio,...,vf-token=UUID sets the token: without
#     the token or with a wrong one the VF's ptvm is refused with what to do; with the
#     right one the VF is assigned and the guest's igbvf driver probes it (no link: an
#     idle guest holding the PF does not answer the VF's mailbox).
#  2. The PF driven from user space by igb-pf (tests/lab/igb_pf.c, the stand-in for a
#     user-space PF driver such as DPDK's), which sets a new token and answers the VF's
#     mailbox: with that token the VF guest gets the MAC the PF gave it and pings.
if [ "$LAB_KERNEL" != 7.2 ]; then
  skip "VF tokens" "Linux $LAB_KERNEL has no VF token at bind (6.17)"
  exit 0
fi
pf=$IGB_PF
echo 0 >/sys/bus/pci/devices/$pf/sriov_numvfs 2>/dev/null
echo 1 >/sys/module/vfio_pci/parameters/enable_sriov
check "bind the igb PF $pf to vfio-pci" bind_vfio $pf
token=$(cat /proc/sys/kernel/random/uuid)
ptvm run --payload /lab/files/payloads/idle.bin --memory 16M \
  --device vfio,bdf=$pf,vf-token=$token --console file:/tmp/pf.log 2>/tmp/pf.err & pfpid=$!
n=0; while [ $n -lt 300 ] && ! grep -q "ptvm-guest: idle" /tmp/pf.log 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
check "the PF's holder runs with vf-token=$token" grep -q "ptvm-guest: idle" /tmp/pf.log
echo 1 >/sys/bus/pci/devices/$pf/sriov_numvfs
vf=$(basename "$(readlink /sys/bus/pci/devices/$pf/virtfn0)")
n=0; while [ $n -lt 50 ] && [ ! -d /sys/bus/pci/devices/$vf/vfio-dev ]; do sleep 0.1; n=$((n + 1)); done
check "vfio-pci created VF $vf and took it" [ -d /sys/bus/pci/devices/$vf/vfio-dev ]

vfguest() { # NAME [vf-token=... [l2.pings=N]]: the L2 guest with the VF; /tmp/NAME.log, $rc
  timeout 120 ptvm run --kernel /lab/files/bzImage --initrd /lab/files/l2-initrd.gz \
    --memory 256M --cmdline "console=ttyS0 quiet l2.action=zoo l2.nodump=1 ${3:-l2.pings=1}" \
    --device "vfio,bdf=$vf,slot=3${2:+,$2}" --console stdio </dev/null >/tmp/$1.log 2>&1
  rc=$?
  grep -v "^L2-PING" /tmp/$1.log | tail -12
}
vfguest notoken
check "no token: refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "no token: the error says a token is needed and how to give it" \
  grep -q "bind $vf to iommufd (a VF whose PF is bound to vfio-pci: give the token the PF's user set, vf-token=UUID): VFIO_DEVICE_BIND_IOMMUFD: Permission denied" /tmp/notoken.log
vfguest wrong vf-token=00000000-0000-0000-0000-000000000000
check "a wrong token: refused with exit 1 (got $rc)" [ "$rc" = 1 ]
check "a wrong token: the error says so" grep -q "the VF token is not the one its PF's user set" /tmp/wrong.log
vfguest right vf-token=$token l2.pings=0 # no link: nothing drives the PF
if grep -q "E2BIG\|Argument list too long" /tmp/right.log; then
  fail "the right token" "the kernel answered E2BIG (the bug fixed in 6.19)"
fi
check "the right token: the guest ran, exit 0 (got $rc)" [ "$rc" = 0 ]
check "the right token: igbvf drives the VF in the guest" grep -q "L2-NET: eth0 pci=0000:00:03.0 driver=igbvf " /tmp/right.log
kill -TERM $pfpid; wait $pfpid; rc=$?
check "the PF's holder stops on SIGTERM (exit $rc)" [ "$rc" = 143 ]

token=$(cat /proc/sys/kernel/random/uuid) mac=52:54:00:12:34:70
/lab/bin/igb-pf $pf $token $mac >/tmp/igb-pf.log 2>&1 & pfpid=$!
n=0; while [ $n -lt 100 ] && ! grep -q "igb-pf: ready" /tmp/igb-pf.log; do sleep 0.1; n=$((n + 1)); done
check "igb-pf drives the PF with a new token" grep -q "igb-pf: ready" /tmp/igb-pf.log
vfguest traffic vf-token=$token l2.pings=3
check "igb-pf's token: the guest ran, exit 0 (got $rc)" [ "$rc" = 0 ]
check "igb-pf's token: the VF has the MAC its PF gave it" grep -q "L2-NET: eth0 pci=0000:00:03.0 driver=igbvf mac=$mac " /tmp/traffic.log
check "igb-pf's token: the VF pings through its user-space PF" grep -q "L2-NET: eth0 ping ok" /tmp/traffic.log
kill -TERM $pfpid; wait $pfpid; rc=$?
cat /tmp/igb-pf.log
check "igb-pf answered the VF's mailbox and stopped cleanly (exit $rc)" \
  sh -c "[ $rc = 0 ] && grep -q 'VF 0 reset: MAC $mac' /tmp/igb-pf.log"
echo 0 >/sys/bus/pci/devices/$pf/sriov_numvfs
echo 0 >/sys/module/vfio_pci/parameters/enable_sriov
