"""/proc/vmstat and the vmstat tool."""

from __future__ import annotations

from ...kernel.era import has
from ...snapshot import Snapshot
from .meminfo import meminfo
from .system import _cpu_split
from .units import kv, totals


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


_V3_NR = [
    "nr_free_pages",
    "nr_alloc_batch",
    "nr_inactive_anon",
    "nr_active_anon",
    "nr_inactive_file",
    "nr_active_file",
    "nr_unevictable",
    "nr_mlock",
    "nr_anon_pages",
    "nr_mapped",
    "nr_file_pages",
    "nr_dirty",
    "nr_writeback",
    "nr_slab_reclaimable",
    "nr_slab_unreclaimable",
    "nr_page_table_pages",
    "nr_kernel_stack",
    "nr_unstable",
    "nr_bounce",
    "nr_vmscan_write",
    "nr_vmscan_immediate_reclaim",
    "nr_writeback_temp",
    "nr_isolated_anon",
    "nr_isolated_file",
    "nr_shmem",
    "nr_dirtied",
    "nr_written",
]


_V3_EV = [
    "pgpgin",
    "pgpgout",
    "pswpin",
    "pswpout",
    "pgalloc_dma",
    "pgalloc_dma32",
    "pgalloc_normal",
    "pgalloc_movable",
    "pgfree",
    "pgactivate",
    "pgdeactivate",
    "pgfault",
    "pgmajfault",
    "pgrefill_dma",
    "pgrefill_dma32",
    "pgrefill_normal",
    "pgrefill_movable",
    "pgsteal_kswapd_dma",
    "pgsteal_kswapd_dma32",
    "pgsteal_kswapd_normal",
    "pgsteal_kswapd_movable",
    "pgsteal_direct_dma",
    "pgsteal_direct_dma32",
    "pgsteal_direct_normal",
    "pgsteal_direct_movable",
    "pgscan_kswapd_dma",
    "pgscan_kswapd_dma32",
    "pgscan_kswapd_normal",
    "pgscan_kswapd_movable",
    "pgscan_direct_dma",
    "pgscan_direct_dma32",
    "pgscan_direct_normal",
    "pgscan_direct_movable",
    "pgscan_direct_throttle",
    "zone_reclaim_failed",
    "pginodesteal",
    "slabs_scanned",
    "kswapd_inodesteal",
    "kswapd_low_wmark_hit_quickly",
    "kswapd_high_wmark_hit_quickly",
    "pageoutrun",
    "allocstall",
    "pgrotated",
    "numa_pte_updates",
    "numa_huge_pte_updates",
    "numa_hint_faults",
    "numa_hint_faults_local",
    "numa_pages_migrated",
    "pgmigrate_success",
    "pgmigrate_fail",
    "compact_migrate_scanned",
    "compact_free_scanned",
    "compact_isolated",
    "compact_stall",
    "compact_fail",
    "compact_success",
    "htlb_buddy_alloc_success",
    "htlb_buddy_alloc_fail",
    "unevictable_pgs_culled",
    "unevictable_pgs_scanned",
    "unevictable_pgs_rescued",
    "unevictable_pgs_mlocked",
    "unevictable_pgs_munlocked",
    "unevictable_pgs_cleared",
    "unevictable_pgs_stranded",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "thp_collapse_alloc",
    "thp_collapse_alloc_failed",
    "thp_split",
    "thp_zero_page_alloc",
    "thp_zero_page_alloc_failed",
]


_MODERN_EV = [
    "pgpgin",
    "pgpgout",
    "pswpin",
    "pswpout",
    "pgalloc_dma",
    "pgalloc_dma32",
    "pgalloc_normal",
    "pgalloc_movable",
    "allocstall_dma",
    "allocstall_dma32",
    "allocstall_normal",
    "allocstall_movable",
    "pgfree",
    "pgactivate",
    "pgdeactivate",
    "pglazyfree",
    "pgfault",
    "pgmajfault",
    "pglazyfreed",
    "pgrefill",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgscan_direct_throttle",
    "pgscan_anon",
    "pgscan_file",
    "pgsteal_anon",
    "pgsteal_file",
    "zone_reclaim_failed",
    "pginodesteal",
    "slabs_scanned",
    "kswapd_inodesteal",
    "kswapd_low_wmark_hit_quickly",
    "kswapd_high_wmark_hit_quickly",
    "pageoutrun",
    "pgrotated",
    "drop_pagecache",
    "drop_slab",
    "oom_kill",
    "numa_pte_updates",
    "numa_huge_pte_updates",
    "numa_hint_faults",
    "numa_hint_faults_local",
    "numa_pages_migrated",
    "pgmigrate_success",
    "pgmigrate_fail",
    "compact_migrate_scanned",
    "compact_free_scanned",
    "compact_isolated",
    "compact_stall",
    "compact_fail",
    "compact_success",
    "htlb_buddy_alloc_success",
    "htlb_buddy_alloc_fail",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "thp_collapse_alloc",
    "thp_collapse_alloc_failed",
    "thp_split_page",
    "thp_split_pmd",
    "thp_zero_page_alloc",
    "thp_zero_page_alloc_failed",
]


def _numa_lines(s: Snapshot) -> list[tuple[str, int]]:
    return [
        ("numa_hit", sum(s.numa("numa_hit"))),
        ("numa_miss", sum(s.numa("numa_miss"))),
        ("numa_foreign", sum(s.numa("numa_foreign"))),
        ("numa_interleave", sum(s.numa("interleave_hit"))),
        ("numa_local", sum(s.numa("local_node"))),
        ("numa_other", sum(s.numa("other_node"))),
    ]


def _zone_lru_lines(s: Snapshot, ev: dict[str, int], nr: dict[str, int]) -> list[tuple[str, int]]:
    """/proc/vmstat before the node LRU (4.8): the zone counters first, then the events."""
    v = kv(s)
    out = [(k, nr.get(k, ev.get(k, 0))) for k in _V3_NR if not (k == "nr_alloc_batch" and v < "3.12")]
    out += _numa_lines(s)
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
    out += [(k, ev.get(k, 0)) for k in _V3_EV if not (k == "numa_huge_pte_updates" and v < "3.13")]
    return out


_MODERN_NR_HEAD = (
    "nr_free_pages",
    "nr_inactive_anon",
    "nr_active_anon",
    "nr_inactive_file",
    "nr_active_file",
    "nr_unevictable",
    "nr_mlock",
)
_MODERN_NR_NODE = (
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
_MODERN_ALIAS = {
    "pgsteal_kswapd": "pgsteal_kswapd_normal",
    "pgsteal_direct": "pgsteal_direct_normal",
    "pgscan_kswapd": "pgscan_kswapd_normal",
    "pgscan_direct": "pgscan_direct_normal",
    "allocstall_normal": "allocstall",
    "pgscan_file": "pgscan_direct_normal",
    "pgsteal_file": "pgsteal_direct_normal",
}


def _modern_event(ev: dict[str, int], k: str) -> int:
    if k == "pgscan_file":
        return ev.get("pgscan_direct_normal", 0) + ev.get("pgscan_kswapd_normal", 0)
    if k == "pgsteal_file":
        return ev.get("pgsteal_direct_normal", 0) + ev.get("pgsteal_kswapd_normal", 0)
    return ev.get(_MODERN_ALIAS.get(k, k), 0)


def _node_lru_lines(s: Snapshot, ev: dict[str, int], nr: dict[str, int]) -> list[tuple[str, int]]:
    """/proc/vmstat with the node LRU (4.8+)."""
    out = [(k, nr[k]) for k in _MODERN_NR_HEAD]
    out += _numa_lines(s)
    out += [(k, nr.get(k, 0)) for k in _MODERN_NR_NODE]
    out += [("workingset_refault_file", ev.get("workingset_refault", 0))]
    out += [(k, _modern_event(ev, k)) for k in _MODERN_EV]
    if not kv(s) < "6.12":
        i = [k for k, _ in out].index("zone_reclaim_failed")
        out.insert(i, ("zone_reclaim_success", ev.get("zone_reclaim_success", 0)))
    return out


def vmstat_file(s: Snapshot) -> str:
    """/proc/vmstat for the snapshot's kernel era."""
    ev, nr = dict(s.vm), _vm_nr(s)
    out = _zone_lru_lines(s, ev, nr) if kv(s) < "4.8" else _node_lru_lines(s, ev, nr)
    return "\n".join(f"{k} {int(val)}" for k, val in out)


# ---------------------------------------------------------------------- the vmstat tool
def vmstat_head(kernel: str) -> list[str]:
    """procps 3.2.8 (2.6 generation) and procps-ng 3.3 (3.10 on) differ in the group rulers."""
    if has("tool:procps.ng_vmstat", kernel):
        groups = "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----"
    else:
        groups = "procs -----------memory---------- ---swap-- -----io---- --system-- -----cpu-----"
    return [groups, " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st"]


def vmstat_cmd(s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0) -> list[str]:
    return [*vmstat_head(s.kernel), vmstat_row(s, prev, interval)]


def _mem_kb(s: Snapshot) -> dict[str, int]:
    """What procps reads from /proc/meminfo (kB)."""
    return {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in meminfo(s).splitlines())}


def vmstat_row(s: Snapshot, prev: Snapshot | None, interval: float) -> str:
    """One line: memory from /proc/meminfo (cache = Cached + SReclaimable in procps-ng, Cached in
    procps 3.2.8), the rates from /proc/vmstat over the interval (since boot on the first line)."""
    r = sum(t.threads for t in s.tasks if t.state == "R")
    b = sum(t.threads for t in s.tasks if t.state == "D")
    mem = _mem_kb(s)
    swpd = mem["SwapTotal"] - mem["SwapFree"]
    cache = mem["Cached"] + (mem["SReclaimable"] if has("tool:procps.ng_vmstat", s.kernel) else 0)
    el = max(s.uptime, 1.0) if prev is None else interval

    def rate(name: str) -> float:
        return (s.vm_value(name) - (prev.vm_value(name) if prev is not None else 0)) / el

    bi, bo = rate("pgpgin"), rate("pgpgout")
    si, so = rate("pswpin") * 4, rate("pswpout") * 4  # pages to kB
    us, sy, idle, wa = _cpu_split(s)
    return (
        f"{r:2d} {b:2d} {swpd:6d} {mem['MemFree']:6d} {mem['Buffers']:6d} {cache:6d} {int(si):4d} {int(so):4d} "
        f"{int(bi):5d} {int(bo):5d} {int(bi / 20) + 900:4d} {int(bi / 8) + 2100:4d} "
        f"{int(us):2d} {int(sy):2d} {int(idle):2d} {int(wa):2d}  0"
    )
