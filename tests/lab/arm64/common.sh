# Shared by the arm64 lab (tests/lab/arm64/run) and the arm64 benchmarks (bench/arm64/run):
# the L1 initramfs and the L1 machine. Source it with $busybox set to an arm64 busybox.

# initramfs DIR INIT OUT [PATH...]: busybox, INIT as /init, each PATH (a file or a
# directory, copied whole) at /
initramfs() {
  local d=$1 init=$2 o=$3
  shift 3
  rm -rf "$d"
  mkdir -p "$d/bin" "$d/proc" "$d/sys" "$d/dev" "$d/tmp"
  cp "$busybox" "$d/bin/busybox"
  cp "$init" "$d/init"
  for f in "$@"; do cp -a "$f" "$d/"; done
  (cd "$d" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$o"
}

# boot_l1 KERNEL INITRD CONSOLE-LOG SECONDS: L1 is QEMU's arm64 virt board at EL2 (KVM in
# VHE mode) with GICv3 + ITS and an SMMUv3 in front of its PCI devices: an e1000e on user
# networking (00:02.0), an edu on the root bus (00:03.0) and one behind a root port
# (00:04.0). Its console (and what L1's init prints) goes to CONSOLE-LOG; it is stopped
# after SECONDS. Sets rc to QEMU's exit status.
boot_l1() {
  rc=0
  timeout "$4" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3,iommu=smmuv3 \
    -cpu max -smp 2 -m 2G -device e1000e,netdev=n0,addr=02.0 -netdev user,id=n0 \
    -device edu,addr=03.0 \
    -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=04.0 -device edu,bus=rp1 \
    -kernel "$1" -initrd "$2" -append "console=ttyAMA0 panic=-1" \
    -nographic -no-reboot </dev/null >"$3" 2>&1 || rc=$?
}
