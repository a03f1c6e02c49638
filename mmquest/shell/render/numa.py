"""numactl --hardware, numastat (plain, -n, -m, -p) and the per-node sysfs files."""

from __future__ import annotations

from ...snapshot import Snapshot, TaskInfo
from .units import mb


def node_cpus(s: Snapshot, z: int) -> list[int]:
    """The CPUs of node ``z``: two hyperthreads per core, node z has cores z*cpn/2.. and their
    siblings (numbered after every node's first threads, as x86 firmware enumerates them)."""
    cpn, n = s.cpus_per_node, s.nnodes
    if cpn % 2:
        return list(range(z * cpn, (z + 1) * cpn))
    half = cpn // 2
    first = list(range(z * half, (z + 1) * half))
    return first + [c + n * half for c in first]


def cpulist(cpus: list[int]) -> str:
    """The kernel's list format (bitmap_print_to_pagebuf(true, ...)): ``0-7,16-23``."""
    out: list[str] = []
    for c in sorted(cpus):
        if out and c == int(out[-1].split("-")[-1]) + 1:
            out[-1] = out[-1].split("-")[0] + f"-{c}"
        else:
            out.append(str(c))
    return ",".join(out)


def numactl_hardware(s: Snapshot) -> str:
    n = s.nnodes
    nodelist = "0" if n == 1 else f"0-{n - 1}"
    out = [f"available: {n} nodes ({nodelist})"]
    for z in range(n):
        out.append(f"node {z} cpus: {' '.join(str(c) for c in node_cpus(s, z))}")
        out.append(f"node {z} size: {int(mb(s.nodes[z].total))} MB")
        out.append(f"node {z} free: {int(mb(s.nodes[z].free))} MB")
    out.append("node distances:")
    out.append("node " + "".join(f"{z:3d} " for z in range(n)))
    for z in range(n):
        out.append(f"{z:3d}: " + "".join(f"{d:3d} " for d in s.distances[z]))
    return "\n".join(out)


NUMASTAT_ROWS = ("numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node")


def numastat_plain(s: Snapshot) -> str:
    out = [" " * 16 + "".join(f"{'node' + str(z):>16}" for z in range(s.nnodes))]
    for row in NUMASTAT_ROWS:
        out.append(f"{row:<16}" + "".join(f"{v:>16}" for v in s.numa(row)))
    return "\n".join(out)


def _mb_table(
    title: str, header: list[str], rows: list[tuple[str, list[float]]], compact: bool, label_w: int = 16
) -> str:
    """The numastat (-n/-m/-p) table shape: label, one column per node, Total."""
    out = ["", title]
    if compact:
        vals = [[f"{v:.0f}" for v in r] for _, r in rows]
        widths = [max(len(h), *(len(v[i]) for v in vals)) for i, h in enumerate(header)]
        lw = max(len(lbl) for lbl, _ in rows)
        out.append(" " * (lw + 1) + " ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=False)))
        out.append(" " * (lw + 1) + " ".join("-" * w for w in widths))
        for (lbl, _), v in zip(rows, vals, strict=False):
            out.append(f"{lbl:<{lw}} " + " ".join(f"{x:>{w}}" for x, w in zip(v, widths, strict=False)))
        return "\n".join(out)
    out.append(" " * label_w + "".join(f"{h:>16}" for h in header))
    out.append(" " * label_w + "".join(" " + "-" * 15 for _ in header))
    for lbl, r in rows:
        if lbl.startswith("-"):
            out.append("-" * 16 + "  " + " ".join("-" * 15 for _ in header))
            continue
        out.append(f"{lbl:<{label_w}}" + "".join(f"{v:>16.2f}" for v in r))
    return "\n".join(out)


def numastat_n(s: Snapshot, compact: bool = False) -> str:
    header = [f"Node {z}" for z in range(s.nnodes)] + ["Total"]
    names = {
        "numa_hit": "Numa_Hit",
        "numa_miss": "Numa_Miss",
        "numa_foreign": "Numa_Foreign",
        "interleave_hit": "Interleave_Hit",
        "local_node": "Local_Node",
        "other_node": "Other_Node",
    }
    rows = []
    for k in NUMASTAT_ROWS:
        v = [mb(x) for x in s.numa(k)]
        rows.append((names[k], [*v, sum(v)]))
    return _mb_table("Per-node numastat info (in MBs):", header, rows, compact)


def node_meminfo_rows(s: Snapshot) -> list[tuple[str, list[float]]]:
    """Per-node meminfo in MB, the rows of `numastat -m` on a 3.x kernel."""
    rows: dict[str, list[float]] = {}
    for nm in s.nodes:
        anon = nm.anon
        act_anon, inact_anon = nm.active_anon, nm.inactive_anon
        huge = s.hugepage_kb / 4  # 4 KiB pages per huge page
        vals = {
            "MemTotal": nm.total,
            "MemFree": nm.free,
            "MemUsed": nm.total - nm.free,
            "Active": act_anon + nm.active_file,
            "Inactive": inact_anon + nm.inactive_file,
            "Active(anon)": act_anon,
            "Inactive(anon)": inact_anon,
            "Active(file)": nm.active_file,
            "Inactive(file)": nm.inactive_file,
            "Unevictable": 0.0,
            "Mlocked": 0.0,
            "Dirty": nm.dirty,
            "Writeback": nm.writeback,
            "FilePages": nm.file,
            "Mapped": nm.mapped,
            "AnonPages": anon,
            "Shmem": nm.shmem,
            "KernelStack": nm.kernel * 0.02,
            "PageTables": nm.kernel * 0.08,
            "NFS_Unstable": 0.0,
            "Bounce": 0.0,
            "WritebackTmp": 0.0,
            "Slab": nm.slab_rec + nm.slab_unrec,
            "SReclaimable": nm.slab_rec,
            "SUnreclaim": nm.slab_unrec,
            "AnonHugePages": 0.0,
            "HugePages_Total": nm.hugepages_total * huge,
            "HugePages_Free": nm.hugepages_free * huge,
            "HugePages_Surp": 0.0,
        }
        for k, v in vals.items():
            rows.setdefault(k, []).append(mb(v))
    return [(k, [*v, sum(v)]) for k, v in rows.items()]


def numastat_m(s: Snapshot, compact: bool = False) -> str:
    header = [f"Node {z}" for z in range(s.nnodes)] + ["Total"]
    return _mb_table("Per-node system memory usage (in MBs):", header, node_meminfo_rows(s), compact)


def numa_maps_parts(t: TaskInfo) -> dict[str, list[float]]:
    """Huge/Heap/Stack/Private in MB per node, as numastat sums /proc/PID/numa_maps."""
    n = len(t.anon)
    heap = [mb(a) * 0.08 for a in t.anon]
    stack = [0.13 if z == 0 else 0.0 for z in range(n)]
    priv = [mb(t.anon[z]) * 0.92 + mb(t.file[z]) + mb(t.shmem[z]) - stack[z] for z in range(n)]
    total = sum(t.anon) or 1.0  # a task's hugetlb segment: spread as its memory is
    huge = [mb(t.hugetlb) * (a / total if sum(t.anon) else 1.0 / n) for a in t.anon]
    return {"Huge": huge, "Heap": heap, "Stack": stack, "Private": [max(p, 0.0) for p in priv]}


def numastat_p(s: Snapshot, tasks: list[TaskInfo], compact: bool = False) -> str:
    """numastat -p: one process as Huge/Heap/Stack/Private rows, several as one row per PID."""
    header = [f"Node {z}" for z in range(s.nnodes)] + ["Total"]
    sep = "-" * 16 + "  " + " ".join("-" * 15 for _ in header)
    if len(tasks) == 1:
        t = tasks[0]
        parts = numa_maps_parts(t)
        rows = [(k, [*v, sum(v)]) for k, v in parts.items()]
        tot = [sum(parts[k][z] for k in parts) for z in range(s.nnodes)]
        title = f"Per-node process memory usage (in MBs) for PID {t.pid} ({t.comm[:15]})"
        if compact:
            return _mb_table(title, header, [*rows, ("Total", [*tot, sum(tot)])], True)
        out = [
            "",
            title,
            " " * 18 + "".join(f"{h:>16}" for h in header)[1:],
            " " * 18 + " ".join("-" * 15 for _ in header),
        ]
        out += [f"{lbl:<17}" + "".join(f"{v:>16.2f}" for v in r) for lbl, r in rows]
        out.append(sep)
        out.append(f"{'Total':<17}" + "".join(f"{v:>16.2f}" for v in [*tot, sum(tot)]))
        return "\n".join(out)
    rows = []
    for t in tasks:
        parts = numa_maps_parts(t)
        per = [sum(parts[k][z] for k in parts) for z in range(s.nnodes)]
        rows.append((f"{t.pid} ({t.comm[:9]})", [*per, sum(per)]))
    tot = [sum(r[1][i] for r in rows) for i in range(s.nnodes + 1)]
    out = [
        "",
        "Per-node process memory usage (in MBs)",
        "PID" + " " * 15 + "".join(f"{h:>16}" for h in header)[2:],
        sep,
    ]
    out += [f"{lbl:<17}" + "".join(f"{v:>16.2f}" for v in r) for lbl, r in rows]
    out.append(sep)
    out.append(f"{'Total':<17}" + "".join(f"{v:>16.2f}" for v in tot))
    return "\n".join(out)


def node_numastat_file(s: Snapshot, z: int) -> str:
    return "\n".join(f"{k} {s.numa(k)[z]}" for k in NUMASTAT_ROWS)
