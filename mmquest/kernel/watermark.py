"""Zone watermarks and the kswapd/direct-reclaim race at them (mm/page_alloc.c, mm/vmscan.c).

Names follow the kernel:

- :func:`init_per_zone_wmark_min` computes the default ``vm.min_free_kbytes``,
  ``sqrt(lowmem_kbytes * 16)`` clamped to [128, 65536] (the upper bound raised to 262144 by
  59d336bdf693, "mm/page_alloc.c: increase default min_free_kbytes bound", v5.7, inferred
  from its 2020 posting).
- :func:`set_recommended_min_free_kbytes` is what khugepaged does when it starts (THP
  ``enabled`` = always or madvise; f000565adb77 "thp: set recommended min free kbytes",
  v2.6.38): two pageblocks per populated zone plus MIGRATE_PCPTYPES² pageblocks for
  fragmentation avoidance, capped at 5 % of lowmem.  On a one-node 140 GB box that is
  16,896 pages = 67,584 kB, the figure behind 795ae7a0de6b's "16 MB" gap.
- :func:`__setup_per_zone_wmarks` splits ``min_free_kbytes`` over the zones by their
  managed pages and sets min/low/high.  Before 795ae7a0de6b ("mm: scale kswapd watermarks
  in proportion to memory", v4.6) low = min + min/4 and high = min + min/2; since then the
  gap is max(min/4, managed × watermark_scale_factor / 10000).
- :func:`balance_burst` steps one zone through a burst of allocations at fine resolution:
  an allocation below the low watermark wakes kswapd (``wakeup_kswapd``), kswapd reclaims
  up to the high watermark and sleeps, and allocations that would take the zone below
  min enter direct reclaim (``__alloc_pages_direct_reclaim``: allocstall, pgscan_direct)
  all together: the thundering herd the commit describes.

Quantities are 4 KiB pages (floats: the model is a fluid approximation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .era import has
from .version import KernelVersion

PAGE_KB = 4
PAGEBLOCK_ORDER = 9  # HUGETLB_PAGE_ORDER on x86_64: 2 MB pageblocks
PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER
MIGRATE_PCPTYPES = 3  # unmovable, movable, reclaimable
SWAP_CLUSTER_MAX = 32
DEFAULT_WATERMARK_SCALE_FACTOR = 10  # 0.1 % of memory (795ae7a0de6b)
WATERMARK_SCALE_FACTOR_MAX = 1000  # the sysctl's extra2 (10 %)
LOWMEM_RESERVE_RATIO = {"DMA": 256, "DMA32": 256, "Normal": 32}

# DMA and DMA32 on x86_64: the first 16 MB and the rest of the first 4 GB (less the PCI hole).
DMA_PAGES = 4095  # spanned: pfn 1 .. 4095
DMA_PRESENT = 3998
DMA32_SPAN_PAGES = 1044480  # pfn 4096 .. 1048575
DMA32_HOLE_PAGES = 262144  # the 1 GB PCI/firmware hole below 4 GB


@dataclass(frozen=True)
class Zone:
    """One zone of one node as /proc/zoneinfo shows it (page counts)."""

    node: int
    name: str
    start_pfn: int
    spanned: int
    present: int
    managed: int


@dataclass(frozen=True)
class Watermarks:
    min: int
    low: int
    high: int


def node_zones(node: int, node_pages: int, first_pfn: int = 0) -> list[Zone]:
    """The zones of a node of ``node_pages`` pages: node 0 starts with DMA and DMA32."""
    zones: list[Zone] = []
    if node == 0:
        reserved_dma = DMA_PRESENT - 3977  # the kernel keeps 21 pages of DMA for itself
        zones.append(Zone(0, "DMA", 1, DMA_PAGES, DMA_PRESENT, DMA_PRESENT - reserved_dma))
        dma32_present = max(min(node_pages - DMA_PAGES, DMA32_SPAN_PAGES) - DMA32_HOLE_PAGES, 0)
        if dma32_present > 0:
            managed = int(dma32_present * 0.985)  # struct pages, memblock reservations
            zones.append(Zone(0, "DMA32", 4096, DMA32_SPAN_PAGES, dma32_present, managed))
        normal = node_pages - DMA_PRESENT - dma32_present
        start = 1 << 20
    else:
        normal = node_pages
        start = first_pfn
    if normal > 0:
        zones.append(Zone(node, "Normal", start, normal, normal, int(normal * 0.985)))
    return zones


def machine_zones(nnodes: int, node_pages: int) -> list[Zone]:
    """Every zone of a box of ``nnodes`` nodes of ``node_pages`` pages each, in node order."""
    out: list[Zone] = []
    for n in range(nnodes):
        out += node_zones(n, node_pages, first_pfn=(1 << 20) + n * node_pages)
    return out


def init_per_zone_wmark_min(lowmem_kbytes: int, version: KernelVersion | str) -> int:
    """The boot-time default of vm.min_free_kbytes: int_sqrt(lowmem_kbytes * 16), clamped."""
    hi = 262144 if has("mech:min_free_kbytes_bound_256mb", version) else 65536
    return min(max(math.isqrt(int(lowmem_kbytes) * 16), 128), hi)


def set_recommended_min_free_kbytes(zones: list[Zone], min_free_kbytes: int) -> int:
    """khugepaged's start: raise min_free_kbytes for hugepage allocations (never lower it)."""
    nr_zones = sum(1 for z in zones if z.managed > 0)
    recommended = PAGEBLOCK_NR_PAGES * nr_zones * 2
    recommended += PAGEBLOCK_NR_PAGES * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES
    lowmem = sum(z.managed for z in zones)
    recommended = min(recommended, lowmem // 20)
    return max(min_free_kbytes, recommended * PAGE_KB)


def default_min_free_kbytes(zones: list[Zone], version: KernelVersion | str, thp_khugepaged: bool) -> int:
    """vm.min_free_kbytes as a freshly booted box reads it."""
    lowmem_kb = sum(z.managed for z in zones) * PAGE_KB
    v = init_per_zone_wmark_min(lowmem_kb, version)
    return set_recommended_min_free_kbytes(zones, v) if thp_khugepaged else v


def __setup_per_zone_wmarks(
    zones: list[Zone],
    min_free_kbytes: int,
    version: KernelVersion | str,
    watermark_scale_factor: int = DEFAULT_WATERMARK_SCALE_FACTOR,
) -> list[Watermarks]:
    """Each zone's min/low/high, in the order of ``zones`` (mm/page_alloc.c)."""
    scaled = has("mech:watermark_scale_factor", version)
    pages_min = min_free_kbytes // PAGE_KB
    lowmem_pages = sum(z.managed for z in zones) or 1
    out = []
    for z in zones:
        tmp = pages_min * z.managed // lowmem_pages
        wmin = tmp
        if scaled:
            gap = max(tmp >> 2, z.managed * watermark_scale_factor // 10000)
            out.append(Watermarks(wmin, wmin + gap, wmin + 2 * gap))
        else:
            out.append(Watermarks(wmin, wmin + (tmp >> 2), wmin + (tmp >> 1)))
    return out


def lowmem_reserve(zones: list[Zone]) -> list[tuple[int, ...]]:
    """setup_per_zone_lowmem_reserve(): each zone's protection against allocations that could
    have used a higher zone of its node (the ``protection:`` line of /proc/zoneinfo)."""
    names = ["DMA", "DMA32", "Normal", "Movable"]
    out = []
    for z in zones:
        same = {x.name: x for x in zones if x.node == z.node}
        i = names.index(z.name)
        row = []
        for j, _name in enumerate(names):
            if j <= i:
                row.append(0)
                continue
            above = sum(same[n].managed for n in names[i + 1 : j + 1] if n in same)
            row.append(above // LOWMEM_RESERVE_RATIO.get(z.name, 32))
        out.append(tuple(row))
    return out


# ---------------------------------------------------------------------- the race at the watermarks
# kswapd is one thread per node: it reclaims clean page cache at a bounded rate, and needs a
# few milliseconds from wakeup_kswapd() to running on a CPU (a sleeping kthread, woken by an
# allocation in interrupt or fault context).  Calibrated to a 2014 two-socket Xeon: a single
# reclaim thread frees clean page cache at roughly 2.3 GB/s.
KSWAPD_PAGES_PER_S = 600_000.0
KSWAPD_WAKE_S = 0.004
# A direct reclaimer runs shrink_zone() at DEF_PRIORITY first and loops to lower priorities:
# a page scanned costs about 0.5 us, and every concurrent reclaimer contends for the zone's
# lru_lock and the shrinker locks, so each one's stall grows with the herd.
DIRECT_SCAN_S_PER_PAGE = 5e-7
DIRECT_CALL_S = 2e-4  # one try_to_free_pages(): scan_control, zonelist walk, shrink_slab
HERD_CONTENTION = 0.35  # extra stall per other concurrent reclaimer, as a fraction of one's own


@dataclass
class ZoneState:
    """One zone's free pages and its kswapd, carried across bursts."""

    free: float
    kswapd_awake: bool = False
    kswapd_wake_at: float = -1.0
    clock: float = 0.0


@dataclass
class BurstStats:
    """What a stretch of allocations did to the counters and to the allocating threads."""

    allocated: float = 0.0
    slowpath: float = 0.0  # pages allocated with the zone below its low watermark
    allocstall: float = 0.0  # entries into direct reclaim (one per allocating thread per stall)
    pgscan_direct: float = 0.0
    pgsteal_direct: float = 0.0
    pgscan_kswapd: float = 0.0
    pgsteal_kswapd: float = 0.0
    kswapd_wakeups: float = 0.0
    kswapd_low_wmark_hit_quickly: float = 0.0
    stall_thread_s: float = 0.0  # thread-seconds spent in direct reclaim
    max_herd: float = 0.0  # the most threads in direct reclaim at once
    min_free: float = field(default=math.inf)


def direct_reclaim_stall_s(pages_each: float, herd: float) -> float:
    """Seconds one thread spends in __alloc_pages_direct_reclaim() when ``herd`` threads
    reclaim at once, each wanting ``pages_each``: its own scan, slowed by the others'."""
    batches = max(math.ceil(pages_each / SWAP_CLUSTER_MAX), 1)
    scanned = batches * SWAP_CLUSTER_MAX * 2.0  # the LRU tail is half referenced under a burst
    own = batches * DIRECT_CALL_S + scanned * DIRECT_SCAN_S_PER_PAGE
    return own * (1.0 + HERD_CONTENTION * max(herd - 1.0, 0.0))


def balance_burst(
    z: ZoneState,
    wm: Watermarks,
    alloc_pages_s: float,
    seconds: float,
    threads: int,
    reclaimable: float,
) -> BurstStats:
    """Allocate at ``alloc_pages_s`` for ``seconds`` from one zone (a box whose memory is full of
    clean page cache), event by event.

    Free memory falls at the allocation rate.  Below low, the allocation wakes kswapd
    (``wakeup_kswapd``), which runs KSWAPD_WAKE_S later at KSWAPD_PAGES_PER_S until free is
    back at high, then sleeps.  While the allocation rate beats kswapd, free reaches min and
    stays there: every allocating thread is in direct reclaim (``__alloc_pages_direct_reclaim``,
    one allocstall per SWAP_CLUSTER_MAX pages it frees), for as long as the burst outruns kswapd
    and then for one contended reclaim pass more.
    """
    st = BurstStats()
    t = 0.0
    herd_t = 0.0
    pool = max(reclaimable, 0.0)
    while t < seconds - 1e-12:
        _wakeup_kswapd(z, wm, alloc_pages_s, st)
        k = KSWAPD_PAGES_PER_S if z.kswapd_awake and pool > 0 else 0.0
        pinned = z.free <= wm.min + 1e-9 and alloc_pages_s > k
        net = 0.0 if pinned else k - alloc_pages_s
        dt = _next_event(z, wm, seconds - t, net)
        got_k = k * dt
        z.free += net * dt
        st.allocated += alloc_pages_s * dt
        if z.free <= wm.low + 1e-9:
            st.slowpath += alloc_pages_s * dt
        st.pgsteal_kswapd += got_k
        st.pgscan_kswapd += got_k * 1.3  # referenced pages at the tail get a second trip round the LRU
        pool -= got_k
        if pinned:
            pool -= _direct_reclaim(st, alloc_pages_s, k, dt)
            herd_t += dt
        if z.kswapd_awake and z.free >= wm.high - 1e-9:
            z.kswapd_awake = False  # prepare_kswapd_sleep(): balanced at the high watermark
        z.clock += dt
        t += dt
        st.min_free = min(st.min_free, z.free)
    if herd_t > 0:
        h = float(threads)
        st.max_herd = h
        # Every thread was in reclaim for the herd's length, and leaves it after one more pass
        # slowed by all the others on the same locks.
        st.stall_thread_s = h * (herd_t + direct_reclaim_stall_s(SWAP_CLUSTER_MAX, h))
    return st


def _wakeup_kswapd(z: ZoneState, wm: Watermarks, alloc_pages_s: float, st: BurstStats) -> None:
    """Below low an allocation wakes kswapd; KSWAPD_WAKE_S later it runs, unless free is
    already back at high (kswapd_low_wmark_hit_quickly)."""
    if alloc_pages_s > 0 and z.free <= wm.low + 1e-9 and not z.kswapd_awake and z.kswapd_wake_at < 0:
        z.kswapd_wake_at = z.clock + KSWAPD_WAKE_S
        st.kswapd_wakeups += 1
    if not z.kswapd_awake and 0 <= z.kswapd_wake_at <= z.clock + 1e-12:
        z.kswapd_wake_at = -1.0
        if z.free >= wm.high:
            st.kswapd_low_wmark_hit_quickly += 1
        else:
            z.kswapd_awake = True


def _next_event(z: ZoneState, wm: Watermarks, left: float, net: float) -> float:
    """Seconds until the next thing changes (at most ``left``): kswapd wakes, free memory
    crosses low or min on the way down, or reaches high on the way up."""
    dt = left
    if z.kswapd_wake_at >= 0:
        dt = min(dt, max(z.kswapd_wake_at - z.clock, 0.0))
    if net < 0:
        for mark in (wm.low, wm.min):
            if z.free > mark + 1e-9:
                dt = min(dt, (z.free - mark) / -net)
    elif net > 0 and z.kswapd_awake:
        dt = min(dt, max(wm.high - z.free, 0.0) / net)
    return max(dt, 1e-6)


def _direct_reclaim(st: BurstStats, alloc_pages_s: float, k: float, dt: float) -> float:
    """The pages the allocating threads reclaim themselves over ``dt`` while free is pinned at
    min (what kswapd does not give them), counted; returns them."""
    direct = (alloc_pages_s - k) * dt
    st.pgsteal_direct += direct
    st.pgscan_direct += direct * 2.0  # the LRU tail is half referenced under a burst
    st.allocstall += direct / SWAP_CLUSTER_MAX
    return direct


# A name that can be called from inside a class body (``__x`` there would be name-mangled).
setup_per_zone_wmarks = __setup_per_zone_wmarks
