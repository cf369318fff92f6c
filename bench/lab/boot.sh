# Boot the same L2 (lab kernel + busybox initramfs, 256 MiB, 1 vCPU) with ptvm, QEMU
# -M microvm and QEMU -M q35 on L1's KVM, $RUNS times each, interleaved. Guest RAM is a
# memfd for every VMM, so RssAnon + RssFile is the VMM's own memory.
RUNS=${RUNS:-5}
k=/lab/files/bzImage i=/lab/files/l2-initrd.gz
args="console=ttyS0 quiet"
qemu_common="-accel kvm -cpu host -m 256M -smp 1 -object memory-backend-memfd,id=mem,size=256M
  -kernel $k -initrd $i -nodefaults -no-user-config -display none -serial stdio
  -monitor none -no-reboot -L /qemu/share"

one() { # one NAME RUN COMMAND...
  local name=$1 run=$2; shift 2
  r=$(vmmstat -o /tmp/$name.$run.log -t 120 L2-MARKER -- "$@" 2>/tmp/$name.$run.err)
  echo "bench vmm=$name run=$run $r"
  case "$r" in *"status=0 "*) ;; *) fail "$name run $run" "$r"; cat /tmp/$name.$run.log /tmp/$name.$run.err ;; esac
}

for run in $(seq 1 $RUNS); do
  one ptvm $run ptvm run --kernel $k --initrd $i --memory 256M --cmdline "$args" --console stdio
  one qemu-microvm $run qemu-system-x86_64 -M microvm,memory-backend=mem $qemu_common -append "$args"
  one qemu-q35 $run qemu-system-x86_64 -M q35,memory-backend=mem $qemu_common -append "$args"
done
ok "boot benchmark: $RUNS runs of each VMM"
