"""Text of /proc, /sys and the tools, rendered from a world Snapshot.

Formats follow the real tools (see shared/reference/formats.md); which lines exist
depends on the kernel version of the snapshot.  Pure functions: the panes and the
shell call the same ones, so they can never disagree.
"""

from __future__ import annotations

from ..kernel import KernelVersion
from ..world import NodeMem, Snapshot, TaskInfo

KB_PER_PAGE = 4
PAGES_PER_MB = 256


def mb(pages: float) -> float:
    return pages / PAGES_PER_MB


def totals(s: Snapshot) -> dict[str, float]:
    """Every NodeMem field summed over the nodes (pages)."""
    return {k: sum(getattr(n, k) for n in s.nodes) for k in NodeMem.__dataclass_fields__}


def kv(s: Snapshot) -> KernelVersion:
    return KernelVersion(s.kernel)


def clock(s: Snapshot, start: str = "02:47:00") -> str:
    h, m_, sec = (int(x) for x in start.split(":"))
    total = (h * 3600 + m_ * 60 + sec + int(s.t)) % 86400
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def human_k(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f}M"
    if n >= 1_000:
        return f"{n / 1_000:.0f}K"
    return str(n)


# ---------------------------------------------------------------------- numactl / numastat
def numactl_hardware(s: Snapshot) -> str:
    n = s.nnodes
    nodelist = "0" if n == 1 else f"0-{n - 1}"
    out = [f"available: {n} nodes ({nodelist})"]
    cpn = s.cpus_per_node
    for z in range(n):
        # Two hyperthreads per core: node z has cores z*cpn/2.. and their siblings.
        half = cpn // 2
        first = list(range(z * half, (z + 1) * half))
        sib = [c + n * half for c in first]
        cpus = (
            " ".join(str(c) for c in first + sib)
            if cpn % 2 == 0
            else " ".join(str(c) for c in range(z * cpn, (z + 1) * cpn))
        )
        out.append(f"node {z} cpus: {cpus}")
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
        out.append(" " * (lw + 1) + " ".join(f"{h:>{w}}" for h, w in zip(header, widths)))
        out.append(" " * (lw + 1) + " ".join("-" * w for w in widths))
        for (lbl, _), v in zip(rows, vals):
            out.append(f"{lbl:<{lw}} " + " ".join(f"{x:>{w}}" for x, w in zip(v, widths)))
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
        rows.append((names[k], v + [sum(v)]))
    return _mb_table("Per-node numastat info (in MBs):", header, rows, compact)


def node_meminfo_rows(s: Snapshot) -> list[tuple[str, list[float]]]:
    """Per-node meminfo in MB, the rows of `numastat -m` on a 3.x kernel."""
    rows: dict[str, list[float]] = {}
    for nm in s.nodes:
        anon = nm.anon
        act_anon, inact_anon = anon * 0.5, anon * 0.5
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
            "Writeback": 0.0,
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
            "HugePages_Total": 0.0,
            "HugePages_Free": 0.0,
            "HugePages_Surp": 0.0,
        }
        for k, v in vals.items():
            rows.setdefault(k, []).append(mb(v))
    return [(k, v + [sum(v)]) for k, v in rows.items()]


def numastat_m(s: Snapshot, compact: bool = False) -> str:
    header = [f"Node {z}" for z in range(s.nnodes)] + ["Total"]
    return _mb_table("Per-node system memory usage (in MBs):", header, node_meminfo_rows(s), compact)


def numa_maps_parts(t: TaskInfo) -> dict[str, list[float]]:
    """Huge/Heap/Stack/Private in MB per node, as numastat sums /proc/PID/numa_maps."""
    n = len(t.anon)
    heap = [mb(a) * 0.08 for a in t.anon]
    stack = [0.13 if z == 0 else 0.0 for z in range(n)]
    priv = [mb(t.anon[z]) * 0.92 + mb(t.file[z]) + mb(t.shmem[z]) - stack[z] for z in range(n)]
    return {"Huge": [0.0] * n, "Heap": heap, "Stack": stack, "Private": [max(p, 0.0) for p in priv]}


def numastat_p(s: Snapshot, tasks: list[TaskInfo], compact: bool = False) -> str:
    """numastat -p: one process as Huge/Heap/Stack/Private rows, several as one row per PID."""
    header = [f"Node {z}" for z in range(s.nnodes)] + ["Total"]
    sep = "-" * 16 + "  " + " ".join("-" * 15 for _ in header)
    if len(tasks) == 1:
        t = tasks[0]
        parts = numa_maps_parts(t)
        rows = [(k, v + [sum(v)]) for k, v in parts.items()]
        tot = [sum(parts[k][z] for k in parts) for z in range(s.nnodes)]
        title = f"Per-node process memory usage (in MBs) for PID {t.pid} ({t.comm[:15]})"
        if compact:
            return _mb_table(title, header, rows + [("Total", tot + [sum(tot)])], True)
        out = [
            "",
            title,
            " " * 18 + "".join(f"{h:>16}" for h in header)[1:],
            " " * 18 + " ".join("-" * 15 for _ in header),
        ]
        out += [f"{lbl:<17}" + "".join(f"{v:>16.2f}" for v in r) for lbl, r in rows]
        out.append(sep)
        out.append(f"{'Total':<17}" + "".join(f"{v:>16.2f}" for v in tot + [sum(tot)]))
        return "\n".join(out)
    rows = []
    for t in tasks:
        parts = numa_maps_parts(t)
        per = [sum(parts[k][z] for k in parts) for z in range(s.nnodes)]
        rows.append((f"{t.pid} ({t.comm[:9]})", per + [sum(per)]))
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


# ---------------------------------------------------------------------- /proc files
def meminfo(s: Snapshot) -> str:
    v = kv(s)
    tot = totals(s)
    cached = tot["file"] - tot["shmem"]
    rows: list[tuple[str, float]] = [("MemTotal", tot["total"]), ("MemFree", tot["free"])]
    if not v < "3.14":
        low = sum(s.wm_low) if s.wm_low else 0.0
        rows.append(
            (
                "MemAvailable",
                tot["free"] - low + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5,
            )
        )
    rows += [
        ("Buffers", 2104 / 4),
        ("Cached", cached),
        ("SwapCached", 0),
        ("Active", tot["anon"] * 0.5 + tot["active_file"]),
        ("Inactive", tot["anon"] * 0.5 + tot["inactive_file"]),
        ("Active(anon)", tot["anon"] * 0.5),
        ("Inactive(anon)", tot["anon"] * 0.5),
        ("Active(file)", tot["active_file"]),
        ("Inactive(file)", tot["inactive_file"]),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 4 * 1024 * 256),
        ("SwapFree", 4 * 1024 * 256),
        ("Dirty", tot["dirty"]),
        ("Writeback", 0),
        ("AnonPages", tot["anon"]),
        ("Mapped", tot["mapped"]),
        ("Shmem", tot["shmem"]),
        ("Slab", tot["slab_rec"] + tot["slab_unrec"]),
        ("SReclaimable", tot["slab_rec"]),
        ("SUnreclaim", tot["slab_unrec"]),
        ("KernelStack", tot["kernel"] * 0.02),
        ("PageTables", tot["kernel"] * 0.08),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        ("CommitLimit", tot["total"] * 0.5 + 4 * 1024 * 256),
        ("Committed_AS", tot["anon"] * 1.3),
        ("VmallocTotal", 34359738367 / 4),
        ("VmallocUsed", 1.2 * 1024 * 256 / 4),
        ("VmallocChunk", 34291733504 / 4),
        ("HardwareCorrupted", 0),
        ("AnonHugePages", 0),
    ]
    out = [f"{k + ':':<16}{int(p * KB_PER_PAGE):>8} kB" for k, p in rows]
    out += [
        "HugePages_Total:       0",
        "HugePages_Free:        0",
        "HugePages_Rsvd:        0",
        "HugePages_Surp:        0",
        "Hugepagesize:       2048 kB",
        f"{'DirectMap4k:':<16}{194460:>8} kB",
        f"{'DirectMap2M:':<16}{8194048:>8} kB",
        f"{'DirectMap1G:':<16}{int(tot['total'] * 4 - 8388608):>8} kB",
    ]
    return "\n".join(out)


def _vm_nr(s: Snapshot) -> dict[str, int]:
    t = totals(s)
    return {
        "nr_free_pages": int(t["free"]),
        "nr_inactive_anon": int(t["anon"] * 0.5),
        "nr_active_anon": int(t["anon"] * 0.5),
        "nr_inactive_file": int(t["inactive_file"]),
        "nr_active_file": int(t["active_file"]),
        "nr_unevictable": 0,
        "nr_mlock": 0,
        "nr_anon_pages": int(t["anon"]),
        "nr_mapped": int(t["mapped"]),
        "nr_file_pages": int(t["file"]),
        "nr_dirty": int(t["dirty"]),
        "nr_writeback": 0,
        "nr_slab_reclaimable": int(t["slab_rec"]),
        "nr_slab_unreclaimable": int(t["slab_unrec"]),
        "nr_page_table_pages": int(t["kernel"] * 0.08),
        "nr_kernel_stack": int(t["kernel"] * 0.02 / 4),
        "nr_shmem": int(t["shmem"]),
    }


_V3_NR = ["nr_free_pages", "nr_alloc_batch", "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable", "nr_mlock", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_page_table_pages", "nr_kernel_stack", "nr_unstable", "nr_bounce", "nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_writeback_temp", "nr_isolated_anon", "nr_isolated_file", "nr_shmem", "nr_dirtied", "nr_written"]
_V3_EV = ["pgpgin", "pgpgout", "pswpin", "pswpout", "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "pgfree", "pgactivate", "pgdeactivate", "pgfault", "pgmajfault", "pgrefill_dma", "pgrefill_dma32", "pgrefill_normal", "pgrefill_movable", "pgsteal_kswapd_dma", "pgsteal_kswapd_dma32", "pgsteal_kswapd_normal", "pgsteal_kswapd_movable", "pgsteal_direct_dma", "pgsteal_direct_dma32", "pgsteal_direct_normal", "pgsteal_direct_movable", "pgscan_kswapd_dma", "pgscan_kswapd_dma32", "pgscan_kswapd_normal", "pgscan_kswapd_movable", "pgscan_direct_dma", "pgscan_direct_dma32", "pgscan_direct_normal", "pgscan_direct_movable", "pgscan_direct_throttle", "zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun", "allocstall", "pgrotated", "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail", "compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail", "compact_success", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail", "unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued", "unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback", "thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_split", "thp_zero_page_alloc", "thp_zero_page_alloc_failed"]
_MODERN_EV = ["pgpgin", "pgpgout", "pswpin", "pswpout", "pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable", "pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill", "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct", "pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file", "zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill", "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail", "compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail", "compact_success", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail", "thp_fault_alloc", "thp_fault_fallback", "thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_split_page", "thp_split_pmd", "thp_zero_page_alloc", "thp_zero_page_alloc_failed"]


def vmstat_file(s: Snapshot) -> str:
    """/proc/vmstat for the snapshot's kernel era."""
    v = kv(s)
    ev = dict(s.vm)
    nr = _vm_nr(s)
    numa = {
        "numa_hit": sum(s.numa("numa_hit")),
        "numa_miss": sum(s.numa("numa_miss")),
        "numa_foreign": sum(s.numa("numa_foreign")),
        "numa_interleave": sum(s.numa("interleave_hit")),
        "numa_local": sum(s.numa("local_node")),
        "numa_other": sum(s.numa("other_node")),
    }
    out: list[tuple[str, int]] = []
    modern = not v < "4.8"
    if not modern:
        for k in _V3_NR:
            if k == "nr_alloc_batch" and v < "3.12":
                continue
            out.append((k, nr.get(k, ev.get(k, 0))))
        out += list(numa.items())
        if not v < "3.15":
            out += [
                ("workingset_refault", ev.get("workingset_refault", 0)),
                ("workingset_activate", int(ev.get("workingset_refault", 0) * 0.4)),
                ("workingset_nodereclaim", 0),
            ]
        out += [
            ("nr_anon_transparent_hugepages", 0),
            ("nr_free_cma", 0),
            ("nr_dirty_threshold", int(nr["nr_free_pages"] * 0.2 + nr["nr_file_pages"] * 0.2)),
            ("nr_dirty_background_threshold", int(nr["nr_free_pages"] * 0.1 + nr["nr_file_pages"] * 0.1)),
        ]
        for k in _V3_EV:
            if k == "numa_huge_pte_updates" and v < "3.13":
                continue
            out.append((k, ev.get(k, 0)))
    else:
        out += [
            (k, nr[k])
            for k in (
                "nr_free_pages",
                "nr_inactive_anon",
                "nr_active_anon",
                "nr_inactive_file",
                "nr_active_file",
                "nr_unevictable",
                "nr_mlock",
            )
        ]
        out += list(numa.items())
        out += [
            (k, nr.get(k, 0))
            for k in (
                "nr_slab_reclaimable",
                "nr_slab_unreclaimable",
                "nr_anon_pages",
                "nr_mapped",
                "nr_file_pages",
                "nr_dirty",
                "nr_writeback",
                "nr_shmem",
                "nr_kernel_stack",
                "nr_page_table_pages",
            )
        ]
        out += [("workingset_refault_file", ev.get("workingset_refault", 0))]
        alias = {
            "pgsteal_kswapd": "pgsteal_kswapd_normal",
            "pgsteal_direct": "pgsteal_direct_normal",
            "pgscan_kswapd": "pgscan_kswapd_normal",
            "pgscan_direct": "pgscan_direct_normal",
            "allocstall_normal": "allocstall",
            "pgscan_file": "pgscan_direct_normal",
            "pgsteal_file": "pgsteal_direct_normal",
        }
        for k in _MODERN_EV:
            val = ev.get(alias.get(k, k), 0)
            if k == "pgscan_file":
                val = ev.get("pgscan_direct_normal", 0) + ev.get("pgscan_kswapd_normal", 0)
            if k == "pgsteal_file":
                val = ev.get("pgsteal_direct_normal", 0) + ev.get("pgsteal_kswapd_normal", 0)
            out.append((k, val))
        if not v < "6.12":
            i = [k for k, _ in out].index("zone_reclaim_failed")
            out.insert(i, ("zone_reclaim_success", ev.get("zone_reclaim_success", 0)))
    return "\n".join(f"{k} {int(val)}" for k, val in out)


def node_numastat_file(s: Snapshot, z: int) -> str:
    return "\n".join(f"{k} {s.numa(k)[z]}" for k in NUMASTAT_ROWS)


def proc_status(s: Snapshot, t: TaskInfo) -> str:
    v = kv(s)
    kb = lambda pages: f"{int(pages * KB_PER_PAGE):>8} kB"  # noqa: E731
    rss_anon, rss_file, rss_shmem = t.rss_status  # task_mem(): the kernel's own reader of the counters
    rss = rss_anon + rss_file + rss_shmem
    lines = [
        f"Name:\t{t.comm[:15]}",
        "Umask:\t0022" if not v < "4.7" else None,
        f"State:\t{_state_long(t.state)}",
        f"Tgid:\t{t.pid}",
        "Ngid:\t0" if not v < "3.13" else None,
        f"Pid:\t{t.pid}",
        "PPid:\t1",
        "TracerPid:\t0",
    ]
    uid = 0 if t.user == "root" else 26
    lines += [
        f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}",
        f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}",
        "FDSize:\t256",
        "Groups:\t",
    ]
    if not v < "4.1":
        lines += [f"NStgid:\t{t.pid}", f"NSpid:\t{t.pid}", f"NSpgid:\t{t.pid}", f"NSsid:\t{t.pid}"]
    lines += [
        f"VmPeak:\t{kb(t.vm_pages * 1.02)}",
        f"VmSize:\t{kb(t.vm_pages)}",
        f"VmLck:\t{kb(0)}",
        f"VmPin:\t{kb(0)}",
        f"VmHWM:\t{kb(rss * 1.01)}",
        f"VmRSS:\t{kb(rss)}",
    ]
    if not v < "4.5":
        lines += [f"RssAnon:\t{kb(rss_anon)}", f"RssFile:\t{kb(rss_file)}", f"RssShmem:\t{kb(rss_shmem)}"]
    lines += [
        f"VmData:\t{kb(rss_anon * 1.05)}",
        f"VmStk:\t{kb(33)}",
        f"VmExe:\t{kb(1400)}",
        f"VmLib:\t{kb(4684 / 4)}",
        f"VmPTE:\t{kb(rss / 512 + 10)}",
    ]
    if v < "4.5":
        lines.append(f"VmSwap:\t{kb(0)}")
    else:
        lines += [f"VmSwap:\t{kb(0)}", f"HugetlbPages:\t{kb(0)}"]
    lines += [
        f"Threads:\t{t.threads}",
        "SigQ:\t0/515045",
        "SigPnd:\t0000000000000000",
        "ShdPnd:\t0000000000000000",
        "SigBlk:\t0000000000000000",
        "SigIgn:\t0000000001001000",
        "SigCgt:\t0000000180006e03",
        "CapInh:\t0000000000000000",
        "CapPrm:\t0000000000000000" if uid else "CapPrm:\t0000001fffffffff",
        "CapEff:\t0000000000000000" if uid else "CapEff:\t0000001fffffffff",
        "CapBnd:\t0000001fffffffff",
        "Seccomp:\t0",
    ]
    n_cpu = s.nnodes * s.cpus_per_node
    lines += [
        f"Cpus_allowed_list:\t0-{n_cpu - 1}",
        f"Mems_allowed_list:\t0-{s.nnodes - 1}",
        f"voluntary_ctxt_switches:\t{int(t.cpu_s * 1000) + 11}",
        f"nonvoluntary_ctxt_switches:\t{int(t.cpu_s * 37) + 9}",
    ]
    return "\n".join(x for x in lines if x is not None)


def _state_long(st: str) -> str:
    return {"R": "R (running)", "S": "S (sleeping)", "D": "D (disk sleep)", "Z": "Z (zombie)"}.get(st, st)


def smaps_rollup(s: Snapshot, t: TaskInfo) -> str:
    anon, file, shmem = sum(t.anon) * 4, sum(t.file) * 4, sum(t.shmem) * 4
    rss = anon + file + shmem
    rows = [
        ("Rss", rss),
        ("Pss", rss * 0.98),
        ("Pss_Anon", anon),
        ("Pss_File", file * 0.9),
        ("Pss_Shmem", shmem),
        ("Shared_Clean", file * 0.15),
        ("Shared_Dirty", 0),
        ("Private_Clean", file * 0.85),
        ("Private_Dirty", anon + shmem),
        ("Referenced", rss),
        ("Anonymous", anon),
        ("LazyFree", 0),
        ("AnonHugePages", 0),
        ("ShmemPmdMapped", 0),
        ("FilePmdMapped", 0),
        ("Shared_Hugetlb", 0),
        ("Private_Hugetlb", 0),
        ("Swap", 0),
        ("SwapPss", 0),
        ("Locked", 0),
    ]
    head = "55d0c8c41000-7ffd2a211000 ---p 00000000 00:00 0                          [rollup]"
    return "\n".join([head] + [f"{k + ':':<16}{int(v):>10} kB" for k, v in rows])


def numa_maps(s: Snapshot, t: TaskInfo) -> str:
    n = s.nnodes

    def nodes(arr) -> str:
        return " ".join(f"N{z}={int(arr[z])}" for z in range(n) if int(arr[z]) > 0)

    heap = [a * 0.08 for a in t.anon]
    priv = [a * 0.92 for a in t.anon]
    lines = [
        f"55d0c8c41000 default heap anon={int(sum(heap))} dirty={int(sum(heap))} active=0 "
        f"{nodes(heap)} kernelpagesize_kB=4"
    ]
    if sum(t.file) > 0:
        lines.append(
            f"55d0c6a00000 default file=/usr/bin/{t.comm.split(':')[0].split()[0]} mapped={int(sum(t.file))} "
            f"active=0 {nodes(t.file)} kernelpagesize_kB=4"
        )
    if sum(priv) > 0:
        lines.append(
            f"7f4c10000000 default anon={int(sum(priv))} dirty={int(sum(priv))} active=0 "
            f"{nodes(priv)} kernelpagesize_kB=4"
        )
    lines.append("7ffd2a1f0000 default stack anon=33 dirty=33 active=0 N0=33 kernelpagesize_kB=4")
    return "\n".join(lines)


def statm(s: Snapshot, t: TaskInfo) -> str:
    a, f, sh = t.rss_status
    return f"{int(t.vm_pages)} {a + f + sh} {f + sh} 350 0 {a} 0"


# ---------------------------------------------------------------------- tools
def free_m(s: Snapshot, unit: str = "m") -> str:
    div = {"m": 256, "k": 0.25, "g": 262144, "b": 1 / 4096}[unit]
    tot = totals(s)
    cache = tot["file"] + tot["slab_rec"] + 526
    used = tot["total"] - tot["free"] - cache
    avail = tot["free"] + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5
    swap = 4 * 1024 * 256
    f = lambda p: int(p / div)  # noqa: E731
    return "\n".join(
        [
            "              total        used        free      shared  buff/cache   available",
            f"Mem:   {f(tot['total']):>12}{f(used):>12}{f(tot['free']):>12}{f(tot['shmem']):>12}"
            f"{f(cache):>12}{f(avail):>12}",
            f"Swap:  {f(swap):>12}{0:>12}{f(swap):>12}",
        ]
    )


def loadavg(s: Snapshot) -> tuple[float, float, float]:
    """The kernel's 1/5/15-minute averages of runnable + uninterruptible threads (from the model)."""
    return s.loadavg


def uptime_line(s: Snapshot) -> str:
    up = int(s.uptime)
    days, rem = divmod(up, 86400)
    hh, mm = rem // 3600, rem % 3600 // 60
    upstr = (f"{days} day{'s' if days != 1 else ''}, " if days else "") + (
        f"{hh:2d}:{mm:02d}" if hh else f"{mm} min"
    )
    la = loadavg(s)
    return f" {clock(s)} up {upstr},  1 user,  load average: {la[0]:.2f}, {la[1]:.2f}, {la[2]:.2f}"


def _cpu_split(s: Snapshot) -> tuple[float, float, float, float]:
    ncpu = s.nnodes * s.cpus_per_node
    busy = min(s.busy_cpus / ncpu, 1.0)
    kernel_share = s.kernel_share
    wa = min(sum(t.threads for t in s.tasks if t.state == "D") / ncpu, 1.0 - busy) * 0.5
    us = busy * (1 - kernel_share) * 100
    sy = busy * kernel_share * 100
    return us, sy, max(100 - us - sy - wa * 100, 0.0), wa * 100


def vmstat_cmd(s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0) -> list[str]:
    head = [
        "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----",
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st",
    ]
    return head + [vmstat_row(s, prev, interval)]


def vmstat_row(s: Snapshot, prev: Snapshot | None, interval: float) -> str:
    r = sum(t.threads for t in s.tasks if t.state == "R")
    b = sum(t.threads for t in s.tasks if t.state == "D")
    free_kb = int(sum(n.free for n in s.nodes) * 4)
    cache_kb = int(sum(n.file + n.slab_rec for n in s.nodes) * 4)
    if prev is None:
        el = max(s.uptime, 1.0)
        bi = s.vm_value("pgpgin") / el
        bo = s.vm_value("pgpgout") / el
    else:
        bi = (s.vm_value("pgpgin") - prev.vm_value("pgpgin")) / interval
        bo = (s.vm_value("pgpgout") - prev.vm_value("pgpgout")) / interval
    us, sy, idle, wa = _cpu_split(s)
    return (
        f"{r:2d} {b:2d} {0:6d} {free_kb:6d} {2104:6d} {cache_kb:6d} {0:4d} {0:4d} {int(bi):5d} {int(bo):5d} "
        f"{int(bi / 20) + 900:4d} {int(bi / 8) + 2100:4d} {int(us):2d} {int(sy):2d} {int(idle):2d} {int(wa):2d}  0"
    )


def _fmt_time(cpu_s: float) -> str:
    m, sec = divmod(int(cpu_s), 60)
    return f"{m}:{sec:02d}"


def ps_rows(s: Snapshot) -> list[dict]:
    total_kb = sum(n.total for n in s.nodes) * 4
    rows = []
    for t in s.tasks:
        rss_kb = int(t.status_rss_pages * 4)  # ps and top read /proc/PID/statm
        el = max(s.uptime - t.start, 1.0)
        rows.append(
            {
                "user": t.user,
                "pid": t.pid,
                "cpu": min(100.0 * t.cpu_s / el, 9999.0),
                "mem": 100.0 * rss_kb / total_kb,
                "vsz": int(t.vm_pages * 4),
                "rss": rss_kb,
                "tty": "pts/0" if t.comm == "bash" else "?",
                "stat": t.state + ("s" if t.pid < 1000 else "l"),
                "start": "Nov20" if t.start < s.uptime - 86400 else clock(s, "02:47:00")[:5],
                "time": _fmt_time(t.cpu_s),
                "command": t.cmdline,
                "comm": t.comm,
                "nlwp": t.threads,
                "oom_score_adj": t.oom_score_adj,
            }
        )
    return rows


def ps_aux(s: Snapshot, rows: list[dict] | None = None) -> str:
    """ps aux, for the given rows (already filtered and sorted) or every process."""
    out = ["USER        PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    for r in ps_rows(s) if rows is None else rows:
        out.append(
            f"{r['user'][:8]:<8} {r['pid']:>6} {r['cpu']:>4.1f} {r['mem']:>4.1f} {r['vsz']:>6} {r['rss']:>5} "
            f"{r['tty']:<8} {r['stat']:<4} {r['start']:>5} {r['time']:>6} {r['command']}"
        )
    return "\n".join(out)


PS_FIELDS = {
    "pid": ("PID", ">", lambda r: str(r["pid"])),
    "ppid": ("PPID", ">", lambda r: "1"),
    "user": ("USER", "<", lambda r: r["user"][:8]),
    "comm": ("COMMAND", "<", lambda r: r["comm"][:15]),
    "cmd": ("CMD", "<", lambda r: r["command"]),
    "args": ("COMMAND", "<", lambda r: r["command"]),
    "command": ("COMMAND", "<", lambda r: r["command"]),
    "rss": ("RSS", ">", lambda r: str(r["rss"])),
    "rsz": ("RSZ", ">", lambda r: str(r["rss"])),
    "vsz": ("VSZ", ">", lambda r: str(r["vsz"])),
    "%mem": ("%MEM", ">", lambda r: f"{r['mem']:.1f}"),
    "pmem": ("%MEM", ">", lambda r: f"{r['mem']:.1f}"),
    "%cpu": ("%CPU", ">", lambda r: f"{r['cpu']:.1f}"),
    "pcpu": ("%CPU", ">", lambda r: f"{r['cpu']:.1f}"),
    "stat": ("STAT", "<", lambda r: r["stat"]),
    "state": ("S", "<", lambda r: r["stat"][0]),
    "nlwp": ("NLWP", ">", lambda r: str(r["nlwp"])),
    "time": ("TIME", ">", lambda r: "00:" + r["time"].zfill(5)),
    "oom_score_adj": ("OOM_SCORE_ADJ", ">", lambda r: str(r["oom_score_adj"])),
}


def top_batch(s: Snapshot) -> str:
    la = loadavg(s)
    n = len(s.tasks)
    running = sum(1 for t in s.tasks if t.state == "R")
    us, sy, idle, wa = _cpu_split(s)
    tot = totals(s)
    kib = lambda p: int(p * 4)  # noqa: E731
    head = [
        f"top - {clock(s)} up {uptime_line(s).split(' up ')[1]}",
        f"Tasks: {n + 280:>3} total, {running:>3} running, {n + 280 - running:>3} sleeping,   0 stopped,   0 zombie",
        f"%Cpu(s): {us:4.1f} us, {sy:4.1f} sy,  0.0 ni, {idle:4.1f} id, {wa:4.1f} wa,  0.0 hi,  0.3 si,  0.0 st",
        f"KiB Mem : {kib(tot['total']):>9} total, {kib(tot['free']):>9} free, "
        f"{kib(tot['total'] - tot['free'] - tot['file'] - tot['slab_rec']):>9} used, "
        f"{kib(tot['file'] + tot['slab_rec']):>9} buff/cache",
        f"KiB Swap:  4194300 total,  4194300 free,        0 used. "
        f"{kib(tot['free'] + tot['file'] * 0.7):>9} avail Mem",
        "",
        "   PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND",
    ]
    rows = sorted(ps_rows(s), key=lambda r: (-r["cpu"], r["pid"]))
    for r in rows:
        shr = int(r["rss"] * 0.1)
        head.append(
            f"{r['pid']:>6} {r['user'][:8]:<8}  20   0 {_kib(r['vsz'], 7):>7} {_kib(r['rss']):>6} {_kib(shr):>6} "
            f"{r['stat'][0]} {min(r['cpu'], 9999):5.1f} {r['mem']:4.1f} {_time_plus(r):>9} {r['comm'][:15]}"
        )
    return "\n".join(head)


def _kib(kb: int, width: int = 6) -> str:
    """top's scaling: KiB while it fits the column, then m, then g."""
    if len(str(kb)) <= width:
        return str(kb)
    if len(f"{kb / 1024:.1f}m") <= width:
        return f"{kb / 1024:.1f}m"
    return f"{kb / 1048576:.1f}g"


def _time_plus(r: dict) -> str:
    m, s = r["time"].split(":")
    return f"{m}:{s}.00"


PERF_SORT_KEYS = {"comm": "Command", "dso": "Shared Object", "sym": "Symbol"}  # what `perf top --sort` models


def perf_top(
    s: Snapshot,
    kernel_only: bool = False,
    rows: int = 30,
    event: str = "cycles",
    sort: tuple[str, ...] = ("dso", "sym"),
    children: bool = False,
) -> str:
    """perf top's screen: one row per distinct value of the ``sort`` keys; with ``children``
    (``-g``), each function also carries the samples of the functions it calls."""
    from ..kernel.perf import alloc_context, call_chain

    by_comm = "comm" in sort or children
    data = [r for r in (s.perf_by_comm if by_comm else s.perf) if r.kernel or not kernel_only]
    tot = sum(r.overhead for r in data) or 1.0
    scale = 100.0 / tot if kernel_only else 1.0

    def key(comm: str, dso: str, sym: str, kernel: bool) -> tuple:
        return tuple(comm if k == "comm" else dso if k == "dso" else (sym, kernel) for k in sort)

    self_pct: dict[tuple, float] = {}
    child_pct: dict[tuple, float] = {}
    has_chain: set[tuple] = set()
    dso_of = {r.symbol: r.dso for r in data}
    entry = "node_reclaim" if "node_reclaim" in dso_of else "zone_reclaim"
    seen_in: dict[str, set[str]] = {}
    for r in data:
        seen_in.setdefault(r.comm, set()).add(r.symbol)
    alloc = {comm: alloc_context(syms) for comm, syms in seen_in.items()}
    for r in data:
        pct = r.overhead * scale
        k = key(r.comm, r.dso, r.symbol, r.kernel)
        self_pct[k] = self_pct.get(k, 0.0) + pct
        if not children:
            continue
        chain = call_chain(r.symbol, r.comm, r.kernel, entry, alloc.get(r.comm, ()))
        if chain:
            has_chain.add(k)
        frames = {k}
        for f in chain:
            fk = key(r.comm, dso_of.get(f, "[kernel]"), f, True)
            frames.add(fk)
            has_chain.add(fk)
        for fk in frames:  # a function's samples count once however deep it recurses
            child_pct[fk] = child_pct.get(fk, 0.0) + pct
    order = child_pct if children else self_pct
    keys = sorted(order, key=lambda k: (-order[k], str(k)))[:rows]

    def cell(k: tuple, i: int) -> str:
        v = k[i]
        return f"{'[k]' if v[1] else '[.]'} {v[0]}" if sort[i] == "sym" else v

    widths = [
        max([len(PERF_SORT_KEYS[name])] + [len(cell(k, i)) for k in keys]) for i, name in enumerate(sort)
    ]

    def columns(cells: list[str]) -> str:
        return "  ".join(c if i == len(cells) - 1 else f"{c:<{widths[i]}}" for i, c in enumerate(cells))

    head = columns([PERF_SORT_KEYS[name] for name in sort])
    out = [f"Samples: {human_k(s.perf_samples)} of event '{event}', Event count (approx.): {s.perf_events}"]
    if children:
        out.append(f"  Children      Self  {head}")
        for k in keys:
            mark = "+" if k in has_chain else " "
            out.append(
                f"{mark}{child_pct[k]:8.2f}% {self_pct.get(k, 0.0):8.2f}%  "
                + columns([cell(k, i) for i in range(len(sort))])
            )
    else:
        out.append(f"Overhead  {head}")
        for k in keys:
            out.append(f"{self_pct[k]:6.2f}%  " + columns([cell(k, i) for i in range(len(sort))]))
    if not keys:
        out.append("")
    if sort == ("dso", "sym") and not children:
        out.append("For a higher level overview, try: perf top --sort comm,dso")
    return "\n".join(out)


def dmesg(s: Snapshot, human: bool = False) -> str:
    return "\n".join(f"[{ts:12.6f}] {text}" for ts, text in s.dmesg)


def slo_lines(s: Snapshot, slo) -> str:
    st = s.service(slo.service)
    if st is None:
        return f"service {slo.service}\nup 0"
    healthy = st.up and st.throughput >= slo.throughput_min and st.p99_ms <= slo.p99_ms_max
    unit = slo.unit.replace("/", "_per_")
    return "\n".join(
        [
            f"service {slo.service}",
            f"up {1 if st.up else 0}",
            f"throughput_{unit} {st.throughput:.0f}",
            f"throughput_min_{unit} {slo.throughput_min:.0f}",
            f"p99_ms {st.p99_ms:.2f}",
            f"p99_max_ms {slo.p99_ms_max:.2f}",
            f"cache_hit_ratio {st.hit_ratio:.3f}",
            f"healthy {'yes' if healthy else 'no'}",
        ]
    )
