"""A flash-backed object server whose read and write bursts allocate page cache faster than kswapd frees it.

The service itself is a :class:`~.service.Service` (its page cache, CPU and disk).  On top of
it, every tick is cut into bursts and quiet spells (burst lengths and spacing drawn from the
world's generator), and each stretch of allocations runs through the node's watermarks at
millisecond resolution (:func:`mmquest.kernel.watermark.balance_burst`).  What comes out, the
direct-reclaim stalls of the herd, is added to the requests that arrived while it lasted:
an open system, so requests that arrive during a herd queue behind it.

p99 is measured as the monitoring does, over a sliding window (``window_s``): if a share f of
the window's time was spent in herds of mean length D, requests delayed by up to D make up f of
all requests, so the 99th percentile sits at D x (1 - 0.01 / f) above the service's own p99.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING

from ..kernel.machine import PAGES_PER_MB, Machine
from ..kernel.watermark import BurstStats, Watermarks, ZoneState, balance_burst
from .base import Indicators, Params
from .service import Service

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec

GB_PAGES = 1024 * PAGES_PER_MB


class FlashServer(Service):
    kind = "flash_server"

    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        raw = dict(spec.params)
        own = {k: raw.pop(k) for k in list(raw) if k in _OWN}
        p = Params(own)
        self.burst_pages_s = p.num("burst_gb_s", 3.2, lo=0) * GB_PAGES
        self.base_pages_s = p.num("base_gb_s", 0.3, lo=0) * GB_PAGES
        self.burst_s = (p.num("burst_min_s", 0.08, lo=0.001), p.num("burst_max_s", 0.22, lo=0.001))
        self.burst_every_s = p.num("burst_every_s", 2.0, lo=0.1)
        self.window_s = p.num("window_s", 30.0, lo=1)
        p.check_unknown()
        super().__init__(replace(spec, params=raw), machine)
        self.zone: ZoneState | None = None
        self._next_burst = 0.0
        self._window: deque[tuple[float, float, float]] = (
            deque()
        )  # (herd seconds, stalls, bursts with a herd)
        self._boot_wmarks(machine)

    def _boot_wmarks(self, m: Machine) -> None:
        m.setup_per_zone_wmarks()
        self.zone = None

    def on_boot(self, m: Machine, now: float, boot_s: float) -> None:
        super().on_boot(m, now, boot_s)
        self._boot_wmarks(m)
        self._window.clear()

    def _node(self, m: Machine) -> int:
        return int(max(range(m.nnodes), key=lambda z: self.cpu_nodes[z]))

    def _wmarks(self, m: Machine) -> Watermarks:
        node = self._node(m)
        return Watermarks(int(m.wm_min[node]), int(m.wm_low[node]), int(m.wm_high[node]))

    def step(self, m: Machine, now: float, dt: float) -> None:
        super().step(m, now, dt)
        if not self.ind.up or self.task is None:
            return
        wm = self._wmarks(m)
        node = self._node(m)
        if self.zone is None:
            self.zone = ZoneState(free=float(m.free[node]))
        # The fluid machine's free memory is the truth between ticks; within a tick, this model.
        self.zone.free = float(m.free[node])
        st = self._allocate(m, wm, dt)
        # The bursts' pages are page cache; what kswapd and the herd reclaimed was clean cache.
        m.cold[node] = max(m.cold[node] + st.allocated - st.pgsteal_kswapd - st.pgsteal_direct, 0.0)
        self._count(m, st)
        herd_s = st.stall_thread_s / max(self.threads, 1)
        self._window.append((herd_s, st.allocstall, 1.0 if st.allocstall > 0 else 0.0))
        while len(self._window) > int(self.window_s / dt):
            self._window.popleft()
        self.ind = self._indicators(dt)

    def _allocate(self, m: Machine, wm: Watermarks, dt: float) -> BurstStats:
        """One tick of bursts and quiet spells through the watermarks."""
        total = BurstStats()
        t, end = 0.0, dt
        reclaimable = float(m.cold[self._node(m)])
        while t < end - 1e-9:
            if self._next_burst <= 0:
                lo, hi = self.burst_s
                seg = min(float(m.rng.uniform(lo, hi)), end - t)
                rate = self.burst_pages_s
                self._next_burst = float(m.rng.exponential(self.burst_every_s))
            else:
                seg = min(self._next_burst, end - t)
                rate = self.base_pages_s
                self._next_burst -= seg
            st = balance_burst(self.zone, wm, rate, seg, self.threads, reclaimable)  # type: ignore[arg-type]
            for k, v in vars(st).items():
                if k in ("max_herd", "min_free"):
                    setattr(total, k, (max if k == "max_herd" else min)(getattr(total, k), v))
                else:
                    setattr(total, k, getattr(total, k) + v)
            t += seg
        return total

    def _count(self, m: Machine, st: BurstStats) -> None:
        ev = m.ev
        ev["allocstall"] += st.allocstall
        ev["pgscan_direct_normal"] += st.pgscan_direct
        ev["pgsteal_direct_normal"] += st.pgsteal_direct
        ev["pgscan_kswapd_normal"] += st.pgscan_kswapd
        ev["pgsteal_kswapd_normal"] += st.pgsteal_kswapd
        ev["pageoutrun"] += st.kswapd_wakeups
        ev["kswapd_low_wmark_hit_quickly"] += st.kswapd_low_wmark_hit_quickly
        ev["pgalloc_normal"] += st.allocated
        ev["pgfree"] += st.pgsteal_kswapd + st.pgsteal_direct  # the cache they reclaimed went back
        hit = m.trace.hit
        hit(m.fn_alloc, st.allocated)
        hit("get_page_from_freelist", st.allocated + st.slowpath)
        hit("zone_watermark_ok", st.allocated + st.slowpath)
        hit("__alloc_pages_slowpath", st.slowpath)
        hit("wakeup_kswapd", st.slowpath)
        stall = st.stall_thread_s
        if stall > 0:
            p = m.perf.charge
            p("[kernel]", "_raw_spin_lock_irq", stall * 0.45)  # the herd on the zone's lru_lock
            p("[kernel]", "shrink_page_list", stall * 0.2)
            p("[kernel]", "shrink_inactive_list", stall * 0.1)
            p("[kernel]", "isolate_lru_pages.isra.47", stall * 0.1)
            p("[kernel]", "page_referenced", stall * 0.1)
            p("[kernel]", "__alloc_pages_nodemask", stall * 0.05)
            hit("try_to_free_pages", st.allocstall, stall)
            m._trace_shrink(st.allocstall, st.pgscan_direct, st.pgsteal_direct)
            if self.task is not None:
                self.task.cpu_s += stall
        kswapd_s = st.pgsteal_kswapd / 600_000.0
        if kswapd_s > 0:
            ran = m.perf.current
            m.perf.current = "kswapd0"
            m.perf.charge("[kernel]", "shrink_page_list", kswapd_s * 0.6)
            m.perf.charge("[kernel]", "__remove_mapping", kswapd_s * 0.4)
            hit("balance_pgdat", st.kswapd_wakeups, kswapd_s)
            m.perf.current = ran

    def _indicators(self, dt: float) -> Indicators:
        span = len(self._window) * dt
        herd = sum(h for h, _, _ in self._window)
        bursts = sum(b for _, _, b in self._window)
        base = self.ind
        if herd <= 0 or span <= 0:
            return base
        f = min(herd / span, 1.0)
        mean = herd / max(bursts, 1.0)
        p99 = base.p99_ms + 1e3 * mean * max(0.0, 1.0 - 0.01 / f)
        # CPU the herd burned instead of serving: the throughput of the tick drops by its share.
        last = self._window[-1][0]
        tput = base.throughput * max(1.0 - last / dt, 0.0) if self.max_ops_s <= 0 else base.throughput
        return Indicators(tput, p99, base.up, base.hit_ratio, base.extra)


_OWN = {"burst_gb_s", "base_gb_s", "burst_min_s", "burst_max_s", "burst_every_s", "window_s"}
