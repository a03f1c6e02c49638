"""What the tracing tools share: the tracing state of the booted kernel, counter deltas, durations."""

from __future__ import annotations

import fnmatch
import re

from ...kernel.trace import (
    TraceCounts,
    traceable,
)
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot
from ..core import MAX_SLEEP_S, Shell
from ..vfs import Vfs

T = "/sys/kernel/debug/tracing"


BPF_KPROBES = "4.1"  # BPF_PROG_TYPE_KPROBE


BPF_STACKS = "4.6"  # BPF_MAP_TYPE_STACK_TRACE


BPFTRACE_MIN = "4.9"


class TraceState:
    """The tracing state of the booted kernel, as this shell set it up (reset by a reboot)."""

    def __init__(self, boot: int):
        self.boot = boot
        self.filter: list[str] = []
        self.profiling = False
        self.base: TraceCounts | None = None  # the counters when the profiler was switched on
        self.end: TraceCounts | None = None  # ... and when it was switched off
        self.probes: list[str] = []  # perf probe --add


def state(vfs: Vfs, s: Snapshot) -> TraceState:
    """The booted kernel's tracing state, kept with the shell's files (a reboot starts afresh)."""
    st = vfs.rooms.get("tracing")
    if not isinstance(st, TraceState) or st.boot != s.trace.boot:
        st = TraceState(s.trace.boot)
        vfs.rooms["tracing"] = st
    return st


def _version(s: Snapshot) -> KernelVersion:
    return KernelVersion(s.kernel)


def _delta(a: TraceCounts, b: TraceCounts, fn: str) -> tuple[float, float]:
    return b.count(fn) - a.count(fn), b.seconds(fn) - a.seconds(fn)


def _match(s: Snapshot, pattern: str) -> list[str]:
    return [f for f in traceable(_version(s)) if fnmatch.fnmatchcase(f, pattern)]


def _run_for(sh: Shell, seconds: float) -> None:
    sh.advance(min(max(seconds, 0.0), MAX_SLEEP_S))  # within what is left of the line's hour


def _duration(ns: float) -> str:
    """trace_print_graph_duration(): usecs with up to 7 digits in all, then ' us ', padded."""
    ns = round(ns)
    us, rem = divmod(ns, 1000)
    text = str(us)
    n = len(text)
    if n < 7:
        frac = f"{rem:03d}"[: min(3, 7 - n)]
        text += "." + frac
        n += len(frac)
    return text + " us " + " " * max(7 - n, 0)


def function_stat(s: Snapshot, st: TraceState, cpu: int) -> str:
    out = [
        "  Function                               Hit    Time            Avg             s^2",
        "  --------                               ---    ----            ---             ---",
    ]
    if st.base is None:
        return "\n".join(out)
    end = st.end if st.end is not None else s.trace
    fns = [f for f in traceable(_version(s)) if not st.filter or f in st.filter]
    rows = []
    z = cpu // s.cpus_per_node
    for f in fns:
        calls, secs = _delta(st.base, end, f)
        if calls <= 0:
            continue
        a, b = st.base.by_comm(f), end.by_comm(f)
        here = sum((b[c] - a.get(c, 0.0)) * end.node_share(c, s.nnodes)[z] for c in b) / s.cpus_per_node
        hit = round(here)
        if hit <= 0:
            continue
        rows.append((secs * here / calls, hit, f))
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for secs, hit, f in rows:
        line = f"  {f[:30]:<30}  {hit:10d}"
        if secs > 0:
            ns = secs * 1e9
            line += "    " + _duration(ns) + "    " + _duration(ns / hit) + "    " + _duration(0)
        out.append(line.rstrip())
    return "\n".join(out)


def _seconds(text: str) -> float | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text)
    if not m:
        return None
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
