"""The process tools: ps and top."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...snapshot import Snapshot
from .system import _cpu_split, loadavg, uptime_line
from .units import clock, totals, wall

PsRow = dict[str, Any]  # one process as ps and top show it: column name -> value


def _fmt_time(cpu_s: float) -> str:
    m, sec = divmod(int(cpu_s), 60)
    return f"{m}:{sec:02d}"


def ps_rows(s: Snapshot) -> list[PsRow]:
    total_kb = sum(n.total for n in s.nodes) * 4
    rows: list[PsRow] = []
    for t in s.tasks:
        rss_kb = int(t.status_rss_pages * 4)  # ps and top read /proc/PID/statm
        el = max(s.uptime - t.start, 1.0)
        rows.append(
            {
                "user": t.user,
                "pid": t.pid,
                "cpu": min(100.0 * t.cpu_s / el, 9999.0),
                "mem": 100.0 * rss_kb / total_kb,
                "vsz": int(t.vm_pages) * 4,  # total_vm pages
                "rss": rss_kb,
                "tty": "pts/0" if t.comm == "bash" else "?",
                "stat": t.state + ("s" if t.pid < 1000 else "l"),
                "start": wall(s, t.start).strftime("%b%d" if t.start < s.uptime - 86400 else "%H:%M"),
                "time": _fmt_time(t.cpu_s),
                "command": t.cmdline,
                "comm": t.comm,
                "nlwp": t.threads,
                "oom_score_adj": t.oom_score_adj,
            }
        )
    return rows


def ps_aux(s: Snapshot, rows: list[PsRow] | None = None) -> str:
    """ps aux, for the given rows (already filtered and sorted) or every process."""
    out = ["USER        PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    for r in ps_rows(s) if rows is None else rows:
        out.append(
            f"{r['user'][:8]:<8} {r['pid']:>6} {r['cpu']:>4.1f} {r['mem']:>4.1f} {r['vsz']:>6} {r['rss']:>5} "
            f"{r['tty']:<8} {r['stat']:<4} {r['start']:>5} {r['time']:>6} {r['command']}"
        )
    return "\n".join(out)


PS_FIELDS: dict[str, tuple[str, str, Callable[[PsRow], str]]] = {
    "pid": ("PID", ">", lambda r: str(r["pid"])),
    "ppid": ("PPID", ">", lambda r: "1"),
    "user": ("USER", "<", lambda r: r["user"][:8]),
    "comm": ("COMMAND", "<", lambda r: r["comm"][:15]),
    "cmd": ("CMD", "<", lambda r: r["command"]),
    "args": ("COMMAND", "<", lambda r: r["command"]),
    "command": ("COMMAND", "<", lambda r: r["command"]),
    "rss": ("RSS", ">", lambda r: str(r["rss"])),
    "rsz": ("RSZ", ">", lambda r: str(r["rss"])),
    "vsz": ("VSZ", ">", lambda r: str(r["vsz"])),
    "%mem": ("%MEM", ">", lambda r: f"{r['mem']:.1f}"),
    "pmem": ("%MEM", ">", lambda r: f"{r['mem']:.1f}"),
    "%cpu": ("%CPU", ">", lambda r: f"{r['cpu']:.1f}"),
    "pcpu": ("%CPU", ">", lambda r: f"{r['cpu']:.1f}"),
    "stat": ("STAT", "<", lambda r: r["stat"]),
    "state": ("S", "<", lambda r: r["stat"][0]),
    "nlwp": ("NLWP", ">", lambda r: str(r["nlwp"])),
    "time": ("TIME", ">", lambda r: "00:" + r["time"].zfill(5)),
    "oom_score_adj": ("OOM_SCORE_ADJ", ">", lambda r: str(r["oom_score_adj"])),
}


def top_batch(s: Snapshot) -> str:
    loadavg(s)
    n = len(s.tasks)
    running = sum(1 for t in s.tasks if t.state == "R")  # the snapshot's state follows the CPU use
    us, sy, idle, wa = _cpu_split(s)
    tot = totals(s)

    def kib(p: float) -> int:
        return int(p * 4)

    head = [
        f"top - {clock(s)} up {uptime_line(s).split(' up ')[1]}",
        f"Tasks: {n:>3} total, {running:>3} running, {n - running:>3} sleeping,   0 stopped,   0 zombie",
        f"%Cpu(s): {us:4.1f} us, {sy:4.1f} sy,  0.0 ni, {idle:4.1f} id, {wa:4.1f} wa,  0.0 hi,  0.3 si,  0.0 st",
        f"KiB Mem : {kib(tot['total']):>9} total, {kib(tot['free']):>9} free, "
        f"{kib(tot['total'] - tot['free'] - tot['file'] - tot['slab_rec']):>9} used, "
        f"{kib(tot['file'] + tot['slab_rec']):>9} buff/cache",
        f"KiB Swap: {kib(s.swap_total):>8} total, {kib(s.swap_free):>8} free, "
        f"{kib(s.swap_total - s.swap_free):>8} used. "
        f"{kib(tot['free'] + tot['file'] * 0.7):>9} avail Mem",
        "",
        "   PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND",
    ]
    # top's %CPU: the CPU used over its refresh interval (ps shows the lifetime average).
    recent = {t.pid: 100.0 * t.cpu_rate for t in s.tasks}
    rows = [{**r, "cpu": recent.get(r["pid"], r["cpu"])} for r in ps_rows(s)]
    rows = sorted(rows, key=lambda r: (-r["cpu"], r["pid"]))
    for r in rows:
        shr = int(r["rss"] * 0.1)
        head.append(
            f"{r['pid']:>6} {r['user'][:8]:<8}  20   0 {_kib(r['vsz'], 7):>7} {_kib(r['rss']):>6} {_kib(shr):>6} "
            f"{r['stat'][0]} {min(r['cpu'], 9999):5.1f} {r['mem']:4.1f} {_time_plus(r):>9} {r['comm'][:15]}"
        )
    return "\n".join(head)


def _kib(kb: int, width: int = 6) -> str:
    """top's scaling: KiB while it fits the column, then m, then g."""
    if len(str(kb)) <= width:
        return str(kb)
    if len(f"{kb / 1024:.1f}m") <= width:
        return f"{kb / 1024:.1f}m"
    return f"{kb / 1048576:.1f}g"


def _time_plus(r: PsRow) -> str:
    m, s = r["time"].split(":")
    return f"{m}:{s}.00"
