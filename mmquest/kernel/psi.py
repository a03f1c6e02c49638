"""Pressure stall information (PSI): ``/proc/pressure/*`` and a cgroup's ``*.pressure``.

Modelled on kernel/sched/psi.c (eb414681d5a0, "psi: pressure stall information for
CPU, memory, and IO", v4.20).  Each CPU knows which states its tasks are in
(``psi_group_change`` counts NR_IOWAIT, NR_MEMSTALL and NR_RUNNING and times every
state while it holds):

- ``some``: at least one task of the group is stalled on the resource;
- ``full``: tasks are stalled and none of the group's tasks runs (5.8: ``!tasks[NR_RUNNING]``);
- CPU ``some``: more runnable tasks than CPUs to run them; CPU ``full`` exists since
  e7fcd7622823 ("psi: Add PSI_CPU_FULL state", v5.13), at the system level all zeros.

``collect_percpu_times`` folds the CPUs into one figure per state, each CPU weighted by
the time it was non-idle, so the totals are wall-clock time (not CPU time).
``update_averages`` runs every PSI_FREQ (2 s): the share of the period spent stalled,
as an integer percent, goes into three exponentially decaying averages with the
kernel's own fixed-point constants (EXP_10s, EXP_60s, EXP_300s) and ``calc_load()``.

The model is fluid: a caller hands in, per CPU, the seconds of the tick each state held
(:class:`CpuTimes`); nothing here knows what a task is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .era import has
from .version import KernelVersion

FSHIFT = 11  # include/linux/sched/loadavg.h
FIXED_1 = 1 << FSHIFT
PSI_FREQ_S = 2.0  # PSI_FREQ = 2*HZ+1: the averages are sampled every 2 s
EXP_10s = 1677  # 1/exp(2s/10s) as fixed-point
EXP_60s = 1981  # 1/exp(2s/60s)
EXP_300s = 2034  # 1/exp(2s/300s)
EXPS = (EXP_10s, EXP_60s, EXP_300s)
NSEC_PER_USEC = 1000

# The states a group tracks, in the kernel's order (enum psi_states).
STATES = ("io_some", "io_full", "memory_some", "memory_full", "cpu_some", "cpu_full")
RESOURCES = ("io", "memory", "cpu")


@dataclass(frozen=True)
class CpuTimes:
    """Seconds of one tick during which each state held on one CPU, for one group."""

    nonidle: float
    memory_some: float = 0.0
    memory_full: float = 0.0
    io_some: float = 0.0
    io_full: float = 0.0
    cpu_some: float = 0.0
    cpu_full: float = 0.0


def calc_load(load: int, exp: int, active: int) -> int:
    """include/linux/sched/loadavg.h: one step of the fixed-point exponential average."""
    newload = load * exp + active * (FIXED_1 - exp)
    if active >= load:
        newload += FIXED_1 - 1
    return newload // FIXED_1


def calc_avgs(avg: list[int], time_ns: int, period_ns: int) -> None:
    """psi.c calc_avgs(): the period's stall share as an integer percent, into avg10/60/300."""
    pct = (time_ns * 100) // max(period_ns, 1)
    pct *= FIXED_1
    for i, exp in enumerate(EXPS):
        avg[i] = calc_load(avg[i], exp, pct)


def load_text(avg: int) -> str:
    """LOAD_INT(x).LOAD_FRAC(x) as psi_show() prints it ("78.50")."""
    whole = avg >> FSHIFT
    frac = ((avg & (FIXED_1 - 1)) * 100) >> FSHIFT
    return f"{whole}.{frac:02d}"


def load_value(avg: int) -> float:
    """The printed figure as a number."""
    return float(load_text(avg))


@dataclass
class PsiGroup:
    """struct psi_group: cumulative stall times (ns) and their running averages."""

    name: str
    total_ns: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    avg_total_ns: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    avg: dict[str, list[int]] = field(default_factory=lambda: {s: [0, 0, 0] for s in STATES})
    avg_last_update: float = 0.0  # seconds of the simulated clock
    _frac_ns: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STATES, 0.0))

    def collect_percpu_times(self, cpus: list[CpuTimes] | tuple[CpuTimes, ...]) -> None:
        """psi.c collect_percpu_times(): each CPU's state time weighted by its non-idle time."""
        nonidle_total = 0.0
        acc = [0.0] * len(STATES)
        for c in cpus:
            w = c.nonidle
            if w <= 0:
                continue
            nonidle_total += w
            acc[0] += c.io_some * w
            acc[1] += c.io_full * w
            acc[2] += c.memory_some * w
            acc[3] += c.memory_full * w
            acc[4] += c.cpu_some * w
            acc[5] += c.cpu_full * w
        if nonidle_total <= 0:
            return
        for s, a in zip(STATES, acc, strict=True):
            if a == 0.0:
                continue
            v = self._frac_ns[s] + a / nonidle_total * 1e9
            whole = int(v)
            self._frac_ns[s] = v - whole
            self.total_ns[s] += whole

    def update_averages(self, now: float) -> None:
        """psi.c update_averages(): fold every elapsed PSI_FREQ period into avg10/60/300."""
        while now - self.avg_last_update >= PSI_FREQ_S - 1e-9:
            period_ns = int(PSI_FREQ_S * 1e9)
            for s in STATES:
                sample = self.total_ns[s] - self.avg_total_ns[s]
                sample = min(sample, period_ns)
                self.avg_total_ns[s] += sample
                calc_avgs(self.avg[s], sample, period_ns)
            self.avg_last_update += PSI_FREQ_S

    def add_history(self, seconds: float, shares: dict[str, float]) -> None:
        """Time before the simulation started, spent at the given shares (totals only)."""
        for s, share in shares.items():
            ns = int(seconds * share * 1e9)
            self.total_ns[s] += ns
            self.avg_total_ns[s] += ns

    def value(self, resource: str, kind: str, window: int = 0) -> float:
        """avg10 (window 0), avg60 (1) or avg300 (2) as printed."""
        return load_value(self.avg[f"{resource}_{kind}"][window])


def has_psi(version: KernelVersion | str) -> bool:
    return has("mech:psi", str(version))


def psi_show(group: PsiGroup, resource: str, version: KernelVersion | str, system: bool = True) -> str:
    """The text of /proc/pressure/RESOURCE (system) or a cgroup's RESOURCE.pressure."""
    kinds = ["some", "full"]
    if resource == "cpu" and not has("mech:psi_cpu_full", str(version)):
        kinds = ["some"]
    lines = []
    for kind in kinds:
        s = f"{resource}_{kind}"
        avg, total = group.avg[s], group.total_ns[s]
        if resource == "cpu" and kind == "full" and system:
            avg, total = [0, 0, 0], 0  # the system cannot be fully CPU-stalled
        lines.append(
            f"{kind} avg10={load_text(avg[0])} avg60={load_text(avg[1])} "
            f"avg300={load_text(avg[2])} total={total // NSEC_PER_USEC}"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "FIXED_1",
    "PSI_FREQ_S",
    "RESOURCES",
    "STATES",
    "CpuTimes",
    "EXP_10s",
    "EXP_60s",
    "EXP_300s",
    "PsiGroup",
    "calc_avgs",
    "calc_load",
    "has_psi",
    "load_text",
    "psi_show",
]
