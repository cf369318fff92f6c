#!/usr/bin/env python3
"""bench/report.py RAW OUTDIR: turn bench/run's raw lines into OUTDIR/results.md, the data
files and OUTDIR/plot.gp (gnuplot script for ratios.png and boot.png). Every figure is a
median [min-max] over the runs found in RAW; a figure that was not measured says why."""
import statistics
import sys
from collections import defaultdict

raw, outdir = sys.argv[1], sys.argv[2]
host, sizes, rows = {}, {}, defaultdict(list)   # rows[(kind, vmm, mem)] = [dict per run]
for line in open(raw, errors="replace"):
    w = line.split()
    if not w:
        continue
    kv = dict(x.split("=", 1) for x in w[1:] if "=" in x)
    if w[0] == "host":
        host = kv
    elif w[0] == "load":
        host.update({"load_" + k: v for k, v in kv.items()})
    elif w[0] == "size":
        sizes[kv["name"]] = kv
    elif w[0] == "bench" and len(w) > 2:
        mem = kv.get("mem") or kv.get("mib") or kv.get("case")
        if w[1] == "ram":
            mem = f"{kv.get('mem')}/{kv.get('pages')}"
        rows[(w[1], kv.get("vmm"), mem)].append(kv)

tsc_khz = float(host.get("tsc_khz", 0) or 0)


def vals(kind, vmm, key, mem=None, ok=None):
    out = []
    for r in rows.get((kind, vmm, mem), []):
        if ok and not ok(r):
            continue
        try:
            v = float(r[key])
        except (KeyError, ValueError):
            continue
        if v >= 0:
            out.append(v)
    return out


def stat(v):
    return (statistics.median(v), min(v), max(v), len(v)) if v else None


def fmt(s, digits=0, unit=""):
    if s is None:
        return None
    m, lo, hi, _ = s
    f = f"{{:.{digits}f}}"
    return f"{f.format(m)}{unit} [{f.format(lo)}-{f.format(hi)}]"


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return "-"
    return f"{a[0] / b[0]:.3g}"


def boot_ok(r):
    return r.get("marker_ms", "-1") != "-1"


ns = (lambda c: c * 1e6 / tsc_khz) if tsc_khz else None
runs_seen = max([len(v) for v in rows.values()] or [0])
md = []
cpu = host.get("cpu", "?").replace("_", " ")
md.append(f"Benchmarks of {host.get('date', '?')}, `bench/run` with RUNS={runs_seen}: host "
          f"{cpu}, {host.get('cores', '?')} cores; L1 = the lab kernel under QEMU "
          f"{host.get('qemu', '?')} TCG (q35, 2 vCPUs, 8 GiB, emulated intel-iommu; lab kernel 7.2 unless said); every "
          f"guest (L2) runs on L1's KVM (nested SVM), with ptvm or QEMU {host.get('qemu', '?')} "
          f"as the VMM in the same L1 boot, cases interleaved run by run. Host load average "
          f"(1, 5, 15 min) before the lab {host.get('load_before', '?')}, after "
          f"{host.get('load_after', '?')}: other work shared the 2 cores. "
          f"Figures are median [min-max] over the runs; "
          f"**ratio = ptvm ÷ QEMU** (below 1: ptvm is faster or smaller).\n")

# --- boot ---------------------------------------------------------------------------------
md.append("### L2 Linux boot to the init marker (lab kernel 7.2 + busybox initramfs, 256 MiB, 1 vCPU)\n")
md.append("| case | VMM | boot to marker (ms) | ratio | peak VMM RSS excl. guest RAM (KiB) | ratio |")
md.append("|---|---|---|---|---|---|")
boot_plot, ratio_plot = [], []
for kind, case in (("boot", "no device"), ("nic", "e1000e assigned")):
    p_t = stat(vals(kind, "ptvm", "marker_ms", ok=boot_ok))
    p_r = stat(vals(kind, "ptvm", "peak_rss_noshmem_kb", ok=boot_ok))
    for vmm in ("ptvm", "qemu-microvm", "qemu-q35"):
        t = stat(vals(kind, vmm, "marker_ms", ok=boot_ok))
        r = stat(vals(kind, vmm, "peak_rss_noshmem_kb", ok=boot_ok))
        if kind == "nic" and vmm == "qemu-microvm":
            md.append(f"| {case} | {vmm} | n/a: microvm has no PCI bus for vfio-pci by default | | | |")
            continue
        if t is None:
            md.append(f"| {case} | {vmm} | not measured (no successful run in the log) | | | |")
            continue
        md.append(f"| {case} | {vmm} | {fmt(t)} | {ratio(p_t, t) if vmm != 'ptvm' else ''} | "
                  f"{fmt(r)} | {ratio(p_r, r) if vmm != 'ptvm' else ''} |")
        boot_plot.append((f"{vmm} ({case})", t))
        if vmm != "ptvm" and p_t:
            short = "no dev" if kind == "boot" else "e1000e"
            ratio_plot.append((f"boot, {short}, vs {vmm[5:]}", p_t[0] / t[0]))
            if p_r and r:
                ratio_plot.append((f"VMM RSS, {short}, vs {vmm[5:]}", p_r[0] / r[0]))

# --- the boot matrix (issue 16) ---------------------------------------------------------------
MATRIX = (("bz-quiet-uart", "bzImage, quiet, UART"), ("bz-loud-uart", "bzImage, log on the UART"),
          ("bz-loud-virtio", "bzImage, log on virtio console"),
          ("pvh-quiet-uart", "vmlinux (PVH), quiet, UART"),
          ("pvh-loud-uart", "vmlinux (PVH), log on the UART"),
          ("pvh-loud-virtio", "vmlinux (PVH), log on virtio console"))
matrix_plot = []
if any(k[0] == "bootm" for k in rows):
    md.append("\n### Boot matrix: ptvm beside QEMU microvm, same kernel, initramfs and console "
              "(256 MiB, 1 vCPU)\n")
    md.append("Boot = VMM start to the init marker on the console; guest = the guest's own "
              "uptime at the marker; VMM share = (boot − guest) ÷ boot, the time that passes "
              "outside the guest kernel's clock (VMM setup, firmware, decompression); exits = "
              "exits to the VMM (ptvm: `--stats`, to its exit; QEMU: KVM's io_exits + "
              "mmio_exits at the marker, over QMP).\n")
    md.append("| case | VMM | boot (ms) | ratio | guest (s) | VMM share | exits | ratio |")
    md.append("|---|---|---|---|---|---|---|---|")
    for case, label in MATRIX:
        got = {}
        for vmm in ("ptvm", "qemu-microvm"):
            rs = [r for r in rows.get(("bootm", vmm, case), []) if boot_ok(r)]
            t = stat([float(r["marker_ms"]) for r in rs])
            u = stat([float(r["uptime_s"]) for r in rs if r.get("uptime_s")])
            share = stat([(float(r["marker_ms"]) - 1000 * float(r["uptime_s"])) / float(r["marker_ms"])
                          for r in rs if r.get("uptime_s")])
            ex = stat([float(r["vmm_exits"]) for r in rs if r.get("vmm_exits", "-1") not in ("", "-1")])
            got[vmm] = (t, u, share, ex)
        pt, pu, ps, pe = got["ptvm"]
        for vmm in ("ptvm", "qemu-microvm"):
            t, u, share, ex = got[vmm]
            if t is None:
                md.append(f"| {label} | {vmm} | not measured (no successful run) | | | | | |")
                continue
            sh = f"{100 * share[0]:.0f} % [{100 * share[1]:.0f}-{100 * share[2]:.0f}]" if share else "-"
            md.append(f"| {label} | {vmm} | {fmt(t)} | {ratio(pt, t) if vmm != 'ptvm' else ''} | "
                      f"{fmt(u, 2) or '-'} | {sh} | {fmt(ex) or '-'} | "
                      f"{ratio(pe, ex) if vmm != 'ptvm' else ''} |")
            matrix_plot.append((f"{case} {'ptvm' if vmm == 'ptvm' else 'microvm'}", t))

# --- size ----------------------------------------------------------------------------------
md.append("\n### Binary size (bytes, on the host)\n")
md.append("| binary | linking | files | size | stripped | ptvm x86_64 ÷ this | ptvm tiny ÷ this |")
md.append("|---|---|---|---|---|---|---|")
px = float(sizes.get("ptvm-x86_64", {}).get("bytes", 0) or 0)
pt = float(sizes.get("ptvm-tiny", {}).get("bytes", 0) or 0)
for name, label in (("ptvm-x86_64", "ptvm, x86_64_defconfig (static glibc)"),
                    ("ptvm-tiny", "ptvm, tiny_defconfig (static musl)"),
                    ("qemu-binary", "qemu-system-x86_64 alone"),
                    ("qemu-with-libs", "qemu-system-x86_64 + its shared libraries (ldd)")):
    s = sizes.get(name)
    if not s:
        md.append(f"| {label} | not measured | | | | | |")
        continue
    b = float(s["bytes"])
    r1 = f"{px / b:.3g}" if name.startswith("qemu") and px else ""
    r2 = f"{pt / b:.3g}" if name.startswith("qemu") and pt else ""
    md.append(f"| {label} | {s['linking']} | {s['files']} | {int(b)} | {s['stripped']} | {r1} | {r2} |")
    if name == "qemu-with-libs" and px:
        ratio_plot.append(("binary size, x86_64 vs QEMU+libs", px / b))
        ratio_plot.append(("binary size, tiny vs QEMU+libs", pt / b))

# --- trapped round trips ---------------------------------------------------------------------
md.append(f"\n### Exits: one trapped access, and mmapped BAR access (ns per access; the payload counts TSC cycles, converted at the host's {tsc_khz / 1000:.0f} MHz)\n")
md.append("| access | ptvm | QEMU q35 | ratio | QEMU microvm | ratio |")
md.append("|---|---|---|---|---|---|")


def cyc(kind, vmm, key, mem=None):
    v = vals(kind, vmm, key, mem)
    return stat([ns(c) for c in v]) if (v and ns) else None


for key, label in (("pio", "PIO read of an unclaimed port (trapped; round trip through the VMM)"),
                   ("mmio", "MMIO read of an unclaimed address (trapped; round trip through the VMM)"),
                   ("ram", "guest RAM read (the loop's own cost, no exit)")):
    p = cyc("rt", "ptvm", key)
    q = cyc("rt", "qemu-q35", key)
    m = cyc("rt", "qemu-microvm", key)
    md.append(f"| {label} | {fmt(p, 1) or 'not measured'} | {fmt(q, 1) or 'not measured'} | {ratio(p, q)} | "
              f"{fmt(m, 1) or 'not measured'} | {ratio(p, m)} |")
    if key != "ram" and p and q:
        ratio_plot.append((f"trapped {key.upper()} vs q35", p[0] / q[0]))
p = cyc("pt", "ptvm", "bar", "256M")
q = cyc("pt", "qemu-q35", "bar", "256M")
md.append(f"| edu BAR0 read, BAR mmapped into the guest (256 MiB guest) | {fmt(p, 1) or 'not measured'} | "
          f"{fmt(q, 1) or 'not measured'} | {ratio(p, q)} | n/a (no PCI) | |")
ert = stat(vals("rt", "ptvm", "vcpu_exits"))
e = stat(vals("pt", "ptvm", "vcpu_exits", "256M"))
md.append(f"| ptvm: exits to ptvm, whole rt run (2 x {20000} trapped reads, the rest of the payload) | "
          f"{fmt(ert) or 'not measured'} | | | | |")
md.append(f"| ptvm: exits to ptvm, whole rt-edu run (20000 BAR reads, 1000 MSIs, config and console I/O; 256 MiB) | "
          f"{fmt(e) or 'not measured'} | | | | |")
for kind, mem, key, label in (("rt", None, "pio_io_exits", "QEMU: KVM I/O exits in the PIO window (20000 reads + the end marker line)"),
                              ("rt", None, "mmio_mmio_exits", "QEMU: KVM MMIO exits in the MMIO window (20000 reads)"),
                              ("pt", "256M", "bar_exits", "QEMU: all KVM exits in the BAR window (20000 BAR reads + the end marker line)"),
                              ("pt", "256M", "bar_mmio_exits", "QEMU: KVM MMIO exits in the BAR window"),
                              ("pt", "256M", "bar_io_exits", "QEMU: KVM I/O exits in the BAR window (the end marker line's characters)")):
    q = stat(vals(kind, "qemu-q35", key, mem))
    m = stat(vals(kind, "qemu-microvm", key, mem)) if kind == "rt" else None
    md.append(f"| {label} | not exposed per window (see the whole-run counts) | {fmt(q) or 'not measured'} | | "
              f"{fmt(m) or ('n/a (no PCI)' if kind == 'pt' else 'not measured')} | |")

# --- MSI burst ----------------------------------------------------------------------------------
md.append("\n### VMM wake-ups during an edu MSI burst (1000 raised interrupts, each waited for; 256 MiB guest)\n")
md.append("| figure | ptvm | QEMU q35 | ratio |")
md.append("|---|---|---|---|")
p = cyc("pt", "ptvm", "msi", "256M")
q = cyc("pt", "qemu-q35", "msi", "256M")
us = (lambda s: (s[0] / 1e3, s[1] / 1e3, s[2] / 1e3, s[3]) if s else None)
md.append(f"| time per MSI: raise at the device to the guest's handler (µs) | {fmt(us(p), 1) or 'not measured'} | "
          f"{fmt(us(q), 1) or 'not measured'} | {ratio(p, q)} |")
if p and q:
    ratio_plot.append(("time per MSI vs q35", p[0] / q[0]))
for key, label in (("burst_vol", "VMM voluntary context switches (sleeps/wake-ups) during the burst, all threads"),
                   ("burst_invol", "VMM involuntary context switches (preemptions) during the burst, all threads")):
    pc = stat(vals("pt", "ptvm", key, "256M"))
    qc = stat(vals("pt", "qemu-q35", key, "256M"))
    md.append(f"| {label} | {fmt(pc) or 'not measured'} | {fmt(qc) or 'not measured'} | "
              f"{ratio(pc, qc) if qc and qc[0] else '-'} |")
q = stat(vals("pt", "qemu-q35", "burst_exits", "256M"))
md.append(f"| KVM exits during the burst, in-kernel ones included (QMP query-stats) | not exposed | {fmt(q) or 'not measured'} | |")
w = stat(vals("pt", "ptvm", "main_wakeups", "256M"))
md.append(f"| ptvm main-thread wake-ups, whole run (ptvm --verbose) | {fmt(w) or 'not measured'} | not exposed | |")

# --- passthrough setup ---------------------------------------------------------------------------
mems = ("256M", "1G", "2G")
mib = {"256M": "256", "1G": "1024", "2G": "2048"}
md.append("\n### Passthrough setup (edu behind a PCIe root port in L1; ms)\n")
md.append("| figure | " + " | ".join(f"{m} guest" for m in mems) + " |")
md.append("|---|" + "---|" * len(mems))


def row(label, cells):
    md.append(f"| {label} | " + " | ".join(cells) + " |")


starts = {}
for vmm, label in (("ptvm", "ptvm: start to the payload's first output"),
                   ("qemu-q35", "QEMU q35: start to the payload's first output (includes SeaBIOS)")):
    starts[vmm] = [stat(vals("pt", vmm, "marker_ms", m, ok=boot_ok)) for m in mems]
    row(label, [fmt(s) or "not measured" for s in starts[vmm]])
row("ratio", [ratio(a, b) for a, b in zip(starts["ptvm"], starts["qemu-q35"])])
for i, m in enumerate(mems):
    if starts["ptvm"][i] and starts["qemu-q35"][i]:
        ratio_plot.append((f"start with edu, {m}", starts["ptvm"][i][0] / starts["qemu-q35"][i][0]))


def ptvm_ram(m):
    out = []
    for r in rows.get(("pt", "ptvm", m), []):
        try:
            out.append(float(r.get("populate_ms", 0)) + float(r["ioas_map_ms"]) + float(r["attach_ms"]))
        except (KeyError, ValueError):
            pass
    return stat(out)


def bare(m, keys):
    out = []
    for r in rows.get(("ioas", "bare", mib[m]), []):
        try:
            out.append(sum(float(r[k]) for k in keys))
        except (KeyError, ValueError):
            pass
    return stat(out)


pr = [ptvm_ram(m) for m in mems]
b1 = [bare(m, ("map_attached_ms",)) for m in mems]
b2 = [bare(m, ("map_first_ms", "attach_ms")) for m in mems]
row("**guest RAM into the IOAS, ptvm** (attach, populate, then the map pins it)", [fmt(s, 1) or "not measured" for s in pr])
row("bare: one IOAS_MAP with the device already attached (ioasmap, same run)", [fmt(s, 1) or "not measured" for s in b1])
row("bare: IOAS_MAP then ATTACH (ioasmap, same run)", [fmt(s, 1) or "not measured" for s in b2])
row("ratio ptvm ÷ bare (attached map)", [ratio(a, b) for a, b in zip(pr, b1)])
row("ratio ptvm ÷ bare (same order)", [ratio(a, b) for a, b in zip(pr, b2)])
best = [min((x for x in (a, b) if x), key=lambda x: x[0], default=None) for a, b in zip(b1, b2)]
row("**ratio ptvm ÷ the faster bare way** (the limit)", [ratio(a, b) for a, b in zip(pr, best)])
for i, m in enumerate(mems):
    if pr[i] and best[i]:
        ratio_plot.append((f"RAM into IOAS vs bare, {m}", pr[i][0] / best[i][0]))
row("bare IOAS_UNMAP of it (attached)", [fmt(bare(m, ("unmap_ms",)), 1) or "not measured" for m in mems])
for key, label in (("vm_ms", "ptvm phase: VM + IOAS"), ("populate_ms", "ptvm phase: guest RAM laid out, created, populated (threads)"),
                   ("ioas_map_ms", "ptvm phase: IOMMU_IOAS_MAP(_FILE) (pins + maps guest RAM)"),
                   ("kvm_vfio_ms", "ptvm phase: KVM-VFIO device"), ("cdev_open_ms", "ptvm phase: cdev open"),
                   ("file_add_ms", "ptvm phase: KVM_DEV_VFIO_FILE_ADD"), ("bind_ms", "ptvm phase: BIND_IOMMUFD"),
                   ("attach_ms", "ptvm phase: ATTACH_IOMMUFD_PT (empty IOAS)"),
                   ("reset_ms", "ptvm phase: VFIO_DEVICE_RESET"), ("bars_ms", "ptvm phase: BAR regions + mmap"),
                   ("pci_ms", "ptvm phase: guest PCI function"), ("total_to_vcpu_ms", "ptvm: start to vCPUs running")):
    row(label, [fmt(stat(vals("pt", "ptvm", key, m)), 2) or "not measured" for m in mems])
md.append("\nQEMU's own setup phases are not broken out: its vfio/iommufd steps are not timed "
          "by any interface of the Debian build; the start-to-first-output row is the comparable "
          "figure. `not measured` means no run produced the figure (see raw.txt and the lab "
          "console log).")

# --- guest RAM into the IOAS (issue: MAP_FILE, huge pages, parallel population) ------------------
ram_keys = sorted({k[2] for k in rows if k[0] == "ram"},
                  key=lambda m: (float(m.split("/")[0][:-1]) * (1024 if m.split("/")[0].endswith("G") else 1),
                                 {"4k": 0, "2M": 1, "1G": 2}.get(m.split("/")[1], 3)))
if ram_keys:
    md.append("\n### Guest RAM into the IOAS, and start with a device (edu behind a root port; ms)\n")
    md.append("| guest RAM / pages | ptvm: populate | map | attach | **RAM into IOAS** | bare: one IOAS_MAP of 4 KiB pages (the old way; measured beside the 4 KiB runs) | **ratio** | ptvm: start to first output | QEMU q35 | **ratio** |")
    md.append("|---|---|---|---|---|---|---|---|---|---|")
    for key in ram_keys:
        ok_run = lambda r: r.get("marker_ms", "-1") != "-1"
        pp = [stat(vals("ram", "ptvm", k, key, ok=ok_run)) for k in ("populate_ms", "map_ms", "attach_ms", "ram_ms")]
        bare_map = stat(vals("ram", "bare", "map_attached_ms", key.split("/")[0] + "/4k"))
        ps = stat(vals("ram", "ptvm", "marker_ms", key, ok=ok_run))
        qs = stat(vals("ram", "qemu-q35", "marker_ms", key, ok=ok_run))
        mem, pages = key.split("/")
        md.append(f"| {mem} / {pages} | " + " | ".join(fmt(s, 0) or "-" for s in pp) +
                  f" | {fmt(bare_map, 0) or 'not measured'} | {ratio(pp[3], bare_map)} | "
                  f"{fmt(ps, 0) or 'not measured'} | {fmt(qs, 0) or 'not measured'} | {ratio(ps, qs)} |")
        if pp[3] and bare_map:
            ratio_plot.append((f"RAM->IOAS {mem} {pages} vs bare 4k map", pp[3][0] / bare_map[0]))
        if ps and qs:
            ratio_plot.append((f"start {mem} {pages} vs q35", ps[0] / qs[0]))
    mf = [float(r.get("map_file", 0)) for k in ram_keys for r in rows.get(("ram", "ptvm", k), [])]
    md.append(f"\nptvm mapped guest RAM with IOMMU_IOAS_MAP_FILE in {int(sum(mf))} of {len(mf)} runs. "
              "Goals (2 GiB guest): RAM into the IOAS ≤ 0.7x the bare 4 KiB map with 4 KiB pages, "
              "≤ 0.25x with 2 MiB pages, ≤ 0.15x with 1 GiB pages; start ≤ 0.5x QEMU q35.")

# --- real devices -------------------------------------------------------------------------------
md.append("\n### Real devices: the zoo's NVMe and e1000e assigned to an L2 Linux guest\n")
md.append("| figure (the guest's own) | ptvm | QEMU q35 | ratio |")
md.append("|---|---|---|---|")
for case, key, label, digits in (
        ("nvme", "mib_s", "NVMe sequential read, O_DIRECT, 1 MiB blocks, 4 x 96 MiB (MiB/s; a ratio above 1: ptvm reads faster)", 1),
        ("ping", "avg_ms", "e1000e: ping round trip to the user-network gateway, average of 10 (ms)", 3),
        ("ping", "min_ms", "e1000e: ping round trip, fastest of 10 (ms)", 3)):
    pv = [float(r[key]) for r in rows.get(("zoo", "ptvm", case), []) if key in r]
    qv = [float(r[key]) for r in rows.get(("zoo", "qemu-q35", case), []) if key in r]
    p, q = stat(pv), stat(qv)
    md.append(f"| {label} | {fmt(p, digits) or 'not measured'} | {fmt(q, digits) or 'not measured'} | {ratio(p, q)} |")
    if p and q:
        ratio_plot.append((f"{case} {key} vs q35", p[0] / q[0]))

open(f"{outdir}/results.md", "w").write("\n".join(md) + "\n")

# --- plots ---------------------------------------------------------------------------------------
with open(f"{outdir}/ratios.dat", "w") as f:
    for label, v in ratio_plot:
        f.write(f"\"{label}\" {v:.4f}\n")
with open(f"{outdir}/boot.dat", "w") as f:
    for label, s in boot_plot:
        f.write(f"\"{label}\" {s[0]:.0f} {s[1]:.0f} {s[2]:.0f}\n")
with open(f"{outdir}/bootmatrix.dat", "w") as f:
    for label, st in matrix_plot:
        f.write(f"\"{label}\" {st[0]:.0f} {st[1]:.0f} {st[2]:.0f}\n")
gp = f"""set terminal pngcairo size 1300,640 noenhanced font ",10"
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by -30 left
set bmargin 10
set rmargin 14
set output "ratios.png"
set title "ptvm / QEMU 10, median of {runs_seen} runs, {host.get('date', '?')} (below 1: ptvm faster/smaller; log scale)"
set logscale y
set yrange [0.001:10]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
{"plot" if ratio_plot else "# no data:"} "ratios.dat" using 0:2:xtic(1) with boxes lc rgb "#3070b0" notitle, \\
     "" using 0:2:(sprintf("%.2g", $2)) with labels offset 0,0.8 notitle
unset logscale y
unset arrow
set output "boot.png"
set title "L2 Linux boot to init marker (ms), median and min-max of {runs_seen} runs"
set yrange [0:*]
{"plot" if boot_plot else "# no data:"} "boot.dat" using 0:2:xtic(1) with boxes lc rgb "#50a050" notitle, \\
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
set output "bootmatrix.png"
set title "Boot matrix: VMM start to init marker (ms), median and min-max, ptvm and QEMU microvm"
{"plot" if matrix_plot else "# no data:"} "bootmatrix.dat" using 0:2:xtic(1) with boxes lc rgb "#b07030" notitle, \\
     "" using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 notitle
"""
open(f"{outdir}/plot.gp", "w").write(gp)
