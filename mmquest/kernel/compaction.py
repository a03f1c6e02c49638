"""Memory compaction and the transparent-huge-page fault path (mm/compaction.c, mm/huge_memory.c).

- :func:`compact_zone` runs the two scanners over a zone (:class:`~.buddy.FreeArea`): the
  migrate scanner walks pageblocks from the zone's start until it finds one whose pages it
  can all move, the free scanner walks from the end for free pages to move them into.  The
  cost is the memory scanned: on a zone with no block left to empty, synchronous compaction
  walks all of it, waiting on every locked or writeback page on the way, which on 128 GB is
  "O(seconds) for a single thp fault" (75f30861a12a).
- :func:`try_to_compact_pages` is the allocator's entry point (compact_stall, compact_fail,
  compact_success) with the deferral of 4f92e2586b43 ("mm: compaction: defer compaction using
  an exponential backoff when compaction fails", v2.6.39): after a failure the next
  1, 2, 4 ... 64 attempts at that order skip compaction.
- :func:`do_huge_pmd_anonymous_page` is a THP fault under the ``defrag`` setting and the
  kernel's history: before 75f30861a12a (v3.16) a fault ran asynchronous and then synchronous
  compaction; after it, asynchronous only; 444eb2a449ef (v4.6) redefined the knob (always /
  defer / madvise / never, madvise the new default: only MADV_HUGEPAGE regions stall), and
  21440d7eb904 (v4.11) added defer+madvise.
- :func:`khugepaged_scan` collapses small pages into huge pages in the background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .buddy import PAGEBLOCK_NR_PAGES, FreeArea
from .era import has
from .version import KernelVersion

COMPACT_MAX_DEFER_SHIFT = 6
HPAGE_PMD_ORDER = 9

# Physical costs, calibrated once to a 2014 Xeon.  isolate_migratepages() checks each pfn
# (PageBuddy, PageLRU, page_count, the zone's lru_lock every SWAP_CLUSTER_MAX pages): ~40 ns
# a page.  Synchronous migration waits on page locks and writeback (wait_on_page_writeback,
# lock_page) for the pages it meets in use: a pageblock it cannot empty costs it
# more (~40 ns), which puts a whole 128 GB zone at 2-3 s.  Migrating a page (unmap, copy 4 KiB, remap,
# TLB flush) costs ~1.5 us.  Asynchronous compaction skips pages it would have to wait for and
# gives up when the CPU is wanted elsewhere (need_resched, contended locks: a few ms on a busy box).
COMPACT_SCAN_S_PER_PAGE = 4e-8
SYNC_WAIT_S_PER_PAGE = 4e-8
MIGRATE_S_PER_PAGE = 1.5e-6
ASYNC_BUDGET_S = 0.004
ASYNC_SKIP_SHARE = 0.5  # of the blocks sync compaction could empty, async finds half without a locked page


def defrag_values(version: KernelVersion | str) -> tuple[str, ...]:
    """The values /sys/kernel/mm/transparent_hugepage/defrag accepts on ``version`` (era.py)."""
    out = ["always"]
    if has("mech:thp_defrag_defer", version):
        out.append("defer")
    if has("mech:thp_defrag_defer_madvise", version):
        out.append("defer+madvise")
    return (*out, "madvise", "never")


def default_defrag(version: KernelVersion | str) -> str:
    return "madvise" if has("mech:thp_defrag_default_madvise", version) else "always"


def defrag_file(version: KernelVersion | str, value: str) -> str:
    """What reading the defrag file prints: the choices, the current one in brackets."""
    return " ".join(f"[{x}]" if x == value else x for x in defrag_values(version))


@dataclass
class CompactControl:
    """A zone's deferral state (zone->compact_considered, compact_defer_shift, compact_order_failed)."""

    considered: int = 0
    defer_shift: int = 0
    order_failed: int = 99


def compaction_deferred(cc: CompactControl, order: int) -> bool:
    if order < cc.order_failed:
        return False
    limit = 1 << cc.defer_shift
    cc.considered = min(cc.considered + 1, limit)
    return cc.considered < limit


def defer_compaction(cc: CompactControl, order: int) -> None:
    cc.considered = 0
    cc.defer_shift = min(cc.defer_shift + 1, COMPACT_MAX_DEFER_SHIFT)
    cc.order_failed = min(cc.order_failed, order)


def compaction_defer_reset(cc: CompactControl, order: int) -> None:
    cc.considered = 0
    cc.defer_shift = 0
    if order >= cc.order_failed:
        cc.order_failed = order + 1


def fragmentation_index(area: FreeArea, order: int) -> int:
    """__fragmentation_index() x 1000: -1000 when a free block of ``order`` exists; towards 0 the
    failure is for lack of memory, towards 1000 for fragmentation."""
    from .buddy import free_area_counts

    counts = free_area_counts(area)
    total_blocks = sum(counts)
    if total_blocks == 0:
        return 0
    if sum(counts[order:]) > 0:
        return -1000
    free_pages = sum(c << k for k, c in enumerate(counts))
    return int(1000 - (1000 + free_pages * 1000 // (1 << order)) / total_blocks)


@dataclass
class CompactResult:
    success: bool
    migrate_scanned: float
    free_scanned: float
    migrated: float
    cost_s: float
    skipped: bool = False


def compact_zone(
    area: FreeArea, clean_blocks: float, sync: bool, rng: np.random.Generator
) -> tuple[CompactResult, float]:
    """Compact ``area`` until one pageblock is free (or the scanners meet).

    ``clean_blocks``: partly used pageblocks whose pages can all be moved.  Returns the
    result and the clean blocks left.
    """
    partial = area.partial_blocks
    p = clean_blocks / partial if partial > 0 else 0.0
    if not sync:
        p *= ASYNC_SKIP_SHARE
    # Blocks the migrate scanner visits before it empties one: 1/p on average (geometric in p;
    # the fluid model takes the mean), at most the zone.
    n = 1.0 / p if p > 0 else math.inf
    success = n <= partial and area.scattered >= PAGEBLOCK_NR_PAGES
    blocks = min(n, partial)
    phi = area.phi
    scanned = blocks * PAGEBLOCK_NR_PAGES
    used = PAGEBLOCK_NR_PAGES * (1.0 - phi)
    migrated = used if success else 0.0
    free_scanned = migrated / max(phi, 1e-3)
    cost = (scanned + free_scanned) * COMPACT_SCAN_S_PER_PAGE + migrated * MIGRATE_S_PER_PAGE
    if sync:  # waits on the pages of every block it could not empty
        cost += (blocks - (1 if success else 0)) * used * SYNC_WAIT_S_PER_PAGE
    elif cost > ASYNC_BUDGET_S:  # async gives up when the CPU is wanted: need_resched()
        frac = ASYNC_BUDGET_S / cost
        scanned *= frac
        success, migrated, free_scanned, cost = False, 0.0, free_scanned * frac, ASYNC_BUDGET_S
    if success:
        area.scattered -= PAGEBLOCK_NR_PAGES
        area.free_blocks += 1.0
        clean_blocks = max(clean_blocks - 1.0, 0.0)
    return CompactResult(success, scanned, free_scanned, migrated, cost), clean_blocks


@dataclass
class ThpZone:
    """What the THP fault path needs of a zone: its free lists, the blocks compaction could
    empty, its deferral state and its low watermark."""

    area: FreeArea
    clean_blocks: float
    cc: CompactControl
    low_wmark: float
    # Of the pages freed en masse (drop_caches), the share that filled pageblocks alone
    # (cache-only blocks): they come back as whole free pageblocks.
    whole_share: float = 0.0
    # Movable blocks holding dirty or writeback pages: the fault path's light-sync migration
    # cannot empty them, a full compaction (compact_memory, MIGRATE_SYNC) can.
    busy_blocks: float = 0.0


def try_to_compact_pages(
    z: ThpZone, order: int, sync: bool, rng: np.random.Generator, ev: dict[str, float]
) -> CompactResult:
    """Direct compaction for one allocation of ``order`` (counts compact_* in ``ev``)."""
    if compaction_deferred(z.cc, order):
        return CompactResult(False, 0.0, 0.0, 0.0, 0.0, skipped=True)
    # compaction_suitable(): not worth it below the low watermark plus twice the request
    if z.area.free_pages < z.low_wmark + (2 << order):
        return CompactResult(False, 0.0, 0.0, 0.0, 0.0, skipped=True)
    ev["compact_stall"] = ev.get("compact_stall", 0.0) + 1
    res, z.clean_blocks = compact_zone(z.area, z.clean_blocks, sync, rng)
    _count(ev, res)
    if res.success:
        ev["compact_success"] = ev.get("compact_success", 0.0) + 1
        compaction_defer_reset(z.cc, order)
    else:
        ev["compact_fail"] = ev.get("compact_fail", 0.0) + 1
        if sync:  # async compaction looks at a subset of the blocks: only a sync failure defers
            defer_compaction(z.cc, order)
    return res


def _count(ev: dict[str, float], res: CompactResult) -> None:
    ev["compact_migrate_scanned"] = ev.get("compact_migrate_scanned", 0.0) + res.migrate_scanned
    ev["compact_free_scanned"] = ev.get("compact_free_scanned", 0.0) + res.free_scanned
    ev["compact_isolated"] = ev.get("compact_isolated", 0.0) + 2 * res.migrated
    ev["pgmigrate_success"] = ev.get("pgmigrate_success", 0.0) + res.migrated


@dataclass
class FaultResult:
    huge: bool  # got a huge page
    stall_s: float  # time the faulting thread spent in compaction and reclaim
    wake_kcompactd: bool = False
    reclaimed: float = 0.0  # pages direct reclaim freed (page cache the caller's machine loses)


def thp_direct_compaction(defrag: str, madvised: bool) -> bool:
    """alloc_hugepage_direct_gfpmask(): may this fault stall in direct compaction?"""
    if defrag == "always":
        return True
    if defrag in ("madvise", "defer+madvise"):
        return madvised
    return False


def do_huge_pmd_anonymous_page(
    z: ThpZone,
    version: KernelVersion | str,
    enabled: str,
    defrag: str,
    madvised: bool,
    rng: np.random.Generator,
    ev: dict[str, float],
) -> FaultResult | None:
    """One anonymous fault of a huge-page-aligned range.  None: THP does not apply here
    (``enabled`` never, or madvise without MADV_HUGEPAGE): the fault maps a small page."""
    if enabled == "never" or (enabled == "madvise" and not madvised):
        return None
    if z.area.alloc_pageblock():
        ev["thp_fault_alloc"] = ev.get("thp_fault_alloc", 0.0) + 1
        return FaultResult(True, 0.0)
    stall = reclaimed = 0.0
    if thp_direct_compaction(defrag, madvised):
        res = try_to_compact_pages(z, HPAGE_PMD_ORDER, False, rng, ev)
        stall += res.cost_s
        if not res.success and has("mech:thp_fault_sync_compaction", version):
            # __alloc_pages_slowpath(): direct reclaim until compaction is worth trying, then
            # compaction again with sync migration (until 75f30861a12a)
            reclaimed, cost = _direct_reclaim_for_compaction(z, HPAGE_PMD_ORDER, ev)
            stall += cost
            res = try_to_compact_pages(z, HPAGE_PMD_ORDER, True, rng, ev)
            stall += res.cost_s
        if res.success and z.area.alloc_pageblock():
            ev["thp_fault_alloc"] = ev.get("thp_fault_alloc", 0.0) + 1
            return FaultResult(True, stall, reclaimed=reclaimed)
    ev["thp_fault_fallback"] = ev.get("thp_fault_fallback", 0.0) + 1
    return FaultResult(False, stall, defrag in ("defer", "defer+madvise"), reclaimed)


DIRECT_RECLAIM_S_PER_PAGE = 1.3e-6  # scan (two pages a page freed) and free, as in kernel/watermark.py


def _direct_reclaim_for_compaction(z: ThpZone, order: int, ev: dict[str, float]) -> tuple[float, float]:
    """__alloc_pages_direct_reclaim() for a high-order request: free page cache until the zone
    is above low + 2 << order, so that compaction_suitable() lets compaction run."""
    short = z.low_wmark + (2 << order) - z.area.free_pages
    if short <= 0:
        return 0.0, 0.0
    short = math.ceil(short / 32 + 1) * 32  # whole SWAP_CLUSTER_MAX batches: it overshoots a little
    z.area.free_scattered(short)
    ev["allocstall"] = ev.get("allocstall", 0.0) + 1
    ev["pgscan_direct_normal"] = ev.get("pgscan_direct_normal", 0.0) + 2 * short
    ev["pgsteal_direct_normal"] = ev.get("pgsteal_direct_normal", 0.0) + short
    return short, short * DIRECT_RECLAIM_S_PER_PAGE


def kcompactd(z: ThpZone, budget_s: float, rng: np.random.Generator, ev: dict[str, float]) -> float:
    """Background compaction (kcompactd, 698b1b30642f, v4.6; kswapd's compaction before it):
    empties pageblocks for up to ``budget_s`` of its own CPU.  Returns the CPU it used."""
    used = 0.0
    while used < budget_s and z.clean_blocks >= 1.0 and z.area.scattered >= PAGEBLOCK_NR_PAGES:
        res, z.clean_blocks = compact_zone(z.area, z.clean_blocks, True, rng)
        _count(ev, res)
        used += res.cost_s
        if not res.success:
            break
    return used


def compact_nodes(z: ThpZone, ev: dict[str, float]) -> float:
    """echo 1 > /proc/sys/vm/compact_memory: every zone compacted through, synchronously.

    Empties every block it can (as many as the scattered free pages allow) and walks the
    whole zone doing it.  Returns the CPU seconds it took.
    """
    a = z.area
    n = min(z.clean_blocks + z.busy_blocks, a.scattered / PAGEBLOCK_NR_PAGES)
    used = PAGEBLOCK_NR_PAGES * (1.0 - a.phi)
    moved = n * used
    a.scattered -= n * PAGEBLOCK_NR_PAGES
    a.free_blocks += n
    # The migrate scanner walks from the zone's start and empties the first n blocks it can:
    # clean and busy ones in the proportion they are spread through the zone (not the cheap
    # ones first, as the fault path's scanner would find them).
    emptiable = z.clean_blocks + z.busy_blocks
    from_clean = n * z.clean_blocks / emptiable if emptiable > 0 else 0.0
    z.clean_blocks -= from_clean
    z.busy_blocks = max(z.busy_blocks - (n - from_clean), 0.0)
    scanned = a.blocks * PAGEBLOCK_NR_PAGES
    res = CompactResult(n > 0, scanned, moved / max(a.phi, 1e-3), moved, 0.0)
    _count(ev, res)
    return scanned * COMPACT_SCAN_S_PER_PAGE + moved * MIGRATE_S_PER_PAGE


def khugepaged_scan(
    z: ThpZone,
    enabled: str,
    collapse: float,
    khugepaged_defrag: bool,
    rng: np.random.Generator,
    ev: dict[str, float],
) -> float:
    """One khugepaged pass: try to collapse ``collapse`` huge-page ranges of small pages.
    Returns khugepaged's own CPU for the pass (compaction, when its defrag is on, included)."""
    if enabled == "never":
        return 0.0
    cpu = 0.0
    for _ in range(int(collapse)):
        ok = z.area.alloc_pageblock()
        if not ok and khugepaged_defrag:
            res = try_to_compact_pages(z, HPAGE_PMD_ORDER, True, rng, ev)
            cpu += res.cost_s
            ok = res.success and z.area.alloc_pageblock()
        key = "thp_collapse_alloc" if ok else "thp_collapse_alloc_failed"
        ev[key] = ev.get(key, 0.0) + 1
        if ok:  # the 512 small pages it copied from go back to the free lists, scattered
            z.area.free_scattered(PAGEBLOCK_NR_PAGES)
    return cpu
