"""Resolution: the service is healthy again and stays healthy, judged from the machine.

The judge watches the SLO service's indicators tick by tick, smoothed the way a
monitoring system would (a short exponential average), and resolves the incident
once they have met the SLO for ``sustain_s`` without a break.  What the player typed
does not matter; only the simulated machine does.

A resolution is not final while the run goes on: if the service falls out of its SLO
again for longer than ``RELAPSE_GRACE_S`` (relief that relapses), the incident is open
again and must be resolved anew.  Every healthy streak that ended is kept, so the
debrief can say how long a relief lasted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..kernel import KernelVersion

SMOOTH_S = 5.0
RELAPSE_GRACE_S = 30.0  # a resolved incident reopens after this long out of SLO
MAX_EPISODES = 64  # healthy streaks kept for the debrief (oldest dropped first)


@dataclass
class Judge:
    throughput_min: float
    p99_ms_max: float
    sustain_s: float
    min_kernel: str | None = None
    unit: str = "ops/s"
    tolerate_s: float = 0.0  # slow spells this short (the service up) do not end a healthy streak
    resolved_at: float | None = None  # sim time the final healthy streak began
    judged_at: float | None = None  # sim time the streak had lasted sustain_s
    healthy_since: float | None = None
    unhealthy_since: float | None = None
    slo_burn_s: float = 0.0  # unhealthy seconds
    relapses: int = 0  # resolutions withdrawn because the service fell out of SLO again
    episodes: list[tuple[float, float]] = field(default_factory=list)  # ended healthy streaks (start, end)
    _last_tput: float | None = None  # the last row's raw throughput (0: the service is down)
    refusal: str | None = None  # why a healthy-looking service does not count (a kernel below the baseline)
    _i: int = 0
    _tput: float | None = None
    _p99: float | None = None
    _last_t: float = 0.0
    healthy: bool = False

    @classmethod
    def for_incident(cls, incident) -> Judge:
        return cls(
            incident.slo.throughput_min,
            incident.slo.p99_ms_max,
            incident.sustain_s,
            incident.slo.min_kernel,
            incident.slo.unit,
            incident.tolerate_s,
        )

    @property
    def resolved(self) -> bool:
        return self.judged_at is not None

    def condition(self, service: str) -> str:
        """The resolution condition in words (the briefing shows it)."""
        mins = self.sustain_s / 60
        span = (
            f"{mins:g} minute{'s' if mins != 1 else ''}" if self.sustain_s >= 60 else f"{self.sustain_s:g} s"
        )
        brk = (
            f" (slow spells under {self.tolerate_s:g} s aside; an outage is a break)"
            if self.tolerate_s
            else ""
        )
        text = (
            f"Resolved when {service} keeps {self.unit} >= {self.throughput_min:,.0f} and p99 <= "
            f"{self.p99_ms_max:g} ms for {span} without a break{brk}"
        )
        if self.min_kernel:
            text += f", on a kernel at or above the platform baseline {self.min_kernel}"
        return text + "; a relapse reopens the incident."

    def _breached(self, compact: bool) -> str:
        """The limits the smoothed indicators break.  No values: the panes show the service's
        current figures, and a second, smoothed copy of them would disagree with the panes."""
        sep = "" if compact else " "
        out = []
        if self._tput is not None and self._tput < self.throughput_min:
            out.append(f"{self.unit}{sep}<{sep}{self.throughput_min:,.0f}")
        if self._p99 is not None and self._p99 > self.p99_ms_max:
            out.append(f"p99{sep}>{sep}{self.p99_ms_max:g}{sep}ms")
        return (" " if compact else ", ").join(out)

    @property
    def reason(self) -> str | None:
        """Why the SLO is breached now (which limit), or why a healthy-looking service does not count."""
        if self.healthy or self._last_tput is None:
            return None
        if self._last_tput <= 0:
            return "service down"
        return self.refusal or self._breached(compact=False) or None

    @property
    def brief(self) -> str | None:
        """The same in a few characters, for a narrow status line ("tps<40,000 p99>3ms")."""
        reason = self.reason
        if reason is None or reason == "service down":
            return reason and "down"
        return "kernel<baseline" if self.refusal else self._breached(compact=True)

    def update(self, history, kernel: str | None = None) -> None:
        """Judge the ticks ``history`` (the world's Series) gained since the last call."""
        below: str | None = None
        if self.min_kernel is not None and kernel is not None and KernelVersion(kernel) < self.min_kernel:
            below = f"kernel {kernel} < platform baseline {self.min_kernel}: not counted"
        self.refusal = below
        last_tput = None
        for t, tput, p99 in history.since(self._i):
            dt = t - self._last_t if self._i else 0.5
            a = 1.0 - math.exp(-max(dt, 1e-9) / SMOOTH_S)
            if self._tput is None:
                self._tput, self._p99 = tput, p99
            else:
                self._tput += a * (tput - self._tput)
                self._p99 += a * (p99 - self._p99)
            up = tput > 0 and below is None
            self.healthy = up and self._tput >= self.throughput_min and self._p99 <= self.p99_ms_max
            last_tput = tput
            if not self.healthy:
                self.slo_burn_s += dt
                if self.unhealthy_since is None:
                    self.unhealthy_since = t
                # A slow spell no longer than tolerate_s does not end a healthy streak (it still
                # burns SLO minutes); an outage always does: a restart is the symptom, not noise.
                if self.healthy_since is not None and (
                    tput <= 0 or t - self.unhealthy_since >= self.tolerate_s
                ):
                    self.episodes.append((self.healthy_since, self.unhealthy_since))
                    del self.episodes[:-MAX_EPISODES]
                    self.healthy_since = None
                if self.resolved and t - self.unhealthy_since >= RELAPSE_GRACE_S:
                    self.resolved_at = self.judged_at = None
                    self.relapses += 1
            else:
                self.unhealthy_since = None
                if self.healthy_since is None:
                    self.healthy_since = t
            if (
                not self.resolved
                and self.healthy_since is not None
                and t - self.healthy_since >= self.sustain_s
            ):
                self.resolved_at = self.healthy_since
                self.judged_at = t
            self._last_t = t
            self._i += 1
        if last_tput is not None:
            self._last_tput = last_tput

    def reliefs(self, min_s: float = 30.0) -> list[tuple[float, float]]:
        """Healthy streaks that ended again (relief that relapsed), at least ``min_s`` long."""
        return [(a, b) for a, b in self.episodes if b - a >= min_s]


def condition_text(incident) -> str:
    """The incident's resolution condition, as the briefing states it."""
    return Judge.for_incident(incident).condition(incident.slo.service)


def causes_in_place(incident, snap) -> list[str]:
    """The incident's root causes still in place on the machine ``snap`` shows (for the debrief).

    Read from the snapshot: the sysctl values, the booted kernel and the loaded live
    patches' effects.  The judge never consults this: it judges the service alone.
    """
    effects = {e for p in incident.patches if p.id in snap.patches for e in p.effect.split("+")}
    kernel = KernelVersion(snap.kernel)
    out = []
    for c in incident.causes:
        value = snap.setting(c.sysctl) if c.sysctl else None
        if c.sysctl and value in c.fixed_values:
            continue
        if c.kernels is not None:
            lo, hi = c.kernels
            if kernel < lo or (hi is not None and not kernel < hi):
                continue
        if c.fixed_by and c.fixed_by in effects:
            continue
        if c.cgroup_high:
            cg = next((g for g in snap.cgroups if g.unit == c.cgroup_high), None)
            if cg is None or cg.high >= min(cg.needs, cg.max):  # at memory.max reclaim runs inline
                continue
            value = f"{cg.high * 4096 / 2**30:.1f}G" if cg.high < 2**50 else "max"
        out.append(c.text.format(value=value, kernel=snap.kernel))
    return out
