# ptvm boots Linux (the lab kernel) as L2 on L1's real KVM: the guest's init prints a
# marker with its CPU count, its CPU topology and what its kernel found of the platform's
# timers (l2.action=topo), and powers off, and ptvm exits 0. Every boot is tried once.
k=/lab/files/bzImage
i=/lab/files/l2-initrd.gz
t0=$(cut -d' ' -f1 /proc/uptime)

boot() { # boot NAME CPUS MEMORY EXTRA_CMDLINE [PTVM-OPTION...]: runs ptvm, leaves
  # /tmp/NAME.log, /tmp/NAME.err and $rc; --verbose, so that a failure lists the last
  # exits of the vCPU that failed
  local s=$(cut -d' ' -f1 /proc/uptime) name=$1 cpus=$2 mem=$3 extra=$4
  shift 4
  kvm_trace_start
  timeout 120 ptvm run --kernel $k --initrd $i --cpus "$cpus" --memory "$mem" \
    --cmdline "console=ttyS0 quiet $extra" --console file:/tmp/$name.log --verbose "$@" \
    2>/tmp/$name.err
  rc=$?
  [ $rc = 0 ] || kvm_trace_dump $name
  local e=$(cut -d' ' -f1 /proc/uptime)
  secs=$(awk "BEGIN {printf \"%.2f\", $e - $s}")
  echo "--- L2 $name: ptvm exit $rc after ${secs}s (L1 wall clock)"
  tr -d '\r' </tmp/$name.log >/tmp/$name.txt
  cat /tmp/$name.txt /tmp/$name.err
}

# topo NAME SOCKETS CORES THREADS: the guest kernel placed every vCPU where --cpus said
# (vCPU i: thread i % T, core i / T % C, socket i / (T*C); APIC IDs pack the three), and
# found the platform a PC has: the TSC-deadline timer, the ACPI PM timer, the PIT on IOAPIC
# pin 2 (ISA IRQ 0 -> GSI 2), the APIC timer in working order, no firmware bug.
bits() { local n=$1 b=0; while [ $((1 << b)) -lt $n ]; do b=$((b + 1)); done; echo $b; }
topo() {
  local name=$1 s=$2 c=$3 t=$4 i=0 n=$(($2 * $3 * $4)) tb cb th co so apic first miss=""
  tb=$(bits $t); cb=$(bits $c)
  while [ $i -lt $n ]; do
    th=$((i % t)); co=$((i / t % c)); so=$((i / (t * c)))
    apic=$(((so << (tb + cb)) | (co << tb) | th))
    first=$((i - th))
    sib=$first; [ $t -gt 1 ] && sib="$first-$((first + t - 1))"
    grep -qx "L2-TOPO: cpu$i apicid=$apic package=$so core=$co threads=$sib" /tmp/$name.txt ||
      miss="$miss cpu$i(apicid=$apic package=$so core=$co threads=$sib)"
    i=$((i + 1))
  done
  [ "$(grep -c '^L2-TOPO: ' /tmp/$name.txt)" = $n ] || miss="$miss (not $n CPUs)"
  check "$name: $s socket(s) x $c core(s) x $t thread(s) as the guest sees them${miss:+; not seen:$miss}" \
    [ -z "$miss" ]
  check "$name: the guest kernel uses the TSC-deadline timer" grep -q "L2-DMESG: .*TSC deadline timer available" /tmp/$name.txt
  check "$name: the guest kernel registered the ACPI PM timer" grep -q "L2-DMESG: .*clocksource: acpi_pm: mask: 0xffffff " /tmp/$name.txt
  check "$name: the PIT's IRQ 0 reaches IOAPIC pin 2" grep -Eq "L2-DMESG: .*\.\.TIMER: vector=0x[0-9A-F]+ apic1=0 pin1=2 " /tmp/$name.txt
  check "$name: IRQ 0 is IO-APIC 2-edge in /proc/interrupts" grep -Eq "L2-IRQ0: +0:.* IO-APIC +2-edge +timer" /tmp/$name.txt
  check "$name: no timer or firmware complaints from the guest kernel" \
    sh -c "! grep -E 'L2-DMESG: .*(MP-BIOS bug|APIC timer disabled|Firmware Bug)' /tmp/$name.txt"
}

boot one 1 256M "l2.action=topo" --stats
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
topo one 1 1 1
echo "L2 boot-to-poweroff with 1 vCPU: ${secs}s; guest: $(grep -o 'uptime=[0-9.]*' /tmp/one.log)"
ok "timing: 1 vCPU, 256M: ${secs}s from ptvm start to exit, $(grep -o 'uptime=[0-9.]*' /tmp/one.log) in the guest"

# On other lab kernels (the compatibility lane) the boots that test only ptvm's own code
# are left to 7.2: 2 vCPUs (1 and 4 run everywhere), the reboot path, console input.
if on_7_2 "2 vCPUs" "between the 1 and 4 vCPUs that run on every lab kernel"; then
  boot two 2 512M "l2.action=topo"
  check "2 vCPUs: ptvm exits 0 (got $rc: $(grep -v "^ptvm: \[" /tmp/two.err | head -1))" [ "$rc" = 0 ]
  check "2 vCPUs: guest sees 2 CPUs" grep -q "L2-MARKER .* cpus=2 " /tmp/two.log
  topo two 1 2 1
  ok "timing: 2 vCPUs, 512M: ${secs}s from ptvm start to exit"
fi

boot four 4 1G "l2.action=topo"
check "4 vCPUs, 1G: ptvm exits 0 (got $rc: $(grep -v "^ptvm: \[" /tmp/four.err | head -1))" [ "$rc" = 0 ]
check "4 vCPUs, 1G: guest sees 4 CPUs" grep -q "L2-MARKER .* cpus=4 " /tmp/four.log
topo four 1 4 1

# two sockets of one core with two threads: the AMD guest reads SMT from TOPOEXT's leaf
boot sockets "4,sockets=2,threads=2" 512M "l2.action=topo"
check "--cpus 4,sockets=2,threads=2: ptvm exits 0 (got $rc: $(grep -v "^ptvm: \[" /tmp/sockets.err | head -1))" [ "$rc" = 0 ]
topo sockets 2 1 2

if on_7_2 "guest reboot, console input" "ptvm's reset path and UART, the same on any kernel"; then
  boot reboot 1 256M "l2.action=reboot"
  check "guest reboot: ptvm exits 0 (got $rc)" [ "$rc" = 0 ]
  check "guest reboot: ptvm says the guest rebooted" grep -q "ptvm: guest rebooted" /tmp/reboot.err
  # Console input: host stdin -> UART receive interrupt -> the guest's tty.
  type_into console-input "hello from L1" --kernel $k --initrd $i \
    --cmdline "console=ttyS0 quiet l2.action=echo"
fi

# A guest that panics (no init found) must not look like success: with panic=-1 it
# reboots (exit 0 is what a reboot means), so leave panic at its default (wait forever).
# It has enabled its ACPI power button but cannot answer it: SIGTERM presses the button,
# and a second SIGTERM stops ptvm at once, 128+15; with a short --shutdown-timeout the
# first one alone stops it when the time is up, with exit status 3.
# When the guest never gets to its panic, what ptvm said, the end of the guest's console and
# L1's KVM trace of the boot are printed, as for the boots above.
panicked() { # LOG ARGS...: a panicked guest, its ptvm's pid in pid
  local log=$1 n=0; shift
  kvm_trace_start
  ptvm run --kernel $k --cmdline "console=ttyS0 quiet" --console file:$log "$@" \
    2>$log.err & pid=$!
  while [ $n -lt 300 ] && ! grep -q "Kernel panic" $log 2>/dev/null; do sleep 0.1; n=$((n + 1)); done
  if ! grep -q "Kernel panic" $log; then
    echo "--- $log: no panic; ptvm said:"; cat $log.err; echo "--- the guest's console ends:"
    tail -20 $log | tr -d '\r'; kvm_trace_dump "$(basename $log .log)"
  fi
  check "kernel without initrd panics (VFS: unable to mount root)" grep -q "Kernel panic" $log
}
on_7_2 "a panicked guest and SIGTERM, --shutdown-timeout" \
  "ptvm's signal handling, the same on any kernel" || exit 0
panicked /tmp/panic.log
kill -TERM $pid
n=0; while [ $n -lt 50 ] && ! grep -q "power button" /tmp/panic.log.err; do sleep 0.1; n=$((n + 1)); done
check "SIGTERM: ptvm pressed the guest's power button" \
  grep -q "stopped by signal Terminated: pressed the guest's power button; it has 30 s" /tmp/panic.log.err
check "SIGTERM: the guest has not stopped (a panicked kernel cannot power off)" kill -0 $pid
kill -TERM $pid; wait $pid; rc=$?
check "a second SIGTERM: ptvm exits 143 at once (got $rc)" [ "$rc" = 143 ]
check "a second SIGTERM: ptvm says why it stopped" grep -q "ptvm: stopped by signal" /tmp/panic.log.err
panicked /tmp/panic2.log --shutdown-timeout 2
s=$(cut -d' ' -f1 /proc/uptime)
kill -TERM $pid; wait $pid; rc=$?
e=$(cut -d' ' -f1 /proc/uptime)
check "--shutdown-timeout 2: ptvm exits 3 when the time is up (got $rc after $(awk "BEGIN {print $e - $s}") s)" \
  [ "$rc" = 3 ]
check "--shutdown-timeout 2: ptvm says the guest did not power off" \
  grep -q "ptvm: the guest did not power off within 2 s of its power button: stopped" /tmp/panic2.log.err
check "--shutdown-timeout 2: it waited at least 2 s" awk "BEGIN {exit !($e - $s >= 2)}"
