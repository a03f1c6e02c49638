"""ftrace's function profiler under /sys/kernel/debug/tracing, and kprobe_events."""

from __future__ import annotations

from ...actions import ActionError
from ...kernel.trace import (
    INLINE,
    traceable,
)
from .. import vfs as V
from ..core import Shell
from ..vfs import Ctx, Route
from ..vfs.routes import Writer
from .common import T, _match, _version, function_stat, state


def _write_filter(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh.vfs, s)
    new: list[str] = []
    for word in data.split():
        hits = _match(s, word)
        if not hits:
            raise ActionError("Invalid argument")
        new += hits
    st.filter = sorted(set((st.filter if append else []) + new))


def _write_profile(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    s = sh.snap
    st = state(sh.vfs, s)
    v = data.strip()
    if v not in ("0", "1"):
        raise ActionError("Invalid argument")
    if v == "1" and not st.profiling:
        st.profiling, st.base, st.end = True, s.trace, None  # enabling resets the stats
    elif v == "0" and st.profiling:
        st.profiling, st.end = False, s.trace
    sh.note_read(T + "/function_profile_enabled")


def _write_kprobe_events(sh: Shell, c: Ctx, data: str, append: bool) -> None:
    """'p[:[probe/]NAME] FUNC' adds a kprobe, '-:[probe/]NAME' removes one; '>' without text clears them."""
    s = sh.snap
    st = state(sh.vfs, s)
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


def _one_of(*values: str) -> Writer:
    """A file that accepts one of ``values`` and keeps nothing the model reads."""

    def write(sh: Shell, c: Ctx, data: str, append: bool) -> None:
        if data.strip() not in values:
            raise ActionError("Invalid argument")

    return write


def _read_filter(c: Ctx) -> str:
    st = state(c.vfs, c.s)
    return "\n".join(st.filter) if st.filter else "#### all functions enabled ####"


V.add(
    Route("/sys/kernel/debug", mode=0o700),
    Route(T, mode=0o700),
    Route(T + "/available_filter_functions", lambda c: "\n".join(traceable(_version(c.s)))),
    Route(T + "/available_tracers", lambda c: "blk function_graph wakeup_dl wakeup_rt wakeup function nop"),
    Route(T + "/current_tracer", lambda c: "nop", _one_of("nop", "function", "function_graph")),
    Route(T + "/tracing_on", lambda c: "1", _one_of("0", "1")),
    Route(
        T + "/function_profile_enabled",
        lambda c: "1" if state(c.vfs, c.s).profiling else "0",
        _write_profile,
    ),
    Route(T + "/set_ftrace_filter", _read_filter, _write_filter),
    Route(
        T + "/kprobe_events",
        lambda c: "\n".join(f"p:probe/{f} {f}" for f in state(c.vfs, c.s).probes),
        _write_kprobe_events,
    ),
    Route(T + "/trace_stat"),
    Route(
        T + "/trace_stat/function{cpu}", lambda c: function_stat(c.s, state(c.vfs, c.s), int(c.params["cpu"]))
    ),
)
