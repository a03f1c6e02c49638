"""The vmstat tool (``vmstat [INTERVAL [COUNT]]``); /proc/vmstat itself is procvmstat.py."""

from __future__ import annotations

from ...kernel.era import has
from ...snapshot import Snapshot
from .meminfo import meminfo
from .procvmstat import vmstat_file
from .system import _cpu_split

__all__ = ["vmstat_cmd", "vmstat_file", "vmstat_head", "vmstat_row"]


# ---------------------------------------------------------------------- the vmstat tool
# procps' printf formats (vmstat.c new_header/new_format): the columns, and -w's wider ones
# (procps-ng 3.3; procps 3.2.8 has no -w).  -a puts inact/active in buff/cache's place.
_NAMES = (
    "r",
    "b",
    "swpd",
    "free",
    "buff",
    "cache",
    "si",
    "so",
    "bi",
    "bo",
    "in",
    "cs",
    "us",
    "sy",
    "id",
    "wa",
    "st",
)
_WIDTHS = (2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2)
_WIDE_WIDTHS = (2, 2, 12, 12, 12, 12, 4, 4, 5, 5, 4, 4, 3, 3, 3, 3, 3)


def _columns(values: tuple[object, ...], wide: bool) -> str:
    return " ".join(f"{v:>{w}}" for v, w in zip(values, _WIDE_WIDTHS if wide else _WIDTHS, strict=True))


def vmstat_head(kernel: str, active: bool = False, wide: bool = False) -> list[str]:
    """procps 3.2.8 (2.6 generation) and procps-ng 3.3 (3.10 on) differ in the group rulers."""
    if wide:
        groups = (
            "procs -----------------------memory---------------------- ---swap-- -----io---- "
            "-system-- --------cpu--------"
        )
    elif has("tool:procps.ng_vmstat", kernel):
        groups = "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----"
    else:
        groups = "procs -----------memory---------- ---swap-- -----io---- --system-- -----cpu-----"
    names = _NAMES[:4] + (("inact", "active") if active else _NAMES[4:6]) + _NAMES[6:]
    return [groups, _columns(names, wide)]


def vmstat_cmd(
    s: Snapshot, prev: Snapshot | None = None, interval: float = 1.0, active: bool = False, wide: bool = False
) -> list[str]:
    return [*vmstat_head(s.kernel, active, wide), vmstat_row(s, prev, interval, active, wide)]


def _mem_kb(s: Snapshot) -> dict[str, int]:
    """What procps reads from /proc/meminfo (kB)."""
    return {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in meminfo(s).splitlines())}


def vmstat_row(
    s: Snapshot, prev: Snapshot | None, interval: float, active: bool = False, wide: bool = False
) -> str:
    """One line: memory from /proc/meminfo (cache = Cached + SReclaimable in procps-ng, Cached in
    procps 3.2.8; with -a Inactive and Active), the rates from /proc/vmstat over the interval
    (since boot on the first line)."""
    r = sum(t.threads for t in s.tasks if t.state == "R")
    b = sum(t.threads for t in s.tasks if t.state == "D")
    mem = _mem_kb(s)
    swpd = mem["SwapTotal"] - mem["SwapFree"]
    cache = mem["Cached"] + (mem["SReclaimable"] if has("tool:procps.ng_vmstat", s.kernel) else 0)
    pair = (mem["Inactive"], mem["Active"]) if active else (mem["Buffers"], cache)
    el = max(s.uptime, 1.0) if prev is None else interval

    def rate(name: str) -> float:
        return (s.vm_value(name) - (prev.vm_value(name) if prev is not None else 0)) / el

    bi, bo = rate("pgpgin"), rate("pgpgout")
    si, so = rate("pswpin") * 4, rate("pswpout") * 4  # pages to kB
    us, sy, idle, wa = _cpu_split(s)
    rates = (int(si), int(so), int(bi), int(bo), int(bi / 20) + 900, int(bi / 8) + 2100)
    return _columns(
        (r, b, swpd, mem["MemFree"], *pair, *rates, int(us), int(sy), int(idle), int(wa), 0), wide
    )
