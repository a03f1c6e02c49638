"""The vmstat tool (``vmstat [INTERVAL [COUNT]]``); /proc/vmstat itself is procvmstat.py."""

from __future__ import annotations

from ...kernel.era import has
from ...snapshot import Snapshot
from .meminfo import meminfo
from .procvmstat import vmstat_file
from .system import _cpu_split

__all__ = ["vmstat_cmd", "vmstat_file", "vmstat_head", "vmstat_row"]


# ---------------------------------------------------------------------- the vmstat tool
def vmstat_head(kernel: str) -> list[str]:
    """procps 3.2.8 (2.6 generation) and procps-ng 3.3 (3.10 on) differ in the group rulers."""
    if has("tool:procps.ng_vmstat", kernel):
        groups = "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----"
    else:
        groups = "procs -----------memory---------- ---swap-- -----io---- --system-- -----cpu-----"
    return [groups, " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st"]


def vmstat_cmd(s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0) -> list[str]:
    return [*vmstat_head(s.kernel), vmstat_row(s, prev, interval)]


def _mem_kb(s: Snapshot) -> dict[str, int]:
    """What procps reads from /proc/meminfo (kB)."""
    return {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in meminfo(s).splitlines())}


def vmstat_row(s: Snapshot, prev: Snapshot | None, interval: float) -> str:
    """One line: memory from /proc/meminfo (cache = Cached + SReclaimable in procps-ng, Cached in
    procps 3.2.8), the rates from /proc/vmstat over the interval (since boot on the first line)."""
    r = sum(t.threads for t in s.tasks if t.state == "R")
    b = sum(t.threads for t in s.tasks if t.state == "D")
    mem = _mem_kb(s)
    swpd = mem["SwapTotal"] - mem["SwapFree"]
    cache = mem["Cached"] + (mem["SReclaimable"] if has("tool:procps.ng_vmstat", s.kernel) else 0)
    el = max(s.uptime, 1.0) if prev is None else interval

    def rate(name: str) -> float:
        return (s.vm_value(name) - (prev.vm_value(name) if prev is not None else 0)) / el

    bi, bo = rate("pgpgin"), rate("pgpgout")
    si, so = rate("pswpin") * 4, rate("pswpout") * 4  # pages to kB
    us, sy, idle, wa = _cpu_split(s)
    return (
        f"{r:2d} {b:2d} {swpd:6d} {mem['MemFree']:6d} {mem['Buffers']:6d} {cache:6d} {int(si):4d} {int(so):4d} "
        f"{int(bi):5d} {int(bo):5d} {int(bi / 20) + 900:4d} {int(bi / 8) + 2100:4d} "
        f"{int(us):2d} {int(sy):2d} {int(idle):2d} {int(wa):2d}  0"
    )
