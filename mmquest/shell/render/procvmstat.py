"""/proc/vmstat (mm/vmstat.c vmstat_text[]): the lines the booted kernel has, in its order.

Two layouts: the zone-LRU kernels (before 4.8: zone counters first, per-zone reclaim
events) and the node-LRU kernels (4.8+).  Within a layout a line whose presence depends
on the release is a ``vmstat:<name>`` Change in kernel/era.py (with its commit); a line
without one is in every modelled kernel that uses the layout.
"""

from __future__ import annotations

from ...kernel.era import ERA, has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot
from .units import kv, totals

ZONES = ("dma", "dma32", "normal", "movable")


def _present(name: str, v: KernelVersion) -> bool:
    key = f"vmstat:{name}"
    return has(key, v) if key in ERA else True


def _vm_nr(s: Snapshot) -> dict[str, int]:
    t = totals(s)
    return {
        "nr_free_pages": int(t["free"]),
        "nr_inactive_anon": int(t["inactive_anon"]),
        "nr_active_anon": int(t["active_anon"]),
        "nr_inactive_file": int(t["inactive_file"]),
        "nr_active_file": int(t["active_file"]),
        "nr_unevictable": 0,
        "nr_mlock": 0,
        "nr_anon_pages": int(t["anon"]),
        "nr_mapped": int(t["mapped"]),
        "nr_file_pages": int(t["file"]),
        "nr_dirty": int(t["dirty"]),
        "nr_writeback": int(t["writeback"]),
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

# The zone-LRU event lines; "<zone>" lines are one per zone.
_V3_EV = [
    "pgpgin",
    "pgpgout",
    "pswpin",
    "pswpout",
    "pgalloc_<zone>",
    "pgfree",
    "pgactivate",
    "pgdeactivate",
    "pgfault",
    "pgmajfault",
    "pgrefill_<zone>",
    "pgsteal_<zone>",
    "pgsteal_kswapd_<zone>",
    "pgsteal_direct_<zone>",
    "pgscan_kswapd_<zone>",
    "pgscan_direct_<zone>",
    "pgscan_direct_throttle",
    "zone_reclaim_failed",
    "pginodesteal",
    "slabs_scanned",
    "kswapd_steal",
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
    "compact_blocks_moved",
    "compact_pages_moved",
    "compact_pagemigrate_failed",
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
    "thp_split_page",
    "thp_split_page_failed",
    "thp_deferred_split_page",
    "thp_split_pmd",
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
    "zone_reclaim_success",
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

# Node-LRU names read from the model's per-zone counters (it reclaims the Normal zones).
_MODERN_ALIAS = {
    "pgsteal_kswapd": "pgsteal_kswapd_normal",
    "pgsteal_direct": "pgsteal_direct_normal",
    "pgscan_kswapd": "pgscan_kswapd_normal",
    "pgscan_direct": "pgscan_direct_normal",
    "allocstall_normal": "allocstall",
}


def _numa_lines(s: Snapshot) -> list[tuple[str, int]]:
    return [
        ("numa_hit", sum(s.numa("numa_hit"))),
        ("numa_miss", sum(s.numa("numa_miss"))),
        ("numa_foreign", sum(s.numa("numa_foreign"))),
        ("numa_interleave", sum(s.numa("interleave_hit"))),
        ("numa_local", sum(s.numa("local_node"))),
        ("numa_other", sum(s.numa("other_node"))),
    ]


def _workingset(ev: dict[str, int], v: KernelVersion) -> list[tuple[str, int]]:
    refault = ev.get("workingset_refault", 0)
    lines = [
        ("workingset_refault", refault),
        ("workingset_refault_anon", 0),
        ("workingset_refault_file", refault),
        ("workingset_activate", int(refault * 0.4)),
        ("workingset_activate_anon", 0),
        ("workingset_activate_file", int(refault * 0.4)),
        ("workingset_nodereclaim", 0),
    ]
    return [(k, val) for k, val in lines if _present(k, v)]


def _zoned_event(ev: dict[str, int], name: str, zone: str) -> int:
    if name == "pgsteal_<zone>":  # before the kswapd/direct split
        return ev.get(f"pgsteal_kswapd_{zone}", 0) + ev.get(f"pgsteal_direct_{zone}", 0)
    return ev.get(name.replace("<zone>", zone), 0)


def _zone_lru_file(s: Snapshot, v: KernelVersion, ev: dict[str, int]) -> list[tuple[str, int]]:
    nr = _vm_nr(s)
    out = [(k, nr.get(k, ev.get(k, 0))) for k in _V3_NR if _present(k, v)]
    out += _numa_lines(s)
    out += _workingset(ev, v)
    out += [
        ("nr_anon_transparent_hugepages", 0),
        ("nr_free_cma", 0),
        ("nr_dirty_threshold", int(nr["nr_free_pages"] * 0.2 + nr["nr_file_pages"] * 0.2)),
        ("nr_dirty_background_threshold", int(nr["nr_free_pages"] * 0.1 + nr["nr_file_pages"] * 0.1)),
    ]
    out = [(k, val) for k, val in out if _present(k, v)]
    for k in _V3_EV:
        if not _present(k.replace("_<zone>", ""), v):
            continue
        if "<zone>" in k:
            out += [(k.replace("<zone>", z), _zoned_event(ev, k, z)) for z in ZONES]
        else:
            out.append((k, ev.get(k, 0)))
    return out


def _node_lru_file(s: Snapshot, v: KernelVersion, ev: dict[str, int]) -> list[tuple[str, int]]:
    nr = _vm_nr(s)
    out = [
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
    out += _numa_lines(s)
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
    out += _workingset(ev, v)
    for k in _MODERN_EV:
        if not _present(k, v):
            continue
        if k in ("pgscan_file", "pgsteal_file"):
            val = ev.get(k[:-4] + "direct_normal", 0) + ev.get(k[:-4] + "kswapd_normal", 0)
        else:
            val = ev.get(_MODERN_ALIAS.get(k, k), 0)
        out.append((k, val))
    return out


def vmstat_file(s: Snapshot) -> str:
    """/proc/vmstat for the snapshot's kernel era."""
    v = kv(s)
    ev = dict(s.vm)
    if has("mech:node_lru", v):
        out = _node_lru_file(s, v, ev)
    else:
        out = _zone_lru_file(s, v, ev)
    return "\n".join(f"{k} {int(val)}" for k, val in out)
