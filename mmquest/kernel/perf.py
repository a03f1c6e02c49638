"""perf top: cycles sampled per symbol, from the CPU time the model spends.

Every part of the model that burns CPU calls :meth:`PerfProfile.charge` with the
symbol the time belongs to.  ``perf top`` decays old samples (its default display
keeps a moving picture), so the profile keeps an exponentially decayed sum; the
total sample count only grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PERF_FREQ_HZ = 4000  # perf top's default sampling frequency
CPU_HZ = 2.6e9  # cycles per second of a busy CPU, for "Event count (approx.)"
DECAY_S = 3.0  # time constant of the on-screen moving picture


@dataclass(frozen=True)
class PerfRow:
    overhead: float  # percent
    dso: str
    symbol: str
    kernel: bool


class PerfProfile:
    def __init__(self) -> None:
        self.window: dict[tuple[str, str, bool], float] = {}
        self.tick_cpu: dict[tuple[str, str, bool], float] = {}
        self.total_cpu_s = 0.0
        self.busy_cpus = 0.0  # CPUs busy during the last tick
        self.kernel_share = 0.0  # share of that time in the kernel

    def charge(self, dso: str, symbol: str, seconds: float, kernel: bool | None = None) -> None:
        if seconds <= 0:
            return
        k = (dso, symbol, dso.startswith("[kernel") if kernel is None else kernel)
        self.tick_cpu[k] = self.tick_cpu.get(k, 0.0) + seconds

    def tick(self, dt: float) -> None:
        f = math.exp(-dt / DECAY_S)
        for k in list(self.window):
            self.window[k] *= f
            if self.window[k] < 1e-9:
                del self.window[k]
        busy = kern = 0.0
        for k, v in self.tick_cpu.items():
            self.window[k] = self.window.get(k, 0.0) + v
            self.total_cpu_s += v
            busy += v
            kern += v if k[2] else 0.0
        self.busy_cpus = busy / dt if dt > 0 else 0.0
        self.kernel_share = kern / busy if busy > 0 else 0.0
        self.tick_cpu = {}

    @property
    def samples(self) -> int:
        return int(self.total_cpu_s * PERF_FREQ_HZ)

    @property
    def event_count(self) -> int:
        return int(self.total_cpu_s * CPU_HZ)

    def rows(self, kernel_only: bool = False) -> tuple[PerfRow, ...]:
        items = [(v, k) for k, v in self.window.items() if not kernel_only or k[2]]
        total = sum(v for v, _ in items)
        if total <= 0:
            return ()
        items.sort(key=lambda it: (-it[0], it[1][1]))
        return tuple(PerfRow(100.0 * v / total, k[0], k[1], k[2]) for v, k in items)
