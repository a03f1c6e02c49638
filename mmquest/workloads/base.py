"""What every workload shares: typed parameters with clear errors, and service indicators."""

from __future__ import annotations

import builtins
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from ..incident import WorkloadSpec
    from ..kernel.machine import Machine, Task
    from ..kernel.memcg import MemCgroup
    from ..kernel.psi import CpuTimes, PsiGroup


class ParamError(Exception):
    """A workload parameter is missing or malformed; ``field`` is the parameter name."""

    def __init__(self, fld: str, message: str):
        self.field = fld
        self.message = message
        super().__init__(f"{fld}: {message}")


class Params:
    def __init__(self, raw: Mapping[str, Any]):
        self.raw = dict(raw)
        self.used: set[str] = set()

    def num(
        self, key: str, default: float | None = None, lo: float | None = None, hi: float | None = None
    ) -> float:
        self.used.add(key)
        if key not in self.raw:
            if default is None:
                raise ParamError(key, "missing required field")
            return float(default)
        v = self.raw[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ParamError(key, f"expected a number, got {type(v).__name__} {v!r}")
        if not math.isfinite(v):
            raise ParamError(key, f"expected a finite number, got {v!r}")
        if lo is not None and v < lo:
            raise ParamError(key, f"must be >= {lo}, got {v}")
        if hi is not None and v > hi:
            raise ParamError(key, f"must be <= {hi}, got {v}")
        return float(v)

    def int(self, key: str, default: int | None = None, lo: int | None = None, hi: int | None = None) -> int:
        v = self.num(key, default, lo, hi)
        if self.raw.get(key, v) != int(v):
            raise ParamError(key, f"expected an integer, got {self.raw[key]!r}")
        return int(v)

    def str(
        self,
        key: builtins.str,
        default: builtins.str | None = None,
        choices: tuple[builtins.str, ...] | None = None,
    ) -> builtins.str:
        self.used.add(key)
        v = self.raw.get(key, default)
        if v is None:
            raise ParamError(key, "missing required field")
        if not isinstance(v, builtins.str):
            raise ParamError(key, f"expected a string, got {type(v).__name__} {v!r}")
        if choices and v not in choices:
            raise ParamError(key, f"must be one of {', '.join(choices)}, got {v!r}")
        return v

    def weights(
        self, key: builtins.str, n: builtins.int, default: list[float] | None = None
    ) -> tuple[float, ...]:
        self.used.add(key)
        v = self.raw.get(key, default)
        if v is None:
            raise ParamError(key, "missing required field")
        if (
            not isinstance(v, list)
            or len(v) != n
            or any(isinstance(x, bool) or not isinstance(x, (builtins.int, float)) or x < 0 for x in v)
        ):
            raise ParamError(key, f"expected {n} non-negative numbers (one per node), got {v!r}")
        s = float(sum(v))
        if s <= 0:
            raise ParamError(key, "at least one weight must be positive")
        return tuple(float(x) / s for x in v)

    def profile(self, key: builtins.str) -> tuple[tuple[builtins.str, float], ...]:
        self.used.add(key)
        v = self.raw.get(key, [])
        out = []
        if not isinstance(v, list):
            raise ParamError(key, "expected a list of [symbol, weight] pairs")
        for i, item in enumerate(v):
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not isinstance(item[0], builtins.str)
                or isinstance(item[1], bool)
                or not isinstance(item[1], (builtins.int, float))
                or item[1] <= 0
            ):
                raise ParamError(f"{key}[{i}]", f'expected ["symbol", weight > 0], got {item!r}')
            out.append((item[0], float(item[1])))
        s = sum(w for _, w in out) or 1.0
        return tuple((n, w / s) for n, w in out)

    def strings(self, key: builtins.str) -> tuple[builtins.str, ...]:
        self.used.add(key)
        v = self.raw.get(key, [])
        if not isinstance(v, list) or any(not isinstance(x, builtins.str) for x in v):
            raise ParamError(key, "expected a list of strings")
        return tuple(v)

    def check_unknown(self) -> None:
        extra = sorted(set(self.raw) - self.used)
        if extra:
            raise ParamError(extra[0], "unknown field for this workload kind")


@dataclass(frozen=True)
class Indicators:
    """What a service looks like from outside at one instant."""

    throughput: float  # operations per second
    p99_ms: float
    up: bool
    hit_ratio: float = 1.0
    extra: tuple[tuple[str, float], ...] = ()


class Workload(ABC):
    """What the world knows of a workload: its whole interface, declared here.

    A workload kind (``service``, ``aio_reader``, ``rss_service``) builds itself from its
    [[workload]] table, starts its processes on the machine, runs one tick at a time
    (``step``) and publishes its service's indicators in ``ind``.  systemd's view of it
    (``unit``, ``stopped``, ``failed``, ``pending_start``) and the RSS watchdog's
    (``watchdog_mb``, ``watchdog_running``) are plain attributes with the defaults of a
    kind that has no such thing.
    """

    kind: ClassVar[str]
    name: str  # the workload's name in the incident
    service: str  # the service whose indicators it contributes to
    unit: str  # its systemd unit (without .service)
    machine: Machine
    task: Task | None = None  # its main process, None while it is down
    down_until: float = -1.0  # sim time until which it is (re)starting
    stopped: bool = False  # systemctl stop: down until started
    failed: bool = False  # systemd gave up restarting it (start-limit-hit)
    watchdog_mb: float = 0.0  # the RSS watchdog's limit; 0: not watched
    watchdog_running: bool = True  # is the watchdog checking it (systemctl stop svc-watchdog)
    _pending_start: bool = False
    ind: Indicators = Indicators(0.0, 0.0, False)
    # A workload in a cgroup v2 memory group of its own (workloads.cgroup): the group, its
    # pressure, and per CPU the stall times of its last tick (the box's PSI adds them up).
    description: str = ""
    psi: PsiGroup | None = None
    cpu_times: tuple[CpuTimes, ...] = ()
    started_at: float = 0.0
    busy_cpus: float = 0.0
    stalled: float = 0.0

    def memcg(self) -> MemCgroup | None:
        """Its memory cgroup, None for a kind that models none."""
        return None

    def needs_pages(self) -> float:
        """What its group holds when nothing slows it (0 without a group)."""
        return 0.0

    def memcg_limit(self, which: str) -> float | None:
        """The unit's MemoryHigh= ("high") or MemoryMax= ("max") in pages; None without a group."""
        return None

    def set_limit(self, which: str, pages: float) -> None:
        """MemoryHigh=/MemoryMax= ("high"/"max"); a kind without a group has none to set."""
        raise NotImplementedError

    def preroll_done(self, elapsed: float) -> float:
        """The world's clock restarts at 0 after ``elapsed`` s of pre-roll: move the times it
        keeps; returns the seconds of stall history it adds before the pre-roll (0: none)."""
        return 0.0

    @abstractmethod
    def __init__(self, spec: WorkloadSpec, machine: Machine) -> None:
        """Read the parameters of the [[workload]] table (ParamError names a bad one), then start."""

    @abstractmethod
    def start(self, m: Machine) -> None:
        """Start its processes on machine ``m``."""

    @abstractmethod
    def step(self, m: Machine, now: float, dt: float) -> None:
        """Run ``dt`` seconds on ``m`` from sim time ``now``; update ``ind``."""

    @abstractmethod
    def restart(self, now: float) -> None:
        """systemctl restart: its processes exit and start again after its restart time."""

    @property
    def pending_start(self) -> bool:
        """Down, and will start at its next tick past ``down_until``."""
        return self._pending_start

    def stop_tasks(self, m: Machine) -> None:
        """Every process of this workload exits (a restart, or systemd stopping the unit).

        Whatever the model drops with it (its anon, shmem and mapped file pages: here the
        mapped cache goes with the process) goes back to the free lists, each page once in
        pgfree, as the allocator counts every page it takes back."""
        for t in m.tasks.values():
            if t.owner == self.name:
                m.ev["pgfree"] += t.rss_pages
                t.alive = False
        m.tasks = {pid: t for pid, t in m.tasks.items() if t.alive}
        self.task = None

    def on_boot(self, m: Machine, now: float, boot_s: float) -> None:
        """The machine rebooted: the workload starts again once the boot is over."""
        self.machine = m
        self.task = None
        self.down_until = now + boot_s
        self._pending_start = True
