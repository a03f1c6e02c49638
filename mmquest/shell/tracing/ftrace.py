"""ftrace's function profiler under /sys/kernel/debug/tracing, and kprobe_events."""

from __future__ import annotations

import re

from ...kernel.trace import (
    INLINE,
    traceable,
)
from ...world import ActionError, Snapshot
from .. import vfs as V
from ..core import Shell, write_handler
from .common import T, _match, _version, function_stat, state


class _Debugfs:
    def listdir(self, vfs, s: Snapshot, path: str):
        if path == "/sys/kernel":
            return ["debug", "mm"]
        if path == "/sys/kernel/debug":
            return ["tracing"]
        if path == T:
            return [
                "available_filter_functions",
                "available_tracers",
                "current_tracer",
                "function_profile_enabled",
                "kprobe_events",
                "set_ftrace_filter",
                "trace_stat",
                "tracing_on",
            ]
        if path == T + "/trace_stat":
            return [f"function{c}" for c in range(s.nnodes * s.cpus_per_node)]
        return None

    def read(self, vfs, s: Snapshot, path: str):
        if not path.startswith(T + "/"):
            return None
        st = state(vfs, s)
        name = path[len(T) + 1 :]
        if name == "available_filter_functions":
            return "\n".join(traceable(_version(s)))
        if name == "available_tracers":
            return "blk function_graph wakeup_dl wakeup_rt wakeup function nop"
        if name == "current_tracer":
            return "nop"
        if name == "tracing_on":
            return "1"
        if name == "function_profile_enabled":
            return "1" if st.profiling else "0"
        if name == "set_ftrace_filter":
            return "\n".join(st.filter) if st.filter else "#### all functions enabled ####"
        if name == "kprobe_events":
            return "\n".join(f"p:probe/{f} {f}" for f in st.probes)
        m = re.fullmatch(r"trace_stat/function(\d+)", name)
        if m and int(m.group(1)) < s.nnodes * s.cpus_per_node:
            return function_stat(s, st, int(m.group(1)))
        return None


V.PROVIDERS.append(_Debugfs())


@write_handler(re.escape(T) + r"/set_ftrace_filter")
def _write_filter(sh: Shell, m, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh, s)
    new: list[str] = []
    for word in data.split():
        hits = _match(s, word)
        if not hits:
            raise ActionError("Invalid argument")
        new += hits
    st.filter = sorted(set((st.filter if append else []) + new))


@write_handler(re.escape(T) + r"/function_profile_enabled")
def _write_profile(sh: Shell, m, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh, s)
    v = data.strip()
    if v not in ("0", "1"):
        raise ActionError("Invalid argument")
    if v == "1" and not st.profiling:
        st.profiling, st.base, st.end = True, s.trace, None  # enabling resets the stats
    elif v == "0" and st.profiling:
        st.profiling, st.end = False, s.trace
    sh.note_read(T + "/function_profile_enabled")


@write_handler(re.escape(T) + r"/kprobe_events")
def _write_kprobe_events(sh: Shell, m, data: str, append: bool) -> None:
    """'p[:[probe/]NAME] FUNC' adds a kprobe, '-:[probe/]NAME' removes one; '>' without text clears them."""
    s = sh.snap
    st = state(sh, s)
    if not append:
        st.probes = []
    for line in data.splitlines():
        words = line.split()
        if not words:
            continue
        head = words[0]
        if head.startswith("-:"):
            name = head[2:].split("/")[-1]
            if name not in st.probes:
                raise ActionError("No such file or directory")
            st.probes.remove(name)
            continue
        if not head.startswith(("p", "r")) or len(words) < 2:
            raise ActionError("Invalid argument")
        fn = words[1].split("+")[0]
        name = head.split(":", 1)[1].split("/")[-1] if ":" in head else fn
        if fn in INLINE or fn not in traceable(_version(s)) or name != fn:
            # the box names a kprobe after its function: perf stat -e probe:FUNC reads that function's count
            raise ActionError(
                "Invalid argument" if fn in traceable(_version(s)) else "No such file or directory"
            )
        if name in st.probes:
            raise ActionError("File exists")
        st.probes.append(name)


@write_handler(re.escape(T) + r"/(current_tracer|tracing_on|available_filter_functions|trace_stat.*)")
def _write_other(sh: Shell, m, data: str, append: bool) -> None:
    if m.group(1) == "current_tracer" and data.strip() in ("nop", "function", "function_graph"):
        return
    if m.group(1) == "tracing_on" and data.strip() in ("0", "1"):
        return
    raise ActionError("Invalid argument")
