"""Units and small helpers the renderers share: pages to MB, totals over the nodes, the clock."""

from __future__ import annotations

from ...kernel import KernelVersion
from ...world import NodeMem, Snapshot

KB_PER_PAGE = 4


PAGES_PER_MB = 256


def mb(pages: float) -> float:
    return pages / PAGES_PER_MB


def totals(s: Snapshot) -> dict[str, float]:
    """Every NodeMem field summed over the nodes (pages)."""
    return {k: sum(getattr(n, k) for n in s.nodes) for k in NodeMem.__dataclass_fields__}


def kv(s: Snapshot) -> KernelVersion:
    return KernelVersion(s.kernel)


def clock(s: Snapshot, start: str = "02:47:00") -> str:
    h, m_, sec = (int(x) for x in start.split(":"))
    total = (h * 3600 + m_ * 60 + sec + int(s.t)) % 86400
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def human_k(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.0f}M"
    if n >= 1_000:
        return f"{n / 1_000:.0f}K"
    return str(n)
