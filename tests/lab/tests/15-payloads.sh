# The guest payloads (PIO, MMIO, the UART, exits, reset, triple fault) on L1's real KVM.
/lab/files/payloads/run ptvm /lab/files/payloads >/tmp/payloads.txt 2>&1
cat /tmp/payloads.txt
grep -q '^guest: [1-9][0-9]* passed, 0 failed, 0 skipped' /tmp/payloads.txt || fail "payloads" "see above"
grep '^ok - ' /tmp/payloads.txt | while read -r _ _ what; do ok "$what"; done
grep '^not ok - ' /tmp/payloads.txt | while read -r _ _ _ what; do fail "${what%%:*}" "${what#*: }"; done
