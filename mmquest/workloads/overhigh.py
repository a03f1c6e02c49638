"""The threads of a service in a memory cgroup, between returns to user mode.

Each worker thread runs a call (a chunk of work inside one system call) that charges
page cache to its cgroup at a steady rate, then returns to user mode.  Charges made
while the group is above ``memory.high`` are owed (``memcg_nr_pages_over_high``); on the
return ``mem_cgroup_handle_over_high()`` (kernel.memcg) reclaims and may sleep.  Time
spent there is a memory stall: ``psi_memstall_enter()`` covers the reclaim and the sleep.

The simulation is event-driven at the returns to user mode (a handful per second per
thread), so it is exact about who ran when; every running thread's charges are brought
up to date before each return, so the overage a returning thread sees is the group's
real one.  One thread per CPU (a pool no larger than the box): a thread's stall is its
CPU's stall, for ``some`` and ``full`` alike.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ..kernel import memcg as mc
from ..kernel.psi import CpuTimes


@dataclass
class Worker:
    run_start: float  # when its current call started running (after any stall)
    ret_at: float  # when that call returns to user mode
    charged_to: float  # its charges are applied up to this time
    owed: float = 0.0  # pages charged over memory.high since its last return
    stall: list[tuple[float, float]] = field(default_factory=list)  # stall intervals not yet accounted


@dataclass
class TickResult:
    calls: int  # calls that returned this tick
    handled: int  # of them, returns that owed pages (TIF_NOTIFY_RESUME: mem_cgroup_handle_over_high ran)
    latencies: list[float]  # seconds from each returned call's start to its return (stall included)
    cpu_times: tuple[CpuTimes, ...]  # per worker CPU, for PSI
    walks: int
    sleeps: int  # returns that ended in the penalty sleep
    reclaimed: float
    slept_s: float
    reclaim_s: float
    charged: float


class OverHighThreads:
    """``threads`` workers charging ``rate`` pages/s each in calls of ``call_s`` seconds."""

    def __init__(
        self,
        cg: mc.MemCgroup,
        threads: int,
        rate: float,
        call_s: float,
        rng: np.random.Generator,
        now: float = 0.0,
        fresh: bool = False,
    ):
        self.cg = cg
        self.rate = float(rate)
        self.call_s = float(call_s)
        self.rng = rng
        # The workers are out of step with each other: each is somewhere in its call (or, for a
        # service that just started, starts its first call within one call's time).
        phases = rng.random(threads) * call_s
        if fresh:
            self.workers = [
                Worker(run_start=now + p, ret_at=now + p + call_s, charged_to=now) for p in phases
            ]
        else:
            self.workers = [
                Worker(run_start=now - p, ret_at=now + call_s - p, charged_to=now) for p in phases
            ]
        self.active = True
        # The files the calls wrote, oldest first: [time written, pages still cached].  Reclaim
        # takes the oldest cache first (the tail of the inactive list); an unlink uncharges
        # what is still cached.  One segment per tick bounds it.
        self.spool: deque[list[float]] = deque()
        if cg.inactive_file > 0:
            self.spool.append([-1e9, cg.inactive_file])

    def _reclaimed(self, pages: float) -> None:
        """Reclaim took ``pages`` from the tail of the inactive list: the oldest files."""
        while pages > 1e-9 and self.spool:
            seg = self.spool[0]
            take = min(seg[1], pages)
            seg[1] -= take
            pages -= take
            if seg[1] <= 1e-9:
                self.spool.popleft()

    def unlink_older(self, now: float, retention_s: float) -> float:
        """Files older than ``retention_s`` are deleted: their cached pages are uncharged."""
        freed = 0.0
        while self.spool and self.spool[0][0] < now - retention_s:
            freed += self.spool.popleft()[1]
        freed = min(freed, self.cg.inactive_file)
        self.cg.inactive_file -= freed
        self.cg.file_dirty = min(self.cg.file_dirty, self.cg.inactive_file)
        return freed

    def dropped(self, pages: float) -> None:
        """drop_caches freed the clean part of the spool (all but its newest, dirty pages)."""
        self._reclaimed(pages)

    def _jitter(self) -> float:
        """A call's length varies a little (±25 %, the data it handles)."""
        return self.call_s * (0.75 + 0.5 * float(self.rng.random()))

    def _advance(self, now: float) -> float:
        """Apply every running worker's charges up to ``now``; returns the pages charged.

        Charges made while the group is over memory.high are owed by the worker that made
        them (try_charge(): ``current->memcg_nr_pages_over_high += batch``).  The group's
        usage grows steadily between two events: the charges before it crosses the limit
        are not owed, those after it are, each worker's in proportion."""
        cg = self.cg
        rate = self.rate
        pages = []
        for w in self.workers:
            start = w.charged_to if w.charged_to > w.run_start else w.run_start
            pages.append(rate * (now - start) if now > start else 0.0)
            if now > w.charged_to:
                w.charged_to = now
        total = sum(pages)
        if total <= 0:
            return 0.0
        usage = cg.page_counter_read()
        owed = 1.0 if usage > cg.high else max(usage + total - cg.high, 0.0) / total
        if owed > 0:
            for w, p in zip(self.workers, pages, strict=True):
                w.owed += p * owed
        cg.charge_file(total)
        if self.spool and self.spool[-1][0] >= now - 0.5:
            self.spool[-1][1] += total
        else:
            self.spool.append([now, total])
        if cg.page_counter_read() > cg.max:
            self._reclaimed(mc.charge_at_max(cg))
        return total

    def step(self, t0: float, dt: float, version: str) -> TickResult:
        t1 = t0 + dt
        calls, walks, sleeps, handled = 0, 0, 0, 0
        lat: list[float] = []
        reclaimed = slept = rtime = charged = 0.0
        workers = self.workers
        while self.active:
            w = workers[0]
            for x in workers:
                if x.ret_at < w.ret_at:
                    w = x
            if w.ret_at >= t1:
                break
            now = w.ret_at
            charged += self._advance(now)
            handled += w.owed > 0
            res = mc.mem_cgroup_handle_over_high(self.cg, w.owed, version)
            w.owed = 0.0
            self._reclaimed(res.reclaimed)
            walks += res.walks
            reclaimed += res.reclaimed
            slept += res.sleep_s
            sleeps += res.sleep_s > 0
            rtime += res.reclaim_s
            stall = res.reclaim_s + res.sleep_s
            if stall > 0:
                w.stall.append((now, now + stall))
            calls += 1
            lat.append(now - w.run_start + stall)
            w.run_start = now + stall
            w.ret_at = w.run_start + self._jitter()
        charged += self._advance(t1)
        cpus = tuple(self._stall_times(w, t0, t1) for w in self.workers)
        return TickResult(calls, handled, lat, cpus, walks, sleeps, reclaimed, slept, rtime, charged)

    @staticmethod
    def _stall_times(w: Worker, t0: float, t1: float) -> CpuTimes:
        if not w.stall:
            return CpuTimes(nonidle=t1 - t0)
        s = 0.0
        keep = []
        for a, b in w.stall:
            s += max(min(b, t1) - max(a, t0), 0.0)
            if b > t1:
                keep.append((a, b))
        w.stall = keep
        return CpuTimes(nonidle=t1 - t0, memory_some=s, memory_full=s)

    def shift(self, delta: float) -> None:
        """Move every time this model keeps by ``delta`` seconds (the world's clock restarted)."""
        for w in self.workers:
            w.run_start += delta
            w.ret_at += delta
            w.charged_to += delta
            w.stall = [(a + delta, b + delta) for a, b in w.stall]
        for seg in self.spool:
            seg[0] += delta

    def pause(self, now: float, seconds: float) -> None:
        """Every worker stops (a restart): calls start again after ``seconds``."""
        for w in self.workers:
            w.run_start = now + seconds
            w.ret_at = w.run_start + self._jitter()
            w.charged_to = now
            w.owed = 0.0
            w.stall = []
