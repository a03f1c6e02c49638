"""/proc/vmstat and the vmstat tool."""

from __future__ import annotations

from ...snapshot import Snapshot
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


def vmstat_cmd(s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0) -> list[str]:
    head = [
        "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----",
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st",
    ]
    return [*head, vmstat_row(s, prev, interval)]


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
