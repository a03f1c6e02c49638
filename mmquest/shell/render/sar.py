"""sar -B and -r, computed as sadc computes them: from the text of /proc/vmstat and /proc/meminfo.

Reading the rendered files keeps sar, vmstat and free one truth.  Columns per sysstat 10.x
(RHEL 7 generation); ``kbavail`` from sysstat 11.6 (era ``tool:sysstat.kbavail``).
"""

from __future__ import annotations

from ...kernel import era
from .free import parse_meminfo

PAGING_HEAD = [
    "pgpgin/s",
    "pgpgout/s",
    "fault/s",
    "majflt/s",
    "pgfree/s",
    "pgscank/s",
    "pgscand/s",
    "pgsteal/s",
    "%vmeff",
]


def vmstat_values(text: str) -> dict[str, int]:
    out = {}
    for ln in text.splitlines():
        parts = ln.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _sum(v: dict[str, int], prefix: str) -> int:
    return sum(x for k, x in v.items() if k == prefix or k.startswith(prefix + "_"))


def paging_row(a: dict[str, int], b: dict[str, int], secs: float) -> list[float]:
    """One sar -B line from two /proc/vmstat readings ``secs`` apart (sysstat's rd_stats)."""

    def rate(name: str, total: bool = False) -> float:
        x = (_sum(b, name) - _sum(a, name)) if total else (b.get(name, 0) - a.get(name, 0))
        return max(x, 0) / secs

    scank = rate("pgscan_kswapd", True)
    scand = rate("pgscan_direct", True) - rate("pgscan_direct_throttle")
    steal = rate("pgsteal", True)
    vmeff = 100.0 * steal / (scank + scand) if scank + scand > 0 else 0.0
    return [
        rate("pgpgin"),
        rate("pgpgout"),
        rate("pgfault"),
        rate("pgmajfault"),
        rate("pgfree"),
        scank,
        scand,
        steal,
        vmeff,
    ]


def memory_head(version: str) -> list[str]:
    head = ["kbmemfree"]
    if era.has("tool:sysstat.kbavail", version):
        head.append("kbavail")
    rest = ["kbmemused", "%memused", "kbbuffers", "kbcached", "kbcommit", "%commit", "kbactive", "kbinact"]
    return [*head, *rest, "kbdirty"]


def memory_row(meminfo_text: str, version: str) -> list[float]:
    mi = parse_meminfo(meminfo_text)
    total, free = mi["MemTotal"], mi["MemFree"]
    used = total - free
    row: list[float] = [free]
    if era.has("tool:sysstat.kbavail", version):
        row.append(mi.get("MemAvailable", free))
    commit = mi.get("Committed_AS", 0)
    row += [
        used,
        100.0 * used / total,
        mi.get("Buffers", 0),
        mi.get("Cached", 0),
        commit,
        100.0 * commit / (total + mi.get("SwapTotal", 0)),
        mi.get("Active", 0),
        mi.get("Inactive", 0),
        mi.get("Dirty", 0),
    ]
    return row


def line(stamp: str, values: list[float], head: list[str]) -> str:
    cells = [
        f"{v:9.2f}" if h.startswith("%") or h.endswith("/s") else f"{int(v):9d}"
        for v, h in zip(values, head, strict=True)
    ]
    return f"{stamp:<11}" + "".join(" " + c for c in cells)


def header_line(stamp: str, head: list[str]) -> str:
    return f"{stamp:<11}" + "".join(f" {h:>9}" for h in head)


def banner(kernel: str, hostname: str, date: str, ncpu: int) -> str:
    return f"Linux {kernel} ({hostname}) \t{date} \t_x86_64_\t({ncpu} CPU)"
