#!/usr/bin/env python3
"""The arm64 benchmarks' table (bench/arm64/run): medians of each case per VMM, and
ptvm's ratio to QEMU with its spread (the lowest and highest of the per-run ratios, run N
of ptvm against run N of QEMU, which ran right after it). Reads raw.txt, writes Markdown."""
import statistics
import sys

rows = []
sizes = {}
host = ""
for line in open(sys.argv[1]):
    w = line.split()
    if not w:
        continue
    if w[0] == "size":
        kv = dict(x.split("=", 1) for x in w[1:])
        sizes[kv["name"]] = kv
    elif w[0] == "host":
        host = " ".join(w[1:])
    elif w[0] == "bench":
        kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
        kv["kind"] = w[1]
        rows.append(kv)


def series(kind, vmm, key):
    out = {}
    for r in rows:
        if r["kind"] == kind and r["vmm"] == vmm and r.get("status") == "0" and key in r:
            v = float(r[key])
            if v >= 0:
                out[int(r["run"])] = v
    return out


def cell(s):
    return f"{statistics.median(s.values()):.0f}" if s else "-"


print(f"# arm64 benchmarks\n\n{host}\n")
print("| case | measure | ptvm (median) | QEMU virt (median) | ptvm / QEMU | spread (per run) | runs |")
print("|---|---|---:|---:|---:|---|---:|")
for kind, label in (("boot", "boot, no device"), ("nic", "boot, e1000e assigned")):
    for key, what in (("marker_ms", "start to init (ms)"),
                      ("peak_rss_noshmem_kb", "VMM's own peak memory (KiB)"),
                      ("vmhwm_kb", "peak RSS with guest RAM (KiB)")):
        p, q = series(kind, "ptvm", key), series(kind, "qemu-virt", key)
        both = sorted(set(p) & set(q))
        ratios = [p[i] / q[i] for i in both if q[i] > 0]
        ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-"
        print(f"| {label} | {what} | {cell(p)} | {cell(q)} | {ratio} | {spread} | {len(both)} |")

phase = {}
for key in ("attach_ms", "populate_ms", "ioas_map_ms", "devices_ms", "to_vcpu_ms"):
    s = series("nic", "ptvm", key)
    phase[key] = f"{statistics.median(s.values()):.1f}" if s else "-"
print(f"\nptvm's setup with the e1000e (medians, ms from its start): attached to the IOAS "
      f"{phase['attach_ms']}, guest RAM populated {phase['populate_ms']}, mapped into the "
      f"IOAS {phase['ioas_map_ms']}, devices ready {phase['devices_ms']}, vCPUs running "
      f"{phase['to_vcpu_ms']}.\n")
print("| binary | bytes | files | linking |")
print("|---|---:|---:|---|")
for name in ("ptvm-arm64", "ptvm-arm64_tiny", "qemu-binary", "qemu-with-libs"):
    if name in sizes:
        s = sizes[name]
        print(f"| {name} | {int(s['bytes']):,} | {s.get('files', '1')} | {s['linking']} |")
