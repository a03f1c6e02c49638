"""/proc/meminfo and free."""

from __future__ import annotations

from ...kernel.era import has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot
from .units import KB_PER_PAGE, kv, totals


def meminfo(s: Snapshot) -> str:
    """/proc/meminfo from the model: Cached is NR_FILE_PAGES less buffers (shmem included, as
    the kernel counts it), the LRU lines are the model's lists, swap and hugetlb its pool.
    Fields exist per the booted kernel (kernel/era.py)."""
    v = kv(s)
    tot = totals(s)
    huge_pages = tot["hugepages_total"] * s.hugepage_kb / 4
    rows = _kb_rows(s, v, tot, huge_pages)
    out = [f"{k + ':':<16}{int(p * KB_PER_PAGE):>8} kB" for k, p in rows]
    return "\n".join(out + _huge_rows(s, v, tot, huge_pages))


def _kb_rows(
    s: Snapshot, v: KernelVersion, tot: dict[str, float], huge_pages: float
) -> list[tuple[str, float]]:
    """MemTotal to AnonHugePages, in pages (fs/proc/meminfo.c meminfo_proc_show)."""
    buffers = 2104 / 4
    cached = max(tot["file"] - buffers, 0.0)
    rows: list[tuple[str, float]] = [("MemTotal", tot["total"]), ("MemFree", tot["free"])]
    if has("meminfo:MemAvailable", v):
        low = sum(s.wm_low) if s.wm_low else 0.0
        rows.append(
            (
                "MemAvailable",
                tot["free"] - low + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5,
            )
        )
    rows += [
        ("Buffers", buffers),
        ("Cached", cached),
        ("SwapCached", 0),
        ("Active", tot["active_anon"] + tot["active_file"]),
        ("Inactive", tot["inactive_anon"] + tot["inactive_file"]),
        ("Active(anon)", tot["active_anon"]),
        ("Inactive(anon)", tot["inactive_anon"]),
        ("Active(file)", tot["active_file"]),
        ("Inactive(file)", tot["inactive_file"]),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", s.swap_total),
        ("SwapFree", s.swap_free),
        ("Dirty", tot["dirty"]),
        ("Writeback", tot["writeback"]),
        ("AnonPages", tot["anon"]),
        ("Mapped", tot["mapped"]),
        ("Shmem", tot["shmem"]),
        *([("KReclaimable", tot["slab_rec"])] if has("meminfo:KReclaimable", v) else []),
        ("Slab", tot["slab_rec"] + tot["slab_unrec"]),
        ("SReclaimable", tot["slab_rec"]),
        ("SUnreclaim", tot["slab_unrec"]),
        ("KernelStack", tot["kernel"] * 0.02),
        ("PageTables", tot["kernel"] * 0.08),
        ("NFS_Unstable", 0),
        ("Bounce", 0),
        ("WritebackTmp", 0),
        # vm.overcommit_ratio 50: half the RAM outside the hugetlb pool, plus swap.
        ("CommitLimit", (tot["total"] - huge_pages) * 0.5 + s.swap_total),
        ("Committed_AS", tot["anon"] * 1.3),
        ("VmallocTotal", 34359738367 / 4),
        ("VmallocUsed", 1.2 * 1024 * 256 / 4),
        ("VmallocChunk", 34291733504 / 4),
        *([("Percpu", tot["kernel"] * 0.004)] if has("meminfo:Percpu", v) else []),
        ("HardwareCorrupted", 0),
        *([("AnonHugePages", 0)] if has("meminfo:AnonHugePages", v) else []),
    ]
    return rows


def _huge_rows(s: Snapshot, v: KernelVersion, tot: dict[str, float], huge_pages: float) -> list[str]:
    """The hugetlb pool (counts, not kB) and the direct map."""
    return [
        f"HugePages_Total: {int(tot['hugepages_total']):>7}",
        f"HugePages_Free:  {int(tot['hugepages_free']):>7}",
        f"HugePages_Rsvd:  {int(s.hugepages_rsvd):>7}",
        "HugePages_Surp:        0",
        f"Hugepagesize:    {s.hugepage_kb:>7} kB",
        *([f"{'Hugetlb:':<16}{int(huge_pages * KB_PER_PAGE):>8} kB"] if has("meminfo:Hugetlb", v) else []),
        f"{'DirectMap4k:':<16}{194460:>8} kB",
        f"{'DirectMap2M:':<16}{8194048:>8} kB",
        f"{'DirectMap1G:':<16}{int(tot['total'] * 4 - 8388608):>8} kB",
    ]


def free_m(s: Snapshot, unit: str = "m") -> str:
    div = {"m": 256, "k": 0.25, "g": 262144, "b": 1 / 4096}[unit]
    tot = totals(s)
    cache = tot["file"] + tot["slab_rec"] + 526
    used = tot["total"] - tot["free"] - cache
    avail = tot["free"] + tot["inactive_file"] + tot["active_file"] * 0.5 + tot["slab_rec"] * 0.5
    swap = 4 * 1024 * 256

    def f(p: float) -> int:
        return int(p / div)

    return "\n".join(
        [
            "              total        used        free      shared  buff/cache   available",
            f"Mem:   {f(tot['total']):>12}{f(used):>12}{f(tot['free']):>12}{f(tot['shmem']):>12}"
            f"{f(cache):>12}{f(avail):>12}",
            f"Swap:  {f(swap):>12}{0:>12}{f(swap):>12}",
        ]
    )
