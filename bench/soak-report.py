#!/usr/bin/env python3
"""The soak's report (bench/soak): boots and failures by VMM, case and kind, then each
failure with its console and stderr tail and the KVM trace L1 kept of it, as Markdown.
   soak-report.py CONSOLE-LOG SETTINGS"""
import collections
import re
import sys

boots = []          # (vmm, case, round, rc, secs, kind)
detail = collections.defaultdict(lambda: collections.defaultdict(list))
start_re = re.compile(r"soak-start vmm=(\S+) case=(\S+) round=(\d+)")
started = None      # the boot under way when the log ends, if any
line_re = re.compile(r"soak vmm=(\S+) case=(\S+) round=(\d+) rc=(\d+) secs=([\d.]+) kind=(\S+)")
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
        m = detail_re.search(raw)
        if m:
            detail[(m[2], m[3], int(m[4]))][m[1]].append(m[5])

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
for b in boots:
    smp = b[1] in ("smp2", "smp4")
    key = ("ptvm" if b[0] == "ptvm" else "qemu") + (" SMP" if smp else " other")
    tot[key] += 1
    fails[key] += b[5] != "ok"
print()
for key in sorted(tot):
    print(f"- {key} boots: {tot[key]}, failed {fails[key]}")
print("\n## Failures\n")
for b in boots:
    if b[5] == "ok":
        continue
    vmm, case, rnd = b[0], b[1], b[2]
    print(f"### {vmm} {case} round {rnd}: {b[5]} (exit {b[3]} after {b[4]:.2f} s)\n")
    d = detail[(vmm, case, rnd)]
    for part, title in (("SOAK-STDERR", "stderr"), ("SOAK-CONSOLE", "console tail"),
                        ("SOAK-TRACE-KEY", "KVM trace in L1: exceptions, IPIs, CR writes, shutdowns"),
                        ("SOAK-TRACE", "KVM trace in L1: the last events")):
        if d.get(part):
            print(f"{title}:\n\n```\n" + "\n".join(d[part]) + "\n```\n")
