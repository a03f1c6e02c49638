"""Which kernel releases have which field: an independent list the invariant suite checks the
screen against (the game's own era table must agree with it, not the other way round).

Each entry is (first release, first release without it or None), with its source.  Where the
release is not certain the comment says so; those entries are only used one way (a field shown
before its release is an error) where the doubt could not matter for the incidents' kernels.
"""

from __future__ import annotations

Era = tuple[str, str | None]

# /proc/meminfo (fs/proc/meminfo.c; before 2.6.x the same in fs/proc/proc_misc.c)
MEMINFO: dict[str, Era] = {
    "MemAvailable": ("3.14", None),  # 34e431b0ae39 "/proc/meminfo: provide estimated available memory"
    "Active(anon)": ("2.6.28", None),  # 4f98a2fee8ac "vmscan: split LRU lists into anon & file sets"
    "Inactive(anon)": ("2.6.28", None),
    "Active(file)": ("2.6.28", None),
    "Inactive(file)": ("2.6.28", None),
    "Unevictable": ("2.6.28", None),  # 894bc310419a "Unevictable LRU Infrastructure"
    "Mlocked": ("2.6.28", None),
    "KernelStack": ("2.6.32", None),  # c6a7f5728a1d "mm: meminfo: show kernel stack usage"
    "HardwareCorrupted": ("2.6.32", None),  # 256a6d2e "HWPOISON: Add poison stats to /proc/meminfo"
    "AnonHugePages": ("2.6.38", None),  # 79134171df23 "thp: transparent hugepage vmstat"
    "CmaTotal": (
        "3.19",
        None,
    ),  # 47f8f9299ace "mm: cma: add functions to get region pages counters" (CONFIG_CMA)
    "CmaFree": ("3.19", None),
    "ShmemHugePages": ("4.8", None),  # 65c453778aea "mm, rmap: account shmem thp pages"
    "ShmemPmdMapped": ("4.8", None),
    "Percpu": ("4.16", None),  # 7e8a6304d541 "/proc/meminfo: add percpu populated pages count"
    "Hugetlb": (
        "4.17",
        None,
    ),  # fcb2b0c577f1 "hugetlb: show total hugetlb memory consumption" [release unverified]
    "KReclaimable": ("4.20", None),  # 61f94e18de94 "mm, proc: add KReclaimable to /proc/meminfo"
    "FileHugePages": ("5.4", None),  # 60fbf0ab5da1 "mm,thp: stats for file backed THP"
    "FilePmdMapped": ("5.4", None),
    "Zswap": ("5.19", None),  # f6498b776d28 "mm: zswap: add basic meminfo and vmstat coverage"
    "Zswapped": ("5.19", None),
    "SecPageTables": ("6.0", None),  # ebc97a52b5d6 "mm: add NR_SECONDARY_PAGETABLE ..."
    "Unaccepted": ("6.5", None),  # dcdfdd40fa82 "mm: Add support for unaccepted memory"
    "Quicklists": ("2.6.22", "5.5"),  # 13da1f8ed1c5 removed quicklists [release unverified]
}

# /proc/PID/status (fs/proc/array.c, fs/proc/task_mmu.c task_mem())
STATUS: dict[str, Era] = {
    "VmSwap": ("2.6.34", None),  # b084d4353ff9 "mm: count swap usage"
    "Cpus_allowed_list": ("2.6.26", None),
    "Mems_allowed_list": ("2.6.26", None),
    "VmPin": ("3.2", None),  # bc3e53f682d9 "mm: distinguish between mlocked and pinned pages"
    "Ngid": ("3.13", None),  # e14808b49f55 "mm: numa: Report NUMA group ID in /proc/PID/status"
    "VmPMD": ("4.0", "4.15"),  # dc6c9a35b66b added; removed by af5b0f6a09e4 [releases unverified]
    "NStgid": ("4.1", None),  # e4bc33245124 "proc: show locks in /proc/pid/fdinfo/X" series: NS* pids
    "NSpid": ("4.1", None),
    "NSpgid": ("4.1", None),
    "NSsid": ("4.1", None),
    "CapAmb": ("4.3", None),  # 58319057b784 "capabilities: ambient capabilities"
    "HugetlbPages": ("4.4", None),  # 5d317b2b6536 "mm: hugetlb: proc: add HugetlbPages field"
    "RssAnon": ("4.5", None),  # 8cee852ec53f "mm, procfs: breakdown RSS for anon, shmem and file"
    "RssFile": ("4.5", None),
    "RssShmem": ("4.5", None),
    "Umask": ("4.7", None),  # 3e42979e65db "procfs: expose umask in /proc/<PID>/status"
    "NoNewPrivs": ("4.10", None),  # af884cd4a5ae "proc: report no_new_privs state"
    "CoreDumping": ("4.15", None),  # c643401218be "mm, oom: ... /proc/PID/status CoreDumping"
    "Speculation_Store_Bypass": (
        "4.17",
        None,
    ),  # fae1fa0fc6cc "proc: Provide details on speculation flaw mitigations"
    "THP_enabled": ("5.0", None),  # 7635d9cbe832 "mm, thp, proc: report THP eligibility for each vma"
    "Seccomp_filters": ("5.9", None),  # c818c03b661c "seccomp: Report number of loaded filters"
    "SpeculationIndirectBranch": (
        "5.17",
        None,
    ),  # 7a6b5be3e "proc: ... indirect branch speculation" [unverified]
    "Kthread": ("6.0", None),  # ffb217a13a2e "fs/proc: add Kthread flag to /proc/$pid/status" [unverified]
    "untag_mask": ("6.4", None),  # x86 LAM, arch_proc_pid_thread_features [unverified]
    "x86_Thread_features": ("6.6", None),  # shadow stack feature report [unverified]
}

# Fields a release must show (a modern status/meminfo without them is wrong the other way).
MEMINFO_REQUIRED: dict[str, str] = {"MemAvailable": "3.14", "KReclaimable": "4.20", "Percpu": "4.16"}
STATUS_REQUIRED: dict[str, str] = {"RssAnon": "4.5", "RssFile": "4.5", "RssShmem": "4.5", "Umask": "4.7"}

# /proc/vmstat lines (mm/vmstat.c vmstat_text[]); see shared/reference/formats.md §5.2.
VMSTAT_PREFIX: dict[str, Era] = {
    "thp_": ("2.6.38", None),  # 79134171df23
    "nr_anon_transparent_hugepages": ("2.6.38", None),
    "workingset_": ("3.15", None),  # a528910e12ec "mm: thrash detection-based file cache sizing"
    "numa_pte_updates": (
        "3.8",
        None,
    ),  # 03c5a6e16322 "mm: numa: Add pte updates, hinting and migration stats"
    "numa_hint_faults": ("3.8", None),
    "numa_pages_migrated": ("3.8", None),
    "numa_huge_pte_updates": ("3.13", None),  # 72403b4a0fbd [release unverified]
    "pgscan_direct_throttle": (
        "3.6",
        None,
    ),  # 68243e76ee34 "mm: account for the number of times direct reclaimers get throttled"
    "thp_zero_page_alloc": (
        "3.8",
        None,
    ),  # d8a8e1f0da3d "thp, vmstat: implement HZP_ALLOC and HZP_ALLOC_FAILED events"
    "thp_split_page": ("4.5", None),  # 122afea9626a "mm, vmstats: new THP splitting event"
    "thp_split_pmd": ("4.5", None),
    "thp_deferred_split_page": ("4.5", None),
    "pglazyfreed": ("4.5", None),  # 854e9ed09ded "mm: support madvise(MADV_FREE)"
    "compact_daemon_wake": ("4.6", None),  # 698b1b30642f "mm, compaction: introduce kcompactd"
    "drop_pagecache": ("4.2", None),  # 5509a5d27b97 "drop_caches: add some documentation and info message"
    "drop_slab": ("4.2", None),
    "oom_kill": ("4.13", None),  # 8e675f7af507 "mm/oom_kill: count global and memory cgroup oom kills"
    "allocstall_": ("4.8", None),  # per-zone allocstall with the node LRU
    "pgscan_anon": (
        "5.8",
        None,
    ),  # 497a6c1b0990 "mm: keep track of scanned/stolen anon and file pages" [release unverified]
    "pgscan_file": ("5.8", None),
    "pgsteal_anon": ("5.8", None),
    "pgsteal_file": ("5.8", None),
    "nr_free_cma": ("3.7", None),  # d1ce749a0db1 "cma: count free CMA pages"
    "nr_dirty_threshold": (
        "2.6.37",
        None,
    ),  # c9e16b4aff "writeback: add nr_dirtied and nr_written to /proc/vmstat" era
}

# Exact lines that went away (the node-LRU conversion in 4.8 dropped the per-zone names).
VMSTAT_EXACT: dict[str, Era] = {
    "thp_split": ("2.6.38", "4.5"),  # replaced by thp_split_page/thp_split_pmd, 122afea9626a
    "allocstall": ("2.6.0", "4.8"),  # per-zone allocstall_<zone> from 4.8
    "pgscan_direct": ("4.8", None),  # 599d0c954f91 "mm, vmscan: move LRU lists to node"
    "pgscan_kswapd": ("4.8", None),
    "pgsteal_direct": ("4.8", None),
    "pgsteal_kswapd": ("4.8", None),
    "pgrefill": ("4.8", None),
    "workingset_refault": ("3.15", "5.9"),  # split into _anon/_file by 170b04b7ae49 (5.9)
    "workingset_activate": ("3.15", "5.9"),
    "workingset_refault_anon": ("5.9", None),
    "workingset_refault_file": ("5.9", None),
    "workingset_activate_anon": ("5.9", None),
    "workingset_activate_file": ("5.9", None),
}
# Per-zone reclaim lines, gone with the node LRU in 4.8 (599d0c954f91).  pgscan/pgrefill were
# per zone since 2.6; pgsteal was split into kswapd/direct in 3.4 [release unverified; a
# 2.6.32 /proc/vmstat has plain pgsteal_<zone>].
ZONED: dict[str, Era] = {
    "pgscan_direct_": ("2.6.0", "4.8"),
    "pgscan_kswapd_": ("2.6.0", "4.8"),
    "pgrefill_": ("2.6.0", "4.8"),
    "pgsteal_direct_": ("3.4", "4.8"),
    "pgsteal_kswapd_": ("3.4", "4.8"),
    "pgsteal_": ("2.6.0", "3.4"),
}
ZONES = ("dma", "dma32", "normal", "movable", "high")

# Functions in kernel call traces (the OOM report's stack, perf's symbols), by the release that
# has them under that name.
FUNCTIONS: dict[str, Era] = {
    "alloc_pages_mpol": (
        "6.7",
        None,
    ),  # ddc1a5cbc05d "mempolicy: alloc_pages_mpol() for NUMA policy without vma"
    "vma_alloc_folio": ("6.0", None),  # folio conversion of alloc_pages_vma [release unverified]
    "alloc_pages_vma": ("2.6.0", "6.0"),
    "dump_stack_lvl": (
        "5.13",
        None,
    ),  # 0105c15a3fa8 "lib/dump_stack: add dump_stack_lvl()" [release unverified]
    "__alloc_pages_nodemask": ("2.6.0", "5.13"),  # renamed __alloc_pages by 84172f4bb752
    "__get_page_tail": ("3.2", "3.19"),  # 70b50f94f1644 added it; the refcount rework removed it [unverified]
    "put_compound_page": ("2.6.0", "4.5"),  # removed with the THP refcount rework [unverified]
    "asm_exc_page_fault": ("5.8", None),  # idtentry conversion of the page fault [unverified]
    "exc_page_fault": ("5.8", None),
    "do_user_addr_fault": ("5.0", None),  # aa37c51b9421 split __do_page_fault [release unverified]
    "handle_mm_fault": ("2.6.0", None),
}


def in_era(version: tuple[int, int, int], era: Era) -> bool:
    from .invariants_lib import version_tuple

    lo, hi = era
    return version_tuple(lo) <= version and (hi is None or version < version_tuple(hi))


def vmstat_era(name: str) -> Era | None:
    if name in VMSTAT_EXACT:
        return VMSTAT_EXACT[name]
    for p, e in ZONED.items():
        if name.startswith(p) and name[len(p) :] in ZONES:
            return e
    best = None
    for p, era in VMSTAT_PREFIX.items():
        if name.startswith(p) and (best is None or len(p) > len(best[0])):
            best = (p, era)
    return best[1] if best else None
