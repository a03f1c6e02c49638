"""The vmstat tool (``vmstat [INTERVAL [COUNT]]``); /proc/vmstat itself is procvmstat.py."""

from __future__ import annotations

from ...snapshot import Snapshot
from .procvmstat import vmstat_file
from .system import _cpu_split

__all__ = ["vmstat_cmd", "vmstat_file", "vmstat_row"]


def vmstat_cmd(s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0) -> list[str]:
    head = [
        "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----",
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st",
    ]
    return [*head, vmstat_row(s, prev, interval)]


def vmstat_row(s: Snapshot, prev: Snapshot | None, interval: float) -> str:
    r = sum(t.threads for t in s.tasks if t.state == "R")
    b = sum(t.threads for t in s.tasks if t.state == "D")
    free_kb = int(sum(n.free for n in s.nodes) * 4)
    cache_kb = int(sum(n.file + n.slab_rec for n in s.nodes) * 4)
    if prev is None:
        el = max(s.uptime, 1.0)
        bi = s.vm_value("pgpgin") / el
        bo = s.vm_value("pgpgout") / el
    else:
        bi = (s.vm_value("pgpgin") - prev.vm_value("pgpgin")) / interval
        bo = (s.vm_value("pgpgout") - prev.vm_value("pgpgout")) / interval
    us, sy, idle, wa = _cpu_split(s)
    return (
        f"{r:2d} {b:2d} {0:6d} {free_kb:6d} {2104:6d} {cache_kb:6d} {0:4d} {0:4d} {int(bi):5d} {int(bo):5d} "
        f"{int(bi / 20) + 900:4d} {int(bi / 8) + 2100:4d} {int(us):2d} {int(sy):2d} {int(idle):2d} {int(wa):2d}  0"
    )
