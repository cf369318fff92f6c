# ptvm boots Linux (the lab kernel) as L2 on L1's real KVM: the guest's init prints a
# marker with its CPU count and powers off, and ptvm exits 0.
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
t0=$(cut -d' ' -f1 /proc/uptime)

boot() { # boot NAME CPUS MEMORY EXTRA_CMDLINE [PTVM-OPTION...]: runs ptvm, leaves
  # /tmp/NAME.log, /tmp/NAME.err and $rc
  local s=$(cut -d' ' -f1 /proc/uptime) name=$1 cpus=$2 mem=$3 extra=$4
  shift 4
  timeout 120 ptvm run --kernel $k --initrd $i --cpus "$cpus" --memory "$mem" \
    --cmdline "console=ttyS0 quiet $extra" --console file:/tmp/$name.log "$@" 2>/tmp/$name.err
  rc=$?
  local e=$(cut -d' ' -f1 /proc/uptime)
  secs=$(awk "BEGIN {printf \"%.2f\", $e - $s}")
  echo "--- L2 $name: ptvm exit $rc after ${secs}s (L1 wall clock)"
  cat /tmp/$name.log /tmp/$name.err
}

boot one 1 256M "" --stats
check "1 vCPU: ptvm exits 0 after guest poweroff (got $rc)" [ "$rc" = 0 ]
check "1 vCPU: marker printed" grep -q "L2-MARKER" /tmp/one.log
check "--stats: the exits to ptvm counted" grep -Eq "^ptvm: stats: [1-9][0-9]* exits to ptvm" /tmp/one.err
check "--stats: port I/O among the reasons" grep -Eq "^ptvm: stats: by reason:.* io [1-9]" /tmp/one.err
check "--stats: the UART's ports among the busiest, named" grep -Eq "^ptvm: stats: +pio +0x3f[8-9a-f] +serial +[1-9]" /tmp/one.err
check "--stats: PCI configuration address writes queued by KVM, not exits" \
  grep -Eq "^ptvm: stats: [0-9]+ exits to ptvm; [1-9][0-9]* port writes queued" /tmp/one.err
check "--stats: 0xcf8 is not among the busiest exits" sh -c '! grep -q "pio  0xcf8 " /tmp/one.err'
check "1 vCPU: guest sees 1 CPU" grep -q "L2-MARKER .* cpus=1 " /tmp/one.log
check "1 vCPU: ptvm says the guest powered off" grep -q "ptvm: guest powered off" /tmp/one.err
echo "L2 boot-to-poweroff with 1 vCPU: ${secs}s; guest: $(grep -o 'uptime=[0-9.]*' /tmp/one.log)"
ok "timing: 1 vCPU, 256M: ${secs}s from ptvm start to exit, $(grep -o 'uptime=[0-9.]*' /tmp/one.log) in the guest"

# SMP boots: an application processor has triple-faulted during bring-up once in about
# 15 lab runs (not understood yet; see the README). Retry twice and say so in the result.
boot_smp() { # boot_smp NAME CPUS MEMORY: like boot, up to 3 attempts; sets $tries, $flakes
  tries=0 flakes=""
  while [ $tries -lt 3 ]; do
    tries=$((tries + 1))
    boot "$@" ""
    [ "$rc" = 0 ] && return
    flakes="$flakes attempt $tries: exit $rc, $(head -1 /tmp/$1.err)"
  done
}
boot_smp two 2 512M
check "2 vCPUs: ptvm exits 0 (got $rc${flakes:+; earlier:$flakes})" [ "$rc" = 0 ]
check "2 vCPUs: guest sees 2 CPUs" grep -q "L2-MARKER .* cpus=2 " /tmp/two.log
ok "timing: 2 vCPUs, 512M: ${secs}s from ptvm start to exit"

boot_smp four 4 1G
check "4 vCPUs, 1G: guest sees 4 CPUs" grep -q "L2-MARKER .* cpus=4 " /tmp/four.log
check "4 vCPUs, 1G: ptvm exits 0 (got $rc${flakes:+; earlier:$flakes})" [ "$rc" = 0 ]

boot reboot 1 256M "l2.action=reboot"
check "guest reboot: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
check "guest reboot: ptvm says the guest rebooted" grep -q "ptvm: guest rebooted" /tmp/reboot.err

# Console input: host stdin -> UART receive interrupt -> the guest's tty.
type_into console-input "hello from L1" --kernel $k --initrd $i \
  --cmdline "console=ttyS0 quiet l2.action=echo"

# A guest that panics (no init found) must not look like success: with panic=-1 it
# reboots (exit 0 is what a reboot means), so leave panic at its default (wait forever)
# and stop it with SIGTERM: ptvm tears down and exits 128+15.
ptvm run --kernel $k --cmdline "console=ttyS0 quiet" --console file:/tmp/panic.log \
  2>/tmp/panic.err & pid=$!
n=0; while [ $n -lt 300 ] && ! grep -q "Kernel panic" /tmp/panic.log 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
check "kernel without initrd panics (VFS: unable to mount root)" grep -q "Kernel panic" /tmp/panic.log
kill -TERM $pid; wait $pid; rc=$?
check "SIGTERM: ptvm exits 143 (got $rc)" [ "$rc" = 143 ]
check "SIGTERM: ptvm says why it stopped" grep -q "stopped by signal" /tmp/panic.err
