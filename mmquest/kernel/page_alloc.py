"""The page allocator (mm/page_alloc.c): the zonelist walk, node_reclaim on the way, the slow path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .vmscan import NODE_RECLAIM_CALL_S, RECLAIM_S_PER_PAGE, SCAN_S_PER_PAGE, SWAP_CLUSTER_MAX

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all

PAGE_SIZE = 4096
PAGES_PER_MB = 256
FAULT_S_PER_PAGE = 1.2e-5  # CPU to read one page in: syscall, block layer, IRQ, copy, LRU insertion
ANON_FAULT_S_PER_PAGE = 9e-7  # zero-fill fault
# Pages per second per node a server allocates in the background (6 MB/s: softirq network
# buffers, slab, short-lived processes); an estimate, not a measurement.
BACKGROUND_PAGES_PER_S = 1500.0


@dataclass
class AllocResult:
    per_node: np.ndarray
    cost_s: float = 0.0  # CPU time the allocating task spent in reclaim
    reclaim_calls: float = 0.0
    failed: float = 0.0


class PageAlloc(_Machine):
    """Allocation paths: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def _count(self, z: int, preferred: int, cpu_node: int, nr: float, interleave: bool = False) -> None:
        self.ev["pgalloc_normal"] += nr  # __count_zid_vm_events(PGALLOC): not switched off by numa_stat
        if self.sysctl.get("vm.numa_stat", 1) == 0:
            return
        # zone_statistics() counts whole pages, each in one hit/miss and one local/other
        # counter (and a miss in the preferred node's foreign): the fluid model's fraction
        # of a page waits for the next allocation, so every identity holds exactly.
        self.numa_carry += nr
        pages = math.floor(self.numa_carry)
        if pages <= 0:
            return
        self.numa_carry -= pages
        if z == preferred:
            self.numa["numa_hit"][z] += pages
            if interleave:
                self.numa["interleave_hit"][z] += pages
        else:
            self.numa["numa_miss"][z] += pages
            self.numa["numa_foreign"][preferred] += pages
        if z == cpu_node:
            self.numa["local_node"][z] += pages
        else:
            self.numa["other_node"][z] += pages

    def memblock_free_all(self) -> None:
        """mem_init(): the boot hands the pages nobody holds to the buddy allocator, each one
        freed once (PGFREE).  What the box holds when its clock starts (kernel, slab, the page
        cache it built, the hugetlb pool, the system's processes) is the model's boot state,
        held from before the allocator counted: it is not handed over, nor counted as
        allocated, so pgfree - pgalloc starts as the free memory."""
        self.ev["pgfree"] += float(self.free.sum())

    def count_alloc(self, per_node: np.ndarray, cpu_node: int | None = None) -> None:
        """Count pages a workload's own fault model placed (``per_node``), as the allocator
        counts every page it hands out: pgalloc, and the NUMA counters (local to their node
        unless ``cpu_node`` says which node's CPU faulted them)."""
        for z in np.nonzero(per_node > 0)[0]:
            src = int(z) if cpu_node is None else cpu_node
            self._count(int(z), src, src, float(per_node[z]))

    def get_page_from_freelist(
        self,
        cpu_node: int,
        nr: float,
        kind: str = "file",
        preferred: int | None = None,
        atomic: bool = False,
        tasks: float = 1.0,
    ) -> AllocResult:
        """Allocate ``nr`` order-0 pages for ``tasks`` tasks running on ``cpu_node`` at once.

        The fast path walks the zonelist against the low watermark and calls
        node_reclaim() where zone_reclaim_mode allows; what is left goes to the slow
        path (wake kswapd, min watermark, direct reclaim).  An ``atomic`` allocation
        (GFP_ATOMIC: interrupts, network buffers) may not sleep: node_reclaim() answers
        NODE_RECLAIM_NOSCAN and there is no direct reclaim; what finds no free page fails.
        Of several ``tasks``, one at a time reclaims the node; the others spill to the next zone.
        """
        pref = cpu_node if preferred is None else preferred
        res = AllocResult(per_node=np.zeros(self.nnodes))
        remaining = float(nr)
        if remaining <= 0:
            return res
        free = self.free
        mode = self.zone_reclaim_mode
        hit = self.trace.hit
        hit(self.fn_alloc, remaining)
        hit("get_page_from_freelist", remaining)
        # __zone_watermark_ok(): ALLOC_HIGH and ALLOC_HARDER let an atomic allocation take the
        # low watermark down by a half and another quarter.
        mark = self.wm_low * 0.25 if atomic else self.wm_low
        for z in self.zonelist[pref]:
            hit("zone_watermark_ok", remaining)  # every allocation still looking checks this zone
            take = min(remaining, max(free[z] - mark[z], 0.0))
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take, interleave=preferred is not None)
                if z != pref:
                    hit("get_page_from_freelist:remote", take)
                remaining -= take
            if remaining <= 0:
                break
            if atomic or mode == 0 or self.distance[pref, z] > self.reclaim_distance:
                continue
            if z != cpu_node:  # NODE_RECLAIM_NOSCAN: a node with CPUs that is not ours
                continue
            got = self.node_reclaim(z, remaining, res, tasks)
            take = min(remaining, got)
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take, interleave=preferred is not None)
                remaining -= take
            if remaining <= 0:
                break
        if remaining > 0 and not atomic:
            remaining = self._slowpath(cpu_node, pref, remaining, res, free, kind)
        return res

    def background_allocs(self, dt: float) -> None:
        """What every box allocates and frees all the time besides its workloads: network
        buffers in softirq, short-lived slab objects, cron jobs.  Atomic allocations on each
        node's CPUs, freed within the tick: they keep numa_hit/local_node, pgalloc and pgfree
        moving on a box up for days (and spill remote, numa_miss, when a node is full)."""
        for z in range(self.nnodes):
            res = self.get_page_from_freelist(z, BACKGROUND_PAGES_PER_S * dt, "slab", atomic=True)
            self.ev["pgfree"] += float(res.per_node.sum())

    def _slowpath(
        self,
        cpu_node: int,
        pref: int,
        remaining: float,
        res: AllocResult,
        free: np.ndarray,
        kind: str,
    ) -> float:
        self._kswapd_woken[self.zonelist[pref]] = True
        hit = self.trace.hit
        hit("__alloc_pages_slowpath", remaining)
        hit("wakeup_kswapd", remaining)
        hit("get_page_from_freelist", remaining)
        for z in self.zonelist[pref]:
            if remaining <= 0:
                break
            hit("zone_watermark_ok", remaining)
            take = min(remaining, max(free[z] - self.wm_min[z], 0.0))
            if take > 0:
                res.per_node[z] += take
                free[z] -= take
                self._count(z, pref, cpu_node, take)
                if z != pref:
                    hit("get_page_from_freelist:remote", take)
                remaining -= take
        if remaining <= 0:
            return 0.0
        # Direct reclaim (try_to_free_pages) on the preferred node: allocstall.
        calls = math.ceil(remaining / SWAP_CLUSTER_MAX)
        self.ev["allocstall"] += calls
        reclaimed, scanned = self.shrink_node(pref, remaining, may_unmap=True, may_write=True)
        self.ev["pgscan_direct_normal"] += scanned
        self.ev["pgsteal_direct_normal"] += reclaimed
        cost = calls * NODE_RECLAIM_CALL_S + scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE
        res.cost_s += cost
        self._charge_reclaim(calls, scanned, reclaimed, "try_to_free_pages")
        hit("try_to_free_pages", calls, cost)
        self._trace_shrink(calls, scanned, reclaimed)
        take = min(remaining, reclaimed)
        res.per_node[pref] += take
        self._count(pref, pref, cpu_node, take)
        return remaining - take

    def add_file_pages(
        self, cpu_node: int, pages: float, kind: str = "cold", tasks: float = 1.0
    ) -> AllocResult:
        """Page-cache pages that nobody will read again soon: read in (``kind`` "cold": backups
        read once) or written (``kind`` "write": logs, checkpoints), which makes them dirty until
        the flusher writes them out (writeback.py counts pgpgout then)."""
        res = self.get_page_from_freelist(cpu_node, pages, "file", tasks=tasks)
        if kind == "write":
            self.dirty_pages_added(res.per_node)
        else:
            self.cold += res.per_node
            self.ev["pgpgin"] += res.per_node.sum() * 4
        return res
