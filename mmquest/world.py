"""One machine and its workloads: ``step(dt)``, ``apply(action)`` and immutable snapshots.

The world is the only thing that changes the simulated machine.  Every change goes
through :meth:`World.apply` with an action object, and every reader (the panes, the
shell, the judge) reads a :class:`Snapshot`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from .kernel import SYSCTLS, KernelVersion, Machine
from .kernel.era import wall_start
from .kernel.machine import HPAGE_KB, PAGES_PER_MB, PATCH_EFFECTS
from .kernel.memcg import PAGE_COUNTER_MAX
from .kernel.oom import oom_score
from .kernel.perf import PerfRow
from .kernel.psi import CpuTimes, PsiGroup
from .kernel.trace import TraceCounts
from .workloads import Indicators, ParamError, make_workload

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
                self._acc = [a + v for a, v in zip(self._acc, row[1:])]
            self._nacc += 1
            self._t = row[0]
            if self._nacc < self._per:
                return
            self._long.append(self._point())
            self._nacc = 0
        if len(self._long) >= self.long_points:  # halve the resolution of the whole-run view
            old = self._long
            self._long = [
                (b[0],) + tuple((x + y) / 2 for x, y in zip(a[1:], b[1:]))
                for a, b in zip(old[0::2], old[1::2])
            ]
            self._per *= 2

    def _point(self) -> tuple[float, ...]:
        return (self._t,) + tuple(a / self._nacc for a in self._acc)

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
        self.__init__(self.recent.maxlen, self.long_points)

    def __iter__(self) -> Iterator[tuple[float, ...]]:
        yield from self._long
        if self._nacc:
            yield self._point()

    def __len__(self) -> int:
        return len(self._long) + (1 if self._nacc else 0)

    def __getitem__(self, i):
        return list(self)[i]

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"Series({list(self)!r})"


class ConfigError(Exception):
    """The incident asks for something the model cannot build (names the field)."""

    def __init__(self, fld: str, message: str):
        self.field = fld
        self.message = message
        super().__init__(f"{fld}: {message}")


class ActionError(Exception):
    """An action the machine refuses, with the message the real tool would print."""


# ---------------------------------------------------------------------- actions
@dataclass(frozen=True)
class SetSysctl:
    name: str
    value: int | str


@dataclass(frozen=True)
class RestartService:
    unit: str


@dataclass(frozen=True)
class StopService:
    """systemctl stop: the unit stays down until started (svc-watchdog: no more restarts)."""

    unit: str


@dataclass(frozen=True)
class StartService:
    unit: str


WATCHDOG_UNIT = "svc-watchdog"  # the RSS watchdog of the services with watchdog_max_rss_mb


@dataclass(frozen=True)
class KexecLoad:
    version: str


@dataclass(frozen=True)
class KexecExec:
    pass


@dataclass(frozen=True)
class SetTHP:
    mode: str  # always | madvise | never


@dataclass(frozen=True)
class SetScheduler:
    device: str
    name: str


@dataclass(frozen=True)
class KillProcess:
    pid: int
    signal: int = 15


@dataclass(frozen=True)
class SetOomScoreAdj:
    pid: int
    value: int


@dataclass(frozen=True)
class SetWatchdogLimit:
    unit: str
    mb: float


@dataclass(frozen=True)
class SetBootSysctl:
    """/etc/sysctl.conf changed: applied at every boot (and by `sysctl -p`)."""

    values: tuple[tuple[str, int | str], ...]


@dataclass(frozen=True)
class SetCgroupLimit:
    """MemoryHigh=/MemoryMax= of a unit (systemctl set-property), or a write to its
    memory.high/memory.max.  ``pages`` PAGE_COUNTER_MAX: no limit ("max", "infinity")."""

    unit: str
    which: str  # "high" | "max"
    pages: float
    how: str = "set-property"  # or "write": the label says which the player used


@dataclass(frozen=True)
class KpatchLoad:
    id: str


@dataclass(frozen=True)
class KpatchUnload:
    id: str


Action = (
    SetSysctl
    | RestartService
    | StopService
    | StartService
    | KexecLoad
    | KexecExec
    | KpatchLoad
    | KpatchUnload
    | SetTHP
    | SetScheduler
    | KillProcess
    | SetOomScoreAdj
    | SetWatchdogLimit
    | SetBootSysctl
    | SetCgroupLimit
)


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
    trace: TraceCounts = TraceCounts()  # the model's own call counts since this boot (kernel.trace)
    swap_total: float = 0.0  # pages
    swap_free: float = 0.0
    hugepage_kb: int = 2048
    hugepages_rsvd: float = 0.0
    wall_start: float = 0.0  # seconds since the epoch (UTC) at t = 0 (era.wall_start)
    nr_running: int = 1  # runnable threads (/proc/loadavg, vmstat r, procs_running)
    nr_threads: int = 0  # threads of every task
    pressure: PsiView = ()  # /proc/pressure/* (kernel.psi), the whole box
    cgroups: tuple[CgroupInfo, ...] = ()  # the memory cgroups the workloads run in

    def sysctl_value(self, name: str):
        return dict(self.sysctl).get(name)

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
        self.machine = self._boot(ms.kernel, uptime=max(ms.uptime_s - pre, 0.0))
        self.workloads = []
        for w in incident.workloads:
            try:
                self.workloads.append(make_workload(w, self.machine))
            except ParamError as e:
                raise ConfigError(f"{w.field_path}.{e.field}", e.message) from None
        for i, p in enumerate(incident.patches):
            if not set(p.effect.split("+")) <= PATCH_EFFECTS:
                raise ConfigError(
                    f"patch[{i}].effect",
                    f"unknown effect {p.effect!r} (known: {', '.join(sorted(PATCH_EFFECTS))})",
                )
        if preroll:
            self._preroll(pre)
        self._snap: Snapshot | None = None
        # The kernel's call rates when the run started and just before each action (bounded):
        # the debrief draws the mechanism before and after the fix from them.
        self.trace_marks: list[tuple[float, str, tuple[tuple[str, float], ...]]] = [self._trace_mark()]

    def __getstate__(self) -> dict:
        """For a warmed world (game.warm): everything but the incident, which the loader re-attaches."""
        state = self.__dict__.copy()
        state["incident"] = None
        state["_snap"] = None
        return state

    def _boot(self, kernel: str, uptime: float, rebooted: bool = False) -> Machine:
        try:
            return Machine(
                self.incident.machine,
                kernel,
                dict(self.boot_sysctl),
                self.rng,
                uptime_s=uptime,
                rebooted=rebooted,
            )
        except KeyError as e:
            raise ConfigError(f"sysctl.{e.args[0]}", "unknown sysctl") from None

    def _preroll(self, seconds: float) -> None:
        """Run the machine up to the moment the incident starts, then scale the
        counters to the whole uptime (the machine has been in this state since boot)."""
        m = self.machine
        numa0 = {k: v.copy() for k, v in m.numa.items()}
        ev0 = dict(m.ev)
        steps = int(round(seconds / DT))
        for _ in range(steps):
            self._tick(DT, record=False)
        if seconds > 0 and self.incident.machine.uptime_s > seconds:
            # Only what accrued at the steady rate is extrapolated, not the start-up allocations.
            f = self.incident.machine.uptime_s / seconds
            for k in m.numa:
                m.numa[k] = numa0[k] + (m.numa[k] - numa0[k]) * f
            for k in list(m.ev):
                m.ev[k] = ev0.get(k, 0.0) + (m.ev[k] - ev0.get(k, 0.0)) * f
        # The load average has been what the steady state gives for most of the uptime.
        if seconds > 0 and self.incident.machine.uptime_s > 900:
            m.loadavg[:] = m.loadavg[0]
        # perf top counts samples from when it starts: keep only what its moving window holds.
        m.perf.total_cpu_s = sum(m.perf.window.values())
        self.psi.avg_last_update -= self.t
        # Workloads that keep times of their own move them with the clock, and the stall
        # totals get the history before the pre-roll (the box has been like this since then).
        history = 0.0
        for w in self.workloads:
            if hasattr(w, "preroll_done"):
                history = max(history, w.preroll_done(self.t))
        if history > 0:
            shares = {s: a[2] / (100 * 2048) for s, a in self.psi.avg.items()}
            self.psi.add_history(history, shares)
        self.t = 0.0
        self.history.clear()

    # ------------------------------------------------------------------ time
    @property
    def booting(self) -> bool:
        return self.t < self.down_until

    def _tick(self, dt: float, record: bool = True) -> None:
        m = self.machine
        if not self.booting:
            for w in self.workloads:
                task = getattr(w, "task", None)
                m.perf.current = task.comm if task is not None else w.name  # what perf samples run in
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
                if getattr(w, "watchdog_mb", 0) > 0 and getattr(w, "task", None) is not None and w.task.alive:
                    rep = sum(m.rss_read(w.task, "status")[:3]) / PAGES_PER_MB
                    if w.name not in self.rss_history:
                        self.rss_history[w.name] = Series(recent=HISTORY_SHOWN)
                    self.rss_history[w.name].append((round(self.t, 3), rep, w.task.rss_pages / PAGES_PER_MB))
        self._snap = None

    def _psi_tick(self, dt: float) -> None:
        """The box's PSI: the CPUs the workloads report stalls for, and one for the daemons."""
        cpus: list[CpuTimes] = []
        for w in self.workloads:
            cpus.extend(getattr(w, "cpu_times", ()))
        if not cpus:
            return
        cpus.append(CpuTimes(nonidle=0.02 * dt))
        self.psi.collect_percpu_times(cpus)
        self.psi.update_averages(self.t + dt)

    def step(self, seconds: float = DT) -> None:
        n = max(int(round(seconds / DT)), 0)
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

    def apply(self, action: Action) -> str:
        """Change the machine.  Returns a short description for the timeline."""
        m = self.machine
        if self.booting:
            raise ActionError("the machine is booting")
        self.trace_marks = (self.trace_marks[:1] + self.trace_marks[1:][-62:]) + [self._trace_mark()]
        desc = None  # a label other than describe(action), where the machine's state decides it
        if isinstance(action, SetSysctl):
            d = SYSCTLS.get(action.name)
            if d is None or action.name not in m.sysctl:
                raise ActionError(
                    f"cannot stat /proc/sys/{action.name.replace('.', '/')}: No such file or directory"
                )
            if not d.writable:
                raise ActionError("permission denied")
            if d.text:
                m.sysctl[action.name] = str(action.value)
            else:
                v = int(action.value)
                if not d.lo <= v <= d.hi:
                    raise ActionError("Invalid argument")
                if action.name == "vm.drop_caches":
                    m.drop_caches(v)
                elif action.name == "vm.compact_memory":
                    m.compact_memory()
                if not d.trigger:
                    m.sysctl[action.name] = v
        elif isinstance(action, RestartService):
            ws = [w for w in self.workloads if action.unit in (w.name, w.service, getattr(w, "unit", None))]
            if not ws and action.unit == WATCHDOG_UNIT and self._watched():
                was = self.watchdog_stopped
                self._stop_start(StartService(WATCHDOG_UNIT))
                desc = f"start {WATCHDOG_UNIT}" if was else "watchdog restarted"  # no outage: it only watches
            elif not ws:
                raise ActionError(f"Unit {action.unit}.service not found.")
            was_up = any(w.ind.up for w in ws)
            for w in ws:
                w.stopped = False
                w.restart(self.t)
            if ws and not was_up:  # starting a unit that was down or failed costs nothing more
                desc = f"start {action.unit}"
        elif isinstance(action, (StopService, StartService)):
            desc = self._stop_start(action)
            if desc is None:
                return ""  # stopping a stopped unit, starting a running one: nothing happens, no action
        elif isinstance(action, KillProcess):
            t = m.tasks.get(action.pid)
            if t is None or not t.alive:
                raise ActionError(f"({action.pid}) - No such process")
            if action.signal == 0:
                return "signal 0"
            if t.pid == 1 or t.extra.get("kthread"):
                return f"kill {t.comm} (ignored)"
            m.log(f"{t.comm}[{t.pid}]: received signal {action.signal}, exiting")
            m.kill_task(t)
            desc = f"kill {t.comm}"
        elif isinstance(action, SetOomScoreAdj):
            t = m.tasks.get(action.pid)
            if t is None or not t.alive:
                raise ActionError("No such process")
            if not -1000 <= action.value <= 1000:
                raise ActionError("Invalid argument")
            t.oom_score_adj = action.value
            desc = f"oom_score_adj {t.comm}={action.value}"
        elif isinstance(action, SetBootSysctl):
            for name, _ in action.values:
                if name not in SYSCTLS or name not in m.sysctl:
                    raise ActionError(f"unknown key '{name}'")
            self.boot_sysctl = dict(action.values)
        elif isinstance(action, SetWatchdogLimit):
            ws = [
                w
                for w in self.workloads
                if getattr(w, "unit", None) == action.unit and getattr(w, "watchdog_mb", 0) > 0
            ]
            if not ws:
                return "watchdog config (no watched unit)"
            for w in ws:
                if w.watchdog_mb == action.mb:
                    return "watchdog config unchanged"
                w.watchdog_mb = action.mb
        elif isinstance(action, KexecLoad):
            if action.version not in self.incident.machine.boot_kernels:
                raise ActionError(f"Cannot open `/boot/vmlinuz-{action.version}': No such file or directory")
            self.kexec_loaded = action.version
        elif isinstance(action, KexecExec):
            if not self.kexec_loaded:
                raise ActionError("Nothing has been loaded!")
            self._reboot(self.kexec_loaded)
        elif isinstance(action, SetTHP):
            if m.thp_enabled is None:
                raise ActionError("No such file or directory")
            if action.mode not in ("always", "madvise", "never"):
                raise ActionError("Invalid argument")
            m.thp_enabled = action.mode
        elif isinstance(action, SetScheduler):
            if action.device not in m.io_scheduler:
                raise ActionError("No such file or directory")
            if action.name not in ("noop", "deadline", "cfq"):
                raise ActionError("Invalid argument")
            m.io_scheduler[action.device] = action.name
        elif isinstance(action, SetCgroupLimit):
            ws = [w for w in self.workloads if hasattr(w, "set_limit") and action.unit in (w.name, w.unit)]
            if not ws:
                raise ActionError(f"Unit {action.unit}.service not found.")
            for w in ws:
                if (w.high if action.which == "high" else w.max) == action.pages:
                    return ""  # the same limit again: nothing happens
                w.set_limit(action.which, action.pages)
        elif isinstance(action, KpatchLoad):
            p = self._patch(action.id)
            if p.id in m.patches:
                raise ActionError(f"module kpatch_{p.id} is already loaded")
            m.load_patch(p.id, p.effect)
        elif isinstance(action, KpatchUnload):
            p = self._patch(action.id)
            if p.id not in m.patches:
                raise ActionError(f"module kpatch_{p.id} is not loaded")
            m.unload_patch(p.id)
        else:  # pragma: no cover - programming error
            raise TypeError(action)
        self._snap = None
        return desc or describe(action)

    # ------------------------------------------------------------------ units
    def _watched(self) -> list:
        return [w for w in self.workloads if getattr(w, "watchdog_mb", 0) > 0]

    def units(self) -> dict[str, str]:
        """systemd's units on the box and their ActiveState (active, activating, inactive, failed)."""
        out: dict[str, str] = {}
        for w in self.workloads:
            unit = getattr(w, "unit", None) or w.name
            if getattr(w, "stopped", False):
                state = "inactive"
            elif getattr(w, "failed", False):
                state = "failed"
            elif self.booting or self.t < w.down_until or getattr(w, "_pending_start", False):
                state = "activating"
            else:
                state = "active"
            out[unit] = state
        if self._watched():
            out[WATCHDOG_UNIT] = "inactive" if self.watchdog_stopped else "active"
        return out

    def _stop_start(self, action) -> str | None:
        stop = isinstance(action, StopService)
        verb = "stop" if stop else "start"
        if action.unit == WATCHDOG_UNIT and self._watched():
            if self.watchdog_stopped == stop:
                return None
            self.watchdog_stopped = stop
            for w in self._watched():
                w.watchdog_running = not stop
            return f"{verb} {WATCHDOG_UNIT}"
        ws = [w for w in self.workloads if action.unit in (w.name, getattr(w, "unit", None))]
        if not ws:
            raise ActionError(f"Unit {action.unit}.service not " + ("loaded." if stop else "found."))
        changed = False
        for w in ws:
            if stop and not getattr(w, "stopped", False):
                w.restart(self.t)  # its processes exit...
                w.down_until = math.inf  # ...and nothing starts them again
                w.stopped = True
                changed = True
            elif not stop and (getattr(w, "stopped", False) or getattr(w, "failed", False)):
                w.stopped = False
                w.restart(self.t)
                changed = True
        return f"{verb} {action.unit}" if changed else None

    def _patch(self, pid: str):
        for p in self.incident.patches:
            if p.id == pid or (p.id.startswith(pid) and len(pid) >= 7):
                return p
        raise ActionError(f"kpatch_{pid}.ko: module not found")

    def loaded_patches(self) -> set[str]:
        return set(self.machine.patches)

    def _reboot(self, version: str) -> None:
        boot_s = self.incident.machine.boot_s
        self.machine = self._boot(version, uptime=-boot_s, rebooted=True)
        self.psi = PsiGroup("/")
        self.psi.avg_last_update = self.t + boot_s
        self.boots += 1
        self.down_until = self.t + boot_s
        for w in self.workloads:
            w.on_boot(self.machine, self.t, boot_s)
            w.stopped = False  # enabled units start at boot
            if hasattr(w, "watchdog_running"):
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
        fs_res = sum((f.resident() for f in m.filesets), np.zeros(n))
        filep = m.file_pages()
        shmem = m.shmem_pages()
        act_anon, inact_anon = m.anon_lru_split()
        nodes = []
        for z in range(n):
            lru = m.cold[z] + fs_res[z] + mapped[z] + m.dirty[z]
            # Hot page cache sits on the active list, cold cache on the inactive one.
            active = min(fs_res[z] * 0.6 + mapped[z], lru)
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
                    active_file=float(active),
                    inactive_file=float(lru - active),
                    active_anon=float(act_anon[z]),
                    inactive_anon=float(inact_anon[z]),
                    writeback=float(getattr(m, "writeback", np.zeros(n))[z]),
                    hugepages_total=float(m.hugepages_total[z]),
                    hugepages_free=float(m.hugepages_free[z]),
                )
            )
        numastat = tuple((k, tuple(int(x) for x in v)) for k, v in m.numa.items())
        vm = {k: int(v) for k, v in m.ev.items() if not k.startswith("workingset_shadow")}
        vm["pgmajfault"] = vm.get("pgmajfault", 0)
        totalpages = int(m.node_pages * m.nnodes)
        watch = {
            w.task.pid: w.watchdog_mb
            for w in self.workloads
            if getattr(w, "watchdog_mb", 0) > 0 and getattr(w, "task", None) is not None
        }
        tasks = tuple(
            TaskInfo(
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
                rss_status=tuple(m.rss_read(t, "status")[:3]),
                oom_score=oom_score(m, t, totalpages),
                watchdog_mb=watch.get(t.pid, 0.0),
                kthread=bool(t.extra.get("kthread")),
                swap=float(t.extra.get("swap", 0.0)),
                hugetlb=float(t.extra.get("hugetlb", 0.0)),
                cpu_rate=float(t.extra.get("cpu_rate", 0.0)),
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
            history=self.history.last(HISTORY_SHOWN),
            dmesg=m.dmesg.tail(400),
            disk_util=m.disk.util,
            wm_low=tuple(map(float, m.wm_low)),
            loadavg=tuple(float(x) for x in m.loadavg),
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
            pressure=psi_view(self.psi),
            cgroups=self._cgroups(),
        )

    def _cgroups(self) -> tuple[CgroupInfo, ...]:
        out = []
        for w in self.workloads:
            cg = getattr(w, "cg", None)
            if cg is None:
                continue
            pids = tuple(t.pid for t in self.machine.tasks.values() if t.owner == w.name and t.alive)
            threads = sum(t.threads for t in self.machine.tasks.values() if t.owner == w.name and t.alive)
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
                    pids=pids,
                    threads=threads,
                    high=cg.high,
                    max=cg.max,
                    current=cg.page_counter_read(),
                    stat=tuple(stat.items()),
                    events=tuple(cg.events.items()),
                    pressure=psi_view(w.psi),
                    started=w.started_at,
                    cpu_s=w.task.cpu_s if w.task is not None else 0.0,
                    needs=w.needs_pages(),
                    busy_cpus=w.busy_cpus,
                    stalled=w.stalled,
                )
            )
        return tuple(out)


def describe(action: Action) -> str:
    """A short label for the timeline (and for scoring)."""
    if isinstance(action, SetSysctl):
        return f"sysctl {action.name}={action.value}"
    if isinstance(action, RestartService):
        return f"restart {action.unit}"
    if isinstance(action, StopService):
        return f"stop {action.unit}"
    if isinstance(action, StartService):
        return f"start {action.unit}"
    if isinstance(action, KexecLoad):
        return f"kexec load {action.version}"
    if isinstance(action, KexecExec):
        return "kexec reboot"
    if isinstance(action, KpatchLoad):
        return f"kpatch load {action.id}"
    if isinstance(action, KpatchUnload):
        return f"kpatch unload {action.id}"
    if isinstance(action, SetTHP):
        return f"thp {action.mode}"
    if isinstance(action, SetScheduler):
        return f"scheduler {action.device}={action.name}"
    if isinstance(action, SetWatchdogLimit):
        return f"watchdog limit {action.unit}={action.mb:g}MB"
    if isinstance(action, KillProcess):
        return f"kill {action.pid}"
    if isinstance(action, SetBootSysctl):
        return "sysctl.conf " + " ".join(f"{k}={v}" for k, v in action.values)
    if isinstance(action, SetOomScoreAdj):
        return f"oom_score_adj {action.pid}={action.value}"
    if isinstance(action, SetCgroupLimit):
        value = "max" if action.pages >= PAGE_COUNTER_MAX else f"{action.pages / 256:g}M"
        return f"{action.unit} memory.{action.which}={value}"
    raise TypeError(action)


__all__ = [
    "DT",
    "WATCHDOG_UNIT",
    "ActionError",
    "ConfigError",
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
    "SetWatchdogLimit",
    "Snapshot",
    "StartService",
    "StopService",
    "World",
]
