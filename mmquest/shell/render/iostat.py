"""iostat -x (sysstat) from the model's block I/O, in the columns of the era's sysstat.

The model counts its I/O in /proc/vmstat: swap pages (pswpin/pswpout), everything read from
disk (pgpgin, kB: the services' cache misses and orion's direct reads) and written (pgpgout, kB:
the flusher's writeback and swap-out).  Like sar, iostat here reads the rendered /proc/vmstat,
so its kB/s are the counters' differences over the interval (the first report: since boot).
The box's disks: sda the system disk with the swap partition, sdb the data volume the services
read (``Snapshot.disk_util``), sdc the log/checkpoint volume the flusher writes
(``kernel.writeback``), sdd and sde idle.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...kernel.era import has
from ...kernel.writeback import WRITE_PAGES_PER_S
from ...snapshot import Snapshot

READ_KB = {"sda": 32.0, "sdb": 64.0, "sdc": 4.0}  # average request sizes (kB)
WRITE_KB = {"sda": 32.0, "sdb": 8.0, "sdc": 256.0}
SVCTM_MS = {"sda": 4.0, "sdb": 0.20, "sdc": 0.10}


@dataclass(frozen=True)
class DevIo:
    rkb: float  # kB/s
    wkb: float
    util: float  # 0..1


def device_rates(s: Snapshot, a: dict[str, int], b: dict[str, int], secs: float) -> dict[str, DevIo]:
    """kB/s per device between two /proc/vmstat readings ``secs`` apart."""

    def rate(name: str) -> float:
        return max(b.get(name, 0) - a.get(name, 0), 0) / secs

    swap_in, swap_out = rate("pswpin") * 4, rate("pswpout") * 4
    data = max(rate("pgpgin") - swap_in, 0.0)
    log = max(rate("pgpgout") - swap_out, 0.0)
    swap_util = _busy(swap_in / READ_KB["sda"] + swap_out / WRITE_KB["sda"], "sda")
    return {
        "sda": DevIo(swap_in, swap_out, swap_util),
        # the model's data disk; orion's direct reads go to a flash array the disk model does not load
        "sdb": DevIo(data, 0.0, s.disk_util if s.disk_util > 0 else _busy(data / READ_KB["sdb"], "sdb")),
        "sdc": DevIo(0.0, log, min(log / (WRITE_PAGES_PER_S * 4), 1.0)),
        "sdd": DevIo(0.0, 0.0, 0.0),
        "sde": DevIo(0.0, 0.0, 0.0),
    }


def _busy(iops: float, dev: str) -> float:
    """The share of the interval the device had a request in service."""
    return min(max(iops, 0.0) * SVCTM_MS[dev] / 1e3, 1.0)


def columns(kernel: str) -> list[str]:
    """The -x columns of the sysstat that shipped with the kernel's generation."""
    if has("tool:sysstat.iostat_discard", kernel):
        cols = ["r/s", "rkB/s", "rrqm/s", "%rrqm", "r_await", "rareq-sz"]
        cols += ["w/s", "wkB/s", "wrqm/s", "%wrqm", "w_await", "wareq-sz"]
        cols += ["d/s", "dkB/s", "drqm/s", "%drqm", "d_await", "dareq-sz"]
        if has("tool:sysstat.iostat_flush", kernel):
            cols += ["f/s", "f_await"]
        return [*cols, "aqu-sz", "%util"]
    if has("tool:sysstat.iostat_new_layout", kernel):
        return [
            "r/s",
            "w/s",
            "rkB/s",
            "wkB/s",
            "rrqm/s",
            "wrqm/s",
            "%rrqm",
            "%wrqm",
            "r_await",
            "w_await",
            "aqu-sz",
            "rareq-sz",
            "wareq-sz",
            "svctm",
            "%util",
        ]
    if has("tool:sysstat.iostat_await_split", kernel):
        return [
            "rrqm/s",
            "wrqm/s",
            "r/s",
            "w/s",
            "rkB/s",
            "wkB/s",
            "avgrq-sz",
            "avgqu-sz",
            "await",
            "r_await",
            "w_await",
            "svctm",
            "%util",
        ]
    return [
        "rrqm/s",
        "wrqm/s",
        "r/s",
        "w/s",
        "rsec/s",
        "wsec/s",
        "avgrq-sz",
        "avgqu-sz",
        "await",
        "svctm",
        "%util",
    ]


def _values(dev: str, io: DevIo) -> dict[str, float]:
    rs, ws = io.rkb / READ_KB.get(dev, 4.0), io.wkb / WRITE_KB.get(dev, 4.0)
    svctm = io.util * 1e3 / (rs + ws) if rs + ws > 0 else 0.0  # %util = IOPS x service time
    wait = svctm / (1.0 - min(io.util, 0.97)) if rs + ws > 0 else 0.0  # queueing behind the busy device
    rrqm, wrqm = rs * 0.02, ws * 0.25  # merges: a little readahead, writeback's adjacent pages
    aqu = (rs + ws) * wait / 1e3
    return {
        "r/s": rs,
        "w/s": ws,
        "rkB/s": io.rkb,
        "wkB/s": io.wkb,
        "rsec/s": io.rkb * 2,
        "wsec/s": io.wkb * 2,
        "rrqm/s": rrqm,
        "wrqm/s": wrqm,
        "%rrqm": 100 * rrqm / (rrqm + rs) if rs else 0.0,
        "%wrqm": 100 * wrqm / (wrqm + ws) if ws else 0.0,
        "avgrq-sz": (io.rkb + io.wkb) * 2 / (rs + ws) if rs + ws else 0.0,  # sectors
        "avgqu-sz": aqu,
        "aqu-sz": aqu,
        "await": wait,
        "r_await": wait if rs else 0.0,
        "w_await": wait if ws else 0.0,
        "rareq-sz": io.rkb / rs if rs else 0.0,
        "wareq-sz": io.wkb / ws if ws else 0.0,
        "svctm": svctm,
        "%util": 100 * io.util,
        **{f"{x}{k}": 0.0 for x in "df" for k in ("/s", "kB/s", "rqm/s", "_await", "areq-sz")},
        "%drqm": 0.0,
    }


def device_table(kernel: str, rates: dict[str, DevIo]) -> list[str]:
    """The device lines: ``%-13s`` then each column ``" %*.2f"`` (sysstat's write_ext_stat)."""
    cols = columns(kernel)
    new = has("tool:sysstat.iostat_new_layout", kernel)
    widths = [_w(c, kernel) for c in cols]
    out = [
        f"{'Device' if new else 'Device:':<13}"
        + "".join(f" {c:>{w}}" for c, w in zip(cols, widths, strict=True))
    ]
    for dev, io in rates.items():
        v = _values(dev, io)
        out.append(f"{dev:<13}" + "".join(f" {v[c]:>{w}.2f}" for c, w in zip(cols, widths, strict=True)))
    return out


_WIDTHS = {"svctm": 6, "%util": 6, "avgrq-sz": 8, "avgqu-sz": 8, "rsec/s": 8, "wsec/s": 8}


def _w(col: str, kernel: str) -> int:
    """sysstat's printf widths per column (the headers are right-aligned to them)."""
    if col in _WIDTHS:
        return _WIDTHS[col]
    if col.endswith("kB/s"):
        return 9 if has("tool:sysstat.iostat_new_layout", kernel) else 8
    if col.endswith("rqm/s") or col.endswith("areq-sz"):
        return 8
    if col.startswith("%") or col == "aqu-sz":
        return 7 if col == "aqu-sz" and has("tool:sysstat.iostat_discard", kernel) else 6
    return 7


def cpu_lines(us: float, sy: float, idle: float, wa: float) -> list[str]:
    return [
        "avg-cpu:  %user   %nice %system %iowait  %steal   %idle",
        f"{us:>14.2f}{0.0:>8.2f}{sy:>8.2f}{wa:>8.2f}{0.0:>8.2f}{idle:>8.2f}",
    ]
