"""The simulated sysctl table (/proc/sys) with the defaults of the modelled kernels."""

from __future__ import annotations

from dataclasses import dataclass

from .era import ERA, has, reclaim_distance
from .version import KernelVersion

RECLAIM_DISTANCE = 30  # include/linux/topology.h (generic) since v3.0; era.reclaim_distance() per kernel


@dataclass(frozen=True)
class SysctlDef:
    name: str
    default: int | str
    lo: int = 0
    hi: int = 2**31 - 1
    writable: bool = True
    since: str | None = None  # first kernel that has it
    until: str | None = None  # first kernel that no longer has it
    text: bool = False  # string-valued
    trigger: bool = False  # a write triggers an action and stores nothing (drop_caches, compact_memory)

    @property
    def path(self) -> str:
        return "/proc/sys/" + self.name.replace(".", "/")


# Kernel defaults of the passive entries (mm/, kernel/sysctl.c, ipc/).
_PASSIVE: dict[str, int] = {
    "vm.admin_reserve_kbytes": 8192,
    "vm.block_dump": 0,
    "vm.compact_unevictable_allowed": 1,
    "vm.compaction_proactiveness": 20,
    "vm.dirty_background_bytes": 0,
    "vm.dirty_bytes": 0,
    "vm.dirty_expire_centisecs": 3000,
    "vm.dirty_writeback_centisecs": 500,
    "vm.dirtytime_expire_seconds": 43200,
    "vm.hugetlb_shm_group": 0,
    "vm.laptop_mode": 0,
    "vm.legacy_va_layout": 0,
    "vm.max_map_count": 65530,
    "vm.memory_failure_early_kill": 0,
    "vm.memory_failure_recovery": 1,
    "vm.mmap_min_addr": 4096,
    "vm.mmap_rnd_bits": 28,
    "vm.mmap_rnd_compat_bits": 8,
    "vm.nr_overcommit_hugepages": 0,
    "vm.overcommit_kbytes": 0,
    "vm.overcommit_ratio": 50,
    "vm.page-cluster": 3,
    "vm.page_lock_unfairness": 5,
    "vm.percpu_pagelist_fraction": 0,
    "vm.percpu_pagelist_high_fraction": 0,
    "vm.stat_interval": 1,
    "vm.unprivileged_userfaultfd": 0,
    "vm.user_reserve_kbytes": 131072,
    "vm.watermark_boost_factor": 15000,
    "vm.extfrag_threshold": 500,
    "kernel.numa_balancing_scan_delay_ms": 1000,
    "kernel.numa_balancing_scan_period_max_ms": 60000,
    "kernel.numa_balancing_scan_period_min_ms": 1000,
    "kernel.numa_balancing_scan_size_mb": 256,
    "kernel.randomize_va_space": 2,
    "kernel.shmmni": 4096,
    "kernel.sysrq": 16,
    "kernel.hung_task_timeout_secs": 120,
}

SYSCTLS: dict[str, SysctlDef] = {
    d.name: d
    for d in [
        SysctlDef("vm.zone_reclaim_mode", 0, 0, 7),
        SysctlDef("vm.min_unmapped_ratio", 1, 0, 100),
        SysctlDef("vm.min_slab_ratio", 5, 0, 100),
        SysctlDef("vm.numa_stat", 1, 0, 1, since="4.15"),
        SysctlDef("vm.numa_zonelist_order", "Node", text=True),
        SysctlDef("vm.drop_caches", 0, 1, 7, trigger=True),
        SysctlDef("vm.compact_memory", 0, 1, 1, since="2.6.35", trigger=True),  # 76ab0f530e4a
        SysctlDef("vm.swappiness", 60, 0, 100),
        SysctlDef("vm.min_free_kbytes", 67584, 0),
        SysctlDef("vm.watermark_scale_factor", 10, 1, 1000, since="4.6"),  # 795ae7a0de6b
        SysctlDef("vm.overcommit_memory", 0, 0, 2),
        SysctlDef("vm.oom_dump_tasks", 1, 0, 1),
        SysctlDef("vm.oom_kill_allocating_task", 0, 0, 1),
        SysctlDef("vm.panic_on_oom", 0, 0, 2),
        SysctlDef("vm.dirty_ratio", 20, 0, 100),
        SysctlDef("vm.dirty_background_ratio", 10, 0, 100),
        SysctlDef("vm.vfs_cache_pressure", 100, 0),
        SysctlDef("vm.nr_hugepages", 0, 0),
        SysctlDef("kernel.numa_balancing", 0, 0, 1, since="3.8"),
        SysctlDef("kernel.pid_max", 32768, 301, 4194304),
        SysctlDef("kernel.panic", 0, 0),
        # The rest of the era's vm.* and the memory-related kernel.* entries: listed by sysctl -a
        # and readable/writable under /proc/sys, without a mechanism in the model.  The kernels
        # that have them: the "sysctl:NAME" entries of kernel/era.py.
        *(SysctlDef(n, v) for n, v in _PASSIVE.items()),
    ]
}


def available(version: KernelVersion) -> list[SysctlDef]:
    out = []
    for d in SYSCTLS.values():
        if f"sysctl:{d.name}" in ERA:
            if has(f"sysctl:{d.name}", version):
                out.append(d)
            continue
        if d.since and version < d.since:
            continue
        if d.until and not version < d.until:
            continue
        out.append(d)
    return out


def default_zone_reclaim_mode(
    version: KernelVersion, distances: list[list[int]] | tuple[tuple[int, ...], ...]
) -> int:
    """Boot-time default of vm.zone_reclaim_mode.

    Before v3.16, init_zone_allows_reclaim() set zone_reclaim_mode = 1 as soon as any
    node was farther than RECLAIM_DISTANCE from another; 4f9b16a64753 removed that.
    RECLAIM_DISTANCE itself was 20 before v3.0 (32e45ff43eaf), so a two-socket box with
    SLIT 21 had it on.
    """
    if not has("mech:zone_reclaim_auto_enable", version):
        return 0
    limit = reclaim_distance(version)
    far = any(d > limit for row in distances for d in row)
    return 1 if far else 0
