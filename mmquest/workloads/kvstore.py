"""A latency-sensitive key-value store whose allocator keeps faulting in fresh huge-page ranges.

The store is a :class:`~.service.Service` (its page cache, CPU and disk).  On top of it, its
allocator purges freed runs with MADV_DONTNEED and faults fresh ones in, ``thp_fault_mb_s``
of anonymous memory a second, in huge-page-aligned 2 MB ranges.  Each such fault runs
:func:`mmquest.kernel.compaction.do_huge_pmd_anonymous_page` on the node's zone under the
machine's THP ``enabled`` and ``defrag`` settings: it takes a free pageblock, or compacts for
one (a stall), or falls back to small pages.  The purge returns small pages wherever they
were, so free pageblocks turn into scattered free pages: the fragmentation the next faults
compact against.  Page-cache turnover (``stream_mb_s``) makes pageblocks compactable again at
the rate cache-only blocks are rewritten.

A fault holds the process's mmap_sem for reading while it compacts; the allocator's own
mmap/munmap calls (``mmap_writes_s``) queue for writing behind it, and every other thread's
page fault queues behind that writer: a long stall freezes the whole store (the mmap_sem
convoy).  The frozen time sets p99 over a sliding window, as in the flash server.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING

from ..kernel.buddy import PAGEBLOCK_NR_PAGES, FreeArea
from ..kernel.compaction import CompactControl, ThpZone, do_huge_pmd_anonymous_page, khugepaged_scan
from ..kernel.machine import Machine
from .base import Indicators, Params
from .service import Service

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec

KHUGEPAGED_PERIOD_S = 10.0  # scan_sleep_millisecs
KHUGEPAGED_PAGES_TO_SCAN = 4096  # pages_to_scan: 8 huge-page ranges a pass
_OWN = {
    "thp_fault_mb_s",
    "madvised",
    "mmap_writes_s",
    "cache_only_share",
    "busy_share",
    "unmovable_share",
    "reclaimable_share",
    "free_block_share",
    "window_s",
}


class KvStore(Service):
    kind = "kvstore"

    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        raw = dict(spec.params)
        p = Params({k: raw.pop(k) for k in list(raw) if k in _OWN})
        self.fault_ranges_s = p.num("thp_fault_mb_s", 8.0, lo=0) / 2.0
        self.madvised = bool(p.int("madvised", 0, lo=0, hi=1))
        self.mmap_writes_s = p.num("mmap_writes_s", 40.0, lo=0)
        self.cache_only_share = p.num("cache_only_share", 0.05, lo=0, hi=1)
        self.busy_share = p.num("busy_share", 0.02, lo=0, hi=1)
        self.unmovable_share = p.num("unmovable_share", 0.02, lo=0, hi=1)
        self.reclaimable_share = p.num("reclaimable_share", 0.01, lo=0, hi=1)
        self.free_block_share = p.num("free_block_share", 0.0, lo=0, hi=1)
        self.window_s = p.num("window_s", 30.0, lo=1)
        p.check_unknown()
        super().__init__(replace(spec, params=raw), machine)
        self._faults_due = 0.0
        self._frozen_carry = 0.0  # a stall longer than a tick freezes the next ticks too
        self._khugepaged_due = KHUGEPAGED_PERIOD_S
        self._window: deque[tuple[float, float]] = deque()  # (seconds frozen, long stalls)
        self._setup_zone(machine, booted=False)

    # ------------------------------------------------------------------ the zone
    def _node(self, m: Machine) -> int:
        return int(max(range(m.nnodes), key=lambda z: self.cpu_nodes[z]))

    def _zone_free(self, m: Machine) -> float:
        """The node's free pages that sit in its Normal zone (what the fragmentation model holds)."""
        node = self._node(m)
        zones = [z for z in m.zones if z.node == node]
        normal = next(z for z in zones if z.name == "Normal")
        return float(m.free[node]) * normal.managed / max(sum(z.managed for z in zones), 1)

    def _setup_zone(self, m: Machine, booted: bool) -> None:
        node = self._node(m)
        normal = next(z for z in m.zones if z.node == node and z.name == "Normal")
        blocks = normal.managed / PAGEBLOCK_NR_PAGES
        free = self._zone_free(m)
        # A box up for weeks: its free memory is scattered; a fresh boot's is in whole blocks.
        whole = 1.0 if booted else self.free_block_share
        area = FreeArea(
            blocks=blocks,
            free_blocks=free * whole / PAGEBLOCK_NR_PAGES,
            scattered=free * (1.0 - whole),
            unmovable_blocks=blocks * self.unmovable_share,
            reclaimable_blocks=blocks * self.reclaimable_share,
        )
        low = (
            float(m.wm_low[node]) * normal.managed / max(sum(z.managed for z in m.zones if z.node == node), 1)
        )
        m.thp_zones[node] = ThpZone(
            area,
            clean_blocks=0.0,
            cc=CompactControl(),
            low_wmark=low,
            whole_share=self.cache_only_share,
            busy_blocks=blocks * self.busy_share,
        )

    def on_boot(self, m: Machine, now: float, boot_s: float) -> None:
        super().on_boot(m, now, boot_s)
        self._setup_zone(m, booted=True)
        self._window.clear()

    # ------------------------------------------------------------------ a tick
    def step(self, m: Machine, now: float, dt: float) -> None:
        super().step(m, now, dt)
        if not self.ind.up or self.task is None:
            return
        z = m.thp_zones[self._node(m)]
        self._sync(m, z, dt)
        frozen, long_stalls, stall_s, huge = self._faults(m, z, dt)
        self._khugepaged(m, z, dt)
        self._charge(m, stall_s, huge)
        self._window.append((frozen, long_stalls))
        while len(self._window) > int(self.window_s / dt):
            self._window.popleft()
        self.ind = self._indicators(dt, frozen)

    def _sync(self, m: Machine, z: ThpZone, dt: float) -> None:
        """Follow the machine's free memory (order-0 allocations and reclaim) and let page-cache
        turnover make blocks compactable again."""
        delta = self._zone_free(m) - z.area.free_pages
        if delta < 0:
            z.area.alloc_order0(-delta)
        else:
            z.area.free_scattered(delta)
        turnover = self.stream_pages_s * dt / PAGEBLOCK_NR_PAGES
        z.clean_blocks += turnover * self.cache_only_share
        z.busy_blocks = min(z.busy_blocks + turnover * self.busy_share, z.area.blocks * self.busy_share)
        z.clean_blocks = min(z.clean_blocks, z.area.partial_blocks * self.cache_only_share)

    def _faults(self, m: Machine, z: ThpZone, dt: float) -> tuple[float, float, float, float]:
        """This tick's huge-page-range faults: (seconds the store stood frozen, long stalls,
        seconds spent compacting, huge pages got)."""
        self._faults_due += self.fault_ranges_s * dt
        n = int(self._faults_due)
        self._faults_due -= n
        frozen = stall_s = huge = 0.0
        long_stalls = 0.0
        ev = m.ev
        for _ in range(n):
            r = do_huge_pmd_anonymous_page(
                z, m.version, m.thp_enabled or "never", m.thp_defrag or "never", self.madvised, m.rng, ev
            )
            if r is None or not r.huge:
                z.area.alloc_order0(PAGEBLOCK_NR_PAGES)  # 512 small pages instead
            m.trace.hit(m.fn_alloc, 1)
            if r is not None:
                m.cold[self._node(m)] = max(m.cold[self._node(m)] - r.reclaimed, 0.0)
                huge += 1.0 if r.huge else 0.0
                if r.stall_s > 0 or not r.huge:
                    m.trace.hit("__alloc_pages_slowpath", 1)
                if r.stall_s > 0:
                    m.trace.hit("compact_zone", 1, r.stall_s)
                stall_s += r.stall_s
                # A writer queues behind the stalled reader, everyone else behind the writer.
                p_convoy = 1.0 - math.exp(-self.mmap_writes_s * r.stall_s)
                frozen += r.stall_s * p_convoy + r.stall_s * (1.0 - p_convoy) / max(self.threads, 1)
                long_stalls += 1.0 if r.stall_s > 0.05 else 0.0
            z.area.free_scattered(PAGEBLOCK_NR_PAGES)  # the purged range the allocator gave back
            ev["pgfault"] += PAGEBLOCK_NR_PAGES
            ev["pgalloc_normal"] += PAGEBLOCK_NR_PAGES
            ev["pgfree"] += PAGEBLOCK_NR_PAGES + (r.reclaimed if r is not None else 0.0)
        return frozen, long_stalls, stall_s, huge

    def _khugepaged(self, m: Machine, z: ThpZone, dt: float) -> None:
        self._khugepaged_due -= dt
        if self._khugepaged_due > 0:
            return
        self._khugepaged_due += KHUGEPAGED_PERIOD_S
        ranges = KHUGEPAGED_PAGES_TO_SCAN / PAGEBLOCK_NR_PAGES
        cpu = khugepaged_scan(z, m.thp_enabled or "never", ranges, True, m.rng, m.ev)
        if cpu > 0:
            ran = m.perf.current
            m.perf.current = "khugepaged"
            m.perf.charge("[kernel]", "isolate_migratepages_range", cpu * 0.6)
            m.perf.charge("[kernel]", "compaction_alloc", cpu * 0.4)
            m.trace.hit("compact_zone", 1, cpu)
            m.perf.current = ran

    def _charge(self, m: Machine, stall_s: float, huge: float) -> None:
        if huge > 0:
            m.perf.charge("[kernel]", "clear_huge_page", huge * 512 * 2.5e-7)
        if stall_s <= 0:
            return
        p = m.perf.charge
        p("[kernel]", "isolate_migratepages_range", stall_s * 0.42)
        p("[kernel]", "_raw_spin_lock_irqsave", stall_s * 0.2)
        p("[kernel]", "compaction_alloc", stall_s * 0.12)
        p("[kernel]", "migrate_pages", stall_s * 0.08)
        p("[kernel]", "__reset_isolation_suitable", stall_s * 0.08)
        p("[kernel]", "PageHuge", stall_s * 0.06)
        p("[kernel]", "compact_zone", stall_s * 0.04)
        if self.task is not None:
            self.task.cpu_s += stall_s

    def _indicators(self, dt: float, frozen: float) -> Indicators:
        span = len(self._window) * dt
        total = sum(f for f, _ in self._window)
        events = sum(n for _, n in self._window)
        base = self.ind
        if total <= 1e-4 or span <= 0:
            self._frozen_carry = 0.0
            return base
        share = min(total / span, 1.0)
        mean = total / max(events, 1.0)
        p99 = base.p99_ms + 1e3 * mean * max(0.0, 1.0 - 0.01 / share)
        self._frozen_carry += frozen
        now = min(self._frozen_carry, dt)
        self._frozen_carry -= now
        tput = base.throughput * (1.0 - now / dt)
        return Indicators(tput, p99, base.up, base.hit_ratio, base.extra)
