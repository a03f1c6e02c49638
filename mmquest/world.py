"""One machine and its workloads: ``step(dt)``, ``apply(action)`` and immutable snapshots.

The world is the only thing that changes the simulated machine.  Every change goes
through :meth:`World.apply` with an action object, and every reader (the panes, the
shell, the judge) reads a :class:`Snapshot`.
"""

from __future__ import annotations

import difflib
import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .actions import (
    WATCHDOG_UNIT,
    Action,
    ActionError,
    Applied,
    Cost,
    KexecExec,
    KexecLoad,
    KillProcess,
    KpatchLoad,
    KpatchUnload,
    RestartService,
    SetBootSysctl,
    SetCgroupLimit,
    SetOomScoreAdj,
    SetScheduler,
    SetSysctl,
    SetTHP,
    SetTHPDefrag,
    SetWatchdogLimit,
    StartService,
    StopService,
)
from .kernel import KernelVersion, Machine
from .kernel.era import wall_start
from .kernel.machine import HPAGE_KB, PAGES_PER_MB, PATCH_EFFECTS, Task
from .kernel.oom import oom_score
from .kernel.perf import PerfRow
from .kernel.psi import CpuTimes, PsiGroup
from .kernel.sysctl import SYSCTLS
from .kernel.trace import TraceCounts
from .kernel.zoneinfo import ZoneSnap, zone_snapshots
from .workloads import KINDS, Indicators, ParamError, make_workload
from .workloads.base import Workload

if TYPE_CHECKING:  # pragma: no cover
    from .incident import Incident

DT = 0.5  # seconds of simulated time per tick
HISTORY_SHOWN = 240
RECENT_TICKS = 720  # ticks a Series keeps at full resolution (6 minutes)
LONG_POINTS = 4096  # points of a Series' whole-run view (every tick for the first 34 minutes)


class Series:
    """One row of values per tick, bounded like a monitoring system's store.

    ``recent`` holds the last RECENT_TICKS rows as they were (the panes, the judge);
    the whole-run view (iterating the series: the debrief's charts) holds every row
    until it has LONG_POINTS of them, then averages neighbouring points in pairs, again
    and again, so that it never holds more than LONG_POINTS however long the run.  A
    point of that view is (time of its last tick, mean of each value over its ticks).
    """

    def __init__(self, recent: int | None = None, long_points: int | None = None):
        self.recent: deque[tuple[float, ...]] = deque(maxlen=recent or RECENT_TICKS)
        self.long_points = long_points or LONG_POINTS
        self.count = 0  # rows appended so far
        self._long: list[tuple[float, ...]] = []
        self._per = 1  # ticks per point of the long view
        self._acc: list[float] = []  # sums of the point being filled
        self._nacc = 0
        self._t = 0.0

    def append(self, row: tuple[float, ...]) -> None:
        self.count += 1
        self.recent.append(row)
        if self._per == 1:
            self._long.append(row)
        else:
            if self._nacc == 0:
                self._acc = list(row[1:])
            else:
                self._acc = [a + v for a, v in zip(self._acc, row[1:], strict=False)]
            self._nacc += 1
            self._t = row[0]
            if self._nacc < self._per:
                return
            self._long.append(self._point())
            self._nacc = 0
        if len(self._long) >= self.long_points:  # halve the resolution of the whole-run view
            old = self._long
            self._long = [
                (b[0], *tuple((x + y) / 2 for x, y in zip(a[1:], b[1:], strict=False)))
                for a, b in zip(old[0::2], old[1::2], strict=False)
            ]
            self._per *= 2

    def _point(self) -> tuple[float, ...]:
        return (self._t, *tuple(a / self._nacc for a in self._acc))

    def since(self, count: int) -> list[tuple[float, ...]]:
        """The rows appended after the first ``count`` (for a reader that keeps up)."""
        new = self.count - count
        if new > len(self.recent):
            raise RuntimeError(f"series reader fell {new} rows behind (keeps {len(self.recent)})")
        k = len(self.recent)
        return list(islice(self.recent, k - new, k)) if new > 0 else []

    def last(self, n: int) -> tuple[tuple[float, ...], ...]:
        k = len(self.recent)
        return tuple(islice(self.recent, max(k - n, 0), k))

    def clear(self) -> None:
        Series.__init__(self, self.recent.maxlen, self.long_points)

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        yield from self._long
        if self._nacc:
            yield self._point()

    def __len__(self) -> int:
        return len(self._long) + (1 if self._nacc else 0)

    def __getitem__(self, i: int) -> tuple[float, ...]:
        return list(self)[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Iterable) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Series({list(self)!r})"


class ConfigError(Exception):
    """The incident asks for something the model cannot build (names the field)."""

    def __init__(self, fld: str, message: str):
        self.field = fld
        self.message = message
        super().__init__(f"{fld}: {message}")


# ---------------------------------------------------------------------- snapshot
@dataclass(frozen=True)
class TaskInfo:
    pid: int
    comm: str
    user: str
    threads: int
    cmdline: str
    state: str
    anon: tuple[float, ...]  # pages per node
    file: tuple[float, ...]
    shmem: tuple[float, ...]
    vm_pages: float
    cpu_s: float
    start: float
    oom_score_adj: int
    rss_status: tuple[int, int, int] = (0, 0, 0)  # anon, file, shmem pages as /proc/PID/status reads them
    oom_score: int = 0
    watchdog_mb: float = 0.0
    kthread: bool = False
    swap: float = 0.0  # pages swapped out (MM_SWAPENTS, VmSwap)
    hugetlb: float = 0.0  # 4 KiB pages of hugetlb segments it maps (HugetlbPages, numastat -p Huge)
    cpu_rate: float = 0.0  # CPUs used over the last seconds (top's %CPU / 100)
    running: int = 0  # threads runnable now

    @property
    def rss_pages(self) -> float:
        return sum(self.anon) + sum(self.file) + sum(self.shmem)

    @property
    def status_rss_pages(self) -> int:
        return sum(self.rss_status)


@dataclass(frozen=True)
class NodeMem:
    total: float
    free: float
    anon: float
    file: float
    mapped: float
    dirty: float
    shmem: float
    slab_rec: float
    slab_unrec: float
    kernel: float
    active_file: float
    inactive_file: float
    active_anon: float = 0.0  # the anon LRU split (lru.anon_lru_split)
    inactive_anon: float = 0.0
    writeback: float = 0.0  # pages under writeback
    hugepages_total: float = 0.0  # huge pages (HPAGE_KB each) in the node's hugetlb pool
    hugepages_free: float = 0.0


@dataclass(frozen=True)
class ServiceState:
    name: str
    throughput: float
    p99_ms: float
    up: bool
    hit_ratio: float


PsiView = tuple[tuple[str, tuple[int, int, int], int], ...]  # (state, fixed-point averages, total ns)


@dataclass(frozen=True)
class CgroupInfo:
    """One cgroup v2 memory group as its files show it (kernel.memcg, kernel.psi)."""

    path: str  # "/system.slice/chunkd.service"
    unit: str
    description: str
    pids: tuple[int, ...]
    threads: int
    high: float  # pages; PAGE_COUNTER_MAX: "max"
    max: float
    current: float
    stat: tuple[tuple[str, float], ...]  # memory.stat: sizes in pages, events in counts
    events: tuple[tuple[str, int], ...]
    pressure: PsiView
    started: float  # sim seconds (negative: before the incident started)
    cpu_s: float
    needs: float = 0.0  # pages the service holds at full speed (heap, mapped files, its cache)
    busy_cpus: float = 0.0  # CPUs its threads kept busy over the last tick
    stalled: float = 0.0  # share of its threads' time in a memory stall over the last tick


def psi_view(g: PsiGroup) -> PsiView:
    return tuple((s, (a[0], a[1], a[2]), g.total_ns[s]) for s, a in g.avg.items())


@dataclass(frozen=True)
class Snapshot:
    t: float
    uptime: float
    hostname: str
    kernel: str
    booting: bool
    boot_kernels: tuple[str, ...]
    kexec_loaded: str | None
    nnodes: int
    cpus_per_node: int
    distances: tuple[tuple[int, ...], ...]
    nodes: tuple[NodeMem, ...]
    numastat: tuple[tuple[str, tuple[int, ...]], ...]
    vm: tuple[tuple[str, int], ...]
    sysctl: tuple[tuple[str, int | str], ...]
    tasks: tuple[TaskInfo, ...]
    perf: tuple[PerfRow, ...]
    perf_samples: int
    perf_events: int
    services: tuple[ServiceState, ...]
    history: tuple[tuple[float, float, float], ...]  # (t, throughput, p99_ms) of the SLO service
    dmesg: tuple[tuple[float, str], ...]
    disk_util: float
    wm_low: tuple[float, ...] = field(default=())
    loadavg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    busy_cpus: float = 0.0
    kernel_share: float = 0.0
    thp_enabled: str | None = None
    io_scheduler: tuple[tuple[str, str], ...] = ()
    hugetlb_pages: tuple[float, ...] = ()
    patches: tuple[str, ...] = ()
    perf_by_comm: tuple[PerfRow, ...] = ()  # the same samples per (symbol, command), for perf top --sort comm
    units: tuple[tuple[str, str], ...] = ()  # systemd units and their ActiveState
    trace: TraceCounts = field(
        default_factory=TraceCounts
    )  # the model's own call counts since this boot (kernel.trace)
    swap_total: float = 0.0  # pages
    swap_free: float = 0.0
    hugepage_kb: int = 2048
    hugepages_rsvd: float = 0.0
    wall_start: float = 0.0  # seconds since the epoch (UTC) at t = 0 (era.wall_start)
    nr_running: int = 1  # runnable threads (/proc/loadavg, vmstat r, procs_running)
    nr_threads: int = 0  # threads of every task
    thp_defrag: str | None = None
    zones: tuple[ZoneSnap, ...] = ()  # per zone: watermarks, free lists (kernel.zoneinfo)
    pressure: PsiView = ()  # /proc/pressure/* (kernel.psi), the whole box
    cgroups: tuple[CgroupInfo, ...] = ()  # the memory cgroups the workloads run in

    def sysctl_value(self, name: str) -> int | str | None:
        return dict(self.sysctl).get(name)

    def setting(self, name: str) -> int | str | None:
        """A sysctl's value, or "transparent_hugepage": the THP enabled/defrag pair ("always/always")."""
        if name == "transparent_hugepage":
            return f"{self.thp_enabled}/{self.thp_defrag}"
        return self.sysctl_value(name)

    def vm_value(self, name: str) -> int:
        return dict(self.vm).get(name, 0)

    def service(self, name: str) -> ServiceState | None:
        for s in self.services:
            if s.name == name:
                return s
        return None

    def numa(self, name: str) -> tuple[int, ...]:
        return dict(self.numastat)[name]


# ---------------------------------------------------------------------- world
def _kthread_info(t: Task, nnodes: int) -> TaskInfo:
    """A kernel thread as the tools see it: no mm (no memory, no RSS counters), never an OOM
    victim (oom_score 0)."""
    zero = (0.0,) * nnodes
    return TaskInfo(
        pid=t.pid,
        comm=t.comm,
        user=t.user,
        threads=t.threads,
        cmdline=t.cmdline,
        state=t.state,
        anon=zero,
        file=zero,
        shmem=zero,
        vm_pages=0.0,
        cpu_s=t.cpu_s,
        start=t.start,
        oom_score_adj=t.oom_score_adj,
        rss_status=(0, 0, 0),
        oom_score=0,
        kthread=True,
        cpu_rate=t.cpu_rate,
        running=min(t.threads, round(t.cpu_rate)),
    )


def _known(what: str, name: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(name, sorted(known), n=1)
    return f"unknown {what} {name!r}" + (f" (did you mean {near[0]!r}?)" if near else "")


def check_model_names(incident: Incident) -> None:
    """The names an incident takes from the model: its sysctls, workload kinds and patch effects."""
    for name in incident.sysctl:
        if name not in SYSCTLS:
            raise ConfigError(f"sysctl.{name}", _known("sysctl", name, SYSCTLS))
    for w in incident.workloads:
        if w.kind not in KINDS:
            raise ConfigError(f"{w.field_path}.kind", _known("workload kind", w.kind, KINDS))
    for i, p in enumerate(incident.patches):
        for effect in p.effect.split("+"):
            if effect not in PATCH_EFFECTS:
                raise ConfigError(
                    f"patch[{i}].effect",
                    f"unknown effect {p.effect!r} (known: {', '.join(sorted(PATCH_EFFECTS))})",
                )


class World:
    def __init__(self, incident: Incident, seed: int = 0, preroll: bool = True):
        self.incident = incident
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.t = 0.0
        ms = incident.machine
        self.slo_service = incident.slo.service
        self.down_until = -1.0
        self.kexec_loaded: str | None = None
        self.watchdog_stopped = False  # systemctl stop svc-watchdog
        self.boot_sysctl: dict[str, int | str] = dict(incident.sysctl)  # /etc/sysctl.conf
        self.history = Series()  # (t, throughput, p99_ms) of the SLO service, per tick
        # (t, reported MB, true MB) of every watched service: the debrief's "VmRSS vs truth" chart
        self.rss_history: dict[str, Series] = {}
        self.boots = 0  # reboots so far: a reboot starts the kernel's call counters again
        self.psi = PsiGroup("/")  # the whole box's pressure stall information (/proc/pressure)
        pre = ms.preroll_s
        check_model_names(incident)
        self.machine = self._boot(ms.kernel, uptime=max(ms.uptime_s - pre, 0.0))
        self.workloads: list[Workload] = []
        for w in incident.workloads:
            try:
                self.workloads.append(make_workload(w, self.machine))
            except ParamError as e:
                raise ConfigError(f"{w.field_path}.{e.field}", e.message) from None
        if preroll:
            self._preroll(pre)
        self._snap: Snapshot | None = None
        # The kernel's call rates when the run started and just before each action (bounded):
        # the debrief draws the mechanism before and after the fix from them.
        self.trace_marks: list[tuple[float, str, tuple[tuple[str, float], ...]]] = [self._trace_mark()]

    def __getstate__(self) -> dict[str, Any]:
        """For a warmed world (game.warm): everything but the incident, which the loader re-attaches."""
        state = self.__dict__.copy()
        state["incident"] = None
        state["_snap"] = None
        return state

    def _boot(self, kernel: str, uptime: float, rebooted: bool = False) -> Machine:
        return Machine(
            self.incident.machine,
            kernel,
            dict(self.boot_sysctl),
            self.rng,
            uptime_s=uptime,
            rebooted=rebooted,
        )

    def _preroll(self, seconds: float) -> None:
        """Run the machine up to the moment the incident starts, then scale the
        counters to the whole uptime (the machine has been in this state since boot)."""
        m = self.machine
        numa0 = {k: v.copy() for k, v in m.numa.items()}
        ev0 = dict(m.ev)
        steps = round(seconds / DT)
        f = self.incident.machine.uptime_s / seconds if seconds > 0 else 1.0
        part = round((f - math.floor(f)) * steps)  # the steps of the last, partial repetition
        numa_part = numa0
        for i in range(steps):
            if i == part:
                numa_part = {k: v.copy() for k, v in m.numa.items()}
            self._tick(DT, record=False)
        if steps and part >= steps:
            numa_part = {k: v.copy() for k, v in m.numa.items()}
        if seconds > 0 and self.incident.machine.uptime_s > seconds:
            # Only what accrued at the steady rate is extrapolated, not the start-up allocations.
            # The NUMA counters are whole pages: the pre-roll repeated a whole number of times
            # plus its first part, so each of their identities still holds exactly.
            q = math.floor(f)
            for k in m.numa:
                m.numa[k] = numa0[k] + (m.numa[k] - numa0[k]) * q + (numa_part[k] - numa0[k])
            self._extrapolate_events(ev0, f)
        # The load average has been what the steady state gives for most of the uptime.
        if seconds > 0 and self.incident.machine.uptime_s > 900:
            m.loadavg[:] = m.loadavg[0]
        # perf top counts samples from when it starts: keep only what its moving window holds.
        m.perf.total_cpu_s = sum(m.perf.window.values())
        self.psi.avg_last_update -= self.t
        # Workloads that keep times of their own move them with the clock, and the stall
        # totals get the history before the pre-roll (the box has been like this since then).
        history = max((w.preroll_done(self.t) for w in self.workloads), default=0.0)
        if history > 0:
            shares = {s: a[2] / (100 * 2048) for s, a in self.psi.avg.items()}
            self.psi.add_history(history, shares)
        self.t = 0.0
        self.history.clear()

    def _extrapolate_events(self, ev0: dict[str, float], f: float) -> None:
        """The event counters of a box up ``f`` pre-rolls: what each accrued in the pre-roll,
        ``f`` times.  Pages allocated and pages freed are the exception: at the steady state
        the box has been in since boot every allocated page is freed again, so only their
        common part (the churn) repeats; what the pre-roll took from the free lists (or gave
        back) happened once, and pgfree - pgalloc stays the free memory."""
        m = self.machine
        delta = {k: m.ev[k] - ev0.get(k, 0.0) for k in list(m.ev)}
        allocs = [k for k in delta if k.startswith("pgalloc_")]
        alloc = sum(delta[k] for k in allocs)
        churn = max(min(alloc, delta.get("pgfree", 0.0)), 0.0)
        for k, d in delta.items():
            if k == "pgfree":
                d = churn
            elif k in allocs:
                d = churn * d / alloc if alloc > 0 else 0.0
            m.ev[k] += d * (f - 1.0)

    # ------------------------------------------------------------------ time
    @property
    def booting(self) -> bool:
        return self.t < self.down_until

    def _tick(self, dt: float, record: bool = True) -> None:
        m = self.machine
        if not self.booting:
            for w in self.workloads:
                m.perf.current = w.task.comm if w.task is not None else w.name  # what perf samples run in
                w.step(m, self.t, dt)
            m.perf.current = "swapper"
            m.tick(dt)
            self._psi_tick(dt)
        else:
            for w in self.workloads:
                w.ind = Indicators(0.0, 0.0, False)
        self.t += dt
        if record:
            ind = self.service_indicators(self.slo_service)
            self.history.append((round(self.t, 3), ind.throughput, ind.p99_ms))
            for w in self.workloads:
                if w.watchdog_mb > 0 and w.task is not None and w.task.alive:
                    rep = sum(m.rss_read(w.task, "status")[:3]) / PAGES_PER_MB
                    if w.name not in self.rss_history:
                        self.rss_history[w.name] = Series(recent=HISTORY_SHOWN)
                    self.rss_history[w.name].append((round(self.t, 3), rep, w.task.rss_pages / PAGES_PER_MB))
        self._snap = None

    def _psi_tick(self, dt: float) -> None:
        """The box's PSI: the CPUs the workloads report stalls for, and one for the daemons."""
        cpus: list[CpuTimes] = []
        for w in self.workloads:
            cpus.extend(w.cpu_times)
        if not cpus:
            return
        cpus.append(CpuTimes(nonidle=0.02 * dt))
        self.psi.collect_percpu_times(cpus)
        self.psi.update_averages(self.t + dt)

    def step(self, seconds: float = DT) -> None:
        n = max(round(seconds / DT), 0)
        for _ in range(n):
            self._tick(DT)

    def service_indicators(self, service: str) -> Indicators:
        ws = [w for w in self.workloads if w.service == service]
        if not ws or self.booting:
            return Indicators(0.0, 0.0, False)
        up = all(w.ind.up for w in ws)
        tput = sum(w.ind.throughput for w in ws)
        p99 = max(w.ind.p99_ms for w in ws) if up else 0.0
        hit = float(np.mean([w.ind.hit_ratio for w in ws]))
        return Indicators(tput, p99, up, hit)

    # ------------------------------------------------------------------ actions
    def _trace_mark(self) -> tuple[float, str, tuple[tuple[str, float], ...]]:
        return (round(self.t, 3), str(self.machine.version), tuple(sorted(self.machine.trace.rate.items())))

    def apply(self, action: Action) -> Applied | None:
        """Change the machine (every change goes through here).  Returns what the action did
        (its label for the timeline, its cost for the score), or None when nothing happened."""
        if self.booting:
            raise ActionError("the machine is booting")
        self.trace_marks = (self.trace_marks[:1] + self.trace_marks[1:][-62:]) + [self._trace_mark()]
        done = action.apply(self)
        if done is not None:
            self._snap = None
        return done

    # ------------------------------------------------------------------ units
    def watched(self) -> list[Workload]:
        """The workloads the RSS watchdog watches."""
        return [w for w in self.workloads if w.watchdog_mb > 0]

    def units(self) -> dict[str, str]:
        """systemd's units on the box and their ActiveState (active, activating, inactive, failed)."""
        out: dict[str, str] = {}
        for w in self.workloads:
            if w.stopped:
                state = "inactive"
            elif w.failed:
                state = "failed"
            elif self.booting or self.t < w.down_until or w.pending_start:
                state = "activating"
            else:
                state = "active"
            out[w.unit] = state
        if self.watched():
            out[WATCHDOG_UNIT] = "inactive" if self.watchdog_stopped else "active"
        return out

    def loaded_patches(self) -> set[str]:
        return set(self.machine.patches)

    def reboot(self, version: str) -> None:
        """kexec -e: boot ``version``; the workloads start again once the boot is over."""
        boot_s = self.incident.machine.boot_s
        self.machine = self._boot(version, uptime=-boot_s, rebooted=True)
        self.psi = PsiGroup("/")
        self.psi.avg_last_update = self.t + boot_s
        self.boots += 1
        self.down_until = self.t + boot_s
        for w in self.workloads:
            w.on_boot(self.machine, self.t, boot_s)
            w.stopped = False  # enabled units start at boot
            w.watchdog_running = True
        self.watchdog_stopped = False
        self.kexec_loaded = None

    # ------------------------------------------------------------------ snapshot
    def snapshot(self) -> Snapshot:
        if self._snap is None:
            self._snap = self._make_snapshot()
        return self._snap

    def _make_snapshot(self) -> Snapshot:
        m = self.machine
        n = m.nnodes
        free = m.free
        anon = m.anon_pages()
        mapped = m.mapped_pages()
        filep = m.file_pages()
        shmem = m.shmem_pages()
        act_anon, inact_anon = m.anon_lru_split()
        act_file, inact_file = m.file_lru_split()
        nodes = []
        for z in range(n):
            nodes.append(
                NodeMem(
                    total=m.node_pages,
                    free=float(free[z]),
                    anon=float(anon[z]),
                    file=float(filep[z]),
                    mapped=float(mapped[z]),
                    dirty=float(m.dirty[z]),
                    shmem=float(shmem[z]),
                    slab_rec=float(m.slab_rec[z]),
                    slab_unrec=float(m.slab_unrec[z]),
                    kernel=float(m.kernel_pages[z]),
                    active_file=float(act_file[z]),
                    inactive_file=float(inact_file[z]),
                    active_anon=float(act_anon[z]),
                    inactive_anon=float(inact_anon[z]),
                    writeback=float(m.writeback[z]),
                    hugepages_total=float(m.hugepages_total[z]),
                    hugepages_free=float(m.hugepages_free[z]),
                )
            )
        numastat = tuple((k, tuple(int(x) for x in v)) for k, v in m.numa.items())
        vm = {k: int(v) for k, v in m.ev.items() if not k.startswith("workingset_shadow")}
        vm["pgmajfault"] = vm.get("pgmajfault", 0)
        totalpages = int(m.node_pages * m.nnodes + m.swap_total)  # totalram_pages() + total_swap_pages
        watch = {
            w.task.pid: w.watchdog_mb for w in self.workloads if w.watchdog_mb > 0 and w.task is not None
        }
        tasks = tuple(
            _kthread_info(t, m.nnodes)
            if t.extra.get("kthread")
            else TaskInfo(
                pid=t.pid,
                comm=t.comm,
                user=t.user,
                threads=t.threads,
                cmdline=t.cmdline,
                state=t.state,
                anon=tuple(map(float, t.anon)),
                file=tuple(map(float, t.file)),
                shmem=tuple(map(float, t.shmem)),
                vm_pages=t.vm_pages_total,
                cpu_s=t.cpu_s,
                start=t.start,
                oom_score_adj=t.oom_score_adj,
                rss_status=cast("tuple[int, int, int]", tuple(m.rss_read(t, "status")[:3])),
                oom_score=oom_score(m, t, totalpages),
                watchdog_mb=watch.get(t.pid, 0.0),
                kthread=bool(t.extra.get("kthread")),
                swap=float(t.extra.get("swap", 0.0)),
                hugetlb=float(t.extra.get("hugetlb", 0.0)),
                cpu_rate=t.cpu_rate,
                running=m.running_threads(t),
            )
            for t in sorted(m.tasks.values(), key=lambda t: t.pid)
            if t.alive
        )
        services = []
        seen = []
        for w in self.workloads:
            if w.service in seen:
                continue
            seen.append(w.service)
            ind = self.service_indicators(w.service)
            services.append(ServiceState(w.service, ind.throughput, ind.p99_ms, ind.up, ind.hit_ratio))
        return Snapshot(
            t=round(self.t, 3),
            uptime=max(m.uptime, 0.0),
            hostname=m.hostname,
            kernel=str(m.version),
            booting=self.booting,
            boot_kernels=self.incident.machine.boot_kernels,
            kexec_loaded=self.kexec_loaded,
            nnodes=n,
            cpus_per_node=m.cpus_per_node,
            distances=tuple(tuple(int(x) for x in row) for row in m.distance),
            nodes=tuple(nodes),
            numastat=numastat,
            vm=tuple(sorted(vm.items())),
            sysctl=tuple(sorted(m.sysctl.items())),
            tasks=tasks,
            perf=m.perf.rows()[:64],
            perf_by_comm=m.perf.rows(by_comm=True)[:128],
            perf_samples=m.perf.samples,
            perf_events=m.perf.event_count,
            services=tuple(services),
            history=cast("tuple[tuple[float, float, float], ...]", self.history.last(HISTORY_SHOWN)),
            dmesg=m.dmesg.tail(400),
            disk_util=m.disk.util,
            wm_low=tuple(map(float, m.wm_low)),
            loadavg=(float(m.loadavg[0]), float(m.loadavg[1]), float(m.loadavg[2])),
            busy_cpus=m.perf.busy_cpus,
            kernel_share=m.perf.kernel_share,
            thp_enabled=m.thp_enabled,
            io_scheduler=tuple(sorted(m.io_scheduler.items())),
            hugetlb_pages=tuple(map(float, m.hugetlb)),
            patches=tuple(sorted(m.patches)),
            units=tuple(sorted(self.units().items())),
            trace=m.trace.view(self.boots, m.trace_placement()),
            swap_total=m.swap_total,
            swap_free=m.swap_free,
            hugepage_kb=HPAGE_KB,
            hugepages_rsvd=float(m.hugepages_rsvd.sum()),
            wall_start=wall_start(self.incident.machine.wall_start, self.incident.machine.kernel),
            # The shell reading the snapshot (top, cat /proc/loadavg) is running too.
            nr_running=1 + sum(x.running for x in tasks),
            nr_threads=sum(x.threads for x in tasks),
            thp_defrag=m.thp_defrag,
            zones=zone_snapshots(m),
            pressure=psi_view(self.psi),
            cgroups=self._cgroups(),
        )

    def _cgroups(self) -> tuple[CgroupInfo, ...]:
        out = []
        for w in self.workloads:
            cg = w.memcg()
            if cg is None:
                continue
            own = [t for t in self.machine.tasks.values() if t.owner == w.name and t.alive]
            stat = {
                "anon": cg.anon,
                "file": cg.file,
                "kernel_stack": cg.kernel_stack,
                "percpu": cg.percpu,
                "sock": cg.sock,
                "shmem": 0.0,
                "file_mapped": cg.file_mapped,
                "file_dirty": cg.file_dirty,
                "file_writeback": cg.file_writeback,
                "inactive_anon": cg.anon,
                "active_anon": 0.0,
                "inactive_file": cg.inactive_file,
                "active_file": cg.active_file,
                "slab_reclaimable": cg.slab_reclaimable,
                "slab_unreclaimable": cg.slab_unreclaimable,
            } | cg.stat
            out.append(
                CgroupInfo(
                    path=cg.path,
                    unit=w.unit,
                    description=w.description,
                    pids=tuple(t.pid for t in own),
                    threads=sum(t.threads for t in own),
                    high=cg.high,
                    max=cg.max,
                    current=cg.page_counter_read(),
                    stat=tuple(stat.items()),
                    events=tuple(cg.events.items()),
                    pressure=psi_view(w.psi) if w.psi is not None else (),
                    started=w.started_at,
                    cpu_s=w.task.cpu_s if w.task is not None else 0.0,
                    needs=w.needs_pages(),
                    busy_cpus=w.busy_cpus,
                    stalled=w.stalled,
                )
            )
        return tuple(out)


__all__ = [
    "DT",
    "WATCHDOG_UNIT",
    "Action",
    "ActionError",
    "Applied",
    "CgroupInfo",
    "ConfigError",
    "Cost",
    "KernelVersion",
    "KexecExec",
    "KexecLoad",
    "KillProcess",
    "KpatchLoad",
    "KpatchUnload",
    "RestartService",
    "Series",
    "SetBootSysctl",
    "SetCgroupLimit",
    "SetOomScoreAdj",
    "SetScheduler",
    "SetSysctl",
    "SetTHP",
    "SetTHPDefrag",
    "SetWatchdogLimit",
    "Snapshot",
    "StartService",
    "StopService",
    "World",
]
