"""Load, uptime, CPU split, the kernel log and the service's indicators."""

from __future__ import annotations

from ...incident import SLO
from ...snapshot import Snapshot
from .units import clock


def loadavg(s: Snapshot) -> tuple[float, float, float]:
    """The kernel's 1/5/15-minute averages of runnable + uninterruptible threads (from the model)."""
    return s.loadavg


def uptime_line(s: Snapshot) -> str:
    up = int(s.uptime)
    days, rem = divmod(up, 86400)
    hh, mm = rem // 3600, rem % 3600 // 60
    upstr = (f"{days} day{'s' if days != 1 else ''}, " if days else "") + (
        f"{hh:2d}:{mm:02d}" if hh else f"{mm} min"
    )
    la = loadavg(s)
    return f" {clock(s)} up {upstr},  1 user,  load average: {la[0]:.2f}, {la[1]:.2f}, {la[2]:.2f}"


def _cpu_split(s: Snapshot) -> tuple[float, float, float, float]:
    ncpu = s.nnodes * s.cpus_per_node
    busy = min(s.busy_cpus / ncpu, 1.0)
    kernel_share = s.kernel_share
    wa = min(sum(t.threads for t in s.tasks if t.state == "D") / ncpu, 1.0 - busy) * 0.5
    us = busy * (1 - kernel_share) * 100
    sy = busy * kernel_share * 100
    return us, sy, max(100 - us - sy - wa * 100, 0.0), wa * 100


def dmesg(s: Snapshot, human: bool = False) -> str:
    return "\n".join(f"[{ts:12.6f}] {text}" for ts, text in s.dmesg)


def slo_lines(s: Snapshot, slo: SLO) -> str:
    st = s.service(slo.service)
    if st is None:
        return f"service {slo.service}\nup 0"
    healthy = st.up and st.throughput >= slo.throughput_min and st.p99_ms <= slo.p99_ms_max
    unit = slo.unit.replace("/", "_per_")
    return "\n".join(
        [
            f"service {slo.service}",
            f"up {1 if st.up else 0}",
            f"throughput_{unit} {st.throughput:.0f}",
            f"throughput_min_{unit} {slo.throughput_min:.0f}",
            f"p99_ms {st.p99_ms:.2f}",
            f"p99_max_ms {slo.p99_ms_max:.2f}",
            f"cache_hit_ratio {st.hit_ratio:.3f}",
            f"healthy {'yes' if healthy else 'no'}",
        ]
    )
