"""One machine and its workloads: ``step(dt)``, ``apply(action)`` and immutable snapshots.

The world is the only thing that changes the simulated machine.  Every change goes
through :meth:`World.apply` with an action object (:mod:`mmquest.actions`), and every
reader (the panes, the shell, the judge) reads a :class:`~mmquest.snapshot.Snapshot`
(built by :mod:`mmquest.build_snapshot`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .actions import WATCHDOG_UNIT, Action, ActionError, Applied
from .build_snapshot import build_snapshot
from .kernel import Machine
from .kernel.machine import PAGES_PER_MB, PATCH_EFFECTS
from .kernel.psi import CpuTimes, PsiGroup
from .kernel.sysctl import SYSCTLS
from .series import Series
from .snapshot import HISTORY_SHOWN, Snapshot, TaskInfo
from .workloads import KINDS, Indicators, ParamError, make_workload
from .workloads.base import Workload

if TYPE_CHECKING:  # pragma: no cover
    from .incident import Incident

DT = 0.5  # seconds of simulated time per tick


class ConfigError(Exception):
    """The incident asks for something the model cannot build (names the field)."""

    def __init__(self, fld: str, message: str):
        self.field = fld
        self.message = message
        super().__init__(f"{fld}: {message}")


# ---------------------------------------------------------------------- world
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
        # The last snapshot's row of each kernel thread, by pid, reused while unchanged.
        self.kthread_infos: dict[int, tuple[tuple[object, ...], TaskInfo]] = {}
        # The kernel's call rates when the run started and just before each action (bounded):
        # the debrief draws the mechanism before and after the fix from them.
        self.trace_marks: list[tuple[float, str, tuple[tuple[str, float], ...]]] = [self._trace_mark()]

    def __getstate__(self) -> dict[str, Any]:
        """For a warmed world (game.warm): everything but the incident, which the loader re-attaches."""
        state = self.__dict__.copy()
        state["incident"] = None
        state["_snap"] = None
        state["kthread_infos"] = {}
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
            self._snap = build_snapshot(self)
        return self._snap
