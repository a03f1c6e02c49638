# A mixin of Machine: its methods take ``self: Machine``, which mypy accepts only when the self type
# is a supertype of the mixin (or a Protocol); the check at each def is the one silenced here.
# mypy: disable-error-code="misc"
"""Reclaim (mm/vmscan.c): shrink_node, node_reclaim inline in the allocation, kswapd, drop_caches."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    from .lru import LruMemo
    from .machine import Machine
    from .page_alloc import AllocResult

SWAP_CLUSTER_MAX = 32
NODE_RECLAIM_PRIORITY = 4
RECLAIM_ZONE, RECLAIM_WRITE, RECLAIM_UNMAP = 1, 2, 4

# Physical costs (seconds of CPU per event).  Calibrated once so that a node reclaim
# pass on a 2014 Xeon costs what the 4f9b16a64753 discussion describes: tens of
# microseconds per call, a few hundred nanoseconds per page scanned.
NODE_RECLAIM_CALL_S = 6.0e-5  # a zone_reclaim() pass: scan_control, shrink_zone over the LRU lists, slab
SCAN_S_PER_PAGE = 5e-7
RECLAIM_S_PER_PAGE = 8e-7  # __remove_mapping under the mapping's tree_lock, freeing
LRU_LOCK_HOLD_S = 3e-7  # zone->lru_lock held per page isolated and put back
# Pages a node_reclaim() pass at NODE_RECLAIM_PRIORITY examines at the LRU tail (a coarse
# stand-in for one isolation batch of shrink_inactive_list).  __node_reclaim() repeats the
# pass while nothing was reclaimed and --priority >= 0, each pass scanning twice as much
# (lru_size >> priority): a call fails only if every page of all five passes was referenced.
NODE_RECLAIM_SCAN_BATCH = 12
NODE_RECLAIM_SCAN_PAGES = NODE_RECLAIM_SCAN_BATCH * sum(2**k for k in range(NODE_RECLAIM_PRIORITY + 1))
KSWAPD_PAGES_PER_S = 600_000
# What one __node_reclaim() call is assumed to cost before the node has reclaimed anything.
NODE_RECLAIM_CALL_EST_S = NODE_RECLAIM_CALL_S + SWAP_CLUSTER_MAX * (SCAN_S_PER_PAGE + RECLAIM_S_PER_PAGE)


class Vmscan:
    """Reclaim: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def reclaim_bits(self: Machine, mode: int) -> tuple[bool, bool]:
        """(may_unmap, may_write) of a node reclaim under vm.zone_reclaim_mode = ``mode``, with the
        bits as the booted kernel numbers them (era.zone_reclaim_bits: shifted in 5.8-5.11)."""
        write_bit, unmap_bit = self.zone_reclaim_bit_values
        return bool(mode & unmap_bit), bool(mode & write_bit)

    def node_pagecache_reclaimable(self: Machine, z: int, mode: int) -> float:
        """node_pagecache_reclaimable(): NR_FILE_PAGES with RECLAIM_UNMAP, else the unmapped file
        pages; without RECLAIM_WRITE the dirty ones do not count.  Pages under writeback are in
        NR_FILE_PAGES but reclaim cannot take them until their I/O ends."""
        may_unmap, may_write = self.reclaim_bits(mode)
        file_lru = self.cold[z] + self.dirty[z] + sum(f.res[:, z].sum() for f in self.filesets)
        if may_unmap:
            pc = file_lru + self.mapped_pages()[z]
        else:
            pc = max(file_lru - sum(f.res[:, z].sum() for f in self.filesets if f.mapped), 0.0)
        if not may_write:
            pc = max(pc - self.dirty[z], 0.0)
        return cast(float, pc)

    def shrink_node(
        self: Machine, z: int, nr: float, may_unmap: bool, may_write: bool, memo: LruMemo | None = None
    ) -> tuple[float, float]:
        """Evict up to ``nr`` pages from node z's file LRU.  Returns (reclaimed, scanned)."""
        nr = max(float(nr), 0.0)
        reclaimed = scanned = 0.0
        c = min(self.cold[z], nr)
        self.cold[z] -= c
        reclaimed += c
        scanned += c
        left = nr - c
        if left > 0:
            pages, pref, fidx, cidx = self._eviction_order(z, may_unmap, memo)
            if pages.size:
                cum = np.cumsum(pages)
                k = min(int(np.searchsorted(cum, left)) + 1, pages.size)
                evict = pages[:k].copy()
                evict[-1] -= max(cum[k - 1] - left, 0.0)
                evict = np.maximum(evict, 0.0)
                for f_i in sorted(set(fidx[:k].tolist())):  # (np.unique would pull in numpy.ma)
                    sel = fidx[:k] == f_i
                    self.filesets[int(f_i)].res[cidx[:k][sel], z] -= evict[sel]
                    np.maximum(self.filesets[int(f_i)].res[:, z], 0.0, out=self.filesets[int(f_i)].res[:, z])
                got = float(evict.sum())
                sc = float((evict / (1.0 - pref[:k])).sum())
                self.ev["pgactivate"] += sc - got
                self.ev["workingset_shadow"] += got
                reclaimed += got
                scanned += sc
        if may_write and self.dirty[z] > 0 and reclaimed < nr:
            # pageout(): the dirty pages at the tail are written out, not freed: they are under
            # writeback now and come back as clean cache when the I/O ends (writeback.py).
            d = self.start_writeback(z, nr - reclaimed)
            scanned += d
            self.ev["nr_vmscan_write"] += d
        if may_unmap and reclaimed < nr:  # shrink_list(LRU_INACTIVE_ANON): anonymous pages to swap
            s = self.swap_out(z, nr - reclaimed)
            reclaimed += s
            scanned += s
        self.ev["pgfree"] += reclaimed
        self._reclaimed_tick[z] += reclaimed
        return reclaimed, scanned

    def node_reclaim(self: Machine, z: int, nr: float, res: AllocResult, tasks: float = 1.0) -> float:
        """zone_reclaim()/node_reclaim(): reclaim on the local node inline in the allocation.

        ``nr`` pages are wanted by ``tasks`` tasks allocating on the node's CPUs at once.
        Returns the pages made free for them.  NODE_RECLAIM_FULL when the node has too little
        reclaimable memory; then only one task at a time may reclaim the node (the
        PGDAT_RECLAIM_LOCKED bit, test_and_set_bit, ZONE_RECLAIM_LOCKED before 4.8): the others
        get NODE_RECLAIM_NOSCAN while it is held and their allocations fall back to the next
        zone of the zonelist, remote.  Calls that reclaimed nothing count in
        ``zone_reclaim_failed``.
        """
        mode = self.zone_reclaim_mode
        min_unmapped = self.node_pages * int(self.sysctl.get("vm.min_unmapped_ratio", 1)) / 100.0
        min_slab = self.node_pages * int(self.sysctl.get("vm.min_slab_ratio", 5)) / 100.0
        reclaimable = self.node_pagecache_reclaimable(z, mode)
        calls = math.ceil(nr / SWAP_CLUSTER_MAX)
        if reclaimable <= min_unmapped and self.slab_rec[z] <= min_slab:
            self.trace.hit(self.fn_node_reclaim, calls, calls * NODE_RECLAIM_CALL_S * 0.05)
            self.trace.hit(self.fn_node_reclaim + ":full", calls)
            return 0.0  # NODE_RECLAIM_FULL
        locked = self.node_reclaim_locked_share(z, nr, tasks)
        if locked > 0:  # NODE_RECLAIM_NOSCAN: test_and_set_bit found the bit set
            noscan = calls * locked
            self.trace.hit(self.fn_node_reclaim, noscan, noscan * NODE_RECLAIM_CALL_S * 0.02)
            self.trace.hit(self.fn_node_reclaim + ":noscan", noscan)
        return self.__node_reclaim(z, nr * (1.0 - locked), res, reclaimable, min_unmapped, min_slab)

    def node_reclaim_locked_share(self: Machine, z: int, nr: float, tasks: float) -> float:
        """Share of ``tasks``' node-reclaim attempts on node z that find the reclaim bit set.

        One task reclaims a SWAP_CLUSTER_MAX batch while holding the bit, for the time a
        __node_reclaim() call costs (``reclaim_call_s``, measured on the node's last calls);
        the others' allocations in that time find the zone below its watermark, call
        node_reclaim(), get NOSCAN and allocate from the next zone.  If all ``nr`` pages were
        reclaimed locally the bit would be held ``a`` of the tick; of N tasks the others bring
        k = (N - 1) / N of the demand.  The share that finds every bit of the node held is
        Erlang's loss formula over the node's ``reclaim_locks`` (one bit per node from 4.8,
        one per zone before: DMA32 and Normal on node 0), at offered load k a; for one bit
        that is k a / (1 + k a).  One task alone never finds the bit set.
        """
        if tasks <= 1.0 or nr <= 0:
            return 0.0
        k = (tasks - 1.0) / tasks
        offered = k * nr / SWAP_CLUSTER_MAX * float(self.reclaim_call_s[z]) / max(self.tick_dt, 1e-9)
        b = 1.0
        for j in range(1, int(self.reclaim_locks[z]) + 1):  # Erlang B, by its recurrence
            b = offered * b / (j + offered * b)
        return b

    def __node_reclaim(
        self: Machine,
        z: int,
        nr: float,
        res: AllocResult,
        reclaimable: float,
        min_unmapped: float,
        min_slab: float,
    ) -> float:
        """__node_reclaim(): the bit holder shrinks the node, SWAP_CLUSTER_MAX pages a call."""
        mode = self.zone_reclaim_mode
        calls = math.ceil(nr / SWAP_CLUSTER_MAX)
        if calls <= 0:
            return 0.0
        may_unmap, may_write = self.reclaim_bits(mode)
        memo: LruMemo = {}  # the LRU's candidates, gathered once for the estimate and the shrink
        rho = self._tail_referenced(z, nr, may_unmap, may_write, memo)
        p_fail = rho**NODE_RECLAIM_SCAN_PAGES
        failed = float(self.rng.binomial(calls, min(max(p_fail, 0.0), 1.0)))
        ok = calls - failed
        target = min(ok * SWAP_CLUSTER_MAX, max(reclaimable - min_unmapped, 0.0))
        reclaimed, scanned = self.shrink_node(z, target, may_unmap, may_write, memo)
        scanned += failed * NODE_RECLAIM_SCAN_PAGES
        if reclaimable > min_unmapped and self.slab_rec[z] > min_slab:
            self.ev["slabs_scanned"] += calls * 128
        self.ev["pgscan_direct_normal"] += scanned
        self.ev["pgsteal_direct_normal"] += reclaimed
        self.ev["zone_reclaim_failed"] += failed
        self.ev["zone_reclaim_success"] += ok
        spin = self._lru_lock_spin(z, scanned)
        cost = calls * NODE_RECLAIM_CALL_S + scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE + spin
        # The bit is held for what a call costs: the next attempts' contention follows it.
        self.reclaim_call_s[z] += min(calls / 64.0, 0.5) * (cost / calls - self.reclaim_call_s[z])
        res.cost_s += cost
        res.reclaim_calls += calls
        res.failed += failed
        self._charge_reclaim(calls, scanned, reclaimed, self.fn_node_reclaim)
        self.perf.charge("[kernel]", "_raw_spin_lock_irq", spin)
        hit = self.trace.hit
        hit(self.fn_node_reclaim, calls, cost)
        hit(self.fn_node_reclaim + ":failed", failed)
        # __node_reclaim() shrinks once per call, and again at each lower priority while nothing came back.
        self._trace_shrink(ok + failed * (NODE_RECLAIM_PRIORITY + 1), scanned, reclaimed)
        return reclaimed

    def _trace_shrink(self: Machine, passes: float, scanned: float, reclaimed: float) -> None:
        """Count the shrink_zone/shrink_node passes of a reclaim and the per-page work inside them."""
        hit = self.trace.hit
        hit(self.fn_shrink, passes, scanned * SCAN_S_PER_PAGE + reclaimed * RECLAIM_S_PER_PAGE)
        hit("shrink_inactive_list", passes)
        hit(self.fn_shrink_list, passes, scanned * SCAN_S_PER_PAGE * 0.45 + reclaimed * RECLAIM_S_PER_PAGE)
        hit("page_referenced", scanned, scanned * SCAN_S_PER_PAGE * 0.25)
        hit("__remove_mapping", reclaimed, reclaimed * RECLAIM_S_PER_PAGE * 0.5)

    def _lru_lock_spin(self: Machine, z: int, scanned: float) -> float:
        """CPU spent spinning on node z's lru_lock: an M/M/1 wait for every acquisition.

        The lock is held LRU_LOCK_HOLD_S per page moved; its utilisation over the last
        ticks comes from the node's reclaim rate.  Many tasks reclaiming the same node
        at once (inline node reclaim in every allocating task) make it the hot spot.
        """
        util = min(self.reclaim_ewma[z] * 2.0 * LRU_LOCK_HOLD_S, 0.95)
        return cast(float, scanned * LRU_LOCK_HOLD_S * util / (1.0 - util))

    def _charge_reclaim(self: Machine, calls: float, scanned: float, reclaimed: float, entry: str) -> None:
        p = self.perf.charge
        p("[kernel]", entry, calls * NODE_RECLAIM_CALL_S * 0.3)
        p("[kernel]", "shrink_page_list", scanned * SCAN_S_PER_PAGE * 0.45)
        p("[kernel]", "page_referenced", scanned * SCAN_S_PER_PAGE * 0.25)
        p("[kernel]", "isolate_lru_pages.isra.47", scanned * SCAN_S_PER_PAGE * 0.12)
        p(
            "[kernel]",
            "_raw_spin_lock_irq",
            scanned * SCAN_S_PER_PAGE * 0.18 + calls * NODE_RECLAIM_CALL_S * 0.4,
        )
        p("[kernel]", "shrink_inactive_list", calls * NODE_RECLAIM_CALL_S * 0.3)
        p("[kernel]", "__remove_mapping", reclaimed * RECLAIM_S_PER_PAGE * 0.5)
        p("[kernel]", "free_hot_cold_page", reclaimed * RECLAIM_S_PER_PAGE * 0.5)

    def kswapd(self: Machine, dt: float) -> None:
        """balance_pgdat() for every node woken by the slow path: reclaim up to the high watermark."""
        free = self.free
        ran = self.perf.current
        for z in np.nonzero(self._kswapd_woken)[0]:
            self.perf.current = f"kswapd{z}"
            want = self.wm_high[z] - free[z]
            if want <= 0:
                self._kswapd_woken[z] = False
                self.ev["kswapd_low_wmark_hit_quickly"] += 1
                continue
            want = min(want, KSWAPD_PAGES_PER_S * dt)
            got, scanned = self.shrink_node(int(z), want, may_unmap=True, may_write=True)
            self.ev["pgscan_kswapd_normal"] += scanned
            self.ev["pgsteal_kswapd_normal"] += got
            self.ev["pageoutrun"] += 1
            self._charge_reclaim(want / SWAP_CLUSTER_MAX, scanned, got, "balance_pgdat")
            self.trace.hit(
                "balance_pgdat",
                1,
                want / SWAP_CLUSTER_MAX * NODE_RECLAIM_CALL_S
                + scanned * SCAN_S_PER_PAGE
                + got * RECLAIM_S_PER_PAGE,
            )
            self._trace_shrink(math.ceil(want / SWAP_CLUSTER_MAX), scanned, got)
            if got <= 0:
                self._kswapd_woken[z] = False
        self.perf.current = ran

    def drop_caches(self: Machine, value: int) -> float:
        """echo N > /proc/sys/vm/drop_caches: 1 page cache, 2 slab, 3 both."""
        dropped = 0.0
        free0 = self.free.copy()
        if value & 1:
            dropped += float(self.cold.sum())
            self.cold[:] = 0.0
            for f in self.filesets:
                if not f.mapped:
                    dropped += f.drop()
            if self.version >= "4.0":
                self.ev["drop_pagecache"] += 1
        if value & 2:
            freed = self.slab_rec * 0.85
            self.slab_rec -= freed
            dropped += float(freed.sum())
            if self.version >= "4.0":
                self.ev["drop_slab"] += 1
        self.log(f"bash ({self.next_pid + 300}): drop_caches: {value}")
        self.ev["pgfree"] += dropped
        self.thp_zones_freed(self.free - free0)  # zones.py: the fragmentation model's free lists
        return dropped
