"""Units and small helpers the renderers share: pages to MB, totals over the nodes, the clock."""

from __future__ import annotations

import datetime

from ...kernel.version import KernelVersion
from ...snapshot import NodeMem, Snapshot

KB_PER_PAGE = 4


PAGES_PER_MB = 256


def mb(pages: float) -> float:
    return pages / PAGES_PER_MB


def totals(s: Snapshot) -> dict[str, float]:
    """Every NodeMem field summed over the nodes (pages)."""
    return {k: sum(getattr(n, k) for n in s.nodes) for k in NodeMem.__dataclass_fields__}


def kv(s: Snapshot) -> KernelVersion:
    return KernelVersion(s.kernel)


def wall(s: Snapshot, uptime: float | None = None) -> datetime.datetime:
    """The box's wall clock (UTC) now, or at ``uptime`` seconds after its boot: from the
    incident's start time (Snapshot.wall_start, kernel/era.py)."""
    t = s.wall_start + s.t if uptime is None else s.wall_start + s.t - (s.uptime - uptime)
    return datetime.datetime.fromtimestamp(t, datetime.UTC)


def clock(s: Snapshot, start: str | None = None) -> str:
    """HH:MM:SS on the box's wall clock (``start``: an explicit HH:MM:SS at t = 0)."""
    if start is None:
        return wall(s).strftime("%H:%M:%S")
    h, m_, sec = (int(x) for x in start.split(":"))
    total = (h * 3600 + m_ * 60 + sec + int(s.t)) % 86400
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def human_k(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f}M"
    if n >= 1_000:
        return f"{n / 1_000:.0f}K"
    return str(n)
