"""The era table's rows: every kernel-dependent thing as one :class:`Change` (see era.py for
how readers use it, the naming and the provenance rules).  A plain table of data."""

from __future__ import annotations

from dataclasses import dataclass

from .version import KernelVersion

V = KernelVersion | str


@dataclass(frozen=True)
class Change:
    name: str
    since: str | None = None  # first release that has it (None: every modelled kernel)
    until: str | None = None  # first release that no longer has it
    source: str = ""  # commit id, release, or reference
    note: str = ""

    def present(self, version: V) -> bool:
        v = version if isinstance(version, KernelVersion) else KernelVersion(version)
        if self.since is not None and v < self.since:
            return False
        return not (self.until is not None and not v < self.until)


RECON = "reconstructed from kernel source"

_TABLE: tuple[Change, ...] = (
    # ------------------------------------------------------------------ mechanisms
    Change("mech:thp", "2.6.38", None, "71e3aac0724f (THP merged, v2.6.38)"),
    Change(
        "mech:thp_compound_lock_tail_refcount", "2.6.38", "4.5", "mechanics.md C.2; removed by ddc58f27f9ee"
    ),
    Change("mech:hugetlb_pagehuge_fastpath", "3.12", None, "7cb2ef56e6a8"),
    Change("mech:zone_reclaim_auto_enable", None, "3.16", "4f9b16a64753"),
    Change("mech:reclaim_distance_30", "3.0", None, "32e45ff43eaf (RECLAIM_DISTANCE 20 -> 30)"),
    # The bits of vm.zone_reclaim_mode were renumbered by 648b5cf368e0 (its same-day "-fix":
    # bit 0 = RECLAIM_WRITE, bit 1 = RECLAIM_UNMAP) and restored by 519983645a9f (season2.md D).
    # 648b5cf368e0: posted 2020-01-14, in mmotm 2020-01-23 (against 5.5-rc7) among the patches
    # sent for the 5.6 merge window; already in mainline when the first restore patch was
    # posted on 2020-06-25.  519983645a9f: added to -mm on 2021-02-19, after 5.11 (2021-02-14),
    # so v5.12-rc1; backported to the 5.10 and 5.11 stable series (not modelled: a stable
    # release's sublevel does not say which backports it carries).
    Change(
        "mech:zone_reclaim_bits_shifted",
        "5.6",
        "5.12",
        "648b5cf368e0 (v5.6) / 519983645a9f (v5.12)",
        "[v5.6 inferred from the mmotm series of 2020-01-23; v5.12 from the -mm date]",
    ),
    Change("mech:node_lru", "4.8", None, "599d0c954f91 (mm, vmscan: move LRU lists to node)"),
    # One reclaimer at a time: zone_reclaim() bails out while another task reclaims the zone
    # (reclaim_in_progress from 9eeff2395e3c, v2.6.16; test_and_set_bit(ZONE_RECLAIM_LOCKED) from
    # d773ed6b856a, v2.6.24); a5f5f91da6ad moved the bit to the node (PGDAT_RECLAIM_LOCKED), so
    # before it a node's DMA32 and Normal zones could each have a reclaimer.
    Change(
        "mech:reclaim_locked_per_node", "4.8", None, "a5f5f91da6ad (mm: convert zone_reclaim to node_reclaim)"
    ),
    Change("mech:rss_percpu_counter", "6.2", None, "f1a7941243c1"),
    Change(
        "mech:rss_split_counting", None, "6.2", "34e55232e59f (SPLIT_RSS_COUNTING), replaced by f1a7941243c1"
    ),
    Change("mech:procfs_rss_sum", "6.16", None, "82241a83cd15", "[unverified release]"),
    Change("mech:oom_score_centred", "5.9", None, "9066e5cfb73c (oom badness without normalisation)"),
    Change("mech:oom_reaper", "4.6", None, "aac453635549"),
    Change("mech:numa_balancing", "3.8", None, "automatic NUMA balancing (3.8)"),
    Change("mech:psi", "4.20", None, "eb414681d5a0"),
    Change("mech:watermark_scale_factor", "4.6", None, "795ae7a0de6b"),
    # THP faults and compaction (season2.md B; releases inferred from the postings)
    Change("mech:thp_fault_sync_compaction", "2.6.38", "3.16", "75f30861a12a", "[unverified release]"),
    Change("mech:thp_defrag_defer", "4.6", None, "444eb2a449ef", "[unverified release]"),
    Change("mech:thp_defrag_default_madvise", "4.6", None, "444eb2a449ef", "[unverified release]"),
    Change("mech:thp_defrag_defer_madvise", "4.11", None, "21440d7eb904", "[unverified release]"),
    Change("mech:kcompactd", "4.6", None, "698b1b30642f"),
    Change("mech:migrate_highatomic", "4.4", None, "0aaa29a56e4f (MIGRATE_RESERVE replaced)"),
    Change("mech:min_free_kbytes_bound_256mb", "5.7", None, "59d336bdf693", "[unverified release]"),
    Change("file:/proc/zoneinfo:per_node_stats", "4.8", None, "599d0c954f91", RECON),
    # cgroup v2 memory controller and memory.high throttling (season2.md A; kernel/memcg.py).
    Change("mech:cgroup2_memory", "4.5", None, "67e9c74b8a87 (cgroup2 out of devel, v4.5)"),
    Change("mech:memcg_high_throttle", "5.4", None, "0e4b01df8659", "[unverified release]"),
    Change("mech:memcg_high_reclaim_retry", "5.9", None, "b3ff92916af3", "season2.md A: v5.9 inferred"),
    Change("mech:psi_cpu_full", "5.13", None, "e7fcd7622823"),
    # ------------------------------------------------------------------ kernel functions (perf, traces)
    Change("fn:zone_reclaim", None, "4.8", "renamed node_reclaim by a5f5f91da6ad"),
    Change("fn:node_reclaim", "4.8", None, "a5f5f91da6ad"),
    Change("fn:shrink_zone", None, "4.8", "shrink_node since b2e18757f2c9"),
    Change("fn:shrink_node", "4.8", None, "b2e18757f2c9"),
    Change("fn:__alloc_pages_nodemask", None, "5.13", "renamed __alloc_pages by 84172f4bb752"),
    Change("fn:__alloc_pages", "5.13", None, "84172f4bb752"),
    Change("fn:__get_page_tail", "2.6.38", "4.5", "THP tail refcounting, gone with ddc58f27f9ee"),
    Change("fn:put_compound_page", "2.6.38", "4.5", "THP tail refcounting, gone with ddc58f27f9ee"),
    Change("fn:get_mm_counter_sum", "6.16", None, "82241a83cd15", "[unverified release]"),
    Change(
        "fn:alloc_pages_mpol",
        "6.7",
        None,
        "ddc1a5cbc05d (mempolicy: alloc_pages_mpol() for NUMA policy without vma)",
    ),
    Change(
        "fn:vma_alloc_folio", "6.0", None, "f584b68005ac (mm: Add vma_alloc_folio())", "[unverified release]"
    ),
    Change(
        "fn:alloc_pages_vma", None, "6.0", "replaced by vma_alloc_folio, f584b68005ac", "[unverified release]"
    ),
    Change(
        "fn:exc_page_fault", "5.8", None, "x86 idtentry conversion of the page fault", "[unverified release]"
    ),
    Change("fn:percpu_counter_read_positive", None, None, "lib/percpu_counter.c"),
    Change("fn:mem_cgroup_handle_over_high", "4.5", None, "b23afb93d317", "[unverified release]"),
    Change("fn:exit_to_usermode_loop", None, "5.9", "x86 moved to the generic entry code in 5.9"),
    Change(
        "fn:exit_to_user_mode_prepare", "5.9", None, "142781e108b1 (generic entry)", "[unverified release]"
    ),
    # ------------------------------------------------------------------ sysctls
    Change("sysctl:vm.numa_stat", "4.15", None, "4518085e127d"),
    Change("sysctl:vm.compact_memory", "2.6.35", None, "76ab0f530e4a"),
    Change("sysctl:kernel.numa_balancing", "3.8", None, "automatic NUMA balancing (3.8)"),
    Change("sysctl:vm.watermark_scale_factor", "4.6", None, "795ae7a0de6b"),
    Change("sysctl:vm.watermark_boost_factor", "5.0", None, "1c30844d2dfe"),
    Change(
        "sysctl:vm.extfrag_threshold", "2.6.35", None, "memory compaction (2.6.35)", "[unverified release]"
    ),
    Change("sysctl:vm.admin_reserve_kbytes", "3.10", None, "4eeab4f5580d"),
    Change("sysctl:vm.user_reserve_kbytes", "3.10", None, "c9b1d0981fcc"),
    Change(
        "sysctl:vm.block_dump",
        None,
        "5.12",
        "removed by 4a9fb9f7a1b4 (mm: remove vm.block_dump)",
        "[unverified release]",
    ),
    Change("sysctl:vm.compact_unevictable_allowed", "4.1", None, "5bbe3547aa3b"),
    Change("sysctl:vm.compaction_proactiveness", "5.9", None, "facdaa917c4d"),
    Change(
        "sysctl:vm.dirtytime_expire_seconds", "4.0", None, "1efff914afac (lazytime)", "[unverified release]"
    ),
    Change("sysctl:vm.mmap_rnd_bits", "4.5", None, "d07e22597d1d"),
    Change("sysctl:vm.mmap_rnd_compat_bits", "4.5", None, "d07e22597d1d"),
    Change("sysctl:vm.overcommit_kbytes", "3.14", None, "49f0ce5f9232"),
    Change("sysctl:vm.page_lock_unfairness", "5.9", None, "5ef64cc8987a"),
    Change("sysctl:vm.percpu_pagelist_fraction", None, "5.14", "replaced by 74f44822097c"),
    Change("sysctl:vm.percpu_pagelist_high_fraction", "5.14", None, "74f44822097c"),
    Change("sysctl:vm.unprivileged_userfaultfd", "5.2", None, "cefdca0a86be"),
    Change("sysctl:vm.memory_failure_early_kill", "2.6.32", None, "6a46079cf57a (hwpoison)"),
    Change("sysctl:vm.memory_failure_recovery", "2.6.32", None, "6a46079cf57a (hwpoison)"),
    Change(
        "sysctl:kernel.numa_balancing_scan_delay_ms",
        "3.8",
        "5.13",
        "cbee9f88ec1b; to debugfs by 8a99b6833c88",
    ),
    Change(
        "sysctl:kernel.numa_balancing_scan_period_max_ms",
        "3.8",
        "5.13",
        "cbee9f88ec1b; to debugfs by 8a99b6833c88",
    ),
    Change(
        "sysctl:kernel.numa_balancing_scan_period_min_ms",
        "3.8",
        "5.13",
        "cbee9f88ec1b; to debugfs by 8a99b6833c88",
    ),
    Change(
        "sysctl:kernel.numa_balancing_scan_size_mb", "3.8", "5.13", "cbee9f88ec1b; to debugfs by 8a99b6833c88"
    ),
    # ------------------------------------------------------------------ /proc/meminfo fields
    Change("meminfo:MemAvailable", "3.14", None, "34e431b0ae39"),
    Change("meminfo:CmaTotal", "3.19", None, "CmaTotal/CmaFree in meminfo", "[unverified release]"),
    Change("meminfo:ShmemHugePages", "4.8", None, "65c453778aea"),
    Change("meminfo:KReclaimable", "4.20", None, "61f94e18de94"),
    Change("meminfo:Percpu", "4.16", None, "7e8a6304d541"),
    Change("meminfo:FileHugePages", "5.4", None, "60fbf0ab5da1"),
    Change("meminfo:Zswap", "5.19", None, "Zswap/Zswapped in meminfo", "[unverified release]"),
    Change("meminfo:SecPageTables", "6.0", None, "ebc97a52b5d6"),
    Change("meminfo:Unaccepted", "6.5", None, "dcdfdd40fa82"),
    Change("meminfo:Balloon", "6.9", None, "Balloon in meminfo", "[unverified release]"),
    Change("meminfo:AnonHugePages", "2.6.38", None, "79134171df23 (THP counters in meminfo)"),
    Change(
        "meminfo:Hugetlb",
        "4.17",
        None,
        "fcb2b0c577f1 (hugetlb: show total hugetlb memory consumption)",
        "[unverified release]",
    ),
    Change("meminfo:NFS_Unstable", None, None, "still printed, always 0 since 8d92890bd6b8"),
    # ------------------------------------------------------------------ /proc/PID/status fields
    Change("status:Umask", "4.7", None, "3e42979e65db"),
    Change("status:Ngid", "3.13", None, "e143720b6a8e"),
    Change("status:NStgid", "4.1", None, "e4bc33245124"),
    Change("status:RssAnon", "4.5", None, "8cee852ec53f"),
    Change("status:HugetlbPages", "4.4", None, "5d317b2b6536", "[unverified release]"),
    Change("status:CoreDumping", "4.15", None, "CoreDumping in status", "[unverified release]"),
    Change("status:THP_enabled", "5.0", None, "THP_enabled in status", "[unverified release]"),
    Change("status:Speculation_Store_Bypass", "4.17", None, "fae1fa0fc6cc"),
    Change("status:Cpus_allowed", None, None, "fs/proc/array.c"),
    Change("status:VmSwap", "2.6.34", None, "b084d4353ff9 (mm: count swap usage)"),
    Change("status:VmPin", "3.2", None, "bc3e53f682d9 (distinguish between mlocked and pinned pages)"),
    Change("status:Seccomp", "3.8", None, "2f4b3bf6b2a1 (Seccomp field in status)", "[unverified release]"),
    # ------------------------------------------------------------------ /proc/vmstat lines (formats.md 5.2)
    Change("vmstat:nr_alloc_batch", "3.12", "4.8", "81c0a2bb515f, gone with the node LRU"),
    Change("vmstat:workingset_refault", "3.15", "5.9", "a528910e12ec; split _anon/_file by 170b04b7ae49"),
    Change("vmstat:workingset_refault_file", "5.9", None, "170b04b7ae49"),
    Change("vmstat:numa_huge_pte_updates", "3.13", None, "formats.md 5.2", "[unverified release]"),
    Change("vmstat:zone_reclaim_success", "6.12", None, "formats.md 5.2", "[unverified release]"),
    Change("vmstat:zone_reclaim_failed", "2.6.31", None, "24cf72518c79"),
    Change("vmstat:per_zone_reclaim_counters", None, "4.8", "599d0c954f91 (node-based LRU)"),
    Change("vmstat:allocstall_zone", "4.8", None, "599d0c954f91"),
    Change("vmstat:pgscan_file", "5.8", None, "pgscan_anon/pgscan_file split", "[unverified release]"),
    Change("vmstat:drop_pagecache", "4.0", None, "drop_pagecache/drop_slab counters", "[unverified release]"),
    Change("vmstat:oom_kill", "4.13", None, "8e675f7af507"),
    Change("vmstat:thp_split", "2.6.39", "4.5", "thp_split_page/thp_split_pmd since 122afea9626a"),
    Change("vmstat:thp_split_page", "4.5", None, "122afea9626a"),
    Change("vmstat:thp_fault_alloc", "2.6.39", None, "formats.md 5.2", "[unverified release]"),
    Change("vmstat:thp_zero_page_alloc", "3.8", None, "d8a8e1f0da3d"),
    Change("vmstat:nr_anon_transparent_hugepages", "2.6.38", None, "79134171df23"),
    Change("vmstat:nr_dirty_threshold", "2.6.37", None, "dirty thresholds in vmstat", "[unverified release]"),
    Change(
        "vmstat:nr_dirty_background_threshold",
        "2.6.37",
        None,
        "dirty thresholds in vmstat",
        "[unverified release]",
    ),
    Change("vmstat:nr_dirtied", "2.6.37", None, "ea941f0e2a8c (writeback: add nr_dirtied and nr_written)"),
    Change("vmstat:nr_written", "2.6.37", None, "ea941f0e2a8c (writeback: add nr_dirtied and nr_written)"),
    Change(
        "vmstat:nr_vmscan_immediate_reclaim",
        "3.3",
        None,
        "49ea7eb65e7c (vmscan: immediately reclaim end-of-LRU dirty pages)",
        "[unverified release]",
    ),
    Change("vmstat:nr_free_cma", "3.7", None, "d1ce749a0db1 (cma: count free CMA pages)"),
    # Per-zone reclaim: pgsteal_<zone> was split into kswapd/direct (and kswapd_steal went) in 3.4.
    Change(
        "vmstat:pgsteal",
        None,
        "3.4",
        "per-zone pgsteal_<zone>, split by the PGSTEAL_KSWAPD/DIRECT events",
        "[unverified release]",
    ),
    Change("vmstat:kswapd_steal", None, "3.4", "folded into pgsteal_kswapd_<zone>", "[unverified release]"),
    Change(
        "vmstat:pgsteal_kswapd", "3.4", None, "PGSTEAL_KSWAPD/PGSTEAL_DIRECT per zone", "[unverified release]"
    ),
    Change(
        "vmstat:pgsteal_direct", "3.4", None, "PGSTEAL_KSWAPD/PGSTEAL_DIRECT per zone", "[unverified release]"
    ),
    Change(
        "vmstat:pgscan_direct_throttle", "3.6", None, "68243e76ee34 (account direct reclaimers throttled)"
    ),
    # Automatic NUMA balancing's counters (03c5a6e16322, v3.8).
    Change("vmstat:numa_pte_updates", "3.8", None, "03c5a6e16322"),
    Change("vmstat:numa_hint_faults", "3.8", None, "03c5a6e16322"),
    Change("vmstat:numa_hint_faults_local", "3.8", None, "03c5a6e16322"),
    Change("vmstat:numa_pages_migrated", "3.8", None, "03c5a6e16322"),
    # Migration and compaction counters were reworked in 3.8 (5647bc293ab1, 397487db696c).
    Change("vmstat:pgmigrate_success", "3.8", None, "5647bc293ab1 (migration stats in migrate.c)"),
    Change("vmstat:pgmigrate_fail", "3.8", None, "5647bc293ab1 (migration stats in migrate.c)"),
    Change("vmstat:compact_migrate_scanned", "3.8", None, "397487db696c (compaction scanned/isolated)"),
    Change("vmstat:compact_free_scanned", "3.8", None, "397487db696c (compaction scanned/isolated)"),
    Change("vmstat:compact_isolated", "3.8", None, "397487db696c (compaction scanned/isolated)"),
    Change(
        "vmstat:compact_blocks_moved", "2.6.35", "3.8", "memory compaction (2.6.35); gone with 5647bc293ab1"
    ),
    Change(
        "vmstat:compact_pages_moved", "2.6.35", "3.8", "memory compaction (2.6.35); gone with 5647bc293ab1"
    ),
    Change(
        "vmstat:compact_pagemigrate_failed",
        "2.6.35",
        "3.8",
        "memory compaction (2.6.35); gone with 5647bc293ab1",
    ),
    Change("vmstat:thp_fault_fallback", "2.6.39", None, "81ab4201fb7d (vm counters for THP)"),
    Change("vmstat:thp_collapse_alloc", "2.6.39", None, "81ab4201fb7d (vm counters for THP)"),
    Change("vmstat:thp_collapse_alloc_failed", "2.6.39", None, "81ab4201fb7d (vm counters for THP)"),
    Change("vmstat:thp_zero_page_alloc_failed", "3.8", None, "d8a8e1f0da3d"),
    Change("vmstat:thp_split_page_failed", "4.5", None, "122afea9626a"),
    Change("vmstat:thp_deferred_split_page", "4.5", None, "122afea9626a"),
    Change("vmstat:thp_split_pmd", "4.5", None, "122afea9626a"),
    Change("vmstat:pglazyfreed", "4.5", None, "854e9ed09ded (madvise MADV_FREE)"),
    Change(
        "vmstat:pglazyfree",
        "4.12",
        None,
        "f7ad2a6cb9f7 (MADV_FREE pages on the file LRU)",
        "[unverified release]",
    ),
    Change("vmstat:drop_slab", "4.0", None, "drop_pagecache/drop_slab counters", "[unverified release]"),
    Change("vmstat:pgscan_anon", "5.8", None, "pgscan_anon/pgscan_file split", "[unverified release]"),
    Change("vmstat:pgsteal_anon", "5.8", None, "pgscan_anon/pgscan_file split", "[unverified release]"),
    Change("vmstat:pgsteal_file", "5.8", None, "pgscan_anon/pgscan_file split", "[unverified release]"),
    # Workingset detection (a528910e12ec, 3.15), split by LRU type in 5.9 (170b04b7ae49).
    Change("vmstat:workingset_activate", "3.15", "5.9", "a528910e12ec; split _anon/_file by 170b04b7ae49"),
    Change("vmstat:workingset_nodereclaim", "3.15", None, "449dd6984d0e (radix tree nodes in check)"),
    Change("vmstat:workingset_refault_anon", "5.9", None, "170b04b7ae49"),
    Change("vmstat:workingset_activate_anon", "5.9", None, "170b04b7ae49"),
    Change("vmstat:workingset_activate_file", "5.9", None, "170b04b7ae49"),
    # ------------------------------------------------------------------ files
    Change("file:/proc/PID/smaps_rollup", "4.14", None, "493b0e9d945f"),
    Change("file:/proc/pressure", "4.20", None, "eb414681d5a0"),
    Change("file:/sys/fs/cgroup/memory.pressure", "4.20", None, "eb414681d5a0 (per-cgroup pressure files)"),
    Change("memcg_stat:percpu", "5.7", None, "772616b031f3", "[unverified release]"),
    Change("memcg_stat:workingset_refault_file", "5.9", None, "170b04b7ae49"),
    Change("file:/sys/kernel/mm/transparent_hugepage", "2.6.38", None, "71e3aac0724f"),
    Change("file:/proc/PID/numa_maps", None, None, "2.6.14"),
    Change("file:/proc/PID/maps", None, None, "fs/proc/task_mmu.c (every modelled kernel)"),
    Change("file:/proc/PID/smaps", None, None, "e070ad49f311 (2.6.14)"),
    Change("file:/proc/slabinfo", None, None, "mm/slab_common.c; mode 0400 since ab067e99d22e (2.6.2x)"),
    Change("file:/proc/diskstats", None, None, "2.6 block layer (genhd.c diskstats_show)"),
    Change(
        "file:/proc/diskstats:discard",
        "4.18",
        None,
        "bdbca3031eb5 (discard fields)",
        "[unverified release]",
    ),
    Change("file:/proc/diskstats:flush", "5.5", None, "b6866318657 (flush fields)", "[unverified release]"),
    # slab caches in /proc/slabinfo
    Change("slab:sysfs_dir_cache", None, "3.14", "sysfs on kernfs (414985ae23c0)", "[unverified release]"),
    Change("slab:kernfs_node_cache", "3.14", None, "414985ae23c0 (kernfs)", "[unverified release]"),
    Change("slab:maple_node", "6.1", None, "54a611b60590 (maple tree)"),
    # /proc/PID/maps and smaps (fs/proc/task_mmu.c)
    Change("maps:vvar", "3.16", None, "a62c34bd2a8a ([vvar] a VMA of its own)", "[unverified release]"),
    Change("smaps:VmFlags", "3.8", None, "834f82e2aa9a"),
    Change("smaps:SwapPss", "4.3", None, "8334b96221ff"),
    Change("smaps:Shared_Hugetlb", "4.4", None, "25ee01a2fca0"),
    Change("smaps:LazyFree", "4.12", None, "cf8496ea8d3b"),
    Change("smaps:THPeligible", "5.0", None, "7635d9cbe832"),
    Change("smaps:Pss_Anon", "5.8", None, "ee2ad71b0756 (rollup Pss_Anon/File/Shmem)"),
    Change("smaps:Pss_Dirty", "6.0", None, "30934843e3fb", "[unverified release]"),
    Change(
        "smaps:KSM",
        "6.7",
        None,
        "proc/ksm: add ksm stats to /proc/pid/smaps (Aug 2023)",
        "[unverified release]",
    ),
    # /proc/PID/stack: the syscall wrappers (fa697140f9a2, x86/syscalls: Don't pointlessly reload...)
    Change("fn:__x64_sys_epoll_wait", "4.17", None, "fa697140f9a2 (x86 syscall wrappers, pt_regs)"),
    Change("fn:SyS_epoll_wait", "2.6.29", "4.17", "1a94bc34768e (SYSCALL_DEFINE wrappers SyS_*)", RECON),
    Change(
        "fn:system_call_fastpath", None, "4.2", "renamed entry_SYSCALL_64_fastpath (x86 entry rework)", RECON
    ),
    Change(
        "log:stack.hashed_addresses",
        "4.16",
        None,
        "8b927d734122 ([<0>] for /proc/PID/stack)",
        "[unverified release]",
    ),
    # ------------------------------------------------------------------ kernel log lines
    # OOM report (formats.md 10.2).
    Change("log:oom.dump_tasks.pgtables_bytes", "4.15", None, "af5b0f6a09e4 (pgtables_bytes in dump_tasks)"),
    Change("log:oom.dump_tasks.nr_pmds", "4.4", "4.15", "dc6c9a35b66b", RECON),
    Change("log:oom.dump_tasks.rss_detail", "6.8", None, "formats.md 10.2 (v6.8-rc1)"),
    Change(
        "log:oom.tasks_state_line", "4.19", None, "oom: describe task memory unit", "[unverified release]"
    ),
    Change("log:oom.kill_constraint_line", "4.19", None, "ef8444ea01d7"),
    Change("log:oom.kill_or_sacrifice_child", None, "5.1", "bbbe48029720", RECON),
    Change("log:oom.killed_shmem_rss", "4.5", None, "eca56ff906bd"),
    Change(
        "log:oom.killed_uid_pgtables",
        "5.10",
        None,
        "UID and pgtables on the Killed process line",
        "[unverified release]",
    ),
    Change("log:oom.show_mem_sec_pagetables", "6.0", None, "ebc97a52b5d6"),
    Change(
        "log:oom.call_trace_task_markers", "5.8", None, "x86 dumpstack <TASK> markers", "[unverified release]"
    ),
    Change("log:oom.dump_stack_lvl", "5.14", None, "a8a66a74a1b6 (dump_stack_lvl)", "[unverified release]"),
    # Boot log wording.
    Change("log:boot.zonelist_order_word", None, "4.14", "c9bff3eebc09 (ZONELIST_ORDER_ZONE removed)", RECON),
    Change("log:boot.smpboot_total", "3.7", None, "a17bce4d1dce", RECON),
    Change(
        "log:boot.ext4_quota_mode",
        "5.12",
        None,
        "ext4 mount message with Quota mode",
        RECON + " [unverified release]",
    ),
    Change(
        "log:boot.linux_version_ld",
        "5.8",
        None,
        "linux_banner with the linker version",
        "[unverified release]",
    ),
    Change(
        "log:boot.preempt_dynamic",
        "5.12",
        None,
        "6ef869e06965 (PREEMPT_DYNAMIC in the banner)",
        "[unverified release]",
    ),
    Change(
        "log:boot.e820_mem_format",
        "3.4",
        None,
        "e820 ranges printed as [mem %#018Lx-%#018Lx]",
        RECON + " [unverified release]",
    ),
    Change(
        "log:boot.zone_ranges_wide",
        "4.1",
        None,
        "zone ranges printed %#018Lx",
        RECON + " [unverified release]",
    ),
    Change(
        "log:boot.zone_device",
        "4.3",
        None,
        "033fbae988fc (ZONE_DEVICE: '  Device   empty')",
        "[unverified release]",
    ),
    Change(
        "log:boot.mem_init_print_info",
        "3.11",
        None,
        "7ee3d4e8cd56 (mem_init_print_info)",
        "[unverified release]",
    ),
    Change(
        "log:boot.mem_cma_reserved", "3.19", None, "cma-reserved on the Memory: line", "[unverified release]"
    ),
    Change("log:boot.on_node_totalpages", None, "5.11", "printed at pr_debug since", "[unverified release]"),
    # ------------------------------------------------------------------ tools
    # Userspace tools follow the distribution userland of the kernel's generation; the release
    # named is the first kernel generation that shipped with that tool version.
    Change(
        "tool:procps.free_available",
        "3.10",
        None,
        "procps-ng 3.3.10 free: buff/cache and available columns (RHEL 7, kernel 3.10)",
        "before it procps 3.2.8: used includes buffers/cache, a -/+ buffers/cache line, no -h [unverified]",
    ),
    Change(
        "tool:procps.ng_vmstat",
        "3.10",
        None,
        "procps-ng 3.3 vmstat: '-system--' ruler, cache = Cached + SReclaimable, -t/-w (RHEL 7)",
        "before it procps 3.2.8 (RHEL 6): '--system--', cache = Cached [unverified release]",
    ),
    Change(
        "tool:procps.free_binary_units",
        "5.4",
        None,
        "procps-ng 3.3.16 free -h prints Ki/Mi/Gi (Ubuntu 20.04, kernel 5.4)",
        "[unverified release]",
    ),
    Change(
        "tool:procps.free_wide_label",
        "5.15",
        None,
        "procps-ng 3.3.17 free: label %-8s, header 15 spaces (Ubuntu 22.04, kernel 5.15)",
        "[unverified release]",
    ),
    Change(
        "tool:sysstat.kbavail",
        "4.15",
        None,
        "sysstat 11.6 sar -r prints kbavail (Ubuntu 18.04, kernel 4.15)",
        "[unverified release]",
    ),
    Change(
        "tool:sysstat.iostat_await_split",
        "3.10",
        None,
        "sysstat 10.x iostat -x: r_await/w_await, kB/s (RHEL 7); before it sysstat 9.0.4: rsec/s wsec/s",
        "[unverified release]",
    ),
    Change(
        "tool:sysstat.iostat_new_layout",
        "4.15",
        None,
        "sysstat 11.6 iostat -x: r/s w/s first, aqu-sz, rareq-sz/wareq-sz, %rrqm (Ubuntu 18.04)",
        "[unverified release]",
    ),
    Change(
        "tool:sysstat.iostat_discard",
        "5.4",
        None,
        "sysstat 12.2 iostat -x: read/write/discard groups, no svctm (Ubuntu 20.04)",
        "[unverified release]",
    ),
    Change(
        "tool:sysstat.iostat_flush",
        "5.15",
        None,
        "sysstat 12.5 iostat -x: f/s f_await (Ubuntu 22.04)",
        "[unverified release]",
    ),
    Change(
        "tool:perf.report_lost_samples",
        "4.2",
        None,
        "perf report --stdio header '# Total Lost Samples:'",
        "[unverified release]",
    ),
    Change(
        "tool:perf.system_wide_banner",
        "4.2",
        None,
        "perf top header, shell/tracing.py",
        "[unverified release]",
    ),
)
