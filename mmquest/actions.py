"""Remedies: one class per thing an operator can do to the machine.

Each action holds, in one place, its effect on the world (:meth:`Action.apply`), its
label on the timeline (:meth:`Action.label`) and the kind of harm it does (``cost``, a
:class:`Cost`).  The points each kind of harm costs are in ``game/scoring.py``'s table;
scoring reads the :class:`Cost` of what was applied, never a label, so renaming a label
changes no score.

:meth:`World.apply <mmquest.world.World.apply>` checks that the machine is up, then
calls the action's ``apply``; every change to the simulated machine goes through here.
"""

from __future__ import annotations

import enum
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from .kernel.compaction import defrag_values
from .kernel.sysctl import SYSCTLS

if TYPE_CHECKING:  # pragma: no cover
    from .incident import Patch
    from .workloads.base import Workload
    from .world import World

WATCHDOG_UNIT = "svc-watchdog"  # the RSS watchdog of the services with watchdog_max_rss_mb


class ActionError(Exception):
    """An action the machine refuses, with the message the real tool would print."""


class Cost(enum.Enum):
    """The kind of harm an action does to the service; ``game/scoring.py`` prices each kind."""

    NONE = "none"
    OUTAGE = "outage"  # a restart or a reboot: the service is down meanwhile
    DROP_CACHES = "drop caches"  # every cache on the box is cold again
    KILL = "kill"  # a process killed by hand
    MITIGATION = "mitigation"  # treats the symptom, not the cause (oom_score_adj)
    HIDE_SYMPTOM = (
        "hide symptom"  # the alarm goes quiet, the bug stays (a watchdog limit, a stopped watchdog)
    )
    RESERVE = "reserve wasted"  # vm.min_free_kbytes raised to hundreds of MB: memory held back for good


# vm.min_free_kbytes from this size up is 795ae7a0de6b's costly workaround: it buys kswapd a head
# start by holding that much memory back from every normal allocation.
RESERVE_WASTED_FROM_KB = 524288


def _reserve_cost(name: str, value: int | str) -> Cost | None:
    ok = name == "vm.min_free_kbytes" and str(value).isdigit()
    return Cost.RESERVE if ok and int(value) >= RESERVE_WASTED_FROM_KB else None


@dataclass(frozen=True)
class Applied:
    """What an action did: its label on the timeline and the kind of harm it did."""

    label: str
    cost: Cost
    kind: str  # the action's type name


class Action(ABC):
    """A remedy.  ``cost`` is the harm it does when it does what it says; ``apply`` may
    decide otherwise from the machine's state (starting a unit that was down is no outage)."""

    cost: ClassVar[Cost] = Cost.NONE

    @abstractmethod
    def label(self) -> str:
        """A short label for the timeline."""

    @abstractmethod
    def apply(self, world: World) -> Applied | None:
        """Change the world (raise ActionError to refuse).  None: nothing happened."""

    def done(self, label: str | None = None, cost: Cost | None = None) -> Applied:
        return Applied(
            self.label() if label is None else label, self.cost if cost is None else cost, type(self).__name__
        )


# ---------------------------------------------------------------------- tunables
@dataclass(frozen=True)
class SetSysctl(Action):
    name: str
    value: int | str

    def label(self) -> str:
        return f"sysctl {self.name}={self.value}"

    def apply(self, world: World) -> Applied:
        m = world.machine
        d = SYSCTLS.get(self.name)
        if d is None or self.name not in m.sysctl:
            raise ActionError(
                f"cannot stat /proc/sys/{self.name.replace('.', '/')}: No such file or directory"
            )
        if not d.writable:
            raise ActionError("permission denied")
        if d.text:
            m.sysctl[self.name] = str(self.value)
            return self.done()
        v = int(self.value)
        if not d.lo <= v <= d.hi:
            raise ActionError("Invalid argument")
        if self.name == "vm.drop_caches":
            m.drop_caches(v)
            return self.done(cost=Cost.DROP_CACHES)
        if self.name == "vm.compact_memory":
            m.compact_memory()
        if not d.trigger:
            m.sysctl[self.name] = v
        if self.name in ("vm.min_free_kbytes", "vm.watermark_scale_factor"):
            m.setup_per_zone_wmarks()  # the sysctl handlers recompute the watermarks (kernel/zones.py)
        return self.done(cost=_reserve_cost(self.name, v))


@dataclass(frozen=True)
class SetBootSysctl(Action):
    """/etc/sysctl.conf changed: applied at every boot (and by `sysctl -p`)."""

    values: tuple[tuple[str, int | str], ...]

    def label(self) -> str:
        return "sysctl.conf " + " ".join(f"{k}={v}" for k, v in self.values)

    def apply(self, world: World) -> Applied:
        for name, _ in self.values:
            if name not in SYSCTLS or name not in world.machine.sysctl:
                raise ActionError(f"unknown key '{name}'")
        world.boot_sysctl = dict(self.values)
        costs = [c for k, v in self.values if (c := _reserve_cost(k, v)) is not None]
        return self.done(cost=costs[0] if costs else None)


@dataclass(frozen=True)
class SetTHP(Action):
    mode: str  # always | madvise | never

    def label(self) -> str:
        return f"thp {self.mode}"

    def apply(self, world: World) -> Applied:
        m = world.machine
        if m.thp_enabled is None:
            raise ActionError("No such file or directory")
        if self.mode not in ("always", "madvise", "never"):
            raise ActionError("Invalid argument")
        m.thp_enabled = self.mode
        return self.done()


@dataclass(frozen=True)
class SetTHPDefrag(Action):
    """A write to /sys/kernel/mm/transparent_hugepage/defrag (values by kernel: kernel/compaction.py)."""

    mode: str

    def label(self) -> str:
        return f"thp defrag {self.mode}"

    def apply(self, world: World) -> Applied:
        m = world.machine
        if m.thp_defrag is None:
            raise ActionError("No such file or directory")
        if self.mode not in defrag_values(m.version):
            raise ActionError("Invalid argument")
        m.thp_defrag = self.mode
        return self.done()


@dataclass(frozen=True)
class SetScheduler(Action):
    device: str
    name: str

    def label(self) -> str:
        return f"scheduler {self.device}={self.name}"

    def apply(self, world: World) -> Applied:
        m = world.machine
        if self.device not in m.io_scheduler:
            raise ActionError("No such file or directory")
        if self.name not in ("noop", "deadline", "cfq"):
            raise ActionError("Invalid argument")
        m.io_scheduler[self.device] = self.name
        return self.done()


# ---------------------------------------------------------------------- units
def _units(world: World, unit: str, by_service: bool = False) -> list[Workload]:
    return [w for w in world.workloads if unit in (w.name, w.unit) or (by_service and unit == w.service)]


def _stop_start(world: World, unit: str, stop: bool) -> bool:
    """systemctl stop/start UNIT; False when the unit already was in that state."""
    if unit == WATCHDOG_UNIT and world.watched():
        if world.watchdog_stopped == stop:
            return False
        world.watchdog_stopped = stop
        for w in world.watched():
            w.watchdog_running = not stop
        return True
    ws = _units(world, unit)
    if not ws:
        raise ActionError(f"Unit {unit}.service not " + ("loaded." if stop else "found."))
    changed = False
    for w in ws:
        if stop and not w.stopped:
            w.restart(world.t)  # its processes exit...
            w.down_until = math.inf  # ...and nothing starts them again
            w.stopped = True
            changed = True
        elif not stop and (w.stopped or w.failed):
            w.stopped = False
            w.restart(world.t)
            changed = True
    return changed


@dataclass(frozen=True)
class RestartService(Action):
    unit: str
    cost: ClassVar[Cost] = Cost.OUTAGE

    def label(self) -> str:
        return f"restart {self.unit}"

    def apply(self, world: World) -> Applied:
        ws = _units(world, self.unit, by_service=True)
        if not ws and self.unit == WATCHDOG_UNIT and world.watched():
            was = world.watchdog_stopped
            _stop_start(world, WATCHDOG_UNIT, stop=False)  # no outage: it only watches
            return self.done(f"start {WATCHDOG_UNIT}" if was else "watchdog restarted", Cost.NONE)
        if not ws:
            raise ActionError(f"Unit {self.unit}.service not found.")
        was_up = any(w.ind.up for w in ws)
        for w in ws:
            w.stopped = False
            w.restart(world.t)
        if not was_up:  # starting a unit that was down or failed costs nothing more
            return self.done(f"start {self.unit}", Cost.NONE)
        return self.done()


@dataclass(frozen=True)
class StopService(Action):
    """systemctl stop: the unit stays down until started (svc-watchdog: no more restarts)."""

    unit: str
    cost: ClassVar[Cost] = Cost.OUTAGE

    def label(self) -> str:
        return f"stop {self.unit}"

    def apply(self, world: World) -> Applied | None:
        if not _stop_start(world, self.unit, stop=True):
            return None
        return self.done(cost=Cost.HIDE_SYMPTOM if self.unit == WATCHDOG_UNIT else None)


@dataclass(frozen=True)
class StartService(Action):
    unit: str

    def label(self) -> str:
        return f"start {self.unit}"

    def apply(self, world: World) -> Applied | None:
        return self.done() if _stop_start(world, self.unit, stop=False) else None


@dataclass(frozen=True)
class SetWatchdogLimit(Action):
    unit: str
    mb: float
    cost: ClassVar[Cost] = Cost.HIDE_SYMPTOM

    def label(self) -> str:
        return f"watchdog limit {self.unit}={self.mb:g}MB"

    def apply(self, world: World) -> Applied:
        ws = [w for w in world.watched() if w.unit == self.unit]
        if not ws:
            return self.done("watchdog config (no watched unit)", Cost.NONE)
        for w in ws:
            if w.watchdog_mb == self.mb:
                return self.done("watchdog config unchanged", Cost.NONE)
            w.watchdog_mb = self.mb
        return self.done()


@dataclass(frozen=True)
class SetCgroupLimit(Action):
    """MemoryHigh=/MemoryMax= of a unit (systemctl set-property), or a write to its cgroup's
    memory.high/memory.max.  ``pages`` at PAGE_COUNTER_MAX: no limit ("max", "infinity")."""

    unit: str
    which: str  # "high" | "max"
    pages: float
    how: str = "set-property"  # or "write"

    def label(self) -> str:
        from .kernel.memcg import PAGE_COUNTER_MAX

        value = "max" if self.pages >= PAGE_COUNTER_MAX else f"{self.pages / 256:g}M"
        return f"{self.unit} memory.{self.which}={value}"

    def apply(self, world: World) -> Applied | None:
        ws = _units(world, self.unit)
        if not ws:
            raise ActionError(f"Unit {self.unit}.service not found.")
        changed = False
        for w in ws:
            cur = w.memcg_limit(self.which)
            if cur is not None and cur != self.pages:  # a unit without a modelled group: accepted, no effect
                w.set_limit(self.which, self.pages)
                changed = True
        return self.done() if changed else None


# ---------------------------------------------------------------------- processes
@dataclass(frozen=True)
class KillProcess(Action):
    pid: int
    signal: int = 15
    cost: ClassVar[Cost] = Cost.KILL

    def label(self) -> str:
        return f"kill {self.pid}"

    def apply(self, world: World) -> Applied | None:
        m = world.machine
        t = m.tasks.get(self.pid)
        if t is None or not t.alive:
            raise ActionError(f"({self.pid}) - No such process")
        if self.signal == 0 or t.pid == 1 or t.extra.get("kthread"):
            return None  # signal 0 only asks whether it lives; init and kernel threads ignore signals
        m.log(f"{t.comm}[{t.pid}]: received signal {self.signal}, exiting")
        m.kill_task(t)
        return self.done(f"kill {t.comm}")


@dataclass(frozen=True)
class SetOomScoreAdj(Action):
    pid: int
    value: int
    cost: ClassVar[Cost] = Cost.MITIGATION

    def label(self) -> str:
        return f"oom_score_adj {self.pid}={self.value}"

    def apply(self, world: World) -> Applied:
        t = world.machine.tasks.get(self.pid)
        if t is None or not t.alive:
            raise ActionError("No such process")
        if not -1000 <= self.value <= 1000:
            raise ActionError("Invalid argument")
        t.oom_score_adj = self.value
        return self.done(f"oom_score_adj {t.comm}={self.value}")


# ---------------------------------------------------------------------- kernels
@dataclass(frozen=True)
class KexecLoad(Action):
    version: str

    def label(self) -> str:
        return f"kexec load {self.version}"

    def apply(self, world: World) -> Applied:
        if self.version not in world.incident.machine.boot_kernels:
            raise ActionError(f"Cannot open `/boot/vmlinuz-{self.version}': No such file or directory")
        world.kexec_loaded = self.version
        return self.done()


@dataclass(frozen=True)
class KexecExec(Action):
    cost: ClassVar[Cost] = Cost.OUTAGE

    def label(self) -> str:
        return "kexec reboot"

    def apply(self, world: World) -> Applied:
        if not world.kexec_loaded:
            raise ActionError("Nothing has been loaded!")
        world.reboot(world.kexec_loaded)
        return self.done()


def find_patch(world: World, pid: str) -> Patch:
    """The incident's live patch with this id (or an unambiguous prefix of 7+ characters)."""
    for p in world.incident.patches:
        if p.id == pid or (p.id.startswith(pid) and len(pid) >= 7):
            return p
    raise ActionError(f"kpatch_{pid}.ko: module not found")


@dataclass(frozen=True)
class KpatchLoad(Action):
    id: str

    def label(self) -> str:
        return f"kpatch load {self.id}"

    def apply(self, world: World) -> Applied:
        p = find_patch(world, self.id)
        if p.id in world.machine.patches:
            raise ActionError(f"module kpatch_{p.id} is already loaded")
        world.machine.load_patch(p.id, p.effect)
        return self.done()


@dataclass(frozen=True)
class KpatchUnload(Action):
    id: str

    def label(self) -> str:
        return f"kpatch unload {self.id}"

    def apply(self, world: World) -> Applied:
        p = find_patch(world, self.id)
        if p.id not in world.machine.patches:
            raise ActionError(f"module kpatch_{p.id} is not loaded")
        world.machine.unload_patch(p.id)
        return self.done()


__all__ = [
    "WATCHDOG_UNIT",
    "Action",
    "ActionError",
    "Applied",
    "Cost",
    "KexecExec",
    "KexecLoad",
    "KillProcess",
    "KpatchLoad",
    "KpatchUnload",
    "RestartService",
    "SetBootSysctl",
    "SetCgroupLimit",
    "SetOomScoreAdj",
    "SetScheduler",
    "SetSysctl",
    "SetTHP",
    "SetTHPDefrag",
    "SetWatchdogLimit",
    "StartService",
    "StopService",
]
