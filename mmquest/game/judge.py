"""Resolution: the service is healthy again and stays healthy, judged from the machine.

The judge watches the SLO service's indicators tick by tick, smoothed the way a
monitoring system would (a short exponential average), and resolves the incident
once they have met the SLO for ``sustain_s`` without a break.  What the player typed
does not matter; only the simulated machine does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..kernel import KernelVersion

SMOOTH_S = 5.0


@dataclass
class Judge:
    throughput_min: float
    p99_ms_max: float
    sustain_s: float
    min_kernel: str | None = None
    resolved_at: float | None = None  # sim time the final healthy streak began
    judged_at: float | None = None  # sim time the streak had lasted sustain_s
    healthy_since: float | None = None
    slo_burn_s: float = 0.0  # unhealthy seconds
    _i: int = 0
    _tput: float | None = None
    _p99: float | None = None
    _last_t: float = 0.0
    healthy: bool = False

    @classmethod
    def for_incident(cls, incident) -> "Judge":
        return cls(incident.slo.throughput_min, incident.slo.p99_ms_max, incident.sustain_s,
                   incident.slo.min_kernel)

    @property
    def resolved(self) -> bool:
        return self.judged_at is not None

    def update(self, history, kernel: str | None = None) -> None:
        """Judge the ticks ``history`` (the world's Series) gained since the last call."""
        below_baseline = False
        if self.min_kernel is not None and kernel is not None:
            below_baseline = KernelVersion(kernel) < self.min_kernel
        for t, tput, p99 in history.since(self._i):
            dt = t - self._last_t if self._i else 0.5
            a = 1.0 - math.exp(-max(dt, 1e-9) / SMOOTH_S)
            if self._tput is None:
                self._tput, self._p99 = tput, p99
            else:
                self._tput += a * (tput - self._tput)
                self._p99 += a * (p99 - self._p99)
            up = tput > 0 and not below_baseline
            self.healthy = up and self._tput >= self.throughput_min and self._p99 <= self.p99_ms_max
            if not self.healthy:
                self.slo_burn_s += dt
                self.healthy_since = None
            elif self.healthy_since is None:
                self.healthy_since = t
            if (not self.resolved and self.healthy_since is not None
                    and t - self.healthy_since >= self.sustain_s):
                self.resolved_at = self.healthy_since
                self.judged_at = t
            self._last_t = t
            self._i += 1
