"""/proc/slabinfo from the model's slab, and slabtop, which reads it as procps does.

The model keeps the slab as two amounts per node (reclaimable, unreclaimable: SReclaimable and
SUnreclaim of meminfo).  Each is shared out over the caches the kernel of that era has, in fixed
proportions, in whole slabs: Σ pages of the reclaimable caches = SReclaimable, of the others =
SUnreclaim (to the page: meminfo's kB are the model's pages × 4, truncated).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...kernel.era import has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot
from .units import totals


@dataclass(frozen=True)
class Cache:
    name: str
    objsize: int  # bytes
    per_slab: int  # objects per slab
    pages_per_slab: int
    share: float  # of its class (reclaimable or not)
    used: float = 0.97  # active objects / objects
    era: str | None = None  # a kernel/era.py name: the kernels that have it


# SLUB caches of a database server (sizes of an x86_64 distribution kernel; shares a typical mix).
RECLAIMABLE = (
    Cache("radix_tree_node", 584, 28, 4, 0.18, 0.96),  # the XArray's nodes keep the name (4.20+)
    Cache("xfs_inode", 960, 34, 8, 0.22, 0.99),
    Cache("ext4_inode_cache", 1032, 31, 8, 0.10, 0.98),
    Cache("inode_cache", 592, 27, 4, 0.08, 0.95),
    Cache("buffer_head", 104, 39, 1, 0.12, 0.99),
    Cache("dentry", 192, 21, 1, 0.30, 0.98),
)
UNRECLAIMABLE = (
    Cache("kmalloc-8192", 8192, 4, 8, 0.04, 0.97),
    Cache("kmalloc-4096", 4096, 8, 8, 0.08, 0.96),
    Cache("kmalloc-2048", 2048, 16, 8, 0.07, 0.95),
    Cache("kmalloc-1024", 1024, 32, 8, 0.08, 0.94),
    Cache("kmalloc-512", 512, 32, 4, 0.07, 0.93),
    Cache("kmalloc-256", 256, 32, 2, 0.06, 0.95),
    Cache("kmalloc-128", 128, 32, 1, 0.04, 0.96),
    Cache("kernfs_node_cache", 120, 34, 1, 0.05, 0.99, "slab:kernfs_node_cache"),
    Cache("sysfs_dir_cache", 112, 36, 1, 0.05, 0.99, "slab:sysfs_dir_cache"),
    Cache("task_struct", 7744, 4, 8, 0.06, 0.92),
    Cache("mm_struct", 1600, 20, 8, 0.02, 0.90),
    Cache("vm_area_struct", 200, 20, 1, 0.09, 0.97),
    Cache("maple_node", 256, 32, 2, 0.06, 0.95, "slab:maple_node"),
    Cache("anon_vma", 88, 46, 1, 0.03, 0.96),
    Cache("skbuff_head_cache", 256, 32, 2, 0.04, 0.90),
    Cache("shmem_inode_cache", 720, 22, 4, 0.03, 0.97),
    Cache("kmalloc-64", 64, 64, 1, 0.13, 0.97),
)


def caches(kernel: str) -> tuple[tuple[Cache, ...], tuple[Cache, ...]]:
    v = KernelVersion(kernel)

    def keep(cs: tuple[Cache, ...]) -> tuple[Cache, ...]:
        return tuple(c for c in cs if c.era is None or has(c.era, v))

    return keep(RECLAIMABLE), keep(UNRECLAIMABLE)


def _slabs(pages: int, cs: tuple[Cache, ...]) -> list[int]:
    """Whole slabs per cache for ``pages`` pages; the last cache (one page a slab) takes the rest."""
    total = sum(c.share for c in cs)
    out = [int(pages * c.share / total) // c.pages_per_slab for c in cs[:-1]]
    used = sum(n * c.pages_per_slab for n, c in zip(out, cs, strict=False))
    return [*out, max(pages - used, 0) // cs[-1].pages_per_slab]


@dataclass(frozen=True)
class SlabRow:
    name: str
    active: int
    objs: int
    objsize: int
    per_slab: int
    pages_per_slab: int
    slabs: int


def slab_rows(s: Snapshot) -> list[SlabRow]:
    """Every cache of the booted kernel with its objects and slabs (the order of /proc/slabinfo)."""
    tot = totals(s)
    rec, unrec = caches(s.kernel)
    rows = []
    for pages, cs in ((int(tot["slab_rec"]), rec), (int(tot["slab_unrec"]), unrec)):
        for c, n in zip(cs, _slabs(pages, cs), strict=True):
            objs = n * c.per_slab
            rows.append(SlabRow(c.name, int(objs * c.used), objs, c.objsize, c.per_slab, c.pages_per_slab, n))
    return sorted(rows, key=lambda r: r.name, reverse=True)


def slabinfo(s: Snapshot) -> str:
    """/proc/slabinfo, version 2.1 (mm/slab_common.c: print_slabinfo_header, cache_show)."""
    out = [
        "slabinfo - version: 2.1",
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
        "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>",
    ]
    for r in slab_rows(s):
        out.append(
            f"{r.name:<17} {r.active:>6} {r.objs:>6} {r.objsize:>6} {r.per_slab:>4} {r.pages_per_slab:>4}"
            f" : tunables {0:>4} {0:>4} {0:>4} : slabdata {r.slabs:>6} {r.slabs:>6} {0:>6}"
        )
    return "\n".join(out)


def parse_slabinfo(text: str) -> list[SlabRow]:
    """What procps reads back from /proc/slabinfo."""
    rows = []
    for ln in text.splitlines()[2:]:
        f = ln.split()
        rows.append(SlabRow(f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5]), int(f[14])))
    return rows


SLABTOP_SORT = {
    "a": lambda r: r.active,
    "b": lambda r: r.per_slab,
    "c": lambda r: r.slabs * r.pages_per_slab,
    "l": lambda r: r.slabs,
    "v": lambda r: r.slabs,
    "n": lambda r: r.name,
    "o": lambda r: r.objs,
    "p": lambda r: r.pages_per_slab,
    "s": lambda r: r.objsize,
    "u": lambda r: r.active / r.objs if r.objs else 0.0,
}


def slabtop(rows: list[SlabRow], sort: str = "o") -> str:
    """slabtop -o (procps-ng): the summary, then one line per cache, largest first."""
    objs = sum(r.objs for r in rows)
    active = sum(r.active for r in rows)
    slabs = sum(r.slabs for r in rows)
    size = sum(r.slabs * r.pages_per_slab * 4096 for r in rows) / 1024
    active_size = sum(r.active * r.objsize for r in rows) / 1024
    live = sum(1 for r in rows if r.active)
    sizes = [r.objsize / 1024 for r in rows] or [0.0]

    def pct(a: float, b: float) -> float:
        return 100.0 * a / b if b else 0.0

    out = [
        f" Active / Total Objects (% used)    : {active} / {objs} ({pct(active, objs):.1f}%)",
        f" Active / Total Slabs (% used)      : {slabs} / {slabs} ({pct(slabs, slabs):.1f}%)",
        f" Active / Total Caches (% used)     : {live} / {len(rows)} ({pct(live, len(rows)):.1f}%)",
        f" Active / Total Size (% used)       : {active_size:.2f}K / {size:.2f}K ({pct(active_size, size):.1f}%)",
        f" Minimum / Average / Maximum Object : {min(sizes):.2f}K / "
        f"{(size / objs if objs else 0.0):.2f}K / {max(sizes):.2f}K",
        "",
        "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME",
    ]
    key = SLABTOP_SORT[sort]
    for r in sorted(rows, key=key, reverse=sort != "n"):
        use = int(pct(r.active, r.objs))
        kb = r.slabs * r.pages_per_slab * 4
        out.append(
            f"{r.objs:>6} {r.active:>6} {use:>3}% {r.objsize / 1024:>7.2f}K {r.slabs:>6} {r.per_slab:>8} "
            f"{kb:>9}K {r.name:<23}".rstrip()
        )
    return "\n".join(out)
