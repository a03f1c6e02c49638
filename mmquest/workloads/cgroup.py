"""A service in its own cgroup v2 memory group (incident memcg-high-throttle).

chunkd-style: ``workers`` threads each take a chunk from the network and write it to the
spool in one call (the page cache is charged as the data arrives), then return to user
mode; a chunk is unlinked ``retention_s`` after it was written, once the next replica
has acknowledged it.  The service maps its index (``mapped_mb``, hot, on the active
list) and holds ``anon_mb`` of heap.  The group's limits come from the unit's
MemoryHigh= and MemoryMax=.

Everything about the group lives in kernel.memcg (the page counter, the limits, the
return-to-user path) and kernel.psi (its memory.pressure); the threads and their calls
are workloads.overhigh.  The machine sees the spool as page cache (a FileSet, so that
drop_caches reaches it), the index as the process's mapped file pages, the heap as its
anonymous memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..kernel import memcg as mc
from ..kernel.machine import PAGES_PER_MB, Machine, Task
from ..kernel.pagecache import FileSet
from ..kernel.psi import CpuTimes, PsiGroup
from .base import Indicators, Params, Workload
from .overhigh import OverHighThreads, TickResult

# Where a worker's running time goes: the chunk's bytes copied into the page cache and
# checksummed (perf top's view of chunkd).
PROFILE = (
    ("[kernel]", "copy_user_enhanced_fast_string", 0.42),
    ("chunkd", "crc32c_sse42_stream", 0.28),
    ("[kernel]", "tcp_recvmsg", 0.10),
    ("[kernel]", "__add_to_page_cache_locked", 0.07),
    ("[kernel]", "try_charge", 0.04),
    ("[kernel]", "xfs_file_buffered_aio_write", 0.05),
    ("libc-2.31.so", "__memmove_avx_unaligned_erms", 0.04),
)
LAT_KEEP = 256  # calls whose latency the p99 is taken over
TPUT_TAU_S = 5.0  # the service's own throughput figure: an average over about 5 s
WRITEBACK_EXPIRE_S = 30.0  # dirty_expire_centisecs
DIRTY_BG_MB = 50.0  # the group's share of the dirty background threshold the flushers keep it at


def percentile(xs: Iterable[float], q: float) -> float:
    """numpy.percentile's default (linear between the closest ranks), for a short sequence."""
    v = sorted(xs)
    if not v:
        return 0.0
    pos = (len(v) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return float(v[lo] + (v[hi] - v[lo]) * (pos - lo))


def _limit(p: Params, key: str, default: str) -> float:
    text = p.str(key, default)
    try:
        return mc.parse_limit(text)
    except ValueError:
        from .base import ParamError

        raise ParamError(
            key, f'expected bytes with an optional K/M/G/T suffix, or "max", got {text!r}'
        ) from None


class CgroupService(Workload):
    kind = "cgroup_service"

    def __init__(self, spec: Any, machine: Machine):
        p = Params(spec.params)
        self.name = spec.name
        self.service = spec.service
        self.unit = p.str("unit", self.name)
        self.slice = p.str("slice", "system.slice")
        self.description = p.str("description", self.unit)
        self.user = p.str("user", "root")
        self.cmdline = p.str("cmdline", self.name)
        self.workers = p.int("workers", lo=1, hi=256)
        self.chunk_pages = p.num("chunk_mb", lo=0.25, hi=4096) * PAGES_PER_MB
        self.rate = p.num("write_mbps", lo=1, hi=20_000) * PAGES_PER_MB  # per worker, while running
        self.retention_s = p.num("retention_s", 10, lo=0.5, hi=86_400)
        self.anon_pages = p.num("anon_mb", 100, lo=0) * PAGES_PER_MB
        self.mapped_pages = p.num("mapped_mb", 0, lo=0) * PAGES_PER_MB
        self.kernel_pages = p.num("kernel_mb", 20, lo=0) * PAGES_PER_MB
        self.high0 = _limit(p, "memory_high", "max")
        self.max0 = _limit(p, "memory_max", "max")
        self.restart_s = p.num("restart_s", 5, lo=0.5)
        self.running_s = p.num("running_s", 3600, lo=0)  # how long the unit has run when the incident starts
        p.check_unknown()
        self.machine = machine
        self.high, self.max = self.high0, self.max0  # the unit's MemoryHigh=/MemoryMax= now
        self.down_until = -1.0
        self.task: Task | None = None
        self.cg: mc.MemCgroup | None = None
        self.threads: OverHighThreads | None = None
        self.psi: PsiGroup = PsiGroup(self.path)
        self.cpu_times: tuple[CpuTimes, ...] = ()
        self.busy_cpus = 0.0
        self.stalled = 0.0
        self.lat: deque[float] = deque(maxlen=LAT_KEEP)
        self.tput = 0.0
        self.fs: FileSet | None = None
        self.started_at = -self.running_s
        self.start(machine, fresh=False)

    @property
    def path(self) -> str:
        return f"/{self.slice}/{self.unit}.service"

    # ------------------------------------------------------------------ lifecycle
    def start(self, m: Machine, fresh: bool = True, now: float = 0.0) -> None:
        """Start the unit: a new cgroup, the process, its heap and its index.

        ``fresh`` False: the unit has been running for a while (the incident's start):
        its spool is as full as the limit lets it be.
        """
        self.machine = m
        n = m.nnodes
        t = m.spawn(
            self.name, self.workers + 2, [1.0 / n] * n, user=self.user, cmdline=self.cmdline, owner=self.name
        )
        t.extra["unit"] = self.unit
        t.anon += self.anon_pages / n
        t.file += self.mapped_pages / n
        m.count_alloc(np.full(n, (self.anon_pages + self.mapped_pages) / n))  # its heap and index, faulted in
        t.vm_extra_pages = self.anon_pages * 0.3 + 120_000
        self.task = t
        cg = mc.MemCgroup(self.path, high=self.high, max=self.max)
        cg.anon = self.anon_pages
        cg.active_file = cg.file_mapped = self.mapped_pages if not fresh else 0.0
        cg.kernel_stack = (self.workers + 2) * 4.0  # 16 KiB of stack per thread
        rest = max(self.kernel_pages - cg.kernel_stack, 0.0)
        cg.slab_reclaimable, cg.slab_unreclaimable = 0.6 * rest, 0.4 * rest
        if not fresh:  # the spool holds what fits
            room = min(self.high, self.max) - cg.page_counter_read()
            cg.inactive_file = max(min(room, self.retention_s * self.rate * self.workers), 0.0)
        self.cg = cg
        self.threads = OverHighThreads(
            cg, self.workers, self.rate, self.chunk_pages / self.rate, m.rng, now=now, fresh=fresh
        )
        self.psi = PsiGroup(self.path)
        self.psi.avg_last_update = now
        if self.fs is None or self.fs not in m.filesets:
            self.fs = FileSet(f"{self.unit}-spool", 0.0, 1, 0.0, n)
            self.fs.chunk_pages = 1.0
            m.filesets.append(self.fs)
        self._sync_fs(m)
        self.started_at = now if fresh else -self.running_s
        self.lat.clear()
        self.tput = 0.0

    def _sync_fs(self, m: Machine, charged: float = 0.0) -> None:
        """The machine's view of the spool: its cached pages, spread over the nodes.

        The allocator counts what changed since the machine last saw it: the ``charged``
        pages the writes added are allocated (pgalloc), and what left the group's cache
        meanwhile (unlinked, reclaimed by memory.high or memory.max) is freed (pgfree).
        What the machine took itself (drop_caches, its reclaim) it has counted already."""
        if self.fs is None or self.cg is None:
            return
        n = self.fs.res.shape[1]
        seen = float(self.fs.res.sum())
        freed = seen + charged - self.cg.inactive_file
        if freed < 0:  # more cache than the writes account for (the running unit's spool at the start)
            charged, freed = charged - freed, 0.0
        if charged > 0:
            m.count_alloc(np.full(n, charged / n))
        m.ev["pgfree"] += freed
        self.fs.res[0, :] = self.cg.inactive_file / n
        self.fs.chunk_pages = max(self.cg.inactive_file, 1.0)

    def restart(self, now: float) -> None:
        """systemctl restart: the processes exit, the group goes (its cache stays with the
        dying group), a new group starts with the unit's limits."""
        m = self.machine
        m.log(f"systemd[1]: Stopping {self.description}...")
        self.stop_tasks(m)
        m.log(f"systemd[1]: {self.unit}.service: Succeeded.")
        if self.fs is not None:
            m.ev["pgfree"] += self.fs.drop()  # the spool's cache is freed with the group
        self.cg = None
        self.threads = None
        self.down_until = now + self.restart_s
        self._pending_start = True
        self.ind = Indicators(0.0, 0.0, False)
        self.cpu_times = ()

    def on_boot(self, m: Machine, now: float, boot_s: float) -> None:
        self.fs = None
        self.cg = None
        self.threads = None
        self.cpu_times = ()
        super().on_boot(m, now, boot_s)

    def memcg(self) -> mc.MemCgroup | None:
        return self.cg

    def needs_pages(self) -> float:
        """What the group holds when nothing slows it: heap, index, kernel memory and the
        spool of the last ``retention_s`` of chunks, plus the chunks being written."""
        spool = self.retention_s * self.rate * self.workers
        inflight = self.workers * self.chunk_pages
        return self.anon_pages + self.mapped_pages + self.kernel_pages + spool + inflight

    # ------------------------------------------------------------------ the unit's limits
    def memcg_limit(self, which: str) -> float | None:
        return self.high if which == "high" else self.max

    def set_limit(self, which: str, pages: float) -> None:
        """MemoryHigh=/MemoryMax= (systemctl set-property) or a write to memory.high/max."""
        if which == "high":
            self.high = pages
            if self.cg is not None:
                got = mc.memory_high_write(self.cg, pages)
                if self.threads is not None:
                    self.threads.dropped(got)
        else:
            self.max = pages
            if self.cg is not None:
                got = mc.memory_max_write(self.cg, pages)
                if self.threads is not None:
                    self.threads.dropped(got)
        self._sync_fs(self.machine)

    # ------------------------------------------------------------------ tick
    def _noticed_drop(self) -> None:
        """drop_caches emptied the machine's view of the spool: the group lost its clean cache."""
        if self.fs is None or self.cg is None or self.threads is None:
            return
        if float(self.fs.res.sum()) + 1.0 < self.cg.inactive_file:
            self.threads.dropped(mc.drop_caches(self.cg))

    def _writeback(self, dt: float) -> None:
        """The flushers: dirty pages above the group's background share go at once, the rest expire."""
        cg = self.cg
        if cg is None:
            return
        over = max(cg.file_dirty - DIRTY_BG_MB * PAGES_PER_MB, 0.0)
        cg.file_dirty = max(cg.file_dirty - over - cg.file_dirty * dt / WRITEBACK_EXPIRE_S, 0.0)

    def preroll_done(self, elapsed: float) -> float:
        """The world's clock goes back to 0 after ``elapsed`` seconds of pre-roll: move every
        time we keep with it.  The group had run ``running_s`` before the incident: its stall
        totals get the part before the pre-roll, at the shares its 5-minute averages show.
        Returns that part (seconds)."""
        if self.threads is not None:
            self.threads.shift(-elapsed)
        self.psi.avg_last_update -= elapsed
        history = max(self.running_s - elapsed, 0.0) if self.started_at <= 0 else 0.0
        if history > 0:
            shares = {s: self.psi.avg[s][2] / (100 * 2048) for s in self.psi.avg}
            self.psi.add_history(history, shares)
        return history

    def step(self, m: Machine, now: float, dt: float) -> None:
        if self._pending_start and now >= self.down_until:
            self._pending_start = False
            m.log(f"systemd[1]: Started {self.description}.")
            self.start(m, fresh=True, now=now)
        if self.threads is None or self.cg is None or now < self.down_until:
            self.ind = Indicators(0.0, 0.0, False)
            self.cpu_times = ()
            return
        self._noticed_drop()
        r = self.threads.step(now, dt, str(m.version))
        self.threads.unlink_older(now + dt, self.retention_s)
        self._writeback(dt)
        self._sync_fs(m, r.charged)
        self.cpu_times = r.cpu_times
        self.psi.collect_percpu_times(r.cpu_times)
        self.psi.update_averages(now + dt)
        self._account(m, r, dt)

    def _account(self, m: Machine, r: TickResult, dt: float) -> None:
        self.lat.extend(r.latencies)
        mbps = r.calls * self.chunk_pages / PAGES_PER_MB / dt
        f = float(np.exp(-dt / TPUT_TAU_S))
        self.tput = self.tput * f + (1 - f) * mbps if self.tput > 0 else mbps
        p99 = percentile(self.lat, 99) * 1000
        self.ind = Indicators(self.tput, p99, True)
        m.trace.hit("mem_cgroup_handle_over_high", r.handled, r.reclaim_s + r.slept_s)
        m.trace.hit("mem_cgroup_handle_over_high:sleep", r.sleeps, r.slept_s)
        m.trace.hit("try_to_free_mem_cgroup_pages", r.walks, r.reclaim_s)
        m.ev["pgscan_direct"] += r.reclaimed
        m.ev["pgsteal_direct"] += r.reclaimed
        busy = sum(dt - c.memory_some for c in r.cpu_times)
        run_s = max(busy - r.reclaim_s, 0.0)
        for dso, sym, share in PROFILE:
            m.perf.charge(dso, sym, run_s * share)
        m.perf.charge("[kernel]", "shrink_page_list", r.reclaim_s * 0.6)
        m.perf.charge("[kernel]", "__remove_mapping", r.reclaim_s * 0.4)
        self.busy_cpus = busy / dt
        self.stalled = 1.0 - busy / (dt * len(r.cpu_times)) if r.cpu_times else 0.0
        if self.task is not None:
            self.task.cpu_s += busy + r.reclaim_s
            self.task.state = "R" if busy > 0.5 * dt * len(r.cpu_times) else "D"
