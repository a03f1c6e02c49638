"""Services whose memory is faulted and freed by threads that migrate across CPUs (incident 3).

Each thread runs on one CPU at a time and the scheduler moves it now and then; the
page faults of a tick are charged to the CPUs the thread ran on, and frees happen
either on the thread's own CPUs or on whatever CPU the deferred free runs (RCU
callbacks, a reaper thread).  The mm's RSS counters (kernel.percpu) see exactly these
events, so the error of the fast read is whatever the events leave behind.

A watchdog restarts a service whose VmRSS (read the way the kernel's
/proc/PID/status reads it) stays above a limit.  systemd restarts a service that was
killed (Restart=always).  When a fault finds no memory, the OOM killer runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kernel import oom
from ..kernel.machine import PAGES_PER_MB, Machine, Task
from ..kernel.percpu import MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MMCounters
from .base import Indicators, Params, Workload

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec

# Pages freed "on any CPU" are spread uniformly over the CPUs.  Up to this many CPUs the
# split is one multinomial draw (the draw order the bundled incidents' transcripts and
# recorded runs depend on); above it, one uniform CPU per page: the same distribution,
# at a cost that grows with the pages rather than the CPUs (a multinomial over 4,096
# CPUs costs ~0.2 ms per call).
MULTINOMIAL_MAX_CPUS = 256
_MEMBER_PAGES = {MM_ANONPAGES: "anon", MM_FILEPAGES: "file", MM_SHMEMPAGES: "shmem"}  # the task's row


def spread_over_cpus(rng: np.random.Generator, pages: int, ncpus: int) -> np.ndarray:
    """``pages`` events, each on a CPU chosen uniformly: events per CPU (int64)."""
    if ncpus <= MULTINOMIAL_MAX_CPUS:
        return rng.multinomial(pages, np.full(ncpus, 1.0 / ncpus)).astype(np.int64)
    return np.bincount(rng.integers(0, ncpus, size=pages), minlength=ncpus).astype(np.int64)


class RssService(Workload):
    kind = "rss_service"

    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        p = Params(spec.params)
        self.name = spec.name
        self.service = spec.service
        self.unit = p.str("unit", self.name)
        self.threads = p.int("threads", lo=1, hi=4096)
        mb = PAGES_PER_MB
        self.base = {
            MM_ANONPAGES: p.num("base_anon_mb", 0, lo=0) * mb,
            MM_FILEPAGES: p.num("base_file_mb", 0, lo=0) * mb,
            MM_SHMEMPAGES: p.num("base_shmem_mb", 0, lo=0) * mb,
        }
        self.growth = {
            MM_ANONPAGES: p.num("growth_anon_mb_s", 0, lo=0) * mb,
            MM_FILEPAGES: p.num("growth_file_mb_s", 0, lo=0) * mb,
            MM_SHMEMPAGES: p.num("growth_shmem_mb_s", 0, lo=0) * mb,
        }
        self.churn = {
            MM_ANONPAGES: p.num("churn_anon_mb_s", 0, lo=0) * mb,
            MM_FILEPAGES: p.num("churn_file_mb_s", 0, lo=0) * mb,
        }
        self.free_on = p.str("free_on", "own", ("own", "any"))
        self.migrate_per_s = p.num("migrate_per_s", 0.05, lo=0, hi=1000)
        self.ops_per_s = p.num("ops_per_s", 0, lo=0)
        self.p99_ms = p.num("p99_ms", 10, lo=0.01)
        self.adj0 = p.int("oom_score_adj", 0, lo=-1000, hi=1000)
        self.restart_s = p.num("restart_s", 10, lo=1)
        self.user = p.str("user", "root")
        self.cmdline = p.str("cmdline", self.name)
        self.watchdog_mb = p.num("watchdog_max_rss_mb", 0, lo=0)  # 0: not watched
        self.watchdog_interval_s = p.num("watchdog_interval_s", 10, lo=1)
        self.watchdog_strikes = p.int("watchdog_strikes", 2, lo=1)
        self.watchdog_running = True  # systemctl stop svc-watchdog stops the checks
        self.startup_s = p.num("startup_s", 5, lo=0.1)
        # systemd's start rate limit: StartLimitBurst starts within StartLimitIntervalSec, then "failed".
        self.start_limit_burst = p.int("start_limit_burst", 5, lo=1)
        self.start_limit_interval_s = p.num("start_limit_interval_s", 600, lo=1)
        self._starts: list[float] = []
        self.failed = False
        # Has it run since boot (steady-state per-CPU deltas) or was it just (re)started?
        self.steady_since_boot = (
            p.str("running", "since-boot", ("since-boot", "just-restarted")) == "since-boot"
        )
        self._started_once = False
        p.check_unknown()
        self.machine = machine
        self.task = None
        self.down_until = -1.0
        self._pending_start = False
        self._next_check = 0.0
        self._strikes = 0
        self.restarts = {"oom": 0, "watchdog": 0, "manual": 0}
        self.ind = Indicators(0.0, 0.0, False)
        self.start(machine)

    # ------------------------------------------------------------------ lifecycle
    def start(self, m: Machine) -> None:
        self.machine = m
        n = m.nnodes
        t = m.spawn(
            self.name, self.threads, [1.0 / n] * n, user=self.user, cmdline=self.cmdline, owner=self.name
        )
        t.oom_score_adj = self.adj0
        t.extra["unit"] = self.unit
        mm = MMCounters(m.version, m.ncpus, self.threads)
        t.extra["mm"] = mm
        self.task = t
        self.cpu = m.rng.integers(0, m.ncpus, size=self.threads)
        # exec + start-up: the threads fault the base memory in during their first seconds.
        for member, pages in self.base.items():
            if pages > 0:
                if not self._ensure_memory(m, int(pages)):
                    return  # killed while starting: systemd tries again
                self._fault(m, member, int(pages), dt=self.startup_s)
        if self.steady_since_boot and not self._started_once and mm.percpu:
            self._steady_state_residues(m, mm)
        self._started_once = True
        t.vm_extra_pages = float(sum(self.base.values())) * 0.6 + 60_000
        self._strikes = 0
        self._next_check = 0.0

    def _steady_state_residues(self, m: Machine, mm: MMCounters) -> None:
        """A process that has run for weeks: every CPU it ever faulted on holds a delta.

        For a counter that only grows, each CPU's delta is uniform in [0, batch) in the
        steady state; a counter whose pages are freed on any CPU leaves deltas uniform in
        (-batch, 0] on the CPUs that free.  The exact value is unchanged.
        """
        for member in (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES):
            exact = mm.exact(member)
            if exact <= 0:
                continue
            if self.growth.get(member, 0) > 0 and self.migrate_per_s > 0.5:
                want = m.rng.integers(0, mm.batch, size=m.ncpus)
            elif self.churn.get(member, 0) > 0 and self.free_on == "any":
                want = -m.rng.integers(0, mm.batch, size=m.ncpus)
            else:
                continue
            mm.local[member] = want
            mm.count[member] = exact - int(want.sum())

    def _arrays(self, member: int) -> np.ndarray:
        return getattr(self.task, _MEMBER_PAGES[member])  # type: ignore[no-any-return]

    def _per_thread(self, pages: int) -> np.ndarray:
        """``pages`` events split evenly over the threads, the first ``pages % threads`` one more."""
        q, r = divmod(pages, self.threads)
        per_thread = np.full(self.threads, q, dtype=np.int64)
        if r:
            per_thread[:r] += 1
        return per_thread

    def _per_cpu_of_threads(self, m: Machine, pages: int, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Split ``pages`` faults over the threads, and each thread's share over the CPUs it ran on."""
        per_thread = self._per_thread(pages)
        # Each thread runs on its current CPU, then on a new one after every migration.
        segs = m.rng.poisson(self.migrate_per_s * dt, size=self.threads)
        segs += 1
        total = int(segs.sum())
        cpus = m.rng.integers(0, m.ncpus, size=total)
        if total == self.threads:  # no thread migrated: every thread's events on its current CPU
            return np.bincount(self.cpu, weights=per_thread, minlength=m.ncpus).astype(np.int64), per_thread
        ends = np.cumsum(segs)
        starts = ends - segs
        ends -= 1
        if pages < self.threads:
            # At most one event per thread: it falls in the thread's first segment, on the CPU
            # it was running on (the first ``pages`` threads have one).
            per_cpu = np.bincount(self.cpu[:pages], minlength=m.ncpus).astype(np.int64)
            cpus[starts] = self.cpu
            self.cpu = cpus[ends]
            return per_cpu, per_thread
        cpus[starts] = self.cpu
        # A thread's k events over its n segments: k // n each, one more in the first k % n.
        q, r = np.divmod(per_thread, segs)
        events = np.repeat(q, segs)
        pos = np.arange(total) - np.repeat(starts, segs)  # each segment's place in its thread
        events += pos < np.repeat(r, segs)
        per_cpu = np.bincount(cpus, weights=events, minlength=m.ncpus).astype(np.int64)
        self.cpu = cpus[ends]
        return per_cpu, per_thread

    def _live_task(self) -> Task:
        """The running task (the callers run only while the service is up)."""
        assert self.task is not None
        return self.task

    def _fault(self, m: Machine, member: int, pages: int, spread: bool = False, dt: float = 0.5) -> None:
        if pages <= 0:
            return
        if spread:
            per_cpu = spread_over_cpus(m.rng, pages, m.ncpus)
            per_thread = self._per_thread(pages)
        else:
            per_cpu, per_thread = self._per_cpu_of_threads(m, pages, dt)
        mm = self._live_task().extra["mm"]
        folds = mm.fault(member, per_cpu, per_thread)
        m.trace.hit(m.fn_alloc, pages)  # each fault allocates its page
        if mm.percpu:  # add_mm_counter() -> percpu_counter_add_batch() once per fault
            m.trace.hit("percpu_counter_add_batch", pages)
            m.trace.hit("percpu_counter_add_batch:fold", folds)
        else:  # add_mm_counter_fast() into current->rss_stat, synced now and then
            m.trace.hit("add_mm_counter_fast", pages)
            m.trace.hit("sync_mm_rss", folds)
        # Every node gives its share, full or not: the model does not send a full node's
        # share to the others (the zonelist fallback), so for a while before an OOM kill a
        # node can be over-full (its MemFree reads 0).  Kept: the published OOM timing
        # depends on it (test_rss_model), see docs/fidelity.md.
        got = np.full(m.nnodes, pages / m.nnodes)
        self._arrays(member)[:] += got
        m.count_alloc(got)  # each fault took its page from the allocator
        m.ev["pgfault"] += pages

    def _free(self, m: Machine, member: int, pages: int, dt: float) -> None:
        if pages <= 0:
            return
        if self.free_on == "any":
            per_cpu = spread_over_cpus(m.rng, pages, m.ncpus)
        else:
            per_cpu, _ = self._per_cpu_of_threads(m, pages, dt)
        mm = self._live_task().extra["mm"]
        folds = mm.free(member, per_cpu, pages)
        if mm.percpu:
            m.trace.hit("percpu_counter_add_batch", pages)
            m.trace.hit("percpu_counter_add_batch:fold", folds)
        arr = self._arrays(member)
        held = float(arr.sum())
        gone = arr * min(pages / held, 1.0) if held > 0 else np.zeros_like(arr)  # from where they lie
        arr[:] = np.maximum(arr - gone, 0.0)
        m.ev["pgfree"] += float(gone.sum())

    def stop(self, m: Machine, why: str) -> None:
        if self.task is not None and self.task.alive:
            m.kill_task(self.task)
        self.task = None
        self.restarts[why] = self.restarts.get(why, 0) + 1

    def restart(self, now: float, why: str = "manual") -> None:
        """systemctl restart (also clears a failed unit), or the watchdog's restart."""
        m = self.machine
        self.failed = False
        if why == "manual":
            self._starts.clear()
        self.stop(m, why)
        self.down_until = now + self.restart_s
        self._pending_start = True
        self.ind = Indicators(0.0, 0.0, False)

    # ------------------------------------------------------------------ tick
    def step(self, m: Machine, now: float, dt: float) -> None:
        if self.task is not None and not self.task.alive:  # OOM-killed or killed by hand
            why = "oom" if "oom_killed_at" in self.task.extra else "manual"
            m.log(f"systemd[1]: {self.unit}.service: Main process exited, code=killed, status=9/KILL")
            m.log(
                f"systemd[1]: {self.unit}.service: Failed with result '{'oom-kill' if why == 'oom' else 'signal'}'."
            )
            self.task = None
            self.restarts[why] += 1
            self.down_until = now + self.restart_s
            self._pending_start = True
            # systemd only remembers the starts within StartLimitIntervalSec.
            self._starts = [x for x in self._starts if now - x < self.start_limit_interval_s]
            if len(self._starts) >= self.start_limit_burst:
                m.log(f"systemd[1]: {self.unit}.service: Start request repeated too quickly.")
                m.log(f"systemd[1]: {self.unit}.service: Failed with result 'start-limit-hit'.")
                m.log(f"systemd[1]: Failed to start {self.unit}.service.")
                self.failed = True
                self._pending_start = False
        if now < self.down_until or self.failed:
            self.ind = Indicators(0.0, 0.0, False)
            return
        if self._pending_start:
            self._pending_start = False
            self._starts = [x for x in self._starts if now - x < self.start_limit_interval_s] + [now]
            m.log(f"systemd[1]: Started {self.unit}.service.")
            self.start(m)
            if self.task is None or not self.task.alive:
                self.ind = Indicators(0.0, 0.0, False)
                return
        # Growth (a leak, a cache): faults that are never freed.
        for member, rate in self.growth.items():
            pages = int(m.rng.poisson(rate * dt)) if rate > 0 else 0
            if pages and not self._ensure_memory(m, pages):
                return
            if self.task is None:
                return
            self._fault(m, member, pages, dt=dt)
        # Churn: buffers allocated by the workers and freed again.
        for member, rate in self.churn.items():
            pages = int(m.rng.poisson(rate * dt)) if rate > 0 else 0
            if pages:
                self._fault(m, member, pages, dt=dt)
                self._free(m, member, pages, dt)
        self._live_task().cpu_s += dt * 0.002 * self.threads + dt * self.ops_per_s * 2e-4
        self._live_task().state = "S"
        if self.ops_per_s > 0:
            noise = 1.0 + 0.01 * float(m.rng.standard_normal())
            pressure = m.free.sum() < m.wm_low.sum()
            self.ind = Indicators(
                self.ops_per_s * noise, self.p99_ms * (3.0 if pressure else 1.0) * noise, True
            )
        else:
            self.ind = Indicators(0.0, 0.0, True)
        self._watchdog(m, now)

    def _ensure_memory(self, m: Machine, pages: int) -> bool:
        """The fault path: reclaim clean cache, else the OOM killer. False if we died."""
        short = pages - (m.free.sum() - m.wm_min.sum())
        if short > 0:
            for z in range(m.nnodes):
                got, scanned = m.shrink_node(z, short / m.nnodes + 1, may_unmap=True, may_write=True)
                m.ev["pgscan_direct_normal"] += scanned
                m.ev["pgsteal_direct_normal"] += got
            m.ev["allocstall"] += 1
            m.trace.hit("try_to_free_pages", 1)
            m.trace.hit(m.fn_shrink, m.nnodes)
            short = pages - (m.free.sum() - m.wm_min.sum())
        if short > 0:
            oom.out_of_memory(m, self._live_task())
            if not self._live_task().alive:
                return False
        return True

    @property
    def alive(self) -> bool:
        return self.task is not None and self.task.alive

    def _watchdog(self, m: Machine, now: float) -> None:
        if self.watchdog_mb <= 0 or not self.watchdog_running or now < self._next_check or self.task is None:
            return
        self._next_check = now + self.watchdog_interval_s
        a, f, s, _ = m.rss_read(self.task, "status")
        m.trace_rss_read(self.task, "status", comm="svc-watchdog")
        rss_mb = (a + f + s) / PAGES_PER_MB
        if rss_mb > self.watchdog_mb:
            self._strikes += 1
            if self._strikes >= self.watchdog_strikes:
                m.log(
                    f"svc-watchdog[1187]: {self.unit}: VmRSS {rss_mb:.0f} MB above {self.watchdog_mb:.0f} MB "
                    f"for {self._strikes} checks, restarting"
                )
                self.restart(now, "watchdog")
        else:
            self._strikes = 0
