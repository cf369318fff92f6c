#!/usr/bin/env python3
"""The soak's report (bench/soak): boots and failures by VMM, case and kind, then each
failure with its console and stderr tail and the KVM trace L1 kept of it, as Markdown.
   soak-report.py CONSOLE-LOG SETTINGS [L1-VMLINUX]
With L1's vmlinux (the lab kernel), a failure whose trace shows the lab's own signature is
marked as such (kind suffix "+l1-state"): an L2 vCPU exiting with a guest rip that is the
instruction right after a VMRUN in L1's kernel, i.e. the vCPU runs on L1's saved state,
not its own (docs/soak.md)."""
import collections
import re
import subprocess
import sys


def vmrun_returns(vmlinux):
    """The addresses of the instructions right after each VMRUN in L1's kernel."""
    try:
        dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", vmlinux], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"soak-report: no VMRUN addresses from {vmlinux}: {e}", file=sys.stderr)
        return set()
    addrs, after = set(), False
    for ln in dis.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)", ln)
        if not m:
            continue
        if after:
            addrs.add(int(m[1], 16))
        after = m[2] == "vmrun"
    return addrs


l1_returns = vmrun_returns(sys.argv[3]) if len(sys.argv) > 3 else set()
npf_re = re.compile(r"kvm_exit: vcpu (\d+) reason npf rip 0x([0-9a-f]+) info1 0x([0-9a-f]+) "
                    r"info2 0x([0-9a-f]+)")


def l1_state(d):
    """(vcpu, rip, gpa) of the first nested page fault in a failure's trace taken at one of
    L1's post-VMRUN addresses while walking guest page tables (info1 bit 33), or None."""
    for part in ("SOAK-TRACE-KEY", "SOAK-TRACE"):
        for ln in d.get(part, []):
            m = npf_re.search(ln)
            if m and int(m[2], 16) in l1_returns and int(m[3], 16) >> 33 & 1:
                return int(m[1]), int(m[2], 16), int(m[4], 16)
    return None

boots = []          # (vmm, case, round, rc, secs, kind)
detail = collections.defaultdict(lambda: collections.defaultdict(list))
start_re = re.compile(r"soak-start vmm=(\S+) case=(\S+) round=(\d+)")
started = None      # the boot under way when the log ends, if any
line_re = re.compile(r"soak vmm=(\S+) case=(\S+) round=(\d+) rc=(\d+) secs=([\d.]+) kind=(\S+)")
l1_ram_re = re.compile(r"SOAK-L1-RAM: ([0-9a-f]+)-([0-9a-f]+) : System RAM")
l1_ram = []         # L1's RAM ranges, as its /proc/iomem lists them
detail_re = re.compile(r"(SOAK-CONSOLE|SOAK-STDERR|SOAK-TRACE-KEY|SOAK-TRACE) (\S+) (\S+) (\d+): ?(.*)")
try:
    f = open(sys.argv[1], errors="replace")
except OSError as e:
    print(f"# Soak report\n\nNo console log: {e}. The lab did not start (see bench/soak's output).")
    sys.exit(0)
with f:
    for raw in f:
        raw = raw.rstrip("\r\n")
        m = start_re.search(raw)
        if m:
            started = (m[1], m[2], int(m[3]))
            continue
        m = line_re.search(raw)
        if m:
            boots.append((m[1], m[2], int(m[3]), int(m[4]), float(m[5]), m[6]))
            started = None
            continue
        m = l1_ram_re.search(raw)
        if m:
            l1_ram.append((int(m[1], 16), int(m[2], 16)))
            continue
        m = detail_re.search(raw)
        if m:
            detail[(m[2], m[3], int(m[4]))][m[1]].append(m[5])
# the lab's signature (above) marks a failure's kind
boots = [b[:5] + (b[5] + "+l1-state",) if b[5] != "ok" and l1_state(detail[b[:3]]) else b
         for b in boots]

print("# Soak report\n")
print(f"Settings: {sys.argv[2]}\n")
if started:
    print(f"**The lab ended during a boot**: {started[0]} {started[1]} round {started[2]} "
          "(the lab's own timeout, or L1 stopped): counted below as `lab-ended`.\n")
    boots.append((started[0], started[1], started[2], -1, 0.0, "lab-ended"))
if not boots:
    print("No boots recorded: the lab did not get to the soak (see the console log).")
    sys.exit(0)
print("| VMM | case | boots | ok | failures | failure kinds | median s | max s (ok) |")
print("|---|---|---:|---:|---:|---|---:|---:|")
groups = collections.defaultdict(list)
for b in boots:
    groups[(b[0], b[1])].append(b)
for (vmm, case) in sorted(groups):
    g = groups[(vmm, case)]
    ok = [b for b in g if b[5] == "ok"]
    kinds = collections.Counter(b[5] for b in g if b[5] != "ok")
    secs = sorted(b[4] for b in ok)
    med = secs[len(secs) // 2] if secs else float("nan")
    mx = secs[-1] if secs else float("nan")
    print(f"| {vmm} | {case} | {len(g)} | {len(ok)} | {len(g) - len(ok)} | "
          f"{', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) or '-'} | {med:.2f} | {mx:.2f} |")
tot = collections.Counter()
fails = collections.Counter()
lab = collections.Counter()
for b in boots:
    smp = b[1] in ("smp2", "smp4", "topo")
    key = ("ptvm" if b[0] == "ptvm" else "qemu") + (" SMP" if smp else " other")
    tot[key] += 1
    fails[key] += b[5] != "ok"
    lab[key] += b[5].endswith("+l1-state")
print()
for key in sorted(tot):
    print(f"- {key} boots: {tot[key]}, failed {fails[key]}"
          + (f" ({lab[key]} with the lab's signature)" if lab[key] else ""))
print("\n## Failures\n")
for b in boots:
    if b[5] == "ok":
        continue
    vmm, case, rnd = b[0], b[1], b[2]
    print(f"### {vmm} {case} round {rnd}: {b[5]} (exit {b[3]} after {b[4]:.2f} s)\n")
    d = detail[(vmm, case, rnd)]
    sig = l1_state(d)
    if sig:
        print(f"The lab's signature: vCPU {sig[0]} exits on a nested page fault while walking "
              f"page tables at rip 0x{sig[1]:x}, the instruction after a VMRUN in L1's own "
              f"kernel, at guest-physical 0x{sig[2]:x}"
              + (", which is L1's RAM" if any(a <= sig[2] <= e for a, e in l1_ram) else "")
              + ": the L2 vCPU runs on L1's saved state "
              "(its rip and page tables), which no VMM in L1 can give it (docs/soak.md).\n")
    for part, title in (("SOAK-STDERR", "stderr"), ("SOAK-CONSOLE", "console tail"),
                        ("SOAK-TRACE-KEY", "KVM trace in L1: exceptions, IPIs, CR writes, shutdowns"),
                        ("SOAK-TRACE", "KVM trace in L1: the last events")):
        if d.get(part):
            print(f"{title}:\n\n```\n" + "\n".join(d[part]) + "\n```\n")
